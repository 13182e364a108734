// The podman engine's restores (ADR 0034): an instance's objects naming a backup have its
// volumes restored before its pod is played, once per backup id (across restarts of Plateau),
// never from a damaged or missing backup. Real podman; the backups are the memory adapter
// (the podman one is tested against real S3 in test/integration).
import { access, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { silentLogger } from "../../core/ports/logger.js";
import type { ApplyOptions } from "../../core/ports/engine.js";
import type { VolumeBackupsRegistry } from "../../core/ports/volume-backups.js";
import { veleroRestore } from "../../core/render/velero.js";
import { cleanPodmanProject, podmanUnavailable } from "../../../test/support/podman.js";
import { testWebObjects } from "../../../test/support/test-web.js";
import { createMemoryVolumeBackups } from "../memory/memory-volume-backups.js";
import { RefusedManifestError, volumeRestoreOf } from "./adapt.js";
import { createPodmanEngine } from "./podman-engine.js";

const PROJECT = "restore";
const restoreObject = (backup: string, takenAt: string, platform = "local") =>
  veleroRestore({ project: PROJECT, instance: "web", restore: { backup, platform, takenAt, reason: "test" }, veleroNamespace: PROJECT });

describe("adapt: a Restore among an instance's objects", () => {
  it("is read, not run, and one missing its backup's platform is refused", () => {
    expect(volumeRestoreOf(testWebObjects(PROJECT, "web"))).toBeUndefined();
    expect(volumeRestoreOf([...testWebObjects(PROJECT, "web"), restoreObject("20260101t000000z-abcd", "2026-01-01T00:00:00.000Z")])).toEqual({
      backup: "20260101t000000z-abcd",
      platform: "local",
      takenAt: "2026-01-01T00:00:00.000Z",
    });
    const bare = restoreObject("b1", "2026-01-01T00:00:00.000Z");
    expect(() => volumeRestoreOf([{ ...bare, metadata: { ...bare.metadata, annotations: {} } }])).toThrow(RefusedManifestError);
  });
});

describe("podman engine: restores", () => {
  it("restores before it starts, once per backup id even after a restart, never from a damaged or unknown backup", async (context) => {
    const unavailable = await podmanUnavailable();
    if (unavailable) return context.skip(unavailable);
    const runtimeDir = await mkdtemp(join(tmpdir(), "plateau-podman-"));
    const backups = createMemoryVolumeBackups("local");
    const registry: VolumeBackupsRegistry = { backupsFor: async (platform) => (platform === "local" ? backups : undefined) };
    const engineOf = () =>
      createPodmanEngine({
        runtimeDir,
        installation: "restore01",
        stopTimeoutSeconds: 0,
        startupTimeoutMs: 30_000,
        volumeBackups: registry,
        logger: silentLogger,
      });
    const steps: { step: string; params: unknown }[] = [];
    const options: ApplyOptions = { secrets: {}, progress: (_message, step, params) => steps.push({ step, params }) };
    const data = () => backups.volumes.get(`${PROJECT}/web`)?.get("data")?.toString();
    const setData = (text: string) => backups.volumes.set(`${PROJECT}/web`, new Map([["data", Buffer.from(text)]]));
    await cleanPodmanProject(PROJECT);
    try {
      setData("first");
      const good = await backups.backup(PROJECT, "web", { id: "20260101t000000z-good", takenAt: new Date("2026-01-01T00:00:00Z") });
      setData("changed since");
      let engine = engineOf();
      const unit = (hash: string, backup: string) => ({
        project: PROJECT,
        instance: "web",
        hash,
        objects: [...testWebObjects(PROJECT, "web"), restoreObject(backup, "2026-01-01T00:00:00.000Z")],
      });

      const applied = await engine.apply(unit("h1", good.id), options);
      expect(applied.phase).toBe("running");
      expect(data()).toBe("first");
      expect(steps).toContainEqual({ step: "restoring", params: { backup: good.id, takenAt: "2026-01-01T00:00:00.000Z" } });

      // Killed after the import, before the record that it was done: applied again, it is done again (the same result).
      const marker = join(runtimeDir, `plateau-restore01.${PROJECT}.web.restored.json`);
      await rm(marker);
      setData("written by the pod before the crash");
      steps.length = 0;
      engine = engineOf();
      expect((await engine.apply(unit("h1b", good.id), options)).phase).toBe("running");
      expect(data()).toBe("first");
      expect(steps.map((step) => step.step)).toContain("restoring");
      await access(marker);

      // Applied again (another revision), and by a Plateau started again: the restore is not redone.
      setData("written after the restore");
      steps.length = 0;
      engine = engineOf();
      expect((await engine.apply(unit("h2", good.id), options)).phase).toBe("running");
      expect(data()).toBe("written after the restore");
      expect(steps.map((step) => step.step)).not.toContain("restoring");

      // A damaged archive: refused by its checksum, the volumes as they were.
      const damaged = await backups.backup(PROJECT, "web", { id: "20260102t000000z-bad", takenAt: new Date("2026-01-02T00:00:00Z") });
      backups.archives.set(damaged.volumes[0]?.key as string, Buffer.from("not the archive"));
      setData("kept");
      await expect(engine.apply(unit("h3", damaged.id), options)).rejects.toThrow(/does not match its checksum/);
      expect(data()).toBe("kept");
      // An unknown backup, or one of a platform without backups: refused, saying which.
      await expect(engine.apply(unit("h4", "20260103t000000z-none"), options)).rejects.toThrow(
        /backup 20260103t000000z-none of restore\/web is not in memory:\/\/local/,
      );
      await expect(
        engine.apply(
          { ...unit("h5", good.id), objects: [...testWebObjects(PROJECT, "web"), restoreObject(good.id, "2026-01-01T00:00:00.000Z", "elsewhere")] },
          options,
        ),
      ).rejects.toThrow(/platform elsewhere has no volume backups/);
      expect(data()).toBe("kept");

      // Removed with the instance: a new instance of that name restores afresh.
      await engine.remove(PROJECT, "web");
      await expect(access(join(runtimeDir, `plateau-restore01.${PROJECT}.web.restored.json`))).rejects.toThrow();
    } finally {
      await cleanPodmanProject(PROJECT);
      await rm(runtimeDir, { recursive: true, force: true });
    }
  }, 120_000);
});
