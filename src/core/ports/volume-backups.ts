// Backups of instances' volumes that Plateau takes itself (ADR 0034): on podman, each volume
// exported (`podman volume export`), compressed, checksummed and uploaded to a bucket of the
// platform's backup site. A backup is self-describing: its manifest (what `BackupRecord` holds)
// is stored beside its archives, so the list survives the loss of Plateau's database.

/** One volume of a backup: the claim it belongs to and its archive. */
export interface BackupVolume {
  /** The PersistentVolumeClaim's name in the instance's manifests. */
  readonly claim: string;
  /** The archive's object key in the backup bucket. */
  readonly key: string;
  /** Bytes of the tar stream before compression, and of the archive stored. */
  readonly bytes: number;
  readonly storedBytes: number;
  /** sha256 of the stored archive (hex): a restore refuses an archive that differs. */
  readonly sha256: string;
}

export interface BackupRecord {
  /** Unique on the platform, sortable by time, lowercase: `<yyyymmddthhmmssz>-<suffix>` (a DNS label: it names a Velero Restore). */
  readonly id: string;
  readonly platform: string;
  readonly project: string;
  readonly instance: string;
  /** When the volumes were read (ISO): what a restore of it loses is what came after (RPO). */
  readonly takenAt: string;
  readonly volumes: readonly BackupVolume[];
}

export interface BackupOptions {
  /** The backup's id (the caller decides it, so a retried run after a crash reuses it). */
  readonly id: string;
  readonly takenAt: Date;
  readonly signal?: AbortSignal;
  readonly progress?: (message: string) => void;
}

/** Where a restore writes: the instance itself, or a copy of it (a drill's scratch project). */
export interface RestoreTarget {
  readonly project: string;
  readonly instance: string;
}

export interface RestoreReport {
  readonly backup: string;
  readonly takenAt: string;
  /** The claims restored, with the bytes written. */
  readonly volumes: readonly { readonly claim: string; readonly bytes: number }[];
}

export interface VolumeBackups {
  /** Where backups go, for people (`s3://plateau-backups at http://…`). */
  readonly location: string;
  /** Backs up every volume of the instance now (an instance without volumes gets a record with none). */
  backup(project: string, instance: string, options: BackupOptions): Promise<BackupRecord>;
  /** The complete backups of the project (of one instance when given), newest first; a backup whose manifest is missing does not exist. */
  list(project: string, instance?: string): Promise<BackupRecord[]>;
  /**
   * Restores the backup's volumes into the target's: every archive is downloaded and checked
   * against its sha256 before any volume is replaced (ConflictError `backup-corrupt` otherwise,
   * and nothing changed). The target's workload must be stopped (the engine's business).
   */
  restore(record: BackupRecord, target: RestoreTarget, options?: { readonly signal?: AbortSignal }): Promise<RestoreReport>;
  /** Removes the backup: its manifest first (it no longer exists), then its archives. */
  remove(record: BackupRecord): Promise<void>;
}

/** The volume backups of each podman platform that has `spec.backups`; undefined otherwise. */
export interface VolumeBackupsRegistry {
  backupsFor(platform: string): Promise<VolumeBackups | undefined>;
}
