// The access service composed with the in-memory store, a test double of the identity
// provider and a clock the test moves: shared by the tests beside src/core/access/*.
import { createHash, randomBytes } from "node:crypto";
import { expect } from "vitest";
// eslint-disable-next-line no-restricted-imports -- the tests compose the core service with the in-memory store (the contract suite covers the store itself)
import { createMemoryAccessStore } from "../../adapters/memory/memory-access-store.js";
// eslint-disable-next-line no-restricted-imports -- the production randomness: secrets must be long and never repeat
import { cryptoRandom } from "../../adapters/system/system.js";
import { NotAllowedError } from "../errors.js";
import type { AccessStore } from "../ports/access-store.js";
import { IdentityProviderError, type IdentityProvider, type PendingSignIn, type VerifiedIdentity } from "../ports/identity-provider.js";
import { silentLogger, type Logger } from "../ports/logger.js";
import { defaultClaimMapping } from "../access/claim-mapping.js";
import { compileClaimMapping } from "../access/claims.js";
import type { UserPrincipal } from "../access/principal.js";
import { createAccessService, type AccessService } from "../access/service.js";

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const SESSIONS = { idleMinutes: 120, absoluteHours: 12 };
export const TOKENS = { defaultDays: 90, maxDays: 365 };
export const ORIGIN = { ip: "192.0.2.1" };
export const REDIRECT = "https://plateau.example/auth/callback";

/** A test double of the IdentityProvider port: the real OIDC checks are tested against oidc-provider elsewhere. */
export function fakeProvider(id: string, identities: Map<string, Record<string, unknown>>): IdentityProvider {
  const issuer = `https://${id}.idp.example`;
  return {
    id,
    title: `Provider ${id}`,
    issuer,
    async begin(redirectUri) {
      const state = randomBytes(16).toString("base64url");
      const pending: PendingSignIn = { provider: id, state, nonce: randomBytes(16).toString("base64url"), codeVerifier: "v".repeat(43), redirectUri };
      return { url: `${issuer}/authorize?state=${state}&redirect_uri=${encodeURIComponent(redirectUri)}`, pending };
    },
    async complete(pending, callbackUrl): Promise<VerifiedIdentity> {
      if (callbackUrl.searchParams.get("state") !== pending.state) throw new NotAllowedError("sign-in refused: state mismatch");
      const subject = callbackUrl.searchParams.get("code") ?? "";
      if (subject === "token-refused")
        throw new IdentityProviderError(`Provider ${id}: the token endpoint answered HTTP 401 with error invalid_client`, id, "token", "invalid_client");
      const claims = identities.get(subject);
      if (!claims) throw new NotAllowedError("sign-in refused: unknown code");
      return { issuer, subject, claims, idToken: `id-token-of-${subject}` };
    },
    async logoutUrl(idToken, postLogoutRedirectUri) {
      return `${issuer}/logout?id_token_hint=${idToken}&post_logout_redirect_uri=${encodeURIComponent(postLogoutRedirectUri)}`;
    },
    async discover() {},
  };
}

export const challengeOf = (verifier: string) => createHash("sha256").update(verifier).digest("base64url");

export interface Harness {
  readonly access: AccessService;
  readonly store: AccessStore;
  advance(ms: number): void;
  /** Begins and completes a sign-in of the person with the given subject (a known "code" of the provider). */
  signIn(subject?: string, provider?: string): Promise<{ sessionId: string; principal: UserPrincipal }>;
}

/** A logger that keeps what it is given. */
export function recordingLogger() {
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const at = (level: string) => (fields: object, message: string) => void lines.push({ level, fields: fields as Record<string, unknown>, message });
  return { lines, logger: { info: at("info"), warn: at("warn"), error: at("error"), debug: at("debug") } };
}

export function harness(logger: Logger = silentLogger): Harness {
  let t = Date.parse("2025-03-01T08:00:00.000Z");
  const store = createMemoryAccessStore();
  const identities = new Map<string, Record<string, unknown>>([
    ["alice-sub", { preferred_username: "alice", groups: ["lab:imb", "lab-admin:imb", "lab:lmbp", "team-x"] }],
    ["bob-sub", { preferred_username: "bob", groups: ["lab:lmbp"] }],
  ]);
  const access = createAccessService({
    store,
    providers: [fakeProvider("a", identities), fakeProvider("b", identities)],
    claims: compileClaimMapping(defaultClaimMapping()),
    clock: { now: () => new Date(t) },
    random: cryptoRandom,
    logger,
    sessions: SESSIONS,
    tokens: TOKENS,
  });
  async function signIn(subject = "alice-sub", provider = "a") {
    const { url, key } = await access.beginSignIn(provider, REDIRECT, "/");
    const state = new URL(url).searchParams.get("state");
    const signedIn = await access.completeSignIn(provider, key, new URL(`${REDIRECT}?state=${state}&code=${subject}`), ORIGIN);
    const session = await access.sessionPrincipal(signedIn.sessionId);
    if (!session) throw new Error("no principal right after sign-in");
    return { sessionId: signedIn.sessionId, principal: session.principal };
  }
  return { access, store, advance: (ms) => (t += ms), signIn };
}

export const rejection = async <E extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => E): Promise<E> => {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(type);
  return error as E;
};
