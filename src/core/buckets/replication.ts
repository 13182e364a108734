// A bucket's replica on another site (ADR 0033): what a run of the one-way mirror does, decided
// from the two listings alone. Objects are the same when their sizes are and their ETags are,
// or when the replica's object records the source's ETag (a copy of a multipart object gets
// another ETag: its parts differ). ETags are compared as the strings they are: a multipart
// `…-N` is never taken for an MD5 of the bytes. Versioned buckets: the latest versions only.
import type { ListedObject, ReplicaObject } from "../ports/bucket-contents.js";

export interface ReplicationPlan {
  /** Source objects the replica lacks or holds otherwise, by key. */
  readonly copy: readonly ListedObject[];
  /** Replica objects the source no longer holds, by key. */
  readonly remove: readonly string[];
  /** What the source holds that the replica does not (yet). */
  readonly behind: { readonly objects: number; readonly bytes: number };
}

export const isMultipartETag = (etag: string): boolean => /-\d+$/.test(etag);

const sameObject = (source: ListedObject, replica: ReplicaObject | undefined): boolean =>
  replica !== undefined && replica.size === source.size && (replica.etag === source.etag || replica.sourceETag === source.etag);

/**
 * The replica objects whose recorded source ETag decides whether they are copies (a read of
 * each): those of the same size as a multipart source object whose ETag theirs is not.
 */
export function keysToInspect(source: readonly ListedObject[], replica: readonly ListedObject[]): string[] {
  const replicaByKey = new Map(replica.map((object) => [object.key, object]));
  return source
    .filter((object) => {
      const copy = replicaByKey.get(object.key);
      return isMultipartETag(object.etag) && copy !== undefined && copy.size === object.size && copy.etag !== object.etag;
    })
    .map((object) => object.key)
    .sort();
}

/** What makes the replica hold what the source holds: copies, then removals. */
export function planReplication(source: readonly ListedObject[], replica: readonly ReplicaObject[]): ReplicationPlan {
  const replicaByKey = new Map(replica.map((object) => [object.key, object]));
  const sourceKeys = new Set(source.map((object) => object.key));
  const copy = source.filter((object) => !sameObject(object, replicaByKey.get(object.key))).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const remove = replica
    .map((object) => object.key)
    .filter((key) => !sourceKeys.has(key))
    .sort();
  return { copy, remove, behind: { objects: copy.length, bytes: copy.reduce((sum, object) => sum + object.size, 0) } };
}

/** `in-sync` when the plan has nothing to do, `lagging` otherwise. */
export const planState = (plan: ReplicationPlan): "in-sync" | "lagging" => (plan.copy.length === 0 && plan.remove.length === 0 ? "in-sync" : "lagging");

/** The size of each part when copying an object of `size` bytes in parts: at least `minimum`, at most 10,000 parts (S3's limit). */
export function partSize(size: number, minimum: number): number {
  const mib = 1024 * 1024;
  return Math.max(minimum, Math.ceil(size / 10_000 / mib) * mib);
}
