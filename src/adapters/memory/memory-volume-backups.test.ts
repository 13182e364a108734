import { randomBytes } from "node:crypto";
import { describeVolumeBackupsContract } from "../../core/ports/volume-backups.contract.js";
import { createMemoryVolumeBackups } from "./memory-volume-backups.js";

// A volume in memory is one byte array: here, its files as sorted JSON.
const encode = (files: Readonly<Record<string, string>>): Buffer =>
  Buffer.from(JSON.stringify(Object.fromEntries(Object.entries(files).sort(([a], [b]) => a.localeCompare(b)))), "utf8");

describeVolumeBackupsContract("memory", async () => {
  const backups = createMemoryVolumeBackups("local");
  return {
    backups,
    async writeVolume(project, instance, claim, files) {
      const own = backups.volumes.get(`${project}/${instance}`) ?? new Map<string, Buffer>();
      own.set(claim, encode(files));
      backups.volumes.set(`${project}/${instance}`, own);
    },
    async readVolume(project, instance, claim) {
      const bytes = backups.volumes.get(`${project}/${instance}`)?.get(claim);
      return bytes === undefined ? undefined : (JSON.parse(bytes.toString("utf8")) as Record<string, string>);
    },
    async corruptArchive(key) {
      const bytes = backups.archives.get(key);
      if (!bytes) throw new Error(`no archive ${key}`);
      const damaged = Buffer.from(bytes);
      damaged[0] = (damaged[0] ?? 0) ^ 0xff;
      backups.archives.set(key, damaged);
    },
    unique: (base) => `${base}-${randomBytes(3).toString("hex")}`,
  };
});
