// When the CLI sends a request again (ADR 0042): the server restarts (a replica drains, the
// connection is refused or reset), or it answers 503 for a moment (the write lock, a replica
// stopping). A change carries the same idempotency key each time, so a retry never acts twice.
// Input, permission and other client errors (4xx) are never retried: they would answer the same.

/** How a try ended: the server's answer, or no answer (a network error's code, ECONNREFUSED…). */
export type Attempt =
  | { readonly kind: "network"; readonly code: string | undefined }
  | { readonly kind: "answer"; readonly status: number; readonly reason?: string | undefined; readonly retryAfter?: string | null | undefined };

export interface RetryPolicy {
  /** The first wait, doubled at each try. */
  readonly baseMs: number;
  /** The longest single wait (a Retry-After beyond it is shortened). */
  readonly capMs: number;
  /** No try starts after this long since the first. */
  readonly totalMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { baseMs: 250, capMs: 10_000, totalMs: 30_000 };

/** Network failures of a server that is not there for a moment (restarting, or its connection closed by a drain). */
const TRANSIENT_NETWORK = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "UND_ERR_SOCKET", "UND_ERR_CLOSED"]);

/** 503s that say "again in a moment" (src/contracts/codes.ts). */
const TRANSIENT_REASONS = new Set(["write-lock-timeout", "write-lock-lost", "shutting-down"]);

/** Whether a try is worth another one at all. */
export function isTransient(attempt: Attempt): boolean {
  if (attempt.kind === "network") return attempt.code !== undefined && TRANSIENT_NETWORK.has(attempt.code);
  if (attempt.status !== 503) return false;
  return (attempt.reason !== undefined && TRANSIENT_REASONS.has(attempt.reason)) || (attempt.retryAfter ?? null) !== null;
}

/** Retry-After in milliseconds: seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function retryAfterMs(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined || value.trim() === "") return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * How long to wait before try `failed + 1`, after `failed` tries that ended with `last`, `elapsedMs`
 * after the first began; undefined: give up (not transient, or out of time).
 */
export function retryDelay(last: Attempt, failed: number, elapsedMs: number, policy: RetryPolicy = DEFAULT_RETRY, now = Date.now()): number | undefined {
  if (!isTransient(last)) return undefined;
  const asked = last.kind === "answer" ? retryAfterMs(last.retryAfter, now) : undefined;
  const delay = Math.min(policy.capMs, asked ?? policy.baseMs * 2 ** Math.max(0, failed - 1));
  return elapsedMs + delay > policy.totalMs ? undefined : delay;
}

/** The policy with PLATEAU_RETRY_SECONDS (how long retries may go on; 0: none), when set to a number. */
export function retryPolicy(seconds: string | undefined): RetryPolicy {
  const value = Number(seconds);
  if (seconds === undefined || seconds.trim() === "" || !Number.isFinite(value) || value < 0) return DEFAULT_RETRY;
  return { ...DEFAULT_RETRY, totalMs: value * 1000 };
}

export const RETRY_HELP =
  "Requests are sent again (changes with the same idempotency key, so never applied twice) while the server restarts: connection refused or reset, or 503 with Retry-After, for up to 30 s; then exit code 7.";
