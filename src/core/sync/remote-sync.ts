// Keeping the desired-state repository in step with its remote (the forge Argo CD and people
// read): a task of the scheduler that pushes soon after each local commit, polls for commits
// made there, and retries failures with exponential backoff. A failed push loses nothing: the
// commit stays on the local branch, which stays the source of truth for Plateau, and goes
// with the next attempt. What one attempt does is the remote's `sync` (fetch, decide, act).
import type { Clock } from "../ports/clock.js";
import type { DesiredStateRemote, SyncOutcome, SyncPhase } from "../ports/desired-state-remote.js";
import type { CommitId } from "../ports/desired-state-repository.js";
import type { Logger } from "../ports/logger.js";
import type { Scheduler } from "../ports/scheduler.js";
import type { BackoffSettings } from "../scheduler/scheduler.js";

export type RemoteState = "in-sync" | "ahead" | "behind" | "pushing" | "failing" | "diverged" | "disabled";

export interface RemoteStatus {
  /**
   * `ahead`: local commits the remote is not known to have yet (also before the first attempt);
   * `behind`: taking the remote's commits now; `pushing`: a push is in progress; `failing`: the
   * last attempt failed (see lastError, nextAttemptAt); `diverged`: a person must merge
   * (lastError says why); `disabled`: no remote is configured.
   */
  readonly state: RemoteState;
  readonly localHead: CommitId | null;
  readonly remoteHead: CommitId | null;
  /** ISO 8601 time of the last successful attempt. */
  readonly lastSuccessAt: string | null;
  readonly lastError: { readonly message: string; readonly at: string } | null;
  /** Failed attempts since the last success. */
  readonly attempts: number;
  /** ISO 8601 time of the next scheduled attempt. */
  readonly nextAttemptAt: string | null;
}

/** The status to report when the repository has no remote. */
export const DISABLED_REMOTE_STATUS: RemoteStatus = {
  state: "disabled",
  localHead: null,
  remoteHead: null,
  lastSuccessAt: null,
  lastError: null,
  attempts: 0,
  nextAttemptAt: null,
};

/** The local branch took commits from the remote during this attempt. */
export function tookRemoteCommits(outcome: SyncOutcome): outcome is Extract<SyncOutcome, { kind: "fast-forwarded" | "rebased" | "diverged" }> {
  if (outcome.kind === "fast-forwarded" || outcome.kind === "rebased") return true;
  return outcome.kind === "diverged" && outcome.from !== outcome.localHead;
}

export interface RemoteSyncDeps {
  readonly remote: DesiredStateRemote;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Runs the attempts: its retries are spread at random, so that many Plateaus do not return together. */
  readonly scheduler: Scheduler;
  /** Told after the local branch took commits from the remote (re-index, wake reconcilers). */
  readonly onPulled?: (head: CommitId) => Promise<void> | void;
  /**
   * Told after Plateau's commits reached the remote (`before`: the remote's head before them,
   * null when unknown): Argo CD's git webhook, so syncing starts at once.
   */
  readonly onPushed?: (before: CommitId | null, after: CommitId) => Promise<void> | void;
  /** Period of the fetch that notices commits made on the remote (default one minute). */
  readonly pollIntervalMs?: number;
  /** Default: 2 s doubling up to 5 min. */
  readonly backoff?: BackoffSettings;
}

export interface RemoteSync {
  /** Starts with an attempt now, then polls. */
  start(): void;
  /** Stops scheduling and waits for the attempt in progress. */
  stop(): Promise<void>;
  /** After a local commit: push soon (unless failing: the next retry takes it). */
  wake(): void;
  /** One attempt now (a webhook said the remote moved), after the one in progress if any. */
  syncNow(): Promise<SyncOutcome>;
  status(): RemoteStatus;
}

export function createRemoteSync(deps: RemoteSyncDeps): RemoteSync {
  const { remote, clock, logger } = deps;

  let stopped = true;
  /** An attempt is in progress. */
  let running = false;
  /** An attempt begins on this turn. */
  let starting = false;
  let phase: SyncPhase | undefined;
  /** A wake arrived during an attempt: another one follows it. */
  let wanted = false;
  /** A local commit not yet seen by an attempt. */
  let committedSince = false;
  let last: SyncOutcome | undefined;
  let lastSuccessAt: string | null = null;
  let lastError: { message: string; at: string } | null = null;
  let attempts = 0;
  /** Calls of syncNow waiting for an attempt that starts after them. */
  const awaiting: { resolve: (outcome: SyncOutcome) => void; reject: (error: unknown) => void }[] = [];

  const iso = () => clock.now().toISOString();

  // One attempt at a time; at start, then every poll interval after the last periodic one, and
  // after a failure at the backoff's delay (the scheduler's rules, ADR 19).
  const task = deps.scheduler.add({
    name: "remote sync",
    // Each replica pushes its own commits from its own clone of the repository.
    scope: "every-replica",
    intervalMs: deps.pollIntervalMs ?? 60_000,
    immediately: true,
    backoff: deps.backoff ?? ({ initialMs: 2000, maxMs: 300_000 } satisfies BackoffSettings),
    run: async () => {
      // Begun on the next turn, as by a timer: whoever woke it still sees the commit "ahead".
      starting = true;
      await Promise.resolve();
      starting = false;
      await attempt();
    },
  });

  async function attempt(): Promise<void> {
    committedSince = false;
    wanted = false;
    running = true;
    const answering = awaiting.splice(0);
    let failed = false;
    try {
      const before = last?.remoteHead ?? null;
      const outcome = await remote.sync({ onPhase: (next) => (phase = next) });
      succeeded(outcome);
      if ((outcome.kind === "pushed" || outcome.kind === "rebased") && deps.onPushed) {
        try {
          await deps.onPushed(before, outcome.remoteHead);
        } catch (error) {
          // A nudge only: Argo CD's own poll picks the commits up anyway.
          logger.warn({ head: outcome.remoteHead, error: (error as Error).message }, "desired-state remote: telling of the push failed");
        }
      }
      if (tookRemoteCommits(outcome) && deps.onPulled) {
        phase = undefined;
        try {
          await deps.onPulled(outcome.localHead);
        } catch (error) {
          // The commits are taken; what reads them catches up at its own next pass.
          logger.error({ head: outcome.localHead, error: (error as Error).message }, "desired-state remote: handling pulled commits failed");
        }
      }
      for (const waiting of answering) waiting.resolve(outcome);
    } catch (error) {
      failed = true;
      recordFailure(error as Error);
      for (const waiting of answering) waiting.reject(error);
      throw error;
    } finally {
      phase = undefined;
      running = false;
      // A commit made meanwhile goes at once; after a failure, the retry scheduled takes it.
      if (!failed && !stopped && (wanted || committedSince)) task.trigger().catch(() => undefined);
      wanted = false;
    }
  }

  function succeeded(outcome: SyncOutcome): void {
    const wasFailing = attempts > 0;
    const wasDiverged = last?.kind === "diverged";
    last = outcome;
    attempts = 0;
    lastSuccessAt = iso();
    if (wasFailing) logger.info({ outcome: outcome.kind }, "desired-state remote reachable again");
    if (outcome.kind === "diverged") {
      if (!wasDiverged || lastError?.message !== outcome.reason) {
        logger.error({ local: outcome.localHead, remote: outcome.remoteHead, reason: outcome.reason }, "desired-state repository diverged from its remote");
      }
      lastError = { message: outcome.reason, at: iso() };
    } else if (outcome.kind !== "up-to-date") {
      logger.info({ outcome: outcome.kind, local: outcome.localHead, remote: outcome.remoteHead }, "desired-state remote synchronised");
    }
  }

  function recordFailure(error: Error): void {
    attempts++;
    const message = error.message;
    const fields = { attempts, error: message };
    // Said once, then again only when the reason changes: an outage must not flood the log.
    if (attempts === 1 || lastError?.message !== message) logger.warn(fields, "desired-state remote: synchronisation failed; retrying");
    else logger.debug(fields, "desired-state remote: synchronisation failed again");
    lastError = { message, at: iso() };
  }

  function state(): RemoteState {
    if (phase === "pushing") return "pushing";
    if (phase === "fast-forwarding" || phase === "rebasing") return "behind";
    if (attempts > 0) return "failing";
    if (last?.kind === "diverged") return "diverged";
    if (running && !last) return "pushing";
    if (!last || committedSince || last.localHead !== last.remoteHead) return "ahead";
    return "in-sync";
  }

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      task.start();
    },
    async stop() {
      stopped = true;
      await task.pause();
    },
    wake() {
      committedSince = true;
      if (stopped) return;
      if (starting || running) wanted = true;
      // While failing, the retry already scheduled takes the new commit with it.
      else if (attempts === 0) task.trigger().catch(() => undefined);
    },
    syncNow() {
      // Answered by the first attempt that starts after this call: the next one if one runs now.
      return new Promise<SyncOutcome>((resolve, reject) => {
        const waiting = { resolve, reject };
        awaiting.push(waiting);
        task.trigger().catch((error: unknown) => {
          const index = awaiting.indexOf(waiting);
          if (index < 0) return; // answered by the attempt itself
          awaiting.splice(index, 1);
          reject(error);
        });
      });
    },
    status() {
      return {
        state: state(),
        localHead: last?.localHead ?? null,
        remoteHead: last?.remoteHead ?? null,
        lastSuccessAt,
        lastError,
        attempts,
        nextAttemptAt: running ? null : task.status().nextRunAt,
      };
    },
  };
}
