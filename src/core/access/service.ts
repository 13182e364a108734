// Signing in and staying signed in: sessions for browsers, API tokens for scripts and the
// CLI, one-time codes for `plateau login` and the proxy's tickets. Every secret handed out
// is random (≥ 128 bits) and stored only as its SHA-256. The parts live beside this file
// (sign-in.ts, sessions.ts, tokens.ts over a shared context.ts); this is the one service.
import type { AccessStore, AuditEntry, AuditRecord } from "../ports/access-store.js";
import type { Clock, Random } from "../ports/clock.js";
import type { IdentityProvider } from "../ports/identity-provider.js";
import type { Logger } from "../ports/logger.js";
import type { CompiledClaimMapping } from "./claims.js";
import { createAccessContext } from "./context.js";
import { createSessions, type SessionSettings, type Sessions } from "./sessions.js";
import { createSignIn, type SignIn } from "./sign-in.js";
import { createTokens, type TokenSettings, type Tokens } from "./tokens.js";

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
  /** How long one process remembers who a token or session is (default PRINCIPAL_CACHE_MS); 0 for replicas (ADR 0043). */
  readonly principalCacheMs?: number;
}

/** Who is signed in, with what, and what they did (the audit log). */
export interface AccessService extends SignIn, Omit<Sessions, "open">, Tokens {
  /** The identity providers people may choose (no secrets). */
  providers(): { id: string; title: string; issuer: string }[];
  /** Appends to the audit log; a lost entry is logged, never turned into a failed request. */
  audit(entry: Omit<AuditEntry, "at">): Promise<void>;
  /** Forgets expired sessions and one-time secrets. */
  purgeExpired(): Promise<void>;
  /** The login of a user id, if the user exists. */
  loginOf(userId: string): Promise<string | undefined>;
  /**
   * The audit log, newest first, of the given labs (null: all), each record naming only those
   * of its labs: a lab the reader is not in does not exist for them (ADR 9), even when a record
   * names it (the lab of a project someone of theirs was refused, a prober's other labs).
   */
  listAudit(query: { labs: readonly string[] | null; limit: number; before?: number }): Promise<AuditRecord[]>;
}

export function createAccessService(deps: AccessServiceDeps): AccessService {
  const context = createAccessContext(deps);
  const providers = new Map(deps.providers.map((provider) => [provider.id, provider]));
  const { open, ...sessions } = createSessions(context, deps.sessions, providers);
  const signIn = createSignIn(context, { providers, claims: deps.claims, claimsByProvider: deps.claimsByProvider, sessions: { open } });
  return {
    providers: () => deps.providers.map(({ id, title, issuer }) => ({ id, title, issuer })),
    audit: context.audit,
    ...signIn,
    ...sessions,
    ...createTokens(context, deps.tokens),
    purgeExpired: () => deps.store.purgeExpired(context.iso(context.now())),
    loginOf: async (userId) => (await deps.store.getUser(userId))?.login,
    async listAudit(query) {
      const records = await deps.store.listAudit(query);
      const readable = query.labs;
      return readable === null ? records : records.map((record) => ({ ...record, labs: record.labs.filter((lab) => readable.includes(lab)) }));
    },
  };
}
