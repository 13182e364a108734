// What the buckets' reconciler of one platform does next, decided by a pure function (ADR 0030):
// compare the buckets git holds at head with those the provider holds, and the projects that
// still exist with those the provider (or Plateau's key store) still knows.
import type { BucketDocument } from "../model.js";
import type { BucketSettings, ProvidedBucket } from "../ports/object-storage.js";

const GIB = 1024 ** 3;

/** A bucket's settings on the provider, from its document: the quota's GiB in bytes (whole bytes). */
export function bucketSettings(bucket: BucketDocument): BucketSettings {
  const { quota, versioning, expireDays } = bucket.spec;
  return {
    name: bucket.metadata.name,
    project: bucket.metadata.project,
    quota: { bytes: Math.round(quota.sizeGiB * GIB), ...(quota.objects !== undefined ? { objects: quota.objects } : {}) },
    versioning: versioning === true,
    ...(expireDays !== undefined ? { expireDays } : {}),
  };
}

/** The buckets this platform must hold: those placed on it, and the replicas of those whose replica is on it (same name, same project). */
export function bucketsOnPlatform(platform: string, buckets: readonly BucketDocument[]): BucketSettings[] {
  return buckets
    .filter((bucket) => bucket.placement.platform === platform || bucket.spec.replica?.platform === platform)
    .map(bucketSettings)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export interface ConvergenceInput {
  /** The buckets git wants on this platform (bucketsOnPlatform). */
  readonly desired: readonly BucketSettings[];
  /** What the provider holds for this installation's projects. */
  readonly provided: readonly ProvidedBucket[];
  /** Projects that exist at head (a bucket of a project counts as its existence). */
  readonly liveProjects: ReadonlySet<string>;
  /** Projects the provider may have a user for: of its buckets, of the keys Plateau keeps or recorded. */
  readonly knownProjects: ReadonlySet<string>;
}

export interface ConvergencePlan {
  /** Projects whose user, key and buckets must exist, by name. */
  readonly projects: readonly string[];
  /** Buckets to create or bring to their settings (idempotent on the provider). */
  readonly ensure: readonly BucketSettings[];
  /** Buckets git no longer has here (of live projects: a removed project's go with it). */
  readonly remove: readonly string[];
  /** Projects that no longer exist: their user, keys and buckets go at once. */
  readonly removeProjects: readonly string[];
}

export function planBucketConvergence(input: ConvergenceInput): ConvergencePlan {
  const wanted = new Map(input.desired.map((bucket) => [bucket.name, bucket]));
  const removeProjects = new Set<string>();
  for (const project of [...input.knownProjects, ...input.provided.map((bucket) => bucket.project)]) {
    if (!input.liveProjects.has(project)) removeProjects.add(project);
  }
  const remove = input.provided
    .filter((bucket) => {
      const desired = wanted.get(bucket.name);
      // A bucket of the same name wanted for another project: this one goes first, then it is made anew.
      return (!desired || desired.project !== bucket.project) && !removeProjects.has(bucket.project);
    })
    .map((bucket) => bucket.name);
  return {
    projects: [...new Set(input.desired.map((bucket) => bucket.project))].sort(),
    ensure: [...input.desired],
    remove: [...new Set(remove)].sort(),
    removeProjects: [...removeProjects].sort(),
  };
}
