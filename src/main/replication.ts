// Several replicas of Plateau (ADR 0040): the PostgreSQL locks, this replica's clone of the
// forge's repository, and a repository whose commits exist once the forge has them. A write
// holds the write lock, starts from the forge's head, commits here, checks its fence and
// pushes (never forced: the forge's branch is the last compare-and-swap); a push refused or
// failed leaves this clone at the forge's head again, and the write fails or is prepared anew.
import { AsyncLocalStorage } from "node:async_hooks";
import { hostname } from "node:os";
import type { GitRemote } from "../adapters/git/git-remote.js";
import type { GitRepository } from "../adapters/git/git-repository.js";
import { createPostgresCoordination, type PostgresCoordination } from "../adapters/sql/pg-coordination.js";
import { assert, ConflictError, isPlateauError, UnavailableError } from "../core/errors.js";
import type { Clock } from "../core/ports/clock.js";
import type { Fence, WriteLock } from "../core/ports/coordination.js";
import type { CommitId, CommitRequest } from "../core/ports/desired-state-repository.js";
import type { Logger } from "../core/ports/logger.js";
import type { RemoteStatus } from "../core/sync/remote-sync.js";
import { createMutex } from "../core/util/mutex.js";
import type { ReplicaCoordination } from "./compose.js";
import type { Config } from "./config.js";

export interface Replication extends ReplicaCoordination {
  readonly replicaId: string;
  readonly locks: PostgresCoordination;
  /** The local clone, whose commits are pushed before they return. */
  readonly repository: GitRepository;
  /** What /readyz and the platforms' views say of the forge. */
  status(): RemoteStatus;
  close(): Promise<void>;
}

/** This replica's name: the configuration's, else the pod's (Kubernetes), else the host and process. */
export function replicaIdOf(config: Config): string {
  return config.replication.replicaId ?? `${hostname()}-${process.pid}`.replace(/[^a-zA-Z0-9._-]/g, "-").slice(0, 63);
}

export function setUpReplication(deps: {
  readonly config: Config;
  readonly databaseUrl: string;
  readonly repo: GitRepository;
  readonly git: GitRemote;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Told after each push (Argo CD's webhook). */
  readonly onPushed?: (before: CommitId | null, after: CommitId) => Promise<void>;
}): Replication {
  const { repo, git, logger, clock } = deps;
  const replicaId = replicaIdOf(deps.config);
  const settings = deps.config.replication;
  const locks = createPostgresCoordination({
    url: deps.databaseUrl,
    replicaId,
    lockTimeoutMs: settings.lockTimeoutSeconds * 1000,
    // A frozen holder is cut off after this long: a writer's heartbeat comes three times as
    // often, and the leader confirms its lock every leaderCheckSeconds.
    idleTimeoutMs: Math.max(30_000, settings.leaderCheckSeconds * 5000),
    clock,
    logger,
  });
  // The fence of the write in progress, for the repository's commit (which must be under the lock).
  const fences = new AsyncLocalStorage<Fence>();
  // This clone's branch moves here only: a write's follow and commit, or the refresh's follow.
  const local = createMutex();
  let lastSuccessAt: string | null = null;
  let lastError: { message: string; at: string } | null = null;
  let attempts = 0;
  let head: CommitId | null = null;

  function succeeded(at: CommitId | null): void {
    head = at;
    attempts = 0;
    lastError = null;
    lastSuccessAt = clock.now().toISOString();
  }
  function failed(error: unknown): void {
    attempts++;
    lastError = { message: (error as Error).message, at: clock.now().toISOString() };
  }

  async function followNow(): Promise<CommitId | null> {
    try {
      const at = await git.follow();
      succeeded(at);
      return at;
    } catch (error) {
      failed(error);
      throw isPlateauError(error) ? error : new UnavailableError(`the desired-state remote cannot be read: ${(error as Error).message}`);
    }
  }

  const writeLock: WriteLock = {
    run: (work) =>
      locks.writeLock.run((fence) =>
        local.run(() =>
          fences.run(fence, async () => {
            // Every write starts from the forge's head, whoever wrote last.
            await followNow();
            return work(fence);
          }),
        ),
      ),
  };

  const repository: GitRepository = {
    ...repo,
    async commit(request: CommitRequest): Promise<CommitId> {
      const fence = fences.getStore();
      assert(fence, "a commit of a replica outside the write lock");
      const commit = await repo.commit(request);
      try {
        await fence.check();
        const pushed = await git.push(commit);
        if (!pushed.pushed) {
          throw new ConflictError(`the forge's branch moved since this replica read it (${pushed.message}): the change is prepared again`, {
            reason: "repository-moved",
          });
        }
      } catch (error) {
        if (!(error instanceof ConflictError)) failed(error);
        // The commit exists nowhere else: this clone goes back to the forge's head.
        await git.follow().catch(() => undefined);
        if (isPlateauError(error)) throw error;
        throw new UnavailableError(`the desired-state remote did not take the commit: ${(error as Error).message}`);
      }
      succeeded(commit);
      if (deps.onPushed) {
        deps.onPushed(request.parent, commit).catch((error: unknown) => logger.warn({ error: (error as Error).message }, "telling of the push failed"));
      }
      return commit;
    },
  };

  return {
    replicaId,
    locks,
    repository,
    writeLock,
    follow: () => local.run(followNow),
    isLeader: () => locks.leadership.isLeader(),
    status(): RemoteStatus {
      return {
        state: attempts > 0 ? "failing" : lastSuccessAt ? "in-sync" : "behind",
        localHead: head,
        remoteHead: head,
        lastSuccessAt,
        lastError,
        attempts,
        nextAttemptAt: null,
      };
    },
    close: () => locks.close(),
  };
}
