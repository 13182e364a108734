// ClusterBackups in memory, beside the Velero one (adapters/kubernetes/velero-backups.ts) and
// passing the same contract: Velero's Backups are records tests add and move through phases;
// `request` records a new one, as Velero would before it starts.
import { ConflictError, InputError } from "../../core/errors.js";
import { assertName } from "../../core/names.js";
import type { ClusterBackup, ClusterBackupsRegistry, ClusterBackups } from "../../core/ports/cluster-backups.js";

export interface MemoryClusterBackups extends ClusterBackups {
  /** The cluster's Backups by name: what tests add (a schedule's run) and change (a phase). */
  readonly backups: Map<string, ClusterBackup>;
  /** The backups asked for by `request`, in order (what a failback asked). */
  readonly requested: { readonly project: string; readonly name: string }[];
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function newestFirst(a: ClusterBackup, b: ClusterBackup): number {
  const time = (backup: ClusterBackup) => (backup.startedAt ? Date.parse(backup.startedAt) : Number.POSITIVE_INFINITY);
  const order = time(b) - time(a);
  if (order !== 0 && !Number.isNaN(order)) return order;
  return a.name < b.name ? 1 : a.name > b.name ? -1 : 0;
}

export function createMemoryClusterBackups(options: { readonly storageLocation?: string } = {}): MemoryClusterBackups {
  const backups = new Map<string, ClusterBackup>();
  const requested: { project: string; name: string }[] = [];
  return {
    backups,
    requested,
    async list(project) {
      assertName("/project", project);
      return [...backups.values()].filter((backup) => backup.project === project).sort(newestFirst);
    },
    async request(project, name) {
      assertName("/project", project);
      if (!DNS_LABEL.test(name) || name.length > 63) throw InputError.field("/name", "dns-label", `"${name}" is not a backup name (a DNS label)`);
      const existing = backups.get(name);
      if (existing) {
        if (existing.project !== project) throw new ConflictError(`Velero Backup ${name} already exists and is not a backup of project ${project}`);
        return;
      }
      requested.push({ project, name });
      backups.set(name, { name, project, phase: "New", ...(options.storageLocation ? { storageLocation: options.storageLocation } : {}) });
    },
  };
}

/** A registry over memory backups by platform (tests give the platforms they back up). */
export function createMemoryClusterBackupsRegistry(byPlatform: ReadonlyMap<string, ClusterBackups>): ClusterBackupsRegistry {
  return { backupsFor: async (platform) => byPlatform.get(platform) };
}
