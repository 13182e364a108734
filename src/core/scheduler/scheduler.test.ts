// The scheduler on the fake clock: the contract, then what only a clock moved by hand can show
// exactly (when each run starts, how long a retry waits).
import { afterEach, describe, expect, it } from "vitest";
import type { Random } from "../ports/clock.js";
import { silentLogger, type Logger } from "../ports/logger.js";
import { describeSchedulerContract } from "../ports/scheduler.contract.js";
import type { Scheduler, TaskDefinition } from "../ports/scheduler.js";
import { createFakeClock, type FakeClock } from "../testing/fake-clock.js";
import { createScheduler, retryDelayMs } from "./scheduler.js";

const lowest = { int: () => 0 };
const highest = { int: (n: number) => n - 1 };

describeSchedulerContract("fake clock", () => {
  const clock = createFakeClock();
  return { scheduler: createScheduler({ clock, timers: clock, random: lowest, logger: silentLogger }), passTime: (ms) => clock.advance(ms) };
});

describe("retryDelayMs", () => {
  it.each([
    [1, lowest, 500],
    [1, highest, 1000],
    [2, lowest, 1000],
    [3, highest, 4000],
    [10, lowest, 30_000],
    [10, highest, 60_000],
    [1000, highest, 60_000],
  ])("after %i failure(s) → in [half, full] of the doubled delay", (attempts, random, expected) => {
    expect(retryDelayMs(attempts, { initialMs: 1000, maxMs: 60_000 }, random)).toBe(expected);
  });
});

/** A promise the test settles by hand. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe("the scheduler on a fake clock", () => {
  let clock: FakeClock;
  let scheduler: Scheduler;
  const lines: { level: string; message: string; fields: object }[] = [];
  const at =
    (level: string) =>
    (fields: object, message: string): void =>
      void lines.push({ level, message, fields });
  const logger: Logger = { info: at("info"), warn: at("warn"), error: at("error"), debug: at("debug") };

  function setup(random: Pick<Random, "int"> = lowest) {
    clock = createFakeClock("2026-03-01T09:00:00.000Z");
    scheduler = createScheduler({ clock, timers: clock, random, logger });
    lines.length = 0;
  }
  afterEach(async () => scheduler.stop());
  /** Times (ms since the start) at which the task's runs began. */
  function timed(overrides: Partial<TaskDefinition> = {}, body: (n: number, signal: AbortSignal) => Promise<void> = async () => undefined) {
    const origin = clock.now().getTime();
    const starts: number[] = [];
    const handle = scheduler.add({
      name: "task",
      scope: "one-replica",
      intervalMs: 1000,
      run: async ({ signal }) => {
        starts.push(clock.now().getTime() - origin);
        await body(starts.length, signal);
      },
      ...overrides,
    });
    return { handle, starts };
  }

  it("runs at once, then one interval after each run's end", async () => {
    setup();
    const { handle, starts } = timed({ immediately: true });
    handle.start();
    await clock.advance(3500);
    expect(starts).toEqual([0, 1000, 2000, 3000]);
    expect(handle.status().nextRunAt).toBe("2026-03-01T09:00:04.000Z");
  });

  it("counts the interval from the end of a slow run, which nothing overlaps", async () => {
    setup();
    const { handle, starts } = timed({ intervalMs: 1000 }, async (n) => {
      // The first run takes 2.5 s of the clock: nothing starts another meanwhile.
      if (n === 1) await new Promise<void>((resolve) => clock.after(2500, resolve));
    });
    handle.start();
    await clock.advance(1000);
    expect(starts).toEqual([1000]);
    const trigger = handle.trigger();
    await clock.advance(2500);
    await trigger;
    // The trigger during the run is served after it (at 3.5 s), then the interval counts from there.
    expect(starts).toEqual([1000, 3500]);
    await clock.advance(1000);
    expect(starts).toEqual([1000, 3500, 4500]);
  });

  it("does not queue a periodic run behind a slow one: the next comes one interval after its end", async () => {
    setup();
    const { handle, starts } = timed({ intervalMs: 1000 }, async (n) => {
      if (n === 1) await new Promise<void>((resolve) => clock.after(2500, resolve));
    });
    handle.start();
    await clock.advance(4000);
    expect(starts).toEqual([1000]);
    await clock.advance(500);
    expect(starts).toEqual([1000, 4500]);
  });

  it("does not move the periodic schedule for a triggered run that succeeds", async () => {
    setup();
    const { handle, starts } = timed();
    handle.start();
    await clock.advance(600);
    await handle.trigger();
    await clock.advance(400);
    expect(starts).toEqual([600, 1000]);
  });

  it("backs off after failures, doubling up to the cap, and returns to the interval after a success", async () => {
    setup(highest);
    const outcomes = [false, false, false, false, true];
    const { handle, starts } = timed({ immediately: true, intervalMs: 60_000, backoff: { initialMs: 1000, maxMs: 4000 } }, async (n) => {
      if (!outcomes[n - 1]) throw new Error(`failure ${n}`);
    });
    handle.start();
    await clock.advance(0);
    expect(handle.status()).toMatchObject({ failures: 1, lastError: { message: "failure 1" }, nextRunAt: "2026-03-01T09:00:01.000Z" });
    await clock.advance(1000 + 2000 + 4000 + 4000);
    expect(starts).toEqual([0, 1000, 3000, 7000, 11_000]);
    expect(handle.status()).toMatchObject({ failures: 0, nextRunAt: "2026-03-01T09:01:11.000Z" });
  });

  it("without backoff settings, backs off from its interval", async () => {
    setup(highest);
    const { handle, starts } = timed({ immediately: true }, async (n) => {
      if (n < 3) throw new Error("no");
    });
    handle.start();
    await clock.advance(10_000);
    expect(starts.slice(0, 4)).toEqual([0, 1000, 3000, 4000]);
  });

  it("a failed trigger schedules the retry in place of the periodic run", async () => {
    setup(lowest);
    const { handle, starts } = timed({ intervalMs: 60_000, backoff: { initialMs: 1000, maxMs: 8000 } }, async (n) => {
      if (n === 1) throw new Error("down");
    });
    handle.start();
    await expect(handle.trigger()).rejects.toThrow("down");
    await clock.advance(500);
    expect(starts).toEqual([0, 500]);
    expect(handle.status()).toMatchObject({ failures: 0, nextRunAt: "2026-03-01T09:01:00.500Z" });
  });

  it("reports a run over its timeout, aborts its signal, and keeps its slot until it returns", async () => {
    setup();
    const finish = gate();
    let signal: AbortSignal | undefined;
    const { handle, starts } = timed({ timeoutMs: 5000, intervalMs: 1000 }, async (n, given) => {
      if (n > 1) return;
      signal = given;
      await finish.opened; // ignores its signal
    });
    const run = handle.trigger();
    run.catch(() => undefined);
    await clock.advance(4999);
    expect(lines.filter((line) => line.level === "warn")).toEqual([]);
    await clock.advance(1);
    expect(lines.filter((line) => line.level === "warn")).toEqual([
      { level: "warn", message: "background task over its time: asked to stop", fields: { task: "task", timeoutMs: 5000 } },
    ]);
    expect(signal?.aborted).toBe(true);
    // Neither its interval nor a trigger starts a second run beside it.
    handle.start();
    handle.trigger().catch(() => undefined);
    await clock.advance(10_000);
    expect(starts).toEqual([0]);
    expect(handle.status().running).toBe(true);
    finish.open();
    await expect(run).rejects.toThrow("task took longer than 5000 ms");
    await scheduler.idle();
    expect(starts).toEqual([0, 15_000]);
  });

  it("stop waits for the run in progress before it returns", async () => {
    setup();
    const finish = gate();
    const { handle } = timed({ immediately: true }, () => finish.opened);
    handle.start();
    let stopped = false;
    const stopping = scheduler.stop().then(() => (stopped = true));
    await clock.advance(60_000);
    expect(stopped).toBe(false);
    finish.open();
    await stopping;
    expect(clock.pending()).toBe(0);
  });

  it("tells the run whether its interval came or someone asked", async () => {
    setup();
    const reasons: string[] = [];
    const release = gate();
    const handle = scheduler.add({
      name: "reasons",
      scope: "every-replica",
      intervalMs: 1000,
      run: async ({ reason }) => {
        reasons.push(reason);
        if (reasons.length === 1) await release.opened;
      },
    });
    handle.start();
    const first = handle.trigger();
    await clock.advance(1000); // the interval comes during the triggered run: one run follows, periodic
    release.open();
    await first;
    await scheduler.idle();
    expect(reasons).toEqual(["trigger", "interval"]);
  });
});

describe("one-replica tasks under a leader lock (ADR 0040)", () => {
  it("runs them only while this replica leads; every-replica tasks run everywhere", async () => {
    const clock = createFakeClock("2026-03-01T09:00:00.000Z");
    let leader = false;
    const scheduler = createScheduler({ clock, timers: clock, random: lowest, logger: silentLogger, isLeader: () => leader });
    const runs: string[] = [];
    const one = scheduler.add({ name: "one", scope: "one-replica", intervalMs: 1000, immediately: true, run: async () => void runs.push("one") });
    const every = scheduler.add({ name: "every", scope: "every-replica", intervalMs: 1000, immediately: true, run: async () => void runs.push("every") });
    one.start();
    every.start();
    await scheduler.idle();
    await one.trigger();
    expect(runs).toEqual(["every"]);
    expect(one.status().failures).toBe(0);
    leader = true;
    await clock.advance(1000);
    await scheduler.idle();
    expect(runs.filter((run) => run === "one")).toHaveLength(1);
    leader = false;
    await clock.advance(1000);
    await scheduler.idle();
    expect(runs.filter((run) => run === "one")).toHaveLength(1);
    expect(runs.filter((run) => run === "every")).toHaveLength(3);
    await scheduler.stop();
  });
});
