// The `backups <platform>` task and a person's "back up now" (ADR 0034) over the memory
// VolumeBackups, on the fake clock: who is backed up, one at a time, failures, retention.
import { describe, expect, it } from "vitest";
import { alice, instanceHarness, type InstanceHarness } from "../support/instances.js";
import { createMemoryVolumeBackups } from "../../src/adapters/memory/memory-volume-backups.js";
import { parseInstance, parseProject, serialize, type ProjectDocument } from "../../src/core/model.js";
import { silentLogger } from "../../src/core/ports/logger.js";
import type { VolumeBackups, VolumeBackupsRegistry } from "../../src/core/ports/volume-backups.js";
import { instancePath, projectPath } from "../../src/core/repository/layout.js";
import { createScheduler } from "../../src/core/scheduler/scheduler.js";
import { createFakeClock } from "../../src/core/testing/fake-clock.js";
import { scheduleVolumeBackups } from "../../src/core/recovery/backup-task.js";
import { createVolumeBackupService } from "../../src/core/recovery/backups.js";

const DEFAULTS = { everyHours: 24, retentionDays: 14, drillEveryDays: 90 };
const HOUR = 3_600_000;

async function withRecovery(h: InstanceHarness, project: string, recovery: ProjectDocument["spec"]["recovery"]) {
  const text = (await h.read(projectPath(project))) ?? "";
  const document = parseProject(text, projectPath(project));
  await h.repo.commit({
    parent: await h.head(),
    author: { name: "Operator", email: "op@example.org" },
    message: `recovery of ${project}`,
    trailers: {},
    changes: [{ path: projectPath(project), content: serialize({ ...document, spec: { ...document.spec, recovery } }) }],
  });
  await h.sync();
}

describe("the backups task", () => {
  it("backs up the platform's due instances of backed-up projects one at a time, retries failures without blocking others, and expires", async () => {
    const h = await instanceHarness();
    for (const name of ["a", "b"]) await h.service.launch({ template: "static-site", project: "demo", name, platform: "local" }, alice);
    await h.service.launch({ template: "static-site", project: "demo", name: "elsewhere", platform: "spare" }, alice);
    await h.service.launch({ template: "static-site", project: "alice", name: "mine", platform: "local" }, alice);
    await withRecovery(h, "demo", { backups: true, everyHours: 6, retentionDays: 1 });

    const clock = createFakeClock("2026-03-01T09:00:00.000Z");
    const memory = createMemoryVolumeBackups("local");
    let failing: string | undefined;
    let concurrent = 0;
    let mostAtOnce = 0;
    const local: VolumeBackups = {
      ...memory,
      async backup(project, instance, options) {
        concurrent++;
        mostAtOnce = Math.max(mostAtOnce, concurrent);
        try {
          await new Promise((resolve) => setImmediate(resolve));
          if (instance === failing) throw new Error("the bucket is unreachable");
          return await memory.backup(project, instance, options);
        } finally {
          concurrent--;
        }
      },
    };
    const registry: VolumeBackupsRegistry = { backupsFor: async (platform) => (platform === "local" ? local : undefined) };
    let seed = 0;
    const service = createVolumeBackupService({
      repo: h.repo,
      index: h.index,
      registry,
      defaults: DEFAULTS,
      clock,
      random: { int: (n) => seed++ % n },
      logger: silentLogger,
    });
    const scheduler = createScheduler({ clock, timers: clock, random: { int: () => 0 }, logger: silentLogger });
    const task = scheduleVolumeBackups({ scheduler, service, platform: "local", intervalMs: 300_000, logger: silentLogger });
    const ids = async (instance: string) => (await memory.list("demo", instance)).map((record) => record.takenAt);
    try {
      // At start: demo/a and demo/b (not demo/elsewhere on spare, nor alice's project, not backed up by default).
      task.start();
      await scheduler.idle();
      expect(await ids("a")).toEqual(["2026-03-01T09:00:00.000Z"]);
      expect(await ids("b")).toEqual(["2026-03-01T09:00:00.000Z"]);
      expect(await memory.list("alice")).toEqual([]);
      expect(mostAtOnce).toBe(1);
      const [record] = await memory.list("demo", "a");
      expect(record?.id).toMatch(/^20260301t090000z-[a-z0-9]{6}$/);

      // Not due before everyHours.
      await clock.advance(300_000);
      await scheduler.idle();
      expect(await ids("a")).toHaveLength(1);

      // demo/a fails: demo/b is backed up all the same, and demo/a at the next run.
      failing = "a";
      await clock.advance(6 * HOUR);
      await scheduler.idle();
      expect(await ids("a")).toHaveLength(1);
      expect(await ids("b")).toHaveLength(2);
      failing = undefined;
      await clock.advance(300_000);
      await scheduler.idle();
      expect(await ids("a")).toHaveLength(2);

      // Past the retention (a day): the older go, the newest stays.
      for (let step = 0; step < 6; step++) {
        await clock.advance(5 * HOUR);
        await scheduler.idle();
      }
      const kept = await ids("b");
      expect(kept.length).toBeGreaterThan(0);
      expect(kept).not.toContain("2026-03-01T09:00:00.000Z");
      expect(kept.every((takenAt) => clock.now().getTime() - Date.parse(takenAt) <= 24 * HOUR + 300_000)).toBe(true);
      expect(task.status().failures).toBe(0);
    } finally {
      await scheduler.stop();
    }
  });

  it("lists an instance's backups and backs it up now; a platform without backups says so", async () => {
    const h = await instanceHarness();
    await h.service.launch({ template: "static-site", project: "demo", name: "a", platform: "local" }, alice);
    await h.service.launch({ template: "static-site", project: "demo", name: "far", platform: "spare" }, alice);
    const memory = createMemoryVolumeBackups("local");
    const service = createVolumeBackupService({
      repo: h.repo,
      index: h.index,
      registry: { backupsFor: async (platform) => (platform === "local" ? memory : undefined) },
      defaults: DEFAULTS,
      clock: h.clock,
      random: { int: () => 1 },
      logger: silentLogger,
    });
    const taken = await service.backupNow("demo", "a");
    expect(taken).toMatchObject({ id: "20260301t090000z-bbbbbb", project: "demo", instance: "a" });
    expect(await service.list("demo", "a")).toEqual([taken]);
    await expect(service.backupNow("demo", "far")).rejects.toMatchObject({ reason: "no-volume-backups", params: { platform: "spare" } });
    expect(await service.list("demo", "far")).toEqual([]);
    await expect(service.list("demo", "nope")).rejects.toMatchObject({ code: "not-found" });
  });
});

describe("an in-place restore by a person", () => {
  it("commits the instance's own backup (the newest by default) as its spec.restore, once; refuses unknown ids and other instances' backups", async () => {
    const memory = createMemoryVolumeBackups("local");
    // An adapter that (wrongly) answers other instances' records too: the command checks them again.
    const leaky: VolumeBackups = { ...memory, list: async (project) => memory.list(project) };
    let adapter: VolumeBackups = memory;
    const h = await instanceHarness({ extra: { volumeBackups: { backupsFor: async (platform) => (platform === "local" ? adapter : undefined) } } });
    await h.service.launch({ template: "static-site", project: "demo", name: "a", platform: "local" }, alice);
    await h.service.launch({ template: "static-site", project: "demo", name: "b", platform: "local" }, alice);
    await h.service.launch({ template: "static-site", project: "demo", name: "far", platform: "spare" }, alice);
    const unchanged = async (action: Promise<unknown>, matcher: object) => {
      const head = await h.head();
      await expect(action).rejects.toMatchObject(matcher);
      expect(await h.head()).toBe(head);
    };
    await unchanged(h.service.restore("demo", "a", undefined, alice), { code: "input", issues: [{ pointer: "/backup", rule: "exists" }] });

    const older = await memory.backup("demo", "a", { id: "20260301t090000z-older1", takenAt: new Date("2026-03-01T09:00:00Z") });
    const newest = await memory.backup("demo", "a", { id: "20260302t090000z-newer1", takenAt: new Date("2026-03-02T09:00:00Z") });
    const ofB = await memory.backup("demo", "b", { id: "20260302t100000z-bbbbbb", takenAt: new Date("2026-03-02T10:00:00Z") });
    const ofOther = await memory.backup("other", "a", { id: "20260302t110000z-other1", takenAt: new Date("2026-03-02T11:00:00Z") });

    const restored = await h.service.restore("demo", "a", undefined, alice, "key-1");
    expect(restored.commit).not.toBeNull();
    expect(restored.backup).toEqual({ id: newest.id, platform: "local", takenAt: newest.takenAt });
    const intent = parseInstance((await h.read(instancePath("demo", "a"))) ?? "", "a");
    expect(intent.spec.restore).toEqual({ backup: newest.id, platform: "local", takenAt: newest.takenAt, reason: "restore requested by alice" });
    expect((await h.repo.log({ limit: 1 }))[0]).toMatchObject({
      subject: `restore demo/a from backup ${newest.id}`,
      trailers: { "Plateau-Action": "restore" },
    });
    // Rendered among its objects, for the podman engine to perform.
    const files = await h.files("rendered/local/demo/a");
    expect(files.filter((file) => /restore-/.test(file))).toHaveLength(1);
    // The same request again, or the same backup again: no commit.
    expect((await h.service.restore("demo", "a", undefined, alice, "key-1")).commit).toBe(restored.commit);
    const head = await h.head();
    expect((await h.service.restore("demo", "a", newest.id, alice)).commit).toBeNull();
    expect(await h.head()).toBe(head);
    // An older one: a commit.
    expect((await h.service.restore("demo", "a", older.id, alice)).commit).not.toBeNull();

    // Unknown ids, another instance's backup, another project's: refused by /backup, nothing committed.
    await unchanged(h.service.restore("demo", "a", "20990101t000000z-nope00", alice), { code: "input", issues: [{ pointer: "/backup" }] });
    await unchanged(h.service.restore("demo", "a", ofB.id, alice), { code: "input", issues: [{ pointer: "/backup" }] });
    await unchanged(h.service.restore("demo", "a", ofOther.id, alice), { code: "input", issues: [{ pointer: "/backup" }] });
    adapter = leaky;
    await unchanged(h.service.restore("demo", "a", ofB.id, alice), { code: "input", issues: [{ pointer: "/backup" }] });
    await unchanged(h.service.restore("demo", "a", "../../etc", alice), { code: "input", issues: [{ pointer: "/backup", rule: "pattern" }] });
    // A platform without volume backups says so.
    await unchanged(h.service.restore("demo", "far", undefined, alice), { reason: "no-volume-backups", params: { platform: "spare" } });
  });
});
