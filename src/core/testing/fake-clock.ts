// A clock with timers that moves only when a test says so: the scheduler's runs happen at the
// instants a test chooses, with no waiting on the wall clock (the real one: src/adapters/system).
import type { Clock, Timers } from "../ports/clock.js";

export interface FakeClock extends Clock, Timers {
  /**
   * Moves time forward by `ms`, calling each timer due meanwhile at its own instant, in order,
   * and letting the promise callbacks it started run before the next one (timers they set are
   * called too when due in the span). Work that waits for real I/O is not waited for: tests
   * wait for it with the scheduler's `idle()`.
   */
  advance(ms: number): Promise<void>;
  /** Sets the time (forward or back) without calling any timer. */
  set(time: Date | string): void;
  /** How many timers are set and not yet called. */
  pending(): number;
}

interface Timer {
  readonly at: number;
  readonly order: number;
  readonly callback: () => void;
}

/** Lets promise callbacks and what they chain run: one turn of the event loop. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

export function createFakeClock(start: Date | string = "2026-03-01T09:00:00.000Z"): FakeClock {
  let now = new Date(start).getTime();
  let order = 0;
  const timers = new Set<Timer>();

  function due(until: number): Timer | undefined {
    let first: Timer | undefined;
    for (const timer of timers) {
      if (timer.at > until) continue;
      if (!first || timer.at < first.at || (timer.at === first.at && timer.order < first.order)) first = timer;
    }
    return first;
  }

  return {
    now: () => new Date(now),
    after(ms, callback) {
      const timer: Timer = { at: now + Math.max(0, ms), order: order++, callback };
      timers.add(timer);
      return () => void timers.delete(timer);
    },
    async advance(ms) {
      const until = now + ms;
      await settle();
      for (let timer = due(until); timer; timer = due(until)) {
        timers.delete(timer);
        now = Math.max(now, timer.at);
        timer.callback();
        await settle();
      }
      now = Math.max(now, until);
      await settle();
    },
    set(time) {
      now = new Date(time).getTime();
    },
    pending: () => timers.size,
  };
}
