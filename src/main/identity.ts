// Which identity providers this Plateau trusts: those of the configuration, or — when there
// are none — the embedded provider with its demo community. The embedded provider's keys,
// client secret and generated passwords are kept in <dataDir>/embedded-identity.json (0600),
// so restarts keep the same accounts. Configured providers' discovery documents are read at
// start-up, and again later for those that failed (docs/adr/0013-identity-providers-at-start-up.md).
import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { chmod, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { calculateJwkThumbprint, exportJWK, importPKCS8, type JWK } from "jose";
import {
  createEmbeddedProvider,
  defaultEmbeddedAccounts,
  generateEmbeddedKeys,
  type EmbeddedAccount,
  type EmbeddedKeys,
} from "../adapters/oidc/embedded-provider.js";
import { createOidcRelyingParty } from "../adapters/oidc/relying-party.js";
import { cryptoRandom } from "../adapters/system/system.js";
import { mergeClaimMapping } from "../core/access/claim-mapping.js";
import { compileClaimMapping, type CompiledClaimMapping } from "../core/access/claims.js";
import { InputError } from "../core/errors.js";
import { IdentityProviderError, type IdentityProvider } from "../core/ports/identity-provider.js";
import type { Logger } from "../core/ports/logger.js";
import type { Config } from "./config.js";

export const EMBEDDED_PROVIDER_ID = "embedded";
export const EMBEDDED_MOUNT = "/oidc";

interface EmbeddedState {
  readonly keys: EmbeddedKeys;
  readonly clientSecret: string;
  readonly accounts: EmbeddedAccount[];
}

/** Who is who in the demo community: printed by `plateau up`. */
export const DEMO_ROLES: Record<string, string> = {
  alice: "member of lab IMB",
  ines: "admin of lab IMB",
  bob: "member of lab LMBP",
  lea: "admin of lab LMBP",
  oscar: "platform operator",
};

async function embeddedState(dataDir: string, configured: EmbeddedAccount[] | undefined): Promise<EmbeddedState> {
  const file = join(dataDir, "embedded-identity.json");
  const saved = await readFile(file, "utf8").then(
    (text) => JSON.parse(text) as EmbeddedState,
    () => undefined,
  );
  const state: EmbeddedState = saved ?? {
    keys: await generateEmbeddedKeys(),
    clientSecret: cryptoRandom.secret(43),
    accounts: defaultEmbeddedAccounts(() => cryptoRandom.secret(16)),
  };
  if (!saved) {
    await writeFile(file, JSON.stringify(state, null, 2), { mode: 0o600 });
    await chmod(file, 0o600);
  }
  return configured ? { ...state, accounts: configured } : state;
}

/**
 * The claim mappings: `identity.claims` (over the built-in defaults) for every provider, and for
 * a provider with its own `claims`, those fields over it.
 */
export function claimMappings(config: Config): { claims: CompiledClaimMapping; claimsByProvider: Map<string, CompiledClaimMapping> } {
  const claims = compileClaimMapping(config.identity.claims);
  const claimsByProvider = new Map(
    config.identity.providers.flatMap((provider, i) =>
      provider.claims
        ? [[provider.id, compileClaimMapping(mergeClaimMapping(config.identity.claims, provider.claims), `/identity/providers/${i}/claims`)] as const]
        : [],
    ),
  );
  return { claims, claimsByProvider };
}

/** RFC 7518 names of the signing algorithms for a private key, by its type (and curve). */
const ALGORITHMS: Readonly<Record<string, string>> = {
  rsa: "RS256",
  "rsa-pss": "PS256",
  ed25519: "EdDSA",
  prime256v1: "ES256",
  secp384r1: "ES384",
  secp521r1: "ES512",
};

/**
 * The private key of a private_key_jwt client: a PEM (PKCS#8, or PKCS#1 for RSA) or a JWK file.
 * Its signing algorithm follows from the key (a JWK's `alg` wins); its kid is the configured one,
 * else the JWK's, else the RFC 7638 thumbprint of its public key.
 */
export async function loadClientPrivateKey(file: string, configuredKid: string | undefined, pointer: string, logger?: Logger) {
  const fail = (message: string) => InputError.field(pointer, "private-key", `${file}: ${message}`);
  const text = await readFile(file, "utf8").catch((error: unknown) => {
    throw fail(`cannot be read: ${(error as Error).message}`);
  });
  let key: KeyObject;
  let jwk: JWK | undefined;
  try {
    if (text.trim().startsWith("{")) {
      jwk = JSON.parse(text) as JWK;
      key = createPrivateKey({ key: jwk as never, format: "jwk" });
    } else {
      key = createPrivateKey(text);
    }
  } catch (error) {
    throw fail(`is not a private key (PEM or JWK): ${(error as Error).message}`);
  }
  const details = key.asymmetricKeyDetails;
  const algorithm = jwk?.alg ?? ALGORITHMS[key.asymmetricKeyType === "ec" ? (details?.namedCurve ?? "") : (key.asymmetricKeyType ?? "")];
  if (!algorithm) throw fail(`a ${key.asymmetricKeyType ?? "unknown"} key cannot sign client assertions (use RSA, EC P-256/384/521 or Ed25519)`);
  const mode = await stat(file).then((info) => info.mode & 0o077);
  if (mode !== 0) logger?.warn({ file }, "the client's private key file is readable by others than its owner (chmod 600 it)");
  const cryptoKey = await importPKCS8(key.export({ type: "pkcs8", format: "pem" }).toString(), algorithm).catch((error: unknown) => {
    throw fail(`cannot be used with ${algorithm}: ${(error as Error).message}`);
  });
  const kid = configuredKid ?? jwk?.kid ?? (await calculateJwkThumbprint(await exportJWK(createPublicKey(key))));
  return { key: cryptoKey, kid, algorithm };
}

export async function setUpIdentity(config: Config, publicOrigin: string, logger: Logger) {
  if (config.identity.providers.length > 0) {
    const providers = await Promise.all(
      config.identity.providers.map(async (provider, i) =>
        createOidcRelyingParty({
          id: provider.id,
          title: provider.title,
          issuer: provider.issuer,
          clientId: provider.clientId,
          clientSecret: provider.clientSecret,
          ...(provider.tokenEndpointAuthMethod ? { tokenEndpointAuthMethod: provider.tokenEndpointAuthMethod } : {}),
          ...(provider.privateKeyFile
            ? { privateKey: await loadClientPrivateKey(provider.privateKeyFile, provider.privateKeyId, `/identity/providers/${i}/privateKeyFile`, logger) }
            : {}),
          scopes: provider.scopes,
          allowInsecureHttp: provider.issuer.startsWith("http://"),
          configPath: `identity.providers[${i}]`,
        }),
      ),
    );
    return {
      providers,
      configured: true,
      mount: undefined,
      accounts: [] as EmbeddedAccount[],
      generatedPasswords: false,
    };
  }
  const state = await embeddedState(config.dataDir, config.identity.embedded.accounts);
  const issuer = `${publicOrigin}${EMBEDDED_MOUNT}`;
  const mount = await createEmbeddedProvider({
    issuer,
    accounts: state.accounts,
    clients: [
      {
        clientId: "plateau",
        clientSecret: state.clientSecret,
        redirectUris: [`${publicOrigin}/auth/callback/${EMBEDDED_PROVIDER_ID}`],
        postLogoutRedirectUris: [`${publicOrigin}/`],
      },
    ],
    keys: state.keys,
    showDemoHint: config.identity.embedded.accounts === undefined,
    onError: (error) => logger.error({ error: (error as Error).message }, "embedded identity provider failed"),
  });
  const provider = createOidcRelyingParty({
    id: EMBEDDED_PROVIDER_ID,
    title: "Plateau (demo accounts / comptes de démonstration)",
    issuer,
    clientId: "plateau",
    clientSecret: state.clientSecret,
    scopes: ["openid", "profile", "email", "groups"],
    allowInsecureHttp: issuer.startsWith("http://"),
  });
  return { providers: [provider], configured: false, mount, accounts: state.accounts, generatedPasswords: config.identity.embedded.accounts === undefined };
}

/** What the start-up check (and the later ones) found of a configured provider. */
export interface ProviderStatus {
  readonly id: string;
  readonly title: string;
  /** `unavailable`: could not be read (tried again later); `misconfigured`: contradicts the configuration. */
  readonly state: "ready" | "unavailable" | "misconfigured" | "checking";
  /** Why not ready: a sentence naming the configuration field when it is one. */
  readonly reason?: string;
}

export interface ProviderWatchOptions {
  /** Discovery documents read at once. Default 8. */
  readonly concurrency?: number;
  /** First delay before reading again a document that failed; doubled each time up to maxRetryMs. Default 30 s. */
  readonly retryMs?: number;
  /** Default 15 min. */
  readonly maxRetryMs?: number;
}

/**
 * Reads every configured provider's discovery document now, and again later for those that
 * failed (with a growing delay), logging each change: a provider down at start-up does not stop
 * Plateau, and a configuration error is said at start-up rather than at the first sign-in.
 * Sign-ins with a provider that is not ready still try it, and fail with the reason.
 */
export function watchIdentityProviders(providers: readonly IdentityProvider[], logger: Logger, options: ProviderWatchOptions = {}) {
  const concurrency = options.concurrency ?? 8;
  const firstRetry = options.retryMs ?? 30_000;
  const maxRetry = options.maxRetryMs ?? 15 * 60_000;
  const statuses = new Map<string, ProviderStatus>(providers.map((p) => [p.id, { id: p.id, title: p.title, state: "checking" }]));
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let stopped = false;

  async function check(provider: IdentityProvider, retryMs: number): Promise<void> {
    const before = statuses.get(provider.id);
    let now: ProviderStatus;
    try {
      await provider.discover();
      now = { id: provider.id, title: provider.title, state: "ready" };
    } catch (error) {
      const misconfigured = error instanceof IdentityProviderError && error.failure === "configuration";
      now = { id: provider.id, title: provider.title, state: misconfigured ? "misconfigured" : "unavailable", reason: (error as Error).message };
      const fields = { provider: provider.id, issuer: provider.issuer, error: error instanceof IdentityProviderError ? error.errorCode : "unexpected" };
      if (before?.reason !== now.reason) {
        if (misconfigured)
          logger.error({ ...fields, reason: now.reason }, "identity provider misconfigured: sign-ins with it fail until the configuration is fixed");
        else logger.warn({ ...fields, reason: now.reason, retryInSeconds: Math.round(retryMs / 1000) }, "identity provider unavailable: tried again later");
      }
      if (!stopped) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          void check(provider, Math.min(retryMs * 2, maxRetry));
        }, retryMs);
        timer.unref();
        timers.add(timer);
      }
    }
    statuses.set(provider.id, now);
    if (now.state === "ready")
      logger.info(
        { provider: provider.id, issuer: provider.issuer },
        before?.state === "checking" ? "identity provider ready" : "identity provider ready again",
      );
  }

  // A few at a time: a federation may list hundreds.
  const queue = [...providers];
  const initial = Promise.all(
    Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) await check(next, firstRetry);
    }),
  ).then(() => [...statuses.values()]);

  return {
    /** The statuses once every provider was read once. */
    initial,
    statuses: (): ProviderStatus[] => [...statuses.values()],
    stop(): void {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
