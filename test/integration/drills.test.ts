// A drill over the memory engine and the memory volume backups (the real podman one is in
// test/integration/drill-podman.test.ts): what it copies, measures, reports and removes.
import { describe, expect, it } from "vitest";
import { createMemoryVolumeBackups } from "../../src/adapters/memory/memory-volume-backups.js";
import { alice, clusterPlatform, memoryPlateau } from "../support/plateau.js";
import { ConflictError } from "../../src/core/errors.js";
import { parseProject, serialize } from "../../src/core/model.js";
import type { Clock } from "../../src/core/ports/clock.js";
import { projectPath } from "../../src/core/repository/layout.js";
import { isDrillProject } from "../../src/core/recovery/drill-plan.js";

/** A clock that moves 250 ms at each reading: every step of a drill takes time. */
function tickingClock(start: string): Clock {
  let at = Date.parse(start);
  return { now: () => new Date((at += 250)) };
}

async function setup() {
  const backups = createMemoryVolumeBackups("local");
  let answers = true;
  const ctx = await memoryPlateau({
    clock: tickingClock("2026-12-01T12:00:00.000Z"),
    volumeBackups: { backupsFor: async (platform) => (platform === "local" ? backups : undefined) },
    answers: async (endpoint) => answers && ctx.engine.serve(endpoint) !== undefined,
  } as Parameters<typeof memoryPlateau>[0] & object);
  const { plateau, repo } = ctx;
  for (const name of ["demo", "plain"]) await plateau.services.projects.create({ name, lab: "imb" }, alice);
  // demo is backed up by its file; plain is not (not institutional).
  const head = await repo.head();
  const demo = parseProject((await repo.readFile(head ?? "", projectPath("demo"))) ?? "", "demo");
  await repo.commit({
    parent: head,
    author: { name: "oscar", email: "oscar@example.org" },
    message: "demo is backed up",
    trailers: {},
    changes: [{ path: projectPath("demo"), content: serialize({ ...demo, spec: { ...demo.spec, recovery: { backups: true } } }) }],
  });
  await plateau.refresh();
  for (const [project, name] of [
    ["demo", "site"],
    ["demo", "blog"],
    ["plain", "site"],
  ] as const)
    await plateau.services.instances.launch({ template: "static-site", project, name, platform: "local" }, alice);
  await ctx.reconciler.reconcileOnce();
  backups.volumes.set("demo/site", new Map([["data", Buffer.from("as backed up")]]));
  return { ...ctx, backups, setAnswers: (value: boolean) => (answers = value) };
}

describe("a drill of a podman platform", () => {
  it("copies each backed-up instance from its newest backup into a scratch project, measures RTO and RPO, and removes the copies", async () => {
    const ctx = await setup();
    const takenAt = "2026-12-01T09:00:00.000Z";
    await ctx.backups.backup("demo", "site", { id: "20261201T090000Z-aaaa", takenAt: new Date(takenAt) });
    const head = await ctx.repo.head();
    const lines: string[] = [];
    const report = await ctx.plateau.services.drills.run("local", { progress: (line) => lines.push(`${line.instance} ${line.message}`) });

    expect(report.platform).toBe("local");
    expect(report.recoverySite).toBe("local");
    expect(isDrillProject(report.scratchProject)).toBe(true);
    // Only the backed-up project's instances; blog has no backup: said, not restored.
    expect(report.instances.map((i) => `${i.project}/${i.instance}`)).toEqual(["demo/blog", "demo/site"]);
    const [blog, site] = report.instances;
    expect(blog).toMatchObject({ backup: null, answered: false, rpoSeconds: null, rtoSeconds: null, error: { code: "no-backup" } });
    expect(site).toMatchObject({ backup: { id: "20261201T090000Z-aaaa", takenAt }, answered: true });
    expect(site?.rpoSeconds).toBe((Date.parse(report.startedAt) - Date.parse(takenAt)) / 1000);
    expect(site?.rtoSeconds).toBeGreaterThan(0);
    expect(site?.rtoSeconds ?? Infinity).toBeLessThanOrEqual((Date.parse(report.finishedAt) - Date.parse(report.startedAt)) / 1000);
    expect(report.overheadSeconds).toBeGreaterThan(0);
    // The restore went to the copy, never to the original.
    expect(ctx.backups.volumes.get(`${report.scratchProject}/site`)?.get("data")?.toString()).toBe("as backed up");
    // The copies are gone, the originals run, the desired state is untouched.
    const units = await ctx.engine.observe();
    expect(units.filter((unit) => isDrillProject(unit.project))).toEqual([]);
    expect(units.map((unit) => `${unit.project}/${unit.instance}`).sort()).toEqual(["demo/blog", "demo/site", "plain/site"]);
    expect(await ctx.repo.head()).toBe(head);
    // Stored, and the project's recovery view shows its part.
    expect(await ctx.plateau.services.drillReports.list({ limit: 5 })).toEqual([report]);
    const view = await ctx.plateau.services.recovery.projectRecovery("demo");
    expect(view.latestDrill?.id).toBe(report.id);
    expect(view.instances).toEqual([
      { instance: "blog", platform: "local", newestBackup: null },
      { instance: "site", platform: "local", newestBackup: { id: "20261201T090000Z-aaaa", takenAt } },
    ]);
    expect(view.drillOverdue).toBe(false);
    expect((await ctx.plateau.services.recovery.projectRecovery("plain")).latestDrill).toBeNull();
    expect(lines.some((line) => line.startsWith("demo/site restoring backup 20261201T090000Z-aaaa"))).toBe(true);
  });

  it("reports a copy that does not answer, and a corrupt backup, and still removes every copy", async () => {
    const ctx = await setup();
    const record = await ctx.backups.backup("demo", "site", { id: "20261201T100000Z-bbbb", takenAt: new Date("2026-12-01T10:00:00.000Z") });
    await ctx.backups.backup("demo", "blog", { id: "20261201T100000Z-cccc", takenAt: new Date("2026-12-01T10:00:00.000Z") });
    const key = record.volumes[0]?.key ?? "";
    ctx.backups.archives.set(key, Buffer.from("tampered"));
    ctx.setAnswers(false);
    const report = await ctx.plateau.services.drills.run("local");
    expect(report.instances.map((i) => [i.instance, i.answered, i.error?.code])).toEqual([
      ["blog", false, "not-answering"],
      ["site", false, "backup-corrupt"],
    ]);
    expect((await ctx.engine.observe()).filter((unit) => isDrillProject(unit.project))).toEqual([]);
  });

  it("removes what a drill killed midway left, at the next start; the reconciler leaves a running drill's copies alone", async () => {
    const ctx = await setup();
    const leftover = { project: "drill-local-dead00", instance: "site", hash: "h", objects: [] };
    await ctx.engine.apply(leftover, { secrets: {}, progress: () => undefined });
    await ctx.reconciler.reconcileOnce();
    expect((await ctx.engine.observe()).some((unit) => unit.project === "drill-local-dead00")).toBe(true);
    const lines: string[] = [];
    await ctx.plateau.services.drills.run("local", { progress: (line) => lines.push(line.message) });
    expect((await ctx.engine.observe()).some((unit) => isDrillProject(unit.project))).toBe(false);
    expect(lines[0]).toContain("drill-local-dead00/site");
  });

  it("answers a clear conflict on a cluster platform: drills run on podman platforms for now", async () => {
    const ctx = await memoryPlateau({}, [clusterPlatform()]);
    const error = await ctx.plateau.services.drills.run("plmshift").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).reason).toBe("drill-on-cluster");
  });
});
