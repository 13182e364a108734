// The volume backups of podman platforms (ADR 0034), built from the platforms the repository
// declares: a podman platform with `spec.backups` backs up into its bucket on the S3 of the
// platform `spec.backups.to` names (default: the platform whose `recoveryFor` names it, else
// itself), with that storage's admin keys: the local S3 server's (ADR 32), or an `rgw-admin`
// platform's from the environment variables its `spec.s3.credentialsEnv` names. Read at the
// repository's head; built again only when the settings or the keys change.
import { createPodmanVolumeBackups } from "../adapters/podman/volume-backups.js";
import { createS3Client } from "../adapters/s3/client.js";
import type { PlatformDocument } from "../core/model.js";
import type { DesiredStateRepository } from "../core/ports/desired-state-repository.js";
import type { Logger } from "../core/ports/logger.js";
import type { VolumeBackups, VolumeBackupsRegistry } from "../core/ports/volume-backups.js";
import { DEFAULT_S3_REGION, recoverySiteOf } from "../core/platforms/backups.js";
import { platformsAt } from "../core/projects/bundle.js";
import type { LocalObjectStorage } from "./object-storages.js";

/**
 * Where a platform's backups go: the site's platform, by `to`, by `recoveryFor`, or itself (as
 * core/platforms/backups.ts decides it, which also asks clusters' sites for an S3 endpoint: a
 * podman site may be the local S3 server, which has none in its file).
 */
export function backupSiteOf(platform: PlatformDocument, platforms: readonly PlatformDocument[]): string | undefined {
  const backups = platform.spec.backups;
  if (!backups) return undefined;
  return backups.to ?? recoverySiteOf(platform, platforms)?.metadata.name ?? platform.metadata.name;
}

export function createVolumeBackupsRegistry(deps: {
  readonly repo: DesiredStateRepository;
  /** This installation's id (none: no local platform, nothing backed up here). */
  readonly installation: string | undefined;
  readonly podman?: string;
  readonly env: NodeJS.ProcessEnv;
  /** The local S3 server, once it answers (undefined when it does not run). */
  readonly local: PromiseLike<LocalObjectStorage | undefined>;
  readonly logger: Logger;
}): VolumeBackupsRegistry {
  const built = new Map<string, { key: string; backups: VolumeBackups }>();
  const said = new Set<string>();
  const sayOnce = (platform: string, message: string) => {
    if (said.has(`${platform}\0${message}`)) return;
    said.add(`${platform}\0${message}`);
    deps.logger.warn({ platform }, message);
  };

  /** The S3 endpoint and admin keys of the site's platform, or why there are none. */
  async function siteStorage(
    site: PlatformDocument | undefined,
  ): Promise<{ url: string; region: string; accessKeyId: string; secretAccessKey: string } | string> {
    if (!site) return "its backup site is not declared";
    const s3 = site.spec.s3;
    if (site.spec.engine === "podman" && (!s3 || (s3.provider === "rgw-admin" && !s3.endpoint))) {
      const local = await deps.local;
      if (!local) return "the local S3 server does not run (Ceph missing, turned off or failed)";
      return { url: local.endpoint.url, region: s3?.region ?? local.endpoint.region, accessKeyId: local.accessKeyId, secretAccessKey: local.secretAccessKey };
    }
    if (s3?.provider !== "rgw-admin" || !s3.endpoint || !s3.credentialsEnv)
      return `platform ${site.metadata.name} has no rgw-admin S3 with admin keys Plateau holds`;
    const accessKeyId = deps.env[s3.credentialsEnv.accessKeyId] ?? "";
    const secretAccessKey = deps.env[s3.credentialsEnv.secretAccessKey] ?? "";
    if (!accessKeyId || !secretAccessKey) return `the admin keys of platform ${site.metadata.name} are not in the environment`;
    return { url: s3.endpoint.replace(/\/+$/, ""), region: s3.region ?? DEFAULT_S3_REGION, accessKeyId, secretAccessKey };
  }

  return {
    async backupsFor(name) {
      const head = await deps.repo.head();
      if (!head || deps.installation === undefined) return undefined;
      const platforms = await platformsAt(deps.repo, head);
      const platform = platforms.find((candidate) => candidate.metadata.name === name);
      // Plateau exports volumes itself on podman only: clusters have Velero (ADR 0034).
      if (!platform || platform.spec.engine !== "podman" || !platform.spec.backups) return undefined;
      const siteName = backupSiteOf(platform, platforms) as string;
      const storage = await siteStorage(platforms.find((candidate) => candidate.metadata.name === siteName));
      if (typeof storage === "string") {
        sayOnce(name, `the platform's volumes are not backed up: ${storage}`);
        return undefined;
      }
      const bucket = platform.spec.backups.bucket;
      // The keys are part of the cache's key (in memory only): rotated admin keys build a new client.
      const key = JSON.stringify([bucket, storage]);
      const found = built.get(name);
      if (found?.key === key) return found.backups;
      const backups = createPodmanVolumeBackups({
        ...(deps.podman ? { podman: deps.podman } : {}),
        installation: deps.installation,
        platform: name,
        s3: createS3Client({ endpoint: storage.url, region: storage.region, credentials: storage }),
        endpoint: storage.url,
        bucket,
        logger: deps.logger,
      });
      built.set(name, { key, backups });
      return backups;
    },
  };
}
