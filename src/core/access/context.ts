// What the parts of the access service share: the store, time, randomness, the audit log,
// and how a secret handed out is made and kept (random, ≥ 128 bits, stored as its SHA-256).
import { createHash } from "node:crypto";
import type { AccessStore, AuditEntry, UserRecord } from "../ports/access-store.js";
import type { Clock, Random } from "../ports/clock.js";
import type { Logger } from "../ports/logger.js";
import type { TokenScope, UserPrincipal } from "./principal.js";

/** Where a request comes from, for the audit log. */
export interface Origin {
  readonly ip: string;
}

export const TOKEN_PREFIX = "plt_";
export const SECRET_LENGTH = 43; // 43 characters of a 62-letter alphabet: 256 bits
/** Writing "last seen" at most this often keeps reads of a session from being writes. */
export const TOUCH_EVERY_MS = 60_000;
/**
 * Who a token or session is, remembered this long by one process: every API call asks.
 * Revocation and sign-out forget at once in the process that did them; a change of labs at
 * the provider is seen at the next sign-in anyway. Replicas remember nothing (0, ADR 0043):
 * another replica's cache would accept a revoked token or a signed-out session for this long.
 */
export const PRINCIPAL_CACHE_MS = 5_000;
const PRINCIPALS_KEPT = 10_000;

export const sha256 = (value: string): string => createHash("sha256").update(value).digest("base64url");

export interface AccessContext {
  readonly store: AccessStore;
  readonly random: Random;
  readonly logger: Logger;
  /** How long a principal is remembered (PRINCIPAL_CACHE_MS; 0: never, each request reads the store). */
  readonly principalCacheMs: number;
  now(): Date;
  iso(date: Date): string;
  /** The ISO 8601 time `ms` from now. */
  later(ms: number): string;
  /** Appends to the audit log; a lost entry is logged, never turned into a failed request. */
  audit(entry: Omit<AuditEntry, "at">): Promise<void>;
  /** Remembers a principal in a bounded cache (cleared whole when full). */
  remember<T>(cache: Map<string, T>, key: string, value: T): void;
}

export function createAccessContext(deps: { store: AccessStore; clock: Clock; random: Random; logger: Logger; principalCacheMs?: number }): AccessContext {
  const { store, clock } = deps;
  const now = () => clock.now();
  const iso = (date: Date) => date.toISOString();
  const principalCacheMs = deps.principalCacheMs ?? PRINCIPAL_CACHE_MS;
  return {
    store,
    random: deps.random,
    logger: deps.logger,
    principalCacheMs,
    now,
    iso,
    later: (ms) => iso(new Date(now().getTime() + ms)),
    async audit(entry) {
      try {
        await store.appendAudit({ ...entry, at: iso(now()) });
      } catch (error) {
        // The audit log must not turn a served request into a failure; it is logged instead.
        deps.logger.error({ error: (error as Error).message, action: entry.action }, "audit entry lost");
      }
    },
    remember(cache, key, value) {
      if (principalCacheMs <= 0) return;
      if (cache.size >= PRINCIPALS_KEPT) cache.clear();
      cache.set(key, value);
    },
  };
}

export function principalOf(user: UserRecord, via: "session" | "token", scope: TokenScope): UserPrincipal {
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
