// Where rate-limit buckets live: in this process (one replica, tests), or in the database that
// every replica shares (ADR 0043), so that a person gets the limit once, not once per replica.
// A take is one atomic step of the store: refill the bucket to now, then take `cost` tokens or
// refuse; two replicas taking from one bucket at once never both get its last token.

/** A take's answer: the tokens left (rounded down), or how long to wait. */
export type RateLimitDecision = { readonly allowed: true; readonly remaining: number } | { readonly allowed: false; readonly retryAfterSeconds: number };

/** A limit: `capacity` tokens, refilled continuously at `refillPerMinute`. */
export interface RateLimitRule {
  readonly capacity: number;
  readonly refillPerMinute: number;
}

export interface RateLimitStore {
  /**
   * Takes `cost` tokens (0 ≤ cost ≤ capacity) from the bucket of `key` in `scope` (a limit's
   * name: `sign-in`, `launch`…), refilled to the store's clock first; a refusal takes none and
   * says how many whole seconds until the tokens are back (at least 1). A bucket never seen is full.
   */
  take(scope: string, key: string, rule: RateLimitRule, cost: number): Promise<RateLimitDecision>;
  /** Forgets a bucket: it is full again. */
  reset(scope: string, key: string): Promise<void>;
  /** Forgets the buckets that are full again by now (they come back full anyway); returns how many. */
  purge(): Promise<number>;
}
