// Bucket quotas (ADR 0030): `s3GiB`, the sum of the size quotas of a project's (or a lab's)
// buckets, and `buckets`, how many; counted from git like the other quotas, with the
// configuration's defaults for what a project's or lab's file does not set.
import { QuotaExceededError } from "../errors.js";
import type { BucketDocument, Quota } from "../model.js";

export interface BucketQuota {
  readonly s3GiB: number;
  readonly buckets: number;
}

export interface BucketQuotaDefaults {
  readonly personal: BucketQuota;
  readonly project: BucketQuota;
  readonly lab: BucketQuota;
}

export const DEFAULT_BUCKET_QUOTAS: BucketQuotaDefaults = {
  personal: { s3GiB: 20, buckets: 3 },
  project: { s3GiB: 100, buckets: 10 },
  lab: { s3GiB: 1000, buckets: 50 },
};

/** A quota with the defaults filled in. */
export const effectiveBucketQuota = (quota: Quota | undefined, defaults: BucketQuota): BucketQuota => ({
  s3GiB: quota?.s3GiB ?? defaults.s3GiB,
  buckets: quota?.buckets ?? defaults.buckets,
});

const round = (value: number): number => Math.round(value * 1e6) / 1e6;

/** What these buckets count against quotas. */
export const bucketUse = (buckets: readonly BucketDocument[]): BucketQuota => ({
  s3GiB: round(buckets.reduce((sum, bucket) => sum + bucket.spec.quota.sizeGiB, 0)),
  buckets: buckets.length,
});

/** The error a new bucket of `sizeGiB` meets against this quota, the same shape as the instances' (`quota-exceeded`); undefined when it fits. */
export function bucketQuotaExceeded(
  scope: "project" | "lab",
  name: string,
  quota: BucketQuota,
  used: BucketQuota,
  sizeGiB: number,
): QuotaExceededError | undefined {
  const asked: BucketQuota = { s3GiB: sizeGiB, buckets: 1 };
  for (const [resource, unit] of [
    ["buckets", "buckets"],
    ["s3GiB", "GiB"],
  ] as const) {
    const limit = quota[resource];
    if (round(used[resource] + asked[resource]) <= limit) continue;
    const remaining = round(Math.max(0, limit - used[resource]));
    return new QuotaExceededError(
      `${scope} ${name} quota exceeded for ${resource}: asked ${asked[resource]} ${unit}, ${remaining} of ${limit} ${unit} remain (${used[resource]} in use)`,
      { scope, name, resource, unit, asked: asked[resource], used: used[resource], limit, remaining },
    );
  }
  return undefined;
}
