import { describe, expect, it } from "vitest";
import { ConflictError, NotFoundError } from "../errors.js";
import type { BackupRecord, VolumeBackups } from "./volume-backups.js";

/** What the contract needs besides the backups: volumes it writes and reads, archives it damages. */
export interface VolumeBackupsFixture {
  readonly backups: VolumeBackups;
  /** Makes the claim's volume of the instance hold exactly these files (path → content), replacing what it held. */
  writeVolume(project: string, instance: string, claim: string, files: Readonly<Record<string, string>>): Promise<void>;
  /** The files of the claim's volume (path → content; not the archive's metadata), undefined when there is no such volume. */
  readVolume(project: string, instance: string, claim: string): Promise<Record<string, string> | undefined>;
  /** Changes one byte of the stored archive at that key. */
  corruptArchive(key: string): Promise<void>;
  /** A name no other run of the suite uses (real servers outlive a test): a DNS label. */
  unique(base: string): string;
}

/**
 * What every VolumeBackups does: the memory one and podman's (real podman, a real Ceph RGW).
 * `setup` is called once per test.
 */
export function describeVolumeBackupsContract(name: string, setup: () => Promise<VolumeBackupsFixture>): void {
  const at = (iso: string) => new Date(iso);
  const idOf = (fixture: VolumeBackupsFixture, base: string) => fixture.unique(base);
  const corrupt = (error: unknown) => error instanceof ConflictError && error.reason === "backup-corrupt";

  describe(`VolumeBackups contract: ${name}`, () => {
    it("backs up every volume of an instance, described by a record its project's list shows", async () => {
      const fixture = await setup();
      const project = fixture.unique("vb");
      await fixture.writeVolume(project, "app", "data", { "hello.txt": "hello\n", "sub/deep.txt": "deep" });
      await fixture.writeVolume(project, "app", "cache", { "c.bin": "x".repeat(10_000) });
      // Claims are unique within a project (podman names volumes by project and claim).
      await fixture.writeVolume(project, "other", "other-data", { "o.txt": "other" });
      const id = idOf(fixture, "b1");
      const record = await fixture.backups.backup(project, "app", { id, takenAt: at("2026-12-01T10:00:00.000Z") });
      expect(record).toMatchObject({ id, project, instance: "app", takenAt: "2026-12-01T10:00:00.000Z" });
      expect(record.volumes.map((volume) => volume.claim)).toEqual(["cache", "data"]);
      for (const volume of record.volumes) {
        expect(volume.sha256).toMatch(/^[0-9a-f]{64}$/);
        expect(volume.bytes).toBeGreaterThan(0);
        expect(volume.storedBytes).toBeGreaterThan(0);
        expect(volume.key).toBe(`${project}/app/${id}/${volume.claim}.tar.gz`);
      }
      expect(await fixture.backups.list(project)).toEqual([record]);
      expect(await fixture.backups.list(project, "app")).toEqual([record]);
      expect(await fixture.backups.list(project, "other")).toEqual([]);
      expect(await fixture.backups.list(fixture.unique("none"))).toEqual([]);
    });

    it("lists backups newest first", async () => {
      const fixture = await setup();
      const project = fixture.unique("vb");
      await fixture.writeVolume(project, "app", "data", { "a.txt": "a" });
      const [middle, newest, oldest] = [idOf(fixture, "middle"), idOf(fixture, "newest"), idOf(fixture, "oldest")];
      await fixture.backups.backup(project, "app", { id: middle, takenAt: at("2026-12-02T00:00:00.000Z") });
      await fixture.backups.backup(project, "app", { id: newest, takenAt: at("2026-12-03T00:00:00.000Z") });
      await fixture.backups.backup(project, "app", { id: oldest, takenAt: at("2026-12-01T00:00:00.000Z") });
      expect((await fixture.backups.list(project)).map((record) => record.id)).toEqual([newest, middle, oldest]);
      expect((await fixture.backups.list(project, "app")).map((record) => record.id)).toEqual([newest, middle, oldest]);
    });

    it("restores what was backed up, byte for byte, into the instance or a copy of it", async () => {
      const fixture = await setup();
      const project = fixture.unique("vb");
      const before = { "hello.txt": "hello\n", "sub/deep.txt": "deep", "random.bin": "r".repeat(100_000) };
      await fixture.writeVolume(project, "app", "data", before);
      await fixture.writeVolume(project, "app", "logs", { "1.log": "one" });
      const record = await fixture.backups.backup(project, "app", { id: idOf(fixture, "b"), takenAt: at("2026-12-01T10:00:00.000Z") });
      // The data changes, a file comes and one goes: the restore gives back the backup's, exactly.
      await fixture.writeVolume(project, "app", "data", { "hello.txt": "changed", "new.txt": "new" });
      await fixture.writeVolume(project, "app", "logs", {});
      const report = await fixture.backups.restore(record, { project, instance: "app" });
      expect(report.backup).toBe(record.id);
      expect(report.takenAt).toBe(record.takenAt);
      expect(report.volumes.map((volume) => volume.claim)).toEqual(["data", "logs"]);
      for (const volume of report.volumes) expect(volume.bytes).toBe(record.volumes.find((v) => v.claim === volume.claim)?.bytes);
      expect(await fixture.readVolume(project, "app", "data")).toEqual(before);
      expect(await fixture.readVolume(project, "app", "logs")).toEqual({ "1.log": "one" });

      // A copy (a drill's scratch project): the source is left as it is.
      const scratch = fixture.unique("scratch");
      await fixture.writeVolume(project, "app", "data", { "later.txt": "later" });
      await fixture.backups.restore(record, { project: scratch, instance: "app" });
      expect(await fixture.readVolume(scratch, "app", "data")).toEqual(before);
      expect(await fixture.readVolume(project, "app", "data")).toEqual({ "later.txt": "later" });
    });

    it("reads the backup from its storage, not from the record it is given", async () => {
      const fixture = await setup();
      const project = fixture.unique("vb");
      await fixture.writeVolume(project, "app", "data", { "a.txt": "backed up" });
      const record = await fixture.backups.backup(project, "app", { id: idOf(fixture, "b"), takenAt: at("2026-12-01T10:00:00.000Z") });
      await fixture.writeVolume(project, "app", "data", { "a.txt": "changed" });
      const forged: BackupRecord = { ...record, volumes: [] };
      const report = await fixture.backups.restore(forged, { project, instance: "app" });
      expect(report.volumes.map((volume) => volume.claim)).toEqual(["data"]);
      expect(await fixture.readVolume(project, "app", "data")).toEqual({ "a.txt": "backed up" });
    });

    it("refuses a backup with a damaged archive, and changes no volume", async () => {
      const fixture = await setup();
      const project = fixture.unique("vb");
      await fixture.writeVolume(project, "app", "a", { "a.txt": "a at backup" });
      await fixture.writeVolume(project, "app", "b", { "b.txt": "b at backup" });
      const record = await fixture.backups.backup(project, "app", { id: idOf(fixture, "b"), takenAt: at("2026-12-01T10:00:00.000Z") });
      await fixture.writeVolume(project, "app", "a", { "a.txt": "a now" });
      await fixture.writeVolume(project, "app", "b", { "b.txt": "b now" });
      // The second archive: the first one is fine, and must not have been restored either.
      await fixture.corruptArchive(record.volumes[1]?.key as string);
      const refused = await fixture.backups.restore(record, { project, instance: "app" }).catch((error: unknown) => error);
      expect(corrupt(refused)).toBe(true);
      expect((refused as ConflictError).params).toEqual({ backup: record.id, claim: "b" });
      expect(await fixture.readVolume(project, "app", "a")).toEqual({ "a.txt": "a now" });
      expect(await fixture.readVolume(project, "app", "b")).toEqual({ "b.txt": "b now" });
    });

    it("removes a backup: no longer listed, no longer restorable", async () => {
      const fixture = await setup();
      const project = fixture.unique("vb");
      await fixture.writeVolume(project, "app", "data", { "a.txt": "a" });
      const kept = await fixture.backups.backup(project, "app", { id: idOf(fixture, "kept"), takenAt: at("2026-12-01T10:00:00.000Z") });
      const removed = await fixture.backups.backup(project, "app", { id: idOf(fixture, "gone"), takenAt: at("2026-12-02T10:00:00.000Z") });
      await fixture.backups.remove(removed);
      await fixture.backups.remove(removed);
      expect(await fixture.backups.list(project)).toEqual([kept]);
      await expect(fixture.backups.restore(removed, { project, instance: "app" })).rejects.toBeInstanceOf(NotFoundError);
    });

    it("backs up an instance without volumes as a backup of none, which restores nothing", async () => {
      const fixture = await setup();
      const project = fixture.unique("vb");
      const record = await fixture.backups.backup(project, "bare", { id: idOf(fixture, "b"), takenAt: at("2026-12-01T10:00:00.000Z") });
      expect(record.volumes).toEqual([]);
      expect(await fixture.backups.list(project, "bare")).toEqual([record]);
      expect(await fixture.backups.restore(record, { project, instance: "bare" })).toEqual({ backup: record.id, takenAt: record.takenAt, volumes: [] });
    });

    it("keeps projects apart: one project's list never shows another's backups, even of a name it begins", async () => {
      const fixture = await setup();
      const first = fixture.unique("vb");
      const second = `${first}-b`;
      await fixture.writeVolume(first, "app", "data", { "a.txt": "first" });
      await fixture.writeVolume(second, "app", "data", { "a.txt": "second" });
      const ofFirst = await fixture.backups.backup(first, "app", { id: idOf(fixture, "b"), takenAt: at("2026-12-01T10:00:00.000Z") });
      const ofSecond = await fixture.backups.backup(second, "app", { id: idOf(fixture, "b"), takenAt: at("2026-12-01T11:00:00.000Z") });
      expect(await fixture.backups.list(first)).toEqual([ofFirst]);
      expect(await fixture.backups.list(second)).toEqual([ofSecond]);
      expect(await fixture.backups.list(first, "app")).toEqual([ofFirst]);
      expect(ofFirst.volumes[0]?.sha256).not.toBe(ofSecond.volumes[0]?.sha256);
    });
  });
}
