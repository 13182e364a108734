// Velero's Backups on each cluster platform (ADR 0034), read through the platform's Kubernetes
// API with the token the environment holds under the name the platform gives (as the cluster
// engines read theirs). A platform has them when Velero there sees some backups: its own
// (`spec.backups`) or, through a read-only location, those of the platform it recovers or that
// recovers it; its own location is where `request` sends a fresh backup. One adapter per
// platform and settings: rebuilt only when an operator changes them.
import { createVeleroBackups } from "../adapters/kubernetes/velero-backups.js";
import type { PlatformDocument } from "../core/model.js";
import type { ClusterBackups, ClusterBackupsRegistry } from "../core/ports/cluster-backups.js";
import type { DesiredStateRepository } from "../core/ports/desired-state-repository.js";
import type { Logger } from "../core/ports/logger.js";
import { isClusterPlatform, platformsAt } from "../core/projects/bundle.js";
import type { CrdValidator } from "../core/render/crd-validate.js";
import { backupLocationName, veleroBackupLocations, veleroNamespaceOf } from "../core/render/velero.js";

export interface ClusterBackupsDeps {
  readonly env: NodeJS.ProcessEnv;
  readonly repo: DesiredStateRepository;
  readonly logger: Logger;
  /** Velero's CRDs: a requested Backup is checked against its CRD before it is sent. */
  readonly crds?: CrdValidator;
  readonly fetch?: typeof fetch;
}

export function createClusterBackupsRegistry(deps: ClusterBackupsDeps): ClusterBackupsRegistry {
  const built = new Map<string, { key: string; backups: ClusterBackups }>();
  const warned = new Set<string>();

  function backupsOf(platform: PlatformDocument, platforms: readonly PlatformDocument[]): ClusterBackups | undefined {
    const kubernetes = platform.spec.kubernetes;
    if (!isClusterPlatform(platform) || !kubernetes) return undefined;
    // A storage site without an endpoint is refused where the bootstrap is rendered; here it only means no backups to read.
    let locations: number;
    try {
      locations = veleroBackupLocations(platform, platforms).length;
    } catch {
      return undefined;
    }
    if (locations === 0) return undefined;
    const name = platform.metadata.name;
    const token = deps.env[kubernetes.tokenEnv] ?? "";
    if (!token) {
      if (!warned.has(name)) deps.logger.warn({ platform: name, variable: kubernetes.tokenEnv }, "no Kubernetes token: Velero's backups there cannot be read");
      warned.add(name);
      return undefined;
    }
    const namespace = veleroNamespaceOf(platform);
    const storageLocation = platform.spec.backups ? backupLocationName(name) : undefined;
    const key = JSON.stringify([kubernetes.apiURL, token, namespace, storageLocation ?? null]);
    const found = built.get(name);
    if (found?.key === key) return found.backups;
    const backups = createVeleroBackups({
      apiURL: kubernetes.apiURL,
      token,
      namespace,
      ...(storageLocation ? { storageLocation } : {}),
      ...(deps.crds ? { crds: deps.crds } : {}),
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
    });
    built.set(name, { key, backups });
    return backups;
  }

  return {
    async backupsFor(platform) {
      const head = await deps.repo.head();
      if (!head) return undefined;
      const platforms = await platformsAt(deps.repo, head);
      const document = platforms.find((candidate) => candidate.metadata.name === platform);
      return document ? backupsOf(document, platforms) : undefined;
    },
  };
}
