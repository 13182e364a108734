// Velero's objects, as data (ADR 0034): what Plateau renders into the desired state so that a
// cluster backs up and restores projects. Checked against Velero's CRDs (schemas/velero).
import type { InstanceDocument, InstanceRestore, PlatformDocument, ProjectDocument } from "../model.js";
import { backupStorageOf, recoverySiteOf, type BackupStorage } from "../platforms/backups.js";
import type { FileChange } from "../ports/desired-state-repository.js";
import type { RecoveryPolicy } from "../recovery/policy.js";
import { renderedRecoveryDir } from "../repository/layout.js";
import type { KubeObject } from "./kube.js";
import { MANAGED_BY, toManifestFiles } from "./render.js";

/** Velero's namespace when a platform's `spec.backups.velero` names none. */
export const DEFAULT_VELERO_NAMESPACE = "velero";

/** Velero's namespace on a platform: `spec.backups.velero.namespace`, else Velero's own default. */
export const veleroNamespaceOf = (platform: PlatformDocument): string => platform.spec.backups?.velero?.namespace ?? DEFAULT_VELERO_NAMESPACE;

/** The Secret (and its key) holding Velero's S3 keys on a platform: the operators' own, never in git. */
export const DEFAULT_VELERO_CREDENTIAL = { name: "cloud-credentials", key: "cloud" } as const;

/** FNV-1a of a text, as 8 hex digits: a short stable digest that needs no I/O. */
function digest(text: string): string {
  let hash = 0x811c9dc5;
  for (const char of text) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, "0");
}

/** `plateau-<name>`, a DNS label whatever the name's length (a long one keeps its start and gains a digest of the whole). */
function plateauName(name: string): string {
  const full = `plateau-${name}`;
  return full.length <= 63 ? full : `plateau-${name.slice(0, 45).replace(/-+$/, "")}-${digest(name)}`;
}

/**
 * The Schedule of a project's namespace: also the `velero.io/schedule-name` label of every
 * Backup it makes, which keeps it when another cluster syncs the backup from the bucket (how
 * the recovery site finds a project's backups).
 */
export const scheduleName = (project: string): string => plateauName(project);

/**
 * The BackupStorageLocation of a platform's backups, the same name on every cluster that sees
 * them: read-write on the platform itself, read-only on the others (its recovery site).
 */
export const backupLocationName = (platform: string): string => plateauName(platform);

/** Hours as a Go duration, as Velero writes its `ttl` (`336h0m0s`). */
export const goDurationHours = (hours: number): string => `${hours}h0m0s`;

/**
 * The Schedule that backs up a project's namespace on a platform with `spec.backups`, when the
 * project's policy says so; undefined otherwise. Every volume by file-system backup (Kopia),
 * which needs no snapshot support of the storage: what the platforms' Cinder and Ceph volumes
 * have in common. Its backups expire after the retention (Velero's garbage collection).
 */
export function veleroSchedule(input: {
  readonly project: ProjectDocument;
  readonly platform: PlatformDocument;
  readonly policy: RecoveryPolicy;
}): KubeObject | undefined {
  const { project, platform, policy } = input;
  if (!platform.spec.backups || !policy.backups) return undefined;
  const namespace = project.metadata.name;
  const labels = { ...MANAGED_BY, "plateau.io/project": namespace };
  return {
    apiVersion: "velero.io/v1",
    kind: "Schedule",
    metadata: { name: scheduleName(namespace), namespace: veleroNamespaceOf(platform), labels: { ...labels } },
    spec: {
      schedule: `@every ${policy.everyHours}h`,
      // The first backup when the Schedule appears, not everyHours later: a project just backed up is protected now.
      skipImmediately: false,
      template: {
        includedNamespaces: [namespace],
        ttl: goDurationHours(policy.retentionDays * 24),
        storageLocation: backupLocationName(platform.metadata.name),
        defaultVolumesToFsBackup: true,
        snapshotVolumes: false,
        metadata: { labels: { ...labels } },
      },
    },
  };
}

function backupLocation(input: {
  readonly owner: string;
  readonly storage: BackupStorage;
  readonly on: PlatformDocument;
  readonly accessMode: "ReadWrite" | "ReadOnly";
}): KubeObject {
  const { storage, on } = input;
  const credential = on.spec.backups?.velero?.credential ?? DEFAULT_VELERO_CREDENTIAL;
  return {
    apiVersion: "velero.io/v1",
    kind: "BackupStorageLocation",
    metadata: {
      name: backupLocationName(input.owner),
      namespace: veleroNamespaceOf(on),
      labels: { ...MANAGED_BY, "plateau.io/backups-of": input.owner },
    },
    spec: {
      provider: "aws",
      objectStorage: { bucket: storage.bucket, prefix: storage.prefix },
      config: { region: storage.region, s3Url: storage.endpoint, s3ForcePathStyle: "true" },
      // The Secret is the operators' (docs/recovery.md): its name only is desired state.
      credential: { name: credential.name, key: credential.key },
      accessMode: input.accessMode,
    },
  };
}

/**
 * The BackupStorageLocations on a cluster platform: its own backups' (read-write), and, read
 * only, those of the platforms it recovers (`recoveryFor`: a failover restores them here) and of
 * the recovery site that recovers it (a failback restores the fresh backups taken there). Each
 * names the location of the platform whose backups it holds, in this platform's Velero
 * namespace, with this platform's credential Secret. An InputError naming `/spec/backups` when a
 * storage site has no S3 endpoint.
 */
export function veleroBackupLocations(platform: PlatformDocument, platforms: readonly PlatformDocument[]): KubeObject[] {
  const name = platform.metadata.name;
  const others = new Map<string, PlatformDocument>();
  const recovered = platform.spec.recoveryFor === undefined ? undefined : platforms.find((candidate) => candidate.metadata.name === platform.spec.recoveryFor);
  if (recovered && recovered.metadata.name !== name) others.set(recovered.metadata.name, recovered);
  const recoverer = recoverySiteOf(platform, platforms);
  if (recoverer) others.set(recoverer.metadata.name, recoverer);
  const objects: KubeObject[] = [];
  const own = backupStorageOf(platform, platforms);
  if (own) objects.push(backupLocation({ owner: name, storage: own, on: platform, accessMode: "ReadWrite" }));
  for (const other of [...others.values()].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1))) {
    const storage = backupStorageOf(other, platforms);
    if (storage) objects.push(backupLocation({ owner: other.metadata.name, storage, on: platform, accessMode: "ReadOnly" }));
  }
  return objects;
}

/**
 * The name of the Restore of an instance's volumes from a backup: stable (the same restore
 * renders the same object, so it is applied once) and a DNS label whatever the lengths.
 */
export function restoreName(instance: string, backup: string): string {
  const name = `restore-${instance}-${backup}`;
  if (name.length <= 63) return name.replace(/[.]/g, "-").replace(/-+$/, "");
  // Long: the instance kept, the backup by a short digest of its name (FNV-1a, no I/O needed).
  return `restore-${instance.slice(0, 45)}-${digest(backup)}`.replace(/-+(?=-)/g, "");
}

/**
 * A Velero Restore of one instance's volumes (its PersistentVolumeClaims and their data, by the
 * instance's label) from a backup of its project's namespace. Objects that exist are left as they
 * are: the workload itself is the desired state's, never the backup's.
 */
export function veleroRestore(input: {
  readonly project: string;
  readonly instance: string;
  readonly restore: InstanceRestore;
  readonly veleroNamespace: string;
}): KubeObject {
  return {
    apiVersion: "velero.io/v1",
    kind: "Restore",
    metadata: {
      name: restoreName(input.instance, input.restore.backup),
      namespace: input.veleroNamespace,
      labels: { ...MANAGED_BY, "plateau.io/project": input.project, "plateau.io/instance": input.instance },
      annotations: { "plateau.io/backup-platform": input.restore.platform, "plateau.io/backup-taken-at": input.restore.takenAt },
    },
    spec: {
      backupName: input.restore.backup,
      includedNamespaces: [input.project],
      includedResources: ["persistentvolumeclaims", "persistentvolumes"],
      // Templates label every object `app.kubernetes.io/instance` (so do charts, by Helm convention).
      labelSelector: { matchLabels: { "app.kubernetes.io/instance": input.instance } },
      restorePVs: true,
      existingResourcePolicy: "none",
    },
  };
}

/**
 * The files of an instance's `spec.restore` on a platform, for its source's rendering: on a
 * cluster, the Restore in the project's `_recovery/<instance>` directory (its previous content
 * replaced; nothing when there is no restore); on podman, the Restore among the instance's own
 * objects (`objects` gets it), which the engine performs before it starts the pod.
 */
export function restoreChanges(intent: InstanceDocument, platform: PlatformDocument): { readonly changes: FileChange[]; readonly objects: KubeObject[] } {
  const { project, name } = intent.metadata;
  const restore = intent.spec.restore;
  if (platform.spec.engine === "podman") {
    return { changes: [], objects: restore ? [veleroRestore({ project, instance: name, restore, veleroNamespace: project })] : [] };
  }
  const dir = renderedRecoveryDir(platform.metadata.name, project, name);
  if (!restore) return { changes: [{ path: dir, remove: true }], objects: [] };
  const object = veleroRestore({ project, instance: name, restore, veleroNamespace: veleroNamespaceOf(platform) });
  return {
    changes: [{ path: dir, remove: true }, ...toManifestFiles([object]).map((file) => ({ path: `${dir}/${file.name}`, content: file.content }))],
    objects: [],
  };
}
