// Rate-limit buckets in this process (ADR 0043): one replica (SQLite installs) and tests. Each
// limit is today's token bucket (core/access/rate-limit.ts), its keys bounded (least recently
// used forgotten first); it passes the same contract suite as the SQL one.
import { createRateLimiter, RATE_LIMITER_DEFAULT_MAX_KEYS, type RateLimiter } from "../../core/access/rate-limit.js";
import type { Clock } from "../../core/ports/clock.js";
import type { RateLimitRule, RateLimitStore } from "../../core/ports/rate-limit-store.js";

export function createMemoryRateLimitStore(params: { clock: Clock; maxKeys?: number }): RateLimitStore {
  // One bucket set per limit and rule: a rule changed in place starts full, as after a restart.
  const limiters = new Map<string, RateLimiter>();
  const limiterOf = (scope: string, rule: RateLimitRule): RateLimiter => {
    const name = JSON.stringify([scope, rule.capacity, rule.refillPerMinute]);
    let limiter = limiters.get(name);
    if (!limiter) {
      limiter = createRateLimiter({ ...rule, clock: params.clock, maxKeys: params.maxKeys ?? RATE_LIMITER_DEFAULT_MAX_KEYS });
      limiters.set(name, limiter);
    }
    return limiter;
  };
  const ofScope = (scope: string) => [...limiters.entries()].filter(([name]) => (JSON.parse(name) as [string])[0] === scope).map(([, limiter]) => limiter);
  return {
    async take(scope, key, rule, cost) {
      return limiterOf(scope, rule).take(key, cost);
    },
    async reset(scope, key) {
      for (const limiter of ofScope(scope)) limiter.reset(key);
    },
    async purge() {
      let forgotten = 0;
      for (const limiter of limiters.values()) forgotten += limiter.forgetFull();
      return forgotten;
    },
  };
}
