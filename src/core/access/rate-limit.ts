// A token-bucket rate limiter: each key (a client address, a user, a token) has a bucket of
// `capacity` tokens, refilled continuously at `refillPerMinute`; a request takes `cost`
// tokens or is refused with the time until they are back. Buckets live in memory, at most
// `maxKeys` of them: the least recently used is forgotten first (it comes back full).
import { assert } from "../errors.js";
import type { Clock } from "../ports/clock.js";
import type { RateLimitDecision, RateLimitRule, RateLimitStore } from "../ports/rate-limit-store.js";

export type { RateLimitDecision };

export interface RateLimiter {
  /** Takes `cost` tokens (default 1) from the bucket of `key`; a refusal takes none. `remaining` is rounded down. */
  take(key: string, cost?: number): RateLimitDecision;
  /** Forgets `key`: its bucket is full again. */
  reset(key: string): void;
  /** How many keys are tracked (at most `maxKeys`). */
  size(): number;
  /** Forgets the buckets that are full again by now (they would come back full); returns how many. */
  forgetFull(): number;
}

export interface RateLimiterParams {
  readonly capacity: number;
  readonly refillPerMinute: number;
  readonly clock: Clock;
  /** Default 10,000: memory stays bounded whatever the number of clients. */
  readonly maxKeys?: number;
}

export const RATE_LIMITER_DEFAULT_MAX_KEYS = 10_000;

interface Bucket {
  tokens: number;
  /** Milliseconds since the epoch of the last refill. */
  at: number;
}

// Floating-point noise must not turn an exact wait of n seconds into n + 1.
const EPSILON = 1e-9;

export function createRateLimiter(params: RateLimiterParams): RateLimiter {
  const { capacity, refillPerMinute, clock } = params;
  const maxKeys = params.maxKeys ?? RATE_LIMITER_DEFAULT_MAX_KEYS;
  assert(Number.isFinite(capacity) && capacity > 0, `rate limiter capacity must be a positive number (got ${capacity})`);
  assert(Number.isFinite(refillPerMinute) && refillPerMinute > 0, `rate limiter refillPerMinute must be a positive number (got ${refillPerMinute})`);
  assert(Number.isInteger(maxKeys) && maxKeys >= 1, `rate limiter maxKeys must be a positive integer (got ${maxKeys})`);

  // A Map iterates in insertion order: re-inserting a key on each use keeps the least recently used first.
  const buckets = new Map<string, Bucket>();

  const bucketOf = (key: string, now: number): Bucket => {
    const bucket = buckets.get(key);
    if (bucket === undefined) {
      if (buckets.size >= maxKeys) {
        const oldest = buckets.keys().next();
        if (!oldest.done) buckets.delete(oldest.value);
      }
      const fresh = { tokens: capacity, at: now };
      buckets.set(key, fresh);
      return fresh;
    }
    buckets.delete(key);
    buckets.set(key, bucket);
    // a clock that steps back refills nothing, and the bucket waits for it to catch up
    if (now > bucket.at) {
      bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) * refillPerMinute) / 60_000);
      bucket.at = now;
    }
    return bucket;
  };

  return {
    take(key, cost = 1) {
      assert(Number.isFinite(cost) && cost >= 0 && cost <= capacity, `rate limiter cost must be between 0 and the capacity ${capacity} (got ${cost})`);
      const bucket = bucketOf(key, clock.now().getTime());
      if (bucket.tokens + EPSILON >= cost) {
        bucket.tokens = Math.max(0, bucket.tokens - cost);
        return { allowed: true, remaining: Math.floor(bucket.tokens + EPSILON) };
      }
      const seconds = ((cost - bucket.tokens) * 60) / refillPerMinute;
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(seconds - EPSILON)) };
    },
    reset(key) {
      buckets.delete(key);
    },
    size: () => buckets.size,
    forgetFull() {
      const now = clock.now().getTime();
      let forgotten = 0;
      for (const [key, bucket] of buckets) {
        if (bucket.tokens + (Math.max(0, now - bucket.at) * refillPerMinute) / 60_000 + EPSILON >= capacity) {
          buckets.delete(key);
          forgotten++;
        }
      }
      return forgotten;
    },
  };
}

/**
 * Rate-limit buckets in this process (ADR 0043): one replica (SQLite installs) and tests. Each
 * limit is a token bucket as above, its keys bounded (least recently used forgotten first); it
 * passes the same contract suite as the SQL store that replicas share.
 */
export function createMemoryRateLimitStore(params: { clock: Clock; maxKeys?: number }): RateLimitStore {
  // One set of buckets per limit and rule: a rule changed in place starts full, as after a restart.
  const limiters = new Map<string, { scope: string; limiter: RateLimiter }>();
  const limiterOf = (scope: string, rule: RateLimitRule): RateLimiter => {
    const name = JSON.stringify([scope, rule.capacity, rule.refillPerMinute]);
    let found = limiters.get(name);
    if (!found) {
      found = { scope, limiter: createRateLimiter({ ...rule, clock: params.clock, ...(params.maxKeys ? { maxKeys: params.maxKeys } : {}) }) };
      limiters.set(name, found);
    }
    return found.limiter;
  };
  return {
    async take(scope, key, rule, cost) {
      return limiterOf(scope, rule).take(key, cost);
    },
    async reset(scope, key) {
      for (const found of limiters.values()) if (found.scope === scope) found.limiter.reset(key);
    },
    async purge() {
      let forgotten = 0;
      for (const found of limiters.values()) forgotten += found.limiter.forgetFull();
      return forgotten;
    },
  };
}

/** One limit of a route, as the access layer takes from it: the store may be this process's or the database's. */
export interface SharedRateLimiter {
  /** Takes `cost` tokens (default 1) from the bucket of `key`; a refusal takes none. */
  take(key: string, cost?: number): Promise<RateLimitDecision>;
}

/** The limit `scope` (its name: `sign-in`, `launch`…) with its rule, over a store of buckets. */
export function sharedRateLimiter(store: RateLimitStore, scope: string, rule: RateLimitRule): SharedRateLimiter {
  assert(Number.isFinite(rule.capacity) && rule.capacity > 0, `rate limiter capacity must be a positive number (got ${rule.capacity})`);
  assert(
    Number.isFinite(rule.refillPerMinute) && rule.refillPerMinute > 0,
    `rate limiter refillPerMinute must be a positive number (got ${rule.refillPerMinute})`,
  );
  return {
    take(key, cost = 1) {
      assert(
        Number.isFinite(cost) && cost >= 0 && cost <= rule.capacity,
        `rate limiter cost must be between 0 and the capacity ${rule.capacity} (got ${cost})`,
      );
      return store.take(scope, key, rule, cost);
    },
  };
}
