// A bucket on a `noobaa` platform (ADR 0030): an ObjectBucketClaim in the project's namespace,
// rendered into the desired state and applied by the project bundles' Application. NooBaa makes
// the bucket, and a Secret and a ConfigMap of the claim's name holding its keys and endpoint, in
// the namespace: instances read them in-cluster, and Plateau never sees the keys.
import type { BucketDocument, PlatformDocument } from "../model.js";
import type { FileChange } from "../ports/desired-state-repository.js";
import { renderedBucketsDir } from "../repository/layout.js";
import type { CrdValidator } from "./crd-validate.js";
import type { KubeObject } from "./kube.js";
import { MANAGED_BY, toManifestFiles } from "./render.js";
import { validateObjects } from "./validate.js";

export const OBC_API_VERSION = "objectbucket.io/v1alpha1";
export const OBC_KIND = "ObjectBucketClaim";
/** NooBaa's bucket StorageClass on OpenShift Data Foundation, when the platform names none. */
export const DEFAULT_NOOBAA_STORAGE_CLASS = "openshift-storage.noobaa.io";

/** Whether a platform's buckets are ObjectBucketClaims rendered here (and not made by an ObjectStorage adapter). */
export const isNoobaa = (platform: PlatformDocument | undefined): boolean => platform?.spec.s3?.provider === "noobaa";

/**
 * NooBaa's replication policy, the JSON string its OBC reads in `additionalConfig`: every object
 * (empty prefix) copied to the bucket of the same name that the replica platform holds, which
 * NooBaa reaches through a namespace store the operators declare (docs/buckets.md).
 */
export function noobaaReplicationPolicy(bucket: string): string {
  return JSON.stringify({ rules: [{ rule_id: `${bucket}-replica`, destination_bucket: bucket, filter: { prefix: "" } }] });
}

/**
 * The claim of a bucket on a noobaa platform: its name and `spec.bucketName` are the bucket's,
 * so the S3 name is the one git says (Plateau keeps names unique); its quota as NooBaa reads it
 * (`maxSize` a quantity, `maxObjects` a count, both strings); the replication policy when its
 * replica is on another noobaa platform.
 */
export function renderObjectBucketClaim(bucket: BucketDocument, platform: PlatformDocument, replicaPlatform?: PlatformDocument): KubeObject {
  const additionalConfig: Record<string, string> = { maxSize: `${gibQuantity(bucket.spec.quota.sizeGiB)}` };
  if (bucket.spec.quota.objects !== undefined) additionalConfig.maxObjects = String(bucket.spec.quota.objects);
  if (bucket.spec.replica && isNoobaa(replicaPlatform)) additionalConfig.replicationPolicy = noobaaReplicationPolicy(bucket.metadata.name);
  return {
    apiVersion: OBC_API_VERSION,
    kind: OBC_KIND,
    metadata: {
      name: bucket.metadata.name,
      namespace: bucket.metadata.project,
      labels: {
        ...MANAGED_BY,
        "plateau.io/project": bucket.metadata.project,
        "plateau.io/bucket": bucket.metadata.name,
        "plateau.io/platform": platform.metadata.name,
      },
    },
    spec: {
      bucketName: bucket.metadata.name,
      storageClassName: platform.spec.s3?.storageClass ?? DEFAULT_NOOBAA_STORAGE_CLASS,
      additionalConfig,
    },
  };
}

/** GiB as a Kubernetes quantity: whole GiB as `NGi`, a fraction in MiB (rounded up: the quota never shrinks below what was asked). */
function gibQuantity(sizeGiB: number): string {
  return Number.isInteger(sizeGiB) ? `${sizeGiB}Gi` : `${Math.ceil(sizeGiB * 1024)}Mi`;
}

/** Where a bucket's claim is written on its platform. */
export const objectBucketClaimPath = (platform: string, project: string, bucket: string): string =>
  `${renderedBucketsDir(platform, project)}/objectbucketclaim-${bucket}.yaml`;

/**
 * The files of a bucket's claims: on its platform when that is noobaa, and on its replica's
 * when that is noobaa too (the destination bucket NooBaa replicates to), validated against the
 * CRD first. Nothing for other providers.
 */
export function objectBucketClaimChanges(bucket: BucketDocument, platforms: readonly PlatformDocument[], crds?: CrdValidator): FileChange[] {
  const byName = (name: string | undefined) => platforms.find((platform) => platform.metadata.name === name);
  const primary = byName(bucket.placement.platform);
  const replica = byName(bucket.spec.replica?.platform);
  const changes: FileChange[] = [];
  const add = (platform: PlatformDocument, object: KubeObject) => {
    validateObjects([object], crds);
    const [file] = toManifestFiles([object]);
    if (file) changes.push({ path: objectBucketClaimPath(platform.metadata.name, bucket.metadata.project, bucket.metadata.name), content: file.content });
  };
  if (primary && isNoobaa(primary)) add(primary, renderObjectBucketClaim(bucket, primary, replica));
  if (replica && isNoobaa(replica)) {
    // The replica holds what the source sends: same name and quota, no replication of its own.
    const { replica: _replica, ...spec } = bucket.spec;
    add(replica, renderObjectBucketClaim({ ...bucket, spec, placement: { platform: replica.metadata.name, reason: bucket.placement.reason } }, replica));
  }
  return changes;
}

/** The removal of a bucket's claims wherever they may be (its platform and its replica's). */
export function objectBucketClaimRemovals(bucket: BucketDocument): FileChange[] {
  const platforms = [bucket.placement.platform, ...(bucket.spec.replica ? [bucket.spec.replica.platform] : [])];
  return platforms.map((platform) => ({ path: objectBucketClaimPath(platform, bucket.metadata.project, bucket.metadata.name), remove: true }));
}
