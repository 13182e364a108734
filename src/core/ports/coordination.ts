// What several replicas of Plateau agree on through their shared store (ADR 0040): the write
// lock every commit is made under, and the leader lock the one-replica tasks run under. With
// one replica both are held by it; the PostgreSQL adapter uses advisory locks held by a
// session, so a replica that dies (or loses its connection) lets go of both at once.

/** Proof, during a write, that the lock is still held: checked last before anything leaves the replica. */
export interface Fence {
  /** Throws an UnavailableError (reason `write-lock-lost`) when the lock is no longer held. */
  check(): Promise<void>;
}

/** One writer at a time across replicas. */
export interface WriteLock {
  /**
   * Runs `work` holding the lock. Waits for it up to the lock's timeout, then throws an
   * UnavailableError (reason `write-lock-timeout`): the client retries with its idempotency key.
   */
  run<T>(work: (fence: Fence) => Promise<T>): Promise<T>;
}

export interface LeaderInfo {
  readonly replicaId: string;
  /** Grows by one at each change of leader: a fencing token for logs and status. */
  readonly epoch: number;
  /** ISO 8601 time the leader took the lock. */
  readonly since: string;
}

/** Which replica runs the one-replica tasks. */
export interface Leadership {
  readonly replicaId: string;
  /** Whether this replica held the leader lock at its last check. */
  isLeader(): boolean;
  /** Takes the leader lock if it is free, or confirms this replica still holds it; says which. */
  poll(): Promise<boolean>;
  /** The leader as the store records it (null before any replica led). */
  leader(): Promise<LeaderInfo | null>;
  /** Lets go of the leader lock (shutdown), so that another replica takes over at its next check. */
  release(): Promise<void>;
}
