// Attaching a bucket to an instance (ADR 0031): which bucket a launch may attach, what its
// intent records of it (`spec.bucket`, public: never a key), and which instances use a bucket.
import { ConflictError, InputError } from "../errors.js";
import { parseInstance, type BucketDocument, type InstanceBucket, type InstanceDocument, type PlatformDocument } from "../model.js";
import type { S3Endpoint } from "../ports/object-storage.js";
import type { CommitId, DesiredStateRepository } from "../ports/desired-state-repository.js";
import { instancePath } from "../repository/layout.js";

/** What a launch attaching a bucket is checked against. */
export interface AttachmentInput {
  readonly project: string;
  /** The bucket's name as asked. */
  readonly asked: string;
  /** The project's bucket of that name; undefined when it has none (whoever else may have one). */
  readonly bucket: BucketDocument | undefined;
  /** The bucket's platform as declared at the head. */
  readonly platform: PlatformDocument | undefined;
  /** Where clients reach its provider (`rgw-admin`: the adapter's endpoint); undefined otherwise. */
  readonly endpoint: S3Endpoint | undefined;
  /** How the instance's source can use it (InstanceSource.bucketUse). */
  readonly use: "env" | "chart" | undefined;
  /** The platform the person pinned, if any. */
  readonly pinned?: string;
}

/**
 * The attachment a launch records, or the refusal. The wording for a bucket the project does
 * not have is the same whether another project has one of that name or nobody does: bucket
 * names are one namespace per provider, and a launch must not tell who owns which.
 */
export function attachment(input: AttachmentInput): InstanceBucket {
  const { project, asked, bucket, platform } = input;
  if (!bucket) throw InputError.field("/bucket", "bucket", `project ${project} has no bucket named ${JSON.stringify(asked)}`);
  if (!input.use) throw InputError.field("/bucket", "s3-capability", `this template cannot use a bucket: it declares no s3 capability (docs/catalog.md)`);
  const at = bucket.placement.platform;
  const provider = platform?.spec.s3?.provider;
  if (!platform || !provider) throw InputError.field("/bucket", "bucket", `the bucket ${bucket.metadata.name} is on ${at}, which offers no S3 storage now`);
  if (provider === "noobaa") {
    if (input.use === "chart") {
      throw InputError.field(
        "/bucket",
        "noobaa-chart",
        `the bucket ${bucket.metadata.name} is a NooBaa bucket, whose keys stay in its claim's Secret, which a chart's placeholders cannot read: attach it to a built-in template, or attach a bucket of an rgw-admin platform`,
      );
    }
    if (input.pinned !== undefined && input.pinned !== at) {
      throw InputError.field(
        "/bucket",
        "bucket-platform",
        `the bucket ${bucket.metadata.name} is a NooBaa bucket on ${at}: an instance using it runs there, not on ${input.pinned}`,
      );
    }
    return { name: bucket.metadata.name, platform: at, provider };
  }
  if (!input.endpoint)
    throw InputError.field("/bucket", "bucket", `the bucket ${bucket.metadata.name} is on ${at}, whose S3 endpoint is not known to this Plateau`);
  return {
    name: bucket.metadata.name,
    platform: at,
    provider,
    endpoint: input.endpoint.url,
    region: input.endpoint.region,
    pathStyle: input.endpoint.pathStyle,
  };
}

/** What placement must keep to: a NooBaa bucket's instances run on its platform (its keys are a Secret there). */
export const placementOfBucket = (bucket: InstanceBucket | undefined): { name: string; platform: string } | undefined =>
  bucket?.provider === "noobaa" ? { name: bucket.name, platform: bucket.platform } : undefined;

/** The names of the project's instances attached to the bucket, sorted. */
export function instancesUsingBucket(intents: readonly Pick<InstanceDocument, "metadata" | "spec">[], project: string, bucket: string): string[] {
  return intents
    .filter((intent) => intent.metadata.project === project && intent.spec.bucket?.name === bucket)
    .map((intent) => intent.metadata.name)
    .sort();
}

/**
 * The names of the project's instances that read its key on this platform (attached to any of
 * its `rgw-admin` buckets there), sorted: what a rotation of that key must restart.
 */
export function instancesUsingProjectKey(intents: readonly Pick<InstanceDocument, "metadata" | "spec">[], project: string, platform: string): string[] {
  return intents
    .filter((intent) => intent.metadata.project === project && intent.spec.bucket?.provider === "rgw-admin" && intent.spec.bucket.platform === platform)
    .map((intent) => intent.metadata.name)
    .sort();
}

/** The project's intents at this head. */
async function projectIntentsAt(repo: DesiredStateRepository, head: CommitId, project: string): Promise<InstanceDocument[]> {
  const dir = instancePath(project, "x").slice(0, -"/x.yaml".length);
  const intents: InstanceDocument[] = [];
  for (const entry of await repo.listDirectory(head, dir)) {
    if (entry.type !== "blob" || !entry.name.endsWith(".yaml")) continue;
    const path = `${dir}/${entry.name}`;
    const text = await repo.readFile(head, path);
    if (text !== undefined) intents.push(parseInstance(text, path));
  }
  return intents;
}

/** The project's instances attached to the bucket at this head, read from their intents. */
export async function instancesUsingBucketAt(repo: DesiredStateRepository, head: CommitId, project: string, bucket: string): Promise<string[]> {
  return instancesUsingBucket(await projectIntentsAt(repo, head, project), project, bucket);
}

/** The project's instances that read its key on the platform at this head (what a rotation restarts). */
export async function instancesUsingProjectKeyAt(repo: DesiredStateRepository, head: CommitId, project: string, platform: string): Promise<string[]> {
  return instancesUsingProjectKey(await projectIntentsAt(repo, head, project), project, platform);
}

/** Refuses removing a bucket instances are attached to, naming them (the bucket's removal calls it). */
export function assertBucketUnused(project: string, bucket: string, instances: readonly string[]): void {
  if (instances.length === 0) return;
  throw new ConflictError(`the bucket ${bucket} is attached to ${instances.join(", ")}: remove them first (or launch them again without it)`, {
    reason: "bucket-in-use",
    params: { project, bucket, instances: instances.join(", ") },
  });
}
