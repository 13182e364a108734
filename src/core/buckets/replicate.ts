// The one-way mirror of buckets with a replica on another site (ADR 0033), run by Plateau per
// source platform: list both sides, plan (replication.ts), copy and remove, record the replica's
// status. Plateau copies with the project's own keys on each side (its user on each provider),
// never with an admin's; people keep talking to the providers. Every run starts from the two
// listings, so a run killed anywhere (between a copy and its status) converges at the next one.
import type { BucketReplicaStatus } from "../../contracts/buckets.js";
import type { BucketDocument } from "../model.js";
import { ObjectChangedError, type BucketContents, type ReplicaObject } from "../ports/bucket-contents.js";
import type { Clock } from "../ports/clock.js";
import type { DesiredStateRepository } from "../ports/desired-state-repository.js";
import type { Logger } from "../ports/logger.js";
import type { ObjectStorages, S3Endpoint, S3Key } from "../ports/object-storage.js";
import type { SecretStore } from "../ports/secret-store.js";
import { ensureProjectKey } from "./key-store.js";
import { bucketsAt } from "./read.js";
import { keysToInspect, planReplication, planState } from "./replication.js";
import type { PlatformLocks } from "./serial.js";
import type { BucketStatuses } from "./statuses.js";

export interface ReplicationDeps {
  readonly repo: DesiredStateRepository;
  readonly storages: ObjectStorages;
  readonly secrets: SecretStore;
  /** The objects of a provider as one key pair reaches them. */
  readonly contentsOf: (endpoint: S3Endpoint, key: S3Key) => BucketContents;
  readonly statuses: BucketStatuses;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Objects copied at once (default 4). */
  readonly concurrency?: number;
  /** The platforms' key locks the reconcilers hold: a key made here must not look stray to a pass running meanwhile. */
  readonly locks?: PlatformLocks;
}

/** What one run did to one bucket's replica. */
export interface ReplicaRun {
  readonly bucket: string;
  readonly project: string;
  readonly replica: BucketReplicaStatus;
  readonly copied: number;
  readonly removed: number;
}

export interface Replication {
  /** Brings every replica of the platform's buckets to its source, recording each status. Never throws for one bucket: its status says. */
  run(platform: string, signal?: AbortSignal): Promise<ReplicaRun[]>;
  /** The same comparison without copying: records `in-sync` or `lagging` with what is behind. */
  check(platform: string, signal?: AbortSignal): Promise<ReplicaRun[]>;
}

/** Why a replica cannot be copied to yet, as its status says: `pending` (to be made) or `failed`. */
class NotReady extends Error {
  constructor(
    readonly state: "pending" | "failed",
    message: string,
  ) {
    super(message);
  }
}

export function createReplication(deps: ReplicationDeps): Replication {
  const { storages, secrets, statuses, clock, logger } = deps;
  const concurrency = deps.concurrency ?? 4;

  function record(bucket: BucketDocument, replica: BucketReplicaStatus): void {
    const platform = bucket.placement.platform;
    const current = statuses.get(platform, bucket.metadata.name);
    statuses.set(platform, bucket.metadata.name, { ...(current ?? { status: "pending", at: replica.checkedAt ?? clock.now().toISOString() }), replica });
  }

  async function sides(bucket: BucketDocument): Promise<{ from: BucketContents; to: BucketContents }> {
    const { name, project } = bucket.metadata;
    const sourcePlatform = bucket.placement.platform;
    const replicaPlatform = bucket.spec.replica?.platform as string;
    const [source, replica] = await Promise.all([storages.storageFor(sourcePlatform), storages.storageFor(replicaPlatform)]);
    if (!source) throw new NotReady("failed", `platform ${sourcePlatform} has no object storage Plateau drives`);
    if (!replica) throw new NotReady("failed", `platform ${replicaPlatform} has no object storage Plateau drives (rgw-admin)`);
    if ((await source.usage(name)) === undefined) throw new NotReady("pending", `bucket ${name} is not made yet on ${sourcePlatform}`);
    if ((await replica.usage(name)) === undefined) throw new NotReady("pending", `the replica bucket ${name} is not made yet on ${replicaPlatform}`);
    const keyOf = (storage: typeof source, platform: string) => {
      const ensure = () => ensureProjectKey(storage, secrets, platform, project);
      return deps.locks ? deps.locks.run(platform, ensure) : ensure();
    };
    const [sourceKey, replicaKey] = await Promise.all([keyOf(source, sourcePlatform), keyOf(replica, replicaPlatform)]);
    return { from: deps.contentsOf(source.endpoint, sourceKey), to: deps.contentsOf(replica.endpoint, replicaKey) };
  }

  async function replicate(bucket: BucketDocument, copying: boolean, signal: AbortSignal | undefined): Promise<ReplicaRun> {
    const { name, project } = bucket.metadata;
    const platform = bucket.spec.replica?.platform as string;
    const status = (state: BucketReplicaStatus["state"], extra: Partial<BucketReplicaStatus> = {}): BucketReplicaStatus => ({
      platform,
      state,
      checkedAt: clock.now().toISOString(),
      ...extra,
    });
    let copied = 0;
    let removed = 0;
    let behind: { objects: number; bytes: number } | undefined;
    try {
      const { from, to } = await sides(bucket);
      const [sourceObjects, replicaListing] = await Promise.all([from.list(name, signal), to.list(name, signal)]);
      const recorded = new Map<string, string | undefined>();
      for (const key of keysToInspect(sourceObjects, replicaListing)) recorded.set(key, await to.recordedSourceETag(name, key, signal));
      const replicaObjects: ReplicaObject[] = replicaListing.map((object) => {
        const sourceETag = recorded.get(object.key);
        return sourceETag === undefined ? object : { ...object, sourceETag };
      });
      const plan = planReplication(sourceObjects, replicaObjects);
      behind = { ...plan.behind };
      const state = planState(plan);
      if (!copying || state === "in-sync") {
        const replica = status(state, { behind });
        record(bucket, replica);
        return { bucket: name, project, replica, copied, removed };
      }
      record(bucket, status("lagging", { behind }));
      // What a run killed before left half uploaded is of no one's use: the replica is a mirror.
      await to.abortUploads(name, signal);
      let changed = 0;
      const queue = [...plan.copy];
      let failure: unknown;
      const worker = async () => {
        for (let next = queue.shift(); next && failure === undefined; next = queue.shift()) {
          const object = next;
          signal?.throwIfAborted();
          try {
            await to.write(
              name,
              object.key,
              { size: object.size, sourceETag: object.etag },
              (range) => from.read(name, object.key, object.etag, range, signal),
              signal,
            );
            copied++;
            behind = { objects: (behind?.objects ?? 1) - 1, bytes: (behind?.bytes ?? object.size) - object.size };
          } catch (error) {
            // Written again since it was listed (or removed): the next run copies what it is then.
            if (error instanceof ObjectChangedError) changed++;
            else failure ??= error;
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, plan.copy.length) }, worker));
      if (failure !== undefined) throw failure;
      await to.remove(name, plan.remove, signal);
      removed = plan.remove.length;
      const replica =
        changed > 0 ? status("lagging", { behind, message: `${changed} object(s) changed while they were copied` }) : status("in-sync", { behind });
      record(bucket, replica);
      return { bucket: name, project, replica, copied, removed };
    } catch (error) {
      const state = error instanceof NotReady ? error.state : "failed";
      const message = (error as Error).message;
      const replica = status(state, { message, ...(behind ? { behind } : {}) });
      record(bucket, replica);
      if (state === "failed") logger.warn({ bucket: name, project, replica: platform, error: message }, "a bucket's replica could not be brought up to date");
      return { bucket: name, project, replica, copied, removed };
    }
  }

  async function each(platform: string, copying: boolean, signal: AbortSignal | undefined): Promise<ReplicaRun[]> {
    const head = await deps.repo.head();
    if (!head) return [];
    const buckets = (await bucketsAt(deps.repo, head)).filter((bucket) => bucket.placement.platform === platform && bucket.spec.replica !== undefined);
    const runs: ReplicaRun[] = [];
    for (const bucket of buckets) {
      signal?.throwIfAborted();
      runs.push(await replicate(bucket, copying, signal));
    }
    return runs;
  }

  return {
    run: (platform, signal) => each(platform, true, signal),
    check: (platform, signal) => each(platform, false, signal),
  };
}
