// The contract of the Scheduler, on real timers (src/adapters/system/system.test.ts) and on the
// fake clock (src/core/scheduler/scheduler.test.ts). Only what holds on both: on real timers a
// test cannot say how late a timer fires, only that it does (exact delays: the unit tests).
import { afterEach, describe, expect, it } from "vitest";
import type { Scheduler, TaskDefinition } from "./scheduler.js";

export interface SchedulerFixture {
  readonly scheduler: Scheduler;
  /** Lets at least `ms` pass on the scheduler's clock (fake: moves it; real: waits). */
  passTime(ms: number): Promise<void>;
}

/** A promise the test settles by hand. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

export function describeSchedulerContract(name: string, create: () => SchedulerFixture): void {
  describe(`Scheduler contract: ${name}`, () => {
    let fixture: SchedulerFixture | undefined;
    const setup = () => (fixture = create());
    afterEach(async () => {
      await fixture?.scheduler.stop();
      fixture = undefined;
    });
    const task = (overrides: Partial<TaskDefinition> & Pick<TaskDefinition, "name" | "run">): TaskDefinition => ({
      scope: "every-replica",
      intervalMs: 20,
      ...overrides,
    });

    it("runs a task at once when asked, then again at its interval, and not before start", async () => {
      const { scheduler, passTime } = setup();
      let runs = 0;
      const handle = scheduler.add(task({ name: "count", immediately: true, run: async () => void runs++ }));
      await passTime(60);
      expect(runs).toBe(0);
      handle.start();
      await scheduler.idle();
      expect(runs).toBeGreaterThanOrEqual(1);
      await passTime(100);
      await scheduler.idle();
      expect(runs).toBeGreaterThanOrEqual(3);
      expect(handle.status()).toMatchObject({ failures: 0, lastError: null });
      expect(handle.status().nextRunAt).not.toBeNull();
    });

    it("waits one interval before the first run of a task not run at once", async () => {
      const { scheduler, passTime } = setup();
      let runs = 0;
      scheduler.add(task({ name: "later", intervalMs: 200, run: async () => void runs++ })).start();
      await scheduler.idle();
      expect(runs).toBe(0);
      await passTime(20);
      await scheduler.idle();
      expect(runs).toBe(0);
      await passTime(400);
      await scheduler.idle();
      expect(runs).toBeGreaterThanOrEqual(1);
    });

    it("never runs one task twice at once: triggers during a run share one run after it", async () => {
      const { scheduler } = setup();
      const first = gate();
      let running = 0;
      let most = 0;
      const reasons: string[] = [];
      const handle = scheduler.add(
        task({
          name: "slow",
          intervalMs: 60_000,
          run: async ({ reason }) => {
            running++;
            most = Math.max(most, running);
            reasons.push(reason);
            if (reasons.length === 1) await first.opened;
            running--;
          },
        }),
      );
      const one = handle.trigger();
      expect(handle.status().running).toBe(true);
      const two = handle.trigger();
      const three = handle.trigger();
      first.open();
      await Promise.all([one, two, three]);
      await scheduler.idle();
      expect(reasons).toEqual(["trigger", "trigger"]);
      expect(most).toBe(1);
      expect(handle.status().running).toBe(false);
    });

    it("settles a trigger as its run does, and counts failures until a success", async () => {
      const { scheduler } = setup();
      let fail = true;
      const handle = scheduler.add(
        task({
          name: "flaky",
          run: async () => {
            if (fail) throw new Error("the forge is down");
          },
        }),
      );
      await expect(handle.trigger()).rejects.toThrow("the forge is down");
      await expect(handle.trigger()).rejects.toThrow("the forge is down");
      expect(handle.status()).toMatchObject({ failures: 2, lastError: { message: "the forge is down" } });
      fail = false;
      await handle.trigger();
      expect(handle.status()).toMatchObject({ failures: 0, lastError: { message: "the forge is down" } });
    });

    it("puts the retry of a failed run in place of the periodic one", async () => {
      const { scheduler, passTime } = setup();
      let runs = 0;
      const handle = scheduler.add(
        task({
          name: "retried",
          intervalMs: 100,
          backoff: { initialMs: 1000, maxMs: 1000 },
          run: async () => {
            runs++;
            throw new Error("down");
          },
        }),
      );
      handle.start();
      await expect(handle.trigger()).rejects.toThrow("down");
      // The periodic run (due at 100 ms) is gone; the retry comes after 500 ms at least.
      await passTime(250);
      await scheduler.idle();
      expect(runs).toBe(1);
      expect(handle.status().nextRunAt).not.toBeNull();
    });

    it("aborts the signal of a run over its timeout and counts it as failed", async () => {
      const { scheduler, passTime } = setup();
      let aborted: unknown;
      const handle = scheduler.add(
        task({
          name: "stuck",
          timeoutMs: 20,
          run: ({ signal }) => new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve((aborted = signal.reason)))),
        }),
      );
      const run = handle.trigger();
      run.catch(() => undefined);
      await passTime(60);
      await expect(run).rejects.toThrow(/stuck took longer than 20 ms/);
      expect(aborted).toBeInstanceOf(Error);
      expect(handle.status()).toMatchObject({ failures: 1, running: false });
    });

    it("pause ends the periodic runs and waits for the run in progress", async () => {
      const { scheduler, passTime } = setup();
      const release = gate();
      let runs = 0;
      const handle = scheduler.add(
        task({
          name: "paused",
          immediately: true,
          run: async () => {
            runs++;
            if (runs === 1) await release.opened;
          },
        }),
      );
      handle.start();
      let paused = false;
      const pausing = handle.pause().then(() => (paused = true));
      await passTime(10);
      expect(paused).toBe(false);
      release.open();
      await pausing;
      expect(handle.status().nextRunAt).toBeNull();
      await passTime(100);
      await scheduler.idle();
      expect(runs).toBe(1);
    });

    it("stop aborts the runs in progress, waits for them, and refuses triggers afterwards", async () => {
      const { scheduler, passTime } = setup();
      let finished = false;
      const handle = scheduler.add(
        task({
          name: "long",
          immediately: true,
          run: ({ signal }) =>
            new Promise<void>((resolve) =>
              signal.addEventListener("abort", () => {
                // Some clean-up after the signal, still waited for.
                void Promise.resolve().then(() => {
                  finished = true;
                  resolve();
                });
              }),
            ),
        }),
      );
      handle.start();
      await passTime(10);
      expect(handle.status().running).toBe(true);
      await scheduler.stop();
      expect(finished).toBe(true);
      expect(handle.status()).toMatchObject({ running: false, nextRunAt: null });
      await expect(handle.trigger()).rejects.toThrow(/stopped/);
    });

    it("refuses two tasks of one name", () => {
      const { scheduler } = setup();
      scheduler.add(task({ name: "twice", run: async () => undefined }));
      expect(() => scheduler.add(task({ name: "twice", run: async () => undefined }))).toThrow(/twice/);
    });
  });
}
