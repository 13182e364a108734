// Keeping the desired-state repository in step with its remote (the forge Argo CD and people
// read): a background loop that pushes soon after each local commit, polls for commits made
// there, and retries failures with exponential backoff. A failed push loses nothing: the
// commit stays on the local branch, which stays the source of truth for Plateau, and goes
// with the next attempt. What one attempt does is the remote's `sync` (fetch, decide, act).
import type { Clock, Random } from "../ports/clock.js";
import type { DesiredStateRemote, SyncOutcome, SyncPhase } from "../ports/desired-state-remote.js";
import type { CommitId } from "../ports/desired-state-repository.js";
import type { Logger } from "../ports/logger.js";

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

export interface BackoffSettings {
  readonly initialMs: number;
  readonly maxMs: number;
}

/**
 * The delay before attempt `attempts + 1` after `attempts` failures in a row: doubling from
 * `initialMs` up to `maxMs`, then drawn in its upper half so that many Plateaus failing on
 * the same forge outage do not all come back at the same instant.
 */
export function retryDelayMs(attempts: number, backoff: BackoffSettings, random: Pick<Random, "int">): number {
  const exponent = Math.min(Math.max(attempts - 1, 0), 30);
  const ceiling = Math.min(backoff.initialMs * 2 ** exponent, backoff.maxMs);
  const half = Math.floor(ceiling / 2);
  return ceiling - half + random.int(half + 1);
}

/** The local branch took commits from the remote during this attempt. */
export function tookRemoteCommits(outcome: SyncOutcome): outcome is Extract<SyncOutcome, { kind: "fast-forwarded" | "rebased" | "diverged" }> {
  if (outcome.kind === "fast-forwarded" || outcome.kind === "rebased") return true;
  return outcome.kind === "diverged" && outcome.from !== outcome.localHead;
}

export interface RemoteSyncDeps {
  readonly remote: DesiredStateRemote;
  readonly clock: Clock;
  readonly random: Pick<Random, "int">;
  readonly logger: Logger;
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
  const pollIntervalMs = deps.pollIntervalMs ?? 60_000;
  const backoff = deps.backoff ?? { initialMs: 2000, maxMs: 300_000 };

  let stopped = true;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<SyncOutcome> | undefined;
  let phase: SyncPhase | undefined;
  /** A wake arrived during an attempt: another one follows it. */
  let wanted = false;
  /** A local commit not yet seen by an attempt. */
  let committedSince = false;
  let last: SyncOutcome | undefined;
  let lastSuccessAt: string | null = null;
  let lastError: { message: string; at: string } | null = null;
  let attempts = 0;
  let nextAttemptAt: string | null = null;

  const iso = () => clock.now().toISOString();

  function schedule(delayMs: number): void {
    clearTimeout(timer);
    timer = undefined;
    nextAttemptAt = null;
    if (stopped) return;
    nextAttemptAt = new Date(clock.now().getTime() + delayMs).toISOString();
    timer = setTimeout(tick, delayMs);
  }

  function tick(): void {
    timer = undefined;
    if (stopped) return;
    if (running) {
      wanted = true;
      return;
    }
    void attempt().catch(() => undefined);
  }

  function attempt(): Promise<SyncOutcome> {
    clearTimeout(timer);
    timer = undefined;
    nextAttemptAt = null;
    committedSince = false;
    wanted = false;
    // Started on the next turn so that `running` is set before anything in it can finish.
    const run: Promise<SyncOutcome> = Promise.resolve().then(async () => {
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
        return outcome;
      } catch (error) {
        failed = true;
        recordFailure(error as Error);
        throw error;
      } finally {
        phase = undefined;
        if (running === run) running = undefined;
        if (failed) schedule(retryDelayMs(attempts, backoff, deps.random));
        else if (wanted || committedSince) schedule(0);
        else schedule(pollIntervalMs);
        wanted = false;
      }
    });
    running = run;
    return run;
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
      if (!running) schedule(0);
      else wanted = true;
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
      nextAttemptAt = null;
      await running?.catch(() => undefined);
    },
    wake() {
      committedSince = true;
      if (stopped) return;
      if (running) wanted = true;
      // While failing, the retry already scheduled takes the new commit with it.
      else if (attempts === 0) schedule(0);
    },
    async syncNow() {
      const previous = running;
      if (previous) await previous.catch(() => undefined);
      // An attempt started after this call was made answers it as well.
      if (running && running !== previous) return running;
      return attempt();
    },
    status() {
      return {
        state: state(),
        localHead: last?.localHead ?? null,
        remoteHead: last?.remoteHead ?? null,
        lastSuccessAt,
        lastError,
        attempts,
        nextAttemptAt,
      };
    },
  };
}
