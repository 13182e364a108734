// Signing in and staying signed in: sessions for browsers, API tokens for scripts and the
// CLI, one-time codes for `plateau login` and the proxy's tickets. Every secret handed out
// is random (≥ 128 bits) and stored only as its SHA-256.
import { createHash } from "node:crypto";
import { InputError, NotAllowedError, NotFoundError, UnauthenticatedError } from "../errors.js";
import { assertText } from "../text.js";
import type { AccessStore, AuditEntry, TokenRecord, UserRecord } from "../ports/access-store.js";
import type { Clock, Random } from "../ports/clock.js";
import { IdentityProviderError, type IdentityProvider, type PendingSignIn } from "../ports/identity-provider.js";
import type { Logger } from "../ports/logger.js";
import { mapClaims, reportMapping, type CompiledClaimMapping, type MappingReport } from "./claims.js";
import { FULL_SCOPE, type TokenScope, type UserPrincipal } from "./principal.js";

export interface SessionSettings {
  /** A session unused this long ends. */
  readonly idleMinutes: number;
  /** A session ends this long after sign-in, however active. */
  readonly absoluteHours: number;
}

export interface TokenSettings {
  readonly defaultDays: number;
  readonly maxDays: number;
}

export interface AccessServiceDeps {
  readonly store: AccessStore;
  readonly providers: readonly IdentityProvider[];
  readonly claims: CompiledClaimMapping;
  /** A provider's own mapping, where its claims differ from the others' (by provider id). */
  readonly claimsByProvider?: ReadonlyMap<string, CompiledClaimMapping>;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly sessions: SessionSettings;
  readonly tokens: TokenSettings;
}

/** Where a request comes from, for the audit log. */
export interface Origin {
  readonly ip: string;
}

export const TOKEN_PREFIX = "plt_";
const SECRET_LENGTH = 43; // 43 characters of a 62-letter alphabet: 256 bits
const SIGN_IN_MINUTES = 10;
const CLI_CODE_SECONDS = 120;
/** A proxy ticket is traded at once by the browser's redirect: a minute is plenty, and all a leak gives. */
export const TICKET_SECONDS = 60;
/** Writing "last seen" at most this often keeps reads of a session from being writes. */
const TOUCH_EVERY_MS = 60_000;
/**
 * Who a token or session is, remembered this long: every API call asks. Revocation and
 * sign-out forget at once (this process holds the only cache); a change of labs at the
 * provider is seen at the next sign-in anyway.
 */
const PRINCIPAL_CACHE_MS = 5_000;
const PRINCIPALS_KEPT = 10_000;

export const sha256 = (value: string): string => createHash("sha256").update(value).digest("base64url");

/** A returnTo is one of Plateau's own paths: never another origin (no open redirect). */
export function safeReturnTo(value: unknown): string {
  if (typeof value !== "string" || value.length > 2000) return "/";
  // One leading slash, then not a slash or backslash (`//evil`, `/\evil` are other hosts).
  if (!/^\/(?![/\\])/.test(value)) return "/";
  // Control characters can smuggle a host past some parsers.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) return "/";
  try {
    const url = new URL(value, "http://plateau.invalid");
    if (url.host !== "plateau.invalid") return "/";
    const result = `${url.pathname}${url.search}${url.hash}`;
    // Normalizing dot segments can make `/..//evil` into `//evil`: check what is returned.
    return /^\/(?![/\\])/.test(result) ? result : "/";
  } catch {
    return "/";
  }
}

export interface SignedIn {
  readonly sessionId: string;
  readonly csrfToken: string;
  readonly returnTo: string;
  readonly user: UserRecord;
}

export interface CreatedToken {
  readonly token: string;
  readonly record: TokenRecord;
}

export function createAccessService(deps: AccessServiceDeps) {
  const { store, clock, random } = deps;
  const providers = new Map(deps.providers.map((provider) => [provider.id, provider]));
  const now = () => clock.now();
  const iso = (date: Date) => date.toISOString();
  const later = (ms: number) => iso(new Date(now().getTime() + ms));
  const tokenCache = new Map<string, { principal: UserPrincipal; until: number }>();
  const sessionCache = new Map<string, { principal: UserPrincipal; csrfToken: string; instanceHost: string | null; until: number }>();
  function remember<T>(cache: Map<string, T>, key: string, value: T): void {
    if (cache.size >= PRINCIPALS_KEPT) cache.clear();
    cache.set(key, value);
  }

  function provider(id: string): IdentityProvider {
    const found = providers.get(id);
    if (!found) throw new NotFoundError("identity provider", id);
    return found;
  }

  async function principalOf(user: UserRecord, via: "session" | "token", scope: TokenScope): Promise<UserPrincipal> {
    return {
      kind: "user",
      userId: user.id,
      login: user.login,
      name: user.name,
      groups: user.groups,
      labs: user.labs,
      labAdminOf: user.labAdminOf,
      operator: user.operator,
      via,
      scope,
    };
  }

  async function audit(entry: Omit<AuditEntry, "at">): Promise<void> {
    try {
      await store.appendAudit({ ...entry, at: iso(now()) });
    } catch (error) {
      // The audit log must not turn a served request into a failure; it is logged instead.
      deps.logger.error({ error: (error as Error).message, action: entry.action }, "audit entry lost");
    }
  }

  async function issueToken(
    user: UserRecord,
    request: { name: string; projects: readonly string[] | null; write: boolean; days?: number },
  ): Promise<CreatedToken> {
    assertText("/name", request.name, { minLength: 1, maxLength: 100 });
    const days = request.days ?? deps.tokens.defaultDays;
    if (!Number.isInteger(days) || days < 1 || days > deps.tokens.maxDays) {
      throw InputError.field("/expiresInDays", "maximum", `must be a whole number of days between 1 and ${deps.tokens.maxDays}`);
    }
    const token = `${TOKEN_PREFIX}${random.secret(SECRET_LENGTH)}`;
    const record: TokenRecord = {
      id: random.id(),
      userId: user.id,
      name: request.name,
      hash: sha256(token),
      prefix: token.slice(0, TOKEN_PREFIX.length + 4),
      projects: request.projects === null ? null : [...new Set(request.projects)].sort(),
      write: request.write,
      createdAt: iso(now()),
      expiresAt: later(days * 86_400_000),
      lastUsedAt: null,
      revokedAt: null,
    };
    await store.createToken(record);
    return { token, record };
  }

  /**
   * A session that is alive and of the kind asked for: a browser session of Plateau
   * (`instanceHost` null), or a session of that very instance host. Kinds are checked on every
   * use, cached or not: a session is accepted only where it was made to be (ADR 0012).
   */
  async function liveSession(sessionId: string, instanceHost: string | null): Promise<{ principal: UserPrincipal; csrfToken: string } | undefined> {
    const idHash = sha256(sessionId);
    const cached = sessionCache.get(idHash);
    if (cached && cached.until > now().getTime()) {
      return cached.instanceHost === instanceHost ? { principal: cached.principal, csrfToken: cached.csrfToken } : undefined;
    }
    sessionCache.delete(idHash);
    const session = await store.getSession(idHash);
    if (!session) return undefined;
    // An instance host's session is that host's only, and always has its browser session.
    if (session.instanceHost !== instanceHost || (session.instanceHost === null) !== (session.parentHash === null)) return undefined;
    const at = now();
    const idleEnd = new Date(session.lastSeenAt).getTime() + deps.sessions.idleMinutes * 60_000;
    if (iso(at) >= session.expiresAt || at.getTime() >= idleEnd) {
      await store.deleteSession(idHash);
      return undefined;
    }
    // An instance host's session lives only as long as the browser session it came from;
    // using an instance is activity of that browser session, which it keeps alive.
    if (session.parentHash !== null) {
      const parent = await store.getSession(session.parentHash);
      const parentIdleEnd = parent ? new Date(parent.lastSeenAt).getTime() + deps.sessions.idleMinutes * 60_000 : 0;
      if (!parent || parent.instanceHost !== null || iso(at) >= parent.expiresAt || at.getTime() >= parentIdleEnd) {
        await store.deleteSession(idHash);
        return undefined;
      }
      if (at.getTime() - new Date(parent.lastSeenAt).getTime() >= TOUCH_EVERY_MS) await store.touchSession(session.parentHash, iso(at));
    }
    const user = await store.getUser(session.userId);
    if (!user) return undefined;
    if (at.getTime() - new Date(session.lastSeenAt).getTime() >= TOUCH_EVERY_MS) await store.touchSession(idHash, iso(at));
    const principal = await principalOf(user, "session", FULL_SCOPE);
    const until = Math.min(at.getTime() + PRINCIPAL_CACHE_MS, new Date(session.expiresAt).getTime(), idleEnd);
    remember(sessionCache, idHash, { principal, csrfToken: session.csrfToken, instanceHost: session.instanceHost, until });
    return { principal, csrfToken: session.csrfToken };
  }

  return {
    providers: () => deps.providers.map(({ id, title, issuer }) => ({ id, title, issuer })),
    audit,

    /** Starts a sign-in; the returned key goes in a short-lived cookie that binds it to this browser. */
    async beginSignIn(providerId: string, redirectUri: string, returnTo: unknown): Promise<{ url: string; key: string }> {
      let begun;
      try {
        begun = await provider(providerId).begin(redirectUri);
      } catch (error) {
        if (error instanceof IdentityProviderError)
          deps.logger.warn({ provider: providerId, failure: error.failure, error: error.errorCode, reason: error.message }, "sign-in could not start");
        throw error;
      }
      const { url, pending } = begun;
      const key = random.secret(SECRET_LENGTH);
      await store.putOnce("sign-in", sha256(key), JSON.stringify({ pending, returnTo: safeReturnTo(returnTo) }), later(SIGN_IN_MINUTES * 60_000));
      return { url, key };
    },

    /**
     * Completes a sign-in. The pending sign-in is taken once (a replayed callback finds
     * nothing), must belong to the provider whose callback this is (mix-up), and a new
     * session id is made (never one the browser had before: no fixation).
     */
    async completeSignIn(providerId: string, key: string | undefined, callbackUrl: URL, origin: Origin): Promise<SignedIn> {
      const fail = async (reason: string, error: Error, report?: MappingReport): Promise<never> => {
        // The log too, not only the audit log: an operator looking at why people cannot sign in reads the log.
        if (error instanceof IdentityProviderError)
          deps.logger.warn(
            { provider: providerId, failure: error.failure, error: error.errorCode, reason, ip: origin.ip },
            "sign-in failed at the identity provider",
          );
        else deps.logger.warn({ provider: providerId, reason, ip: origin.ip, ...(report ? { claims: report.received } : {}) }, "sign-in refused");
        await audit({ actor: null, action: "sign-in", target: providerId, outcome: "failure", project: null, labs: [], ip: origin.ip, detail: reason });
        throw error;
      };
      const stored = key ? await store.takeOnce("sign-in", sha256(key), iso(now())) : undefined;
      if (!stored)
        return fail(
          "no pending sign-in",
          new NotAllowedError("sign-in refused: no pending sign-in in this browser (expired, already used, or started elsewhere); start again"),
        );
      const { pending, returnTo } = JSON.parse(stored) as { pending: PendingSignIn; returnTo: string };
      if (pending.provider !== providerId)
        return fail("provider mismatch", new NotAllowedError("sign-in refused: the answer came from another provider than the one asked"));
      let identity;
      try {
        identity = await provider(providerId).complete(pending, callbackUrl);
      } catch (error) {
        return fail((error as Error).message, error as Error);
      }
      const mapping = deps.claimsByProvider?.get(providerId) ?? deps.claims;
      // Names only, never values: which claims came, and what of the mapping they left empty
      // (groups released only under a scope that was not asked for leave people without a lab).
      const report = reportMapping(identity.claims, mapping);
      let mapped;
      try {
        mapped = mapClaims(identity.claims, mapping);
      } catch (error) {
        return fail((error as Error).message, new NotAllowedError(`sign-in refused: ${(error as Error).message}`), report);
      }
      deps.logger.info(
        { provider: providerId, login: mapped.login, claims: report.received, empty: report.empty, labs: mapped.labs.length },
        "sign-in: claims received",
      );
      const user = await store.upsertUser(
        {
          issuer: identity.issuer,
          subject: identity.subject,
          login: mapped.login,
          name: mapped.name,
          email: mapped.email ?? "",
          groups: mapped.groups,
          labs: mapped.labs,
          labAdminOf: mapped.labAdminOf,
          // By login, only if the store gives this person that login: someone else asking for an
          // operator's login (another provider, another domain: `oscar@elsewhere`) gets `oscar-2`.
          operator: mapped.operatorByGroup,
          operatorLogins: [...mapping.operators.logins],
        },
        iso(now()),
      );
      const sessionId = random.secret(SECRET_LENGTH);
      const csrfToken = random.secret(SECRET_LENGTH);
      const at = iso(now());
      await store.createSession({
        idHash: sha256(sessionId),
        userId: user.id,
        csrfToken,
        provider: providerId,
        idToken: identity.idToken,
        createdAt: at,
        lastSeenAt: at,
        expiresAt: later(deps.sessions.absoluteHours * 3_600_000),
        parentHash: null,
        instanceHost: null,
      });
      await audit({ actor: user.login, action: "sign-in", target: providerId, outcome: "success", project: null, labs: user.labs, ip: origin.ip, detail: "" });
      return { sessionId, csrfToken, returnTo, user };
    },

    /**
     * The person behind a browser session of Plateau (the `__Host-plateau-session` cookie), if
     * it is still alive. A session of an instance host is never one, whatever cookie brings it.
     */
    sessionPrincipal: (sessionId: string) => liveSession(sessionId, null),

    /** The person behind a session of this exact instance host (the proxy's cookie), if it is still alive. */
    async instanceSessionPrincipal(sessionId: string, host: string): Promise<UserPrincipal | undefined> {
      return (await liveSession(sessionId, host))?.principal;
    },

    /** Ends a session; returns where to send the browser for the provider's own logout, if any. */
    async signOut(sessionId: string, postLogoutRedirectUri: string, origin: Origin): Promise<string | undefined> {
      const idHash = sha256(sessionId);
      // Sessions of instance hosts depend on this one: forget every cached session.
      sessionCache.clear();
      const session = await store.getSession(idHash);
      // Only a browser session signs out (an instance host's cookie offered here ends nothing).
      if (!session || session.instanceHost !== null) return undefined;
      await store.deleteSession(idHash);
      const user = await store.getUser(session.userId);
      await audit({
        actor: user?.login ?? null,
        action: "sign-out",
        target: session.provider,
        outcome: "success",
        project: null,
        labs: user?.labs ?? [],
        ip: origin.ip,
        detail: "",
      });
      const idp = providers.get(session.provider);
      if (!idp || !session.idToken) return undefined;
      return idp.logoutUrl(session.idToken, postLogoutRedirectUri).catch(() => undefined);
    },

    /** The person behind an API token, if it is known, unexpired and not revoked. */
    async tokenPrincipal(token: string): Promise<UserPrincipal | undefined> {
      if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return undefined;
      // Kept by the token itself (this process holds it anyway): no hashing on the hot path.
      const cached = tokenCache.get(token);
      if (cached && cached.until > now().getTime()) return cached.principal;
      tokenCache.delete(token);
      const record = await store.findToken(sha256(token));
      if (!record || record.revokedAt !== null || record.expiresAt <= iso(now())) return undefined;
      const user = await store.getUser(record.userId);
      if (!user) return undefined;
      const at = now();
      if (!record.lastUsedAt || at.getTime() - new Date(record.lastUsedAt).getTime() >= TOUCH_EVERY_MS) await store.touchToken(record.id, iso(at));
      const principal = await principalOf(user, "token", { projects: record.projects, write: record.write });
      remember(tokenCache, token, { principal, until: Math.min(at.getTime() + PRINCIPAL_CACHE_MS, new Date(record.expiresAt).getTime()) });
      return principal;
    },

    async createToken(
      principal: UserPrincipal,
      request: { name: string; projects?: readonly string[]; write?: boolean; days?: number },
    ): Promise<CreatedToken> {
      const user = await store.getUser(principal.userId);
      if (!user) throw new UnauthenticatedError();
      return issueToken(user, { name: request.name, projects: request.projects ?? null, write: request.write ?? true, days: request.days });
    },

    listTokens: (principal: UserPrincipal) => store.listTokens(principal.userId),

    async revokeToken(principal: UserPrincipal, id: string): Promise<void> {
      if (!(await store.revokeToken(principal.userId, id, iso(now())))) throw new NotFoundError("token", id);
      tokenCache.clear();
    },

    /**
     * `plateau login`: after the person confirms in the browser, a one-time code bound to
     * the CLI's PKCE challenge goes back to the CLI's loopback address.
     */
    async issueCliCode(principal: UserPrincipal, challenge: string, name: string): Promise<string> {
      if (!/^[A-Za-z0-9_-]{43}$/.test(challenge)) throw InputError.field("?challenge", "pattern", "must be a base64url SHA-256 (S256 PKCE challenge)");
      const code = random.secret(SECRET_LENGTH);
      await store.putOnce("cli-code", sha256(code), JSON.stringify({ userId: principal.userId, challenge, name }), later(CLI_CODE_SECONDS * 1000));
      return code;
    },

    async exchangeCliCode(code: string, verifier: string, origin: Origin): Promise<CreatedToken> {
      const stored = await store.takeOnce("cli-code", sha256(code), iso(now()));
      if (!stored) throw new NotAllowedError("this login code is unknown, expired or already used; run plateau login again");
      const { userId, challenge, name } = JSON.parse(stored) as { userId: string; challenge: string; name: string };
      if (sha256(verifier) !== challenge) throw new NotAllowedError("the code verifier does not match the challenge");
      const user = await store.getUser(userId);
      if (!user) throw new NotAllowedError("the user of this login code no longer exists");
      const created = await issueToken(user, { name, projects: null, write: true, days: deps.tokens.defaultDays });
      await audit({
        actor: user.login,
        action: "token.create",
        target: created.record.id,
        outcome: "success",
        project: null,
        labs: user.labs,
        ip: origin.ip,
        detail: `plateau login: ${name}`,
      });
      return created;
    },

    /**
     * A one-time ticket (TICKET_SECONDS: 60 s) that lets the proxy open a session on an
     * instance's host, a different origin that the browser session's `__Host-` cookie never
     * reaches. The caller has checked the host: the instance's own (Plateau's scheme and
     * port), an instance that exists and that the person may open (src/server/instance-gate.ts).
     */
    async issueProxyTicket(sessionId: string, host: string, path: string): Promise<string> {
      const ticket = random.secret(SECRET_LENGTH);
      await store.putOnce("proxy-ticket", sha256(ticket), JSON.stringify({ parentHash: sha256(sessionId), host, path }), later(TICKET_SECONDS * 1000));
      return ticket;
    },

    /** Redeems a ticket on the host it was made for: a new session tied to the browser session. */
    async redeemProxyTicket(ticket: string, host: string): Promise<{ sessionId: string; path: string } | undefined> {
      const stored = await store.takeOnce("proxy-ticket", sha256(ticket), iso(now()));
      if (!stored) return undefined;
      const payload = JSON.parse(stored) as { parentHash: string; host: string; path: string };
      if (payload.host !== host) return undefined;
      const parent = await store.getSession(payload.parentHash);
      if (!parent || parent.instanceHost !== null || parent.expiresAt <= iso(now())) return undefined;
      const sessionId = random.secret(SECRET_LENGTH);
      const at = iso(now());
      await store.createSession({
        idHash: sha256(sessionId),
        userId: parent.userId,
        csrfToken: random.secret(SECRET_LENGTH),
        provider: parent.provider,
        idToken: null,
        createdAt: at,
        lastSeenAt: at,
        expiresAt: parent.expiresAt,
        parentHash: payload.parentHash,
        instanceHost: payload.host,
      });
      return { sessionId, path: safeReturnTo(payload.path) };
    },

    purgeExpired: () => store.purgeExpired(iso(now())),
    loginOf: async (userId: string): Promise<string | undefined> => (await store.getUser(userId))?.login,
    listAudit: (query: { labs: readonly string[] | null; limit: number; before?: number }) => store.listAudit(query),
  };
}

export type AccessService = ReturnType<typeof createAccessService>;
