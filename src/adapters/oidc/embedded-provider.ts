// The OpenID provider Plateau runs for itself when no identity provider is configured: a real
// oidc-provider mounted under a path of Plateau's own HTTP server, with real accounts and
// passwords, so that the default run signs in exactly like a production one (authorization
// code + PKCE, ID token, userinfo, RP-initiated logout) and the relying party code never has a
// special case for it.

import { createHash, randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from "jose";
import { errors, Provider, type Adapter, type AdapterPayload, type Configuration, type FindAccount, type KoaContextWithOIDC } from "oidc-provider";
import { preferredLanguage, type Language } from "../../contracts/language.js";
import { escapeHtml, pageShell } from "../../contracts/page-shell.js";

export interface EmbeddedAccount {
  login: string;
  /** In clear as configured; hashed when the provider starts and never kept afterwards. */
  password: string;
  name: string;
  email: string;
  groups: string[];
}

export interface EmbeddedClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
}

export interface EmbeddedKeys {
  /** Private signing keys (RS256, each with a `kid`). */
  jwks: { keys: JWK[] };
  /** Cookie signing keys, newest first. */
  cookieKeys: string[];
}

/** Lifetimes, in seconds. */
export interface EmbeddedProviderTtls {
  session: number;
  interaction: number;
  authorizationCode: number;
  accessToken: number;
  idToken: number;
}

export interface EmbeddedProviderParams {
  /** e.g. `http://localhost:8080/oidc`: the path part is the mount prefix inside Plateau's server. */
  issuer: string;
  accounts: EmbeddedAccount[];
  clients: EmbeddedClient[];
  keys: EmbeddedKeys;
  ttlSeconds?: Partial<EmbeddedProviderTtls>;
  /** Lists the accounts' logins (never their passwords) on the sign-in page: for the demo community only. */
  showDemoHint?: boolean;
  /** Milliseconds since the epoch; only the guessing limiter uses it (tests move it forward). */
  now?: () => number;
  /** Unexpected failures (a bug or a broken adapter), for the server's log; the browser gets a generic 500. */
  onError?: (error: unknown) => void;
}

export interface EmbeddedProvider {
  issuer: string;
  /** True for paths under the mount prefix: those requests belong to `handle`. */
  handles(url: string): boolean;
  /** Serves one request whose URL still carries the mount prefix and whose body is unread. */
  handle(req: IncomingMessage, res: ServerResponse): void;
}

export const EMBEDDED_DEFAULT_TTLS: Readonly<EmbeddedProviderTtls> = {
  session: 8 * 60 * 60,
  interaction: 10 * 60,
  // a code is exchanged by the server within a second of the redirect; a short life limits replays
  authorizationCode: 60,
  accessToken: 10 * 60,
  idToken: 60 * 60,
};

const MAX_FORM_BYTES = 16 * 1024;
const MAX_FAILURES = 5;
const FAILURE_WINDOW_MS = 15 * 60 * 1000;
const MIN_PASSWORD_LENGTH = 8;
const SCRYPT_KEY_LENGTH = 32;
const LOGIN_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;

// ---------------------------------------------------------------------------------------------
// Keys and demo accounts

export async function generateEmbeddedKeys(): Promise<EmbeddedKeys> {
  const { privateKey } = await generateKeyPair("RS256", { modulusLength: 2048, extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk);
  return {
    jwks: { keys: [{ ...jwk, kid, use: "sig", alg: "RS256" }] },
    cookieKeys: [randomBytes(32).toString("base64url"), randomBytes(32).toString("base64url")],
  };
}

/** The demo community: two labs (IMB, LMBP), a member and a lab admin in each, and one platform operator. */
export function defaultEmbeddedAccounts(generatePassword: () => string): EmbeddedAccount[] {
  const account = (login: string, name: string, domain: string, groups: string[]): EmbeddedAccount => ({
    login,
    password: generatePassword(),
    name,
    email: `${login}@${domain}.example.org`,
    groups,
  });
  return [
    account("alice", "Alice Martin", "imb", ["lab:imb"]),
    account("ines", "Inès Dubois", "imb", ["lab:imb", "lab-admin:imb"]),
    account("bob", "Bob Bernard", "lmbp", ["lab:lmbp"]),
    account("lea", "Léa Petit", "lmbp", ["lab:lmbp", "lab-admin:lmbp"]),
    account("oscar", "Oscar Leroy", "plateau", ["plateau:operators"]),
  ];
}

// ---------------------------------------------------------------------------------------------
// Passwords

interface PasswordHash {
  salt: Buffer;
  hash: Buffer;
}

function scryptAsync(password: string, salt: Buffer): Promise<Buffer> {
  // NFC so that the same password typed on systems composing accents differently still matches
  const normalized = password.normalize("NFC");
  return new Promise((resolve, reject) => {
    scrypt(normalized, salt, SCRYPT_KEY_LENGTH, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

async function hashPassword(password: string): Promise<PasswordHash> {
  const salt = randomBytes(16);
  return { salt, hash: await scryptAsync(password, salt) };
}

async function passwordMatches(candidate: string, stored: PasswordHash): Promise<boolean> {
  return timingSafeEqual(await scryptAsync(candidate, stored.salt), stored.hash);
}

function normalizeLogin(login: string): string {
  return login.normalize("NFC").trim().toLowerCase();
}

/** Stable across restarts and opaque: the e-mail may change, the login may not be shown to other clients. */
function subjectFor(login: string): string {
  return createHash("sha256").update(`plateau-embedded-account:${login}`).digest("base64url");
}

interface StoredAccount {
  sub: string;
  login: string;
  name: string;
  email: string;
  groups: readonly string[];
  password: PasswordHash;
}

// ---------------------------------------------------------------------------------------------
// Guessing limiter

/**
 * Counts failed sign-ins per login (known or not, so that it reveals nothing) over a sliding
 * window. An attempt is counted as a failure as soon as it starts, and forgiven on success, so
 * that parallel guesses cannot all pass the check while the password hashes are computed.
 */
class LoginThrottle {
  private readonly failures = new Map<string, number[]>();
  private static readonly MAX_TRACKED_LOGINS = 10_000;

  constructor(private readonly now: () => number) {}

  /** Seconds to wait when refused; undefined when the attempt may go on. */
  begin(login: string): number | undefined {
    const now = this.now();
    const recent = (this.failures.get(login) ?? []).filter((at) => at > now - FAILURE_WINDOW_MS);
    const oldest = recent[0];
    if (recent.length >= MAX_FAILURES && oldest !== undefined) {
      this.failures.set(login, recent);
      return Math.max(1, Math.ceil((oldest + FAILURE_WINDOW_MS - now) / 1000));
    }
    recent.push(now);
    // re-inserted so that the map's order is the order of last use (the oldest are dropped first)
    this.failures.delete(login);
    this.failures.set(login, recent);
    this.bound(now);
    return undefined;
  }

  succeeded(login: string): void {
    this.failures.delete(login);
  }

  // Made-up logins must not grow the map without end.
  private bound(now: number): void {
    if (this.failures.size <= LoginThrottle.MAX_TRACKED_LOGINS) return;
    for (const [login, times] of this.failures) {
      if (times.every((at) => at <= now - FAILURE_WINDOW_MS)) this.failures.delete(login);
    }
    for (const login of this.failures.keys()) {
      if (this.failures.size <= LoginThrottle.MAX_TRACKED_LOGINS) break;
      this.failures.delete(login);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Storage

interface Expiring<T> {
  value: T;
  expiresAt: number;
}

/**
 * In-memory storage for one provider. An embedded provider lives in a single process and its
 * state (sessions, codes, grants) may be lost on restart: users sign in again. We do not use
 * oidc-provider's own MemoryAdapter because passing it prints a development warning, and it is a
 * module-wide LRU of 1000 entries shared by every provider instance of the process.
 */
class EmbeddedStore {
  private readonly entries = new Map<string, Expiring<AdapterPayload>>();
  private readonly indexes = new Map<string, Expiring<string>>();
  private readonly grants = new Map<string, Expiring<string[]>>();
  private lastSweep = Date.now();

  get(key: string): AdapterPayload | undefined {
    return this.live(this.entries, key);
  }

  set(key: string, value: AdapterPayload, expiresIn: number): void {
    this.entries.set(key, { value, expiresAt: Date.now() + expiresIn * 1000 });
    this.sweep();
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  index(name: string): string | undefined {
    return this.live(this.indexes, name);
  }

  setIndex(name: string, key: string, expiresIn: number): void {
    this.indexes.set(name, { value: key, expiresAt: Date.now() + expiresIn * 1000 });
  }

  addToGrant(grantId: string, key: string, expiresIn: number): void {
    const expiresAt = Date.now() + expiresIn * 1000;
    const grant = this.grants.get(grantId);
    if (grant && grant.expiresAt > Date.now()) {
      grant.value.push(key);
      grant.expiresAt = Math.max(grant.expiresAt, expiresAt);
    } else {
      this.grants.set(grantId, { value: [key], expiresAt });
    }
  }

  revokeGrant(grantId: string): void {
    for (const key of this.grants.get(grantId)?.value ?? []) this.entries.delete(key);
    this.grants.delete(grantId);
  }

  private live<T>(map: Map<string, Expiring<T>>, key: string): T | undefined {
    const entry = map.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      map.delete(key);
      return undefined;
    }
    return entry.value;
  }

  // Expired entries nobody asks for again would stay forever: drop them at most once a minute.
  private sweep(): void {
    const now = Date.now();
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    for (const map of [this.entries, this.indexes, this.grants] as Map<string, Expiring<unknown>>[]) {
      for (const [key, entry] of map) if (entry.expiresAt <= now) map.delete(key);
    }
  }
}

// Models whose entries are revoked together with their grant (as in oidc-provider's adapter contract).
const GRANTABLE = new Set(["AccessToken", "AuthorizationCode", "RefreshToken", "DeviceCode", "BackchannelAuthenticationRequest"]);

class EmbeddedAdapter implements Adapter {
  constructor(
    private readonly store: EmbeddedStore,
    private readonly model: string,
  ) {}

  private key(id: string): string {
    return `${this.model}:${id}`;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    const key = this.key(id);
    if (this.model === "Session" && payload.uid) this.store.setIndex(`sessionUid:${payload.uid}`, key, expiresIn);
    if (payload.userCode) this.store.setIndex(`userCode:${payload.userCode}`, key, expiresIn);
    if (GRANTABLE.has(this.model) && payload.grantId) this.store.addToGrant(payload.grantId, key, expiresIn);
    this.store.set(key, payload, expiresIn);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return this.store.get(this.key(id));
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const key = this.store.index(`sessionUid:${uid}`);
    return key === undefined ? undefined : this.store.get(key);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const key = this.store.index(`userCode:${userCode}`);
    return key === undefined ? undefined : this.store.get(key);
  }

  async consume(id: string): Promise<void> {
    const payload = this.store.get(this.key(id));
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    this.store.delete(this.key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    this.store.revokeGrant(grantId);
  }
}

// ---------------------------------------------------------------------------------------------
// Pages

const TEXT = {
  fr: {
    signInTitle: "Connexion à Plateau",
    login: "Identifiant",
    password: "Mot de passe",
    submit: "Se connecter",
    wrongCredentials: "Identifiant ou mot de passe incorrect",
    tooManyAttempts: (minutes: number) => `Trop de tentatives pour cet identifiant. Réessayez dans ${minutes} min.`,
    demoHint: "Comptes de démonstration :",
    expiredTitle: "Demande de connexion expirée",
    expired: "Cette demande de connexion a expiré ou n’existe pas. Retournez à l’application et recommencez.",
    badRequestTitle: "Requête invalide",
    badRequest: "Le formulaire envoyé est invalide.",
    errorTitle: "Une erreur est survenue",
    error: "La connexion n’a pas pu aboutir. Retournez à l’application et recommencez.",
    logoutTitle: "Déconnexion",
    logoutQuestion: "Voulez-vous vous déconnecter de Plateau ?",
    logoutYes: "Oui, me déconnecter",
    logoutNo: "Non, rester connecté",
    loggedOut: "Vous êtes déconnecté.",
  },
  en: {
    signInTitle: "Sign in to Plateau",
    login: "Login",
    password: "Password",
    submit: "Sign in",
    wrongCredentials: "Wrong login or password",
    tooManyAttempts: (minutes: number) => `Too many attempts for this login. Try again in ${minutes} min.`,
    demoHint: "Demo accounts:",
    expiredTitle: "Sign-in request expired",
    expired: "This sign-in request has expired or does not exist. Go back to the application and start again.",
    badRequestTitle: "Bad request",
    badRequest: "The submitted form is invalid.",
    errorTitle: "Something went wrong",
    error: "Signing in could not complete. Go back to the application and start again.",
    logoutTitle: "Sign out",
    logoutQuestion: "Do you want to sign out of Plateau?",
    logoutYes: "Yes, sign me out",
    logoutNo: "No, stay signed in",
    loggedOut: "You are signed out.",
  },
} as const;

const STYLE =
  "body{font-family:system-ui,sans-serif;background:#f4f5f7;color:#1c1e21;margin:0;padding:2rem 1rem}" +
  "main{max-width:22rem;margin:0 auto;background:#fff;border-radius:8px;padding:1.5rem 2rem;box-shadow:0 1px 3px rgba(0,0,0,.15)}" +
  "h1{font-size:1.4rem;margin:0 0 1rem}label{display:block;margin:.8rem 0 .3rem;font-weight:600}" +
  "input{width:100%;box-sizing:border-box;padding:.55rem;font-size:1rem;border:1px solid #9aa0a6;border-radius:4px}" +
  "button{margin-top:1.2rem;width:100%;padding:.6rem;font-size:1rem;border:0;border-radius:4px;background:#1a56db;color:#fff;cursor:pointer}" +
  "button.secondary{background:#e4e6eb;color:#1c1e21}.error{color:#b00020;font-weight:600}.hint{color:#555;font-size:.9rem;margin-top:1.2rem}";

// The pages carry no script and only this one stylesheet, allowed by its hash.
const STYLE_SOURCE = `'sha256-${createHash("sha256").update(STYLE).digest("base64")}'`;

function pageHtml(language: Language, title: string, content: string): string {
  return pageShell({ language, title, style: STYLE, body: `<main><h1>${escapeHtml(title)}</h1>${content}</main>` });
}

// ---------------------------------------------------------------------------------------------
// The provider

class HttpError extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

type InteractionDetails = Awaited<ReturnType<Provider["interactionDetails"]>>;

/** Path of a URL without its query, as sent on the request line. */
function pathOf(url: string): string {
  const end = url.search(/[?#]/);
  return end === -1 ? url : url.slice(0, end);
}

function mountPrefixOf(issuer: string): string {
  const url = new URL(issuer);
  if (url.search || url.hash || issuer.endsWith("/"))
    throw new Error(`embedded OpenID provider: the issuer ${issuer} must have no query, fragment or trailing slash`);
  if (url.pathname === "/" || url.pathname === "")
    throw new Error(`embedded OpenID provider: the issuer ${issuer} needs a path (the mount prefix, e.g. /oidc)`);
  return url.pathname;
}

async function prepareAccounts(accounts: EmbeddedAccount[]): Promise<Map<string, StoredAccount>> {
  const byLogin = new Map<string, StoredAccount>();
  for (const account of accounts) {
    const login = normalizeLogin(account.login);
    if (!LOGIN_PATTERN.test(login)) throw new Error(`embedded OpenID provider: invalid login ${JSON.stringify(account.login)}`);
    if (byLogin.has(login)) throw new Error(`embedded OpenID provider: duplicate login ${login}`);
    if (account.password.length < MIN_PASSWORD_LENGTH)
      throw new Error(`embedded OpenID provider: the password of ${login} is shorter than ${MIN_PASSWORD_LENGTH}`);
    byLogin.set(login, {
      sub: subjectFor(login),
      login,
      name: account.name,
      email: account.email,
      groups: [...account.groups],
      password: await hashPassword(account.password),
    });
  }
  return byLogin;
}

function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

export async function createEmbeddedProvider(params: EmbeddedProviderParams): Promise<EmbeddedProvider> {
  const { issuer, clients, keys, showDemoHint = false, onError = () => {} } = params;
  const prefix = mountPrefixOf(issuer);
  const ttl: EmbeddedProviderTtls = { ...EMBEDDED_DEFAULT_TTLS, ...params.ttlSeconds };
  const throttle = new LoginThrottle(params.now ?? Date.now);
  const store = new EmbeddedStore();

  if (keys.cookieKeys.length === 0) throw new Error("embedded OpenID provider: at least one cookie key is needed");
  if (keys.jwks.keys.length === 0) throw new Error("embedded OpenID provider: at least one signing key is needed");

  const accountsByLogin = await prepareAccounts(params.accounts);
  const accountsBySub = new Map([...accountsByLogin.values()].map((account) => [account.sub, account]));
  // Unknown logins are checked against this hash so that they cost the same time as known ones.
  const decoyPassword = await hashPassword(randomBytes(16).toString("hex"));

  // Forms may lead (through redirects) to the clients' redirect URIs: CSP form-action applies to those hops.
  const clientOrigins = new Set(clients.flatMap((client) => [...client.redirectUris, ...client.postLogoutRedirectUris]).map((uri) => new URL(uri).origin));
  const formAction = ["'self'", ...clientOrigins].join(" ");
  const pageCsp = `default-src 'none'; style-src ${STYLE_SOURCE}; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'; object-src 'none'`;
  // oidc-provider appends the hash of the inline script of its auto-submitted forms (logout without
  // a session, form_post) to script-src when there is one; 'strict-dynamic' alone allows nothing else.
  const providerCsp = `default-src 'none'; script-src 'strict-dynamic'; style-src ${STYLE_SOURCE}; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'; object-src 'none'`;

  const findAccount: FindAccount = (_ctx, sub) => {
    const account = accountsBySub.get(sub);
    if (!account) return undefined;
    return {
      accountId: sub,
      // oidc-provider keeps only the claims of the granted scopes
      claims: () => ({
        sub,
        name: account.name,
        preferred_username: account.login,
        email: account.email,
        email_verified: true,
        groups: [...account.groups],
      }),
    };
  };

  const languageOf = (ctx: KoaContextWithOIDC): Language => preferredLanguage(ctx.get("accept-language") || undefined, ctx.oidc?.params?.ui_locales);

  const configuration: Configuration = {
    // A factory rather than a class: the store is this provider's own (see EmbeddedStore).
    adapter: (model: string) => new EmbeddedAdapter(store, model),
    clients: clients.map((client) => ({
      client_id: client.clientId,
      client_secret: client.clientSecret,
      redirect_uris: client.redirectUris,
      post_logout_redirect_uris: client.postLogoutRedirectUris,
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
      id_token_signed_response_alg: "RS256",
    })),
    jwks: { keys: keys.jwks.keys.map((key) => ({ ...key })) },
    cookies: {
      keys: keys.cookieKeys,
      names: { session: "plateau_oidc_session", interaction: "plateau_oidc_interaction", resume: "plateau_oidc_resume" },
      // Lax suffices (every cross-site arrival is a top-level GET navigation) and spares the
      // duplicate ".legacy" cookies oidc-provider writes for SameSite=None; the path keeps the
      // provider's cookies away from the rest of Plateau.
      long: { httpOnly: true, sameSite: "lax", path: prefix },
      short: { httpOnly: true, sameSite: "lax", path: prefix },
    },
    // offline_access is left out: no refresh tokens, the relying party keeps its own session.
    scopes: ["openid"],
    claims: {
      openid: ["sub"],
      profile: ["name", "preferred_username"],
      email: ["email", "email_verified"],
      groups: ["groups"],
    },
    // By default claims asked for by scope go to userinfo only when the response type is "code";
    // the relying party also reads them from the ID token.
    conformIdTokenClaims: false,
    responseTypes: ["code"],
    pkce: { methods: ["S256"], required: () => true },
    enabledJWA: { idTokenSigningAlgValues: ["RS256"] },
    // The one method the relying party uses; nothing else to attack at the token endpoint.
    clientAuthMethods: ["client_secret_basic"],
    clientDefaults: { id_token_signed_response_alg: "RS256", token_endpoint_auth_method: "client_secret_basic" },
    findAccount,
    // The relying party is Plateau's server: no browser calls the provider's endpoints cross-origin.
    clientBasedCORS: () => false,
    interactions: { url: (_ctx, interaction) => `${prefix}/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      userinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => {
          const text = TEXT[languageOf(ctx)];
          ctx.type = "html";
          ctx.body = pageHtml(
            languageOf(ctx),
            text.logoutTitle,
            `<p>${escapeHtml(text.logoutQuestion)}</p>${form}` +
              `<button autofocus type="submit" form="op.logoutForm" name="logout" value="yes">${escapeHtml(text.logoutYes)}</button>` +
              `<button class="secondary" type="submit" form="op.logoutForm">${escapeHtml(text.logoutNo)}</button>`,
          );
        },
        postLogoutSuccessSource: (ctx) => {
          const text = TEXT[languageOf(ctx)];
          ctx.type = "html";
          ctx.body = pageHtml(languageOf(ctx), text.logoutTitle, `<p>${escapeHtml(text.loggedOut)}</p>`);
        },
      },
    },
    renderError: (ctx, out) => {
      const text = TEXT[languageOf(ctx)];
      ctx.type = "html";
      const detail = out.error_description ? `${out.error}: ${out.error_description}` : out.error;
      ctx.body = pageHtml(languageOf(ctx), text.errorTitle, `<p>${escapeHtml(text.error)}</p><p class="hint">${escapeHtml(detail)}</p>`);
    },
    // Every TTL the flows use is set: a default TTL function prints a notice the first time it runs.
    ttl: {
      AuthorizationCode: ttl.authorizationCode,
      AccessToken: ttl.accessToken,
      IdToken: ttl.idToken,
      Interaction: ttl.interaction,
      Session: ttl.session,
      Grant: ttl.session,
      RefreshToken: ttl.session,
      ClientCredentials: ttl.accessToken,
      DeviceCode: ttl.interaction,
      BackchannelAuthenticationRequest: ttl.interaction,
    },
  };

  const provider = new Provider(issuer, configuration);
  // oidc-provider builds every URL it issues (discovery, redirects, the interaction's return)
  // from the request's host and protocol. Those are the issuer's, whatever the request says:
  // handle() replaces Host and X-Forwarded-Host/-Proto by the issuer's own before oidc-provider
  // reads them, and `proxy` lets Koa read the protocol from them (an https issuer behind a TLS
  // front is then https, and its cookies Secure).
  provider.proxy = true;
  provider.use(async (ctx, next) => {
    ctx.set("x-content-type-options", "nosniff");
    ctx.set("referrer-policy", "no-referrer");
    ctx.set("content-security-policy", providerCsp);
    await next();
  });
  provider.on("server_error", (_ctx, error) => onError(error));
  // Errors escaping oidc-provider's own handler: with a listener Koa no longer prints them itself.
  provider.app.on("error", (error: unknown) => {
    const status = (error as { status?: unknown }).status;
    if (typeof status !== "number" || status >= 500) onError(error);
  });
  const callback = provider.callback();

  const interactionPath = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/interaction/([A-Za-z0-9_-]+)(/login)?$`);

  function sendHtml(res: ServerResponse, status: number, html: string, headers: Record<string, string> = {}): void {
    res.writeHead(status, {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
      "content-security-policy": pageCsp,
      "content-length": String(Buffer.byteLength(html)),
      ...headers,
    });
    res.end(html);
  }

  function sendMessage(
    res: ServerResponse,
    status: number,
    language: Language,
    kind: "expired" | "badRequest" | "error",
    headers?: Record<string, string>,
  ): void {
    const text = TEXT[language];
    const title = { expired: text.expiredTitle, badRequest: text.badRequestTitle, error: text.errorTitle }[kind];
    sendHtml(res, status, pageHtml(language, title, `<p>${escapeHtml(text[kind])}</p>`), headers);
  }

  function loginPage(language: Language, uid: string, options: { login?: string; message?: string } = {}): string {
    const text = TEXT[language];
    const message = options.message ? `<p class="error" role="alert">${escapeHtml(options.message)}</p>` : "";
    const hint = showDemoHint ? `<p class="hint">${escapeHtml(text.demoHint)} ${escapeHtml([...accountsByLogin.keys()].join(", "))}</p>` : "";
    const hasLogin = options.login !== undefined && options.login !== "";
    return pageHtml(
      language,
      text.signInTitle,
      `${message}<form method="post" action="${escapeHtml(`${prefix}/interaction/${uid}/login`)}">` +
        `<label for="login">${escapeHtml(text.login)}</label>` +
        `<input id="login" name="login" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required` +
        `${hasLogin ? ` value="${escapeHtml(options.login ?? "")}"` : " autofocus"}>` +
        `<label for="password">${escapeHtml(text.password)}</label>` +
        `<input id="password" name="password" type="password" autocomplete="current-password" required${hasLogin ? " autofocus" : ""}>` +
        `<button type="submit">${escapeHtml(text.submit)}</button></form>${hint}`,
    );
  }

  async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
    const type = req.headers["content-type"]?.split(";")[0]?.trim().toLowerCase();
    if (type !== "application/x-www-form-urlencoded") throw new HttpError(415);
    if (Number(req.headers["content-length"] ?? 0) > MAX_FORM_BYTES) throw new HttpError(413);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
      size += buffer.length;
      if (size > MAX_FORM_BYTES) throw new HttpError(413);
      chunks.push(buffer);
    }
    return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
  }

  /** The interaction the browser's cookie designates, if it is the one in the URL. */
  async function currentInteraction(req: IncomingMessage, res: ServerResponse, uid: string): Promise<InteractionDetails | undefined> {
    try {
      const details = await provider.interactionDetails(req, res);
      return details.uid === uid ? details : undefined;
    } catch (error) {
      if (error instanceof errors.SessionNotFound) return undefined;
      throw error;
    }
  }

  /** The configured clients are Plateau itself: what they ask for is granted without a consent screen. */
  async function grantConsent(req: IncomingMessage, res: ServerResponse, details: InteractionDetails): Promise<void> {
    const accountId = details.session?.accountId;
    const clientId = details.params["client_id"];
    if (!accountId || typeof clientId !== "string") throw new Error("consent interaction without a signed-in account or a client");
    const grant = (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ?? new provider.Grant({ accountId, clientId });
    const missingScope = stringArray(details.prompt.details["missingOIDCScope"]);
    const missingClaims = stringArray(details.prompt.details["missingOIDCClaims"]);
    if (missingScope.length > 0) grant.addOIDCScope(missingScope.join(" "));
    if (missingClaims.length > 0) grant.addOIDCClaims(missingClaims);
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  async function showInteraction(req: IncomingMessage, res: ServerResponse, uid: string, language: Language): Promise<void> {
    const details = await currentInteraction(req, res, uid);
    if (!details) return sendMessage(res, 400, language, "expired");
    const pageLanguage = preferredLanguage(req.headers["accept-language"], details.params["ui_locales"]);
    switch (details.prompt.name) {
      case "login":
        return sendHtml(res, 200, loginPage(pageLanguage, uid));
      case "consent":
        return grantConsent(req, res, details);
      default:
        // no other prompt is configured; refuse rather than hang
        return provider.interactionFinished(
          req,
          res,
          { error: "access_denied", error_description: "unsupported interaction" },
          { mergeWithLastSubmission: false },
        );
    }
  }

  async function submitLogin(req: IncomingMessage, res: ServerResponse, uid: string, language: Language): Promise<void> {
    const details = await currentInteraction(req, res, uid);
    if (!details || details.prompt.name !== "login") return sendMessage(res, 400, language, "expired");
    const pageLanguage = preferredLanguage(req.headers["accept-language"], details.params["ui_locales"]);
    const text = TEXT[pageLanguage];
    const form = await readForm(req);
    const typedLogin = form.get("login") ?? "";
    const password = form.get("password") ?? "";
    const login = normalizeLogin(typedLogin);

    const retryAfter = throttle.begin(login);
    if (retryAfter !== undefined) {
      const message = text.tooManyAttempts(Math.ceil(retryAfter / 60));
      return sendHtml(res, 429, loginPage(pageLanguage, uid, { login: typedLogin, message }), { "retry-after": String(retryAfter) });
    }

    const account = accountsByLogin.get(login);
    // the hash is always computed, so that unknown logins take as long as wrong passwords
    const matches = await passwordMatches(password, account?.password ?? decoyPassword);
    if (!account || !matches) return sendHtml(res, 401, loginPage(pageLanguage, uid, { login: typedLogin, message: text.wrongCredentials }));

    throttle.succeeded(login);
    await provider.interactionFinished(req, res, { login: { accountId: account.sub, amr: ["pwd"] } }, { mergeWithLastSubmission: false });
  }

  async function handleInteraction(req: IncomingMessage, res: ServerResponse, uid: string, isLogin: boolean): Promise<void> {
    const language = preferredLanguage(req.headers["accept-language"]);
    const method = req.method ?? "GET";
    if (isLogin && method !== "POST") return sendMessage(res, 405, language, "badRequest", { allow: "POST" });
    if (!isLogin && method !== "GET" && method !== "HEAD") return sendMessage(res, 405, language, "badRequest", { allow: "GET, HEAD" });
    try {
      await (isLogin ? submitLogin(req, res, uid, language) : showInteraction(req, res, uid, language));
    } catch (error) {
      if (res.headersSent) throw error;
      if (error instanceof HttpError) {
        // a body left unread (too large) would otherwise be kept reading on a kept-alive connection
        return sendMessage(res, error.status, language, "badRequest", error.status === 413 ? { connection: "close" } : {});
      }
      throw error;
    }
  }

  function fail(res: ServerResponse, error: unknown): void {
    onError(error);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendMessage(res, 500, "en", "error");
  }

  function handles(url: string): boolean {
    const path = pathOf(url);
    return path === prefix || path.startsWith(`${prefix}/`);
  }

  const issuerUrl = new URL(issuer);
  /** The request as if it had been sent to the issuer: a forged Host or X-Forwarded-* never reaches oidc-provider. */
  function pinToIssuer(req: IncomingMessage): void {
    req.headers.host = issuerUrl.host;
    req.headers["x-forwarded-host"] = issuerUrl.host;
    req.headers["x-forwarded-proto"] = issuerUrl.protocol.slice(0, -1);
    // With `proxy`, Koa would take the client's address from it.
    delete req.headers["x-forwarded-for"];
    delete req.headers.forwarded;
  }

  return {
    issuer,
    handles,
    handle(req: IncomingMessage, res: ServerResponse): void {
      const url = req.url ?? "/";
      if (!handles(url)) {
        // the caller routes with handles(); this is a caller's bug, not a page anyone should see
        res.writeHead(404, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", "x-content-type-options": "nosniff" }).end("Not Found");
        return;
      }
      pinToIssuer(req);
      const match = interactionPath.exec(pathOf(url));
      if (match?.[1] !== undefined) {
        handleInteraction(req, res, match[1], match[2] !== undefined).catch((error: unknown) => fail(res, error));
        return;
      }
      // As oidc-provider documents for mounting under a path: it sees the URL without the prefix
      // and finds the prefix again from originalUrl (to build its own URLs and cookie paths).
      const rest = url.slice(prefix.length);
      const mounted = req as IncomingMessage & { originalUrl?: string };
      mounted.originalUrl = url;
      req.url = rest.startsWith("/") ? rest : `/${rest}`;
      Promise.resolve(callback(req, res)).catch((error: unknown) => fail(res, error));
    },
  };
}
