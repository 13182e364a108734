// The volume backups of the podman platforms that have `spec.backups` (ADR 0034): Plateau's own
// bucket (`spec.backups.bucket`) on the S3 storage of the backup site, which is `spec.backups.to`,
// else the platform whose `recoveryFor` names this one, else the platform itself. That site's
// `spec.s3` must be `rgw-admin`: Plateau writes with its admin keys, taken as object-storages.ts
// takes them (the variables `credentialsEnv` names, or the local S3 server of `plateau up`).
// Read at the repository's head, built again only when the settings or keys change.
import { createPodmanVolumeBackups } from "../adapters/podman/volume-backups.js";
import { createS3Client } from "../adapters/s3/client.js";
import type { PlatformDocument } from "../core/model.js";
import type { DesiredStateRepository } from "../core/ports/desired-state-repository.js";
import type { Logger } from "../core/ports/logger.js";
import type { VolumeBackups, VolumeBackupsRegistry } from "../core/ports/volume-backups.js";
import { platformsAt } from "../core/projects/bundle.js";
import { platformPath } from "../core/repository/layout.js";
import type { LocalObjectStorage } from "./object-storages.js";

const DEFAULT_REGION = "us-east-1";

interface SiteAccess {
  readonly url: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface VolumeBackupsRegistryDeps {
  readonly env: NodeJS.ProcessEnv;
  readonly repo: DesiredStateRepository;
  readonly logger: Logger;
  /** This installation's id (podman names and labels); undefined when the local platform is off: no podman backups. */
  readonly installation: string | undefined;
  readonly podman?: string;
  /** The local S3 server (or the promise of it): the storage of a podman site whose `spec.s3` names no endpoint. */
  readonly local?: LocalObjectStorage | PromiseLike<LocalObjectStorage | undefined>;
  /** Where restores download archives (default the system's temporary directory). */
  readonly tempDir?: string;
}

/** The backup site of a podman platform, with its admin access, or the problem (naming the field). */
async function siteOf(
  platform: PlatformDocument,
  platforms: readonly PlatformDocument[],
  deps: Pick<VolumeBackupsRegistryDeps, "env" | "local">,
): Promise<{ problem: string } | { site: string; bucket: string; access: SiteAccess; adminAccess: SiteAccess }> {
  const name = platform.metadata.name;
  const backups = platform.spec.backups;
  const where = `${platformPath(name)}: spec.backups`;
  if (!backups) return { problem: `${where} is absent` };
  const siteName = backups.to ?? platforms.find((candidate) => candidate.spec.recoveryFor === name)?.metadata.name ?? name;
  const site = platforms.find((candidate) => candidate.metadata.name === siteName);
  const field =
    backups.to !== undefined
      ? `${where}.to`
      : siteName === name
        ? `${where} (no .to, no recovery site: this platform itself)`
        : `${where} (no .to: the recovery site ${siteName})`;
  if (!site) return { problem: `${field} names platform ${siteName}, which is not declared` };
  const s3 = site.spec.s3;
  if (s3?.provider !== "rgw-admin")
    return {
      problem: `${field}: platform ${siteName} has no spec.s3 of provider rgw-admin (${platformPath(siteName)}: spec.s3), where Plateau could write its backups`,
    };
  if (!s3.endpoint) {
    if (site.spec.engine !== "podman") return { problem: `${platformPath(siteName)}: spec.s3.endpoint is missing (only a podman platform may omit it)` };
    const local = await deps.local;
    if (!local) return { problem: `${field}: the local S3 server of platform ${siteName} does not run (Ceph missing, turned off or failed: see localS3)` };
    const region = s3.region ?? local.endpoint.region;
    return {
      site: siteName,
      bucket: backups.bucket,
      access: { url: local.endpoint.url, region, accessKeyId: local.accessKeyId, secretAccessKey: local.secretAccessKey },
      // Plateau's own calls reach the server at loopback (ADR 0032).
      adminAccess: { url: local.adminURL ?? local.endpoint.url, region, accessKeyId: local.accessKeyId, secretAccessKey: local.secretAccessKey },
    };
  }
  if (!s3.credentialsEnv)
    return { problem: `${platformPath(siteName)}: spec.s3.credentialsEnv names no variables for the RGW admin keys Plateau writes backups with` };
  const { accessKeyId: idVariable, secretAccessKey: secretVariable } = s3.credentialsEnv;
  const accessKeyId = deps.env[idVariable] ?? "";
  const secretAccessKey = deps.env[secretVariable] ?? "";
  const missing = [...(accessKeyId ? [] : [idVariable]), ...(secretAccessKey ? [] : [secretVariable])];
  if (missing.length > 0)
    return { problem: `${platformPath(siteName)}: spec.s3.credentialsEnv names ${missing.join(" and ")}, which the environment does not hold` };
  const access = { url: s3.endpoint.replace(/\/+$/, ""), region: s3.region ?? DEFAULT_REGION, accessKeyId, secretAccessKey };
  return { site: siteName, bucket: backups.bucket, access, adminAccess: access };
}

export interface VolumeBackupsWiring extends VolumeBackupsRegistry {
  /** Each podman platform with `spec.backups` and whether its backups can be written (logged at start-up). */
  check(): Promise<{ readonly platform: string; readonly problem?: string; readonly location?: string }[]>;
}

export function createVolumeBackupsRegistry(deps: VolumeBackupsRegistryDeps): VolumeBackupsWiring {
  const built = new Map<string, { key: string; backups: VolumeBackups }>();
  let read: { head: string; platforms: readonly PlatformDocument[] } | undefined;

  async function platforms(): Promise<readonly PlatformDocument[]> {
    const head = await deps.repo.head();
    if (!head) return [];
    if (read?.head !== head) read = { head, platforms: await platformsAt(deps.repo, head) };
    return read.platforms;
  }

  async function backupsFor(name: string): Promise<VolumeBackups | undefined> {
    if (deps.installation === undefined) return undefined;
    const all = await platforms();
    const platform = all.find((candidate) => candidate.metadata.name === name);
    if (!platform || platform.spec.engine !== "podman" || !platform.spec.backups) return undefined;
    const site = await siteOf(platform, all, deps);
    if ("problem" in site) throw new Error(`the backups of platform ${name} cannot be written: ${site.problem}`);
    // The keys are part of the cache's key (in memory only): a rotated admin key builds new backups.
    const key = JSON.stringify([site.site, site.bucket, site.adminAccess]);
    const found = built.get(name);
    if (found?.key === key) return found.backups;
    const { adminAccess } = site;
    const backups = createPodmanVolumeBackups({
      ...(deps.podman ? { podman: deps.podman } : {}),
      installation: deps.installation,
      platform: name,
      s3: createS3Client({
        endpoint: adminAccess.url,
        region: adminAccess.region,
        credentials: { accessKeyId: adminAccess.accessKeyId, secretAccessKey: adminAccess.secretAccessKey },
      }),
      endpoint: site.access.url,
      bucket: site.bucket,
      ...(deps.tempDir ? { tempDir: deps.tempDir } : {}),
      logger: deps.logger,
    });
    built.set(name, { key, backups });
    return backups;
  }

  return {
    backupsFor,
    async check() {
      const all = await platforms();
      const results: { platform: string; problem?: string; location?: string }[] = [];
      for (const platform of all) {
        if (platform.spec.engine !== "podman" || !platform.spec.backups) continue;
        const name = platform.metadata.name;
        if (deps.installation === undefined) {
          results.push({ platform: name, problem: "the local platform is off (platforms.local.enabled): podman volumes are not backed up" });
          continue;
        }
        try {
          results.push({ platform: name, location: (await backupsFor(name))?.location ?? "" });
        } catch (error) {
          results.push({ platform: name, problem: (error as Error).message });
        }
      }
      for (const result of results) {
        if (result.problem) deps.logger.error({ platform: result.platform }, result.problem);
        else deps.logger.info({ platform: result.platform, location: result.location }, "podman volumes are backed up there");
      }
      return results;
    },
  };
}
