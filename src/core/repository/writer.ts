// Every change to desired state goes through here: one writer at a time, each change
// prepared against the current head and committed as exactly one commit (or none when
// there is nothing to change), then indexed, then announced to the reconcilers.
import { ConflictError } from "../errors.js";
import type { Indexer } from "../index/indexer.js";
import type { CommitId, CommitRequest, DesiredStateRepository } from "../ports/desired-state-repository.js";
import type { Telemetry } from "../ports/telemetry.js";
import type { Clock } from "../ports/clock.js";
import { createMutex } from "../util/mutex.js";
import type { WriteLock } from "../ports/coordination.js";

export interface PreparedChange<T> {
  /** Null when the repository already says what was asked: no commit. */
  readonly commit: Omit<CommitRequest, "parent"> | null;
  readonly result: T;
}

export interface Writer {
  /**
   * Runs `prepare` against the head and commits what it returns. `prepare` must only read:
   * if another writer (an operator's merge) moved the branch meanwhile, it runs again once.
   */
  write<T>(prepare: (head: CommitId | null) => Promise<PreparedChange<T>>): Promise<{ commit: CommitId | null; result: T }>;
}

export function createWriter(deps: {
  repo: DesiredStateRepository;
  indexer: Indexer;
  clock: Clock;
  telemetry: Telemetry;
  onCommitted: () => void;
  /**
   * Several replicas (ADR 0040): each write runs holding this lock, which brings the repository
   * to the shared head first; the repository's commit is then pushed before it returns.
   */
  lock?: WriteLock;
}): Writer {
  const mutex = createMutex();
  // One retry on one replica (an operator's commit between our read and our commit); a few more
  // with replicas, where a person's merge on the forge refuses a push the same way.
  const retries = deps.lock ? 3 : 1;
  return {
    write(prepare) {
      const attempts = async () => {
        for (let attempt = 0; ; attempt++) {
          await deps.indexer.sync();
          const head = await deps.repo.head();
          const prepared = await prepare(head);
          if (!prepared.commit) return { commit: null, result: prepared.result };
          const started = deps.clock.now().getTime();
          try {
            const commit = await deps.repo.commit({ ...prepared.commit, parent: head });
            deps.telemetry.commitDuration((deps.clock.now().getTime() - started) / 1000);
            // Engines read the repository, not the index: wake them first.
            deps.onCommitted();
            await deps.indexer.sync();
            return { commit, result: prepared.result };
          } catch (error) {
            if (error instanceof ConflictError && attempt < retries) continue;
            throw error;
          }
        }
      };
      return mutex.run(() => (deps.lock ? deps.lock.run(attempts) : attempts()));
    },
  };
}
