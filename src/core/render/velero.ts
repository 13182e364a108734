// Velero's objects, as data (ADR 0034): what Plateau renders into the desired state so that a
// cluster backs up and restores projects. Checked against Velero's CRDs (schemas/velero).
import type { InstanceDocument, InstanceRestore, PlatformDocument } from "../model.js";
import type { FileChange } from "../ports/desired-state-repository.js";
import { renderedRecoveryDir } from "../repository/layout.js";
import type { KubeObject } from "./kube.js";
import { MANAGED_BY, toManifestFiles } from "./render.js";

/** Velero's namespace when a platform's `spec.backups.velero` names none. */
export const DEFAULT_VELERO_NAMESPACE = "velero";

/**
 * The name of the Restore of an instance's volumes from a backup: stable (the same restore
 * renders the same object, so it is applied once) and a DNS label whatever the lengths.
 */
export function restoreName(instance: string, backup: string): string {
  const name = `restore-${instance}-${backup}`;
  if (name.length <= 63) return name.replace(/[.]/g, "-").replace(/-+$/, "");
  // Long: the instance kept, the backup by a short digest of its name (FNV-1a, no I/O needed).
  let hash = 0x811c9dc5;
  for (const char of backup) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
  return `restore-${instance.slice(0, 45)}-${hash.toString(16).padStart(8, "0")}`.replace(/-+(?=-)/g, "");
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
  const object = veleroRestore({ project, instance: name, restore, veleroNamespace: platform.spec.backups?.velero?.namespace ?? DEFAULT_VELERO_NAMESPACE });
  return {
    changes: [{ path: dir, remove: true }, ...toManifestFiles([object]).map((file) => ({ path: `${dir}/${file.name}`, content: file.content }))],
    objects: [],
  };
}
