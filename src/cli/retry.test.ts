import { describe, expect, it } from "vitest";
import { isTransient, retryAfterMs, retryDelay, retryPolicy, type Attempt } from "./retry.js";

const policy = { baseMs: 100, capMs: 1000, totalMs: 3000 };
const refused: Attempt = { kind: "network", code: "ECONNREFUSED" };

describe("CLI retries", () => {
  it("retries a server that is not there for a moment, and 503s that say so; never 4xx nor other errors", () => {
    for (const code of ["ECONNREFUSED", "ECONNRESET", "UND_ERR_SOCKET"]) expect(isTransient({ kind: "network", code })).toBe(true);
    expect(isTransient({ kind: "network", code: "ENOTFOUND" })).toBe(false);
    expect(isTransient({ kind: "network", code: undefined })).toBe(false);
    for (const reason of ["write-lock-timeout", "write-lock-lost", "shutting-down"]) expect(isTransient({ kind: "answer", status: 503, reason })).toBe(true);
    expect(isTransient({ kind: "answer", status: 503, retryAfter: "2" })).toBe(true);
    expect(isTransient({ kind: "answer", status: 503, reason: "identity-provider-unreachable" })).toBe(false);
    expect(isTransient({ kind: "answer", status: 429, retryAfter: "1" })).toBe(false);
    expect(isTransient({ kind: "answer", status: 409, reason: "shutting-down" })).toBe(false);
    expect(isTransient({ kind: "answer", status: 500 })).toBe(false);
  });

  it("waits longer each time, up to the cap, and gives up once the total is spent", () => {
    expect([1, 2, 3, 4, 5].map((failed) => retryDelay(refused, failed, 0, policy))).toEqual([100, 200, 400, 800, 1000]);
    expect(retryDelay(refused, 1, 2950, policy)).toBeUndefined();
    expect(retryDelay({ kind: "answer", status: 400 }, 1, 0, policy)).toBeUndefined();
  });

  it("honours Retry-After, in seconds or as a date, within the cap", () => {
    expect(retryDelay({ kind: "answer", status: 503, reason: "shutting-down", retryAfter: "0" }, 3, 0, policy)).toBe(0);
    expect(retryDelay({ kind: "answer", status: 503, retryAfter: "60" }, 1, 0, policy)).toBe(1000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 8000)).toBe(2000);
    expect(retryAfterMs("soon", 0)).toBeUndefined();
  });

  it("reads PLATEAU_RETRY_SECONDS", () => {
    expect(retryPolicy("0").totalMs).toBe(0);
    expect(retryPolicy("5").totalMs).toBe(5000);
    expect(retryPolicy(undefined).totalMs).toBe(30_000);
    expect(retryPolicy("x").totalMs).toBe(30_000);
  });
});
