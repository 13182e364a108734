// Failover and failback as plans (ADR 0034): from what git says (the platforms, the intents,
// the buckets) and what the backups hold, what one commit does to each instance. Pure: the
// command (instances/commands/failover.ts) gathers the inputs and writes the result.
import type { RecoverySkipReason } from "../../contracts/codes.js";
import { DEFAULT_S3_REGION } from "../render/bucket-env.js";
import type { BucketDocument, InstanceBucket, InstanceDocument, InstanceRestore, PlatformDocument } from "../model.js";

/** An instance's newest good backup: its id where it is kept, the platform that took it, when. */
export interface BackupPoint {
  readonly id: string;
  readonly platform: string;
  readonly takenAt: string;
}

export interface RecoveryMove {
  readonly kind: "move";
  readonly project: string;
  readonly instance: string;
  readonly from: string;
  readonly to: string;
  /** Its volumes come from this backup there; absent: none was found, it starts empty. */
  readonly restore?: InstanceRestore;
  /** Its attached bucket, pointed at the copy on `to` when it has one there; absent: unchanged. */
  readonly bucket?: InstanceBucket;
  /** What the restore loses (the step's time − the backup's); null without backup. */
  readonly rpoSeconds: number | null;
  /** Its placement's reason there. */
  readonly placementReason: string;
}

export interface RecoverySkip {
  readonly kind: "skip";
  readonly project: string;
  readonly instance: string;
  /** Where it stays. */
  readonly from: string;
  readonly code: RecoverySkipReason;
  readonly reason: string;
  readonly params: Readonly<Record<string, string>>;
}

export type RecoveryStep = RecoveryMove | RecoverySkip;

/** `<project>/<instance>`: how the plans' maps name an instance. */
export const refOf = (intent: Pick<InstanceDocument, "metadata">): string => `${intent.metadata.project}/${intent.metadata.name}`;

/** The platform whose `recoveryFor` names `failed` (the first by name, should several). */
export function recoveryPlatformOf(failed: string, platforms: readonly PlatformDocument[]): PlatformDocument | undefined {
  return [...platforms].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name)).find((platform) => platform.spec.recoveryFor === failed);
}

/** What a restore's `reason` says of a failover from the platform (and how a failback finds what it brings back). */
export const failoverRestoreReason = (failed: string): string => `failover from ${failed}`;
/** A failover's placement reason: `failover from plmapps: <the operator's reason> (by <login>)`. */
export const failoverPlacementReason = (failed: string, reason: string, login: string): string => `${failoverRestoreReason(failed)}: ${reason} (by ${login})`;
export const failbackRestoreReason = (platform: string): string => `failback to ${platform}`;
export const failbackPlacementReason = (platform: string, recovery: string, login: string): string =>
  `${failbackRestoreReason(platform)} from ${recovery} (by ${login})`;

/** Whether a failover from `failed` put the instance where it is (its placement's or its restore's reason says so). */
export function failedOverFrom(intent: Pick<InstanceDocument, "spec" | "placement">, failed: string): boolean {
  const said = failoverRestoreReason(failed);
  return intent.placement.reason.startsWith(`${said}:`) || intent.spec.restore?.reason === said;
}

/**
 * The attachment of a project's bucket on a platform, as a launch there records it (ADR 0031):
 * NooBaa's name and platform; an `rgw-admin` endpoint from the platform's `spec.s3` (addressed by
 * path, as RGW is). Undefined when the platform offers no S3 storage clients can reach by its file.
 */
export function attachmentOn(bucket: string, platform: PlatformDocument): InstanceBucket | undefined {
  const s3 = platform.spec.s3;
  if (!s3) return undefined;
  if (s3.provider === "noobaa") return { name: bucket, platform: platform.metadata.name, provider: "noobaa" };
  if (!s3.endpoint) return undefined;
  return {
    name: bucket,
    platform: platform.metadata.name,
    provider: "rgw-admin",
    endpoint: s3.endpoint.replace(/\/+$/, ""),
    region: s3.region ?? DEFAULT_S3_REGION,
    pathStyle: true,
  };
}

/**
 * The attached bucket an instance uses once it runs on `target`: the copy of its bucket there —
 * the replica when `target` holds it (a failover), the bucket itself when it is placed there (a
 * failback) — else undefined (unchanged).
 */
export function bucketOn(
  intent: Pick<InstanceDocument, "metadata" | "spec">,
  buckets: readonly BucketDocument[],
  target: PlatformDocument,
): InstanceBucket | undefined {
  const attached = intent.spec.bucket;
  if (!attached || attached.platform === target.metadata.name) return undefined;
  const bucket = buckets.find((candidate) => candidate.metadata.project === intent.metadata.project && candidate.metadata.name === attached.name);
  if (!bucket) return undefined;
  const there = bucket.spec.replica?.platform === target.metadata.name || bucket.placement.platform === target.metadata.name;
  return there ? attachmentOn(bucket.metadata.name, target) : undefined;
}

export function rpoSecondsOf(backup: BackupPoint | undefined, at: Date): number | null {
  if (!backup) return null;
  return Math.max(0, Math.floor((at.getTime() - Date.parse(backup.takenAt)) / 1000));
}

export interface FailoverPlanInput {
  readonly failed: string;
  readonly platforms: readonly PlatformDocument[];
  /** The intents placed on the failed platform. */
  readonly intents: readonly InstanceDocument[];
  /** Each instance's newest good backup, by `<project>/<instance>` (none: absent). */
  readonly backups: ReadonlyMap<string, BackupPoint>;
  readonly buckets: readonly BucketDocument[];
  /** Why placement refuses an instance on the recovery site (as a move pinned there would), by `<project>/<instance>`. */
  readonly refusals?: ReadonlyMap<string, string>;
  readonly now: Date;
  /** The operator's reason, and who asks. */
  readonly reason: string;
  readonly requester: string;
}

/**
 * Every instance of the failed platform moves to its recovery site, its volumes restored from
 * its newest backup, its bucket pointed at the replica there; or it stays, with why. Sorted by
 * project then instance.
 */
export function planFailover(input: FailoverPlanInput): RecoveryStep[] {
  const recovery = recoveryPlatformOf(input.failed, input.platforms);
  return sortedIntents(input.intents).map((intent): RecoveryStep => {
    const { project, name: instance } = intent.metadata;
    const ref = refOf(intent);
    const from = intent.placement.platform;
    if (!recovery) {
      return {
        kind: "skip",
        project,
        instance,
        from,
        code: "no-recovery-platform",
        reason: `no platform is the recovery site of ${input.failed} (spec.recoveryFor)`,
        params: { platform: input.failed },
      };
    }
    const to = recovery.metadata.name;
    const refused = input.refusals?.get(ref);
    if (refused !== undefined) {
      return {
        kind: "skip",
        project,
        instance,
        from,
        code: "cannot-run-there",
        reason: `cannot run on ${to}: ${refused}`,
        params: { platform: to, reason: refused },
      };
    }
    const backup = input.backups.get(ref);
    const bucket = bucketOn(intent, input.buckets, recovery);
    return {
      kind: "move",
      project,
      instance,
      from,
      to,
      ...(backup ? { restore: { backup: backup.id, platform: backup.platform, takenAt: backup.takenAt, reason: failoverRestoreReason(input.failed) } } : {}),
      ...(bucket ? { bucket } : {}),
      rpoSeconds: rpoSecondsOf(backup, input.now),
      placementReason: failoverPlacementReason(input.failed, input.reason, input.requester),
    };
  });
}

export interface FailbackPlanInput {
  /** The platform coming back. */
  readonly platform: string;
  readonly platforms: readonly PlatformDocument[];
  /** The intents placed on its recovery site. */
  readonly intents: readonly InstanceDocument[];
  /** The fresh backups taken on the recovery site, by `<project>/<instance>`. */
  readonly backups: ReadonlyMap<string, BackupPoint>;
  readonly buckets: readonly BucketDocument[];
  /** Why placement refuses an instance back on the platform, by `<project>/<instance>`. */
  readonly refusals?: ReadonlyMap<string, string>;
  readonly now: Date;
  readonly requester: string;
}

/** The instances a failover from the platform put on its recovery site: what a failback takes back. */
export function failedOverIntents(platform: string, intents: readonly InstanceDocument[]): InstanceDocument[] {
  return sortedIntents(intents.filter((intent) => failedOverFrom(intent, platform)));
}

/** Every instance a failover from the platform moved away goes back, its volumes from the fresh backup. */
export function planFailback(input: FailbackPlanInput): RecoveryStep[] {
  const home = input.platforms.find((platform) => platform.metadata.name === input.platform);
  return failedOverIntents(input.platform, input.intents).map((intent): RecoveryStep => {
    const { project, name: instance } = intent.metadata;
    const ref = refOf(intent);
    const from = intent.placement.platform;
    const refused = home ? input.refusals?.get(ref) : `${input.platform} is not declared`;
    if (refused !== undefined || !home) {
      const why = refused ?? `${input.platform} is not declared`;
      return {
        kind: "skip",
        project,
        instance,
        from,
        code: "cannot-run-there",
        reason: `cannot run on ${input.platform}: ${why}`,
        params: { platform: input.platform, reason: why },
      };
    }
    const backup = input.backups.get(ref);
    const bucket = bucketOn(intent, input.buckets, home);
    return {
      kind: "move",
      project,
      instance,
      from,
      to: input.platform,
      ...(backup ? { restore: { backup: backup.id, platform: backup.platform, takenAt: backup.takenAt, reason: failbackRestoreReason(input.platform) } } : {}),
      ...(bucket ? { bucket } : {}),
      rpoSeconds: rpoSecondsOf(backup, input.now),
      placementReason: failbackPlacementReason(input.platform, from, input.requester),
    };
  });
}

const sortedIntents = (intents: readonly InstanceDocument[]): InstanceDocument[] =>
  [...intents].sort((a, b) => a.metadata.project.localeCompare(b.metadata.project) || a.metadata.name.localeCompare(b.metadata.name));
