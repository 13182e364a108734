// Browser sessions of Plateau, and the sessions of instance hosts that hang on them (made by
// redeeming a proxy ticket, ADR 0012). A session id is a random secret kept as its SHA-256.
import type { UserRecord } from "../ports/access-store.js";
import type { IdentityProvider } from "../ports/identity-provider.js";
import { principalOf, SECRET_LENGTH, sha256, TOUCH_EVERY_MS, type AccessContext, type Origin } from "./context.js";
import { FULL_SCOPE, type UserPrincipal } from "./principal.js";
import { safeReturnTo } from "./return-to.js";

export interface SessionSettings {
  /** A session unused this long ends. */
  readonly idleMinutes: number;
  /** A session ends this long after sign-in, however active. */
  readonly absoluteHours: number;
}

/** A proxy ticket is traded at once by the browser's redirect: a minute is plenty, and all a leak gives. */
export const TICKET_SECONDS = 60;

export interface Sessions {
  /** Opens a browser session for a person who just signed in (always a new id: no fixation). */
  open(user: UserRecord, provider: string, idToken: string | null): Promise<{ sessionId: string; csrfToken: string }>;
  /**
   * The person behind a browser session of Plateau (the `__Host-plateau-session` cookie), if
   * it is still alive. A session of an instance host is never one, whatever cookie brings it.
   */
  sessionPrincipal(sessionId: string): Promise<{ principal: UserPrincipal; csrfToken: string } | undefined>;
  /** The person behind a session of this exact instance host (the proxy's cookie), if it is still alive. */
  instanceSessionPrincipal(sessionId: string, host: string): Promise<UserPrincipal | undefined>;
  /** Ends a session; returns where to send the browser for the provider's own logout, if any. */
  signOut(sessionId: string, postLogoutRedirectUri: string, origin: Origin): Promise<string | undefined>;
  /**
   * A one-time ticket (TICKET_SECONDS: 60 s) that lets the proxy open a session on an
   * instance's host, a different origin that the browser session's `__Host-` cookie never
   * reaches. The caller has checked the host: the instance's own (Plateau's scheme and
   * port), an instance that exists and that the person may open (src/server/instance-gate.ts).
   */
  issueProxyTicket(sessionId: string, host: string, path: string): Promise<string>;
  /** Redeems a ticket on the host it was made for: a new session tied to the browser session. */
  redeemProxyTicket(ticket: string, host: string): Promise<{ sessionId: string; path: string } | undefined>;
}

export function createSessions(context: AccessContext, settings: SessionSettings, providers: ReadonlyMap<string, IdentityProvider>): Sessions {
  const { store, random, now, iso, later } = context;
  const sessionCache = new Map<string, { principal: UserPrincipal; csrfToken: string; instanceHost: string | null; until: number }>();

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
    const idleEnd = new Date(session.lastSeenAt).getTime() + settings.idleMinutes * 60_000;
    if (iso(at) >= session.expiresAt || at.getTime() >= idleEnd) {
      await store.deleteSession(idHash);
      return undefined;
    }
    // An instance host's session lives only as long as the browser session it came from;
    // using an instance is activity of that browser session, which it keeps alive.
    if (session.parentHash !== null) {
      const parent = await store.getSession(session.parentHash);
      const parentIdleEnd = parent ? new Date(parent.lastSeenAt).getTime() + settings.idleMinutes * 60_000 : 0;
      if (!parent || parent.instanceHost !== null || iso(at) >= parent.expiresAt || at.getTime() >= parentIdleEnd) {
        await store.deleteSession(idHash);
        return undefined;
      }
      if (at.getTime() - new Date(parent.lastSeenAt).getTime() >= TOUCH_EVERY_MS) await store.touchSession(session.parentHash, iso(at));
    }
    const user = await store.getUser(session.userId);
    if (!user) return undefined;
    if (at.getTime() - new Date(session.lastSeenAt).getTime() >= TOUCH_EVERY_MS) await store.touchSession(idHash, iso(at));
    const principal = principalOf(user, "session", FULL_SCOPE);
    const until = Math.min(at.getTime() + context.principalCacheMs, new Date(session.expiresAt).getTime(), idleEnd);
    context.remember(sessionCache, idHash, { principal, csrfToken: session.csrfToken, instanceHost: session.instanceHost, until });
    return { principal, csrfToken: session.csrfToken };
  }

  return {
    async open(user, provider, idToken) {
      const sessionId = random.secret(SECRET_LENGTH);
      const csrfToken = random.secret(SECRET_LENGTH);
      const at = iso(now());
      await store.createSession({
        idHash: sha256(sessionId),
        userId: user.id,
        csrfToken,
        provider,
        idToken,
        createdAt: at,
        lastSeenAt: at,
        expiresAt: later(settings.absoluteHours * 3_600_000),
        parentHash: null,
        instanceHost: null,
      });
      return { sessionId, csrfToken };
    },

    sessionPrincipal: (sessionId) => liveSession(sessionId, null),

    async instanceSessionPrincipal(sessionId, host) {
      return (await liveSession(sessionId, host))?.principal;
    },

    async signOut(sessionId, postLogoutRedirectUri, origin) {
      const idHash = sha256(sessionId);
      // Sessions of instance hosts depend on this one: forget every cached session.
      sessionCache.clear();
      const session = await store.getSession(idHash);
      // Only a browser session signs out (an instance host's cookie offered here ends nothing).
      if (!session || session.instanceHost !== null) return undefined;
      await store.deleteSession(idHash);
      const user = await store.getUser(session.userId);
      await context.audit({
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

    async issueProxyTicket(sessionId, host, path) {
      const ticket = random.secret(SECRET_LENGTH);
      await store.putOnce("proxy-ticket", sha256(ticket), JSON.stringify({ parentHash: sha256(sessionId), host, path }), later(TICKET_SECONDS * 1000));
      return ticket;
    },

    async redeemProxyTicket(ticket, host) {
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
  };
}
