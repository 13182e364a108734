export interface Clock {
  now(): Date;
}

/**
 * Timers on the clock's time line, passed in so that background work (the scheduler) runs on
 * a fake clock under test: `src/adapters/system` has the real one, `src/core/testing/fake-clock.ts`
 * one that moves only when a test says so.
 */
export interface Timers {
  /** Calls `callback` once, `ms` from now; the function returned cancels it (harmless once fired). */
  after(ms: number, callback: () => void): () => void;
}

/** Randomness, passed in so that core stays deterministic under test. */
export interface Random {
  /** An integer in [0, n). */
  int(n: number): number;
  /** A secret string of `length` characters from a URL-safe alphabet. */
  secret(length: number): string;
  /** A unique identifier (a UUID). */
  id(): string;
}
