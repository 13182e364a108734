// What Velero has backed up on a cluster (ADR 0034), read through the cluster's API: the
// Schedules are desired state (rendered per project namespace), the Backups they make are
// the cluster's; Plateau only reads them to know the newest good backup of each project.

export interface ClusterBackup {
  /** The Velero Backup's name. */
  readonly name: string;
  /** The namespace (Plateau's project) it holds. */
  readonly project: string;
  /** `Completed` only is good; `PartiallyFailed`, `Failed`, `InProgress`… are not restored from. */
  readonly phase: string;
  /** When it completed (ISO); absent while in progress. */
  readonly completedAt?: string;
  /** When it started (ISO): the data's age, the RPO of a restore, counts from here. */
  readonly startedAt?: string;
  /** Where it is stored (the BackupStorageLocation's name). */
  readonly storageLocation?: string;
}

export interface ClusterBackups {
  /** The backups of the project's namespace, newest first (any phase). */
  list(project: string): Promise<ClusterBackup[]>;
  /**
   * Asks Velero for a backup of the project's namespace now, named `name`, to the platform's own
   * storage location (a failback's fresh backup). Returns once Velero has it to do, not when it
   * is done: `list` tells its phase. Asking again for the same name is fine (idempotent).
   */
  request(project: string, name: string): Promise<void>;
}

/** The Velero backups of each cluster platform with `spec.backups` and an API (`spec.kubernetes`). */
export interface ClusterBackupsRegistry {
  backupsFor(platform: string): Promise<ClusterBackups | undefined>;
}
