import { createHash, randomBytes } from "node:crypto";
import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from "vitest";
import {
  createEmbeddedProvider,
  defaultEmbeddedAccounts,
  generateEmbeddedKeys,
  type EmbeddedAccount,
  type EmbeddedKeys,
  type EmbeddedProvider,
} from "./embedded-provider.js";

const CLIENT_ID = "plateau";
const CLIENT_SECRET = randomBytes(32).toString("base64url");
const SCOPE = "openid profile email groups";

interface Harness {
  base: string;
  issuer: string;
  provider: EmbeddedProvider;
  redirectUri: string;
  postLogoutRedirectUri: string;
  /** Moves the guessing limiter's clock forward. */
  advance(ms: number): void;
  close(): Promise<void>;
}

async function start(keys: EmbeddedKeys, accounts: EmbeddedAccount[], options: { showDemoHint?: boolean } = {}): Promise<Harness> {
  // the issuer needs the port, known once the server listens: the provider is mounted afterwards
  const mounted: { provider?: EmbeddedProvider } = {};
  const server = createServer((req, res) => {
    if (mounted.provider?.handles(req.url ?? "/")) return mounted.provider.handle(req, res);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = `${base}/oidc`;
  const redirectUri = `${base}/auth/callback/embedded`;
  const postLogoutRedirectUri = `${base}/`;
  let clock = Date.now();
  const provider = await createEmbeddedProvider({
    issuer,
    accounts,
    clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUris: [redirectUri], postLogoutRedirectUris: [postLogoutRedirectUri] }],
    keys,
    showDemoHint: options.showDemoHint,
    now: () => clock,
  });
  mounted.provider = provider;
  return {
    base,
    issuer,
    provider,
    redirectUri,
    postLogoutRedirectUri,
    advance: (ms) => {
      clock += ms;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

/** Enough of a browser's cookie store for one origin: paths are ignored, expiry is honoured. */
class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = "", ...attributes] = line.split(";");
      const separator = pair.indexOf("=");
      const name = pair.slice(0, separator).trim();
      const value = pair.slice(separator + 1).trim();
      const expired = attributes.some((attribute) => {
        const [key = "", val = ""] = attribute.trim().split("=");
        return (key.toLowerCase() === "expires" && Date.parse(val) <= Date.now()) || (key.toLowerCase() === "max-age" && Number(val) <= 0);
      });
      if (expired || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }
}

async function get(url: string, jar: CookieJar, headers: Record<string, string> = {}): Promise<Response> {
  const response = await fetch(url, { redirect: "manual", headers: { cookie: jar.header(), ...headers } });
  jar.store(response);
  return response;
}

async function postForm(url: string, jar: CookieJar, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  const response = await fetch(url, {
    method: "POST",
    redirect: "manual",
    headers: { cookie: jar.header(), "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(form).toString(),
  });
  jar.store(response);
  return response;
}

function location(response: Response, base: string): string {
  const value = response.headers.get("location");
  if (!value) throw new Error(`expected a redirect, got ${response.status}`);
  return new URL(value, base).href;
}

function errorMessage(html: string): string | undefined {
  return /<p class="error" role="alert">(.*?)<\/p>/.exec(html)?.[1];
}

interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  userinfo_endpoint: string;
  jwks_uri: string;
  end_session_endpoint: string;
  authorization_response_iss_parameter_supported: boolean;
  code_challenge_methods_supported: string[];
  [key: string]: unknown;
}

async function discover(h: Harness): Promise<Discovery> {
  const response = await fetch(`${h.issuer}/.well-known/openid-configuration`);
  expect(response.status).toBe(200);
  return (await response.json()) as Discovery;
}

interface PendingAuthorization {
  jar: CookieJar;
  interactionUrl: string;
  state: string;
  nonce: string;
  verifier: string;
}

async function beginAuthorization(h: Harness, headers: Record<string, string> = {}): Promise<PendingAuthorization> {
  const discovery = await discover(h);
  const jar = new CookieJar();
  const verifier = randomBytes(32).toString("base64url");
  const state = randomBytes(16).toString("base64url");
  const nonce = randomBytes(16).toString("base64url");
  const url = new URL(discovery.authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: CLIENT_ID,
    response_type: "code",
    scope: SCOPE,
    redirect_uri: h.redirectUri,
    state,
    nonce,
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
  }).toString();
  const response = await get(url.href, jar, headers);
  expect(response.status).toBe(303);
  const interactionUrl = location(response, h.base);
  expect(interactionUrl).toMatch(new RegExp(`^${h.issuer}/interaction/[A-Za-z0-9_-]+$`));
  return { jar, interactionUrl, state, nonce, verifier };
}

function submitLogin(pending: PendingAuthorization, login: string, password: string, headers: Record<string, string> = {}): Promise<Response> {
  return postForm(`${pending.interactionUrl}/login`, pending.jar, { login, password }, headers);
}

/** Follows the provider's redirects (resume, automatic consent) until the client's redirect URI. */
async function followToCallback(h: Harness, pending: PendingAuthorization, response: Response): Promise<URL> {
  let current = response;
  for (let hop = 0; hop < 10; hop += 1) {
    expect([302, 303]).toContain(current.status);
    const next = location(current, h.base);
    if (next.startsWith(h.redirectUri)) return new URL(next);
    current = await get(next, pending.jar);
  }
  throw new Error("too many redirects");
}

interface Tokens {
  id_token: string;
  access_token: string;
  token_type: string;
}

async function exchangeCode(h: Harness, code: string, verifier: string): Promise<Tokens> {
  const discovery = await discover(h);
  const response = await fetch(discovery.token_endpoint, {
    method: "POST",
    headers: {
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(CLIENT_ID)}:${encodeURIComponent(CLIENT_SECRET)}`).toString("base64")}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: h.redirectUri, code_verifier: verifier }).toString(),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Tokens;
}

/** A whole sign-in; returns the verified ID token claims and the tokens. */
async function signIn(h: Harness, login: string, password: string) {
  const pending = await beginAuthorization(h);
  const callback = await followToCallback(h, pending, await submitLogin(pending, login, password));
  expect(callback.searchParams.get("state")).toBe(pending.state);
  const code = callback.searchParams.get("code");
  expect(code).toBeTruthy();
  const tokens = await exchangeCode(h, code ?? "", pending.verifier);
  const discovery = await discover(h);
  const { payload } = await jwtVerify(tokens.id_token, createRemoteJWKSet(new URL(discovery.jwks_uri)), {
    issuer: h.issuer,
    audience: CLIENT_ID,
    algorithms: ["RS256"],
  });
  expect(payload.nonce).toBe(pending.nonce);
  return { pending, callback, tokens, claims: payload };
}

describe("embedded OpenID provider", () => {
  const passwords = new Map<string, string>();
  let accounts: EmbeddedAccount[];
  let keys: EmbeddedKeys;
  let h: Harness;
  const consoleSpies: MockInstance[] = [];

  beforeAll(async () => {
    for (const method of ["log", "info", "warn", "error", "debug"] as const) consoleSpies.push(vi.spyOn(console, method));
    keys = await generateEmbeddedKeys();
    accounts = defaultEmbeddedAccounts(() => randomBytes(12).toString("base64url"));
    for (const account of accounts) passwords.set(account.login, account.password);
    h = await start(keys, accounts);
  });

  afterAll(async () => {
    await h.close();
    for (const spy of consoleSpies) spy.mockRestore();
  });

  const password = (login: string): string => passwords.get(login) ?? "";

  it("generates an RS256 signing key with a kid and two cookie keys", () => {
    expect(keys.jwks.keys).toHaveLength(1);
    expect(keys.jwks.keys[0]).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig" });
    expect(keys.jwks.keys[0]?.kid).toBeTruthy();
    expect(keys.jwks.keys[0]?.d).toBeTruthy();
    expect(keys.cookieKeys).toHaveLength(2);
    expect(keys.cookieKeys[0]).not.toBe(keys.cookieKeys[1]);
  });

  it("gives the demo community: five accounts with distinct generated passwords", () => {
    let counter = 0;
    const demo = defaultEmbeddedAccounts(() => `generated-password-${(counter += 1)}`);
    expect(demo.map((a) => [a.login, a.name, a.email, a.groups])).toEqual([
      ["alice", "Alice Martin", "alice@imb.example.org", ["lab:imb"]],
      ["ines", "Inès Dubois", "ines@imb.example.org", ["lab:imb", "lab-admin:imb"]],
      ["bob", "Bob Bernard", "bob@lmbp.example.org", ["lab:lmbp"]],
      ["lea", "Léa Petit", "lea@lmbp.example.org", ["lab:lmbp", "lab-admin:lmbp"]],
      ["oscar", "Oscar Leroy", "oscar@plateau.example.org", ["plateau:operators"]],
    ]);
    expect(new Set(demo.map((a) => a.password)).size).toBe(5);
  });

  it("claims only the paths under its mount prefix", () => {
    expect(h.provider.issuer).toBe(h.issuer);
    expect(h.provider.handles("/oidc")).toBe(true);
    expect(h.provider.handles("/oidc/.well-known/openid-configuration")).toBe(true);
    expect(h.provider.handles("/oidc/auth?client_id=x")).toBe(true);
    expect(h.provider.handles("/oidcx/auth")).toBe(false);
    expect(h.provider.handles("/api/v1/oidc")).toBe(false);
    expect(h.provider.handles("/")).toBe(false);
  });

  it("publishes a discovery document for the exact issuer, with RFC 9207 iss and S256 PKCE", async () => {
    const discovery = await discover(h);
    expect(discovery.issuer).toBe(h.issuer);
    expect(discovery.authorization_response_iss_parameter_supported).toBe(true);
    expect(discovery.code_challenge_methods_supported).toEqual(["S256"]);
    expect(discovery.authorization_endpoint.startsWith(`${h.issuer}/`)).toBe(true);
    expect(discovery.token_endpoint.startsWith(`${h.issuer}/`)).toBe(true);
    expect(discovery.userinfo_endpoint.startsWith(`${h.issuer}/`)).toBe(true);
    expect(discovery.jwks_uri.startsWith(`${h.issuer}/`)).toBe(true);
    expect(discovery.end_session_endpoint.startsWith(`${h.issuer}/`)).toBe(true);
    expect(discovery["response_types_supported"]).toEqual(["code"]);
    expect(discovery["token_endpoint_auth_methods_supported"]).toEqual(["client_secret_basic"]);
    expect(discovery["id_token_signing_alg_values_supported"]).toEqual(["RS256"]);
    expect(discovery["scopes_supported"]).toEqual(expect.arrayContaining(["openid", "profile", "email", "groups"]));
    expect(discovery["scopes_supported"]).not.toContain("offline_access");
    expect(discovery["claims_supported"]).toEqual(expect.arrayContaining(["sub", "name", "preferred_username", "email", "email_verified", "groups"]));
  });

  it("issues its own URLs whatever Host or X-Forwarded-* the request carries", async () => {
    // fetch() cannot forge Host: a raw request, as an attacker's client would send it.
    const raw = (path: string, headers: Record<string, string>) =>
      new Promise<{ status: number; location: string | undefined; body: string }>((resolve, reject) => {
        const target = new URL(h.base);
        const req = httpRequest({ host: target.hostname, port: target.port, path, headers }, (res) => {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => (body += chunk));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, body }));
        });
        req.on("error", reject);
        req.end();
      });
    const forged = { host: "evil.example", "x-forwarded-host": "evil2.example", "x-forwarded-proto": "https", forwarded: "host=evil3.example;proto=https" };
    const answer = await raw("/oidc/.well-known/openid-configuration", forged);
    expect(answer.status).toBe(200);
    expect(answer.body).not.toContain("evil");
    const discovery = JSON.parse(answer.body) as Discovery;
    expect(discovery.issuer).toBe(h.issuer);
    for (const name of ["authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri", "end_session_endpoint"] as const) {
      expect(discovery[name].startsWith(`${h.issuer}/`)).toBe(true);
    }
    // A redirect it makes (to the login page) stays on the issuer too.
    const authorize = new URL(discovery.authorization_endpoint);
    authorize.search = new URLSearchParams({
      client_id: CLIENT_ID,
      response_type: "code",
      scope: SCOPE,
      redirect_uri: h.redirectUri,
      state: "s",
      nonce: "n",
      code_challenge: createHash("sha256").update("v".repeat(43)).digest("base64url"),
      code_challenge_method: "S256",
    }).toString();
    const redirected = await raw(`${authorize.pathname}${authorize.search}`, forged);
    expect(redirected.status).toBe(303);
    expect(redirected.location).toBeDefined();
    expect(new URL(redirected.location ?? "", h.base).href.startsWith(`${h.issuer}/interaction/`)).toBe(true);
  });

  it("behind a TLS front (an https issuer served over http), issues https URLs and Secure cookies", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const issuer = "https://plateau.example.org/oidc";
    const redirectUri = "https://plateau.example.org/auth/callback/embedded";
    const behindFront = await createEmbeddedProvider({
      issuer,
      accounts,
      clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUris: [redirectUri], postLogoutRedirectUris: ["https://plateau.example.org/"] }],
      keys,
    });
    server.on("request", (req, res) => behindFront.handle(req, res));
    try {
      // What the front forwards: its own Host, and whatever X-Forwarded-* a client slipped in.
      const headers = { host: "127.0.0.1", "x-forwarded-proto": "http", "x-forwarded-host": "evil.example" };
      const discovery = (await (await fetch(`${base}/oidc/.well-known/openid-configuration`, { headers })).json()) as Discovery;
      expect(discovery.issuer).toBe(issuer);
      expect(discovery.authorization_endpoint).toBe(`${issuer}/auth`);
      expect(discovery.token_endpoint).toBe(`${issuer}/token`);
      const authorize = new URL(`${base}/oidc/auth`);
      authorize.search = new URLSearchParams({
        client_id: CLIENT_ID,
        response_type: "code",
        scope: SCOPE,
        redirect_uri: redirectUri,
        state: "s",
        nonce: "n",
        code_challenge: createHash("sha256").update("v".repeat(43)).digest("base64url"),
        code_challenge_method: "S256",
      }).toString();
      const answer = await fetch(authorize, { redirect: "manual", headers });
      expect(answer.status).toBe(303);
      const cookies = answer.headers.getSetCookie();
      expect(cookies.length).toBeGreaterThan(0);
      for (const cookie of cookies) expect(cookie.toLowerCase()).toContain("; secure");
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("refuses an authorization request without PKCE", async () => {
    const discovery = await discover(h);
    const url = new URL(discovery.authorization_endpoint);
    url.search = new URLSearchParams({ client_id: CLIENT_ID, response_type: "code", scope: "openid", redirect_uri: h.redirectUri, state: "s" }).toString();
    const response = await get(url.href, new CookieJar());
    expect(response.status).toBe(303);
    const back = new URL(location(response, h.base));
    expect(back.href.startsWith(h.redirectUri)).toBe(true);
    expect(back.searchParams.get("error")).toBe("invalid_request");
    expect(back.searchParams.get("iss")).toBe(h.issuer);
  });

  it("runs the whole authorization code flow with PKCE, a French or English page and a real password", async () => {
    const pending = await beginAuthorization(h, { "accept-language": "fr-FR,fr;q=0.9,en;q=0.8" });

    const french = await get(pending.interactionUrl, pending.jar, { "accept-language": "fr-FR,fr;q=0.9,en;q=0.8" });
    expect(french.status).toBe(200);
    expect(french.headers.get("content-type")).toMatch(/^text\/html/);
    expect(french.headers.get("cache-control")).toBe("no-store");
    expect(french.headers.get("x-content-type-options")).toBe("nosniff");
    expect(french.headers.get("referrer-policy")).toBe("no-referrer");
    const csp = french.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'none'");
    const frenchHtml = await french.text();
    expect(frenchHtml).toContain('<html lang="fr">');
    expect(frenchHtml).toContain("Mot de passe");
    expect(frenchHtml).toContain(`action="/oidc/interaction/${pending.interactionUrl.split("/").pop()}/login"`);
    expect(frenchHtml).toMatch(/<label for="login">[^<]+<\/label><input id="login" name="login"/);
    expect(frenchHtml).toMatch(/<label for="password">[^<]+<\/label><input id="password" name="password" type="password"/);
    expect(frenchHtml).not.toContain("<script");
    expect(frenchHtml).not.toMatch(/https?:\/\//);
    expect(frenchHtml).not.toContain("alice"); // no demo hint unless asked

    const english = await get(pending.interactionUrl, pending.jar, { "accept-language": "en-GB,en;q=0.9,fr;q=0.5" });
    const englishHtml = await english.text();
    expect(englishHtml).toContain('<html lang="en">');
    expect(englishHtml).toContain("Password");

    const wrong = await submitLogin(pending, "alice", "not-the-password", { "accept-language": "en" });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("cache-control")).toBe("no-store");
    expect(errorMessage(await wrong.text())).toBe("Wrong login or password");
    const wrongFrench = await submitLogin(pending, "alice", "not-the-password", { "accept-language": "fr" });
    expect(wrongFrench.status).toBe(401);
    expect(errorMessage(await wrongFrench.text())).toBe("Identifiant ou mot de passe incorrect");

    const right = await submitLogin(pending, "alice", password("alice"));
    expect(right.status).toBe(303);
    const callback = await followToCallback(h, pending, right);
    expect(callback.searchParams.get("state")).toBe(pending.state);
    expect(callback.searchParams.get("iss")).toBe(h.issuer);
    const code = callback.searchParams.get("code") ?? "";
    expect(code).not.toBe("");

    const tokens = await exchangeCode(h, code, pending.verifier);
    expect(tokens.token_type).toBe("Bearer");
    const discovery = await discover(h);
    const { payload, protectedHeader } = await jwtVerify(tokens.id_token, createRemoteJWKSet(new URL(discovery.jwks_uri)), {
      issuer: h.issuer,
      audience: CLIENT_ID,
      algorithms: ["RS256"],
    });
    expect(protectedHeader.alg).toBe("RS256");
    expect(protectedHeader.kid).toBe(keys.jwks.keys[0]?.kid);
    expect(payload.nonce).toBe(pending.nonce);
    expect(payload.sub).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(payload.sub).not.toContain("alice");
    expect(payload).toMatchObject({ preferred_username: "alice", name: "Alice Martin", email: "alice@imb.example.org", groups: ["lab:imb"] });

    const userinfo = await fetch(discovery.userinfo_endpoint, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(userinfo.status).toBe(200);
    expect(await userinfo.json()).toEqual({
      sub: payload.sub,
      name: "Alice Martin",
      preferred_username: "alice",
      email: "alice@imb.example.org",
      email_verified: true,
      groups: ["lab:imb"],
    });

    // a code is good for one exchange only
    const replay = await fetch(discovery.token_endpoint, {
      method: "POST",
      headers: {
        authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString("base64")}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: h.redirectUri, code_verifier: pending.verifier }).toString(),
    });
    expect(replay.status).toBe(400);
  });

  it("answers an unknown login with the same 401 message as a wrong password", async () => {
    const pending = await beginAuthorization(h);
    const unknown = await submitLogin(pending, "mallory", "whatever-password", { "accept-language": "fr" });
    expect(unknown.status).toBe(401);
    expect(errorMessage(await unknown.text())).toBe("Identifiant ou mot de passe incorrect");
    const wrong = await submitLogin(pending, "bob", "whatever-password", { "accept-language": "fr" });
    expect(wrong.status).toBe(401);
    expect(errorMessage(await wrong.text())).toBe("Identifiant ou mot de passe incorrect");
  });

  it("refuses a sixth failed attempt for a login within 15 minutes with 429 and Retry-After", async () => {
    const pending = await beginAuthorization(h);
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      const response = await submitLogin(pending, "lea", `wrong-${attempt}`);
      expect(response.status).toBe(401);
    }
    const refused = await submitLogin(pending, "lea", password("lea"));
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    expect(refused.headers.get("cache-control")).toBe("no-store");
    expect(errorMessage(await refused.text())).toMatch(/Too many attempts/);

    // other logins are not affected
    const other = await submitLogin(pending, "ines", "wrong");
    expect(other.status).toBe(401);

    h.advance(15 * 60 * 1000 + 1000);
    const later = await submitLogin(pending, "lea", password("lea"));
    expect(later.status).toBe(303);
  });

  it("limits unknown logins the same way", async () => {
    const pending = await beginAuthorization(h);
    for (let attempt = 1; attempt <= 5; attempt += 1) expect((await submitLogin(pending, "nobody", "x")).status).toBe(401);
    expect((await submitLogin(pending, "nobody", "x")).status).toBe(429);
  });

  it("gives a stable sub per account, different between accounts", async () => {
    const first = await signIn(h, "bob", password("bob"));
    const second = await signIn(h, "bob", password("bob"));
    const other = await signIn(h, "oscar", password("oscar"));
    expect(first.claims.sub).toBe(second.claims.sub);
    expect(other.claims.sub).not.toBe(first.claims.sub);
    expect(other.claims.groups).toEqual(["plateau:operators"]);
    expect(other.claims.preferred_username).toBe("oscar");
  });

  it("signs out through the end-session endpoint after a confirmation page", async () => {
    const { pending, tokens } = await signIn(h, "ines", password("ines"));
    const discovery = await discover(h);
    const url = new URL(discovery.end_session_endpoint);
    url.search = new URLSearchParams({ id_token_hint: tokens.id_token, post_logout_redirect_uri: h.postLogoutRedirectUri, state: "bye" }).toString();
    const page = await get(url.href, pending.jar, { "accept-language": "fr" });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    const html = await page.text();
    expect(html).toContain("Voulez-vous vous déconnecter de Plateau");
    expect(html).not.toContain("<script");
    const action = /<form id="op.logoutForm" method="post" action="([^"]+)">/.exec(html)?.[1];
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1];
    expect(action).toBeTruthy();
    expect(xsrf).toBeTruthy();
    const confirmed = await postForm(new URL(action ?? "", h.base).href, pending.jar, { xsrf: xsrf ?? "", logout: "yes" });
    expect(confirmed.status).toBe(303);
    const back = new URL(location(confirmed, h.base));
    expect(`${back.origin}${back.pathname}`).toBe(h.postLogoutRedirectUri);
    expect(back.searchParams.get("state")).toBe("bye");

    // the session is gone: a new authorization asks for the password again
    const again = await beginAuthorization(h);
    expect(again.interactionUrl).toContain("/oidc/interaction/");
  });

  it("escapes what it reflects in the page", async () => {
    const pending = await beginAuthorization(h);
    const response = await submitLogin(pending, '<script>alert("x")</script>', "whatever-password");
    expect(response.status).toBe(401);
    const html = await response.text();
    expect(html).not.toContain("<script>");
    expect(html).toContain("&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;");
  });

  it("answers a missing or foreign interaction with a 400 page, and an oversized form with 413", async () => {
    const pending = await beginAuthorization(h);
    const withoutCookie = await get(pending.interactionUrl, new CookieJar());
    expect(withoutCookie.status).toBe(400);
    const otherUid = await get(`${h.issuer}/interaction/not-this-one`, pending.jar);
    expect(otherUid.status).toBe(400);
    const tooLarge = await submitLogin(pending, "alice", "x".repeat(20_000));
    expect(tooLarge.status).toBe(413);
    const notAForm = await fetch(`${pending.interactionUrl}/login`, {
      method: "POST",
      headers: { cookie: pending.jar.header(), "content-type": "application/json" },
      body: JSON.stringify({ login: "alice", password: password("alice") }),
    });
    expect(notAForm.status).toBe(415);
  });

  it("lists the demo logins, never the passwords, only when asked", async () => {
    const demo = await start(keys, accounts, { showDemoHint: true });
    try {
      const pending = await beginAuthorization(demo);
      const html = await (await get(pending.interactionUrl, pending.jar, { "accept-language": "en" })).text();
      expect(html).toContain("Demo accounts: alice, ines, bob, lea, oscar");
      for (const account of accounts) expect(html).not.toContain(account.password);
    } finally {
      await demo.close();
    }
  });

  it("rejects accounts it cannot serve safely", async () => {
    const base = { name: "X", email: "x@example.org", groups: [] };
    const create = (list: EmbeddedAccount[]) =>
      createEmbeddedProvider({ issuer: "http://127.0.0.1:1/oidc", accounts: list, clients: [], keys: { jwks: keys.jwks, cookieKeys: keys.cookieKeys } });
    await expect(create([{ ...base, login: "short", password: "1234567" }])).rejects.toThrow(/shorter/);
    await expect(
      create([
        { ...base, login: "same", password: "long-enough-1" },
        { ...base, login: "Same", password: "long-enough-2" },
      ]),
    ).rejects.toThrow(/duplicate/);
    await expect(
      createEmbeddedProvider({ issuer: "http://127.0.0.1:1", accounts: [], clients: [], keys: { jwks: keys.jwks, cookieKeys: keys.cookieKeys } }),
    ).rejects.toThrow(/mount prefix/);
  });

  it("printed nothing on the console (no oidc-provider warning or notice)", () => {
    for (const spy of consoleSpies) expect(spy.mock.calls).toEqual([]);
  });
});
