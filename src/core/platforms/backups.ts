// Where a platform's backups go (ADR 0034): the S3 storage of its storage site, a platform
// that `spec.backups.to` names, else its recovery site (the platform whose `recoveryFor` names
// it), else itself. Decided from the platform files alone; a storage site without an S3
// endpoint is refused naming the field, since nothing could write backups there.
import { InputError, type InputIssue } from "../errors.js";
import type { PlatformDocument } from "../model.js";
import { platformPath } from "../repository/layout.js";

/** What S3 clients sign with when a platform names no region (what RGW and NooBaa accept). */
export const DEFAULT_S3_REGION = "us-east-1";

export interface BackupStorage {
  /** The platform whose S3 storage holds the backups. */
  readonly site: string;
  /** Its S3 endpoint (`spec.s3.endpoint`). */
  readonly endpoint: string;
  readonly region: string;
  /** The bucket (`spec.backups.bucket` of the backed-up platform). */
  readonly bucket: string;
  /** The backed-up platform's own prefix in the bucket: several platforms may share one bucket. */
  readonly prefix: string;
}

/** The platform that recovers this one (its `recoveryFor` names it), if any; the first by name when several do. */
export function recoverySiteOf(platform: PlatformDocument, platforms: readonly PlatformDocument[]): PlatformDocument | undefined {
  const name = platform.metadata.name;
  return [...platforms]
    .filter((candidate) => candidate.spec.recoveryFor === name && candidate.metadata.name !== name)
    .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0))[0];
}

/** The issue of a platform's `spec.backups` against the other platforms, or undefined when its storage is known. */
function storageIssue(platform: PlatformDocument, platforms: readonly PlatformDocument[]): InputIssue | { storage: BackupStorage } | undefined {
  const backups = platform.spec.backups;
  if (!backups) return undefined;
  const name = platform.metadata.name;
  let site: PlatformDocument | undefined;
  if (backups.to !== undefined) {
    site = backups.to === name ? platform : platforms.find((candidate) => candidate.metadata.name === backups.to);
    if (!site)
      return { pointer: "/spec/backups/to", rule: "platform", message: `names platform ${backups.to}, which is not declared (platforms/${backups.to}.yaml)` };
  } else {
    site = recoverySiteOf(platform, platforms) ?? platform;
  }
  const endpoint = site.spec.s3?.endpoint;
  if (!endpoint) {
    return {
      pointer: "/spec/backups",
      rule: "storage-endpoint",
      message:
        site === platform
          ? `backups go to this platform's own S3 storage, which has no spec.s3.endpoint: give it one, or name another platform in spec.backups.to`
          : `backups go to platform ${site.metadata.name}, whose spec.s3.endpoint is not set: give it one in platforms/${site.metadata.name}.yaml`,
    };
  }
  return { storage: { site: site.metadata.name, endpoint, region: site.spec.s3?.region ?? DEFAULT_S3_REGION, bucket: backups.bucket, prefix: name } };
}

/**
 * Where the platform's backups are stored; undefined for a platform without `spec.backups`. An
 * InputError naming `/spec/backups` (or `/spec/backups/to`) of its file when the storage site is
 * unknown or has no S3 endpoint.
 */
export function backupStorageOf(platform: PlatformDocument, platforms: readonly PlatformDocument[]): BackupStorage | undefined {
  const found = storageIssue(platform, platforms);
  if (found === undefined) return undefined;
  if ("storage" in found) return found.storage;
  throw new InputError(`${platformPath(platform.metadata.name)}: ${found.pointer} ${found.message}`, [found]);
}

/** Every platform's `spec.backups` checked against the others: the issues, each naming its file in the message. */
export function backupsIssues(platforms: readonly PlatformDocument[]): InputIssue[] {
  const issues: InputIssue[] = [];
  for (const platform of platforms) {
    const found = storageIssue(platform, platforms);
    if (found && !("storage" in found)) issues.push({ ...found, message: `${platformPath(platform.metadata.name)}: ${found.pointer} ${found.message}` });
  }
  return issues;
}
