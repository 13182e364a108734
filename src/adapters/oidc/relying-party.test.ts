// Conformance of the OpenID Connect relying party against real oidc-provider servers on loopback.
// Tokens always come from the provider; negative cases tamper with its real responses (re-signed
// with its own keys, or a foreign one) in a Koa middleware in front of its endpoints.
import { createHash } from "node:crypto";
import { createServer, type RequestListener } from "node:http";
import type { AddressInfo } from "node:net";
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK, type JWTPayload } from "jose";
import Provider, { type Adapter, type AdapterPayload, type ClientMetadata, type InteractionResults } from "oidc-provider";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { NotAllowedError, UnavailableError } from "../../core/errors.js";
import { IdentityProviderError, type IdentityProvider, type PendingSignIn } from "../../core/ports/identity-provider.js";
import { freeLoopbackPort } from "../net.js";
import { createOidcRelyingParty, type OidcRelyingPartyParams } from "./relying-party.js";

const SECRET = "a-client-secret-long-enough-for-the-provider";
const ACCOUNT = "alice";
const POST_LOGOUT_URI = "https://plateau.example/signed-out";
const redirectUriFor = (id: string) => `https://plateau.example/auth/callback/${id}`;

type Middleware = Parameters<Provider["use"]>[0];
type Context = Parameters<Middleware>[0];
/** Runs after the provider has answered any request: may rewrite its response. */
type Tamper = (ctx: Context) => void | Promise<void>;

interface ProviderServer {
  readonly issuer: string;
  tamper: Tamper | undefined;
  /** Whether the next interactions refuse the sign-in (access_denied) instead of logging in. */
  deny: boolean;
  /** Replaces the provider by one with these keys (the first signs), keeping its stored state. */
  rotate(keys: JWK[]): void;
  close(): Promise<void>;
}

interface ProviderOptions {
  readonly keys: JWK[];
  readonly clients: ClientMetadata[];
  readonly clientAuthMethods?: ("client_secret_basic" | "client_secret_post" | "private_key_jwt" | "none")[];
  readonly rpInitiatedLogout?: boolean;
}

/** An oidc-provider on 127.0.0.1 (port 0), issuer http://127.0.0.1:<port>, logging in ACCOUNT at once. */
async function startProvider(options: ProviderOptions): Promise<ProviderServer> {
  const adapter = memoryAdapter();
  let handle: RequestListener = (_req, res) => res.writeHead(503).end();
  const http = createServer((req, res) => handle(req, res));
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;

  const server: ProviderServer = {
    issuer,
    tamper: undefined,
    deny: false,
    rotate: (keys) => {
      handle = build(keys).callback();
    },
    close: () => new Promise<void>((resolve, reject) => http.close((error) => (error ? reject(error) : resolve()))),
  };

  function build(keys: JWK[]): Provider {
    const provider = new Provider(issuer, {
      adapter,
      clients: options.clients,
      jwks: { keys },
      cookies: { keys: ["cookie-signing-key-for-tests-only"] },
      clientAuthMethods: options.clientAuthMethods ?? ["client_secret_basic", "client_secret_post", "none"],
      findAccount: (_ctx, accountId) => ({
        accountId,
        claims: () => ({ sub: accountId, preferred_username: accountId, name: "Alice Liddell", email: "alice@example.org", groups: ["physics"] }),
      }),
      claims: { openid: ["sub"], profile: ["name", "preferred_username"], email: ["email"], groups: ["groups"] },
      interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
      pkce: { required: () => true },
      features: {
        devInteractions: { enabled: false },
        userinfo: { enabled: true },
        rpInitiatedLogout: { enabled: options.rpInitiatedLogout ?? true, logoutSource: (ctx, form) => void (ctx.body = `<html>${form}</html>`) },
      },
      // Explicit values, so that the provider does not announce that it uses its defaults.
      ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 600, Grant: 600 },
      renderError: (ctx, out) => void (ctx.body = out),
    });
    provider.use(async (ctx, next) => {
      if (ctx.path.startsWith("/interaction/")) return finishInteraction(provider, ctx, server.deny);
      await next();
      await server.tamper?.(ctx);
    });
    return provider;
  }

  handle = build(options.keys).callback();
  return server;
}

/** The login and consent screens, answered at once: ACCOUNT, granted every requested scope. */
async function finishInteraction(provider: Provider, ctx: Context, deny: boolean): Promise<void> {
  const { params } = await provider.interactionDetails(ctx.req, ctx.res);
  let result: InteractionResults;
  if (deny) {
    result = { error: "access_denied", error_description: "the test said no" };
  } else {
    const grant = new provider.Grant({ accountId: ACCOUNT, clientId: String(params.client_id) });
    grant.addOIDCScope(String(params.scope));
    result = { login: { accountId: ACCOUNT }, consent: { grantId: await grant.save() } };
  }
  ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, result));
}

/** oidc-provider's own memory adapter would warn that it is for development; this one is for a test. */
function memoryAdapter(): (model: string) => Adapter {
  const entries = new Map<string, AdapterPayload>();
  const sessionIds = new Map<string, string>();
  const grantEntries = new Map<string, string[]>();
  // Expiry is ignored: a provider here lives for seconds.
  return (model) => {
    const key = (id: string) => `${model}:${id}`;
    return {
      upsert: async (id, payload) => {
        entries.set(key(id), payload);
        if (model === "Session" && payload.uid) sessionIds.set(payload.uid, id);
        if (payload.grantId) grantEntries.set(payload.grantId, [...(grantEntries.get(payload.grantId) ?? []), key(id)]);
      },
      find: async (id) => entries.get(key(id)),
      findByUid: async (uid) => {
        const id = sessionIds.get(uid);
        return id === undefined ? undefined : entries.get(key(id));
      },
      findByUserCode: async () => undefined,
      consume: async (id) => {
        const payload = entries.get(key(id));
        if (payload) payload.consumed = Math.floor(Date.now() / 1000);
      },
      destroy: async (id) => void entries.delete(key(id)),
      revokeByGrantId: async (grantId) => {
        for (const entry of grantEntries.get(grantId) ?? []) entries.delete(entry);
        grantEntries.delete(grantId);
      },
    };
  };
}

function clientsFor(id: string): ClientMetadata[] {
  return [
    {
      client_id: "plateau",
      client_secret: SECRET,
      redirect_uris: [redirectUriFor(id)],
      post_logout_redirect_uris: [POST_LOGOUT_URI],
      token_endpoint_auth_method: "client_secret_basic",
    },
    { client_id: "plateau-public", redirect_uris: [redirectUriFor(id)], token_endpoint_auth_method: "none" },
  ];
}

async function signingKey(kid: string): Promise<JWK> {
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg: "RS256", use: "sig" };
}

/** A relying party for `server` that records the path of every request it makes. */
function relyingParty(server: ProviderServer, overrides: Partial<OidcRelyingPartyParams> = {}) {
  const requests: string[] = [];
  const recordingFetch: typeof fetch = (input, init) => {
    requests.push(new URL(typeof input === "string" ? input : "url" in input ? input.url : input.href).pathname);
    return fetch(input, init);
  };
  const rp = createOidcRelyingParty({
    id: "a",
    title: "Provider A",
    issuer: server.issuer,
    clientId: "plateau",
    clientSecret: SECRET,
    allowInsecureHttp: true,
    fetch: recordingFetch,
    ...overrides,
  });
  return { rp, requests };
}

/** Plays the browser from the authorization URL to the redirect back to us, with the provider's cookies. */
async function browse(authorizationUrl: string, redirectUri: string): Promise<URL> {
  const jar = new Map<string, string>();
  let url = new URL(authorizationUrl);
  for (let hop = 0; hop < 10; hop++) {
    const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join("; ");
    const response = await fetch(url, { redirect: "manual", headers: cookie ? { cookie } : {} });
    for (const line of response.headers.getSetCookie()) {
      const [pair = "", ...attributes] = line.split(";");
      const name = pair.slice(0, pair.indexOf("=")).trim();
      const value = pair.slice(pair.indexOf("=") + 1).trim();
      const expires = attributes.map((attribute) => /^\s*expires=(.*)$/i.exec(attribute)?.[1]).find((date) => date !== undefined);
      if (value === "" || (expires !== undefined && Date.parse(expires) <= Date.now())) jar.delete(name);
      else jar.set(name, value);
    }
    const location = response.headers.get("location");
    const body = await response.text();
    if (location === null) throw new Error(`the provider stopped at ${url.pathname} with HTTP ${response.status}: ${body.slice(0, 300)}`);
    url = new URL(location, url);
    if (`${url.origin}${url.pathname}` === redirectUri) return url;
  }
  throw new Error(`more than 10 redirects from ${authorizationUrl}`);
}

async function signIn(rp: IdentityProvider): Promise<{ pending: PendingSignIn; callback: URL }> {
  const redirectUri = redirectUriFor(rp.id);
  const { url, pending } = await rp.begin(redirectUri);
  return { pending, callback: await browse(url, redirectUri) };
}

async function expectRefusal(promise: Promise<unknown>, check: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (rejection: unknown) => rejection,
  );
  expect(error).toBeInstanceOf(NotAllowedError);
  expect((error as Error).message).toMatch(/^sign-in refused: /);
  expect((error as Error).message).toMatch(check);
}

/** Rewrites the provider's JSON answer at `path`. */
function onAnswer(path: string, change: (body: Record<string, unknown>) => Record<string, unknown> | Promise<Record<string, unknown>>): Tamper {
  return async (ctx) => {
    if (ctx.path === path && ctx.status === 200) ctx.body = await change(ctx.body as Record<string, unknown>);
  };
}

/** Rewrites the ID token of the provider's token response. */
function onIdToken(change: (idToken: string) => Promise<string>): Tamper {
  return onAnswer("/token", async (body) => ({ ...body, id_token: await change(String(body.id_token)) }));
}

/** The provider's real ID token with changed claims (and header), signed again with `key`. */
async function reSigned(idToken: string, key: JWK, claims: (claims: JWTPayload) => JWTPayload, header = decodeProtectedHeader(idToken)): Promise<string> {
  return new SignJWT(claims(decodeJwt(idToken))).setProtectedHeader({ ...header, alg: "RS256" }).sign(await importJWK(key, "RS256"));
}

const now = () => Math.floor(Date.now() / 1000);
const unchanged = (claims: JWTPayload) => claims;

describe("OpenID Connect relying party against oidc-provider", () => {
  let keyA: JWK;
  let keyNext: JWK;
  let foreignKey: JWK;
  let providerA: ProviderServer;
  let providerB: ProviderServer;
  const others: ProviderServer[] = [];

  async function startOther(options: ProviderOptions): Promise<ProviderServer> {
    const server = await startProvider(options);
    others.push(server);
    return server;
  }

  beforeAll(async () => {
    [keyA, keyNext, foreignKey] = await Promise.all([signingKey("a-1"), signingKey("a-2"), signingKey("foreign")]);
    providerA = await startProvider({ keys: [keyA], clients: clientsFor("a") });
    // B authenticates clients with client_secret_post only, and has no end-session endpoint.
    providerB = await startProvider({
      keys: [await signingKey("b-1")],
      clients: [{ client_id: "plateau", client_secret: SECRET, redirect_uris: [redirectUriFor("b")], token_endpoint_auth_method: "client_secret_post" }],
      clientAuthMethods: ["client_secret_post"],
      rpInitiatedLogout: false,
    });
  });

  afterEach(() => {
    for (const server of [providerA, providerB]) {
      server.tamper = undefined;
      server.deny = false;
    }
  });

  afterAll(async () => {
    await Promise.all([providerA, providerB, ...others].map((server) => server.close()));
  });

  const relyingPartyB = () => relyingParty(providerB, { id: "b", title: "Provider B", issuer: providerB.issuer });

  describe("signing in", () => {
    it("returns the issuer, the subject, ID token and userinfo claims merged, and the ID token", async () => {
      const { rp, requests } = relyingParty(providerA, { scopes: ["openid", "profile", "email", "groups"] });
      const { pending, callback } = await signIn(rp);
      const identity = await rp.complete(pending, callback);

      expect(identity.issuer).toBe(providerA.issuer);
      expect(identity.subject).toBe(ACCOUNT);
      expect(identity.claims).toMatchObject({
        iss: providerA.issuer,
        aud: "plateau",
        sub: ACCOUNT,
        nonce: pending.nonce,
        preferred_username: ACCOUNT,
        name: "Alice Liddell",
        email: "alice@example.org",
        groups: ["physics"],
      });
      expect(decodeJwt(identity.idToken).sub).toBe(ACCOUNT);
      // Every request went through the given fetch: the "no token request" assertions below rely on it.
      expect(requests).toEqual(["/.well-known/openid-configuration", "/token", "/jwks", "/me"]);
    });

    it("sends an authorization request with PKCE S256 and fresh, long state and nonce", async () => {
      const { rp } = relyingParty(providerA);
      const first = await rp.begin(redirectUriFor("a"));
      const second = await rp.begin(redirectUriFor("a"));
      const query = new URL(first.url).searchParams;

      expect(first.url.startsWith(`${providerA.issuer}/auth?`)).toBe(true);
      expect(Object.fromEntries(query)).toMatchObject({
        response_type: "code",
        client_id: "plateau",
        redirect_uri: redirectUriFor("a"),
        scope: "openid profile email",
        state: first.pending.state,
        nonce: first.pending.nonce,
        code_challenge_method: "S256",
        code_challenge: createHash("sha256").update(first.pending.codeVerifier).digest("base64url"),
      });
      expect(first.pending).toMatchObject({ provider: "a", redirectUri: redirectUriFor("a") });
      // 43 base64url characters carry 256 bits.
      for (const secret of [first.pending.state, first.pending.nonce, first.pending.codeVerifier]) expect(secret).toMatch(/^[\w-]{43,}$/);
      expect(second.pending.state).not.toBe(first.pending.state);
      expect(second.pending.nonce).not.toBe(first.pending.nonce);
      expect(second.pending.codeVerifier).not.toBe(first.pending.codeVerifier);
    });

    it("lets userinfo add claims but never override the ID token's", async () => {
      providerA.tamper = onAnswer("/me", (body) => ({ ...body, nonce: "from-userinfo", nickname: "ally" }));
      const { rp } = relyingParty(providerA);
      const { pending, callback } = await signIn(rp);
      const identity = await rp.complete(pending, callback);
      expect(identity.claims).toMatchObject({ nonce: pending.nonce, nickname: "ally" });
    });

    it("signs in as a public client (no secret) with PKCE alone", async () => {
      const { rp } = relyingParty(providerA, { clientId: "plateau-public", clientSecret: undefined });
      const { pending, callback } = await signIn(rp);
      expect((await rp.complete(pending, callback)).subject).toBe(ACCOUNT);
    });

    it("uses client_secret_post when the provider supports only that", async () => {
      const { rp } = relyingPartyB();
      const { pending, callback } = await signIn(rp);
      expect((await rp.complete(pending, callback)).issuer).toBe(providerB.issuer);
    });

    it("gives the same sub from two providers two different issuers (users are keyed by both)", async () => {
      const a = relyingParty(providerA).rp;
      const b = relyingPartyB().rp;
      const fromA = await signIn(a);
      const fromB = await signIn(b);
      const identityA = await a.complete(fromA.pending, fromA.callback);
      const identityB = await b.complete(fromB.pending, fromB.callback);
      expect(identityA.subject).toBe(identityB.subject);
      expect(identityA.issuer).not.toBe(identityB.issuer);
    });
  });

  describe("ID token checks", () => {
    it("refuses a bad signature", async () => {
      providerA.tamper = onIdToken((idToken) => reSigned(idToken, foreignKey, unchanged));
      const { rp } = relyingParty(providerA);
      const { pending, callback } = await signIn(rp);
      await expectRefusal(rp.complete(pending, callback), /ID token signature invalid/);
    });

    it("refuses alg none", async () => {
      providerA.tamper = onIdToken(async (idToken) => {
        const [, payload] = idToken.split(".");
        return `${Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url")}.${payload}.`;
      });
      const { rp } = relyingParty(providerA);
      const { pending, callback } = await signIn(rp);
      await expectRefusal(rp.complete(pending, callback), /ID token alg not allowed/);
    });

    it("refuses another issuer in the iss claim", async () => {
      providerA.tamper = onIdToken((idToken) => reSigned(idToken, keyA, (claims) => ({ ...claims, iss: providerB.issuer })));
      const { rp } = relyingParty(providerA);
      const { pending, callback } = await signIn(rp);
      await expectRefusal(rp.complete(pending, callback), /issuer mismatch \(ID token iss claim\)/);
    });

    it("refuses another audience", async () => {
      providerA.tamper = onIdToken((idToken) => reSigned(idToken, keyA, (claims) => ({ ...claims, aud: "someone-else" })));
      const { rp } = relyingParty(providerA);
      const { pending, callback } = await signIn(rp);
      await expectRefusal(rp.complete(pending, callback), /audience mismatch/);
    });

    it("refuses several audiences whose azp is another client", async () => {
      providerA.tamper = onIdToken((idToken) => reSigned(idToken, keyA, (claims) => ({ ...claims, aud: ["plateau", "someone-else"], azp: "someone-else" })));
      const { rp } = relyingParty(providerA);
      const { pending, callback } = await signIn(rp);
      await expectRefusal(rp.complete(pending, callback), /authorized party mismatch/);
    });

    it("refuses a missing nonce", async () => {
      providerA.tamper = onIdToken((idToken) => reSigned(idToken, keyA, ({ nonce: _, ...claims }) => claims));
      const { rp } = relyingParty(providerA);
      const { pending, callback } = await signIn(rp);
      await expectRefusal(rp.complete(pending, callback), /ID token nonce claim missing/);
    });

    it("refuses a wrong nonce", async () => {
      providerA.tamper = onIdToken((idToken) => reSigned(idToken, keyA, (claims) => ({ ...claims, nonce: "another-sign-in" })));
      const { rp } = relyingParty(providerA);
      const { pending, callback } = await signIn(rp);
      await expectRefusal(rp.complete(pending, callback), /nonce mismatch/);
    });

    it("refuses an expired ID token", async () => {
      providerA.tamper = onIdToken((idToken) => reSigned(idToken, keyA, (claims) => ({ ...claims, iat: now() - 300, exp: now() - 120 })));
      const { rp } = relyingParty(providerA);
      const { pending, callback } = await signIn(rp);
      await expectRefusal(rp.complete(pending, callback), /ID token expired/);
    });

    it("refuses an iat in the future", async () => {
      providerA.tamper = onIdToken((idToken) => reSigned(idToken, keyA, (claims) => ({ ...claims, iat: now() + 600, exp: now() + 1200 })));
      const { rp } = relyingParty(providerA);
      const { pending, callback } = await signIn(rp);
      await expectRefusal(rp.complete(pending, callback), /ID token iat in the future/);
    });

    it("refuses an iat older than ten minutes", async () => {
      providerA.tamper = onIdToken((idToken) => reSigned(idToken, keyA, (claims) => ({ ...claims, iat: now() - 3600 })));
      const { rp } = relyingParty(providerA);
      const { pending, callback } = await signIn(rp);
      await expectRefusal(rp.complete(pending, callback), /ID token iat too old/);
    });

    it("refuses an ID token without kid when the provider's JWKS has several keys", async () => {
      const provider = await startOther({ keys: [keyA, keyNext], clients: clientsFor("a") });
      provider.tamper = onIdToken((idToken) => reSigned(idToken, keyA, unchanged, { alg: "RS256" }));
      const { rp } = relyingParty(provider);
      const { pending, callback } = await signIn(rp);
      await expectRefusal(rp.complete(pending, callback), /no kid .* several candidate keys/);
    });

    it("follows a key rotation: a new kid after the JWKS was cached makes it refetch the JWKS", async () => {
      const provider = await startOther({ keys: [keyA], clients: clientsFor("a") });
      const { rp, requests } = relyingParty(provider);
      const before = await signIn(rp);
      await rp.complete(before.pending, before.callback);

      provider.rotate([keyNext, keyA]);
      const after = await signIn(rp);
      const identity = await rp.complete(after.pending, after.callback);
      expect(decodeProtectedHeader(identity.idToken).kid).toBe(keyNext.kid);
      expect(requests.filter((path) => path === "/jwks")).toHaveLength(2);
    });

    it("refetches the JWKS once for an unknown kid, then refuses", async () => {
      providerA.tamper = onIdToken((idToken) => reSigned(idToken, foreignKey, unchanged, { alg: "RS256", kid: "unknown" }));
      const { rp, requests } = relyingParty(providerA);
      const { pending, callback } = await signIn(rp);
      await expectRefusal(rp.complete(pending, callback), /ID token kid not in the provider's JWKS/);
      expect(requests.filter((path) => path === "/jwks")).toHaveLength(2);
    });
  });

  describe("userinfo", () => {
    it("refuses a userinfo sub that differs from the ID token's", async () => {
      providerA.tamper = onAnswer("/me", (body) => ({ ...body, sub: "mallory" }));
      const { rp } = relyingParty(providerA);
      const { pending, callback } = await signIn(rp);
      await expectRefusal(rp.complete(pending, callback), /userinfo sub differs/);
    });
  });

  describe("callback checks, made before any token request", () => {
    it("refuses a missing or mismatched state, and the genuine callback still completes afterwards", async () => {
      const { rp, requests } = relyingParty(providerA);
      const { pending, callback } = await signIn(rp);
      const wrong = new URL(callback);
      wrong.searchParams.set("state", "forged");
      await expectRefusal(rp.complete(pending, wrong), /state mismatch/);
      const missing = new URL(callback);
      missing.searchParams.delete("state");
      await expectRefusal(rp.complete(pending, missing), /state missing/);
      expect(requests).not.toContain("/token");

      await rp.complete(pending, callback);
    });

    it("refuses an error response, naming the provider's error code", async () => {
      providerA.deny = true;
      const { rp, requests } = relyingParty(providerA);
      const { pending, callback } = await signIn(rp);
      expect(callback.searchParams.get("error")).toBe("access_denied");
      await expectRefusal(rp.complete(pending, callback), /provider returned error access_denied/);
      expect(requests).not.toContain("/token");
    });

    it("refuses a callback without iss when the provider announces RFC 9207", async () => {
      const { rp, requests } = relyingParty(providerA);
      const { pending, callback } = await signIn(rp);
      expect(callback.searchParams.get("iss")).toBe(providerA.issuer);
      callback.searchParams.delete("iss");
      await expectRefusal(rp.complete(pending, callback), /issuer missing \(iss parameter\)/);
      expect(requests).not.toContain("/token");
    });

    it("refuses a mix-up: another provider's answer (its iss) delivered to this provider's sign-in", async () => {
      const a = relyingParty(providerA);
      const b = relyingPartyB();
      const { pending } = await a.rp.begin(redirectUriFor("a"));
      const { callback: fromB } = await signIn(b.rp);
      const delivered = new URL(redirectUriFor("a"));
      delivered.search = fromB.search;
      delivered.searchParams.set("state", pending.state);
      await expectRefusal(a.rp.complete(pending, delivered), /issuer mismatch \(iss parameter\)/);
      expect([...a.requests, ...b.requests]).not.toContain("/token");
    });

    it("refuses a sign-in started with provider A and completed by provider B's relying party", async () => {
      const a = relyingParty(providerA);
      const b = relyingPartyB();
      const { pending, callback } = await signIn(a.rp);
      await expectRefusal(b.rp.complete(pending, callback), /provider mismatch/);
      expect(b.requests).toEqual([]);
      expect(a.requests).not.toContain("/token");
    });
  });

  describe("authorization codes are single-use", () => {
    it("refuses a replayed callback", async () => {
      const { rp } = relyingParty(providerA);
      const { pending, callback } = await signIn(rp);
      await rp.complete(pending, callback);
      await expectRefusal(rp.complete(pending, callback), /token endpoint error invalid_grant/);
    });

    it("refuses a code already redeemed by someone else", async () => {
      const { rp } = relyingParty(providerA);
      const { pending, callback } = await signIn(rp);
      const stolen = await fetch(`${providerA.issuer}/token`, {
        method: "POST",
        headers: { authorization: `Basic ${Buffer.from(`plateau:${SECRET}`).toString("base64")}` },
        body: new URLSearchParams({
          grant_type: "authorization_code",
          code: callback.searchParams.get("code") ?? "",
          redirect_uri: pending.redirectUri,
          code_verifier: pending.codeVerifier,
        }),
      });
      expect(stolen.status).toBe(200);
      await expectRefusal(rp.complete(pending, callback), /token endpoint error invalid_grant/);
    });
  });

  describe("discovery", () => {
    it("throws UnavailableError when discovery fails, and tries again at the next use", async () => {
      const unreachable = relyingParty(providerA, { issuer: `http://127.0.0.1:${await freeLoopbackPort()}` }).rp;
      await expect(unreachable.begin(redirectUriFor("a"))).rejects.toBeInstanceOf(UnavailableError);

      providerA.tamper = (ctx) => {
        if (ctx.path === "/.well-known/openid-configuration") ctx.status = 503;
      };
      const { rp, requests } = relyingParty(providerA);
      await expect(rp.begin(redirectUriFor("a"))).rejects.toBeInstanceOf(UnavailableError);
      providerA.tamper = undefined;
      await rp.begin(redirectUriFor("a"));
      await rp.begin(redirectUriFor("a"));
      expect(requests).toEqual(["/.well-known/openid-configuration", "/.well-known/openid-configuration"]);
    });

    it("throws UnavailableError when the discovered issuer is not exactly the configured one", async () => {
      const { rp } = relyingParty(providerA, { issuer: `${providerA.issuer}/` });
      await expect(rp.begin(redirectUriFor("a"))).rejects.toThrow(/issuer mismatch/);
      await expect(rp.begin(redirectUriFor("a"))).rejects.toBeInstanceOf(UnavailableError);
    });

    it("says an issuer mismatch at discover(), as a configuration error naming the field and both values", async () => {
      const { rp } = relyingParty(providerA, { issuer: `${providerA.issuer}/`, configPath: "identity.providers[3]" });
      const error = await rp.discover().then(
        () => undefined,
        (rejection: unknown) => rejection,
      );
      expect(error).toBeInstanceOf(IdentityProviderError);
      expect(error).toMatchObject({ provider: "a", failure: "configuration", errorCode: "issuer_mismatch" });
      const message = (error as Error).message;
      expect(message).toContain(`identity.providers[3].issuer is "${providerA.issuer}/"`);
      expect(message).toContain(`says "${providerA.issuer}"`);
      expect(message).toContain("trailing slash");
    });

    it("says an unreachable provider at discover(), and keeps a successful discovery for the sign-ins", async () => {
      const down = relyingParty(providerA, { issuer: `http://127.0.0.1:${await freeLoopbackPort()}` }).rp;
      await expect(down.discover()).rejects.toMatchObject({ failure: "unreachable", errorCode: "unreachable" });
      const { rp, requests } = relyingParty(providerA);
      await rp.discover();
      await rp.begin(redirectUriFor("a"));
      expect(requests).toEqual(["/.well-known/openid-configuration"]);
    });
  });

  describe("token endpoint authentication", () => {
    /** What the token endpoint received: an Authorization header, and the body's parameter names. */
    function recordTokenRequests(server: ProviderServer) {
      const seen: { authorization: string | undefined; parameters: string[] }[] = [];
      server.tamper = (ctx) => {
        if (ctx.path !== "/token") return;
        const body = (ctx.oidc as unknown as { body?: Record<string, unknown> } | undefined)?.body ?? {};
        seen.push({ authorization: ctx.get("authorization") || undefined, parameters: Object.keys(body).sort() });
      };
      return seen;
    }

    it("uses client_secret_post when configured, even where the provider also offers basic", async () => {
      const seen = recordTokenRequests(providerA);
      const { rp } = relyingParty(providerA, { tokenEndpointAuthMethod: "client_secret_post" });
      const { pending, callback } = await signIn(rp);
      await rp.complete(pending, callback).catch(() => undefined);
      expect(seen[0]?.authorization).toBeUndefined();
      expect(seen[0]?.parameters).toEqual(expect.arrayContaining(["client_id", "client_secret"]));
      // By default: client_secret_basic, with the secret form-urlencoded (RFC 6749 §2.3.1).
      const basic = relyingParty(providerA, { clientSecret: "with-dash_and.dot" }).rp;
      const second = await signIn(basic);
      await basic.complete(second.pending, second.callback).catch(() => undefined);
      const header = seen[1]?.authorization ?? "";
      expect(Buffer.from(header.replace(/^Basic /, ""), "base64").toString()).toBe("plateau:with%2Ddash%5Fand%2Edot");
      expect(seen[1]?.parameters).not.toContain("client_secret");
    });

    it("signs in with private_key_jwt, the key's kid in the assertion", async () => {
      const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
      const publicJwk = { ...(await exportJWK(publicKey)), kid: "plateau-key-1", alg: "ES256", use: "sig" };
      const server = await startOther({
        keys: [await signingKey("pkj-1")],
        clients: [{ client_id: "plateau", redirect_uris: [redirectUriFor("a")], token_endpoint_auth_method: "private_key_jwt", jwks: { keys: [publicJwk] } }],
        clientAuthMethods: ["private_key_jwt"],
      });
      let assertion: string | undefined;
      server.tamper = (ctx) => {
        const body = (ctx.oidc as unknown as { body?: Record<string, unknown> } | undefined)?.body;
        if (ctx.path === "/token" && typeof body?.client_assertion === "string") assertion = body.client_assertion;
      };
      const { rp } = relyingParty(server, {
        clientSecret: undefined,
        tokenEndpointAuthMethod: "private_key_jwt",
        privateKey: { key: privateKey, kid: "plateau-key-1" },
      });
      const { pending, callback } = await signIn(rp);
      expect((await rp.complete(pending, callback)).subject).toBe(ACCOUNT);
      expect(decodeProtectedHeader(assertion ?? "")).toMatchObject({ alg: "ES256", kid: "plateau-key-1" });
    });

    it("refuses at discovery a configured method the provider does not offer, naming the field", async () => {
      const { rp } = relyingParty(providerB, {
        id: "b",
        issuer: providerB.issuer,
        tokenEndpointAuthMethod: "client_secret_basic",
        configPath: "identity.providers[1]",
      });
      await expect(rp.discover()).rejects.toMatchObject({ failure: "configuration", errorCode: "unsupported_auth_method" });
      await expect(rp.discover()).rejects.toThrow(
        /identity\.providers\[1\]\.tokenEndpointAuthMethod is client_secret_basic but the provider offers only client_secret_post/,
      );
    });

    it("reports a token endpoint that refuses the client as the provider's failure, with its error code and no secret", async () => {
      const { rp } = relyingParty(providerA, { clientSecret: "not-the-secret-at-all" });
      const { pending, callback } = await signIn(rp);
      const error = await rp.complete(pending, callback).then(
        () => undefined,
        (rejection: unknown) => rejection,
      );
      expect(error).toBeInstanceOf(IdentityProviderError);
      expect(error).toMatchObject({ provider: "a", failure: "token", errorCode: "invalid_client" });
      expect((error as Error).message).not.toContain("not-the-secret-at-all");
    });

    it("reports a 401 with a WWW-Authenticate challenge (LemonLDAP::NG's answer) with the body's error code", async () => {
      providerA.tamper = (ctx) => {
        if (ctx.path !== "/token") return;
        ctx.status = 401;
        ctx.set("www-authenticate", "Basic");
        ctx.body = { error: "invalid_client" };
      };
      const { rp } = relyingParty(providerA);
      const { pending, callback } = await signIn(rp);
      await expect(rp.complete(pending, callback)).rejects.toMatchObject({ failure: "token", errorCode: "invalid_client" });
    });

    it("reports a token endpoint answering an HTML error page or a 5xx", async () => {
      const { rp } = relyingParty(providerA);
      providerA.tamper = (ctx) => {
        if (ctx.path !== "/token") return;
        ctx.status = 400;
        ctx.type = "html";
        ctx.body = "<html>Bad request</html>";
      };
      let attempt = await signIn(rp);
      await expect(rp.complete(attempt.pending, attempt.callback)).rejects.toMatchObject({ failure: "token", errorCode: "http_400" });
      providerA.tamper = (ctx) => {
        if (ctx.path === "/token") ctx.status = 502;
      };
      attempt = await signIn(rp);
      await expect(rp.complete(attempt.pending, attempt.callback)).rejects.toMatchObject({ failure: "token", errorCode: "http_502" });
    });
  });

  describe("logout", () => {
    it("builds the end-session URL, which the provider accepts", async () => {
      const { rp } = relyingParty(providerA);
      const { pending, callback } = await signIn(rp);
      const { idToken } = await rp.complete(pending, callback);
      const url = new URL((await rp.logoutUrl(idToken, POST_LOGOUT_URI)) ?? "");

      expect(`${url.origin}${url.pathname}`).toBe(`${providerA.issuer}/session/end`);
      expect(Object.fromEntries(url.searchParams)).toEqual({ id_token_hint: idToken, post_logout_redirect_uri: POST_LOGOUT_URI, client_id: "plateau" });
      const page = await fetch(url, { redirect: "manual" });
      expect(page.status).toBe(200);
    });

    it("gives no logout URL when the provider has no end-session endpoint", async () => {
      const { rp } = relyingPartyB();
      expect(await rp.logoutUrl("an-id-token", POST_LOGOUT_URI)).toBeUndefined();
    });
  });
});
