// A clock tests move by hand: time passes only when a test says so.
import type { Clock } from "../../src/core/ports/clock.js";

export interface TestClock extends Clock {
  /** Moves time forward (or back, with a negative amount). */
  advance(ms: number): void;
  advanceDays(days: number): void;
  set(time: Date | string): void;
}

export const DAY_MS = 86_400_000;

export function createTestClock(start: Date | string = "2026-03-01T09:00:00.000Z"): TestClock {
  let now = new Date(start).getTime();
  return {
    now: () => new Date(now),
    advance: (ms) => void (now += ms),
    advanceDays: (days) => void (now += days * DAY_MS),
    set: (time) => void (now = new Date(time).getTime()),
  };
}
