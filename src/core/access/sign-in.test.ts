import { beforeEach, describe, expect, it } from "vitest";
// eslint-disable-next-line no-restricted-imports -- the test composes the core service with the in-memory store (the contract suite covers the store itself)
import { createMemoryAccessStore } from "../../adapters/memory/memory-access-store.js";
// eslint-disable-next-line no-restricted-imports -- the production randomness: secrets must be long and never repeat
import { cryptoRandom } from "../../adapters/system/system.js";
import { NotAllowedError, NotFoundError } from "../errors.js";
import { IdentityProviderError } from "../ports/identity-provider.js";
import { silentLogger } from "../ports/logger.js";
import { defaultClaimMapping } from "./claim-mapping.js";
import { compileClaimMapping } from "./claims.js";
import { createAccessService } from "./service.js";
import { fakeProvider, harness, MINUTE, ORIGIN, recordingLogger, REDIRECT, rejection, SESSIONS, TOKENS, type Harness } from "../testing/access.js";
import { sha256 } from "./context.js";

describe("access service: sign-in", () => {
  let h: Harness;
  beforeEach(() => {
    h = harness();
  });

  it("creates the user with the labs of its claims and opens a session", async () => {
    const { url, key } = await h.access.beginSignIn("a", REDIRECT, "/projects/demo?tab=1");
    expect(url).toMatch(/^https:\/\/a\.idp\.example\/authorize\?state=/);
    expect(key.length).toBeGreaterThanOrEqual(43);
    const state = new URL(url).searchParams.get("state");
    const signedIn = await h.access.completeSignIn("a", key, new URL(`${REDIRECT}?state=${state}&code=alice-sub`), ORIGIN);
    expect(signedIn.returnTo).toBe("/projects/demo?tab=1");
    expect(signedIn.user).toMatchObject({
      issuer: "https://a.idp.example",
      subject: "alice-sub",
      login: "alice",
      labs: ["imb", "lmbp"],
      labAdminOf: ["imb"],
      operator: false,
    });
    expect(signedIn.user.groups).toContain("team-x");
    const session = await h.access.sessionPrincipal(signedIn.sessionId);
    expect(session?.principal).toMatchObject({ kind: "user", login: "alice", labs: ["imb", "lmbp"], labAdminOf: ["imb"], via: "session" });
    expect(session?.principal.scope).toEqual({ projects: null, write: true });
    expect(session?.csrfToken).toBe(signedIn.csrfToken);
    // The store knows the session by its hash only.
    expect(await h.store.getSession(signedIn.sessionId)).toBeUndefined();
    expect(await h.store.getSession(sha256(signedIn.sessionId))).toMatchObject({ userId: signedIn.user.id, provider: "a", parentHash: null });
    const [entry] = await h.store.listAudit({ labs: null, limit: 1 });
    expect(entry).toMatchObject({ actor: "alice", action: "sign-in", target: "a", outcome: "success", ip: ORIGIN.ip });
  });

  it("keeps returnTo to Plateau's own paths", async () => {
    const { url, key } = await h.access.beginSignIn("a", REDIRECT, "https://evil.example/");
    const state = new URL(url).searchParams.get("state");
    const signedIn = await h.access.completeSignIn("a", key, new URL(`${REDIRECT}?state=${state}&code=alice-sub`), ORIGIN);
    expect(signedIn.returnTo).toBe("/");
  });

  it("takes a pending sign-in once: a replayed callback is refused and audited as a failure", async () => {
    const { url, key } = await h.access.beginSignIn("a", REDIRECT, "/");
    const callback = new URL(`${REDIRECT}?state=${new URL(url).searchParams.get("state")}&code=alice-sub`);
    await h.access.completeSignIn("a", key, callback, ORIGIN);
    const error = await rejection(h.access.completeSignIn("a", key, callback, ORIGIN), NotAllowedError);
    expect(error.message).toMatch(/no pending sign-in/);
    const [entry] = await h.store.listAudit({ labs: null, limit: 1 });
    expect(entry).toMatchObject({ actor: null, action: "sign-in", target: "a", outcome: "failure", detail: "no pending sign-in", ip: ORIGIN.ip });
  });

  it("refuses a sign-in without a key, with an unknown key, or after the pending sign-in expired", async () => {
    await rejection(h.access.completeSignIn("a", undefined, new URL(REDIRECT), ORIGIN), NotAllowedError);
    await rejection(h.access.completeSignIn("a", "not-a-key", new URL(REDIRECT), ORIGIN), NotAllowedError);
    const { url, key } = await h.access.beginSignIn("a", REDIRECT, "/");
    h.advance(11 * MINUTE);
    const callback = new URL(`${REDIRECT}?state=${new URL(url).searchParams.get("state")}&code=alice-sub`);
    await rejection(h.access.completeSignIn("a", key, callback, ORIGIN), NotAllowedError);
  });

  it("refuses a sign-in started with provider a whose answer comes to provider b's callback (mix-up)", async () => {
    const { url, key } = await h.access.beginSignIn("a", REDIRECT, "/");
    const callback = new URL(`${REDIRECT}?state=${new URL(url).searchParams.get("state")}&code=alice-sub`);
    const error = await rejection(h.access.completeSignIn("b", key, callback, ORIGIN), NotAllowedError);
    expect(error.message).toMatch(/another provider/);
    const [entry] = await h.store.listAudit({ labs: null, limit: 1 });
    expect(entry).toMatchObject({ action: "sign-in", target: "b", outcome: "failure", detail: "provider mismatch" });
    // The pending sign-in was taken: it cannot be completed on the right callback afterwards either.
    await rejection(h.access.completeSignIn("a", key, callback, ORIGIN), NotAllowedError);
  });

  it("passes on the provider's refusal (a bad state) and audits it", async () => {
    const { key } = await h.access.beginSignIn("a", REDIRECT, "/");
    const error = await rejection(h.access.completeSignIn("a", key, new URL(`${REDIRECT}?state=forged&code=alice-sub`), ORIGIN), NotAllowedError);
    expect(error.message).toMatch(/state/);
    const [entry] = await h.store.listAudit({ labs: null, limit: 1 });
    expect(entry).toMatchObject({ action: "sign-in", outcome: "failure", detail: "sign-in refused: state mismatch" });
  });

  it("refuses claims from which no login can be made", async () => {
    const identities = new Map([["nobody", { groups: ["lab:imb"] }]]);
    const access = createAccessService({
      store: createMemoryAccessStore(),
      providers: [fakeProvider("a", identities)],
      claims: compileClaimMapping(defaultClaimMapping()),
      clock: { now: () => new Date() },
      random: cryptoRandom,
      logger: silentLogger,
      sessions: SESSIONS,
      tokens: TOKENS,
    });
    const { url, key } = await access.beginSignIn("a", REDIRECT, "/");
    const callback = new URL(`${REDIRECT}?state=${new URL(url).searchParams.get("state")}&code=nobody`);
    await rejection(access.completeSignIn("a", key, callback, ORIGIN), NotAllowedError);
  });

  it("makes an operator of a configured login only for the person who has that login here, never for another who asks for it", async () => {
    // oscar signs in at provider a; someone at provider b whose claims also say oscar (another
    // domain: the domain is dropped) gets oscar-2, and must not operate the platform.
    const identities = new Map([
      ["oscar-sub", { preferred_username: "oscar" }],
      ["mallory-sub", { eppn: "oscar@elsewhere.example" }],
    ]);
    const mapping = defaultClaimMapping();
    mapping.operators.logins = ["oscar"];
    const access = createAccessService({
      store: createMemoryAccessStore(),
      providers: [fakeProvider("a", identities), fakeProvider("b", identities)],
      claims: compileClaimMapping(mapping),
      clock: { now: () => new Date() },
      random: cryptoRandom,
      logger: silentLogger,
      sessions: SESSIONS,
      tokens: TOKENS,
    });
    const signIn = async (provider: string, subject: string) => {
      const { url, key } = await access.beginSignIn(provider, REDIRECT, "/");
      const callback = new URL(`${REDIRECT}?state=${new URL(url).searchParams.get("state")}&code=${subject}`);
      const session = await access.sessionPrincipal((await access.completeSignIn(provider, key, callback, ORIGIN)).sessionId);
      return session?.principal;
    };
    expect(await signIn("a", "oscar-sub")).toMatchObject({ login: "oscar", operator: true });
    expect(await signIn("b", "mallory-sub")).toMatchObject({ login: "oscar-2", operator: false });
    // Again (an existing user): still not.
    expect(await signIn("b", "mallory-sub")).toMatchObject({ login: "oscar-2", operator: false });
    expect(await signIn("a", "oscar-sub")).toMatchObject({ login: "oscar", operator: true });
  });

  it("logs the names of the claims received and what of the mapping they left empty, and every refused sign-in", async () => {
    const { lines, logger } = recordingLogger();
    const logged = harness(logger);
    await logged.signIn("bob-sub");
    const received = lines.find((line) => line.message === "sign-in: claims received");
    expect(received).toMatchObject({ level: "info", fields: { provider: "a", login: "bob", claims: ["groups", "preferred_username"] } });
    expect(received?.fields.empty).toEqual(expect.arrayContaining(["email (none of email, mail)", "labAdmins[0] (claim groups: no value made a lab)"]));
    expect(JSON.stringify(received?.fields.claims)).not.toContain("lab:lmbp");

    const { key } = await logged.access.beginSignIn("a", REDIRECT, "/");
    await rejection(logged.access.completeSignIn("a", key, new URL(`${REDIRECT}?state=forged&code=bob-sub`), ORIGIN), NotAllowedError);
    expect(lines.at(-1)).toMatchObject({ level: "warn", message: "sign-in refused", fields: { provider: "a", reason: "sign-in refused: state mismatch" } });

    const second = await logged.access.beginSignIn("a", REDIRECT, "/");
    const secondState = new URL(second.url).searchParams.get("state");
    await rejection(
      logged.access.completeSignIn("a", second.key, new URL(`${REDIRECT}?state=${secondState}&code=token-refused`), ORIGIN),
      IdentityProviderError,
    );
    expect(lines.at(-1)).toMatchObject({
      level: "warn",
      message: "sign-in failed at the identity provider",
      fields: { provider: "a", failure: "token", error: "invalid_client" },
    });
  });

  it("makes a new session id at every sign-in, never the same twice", async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const { sessionId } = await h.signIn();
      expect(sessionId.length).toBeGreaterThanOrEqual(43);
      expect(sessionId).toMatch(/^[A-Za-z0-9_-]+$/);
      ids.add(sessionId);
    }
    expect(ids.size).toBe(20);
    // Signing in again is the same user (keyed by issuer and subject).
    const first = await h.signIn();
    const second = await h.signIn();
    expect(second.principal.userId).toBe(first.principal.userId);
    expect(second.sessionId).not.toBe(first.sessionId);
  });

  it("knows an unknown provider as not found", async () => {
    await rejection(h.access.beginSignIn("nope", REDIRECT, "/"), NotFoundError);
    expect(h.access.providers()).toEqual([
      { id: "a", title: "Provider a", issuer: "https://a.idp.example" },
      { id: "b", title: "Provider b", issuer: "https://b.idp.example" },
    ]);
  });
});
