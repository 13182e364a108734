// Coordination within one process (ADR 0040): a single replica holds both locks, and tests run
// several "replicas" over one site. The write lock is a queue with a timeout; a crashed
// replica's place is given up as PostgreSQL ends a dead session's locks.
import { UnavailableError } from "../../core/errors.js";
import type { Fence, LeaderInfo, Leadership, WriteLock } from "../../core/ports/coordination.js";
import type { Clock } from "../../core/ports/clock.js";

interface Waiting {
  readonly replicaId: string;
  readonly grant: () => void;
}

export interface MemoryCoordinationSite {
  replica(params: { readonly replicaId: string; readonly lockTimeoutMs?: number }): MemoryReplicaCoordination;
}

export interface MemoryReplicaCoordination {
  readonly writeLock: WriteLock;
  readonly leadership: Leadership;
  /** The replica vanishes: its locks are freed, its fences and polls fail from now on. */
  crash(): void;
}

export function createMemoryCoordinationSite(params: { readonly clock: Clock }): MemoryCoordinationSite {
  let writer: string | null = null;
  const queue: Waiting[] = [];
  let leader: LeaderInfo | null = null;
  let leaderHeld = false;
  const crashed = new Set<string>();

  function releaseWrite(replicaId: string): void {
    if (writer !== replicaId) return;
    const next = queue.shift();
    writer = next ? next.replicaId : null;
    next?.grant();
  }

  return {
    replica({ replicaId, lockTimeoutMs = 30_000 }) {
      let leading = false;
      const alive = () => !crashed.has(replicaId);
      const writeLock: WriteLock = {
        async run(work) {
          if (!alive()) throw new UnavailableError("this replica is gone", { reason: "write-lock-lost" });
          if (writer !== null) {
            await new Promise<void>((resolve, reject) => {
              const waiting: Waiting = {
                replicaId,
                grant: () => {
                  clearTimeout(timer);
                  resolve();
                },
              };
              const timer = setTimeout(() => {
                queue.splice(queue.indexOf(waiting), 1);
                reject(
                  new UnavailableError(`the write lock was not free within ${lockTimeoutMs} ms`, {
                    reason: "write-lock-timeout",
                    params: { seconds: Math.ceil(lockTimeoutMs / 1000) },
                  }),
                );
              }, lockTimeoutMs);
              queue.push(waiting);
            });
          } else writer = replicaId;
          const fence: Fence = {
            async check() {
              if (!alive() || writer !== replicaId) throw new UnavailableError("the write lock was lost", { reason: "write-lock-lost" });
            },
          };
          try {
            return await work(fence);
          } finally {
            releaseWrite(replicaId);
          }
        },
      };
      const leadership: Leadership = {
        replicaId,
        isLeader: () => leading && alive(),
        async poll() {
          if (!alive()) return (leading = false);
          if (leading) return true;
          if (leaderHeld) return false;
          leaderHeld = true;
          leading = true;
          leader = { replicaId, epoch: (leader?.epoch ?? 0) + 1, since: params.clock.now().toISOString() };
          return true;
        },
        async leader() {
          return leader;
        },
        async release() {
          if (!leading) return;
          leading = false;
          leaderHeld = false;
        },
      };
      return {
        writeLock,
        leadership,
        crash() {
          crashed.add(replicaId);
          if (leading) leaderHeld = false;
          leading = false;
          releaseWrite(replicaId);
        },
      };
    },
  };
}
