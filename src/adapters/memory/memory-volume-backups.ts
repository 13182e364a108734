// VolumeBackups in memory, beside the podman one (adapters/podman/volume-backups.ts) and
// passing the same contract: the volumes are byte arrays tests set, the archives are copies.
import { createHash } from "node:crypto";
import { ConflictError, NotFoundError } from "../../core/errors.js";
import type { BackupRecord, RestoreTarget, VolumeBackups } from "../../core/ports/volume-backups.js";

export interface MemoryVolumeBackups extends VolumeBackups {
  /** The volumes, by `<project>/<instance>` then claim: what tests write and read. */
  readonly volumes: Map<string, Map<string, Buffer>>;
  /** The stored archives, by key (a test may corrupt one). */
  readonly archives: Map<string, Buffer>;
}

const sha256 = (bytes: Buffer): string => createHash("sha256").update(bytes).digest("hex");

export function createMemoryVolumeBackups(platform = "local"): MemoryVolumeBackups {
  const volumes = new Map<string, Map<string, Buffer>>();
  const archives = new Map<string, Buffer>();
  const manifests = new Map<string, BackupRecord>();
  const prefix = (project: string, instance?: string) => `${project}/${instance === undefined ? "" : `${instance}/`}`;

  return {
    volumes,
    archives,
    location: `memory://${platform}`,
    async backup(project, instance, options) {
      const own = volumes.get(`${project}/${instance}`) ?? new Map<string, Buffer>();
      const record: BackupRecord = {
        id: options.id,
        platform,
        project,
        instance,
        takenAt: options.takenAt.toISOString(),
        volumes: [...own.entries()]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([claim, bytes]) => {
            const key = `${project}/${instance}/${options.id}/${claim}.tar.gz`;
            archives.set(key, Buffer.from(bytes));
            return { claim, key, bytes: bytes.length, storedBytes: bytes.length, sha256: sha256(bytes) };
          }),
      };
      manifests.set(`${project}/${instance}/${options.id}`, record);
      return record;
    },
    async list(project, instance) {
      return [...manifests.entries()]
        .filter(([key]) => key.startsWith(prefix(project, instance)))
        .map(([, record]) => record)
        .sort((a, b) => b.takenAt.localeCompare(a.takenAt) || b.id.localeCompare(a.id));
    },
    async restore(given: BackupRecord, target: RestoreTarget) {
      // What the backup holds is read from the store, never from the caller's record.
      const record = manifests.get(`${given.project}/${given.instance}/${given.id}`);
      if (!record) throw new NotFoundError("backup", `${given.project}/${given.instance}/${given.id}`);
      // Every archive checked before anything is replaced.
      const checked = record.volumes.map((volume) => {
        const bytes = archives.get(volume.key);
        if (!bytes || sha256(bytes) !== volume.sha256)
          throw new ConflictError(`the archive of ${volume.claim} in backup ${record.id} does not match its checksum: nothing was restored`, {
            reason: "backup-corrupt",
            params: { backup: record.id, claim: volume.claim },
          });
        return { claim: volume.claim, bytes };
      });
      // The backup's volumes replaced; the target's others left alone (as podman's).
      const own = volumes.get(`${target.project}/${target.instance}`) ?? new Map<string, Buffer>();
      for (const { claim, bytes } of checked) own.set(claim, Buffer.from(bytes));
      volumes.set(`${target.project}/${target.instance}`, own);
      return { backup: record.id, takenAt: record.takenAt, volumes: checked.map(({ claim, bytes }) => ({ claim, bytes: bytes.length })) };
    },
    async remove(record) {
      manifests.delete(`${record.project}/${record.instance}/${record.id}`);
      for (const volume of record.volumes) archives.delete(volume.key);
    },
  };
}
