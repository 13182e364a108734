// Coordination of replicas through PostgreSQL (ADR 0040): two advisory locks, each taken inside
// a transaction so that the session that holds it is its only proof. A replica that dies
// closes its connections and PostgreSQL frees its locks at once; one that freezes is cut off by
// `idle_in_transaction_session_timeout`, and its next fence check or poll fails. No lock is
// ever held by a session that is not doing the holder's work.
import pg from "pg";
import { UnavailableError } from "../../core/errors.js";
import type { Clock } from "../../core/ports/clock.js";
import type { Fence, LeaderInfo, Leadership, WriteLock } from "../../core/ports/coordination.js";
import type { Logger } from "../../core/ports/logger.js";

/** "PLAT" as a 32-bit integer: the advisory locks' first key, so that no other program's collide. */
const NAMESPACE = 0x504c4154;
const WRITE_LOCK = 1;
const LEADER_LOCK = 2;
const LOST = "the write lock was lost (this replica's database session ended): nothing left this replica";

export interface PostgresCoordinationParams {
  readonly url: string;
  readonly replicaId: string;
  /** How long a write waits for the write lock. */
  readonly lockTimeoutMs: number;
  /**
   * How long a session holding a lock may stay silent before PostgreSQL ends it (a frozen
   * replica): longer than any write's quiet moments, and than the leader's check interval.
   */
  readonly idleTimeoutMs: number;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface PostgresCoordination {
  readonly writeLock: WriteLock;
  readonly leadership: Leadership;
  /** Lets go of both locks and closes the connections. */
  close(): Promise<void>;
  /** Tests: drops every connection as a killed process would (no goodbye to the server). */
  crash(): Promise<void>;
}

const isLockTimeout = (error: unknown) => (error as { code?: string }).code === "55P03";
const noop = () => undefined;

export function createPostgresCoordination(params: PostgresCoordinationParams): PostgresCoordination {
  const { replicaId, logger } = params;
  const applicationName = `plateau ${replicaId}`.slice(0, 63);
  const pool = new pg.Pool({ connectionString: params.url, max: 2, application_name: applicationName });
  // An idle connection that fails is dropped by the pool; the next use opens another.
  pool.on("error", noop);
  const sessions = new Set<pg.ClientBase>();
  const timeouts = [`${params.lockTimeoutMs}ms`, `${params.idleTimeoutMs}ms`];

  const writeLock: WriteLock = {
    async run(work) {
      const client = await pool.connect().catch((error: unknown) => {
        throw new UnavailableError(`the database does not answer: ${(error as Error).message}`);
      });
      let broken = false;
      const onError = () => void (broken = true);
      client.on("error", onError);
      sessions.add(client);
      try {
        try {
          await client.query("BEGIN");
          await client.query("SELECT set_config('lock_timeout', $1, true), set_config('idle_in_transaction_session_timeout', $2, true)", timeouts);
          await client.query("SELECT pg_advisory_xact_lock($1, $2)", [NAMESPACE, WRITE_LOCK]);
        } catch (error) {
          await client.query("ROLLBACK").catch(() => void (broken = true));
          if (isLockTimeout(error))
            throw new UnavailableError(`another replica's write held the lock longer than ${params.lockTimeoutMs} ms`, {
              reason: "write-lock-timeout",
              params: { seconds: Math.ceil(params.lockTimeoutMs / 1000) },
            });
          broken = true;
          throw new UnavailableError(`the write lock could not be taken: ${(error as Error).message}`);
        }
        const fence: Fence = {
          async check() {
            if (broken) throw new UnavailableError(LOST, { reason: "write-lock-lost" });
            await client.query("SELECT 1").catch(() => {
              broken = true;
              throw new UnavailableError(LOST, { reason: "write-lock-lost" });
            });
          },
        };
        // While the work goes on, the holder says it is alive: a frozen holder falls silent, and
        // PostgreSQL ends its session (so its lock) after idleTimeoutMs; a slow write does not.
        const heartbeat = setInterval(
          () => {
            if (!broken) client.query("SELECT 1").catch(() => void (broken = true));
          },
          Math.max(Math.floor(params.idleTimeoutMs / 3), 100),
        );
        heartbeat.unref();
        let result;
        try {
          result = await work(fence);
        } catch (error) {
          await client.query("ROLLBACK").catch(() => void (broken = true));
          throw error;
        } finally {
          clearInterval(heartbeat);
        }
        // The work is done (and pushed): a session ended meanwhile freed the lock already.
        await client.query("COMMIT").catch((error: unknown) => {
          broken = true;
          logger.warn({ error: (error as Error).message }, "the write lock's session ended before its release");
        });
        return result;
      } finally {
        sessions.delete(client);
        client.off("error", onError);
        client.release(broken ? true : undefined);
      }
    },
  };

  let leaderSession: pg.Client | undefined;
  let leading = false;

  function dropLeaderSession(): void {
    const session = leaderSession;
    leaderSession = undefined;
    leading = false;
    if (session) {
      sessions.delete(session);
      session.end().catch(noop);
    }
  }

  async function recordLeader(): Promise<void> {
    await pool.query(
      `INSERT INTO replication_leader (id, replica_id, epoch, since) VALUES ('leader', $1, 1, $2)
       ON CONFLICT (id) DO UPDATE SET replica_id = excluded.replica_id, epoch = replication_leader.epoch + 1, since = excluded.since`,
      [replicaId, params.clock.now().toISOString()],
    );
  }

  const leadership: Leadership = {
    replicaId,
    isLeader: () => leading,
    async poll() {
      try {
        if (leading && leaderSession) {
          // Confirms the session (so the lock) is alive, and keeps its idle timer from running out.
          await leaderSession.query("SELECT 1");
          return true;
        }
        if (!leaderSession) {
          const session = new pg.Client({ connectionString: params.url, application_name: applicationName });
          session.on("error", () => void (leading = false));
          await session.connect();
          leaderSession = session;
          sessions.add(session);
        }
        await leaderSession.query("BEGIN");
        await leaderSession.query("SELECT set_config('idle_in_transaction_session_timeout', $1, true)", [timeouts[1]]);
        const taken = await leaderSession.query<{ taken: boolean }>("SELECT pg_try_advisory_xact_lock($1, $2) AS taken", [NAMESPACE, LEADER_LOCK]);
        if (!taken.rows[0]?.taken) {
          await leaderSession.query("ROLLBACK");
          return false;
        }
        leading = true;
        await recordLeader().catch((error: unknown) =>
          logger.warn({ error: (error as Error).message }, "leading, but the leader's record could not be written"),
        );
        return true;
      } catch (error) {
        if (leading) logger.warn({ error: (error as Error).message }, "the leader lock's session ended: no longer leading");
        dropLeaderSession();
        return false;
      }
    },
    async leader(): Promise<LeaderInfo | null> {
      const result = await pool.query<{ replica_id: string; epoch: number; since: string }>(
        "SELECT replica_id, epoch, since FROM replication_leader WHERE id = 'leader'",
      );
      const row = result.rows[0];
      return row ? { replicaId: row.replica_id, epoch: Number(row.epoch), since: row.since } : null;
    },
    async release() {
      const session = leaderSession;
      if (!session) return;
      leading = false;
      await session.query("ROLLBACK").catch(noop);
      dropLeaderSession();
    },
  };

  return {
    writeLock,
    leadership,
    async close() {
      await leadership.release();
      await pool.end().catch(noop);
    },
    async crash() {
      leading = false;
      for (const session of sessions) (session as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
      sessions.clear();
      leaderSession = undefined;
      // Not waited for: the pool's end waits for the sessions in use, which the work still holds.
      void pool.end().catch(noop);
    },
  };
}
