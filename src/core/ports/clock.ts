export interface Clock {
  now(): Date;
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
