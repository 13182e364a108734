import { describe, expect, it } from "vitest";
import type { Clock } from "./clock.js";
import type { RateLimitRule, RateLimitStore } from "./rate-limit-store.js";

/** Time that passes only when a test says so. */
function handClock(): Clock & { advance(seconds: number): void } {
  let now = Date.parse("2026-12-01T09:00:00.000Z");
  return { now: () => new Date(now), advance: (seconds) => void (now += seconds * 1000) };
}

const rule = (capacity: number, refillPerMinute: number): RateLimitRule => ({ capacity, refillPerMinute });

/**
 * What every RateLimitStore does: the memory one and the SQL ones (SQLite, PostgreSQL).
 * `replicas`, when given, opens several stores over ONE database (separate connections or
 * pools, as replicas have): they share the buckets, and many takes at once from all of them
 * are allowed exactly `capacity` times.
 */
export function describeRateLimitStoreContract(
  name: string,
  create: (clock: Clock) => Promise<RateLimitStore>,
  replicas?: (clock: Clock, count: number) => Promise<RateLimitStore[]>,
): void {
  describe(`RateLimitStore contract: ${name}`, () => {
    it("allows a burst up to the capacity, then tells when to retry", async () => {
      const clock = handClock();
      const store = await create(clock);
      const taken = [];
      for (let i = 0; i < 5; i++) taken.push(await store.take("sign-in", "ip:a", rule(5, 10), 1));
      expect(taken).toEqual([4, 3, 2, 1, 0].map((remaining) => ({ allowed: true, remaining })));
      // 10 tokens a minute: one every 6 seconds; a refusal takes none
      expect(await store.take("sign-in", "ip:a", rule(5, 10), 1)).toEqual({ allowed: false, retryAfterSeconds: 6 });
      expect(await store.take("sign-in", "ip:a", rule(5, 10), 1)).toEqual({ allowed: false, retryAfterSeconds: 6 });
    });

    it("refills over time, never above the capacity, and rounds waits up to whole seconds", async () => {
      const clock = handClock();
      const store = await create(clock);
      const take = () => store.take("launch", "user:1", rule(3, 60), 1);
      for (let i = 0; i < 3; i++) await take();
      clock.advance(0.5);
      expect(await take()).toEqual({ allowed: false, retryAfterSeconds: 1 });
      clock.advance(0.5);
      expect(await take()).toEqual({ allowed: true, remaining: 0 });
      clock.advance(1.5);
      expect(await take()).toEqual({ allowed: true, remaining: 0 });
      expect(await take()).toEqual({ allowed: false, retryAfterSeconds: 1 });
      clock.advance(3600);
      expect(await take()).toEqual({ allowed: true, remaining: 2 });

      const slow = () => store.take("token", "user:1", rule(1, 7), 1);
      await slow();
      // 60/7 ≈ 8.57 seconds per token
      expect(await slow()).toEqual({ allowed: false, retryAfterSeconds: 9 });
      clock.advance(8.5);
      expect(await slow()).toEqual({ allowed: false, retryAfterSeconds: 1 });
      clock.advance(8);
      expect(await slow()).toEqual({ allowed: true, remaining: 0 });
    });

    it("takes a cost greater than one, and a refusal takes nothing", async () => {
      const clock = handClock();
      const store = await create(clock);
      const take = (cost: number) => store.take("launch", "user:1", rule(10, 60), cost);
      expect(await take(4)).toEqual({ allowed: true, remaining: 6 });
      expect(await take(4)).toEqual({ allowed: true, remaining: 2 });
      expect(await take(4)).toEqual({ allowed: false, retryAfterSeconds: 2 });
      expect(await take(2)).toEqual({ allowed: true, remaining: 0 });
      expect(await take(10)).toEqual({ allowed: false, retryAfterSeconds: 10 });
      expect(await take(0)).toEqual({ allowed: true, remaining: 0 });
      clock.advance(10);
      expect(await take(10)).toEqual({ allowed: true, remaining: 0 });
    });

    it("keeps keys and limits apart, and forgets a bucket on reset", async () => {
      const clock = handClock();
      const store = await create(clock);
      expect((await store.take("sign-in", "a", rule(1, 1), 1)).allowed).toBe(true);
      expect(await store.take("sign-in", "a", rule(1, 1), 1)).toEqual({ allowed: false, retryAfterSeconds: 60 });
      expect(await store.take("sign-in", "b", rule(1, 1), 1)).toEqual({ allowed: true, remaining: 0 });
      // the same key under another limit is another bucket
      expect(await store.take("bounce", "a", rule(1, 1), 1)).toEqual({ allowed: true, remaining: 0 });
      await store.reset("sign-in", "a");
      expect(await store.take("sign-in", "a", rule(1, 1), 1)).toEqual({ allowed: true, remaining: 0 });
      expect((await store.take("sign-in", "b", rule(1, 1), 1)).allowed).toBe(false);
      expect((await store.take("bounce", "a", rule(1, 1), 1)).allowed).toBe(false);
    });

    it("refills nothing when the clock steps back", async () => {
      const clock = handClock();
      const store = await create(clock);
      const take = () => store.take("sign-in", "a", rule(1, 60), 1);
      await take();
      clock.advance(-30);
      expect((await take()).allowed).toBe(false);
      clock.advance(30);
      expect((await take()).allowed).toBe(false);
      clock.advance(1);
      expect((await take()).allowed).toBe(true);
    });

    it("purges only the buckets that are full again; a purged bucket comes back full", async () => {
      const clock = handClock();
      const store = await create(clock);
      await store.take("sign-in", "quick", rule(2, 60), 2); // full again in 2 s
      await store.take("sign-in", "slow", rule(2, 1), 2); // full again in 2 min
      clock.advance(1);
      expect(await store.purge()).toBe(0);
      clock.advance(1);
      expect(await store.purge()).toBe(1);
      expect(await store.take("sign-in", "quick", rule(2, 60), 1)).toEqual({ allowed: true, remaining: 1 });
      // the slow one was kept: still nearly empty
      expect(await store.take("sign-in", "slow", rule(2, 1), 1)).toEqual({ allowed: false, retryAfterSeconds: 58 });
      clock.advance(120);
      expect(await store.purge()).toBe(2);
    });

    it("allows exactly the capacity among many takes at once", async () => {
      const clock = handClock();
      const store = await create(clock);
      const decisions = await Promise.all(Array.from({ length: 60 }, () => store.take("launch", "user:many", rule(25, 1), 1)));
      expect(decisions.filter((decision) => decision.allowed)).toHaveLength(25);
    });

    if (replicas) {
      it("shares the buckets between replicas: exactly the capacity among many takes at once from all of them", async () => {
        const clock = handClock();
        const stores = await replicas(clock, 3);
        // 3 replicas × 40 takes of one person's bucket of 50, all at once
        const decisions = await Promise.all(stores.flatMap((store) => Array.from({ length: 40 }, () => store.take("launch", "user:shared", rule(50, 1), 1))));
        expect(decisions.filter((decision) => decision.allowed)).toHaveLength(50);
        const remaining = decisions.flatMap((decision) => (decision.allowed ? [decision.remaining] : [])).sort((a, b) => a - b);
        // each token was given once: the remainders are 0…49, each once
        expect(remaining).toEqual(Array.from({ length: 50 }, (_, i) => i));
        // what one replica took, another sees
        for (const store of stores) expect(await store.take("launch", "user:shared", rule(50, 1), 1)).toEqual({ allowed: false, retryAfterSeconds: 60 });
        clock.advance(60);
        expect(await stores[1]?.take("launch", "user:shared", rule(50, 1), 1)).toEqual({ allowed: true, remaining: 0 });
        await stores[2]?.reset("launch", "user:shared");
        expect(await stores[0]?.take("launch", "user:shared", rule(50, 1), 1)).toEqual({ allowed: true, remaining: 49 });
      });
    }
  });
}
