// Failover and failback of PLMapps (examples/community) with instances of three projects
// (ADR 0034): ONE commit each, placements on PLMopp explained, Velero Restores under
// `_recovery/` validated against Velero's CRD, the RPO of each instance the age of the backup
// the test arranged; run again, nothing is committed and the report is the same.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createMemoryEngine } from "../../src/adapters/memory/memory-engine.js";
import { createMemoryRepository } from "../../src/adapters/memory/memory-repository.js";
import { createMemoryVolumeBackups } from "../../src/adapters/memory/memory-volume-backups.js";
import { localPlatformDocument } from "../../src/core/platforms/service.js";
import type { RecoveryReport } from "../../src/contracts/recovery.js";
import { parseInstance, parsePlatform, type PlatformDocument } from "../../src/core/model.js";
import type { ClusterBackup, ClusterBackups, ClusterBackupsRegistry } from "../../src/core/ports/cluster-backups.js";
import { createCrdValidator } from "../../src/core/render/crd-validate.js";
import type { KubeObject } from "../../src/core/render/kube.js";
import { createFailover } from "../../src/core/recovery/failover-service.js";
import { fromYaml } from "../../src/core/yaml.js";
import { memoryApp } from "../support/app.js";
import { createTestClock } from "../support/clock.js";
import { testCrds } from "../support/plateau.js";

const DIR = join(import.meta.dirname, "..", "..", "examples", "community", "platforms");
let community: PlatformDocument[] = [];
beforeAll(async () => {
  const files = (await readdir(DIR)).filter((file) => file.endsWith(".yaml")).sort();
  community = await Promise.all(files.map(async (file) => parsePlatform(await readFile(join(DIR, file), "utf8"), file)));
});

const HOUR = 3_600_000;

/**
 * Velero's backups as the recovery site's cluster API shows them (helper 2's adapter reads the
 * real ones): arranged per project, and a `request` that makes a backup InProgress, then
 * Completed at its next reading.
 */
function fakeClusterBackups(clock: { now(): Date }) {
  const byProject = new Map<string, ClusterBackup[]>();
  const requested: string[] = [];
  const store: ClusterBackups = {
    async list(project) {
      const backups = byProject.get(project) ?? [];
      const listed = [...backups];
      // What was in progress completes once it has been seen so.
      byProject.set(
        project,
        backups.map((backup) => (backup.phase === "InProgress" ? { ...backup, phase: "Completed", completedAt: clock.now().toISOString() } : backup)),
      );
      return listed;
    },
    async request(project, name) {
      requested.push(`${project}/${name}`);
      const startedAt = clock.now().toISOString();
      byProject.set(project, [{ name, project, phase: "InProgress", startedAt }, ...(byProject.get(project) ?? [])]);
    },
  };
  const registry: ClusterBackupsRegistry = { backupsFor: async (platform) => (platform === "plmopp" ? store : undefined) };
  return { registry, byProject, requested };
}

describe("failover of plmapps to plmopp, then failback", () => {
  it(
    "moves three projects' instances in one commit, restores from their newest backups, reports RPO and RTO, and brings them back",
    { timeout: 60_000 },
    async () => {
      const clock = createTestClock("2026-12-06T12:00:00.000Z");
      const backups = fakeClusterBackups(clock);
      const engines = new Map([
        ["podman", createMemoryEngine()],
        ["argocd", createMemoryEngine()],
      ]);
      const fixture = await memoryApp({
        clock,
        repo: createMemoryRepository({ clock }),
        platforms: community,
        adapters: { engines, clusterBackups: backups.registry },
      });
      const { plateau, adapters, repo } = fixture;
      const services = plateau.services;
      const people = {
        alice: { login: "alice", name: "alice", email: "alice@example.org" },
        oscar: { login: "oscar", name: "oscar", email: "oscar@example.org" },
      };

      // Three institutional projects, their instances pinned on plmapps.
      for (const [project, lab] of [
        ["physics", "imb"],
        ["astro", "imb"],
        ["bio", "imb"],
      ] as const) {
        await services.projects.create({ name: project, lab, title: project }, people.alice);
        await services.projects.setTiers(project, ["institutional"], people.oscar);
      }
      const launch = (project: string, name: string) =>
        services.instances.launch({ template: "static-site", project, name, platform: "plmapps" }, people.alice);
      await launch("physics", "wiki");
      await launch("physics", "notes");
      await launch("astro", "site");
      await launch("bio", "lab");
      await services.instances.stop("astro", "site", people.alice);

      // Backups the recovery site's Velero sees: physics 5 h old (a newer one failed), astro 2 h, bio none.
      const ago = (hours: number) => new Date(clock.now().getTime() - hours * HOUR).toISOString();
      backups.byProject.set("physics", [
        { name: "physics-20261206110000", project: "physics", phase: "PartiallyFailed", startedAt: ago(1) },
        { name: "physics-20261206070000", project: "physics", phase: "Completed", startedAt: ago(5), completedAt: ago(4.9) },
      ]);
      backups.byProject.set("astro", [{ name: "astro-20261206100000", project: "astro", phase: "Completed", startedAt: ago(2), completedAt: ago(1.9) }]);

      const oscar = await fixture.as("oscar");
      const before = (await repo.head()) ?? "";
      const commitsBefore = (await repo.log({ limit: 1000 })).length;
      const failover = async (key: string) =>
        fixture.app.inject({
          method: "POST",
          url: "/api/v1/recovery/platforms/plmapps/failover",
          headers: { ...oscar, "idempotency-key": key },
          payload: { reason: "the Paris site is flooded" },
        });
      const first = await failover("flood-1");
      expect(first.statusCode, first.body).toBe(200);
      const report = first.json() as RecoveryReport;

      // Exactly one commit, saying why and listing the instances.
      const log = await repo.log({ limit: 1000 });
      expect(log.length).toBe(commitsBefore + 1);
      const commit = log[0];
      expect(commit?.subject).toBe("failover plmapps to plmopp: the Paris site is flooded");
      expect(commit?.trailers).toMatchObject({ "Plateau-Action": "failover", "Plateau-Platform": "plmapps", "Plateau-Reason": "the Paris site is flooded" });
      expect(commit?.trailers["Plateau-Request-Id"]).toMatch(/^[0-9a-f]{64}$/);
      expect(report).toMatchObject({
        platform: "plmapps",
        recoveryPlatform: "plmopp",
        state: "failed-over",
        action: "failover",
        commit: commit?.id,
        by: "oscar",
      });

      // Placements on plmopp, explained; the stopped one moved, stopped.
      const head = (await repo.head()) ?? "";
      const intent = async (project: string, name: string) =>
        parseInstance((await repo.readFile(head, `projects/${project}/instances/${name}.yaml`)) ?? "", name);
      for (const [project, name] of [
        ["physics", "wiki"],
        ["physics", "notes"],
        ["astro", "site"],
        ["bio", "lab"],
      ] as const) {
        expect((await intent(project, name)).placement).toEqual({ platform: "plmopp", reason: "failover from plmapps: the Paris site is flooded (by oscar)" });
        expect(await repo.listDirectory(head, `rendered/plmapps/${project}/${name}`)).toEqual([]);
        expect((await repo.listDirectory(head, `rendered/plmopp/${project}/${name}`)).length).toBeGreaterThan(0);
      }
      expect((await intent("astro", "site")).spec.state).toBe("stopped");
      expect((await intent("physics", "wiki")).spec.restore).toEqual({
        backup: "physics-20261206070000",
        platform: "plmapps",
        takenAt: ago(5),
        reason: "failover from plmapps",
      });
      expect((await intent("bio", "lab")).spec.restore).toBeUndefined();

      // The Restores, under _recovery/, valid against Velero's CRD (and none for the instance without backup).
      const velero = createCrdValidator(await testCrds());
      expect(velero.knows("velero.io/v1", "Restore")).toBe(true);
      for (const [project, name, backup] of [
        ["physics", "wiki", "physics-20261206070000"],
        ["physics", "notes", "physics-20261206070000"],
        ["astro", "site", "astro-20261206100000"],
      ] as const) {
        const files = await repo.listDirectory(head, `rendered/plmopp/${project}/_recovery/${name}`);
        expect(files).toHaveLength(1);
        const restore = fromYaml((await repo.readFile(head, `rendered/plmopp/${project}/_recovery/${name}/${files[0]?.name}`)) ?? "", "restore") as KubeObject;
        expect(restore).toMatchObject({ kind: "Restore", spec: { backupName: backup, includedNamespaces: [project] } });
        velero.validate([restore]);
      }
      expect(await repo.listDirectory(head, "rendered/plmopp/bio/_recovery/lab")).toEqual([]);
      // The recovery site's Argo CD gets the three projects' AppProjects in that one commit.
      const changed = (await repo.changedPaths(before, head, "")).map((change) => change.path);
      for (const project of ["physics", "astro", "bio"]) expect(changed.some((path) => path.startsWith(`rendered/plmopp/${project}/_project/`))).toBe(true);

      // RPO per instance = the arranged backup's age; none without backup; no RTO until observed running.
      const row = (r: RecoveryReport, ref: string) => r.items.find((item) => `${item.project}/${item.instance}` === ref);
      expect(report.items.map((item) => [`${item.project}/${item.instance}`, item.state, item.backup?.id ?? null, item.rpoSeconds, item.rtoSeconds])).toEqual([
        ["astro/site", "failed-over", "astro-20261206100000", 2 * 3600, null],
        ["bio/lab", "failed-over", null, null, null],
        ["physics/notes", "failed-over", "physics-20261206070000", 5 * 3600, null],
        ["physics/wiki", "failed-over", "physics-20261206070000", 5 * 3600, null],
      ]);

      // Run again: with its key, or as a new request: no commit, the same report.
      clock.advance(60_000);
      const again = await failover("flood-1");
      expect(again.json()).toEqual(report);
      const anew = await failover("flood-2");
      expect(anew.json()).toEqual(report);
      expect(await repo.head()).toBe(head);

      // The same service over the stores themselves (the server's reads statuses through its cache, which
      // only the reconciler's writes refresh), its waits on the test's clock.
      const recovery = createFailover({
        repo,
        index: adapters.index,
        statuses: adapters.statuses,
        clock,
        instances: services.instances,
        clusterBackups: backups.registry,
        sleep: async (ms) => clock.advance(ms),
        pollMs: 1000,
      });
      // The recovery site runs wiki 90 s after the commit: its RTO.
      await adapters.statuses.setStatus({
        project: "physics",
        instance: "wiki",
        platform: "plmopp",
        phase: "running",
        reason: "running",
        reasonCode: "reported",
        reasonParams: { reason: "running" },
        appliedHash: null,
        endpoint: null,
        updatedAt: new Date(Date.parse(commit?.authoredAt ?? "") + 90_000).toISOString(),
      });
      expect(row(await recovery.status("plmapps"), "physics/wiki")?.rtoSeconds).toBe(90);
      const status = await fixture.app.inject({ url: "/api/v1/recovery/platforms/plmapps", headers: oscar });
      expect((status.json() as RecoveryReport).items).toHaveLength(4);
      const overview = await fixture.app.inject({ url: "/api/v1/recovery/platforms", headers: oscar });
      expect((overview.json() as { items: RecoveryReport[] }).items.map((item) => [item.platform, item.state])).toEqual([["plmapps", "failed-over"]]);

      // Failback: a fresh backup of each project first (waited for until Completed), then one commit back.
      clock.advance(HOUR);
      const progress: string[] = [];
      const back = await recovery.failback("plmapps", people.oscar, { key: "back-1", progress: (line) => progress.push(line) });
      expect(backups.requested.map((ref) => ref.split("-failback-")[0])).toEqual(["astro/astro", "bio/bio", "physics/physics"]);
      expect(progress.some((line) => line.includes("InProgress"))).toBe(true);
      const backLog = await repo.log({ limit: 1000 });
      expect(backLog.length).toBe(commitsBefore + 2);
      expect(backLog[0]?.subject).toBe("failback plmopp to plmapps");
      expect(backLog[0]?.trailers).toMatchObject({ "Plateau-Action": "failback", "Plateau-Platform": "plmapps" });
      const home = (await repo.head()) ?? "";
      for (const [project, name] of [
        ["physics", "wiki"],
        ["astro", "site"],
        ["bio", "lab"],
      ] as const) {
        const now = parseInstance((await repo.readFile(home, `projects/${project}/instances/${name}.yaml`)) ?? "", name);
        expect(now.placement).toEqual({ platform: "plmapps", reason: "failback to plmapps from plmopp (by oscar)" });
        expect(now.spec.restore).toMatchObject({
          platform: "plmopp",
          reason: "failback to plmapps",
          backup: expect.stringMatching(new RegExp(`^${project}-failback-[0-9a-f]{12}$`)),
        });
        expect((await repo.listDirectory(home, `rendered/plmapps/${project}/_recovery/${name}`)).length).toBe(1);
        expect(await repo.listDirectory(home, `rendered/plmopp/${project}/${name}`)).toEqual([]);
      }
      expect(back).toMatchObject({ state: "normal", action: "failback" });
      expect(back.items.every((item) => item.state === "failed-back" && item.rpoSeconds !== null)).toBe(true);
      // Again with its key: the same answer, no commit, no backup asked twice.
      expect(await recovery.failback("plmapps", people.oscar, { key: "back-1" })).toEqual(back);
      expect(backups.requested).toHaveLength(3);
      expect(await repo.head()).toBe(home);
    },
  );

  it("fails a podman platform over from its volume backups, and back with fresh ones taken once even when the first failback dies before its commit", async () => {
    const clock = createTestClock("2026-12-06T12:00:00.000Z");
    // `spare` (podman) recovers `local`; each keeps its volume backups on the storage site.
    const spare: PlatformDocument = { ...localPlatformDocument("spare.localhost"), metadata: { name: "spare" } };
    const stores = { local: createMemoryVolumeBackups("local"), spare: createMemoryVolumeBackups("spare") };
    const fixture = await memoryApp({
      clock,
      repo: createMemoryRepository({ clock }),
      platforms: [{ ...spare, spec: { ...spare.spec, recoveryFor: "local" } }],
      adapters: { volumeBackups: { backupsFor: async (platform) => (platform === "local" || platform === "spare" ? stores[platform] : undefined) } },
    });
    const { plateau, adapters, repo } = fixture;
    const alice = { login: "alice", name: "alice", email: "alice@example.org" };
    const oscar = { login: "oscar", name: "oscar", email: "oscar@example.org" };
    await plateau.services.instances.launch({ template: "static-site", project: "demo", name: "site", platform: "local" }, alice);
    await plateau.services.instances.launch({ template: "static-site", project: "demo", name: "blank", platform: "local" }, alice);
    stores.local.volumes.set("demo/site", new Map([["data", Buffer.from("before the flood")]]));
    await stores.local.backup("demo", "site", { id: "20261206t090000z-nightly", takenAt: new Date("2026-12-06T09:00:00.000Z") });

    const recovery = createFailover({
      repo,
      index: adapters.index,
      statuses: adapters.statuses,
      clock,
      instances: plateau.services.instances,
      volumeBackups: { backupsFor: async (platform) => (platform === "local" || platform === "spare" ? stores[platform] : undefined) },
      sleep: async () => undefined,
    });
    const report = await recovery.failover("local", "disk controller died", oscar, { key: "podman-1" });
    expect(report.items.map((item) => [item.instance, item.to, item.backup?.id ?? null, item.rpoSeconds])).toEqual([
      ["blank", "spare", null, null],
      ["site", "spare", "20261206t090000z-nightly", 3 * 3600],
    ]);
    // On podman the Restore is among the instance's own objects, for the engine to perform.
    const head = (await repo.head()) ?? "";
    const files = (await repo.listDirectory(head, "rendered/spare/demo/site")).map((entry) => entry.name);
    expect(files.some((name) => name.startsWith("restore-"))).toBe(true);

    // A failback whose commit never happens (Plateau died after the backups): run again, the backups are reused.
    clock.advance(3_600_000);
    const dying = createFailover({
      repo,
      index: adapters.index,
      statuses: adapters.statuses,
      clock,
      instances: { ...plateau.services.instances, recover: async () => Promise.reject(new Error("killed")) },
      volumeBackups: { backupsFor: async (platform) => (platform === "local" || platform === "spare" ? stores[platform] : undefined) },
      sleep: async () => undefined,
    });
    await expect(dying.failback("local", oscar, { key: "back-podman" })).rejects.toThrow("killed");
    const taken = (await stores.spare.list("demo")).map((record) => record.id).sort();
    expect(taken).toHaveLength(2);
    for (const id of taken) expect(id).toMatch(/^20261206t130000z-fb[0-9a-f]{12}$/);
    clock.advance(60_000);
    const back = await recovery.failback("local", oscar, { key: "back-podman" });
    expect((await stores.spare.list("demo")).map((record) => record.id).sort()).toEqual(taken);
    expect(back.items.map((item) => [item.instance, item.state, item.to])).toEqual([
      ["blank", "failed-back", "local"],
      ["site", "failed-back", "local"],
    ]);
    expect(back.items.map((item) => item.backup?.id).sort()).toEqual(taken);
    expect(back.items.every((item) => item.backup?.platform === "spare")).toBe(true);
  });

  it("refuses a platform without a recovery site, and says so per code", async () => {
    const fixture = await memoryApp({ platforms: [] });
    const oscar = await fixture.as("oscar");
    const answer = await fixture.app.inject({
      method: "POST",
      url: "/api/v1/recovery/platforms/local/failover",
      headers: oscar,
      payload: { reason: "test" },
    });
    expect(answer.statusCode).toBe(409);
    expect(answer.json()).toMatchObject({ error: { reason: "no-recovery-platform", params: { platform: "local" } } });
    const head = await fixture.repo.head();
    expect(
      (await fixture.app.inject({ method: "POST", url: "/api/v1/recovery/platforms/nowhere/failover", headers: oscar, payload: { reason: "x" } })).statusCode,
    ).toBe(404);
    expect(await fixture.repo.head()).toBe(head);
  });
});
