// Background work: named tasks run every so often, never two runs of one task at once, failures
// retried with growing delays, each run under a timeout, and a shutdown that waits for them.
// One implementation (src/core/scheduler, over the Timers port), on real timers in `plateau up`
// and on a fake clock in tests; the contract suite is scheduler.contract.ts (ADR 19).

/**
 * Where a task runs once Plateau has several replicas: on each of them (work on what a replica
 * holds itself: its clone of the repository, its index) or on one only (work on what they
 * share: the engines, the database, commits to make once). With several replicas, the scheduler
 * runs `one-replica` tasks only on the one holding the leader lock (ADR 40); one replica runs both.
 */
export type TaskScope = "every-replica" | "one-replica";

/** Why a run started: its interval came (or the task started), or someone asked for it. */
export type RunReason = "interval" | "trigger";

export interface TaskRun {
  /**
   * Aborted when the run outlives its `timeoutMs`, or when the scheduler stops: a task that can
   * finish early should; the run is waited for either way.
   */
  readonly signal: AbortSignal;
  /** `interval` when a periodic run is among the causes of this one (triggers coalesce with it). */
  readonly reason: RunReason;
}

export interface TaskDefinition {
  /** Unique within a scheduler: it names the task in logs and status. */
  readonly name: string;
  readonly scope: TaskScope;
  /** Time from the end of one periodic run to the start of the next. */
  readonly intervalMs: number;
  /** Whether `start()` runs the task at once (otherwise its first run is one interval later). */
  readonly immediately?: boolean;
  /** A run still going after this long has its signal aborted and counts as failed (default: no limit). */
  readonly timeoutMs?: number;
  /**
   * After `n` failures in a row, the next periodic run comes after a delay doubling from
   * `initialMs` up to `maxMs`, drawn in its upper half; a success brings back `intervalMs`.
   * Default: `intervalMs`, constant (a failed run is simply tried at the next interval).
   */
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
  readonly run: (run: TaskRun) => Promise<void>;
}

export interface TaskStatus {
  readonly running: boolean;
  /** Failed runs since the last success. */
  readonly failures: number;
  readonly lastError: { readonly message: string; readonly at: string } | null;
  /** When the next periodic run is due (ISO 8601), null when none is scheduled. */
  readonly nextRunAt: string | null;
}

export interface ScheduledTask {
  readonly name: string;
  /** Starts the periodic runs (the first one at once when `immediately`); idempotent. */
  start(): void;
  /** Ends the periodic runs and waits for the run in progress, if any. Triggers still run it. */
  pause(): Promise<void>;
  /**
   * Runs the task now, or right after the run in progress (one run answers every trigger made
   * meanwhile); settles as that run does. Does not move the periodic schedule, unless the run
   * fails (then the retry is scheduled) or ends a series of failures.
   */
  trigger(): Promise<void>;
  /** Resolves once this task has no run in progress or waiting to follow one. */
  idle(): Promise<void>;
  status(): TaskStatus;
}

export interface Scheduler {
  /** Registers a task, idle until its `start()` (triggers run it already). Throws when the name is taken. */
  add(task: TaskDefinition): ScheduledTask;
  /** Resolves once no run is in progress or waiting to follow one: the readiness signal of tests. */
  idle(): Promise<void>;
  /**
   * Ends every periodic run, aborts the signals of the runs in progress and waits for them;
   * triggers are refused afterwards. What a run left half done, the next start does again.
   */
  stop(): Promise<void>;
}
