import { describe, expect, it } from "vitest";
import { createStreamLimiter } from "./stream-limit.js";

describe("createStreamLimiter", () => {
  it("allows a person their streams, then refuses with when to try again, until one ends", () => {
    const limiter = createStreamLimiter({ perKey: 2, total: 10 });
    const first = limiter.acquire("user:alice");
    const second = limiter.acquire("user:alice");
    expect(first.allowed && second.allowed).toBe(true);
    expect(limiter.acquire("user:alice")).toEqual({ allowed: false, scope: "person", limit: 2, retryAfterSeconds: 10 });
    expect(limiter.acquire("user:bob").allowed).toBe(true);
    if (first.allowed) {
      first.release();
      first.release(); // once only
    }
    expect(limiter.active("user:alice")).toBe(1);
    expect(limiter.acquire("user:alice").allowed).toBe(true);
    expect(limiter.active()).toBe(3);
  });

  it("caps the streams of everyone together", () => {
    const limiter = createStreamLimiter({ perKey: 5, total: 3, retryAfterSeconds: 7 });
    const slots = ["a", "b", "c"].map((key) => limiter.acquire(key));
    expect(slots.every((slot) => slot.allowed)).toBe(true);
    expect(limiter.acquire("d")).toEqual({ allowed: false, scope: "all", limit: 3, retryAfterSeconds: 7 });
    for (const slot of slots) if (slot.allowed) slot.release();
    expect(limiter.active()).toBe(0);
    expect(limiter.acquire("d").allowed).toBe(true);
  });
});
