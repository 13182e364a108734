// API tokens for scripts and the CLI, and the one-time codes of `plateau login` that become
// one. A token is shown once and stored only as its SHA-256.
import { InputError, NotAllowedError, NotFoundError, UnauthenticatedError } from "../errors.js";
import { assertText } from "../text.js";
import type { TokenRecord, UserRecord } from "../ports/access-store.js";
import { principalOf, SECRET_LENGTH, sha256, TOKEN_PREFIX, TOUCH_EVERY_MS, type AccessContext, type Origin } from "./context.js";
import type { UserPrincipal } from "./principal.js";

export interface TokenSettings {
  readonly defaultDays: number;
  readonly maxDays: number;
}

export interface CreatedToken {
  readonly token: string;
  readonly record: TokenRecord;
}

const CLI_CODE_SECONDS = 120;

export interface Tokens {
  /** The person behind an API token, if it is known, unexpired and not revoked. */
  tokenPrincipal(token: string): Promise<UserPrincipal | undefined>;
  /** A new token of the person (all their projects and write access unless narrowed). */
  createToken(principal: UserPrincipal, request: { name: string; projects?: readonly string[]; write?: boolean; days?: number }): Promise<CreatedToken>;
  /** The person's tokens (never the secrets). */
  listTokens(principal: UserPrincipal): Promise<TokenRecord[]>;
  /** Revokes one of the person's tokens; a NotFoundError when it is not theirs. */
  revokeToken(principal: UserPrincipal, id: string): Promise<void>;
  /**
   * `plateau login`: after the person confirms in the browser, a one-time code bound to
   * the CLI's PKCE challenge goes back to the CLI's loopback address.
   */
  issueCliCode(principal: UserPrincipal, challenge: string, name: string): Promise<string>;
  /** Trades a CLI code and the verifier of its challenge for a token, once. */
  exchangeCliCode(code: string, verifier: string, origin: Origin): Promise<CreatedToken>;
}

export function createTokens(context: AccessContext, settings: TokenSettings): Tokens {
  const { store, random, now, iso, later } = context;
  const tokenCache = new Map<string, { principal: UserPrincipal; until: number }>();

  async function issueToken(
    user: UserRecord,
    request: { name: string; projects: readonly string[] | null; write: boolean; days?: number },
  ): Promise<CreatedToken> {
    assertText("/name", request.name, { minLength: 1, maxLength: 100 });
    const days = request.days ?? settings.defaultDays;
    if (!Number.isInteger(days) || days < 1 || days > settings.maxDays) {
      throw InputError.field("/expiresInDays", "maximum", `must be a whole number of days between 1 and ${settings.maxDays}`);
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

  return {
    async tokenPrincipal(token) {
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
      const principal = principalOf(user, "token", { projects: record.projects, write: record.write });
      context.remember(tokenCache, token, { principal, until: Math.min(at.getTime() + context.principalCacheMs, new Date(record.expiresAt).getTime()) });
      return principal;
    },

    async createToken(principal, request) {
      const user = await store.getUser(principal.userId);
      if (!user) throw new UnauthenticatedError();
      return issueToken(user, { name: request.name, projects: request.projects ?? null, write: request.write ?? true, days: request.days });
    },

    listTokens: (principal) => store.listTokens(principal.userId),

    async revokeToken(principal, id) {
      if (!(await store.revokeToken(principal.userId, id, iso(now())))) throw new NotFoundError("token", id);
      tokenCache.clear();
    },

    async issueCliCode(principal, challenge, name) {
      if (!/^[A-Za-z0-9_-]{43}$/.test(challenge)) throw InputError.field("?challenge", "pattern", "must be a base64url SHA-256 (S256 PKCE challenge)");
      const code = random.secret(SECRET_LENGTH);
      await store.putOnce("cli-code", sha256(code), JSON.stringify({ userId: principal.userId, challenge, name }), later(CLI_CODE_SECONDS * 1000));
      return code;
    },

    async exchangeCliCode(code, verifier, origin) {
      const stored = await store.takeOnce("cli-code", sha256(code), iso(now()));
      if (!stored) throw new NotAllowedError("this login code is unknown, expired or already used; run plateau login again");
      const { userId, challenge, name } = JSON.parse(stored) as { userId: string; challenge: string; name: string };
      if (sha256(verifier) !== challenge) throw new NotAllowedError("the code verifier does not match the challenge");
      const user = await store.getUser(userId);
      if (!user) throw new NotAllowedError("the user of this login code no longer exists");
      const created = await issueToken(user, { name, projects: null, write: true, days: settings.defaultDays });
      await context.audit({
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
  };
}
