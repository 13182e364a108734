// What the buckets' reconciler last saw of each bucket (ready, pending, failed and why; its
// replica), for the views. Kept in memory: the first pass after a start tells it again.
import type { BucketReplicaStatus } from "../../contracts/buckets.js";

export interface BucketStatus {
  readonly status: "ready" | "pending" | "failed";
  readonly message?: string;
  readonly replica?: BucketReplicaStatus;
  /** When the reconciler saw it (ISO 8601). */
  readonly at: string;
}

export interface BucketStatuses {
  get(platform: string, bucket: string): BucketStatus | undefined;
  set(platform: string, bucket: string, status: BucketStatus): void;
  forget(platform: string, bucket: string): void;
}

export function createBucketStatuses(): BucketStatuses {
  const statuses = new Map<string, BucketStatus>();
  const key = (platform: string, bucket: string) => `${platform}\u0000${bucket}`;
  return {
    get: (platform, bucket) => statuses.get(key(platform, bucket)),
    // The replica's status is replication's (core/buckets/replicate.ts): a status set without one keeps it.
    set: (platform, bucket, status) => {
      const replica = status.replica ?? statuses.get(key(platform, bucket))?.replica;
      statuses.set(key(platform, bucket), replica ? { ...status, replica } : status);
    },
    forget: (platform, bucket) => void statuses.delete(key(platform, bucket)),
  };
}
