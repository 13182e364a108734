// The scheduler of background work (the port is ports/scheduler.ts; why it lives in core: ADR 19).
// Pure logic over the Clock and Timers ports: which run starts when, one at a time per task,
// what a failure or a timeout does to the next one, what a shutdown waits for. Real timers in
// `plateau up`, a fake clock in tests, the same code.
import type { Clock, Random, Timers } from "../ports/clock.js";
import type { Logger } from "../ports/logger.js";
import type { RunReason, ScheduledTask, Scheduler, TaskDefinition, TaskStatus } from "../ports/scheduler.js";

export interface BackoffSettings {
  readonly initialMs: number;
  readonly maxMs: number;
}

/**
 * The delay before attempt `attempts + 1` after `attempts` failures in a row: doubling from
 * `initialMs` up to `maxMs`, then drawn in its upper half so that many Plateaus failing on
 * the same outage do not all come back at the same instant.
 */
export function retryDelayMs(attempts: number, backoff: BackoffSettings, random: Pick<Random, "int">): number {
  const exponent = Math.min(Math.max(attempts - 1, 0), 30);
  const ceiling = Math.min(backoff.initialMs * 2 ** exponent, backoff.maxMs);
  const half = Math.floor(ceiling / 2);
  return ceiling - half + random.int(half + 1);
}

export interface SchedulerDeps {
  readonly clock: Clock;
  readonly timers: Timers;
  /** Spreads retries after failures (see retryDelayMs). */
  readonly random: Pick<Random, "int">;
  readonly logger: Logger;
  /**
   * Whether this replica holds the leader lock (ADR 0040): a run of a `one-replica` task on
   * another replica is skipped (it counts as done; the next comes at its interval). Absent:
   * one replica, which runs everything.
   */
  readonly isLeader?: () => boolean;
}

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

/** The run that follows the one in progress: periodic, asked for, or both. */
interface FollowUp {
  interval: boolean;
  readonly waiters: Waiter[];
}

interface TaskState {
  readonly definition: TaskDefinition;
  started: boolean;
  /** A run is in progress (set before the task's code is called, so that nothing overlaps it). */
  active: boolean;
  running: Promise<void> | undefined;
  controller: AbortController | undefined;
  next: FollowUp | undefined;
  cancelTimer: (() => void) | undefined;
  nextRunAt: number | null;
  failures: number;
  lastError: { message: string; at: string } | null;
}

export function createScheduler(deps: SchedulerDeps): Scheduler {
  const { clock, timers, logger } = deps;
  const tasks = new Map<string, TaskState>();
  let stopped = false;

  function arm(task: TaskState, delayMs: number): void {
    task.cancelTimer?.();
    task.nextRunAt = clock.now().getTime() + delayMs;
    task.cancelTimer = timers.after(delayMs, () => {
      task.cancelTimer = undefined;
      task.nextRunAt = null;
      if (!task.started || stopped) return;
      if (task.active) (task.next ??= { interval: false, waiters: [] }).interval = true;
      else launch(task, "interval", []);
    });
  }

  function disarm(task: TaskState): void {
    task.cancelTimer?.();
    task.cancelTimer = undefined;
    task.nextRunAt = null;
  }

  /** Runs the task's code once; never throws: the outcome says how it went. */
  async function execute(task: TaskState, reason: RunReason): Promise<{ failed: false } | { failed: true; error: Error }> {
    const { name, timeoutMs } = task.definition;
    if (task.definition.scope === "one-replica" && deps.isLeader && !deps.isLeader()) return { failed: false };
    const controller = new AbortController();
    task.controller = controller;
    let timedOut = false;
    const cancelTimeout =
      timeoutMs === undefined
        ? undefined
        : timers.after(timeoutMs, () => {
            timedOut = true;
            // Reported now, while it still runs: its slot stays taken until it returns (ADR 19).
            logger.warn({ task: name, timeoutMs }, "background task over its time: asked to stop");
            controller.abort(new Error(`${name} took longer than ${timeoutMs} ms`));
          });
    try {
      await task.definition.run({ signal: controller.signal, reason });
      if (timedOut) return { failed: true, error: new Error(`${name} took longer than ${timeoutMs} ms`) };
      return { failed: false };
    } catch (error) {
      if (timedOut) return { failed: true, error: new Error(`${name} took longer than ${timeoutMs} ms`) };
      return { failed: true, error: error instanceof Error ? error : new Error(String(error)) };
    } finally {
      cancelTimeout?.();
      task.controller = undefined;
    }
  }

  function backoffDelay(task: TaskState): number {
    const { intervalMs, backoff } = task.definition;
    return retryDelayMs(task.failures, backoff ?? { initialMs: intervalMs, maxMs: Math.max(intervalMs, 300_000) }, deps.random);
  }

  function launch(task: TaskState, reason: RunReason, waiters: Waiter[]): void {
    task.active = true;
    // A periodic run now takes the place of the one the timer held.
    if (reason === "interval") disarm(task);
    const run = (async () => {
      const outcome = await execute(task, reason);
      if (outcome.failed) {
        task.failures++;
        task.lastError = { message: outcome.error.message, at: clock.now().toISOString() };
        // The task says what failed in its own words; here, only the schedule's side of it.
        logger.debug({ task: task.definition.name, failures: task.failures, error: outcome.error.message }, "background task failed");
        // The retry replaces the periodic run (asked-for runs still follow).
        if (task.next) task.next.interval = false;
        if (task.next?.waiters.length === 0) task.next = undefined;
        if (task.started && !stopped) arm(task, backoffDelay(task));
      } else {
        const wasFailing = task.failures > 0;
        task.failures = 0;
        const periodicPending = task.cancelTimer !== undefined || task.next?.interval === true;
        if (task.started && !stopped && (reason === "interval" || wasFailing || !periodicPending)) arm(task, task.definition.intervalMs);
      }
      for (const waiter of waiters) {
        if (outcome.failed) waiter.reject(outcome.error);
        else waiter.resolve();
      }
      const next = task.next;
      task.next = undefined;
      if (next && !stopped) launch(task, next.interval ? "interval" : "trigger", next.waiters);
      else {
        task.active = false;
        task.running = undefined;
      }
    })();
    // Set before the run can end (its end comes at least one turn later), so a follow-up replaces it.
    task.running = run;
  }

  async function settle(task: TaskState): Promise<void> {
    while (task.running) await task.running;
  }

  function handle(task: TaskState): ScheduledTask {
    return {
      name: task.definition.name,
      start() {
        if (task.started || stopped) return;
        task.started = true;
        if (!task.definition.immediately) arm(task, task.definition.intervalMs);
        else if (task.active) (task.next ??= { interval: false, waiters: [] }).interval = true;
        else launch(task, "interval", []);
      },
      async pause() {
        task.started = false;
        disarm(task);
        if (task.next) task.next.interval = false;
        if (task.next?.waiters.length === 0) task.next = undefined;
        await settle(task);
      },
      trigger() {
        if (stopped) return Promise.reject(new Error(`the scheduler is stopped: ${task.definition.name} does not run`));
        return new Promise<void>((resolve, reject) => {
          if (task.active) (task.next ??= { interval: false, waiters: [] }).waiters.push({ resolve, reject });
          else launch(task, "trigger", [{ resolve, reject }]);
        });
      },
      idle: () => settle(task),
      status(): TaskStatus {
        return {
          running: task.active,
          failures: task.failures,
          lastError: task.lastError,
          nextRunAt: task.nextRunAt === null ? null : new Date(task.nextRunAt).toISOString(),
        };
      },
    };
  }

  return {
    add(definition) {
      if (tasks.has(definition.name)) throw new Error(`a background task named ${definition.name} exists already`);
      if (!(definition.intervalMs > 0)) throw new Error(`the interval of ${definition.name} must be positive`);
      const task: TaskState = {
        definition,
        started: false,
        active: false,
        running: undefined,
        controller: undefined,
        next: undefined,
        cancelTimer: undefined,
        nextRunAt: null,
        failures: 0,
        lastError: null,
      };
      tasks.set(definition.name, task);
      return handle(task);
    },
    async idle() {
      for (;;) {
        const running = [...tasks.values()].flatMap((task) => (task.running ? [task.running] : []));
        if (running.length === 0) return;
        await Promise.all(running);
      }
    },
    async stop() {
      stopped = true;
      for (const task of tasks.values()) {
        task.started = false;
        disarm(task);
        const refused = task.next?.waiters ?? [];
        task.next = undefined;
        for (const waiter of refused) waiter.reject(new Error(`the scheduler stopped before ${task.definition.name} ran`));
        task.controller?.abort(new Error("the scheduler is stopping"));
      }
      await Promise.all([...tasks.values()].map(settle));
    },
  };
}
