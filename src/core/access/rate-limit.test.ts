import { describe, expect, it } from "vitest";
import type { Clock } from "../ports/clock.js";
import { createMemoryRateLimitStore, createRateLimiter, sharedRateLimiter } from "./rate-limit.js";
import { describeRateLimitStoreContract } from "../ports/rate-limit-store.contract.js";

const fakeClock = () => {
  let now = Date.parse("2025-01-01T00:00:00Z");
  const clock: Clock = { now: () => new Date(now) };
  return { clock, advance: (seconds: number) => (now += seconds * 1000) };
};

describe("rate limiter", () => {
  it("allows a burst up to the capacity, then tells when to retry", () => {
    const { clock } = fakeClock();
    const limiter = createRateLimiter({ capacity: 5, refillPerMinute: 10, clock });
    expect(Array.from({ length: 5 }, () => limiter.take("a"))).toEqual([4, 3, 2, 1, 0].map((remaining) => ({ allowed: true, remaining })));
    // 10 tokens a minute: one every 6 seconds
    expect(limiter.take("a")).toEqual({ allowed: false, retryAfterSeconds: 6 });
    expect(limiter.take("a")).toEqual({ allowed: false, retryAfterSeconds: 6 });
  });

  it("refills over time, never above the capacity", () => {
    const { clock, advance } = fakeClock();
    const limiter = createRateLimiter({ capacity: 3, refillPerMinute: 60, clock });
    for (let i = 0; i < 3; i++) limiter.take("a");
    advance(0.5);
    expect(limiter.take("a")).toEqual({ allowed: false, retryAfterSeconds: 1 });
    advance(0.5);
    expect(limiter.take("a")).toEqual({ allowed: true, remaining: 0 });
    advance(1.5);
    expect(limiter.take("a")).toEqual({ allowed: true, remaining: 0 });
    expect(limiter.take("a")).toEqual({ allowed: false, retryAfterSeconds: 1 });
    advance(3600);
    expect(limiter.take("a")).toEqual({ allowed: true, remaining: 2 });
  });

  it("rounds the wait up to whole seconds, at least one", () => {
    const { clock, advance } = fakeClock();
    const limiter = createRateLimiter({ capacity: 1, refillPerMinute: 7, clock });
    limiter.take("a");
    // 60/7 ≈ 8.57 seconds per token
    expect(limiter.take("a")).toEqual({ allowed: false, retryAfterSeconds: 9 });
    advance(8.5);
    expect(limiter.take("a")).toEqual({ allowed: false, retryAfterSeconds: 1 });
    advance(8);
    expect(limiter.take("a")).toEqual({ allowed: true, remaining: 0 });
  });

  it("keeps keys independent", () => {
    const { clock } = fakeClock();
    const limiter = createRateLimiter({ capacity: 1, refillPerMinute: 1, clock });
    expect(limiter.take("a").allowed).toBe(true);
    expect(limiter.take("a")).toEqual({ allowed: false, retryAfterSeconds: 60 });
    expect(limiter.take("b")).toEqual({ allowed: true, remaining: 0 });
    limiter.reset("a");
    expect(limiter.take("a")).toEqual({ allowed: true, remaining: 0 });
    expect(limiter.take("b").allowed).toBe(false);
  });

  it("takes a cost greater than one", () => {
    const { clock, advance } = fakeClock();
    const limiter = createRateLimiter({ capacity: 10, refillPerMinute: 60, clock });
    expect(limiter.take("a", 4)).toEqual({ allowed: true, remaining: 6 });
    expect(limiter.take("a", 4)).toEqual({ allowed: true, remaining: 2 });
    // a refusal takes nothing: 2 tokens left, 2 more needed
    expect(limiter.take("a", 4)).toEqual({ allowed: false, retryAfterSeconds: 2 });
    expect(limiter.take("a", 2)).toEqual({ allowed: true, remaining: 0 });
    expect(limiter.take("a", 10)).toEqual({ allowed: false, retryAfterSeconds: 10 });
    advance(10);
    expect(limiter.take("a", 10)).toEqual({ allowed: true, remaining: 0 });
  });

  it("refuses a cost no bucket can hold", () => {
    const { clock } = fakeClock();
    const limiter = createRateLimiter({ capacity: 2, refillPerMinute: 60, clock });
    expect(() => limiter.take("a", 3)).toThrow(/cost/);
    expect(() => limiter.take("a", -1)).toThrow(/cost/);
  });

  it("forgets the least recently used key beyond maxKeys", () => {
    const { clock } = fakeClock();
    const limiter = createRateLimiter({ capacity: 1, refillPerMinute: 1, clock, maxKeys: 2 });
    limiter.take("a");
    limiter.take("b");
    limiter.take("a"); // refused, but a is now the most recently used
    limiter.take("c"); // evicts b
    expect(limiter.size()).toBe(2);
    expect(limiter.take("a").allowed).toBe(false);
    expect(limiter.take("c").allowed).toBe(false);
    expect(limiter.take("b")).toEqual({ allowed: true, remaining: 0 }); // back full; evicts a
    expect(limiter.take("a")).toEqual({ allowed: true, remaining: 0 });
    expect(limiter.size()).toBe(2);
  });

  it("stays bounded by default", () => {
    const { clock } = fakeClock();
    const limiter = createRateLimiter({ capacity: 1, refillPerMinute: 1, clock });
    for (let i = 0; i < 10_050; i++) limiter.take(`client-${i}`);
    expect(limiter.size()).toBe(10_000);
  });

  it("refills nothing when the clock steps back", () => {
    const { clock, advance } = fakeClock();
    const limiter = createRateLimiter({ capacity: 1, refillPerMinute: 60, clock });
    limiter.take("a");
    advance(-30);
    expect(limiter.take("a").allowed).toBe(false);
    advance(30);
    expect(limiter.take("a").allowed).toBe(false);
    advance(1);
    expect(limiter.take("a").allowed).toBe(true);
  });

  it("refuses meaningless parameters", () => {
    const { clock } = fakeClock();
    expect(() => createRateLimiter({ capacity: 0, refillPerMinute: 1, clock })).toThrow(/capacity/);
    expect(() => createRateLimiter({ capacity: 1, refillPerMinute: 0, clock })).toThrow(/refillPerMinute/);
    expect(() => createRateLimiter({ capacity: 1, refillPerMinute: 1, clock, maxKeys: 0 })).toThrow(/maxKeys/);
  });
});

describeRateLimitStoreContract("memory", async (clock) => createMemoryRateLimitStore({ clock }));

describe("a limit over a store", () => {
  it("takes one token by default and refuses a cost the bucket cannot hold", async () => {
    const { clock } = fakeClock();
    const limiter = sharedRateLimiter(createMemoryRateLimitStore({ clock }), "launch", { capacity: 2, refillPerMinute: 60 });
    expect(await limiter.take("a")).toEqual({ allowed: true, remaining: 1 });
    expect(() => limiter.take("a", 3)).toThrow(/cost/);
    expect(() => sharedRateLimiter(createMemoryRateLimitStore({ clock }), "launch", { capacity: 0, refillPerMinute: 1 })).toThrow(/capacity/);
  });
});
