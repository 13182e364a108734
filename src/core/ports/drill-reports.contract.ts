import { describe, expect, it } from "vitest";
import type { DrillReport, DrillReports } from "./drill-reports.js";

const report = (id: string, platform: string, startedAt: string, projects: readonly string[]): DrillReport => ({
  id,
  platform,
  recoverySite: platform,
  startedAt,
  finishedAt: new Date(Date.parse(startedAt) + 60_000).toISOString(),
  scratchProject: `drill-${platform}-${id.slice(0, 6)}`,
  instances: projects.map((project, i) => ({
    project,
    instance: `i${i}`,
    backup: { id: `b${i}`, takenAt: "2026-12-01T00:00:00.000Z" },
    rpoSeconds: 3600,
    rtoSeconds: 12.5,
    answered: true,
  })),
  overheadSeconds: 1.25,
});

/** What every DrillReports does: the memory one and the SQL ones (SQLite, PostgreSQL). */
export function describeDrillReportsContract(name: string, create: () => Promise<DrillReports>): void {
  describe(`DrillReports contract: ${name}`, () => {
    it("keeps a report as given, once per id", async () => {
      const reports = await create();
      const first = report("a1", "local", "2026-12-01T10:00:00.000Z", ["demo", "other"]);
      const failed: DrillReport = {
        ...report("a2", "local", "2026-12-01T11:00:00.000Z", ["demo"]),
        instances: [
          { project: "demo", instance: "x", backup: null, rpoSeconds: null, rtoSeconds: null, answered: false, error: { code: "no-backup", message: "none" } },
        ],
      };
      await reports.add(first);
      await reports.add(first);
      await reports.add(failed);
      expect(await reports.list({ limit: 10 })).toEqual([failed, first]);
    });

    it("answers a project's latest drill and when each project was drilled last", async () => {
      const reports = await create();
      expect(await reports.latestFor("demo")).toBeUndefined();
      expect([...(await reports.lastDrilled())]).toEqual([]);
      const old = report("b1", "local", "2026-11-01T10:00:00.000Z", ["demo", "other"]);
      const recent = report("b2", "plmapps", "2026-12-01T10:00:00.000Z", ["demo"]);
      await reports.add(recent);
      await reports.add(old);
      expect((await reports.latestFor("demo"))?.id).toBe("b2");
      expect((await reports.latestFor("other"))?.id).toBe("b1");
      expect(await reports.latestFor("nobody")).toBeUndefined();
      expect(Object.fromEntries(await reports.lastDrilled())).toEqual({ demo: "2026-12-01T10:00:00.000Z", other: "2026-11-01T10:00:00.000Z" });
    });

    it("lists newest first, of one platform, within the limit", async () => {
      const reports = await create();
      for (let i = 0; i < 4; i++) await reports.add(report(`c${i}`, i % 2 === 0 ? "local" : "plmapps", `2026-12-0${i + 1}T00:00:00.000Z`, ["demo"]));
      expect((await reports.list({ limit: 10 })).map((r) => r.id)).toEqual(["c3", "c2", "c1", "c0"]);
      expect((await reports.list({ platform: "local", limit: 10 })).map((r) => r.id)).toEqual(["c2", "c0"]);
      expect((await reports.list({ limit: 1 })).map((r) => r.id)).toEqual(["c3"]);
    });
  });
}
