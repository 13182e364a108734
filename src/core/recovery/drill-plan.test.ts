import { describe, expect, it } from "vitest";
import { NAME_MAX_LENGTH } from "../../contracts/names.js";
import { isValidName } from "../names.js";
import type { DrillReport } from "../../contracts/recovery.js";
import { drillDue, drillProjectName, drillTargets, isDrillProject, overheadSeconds, projectPartOf, rpoSeconds, rtoSeconds } from "./drill-plan.js";

describe("a drill's scratch project", () => {
  it("is named drill-<platform>-<id>, a valid name however long the platform's", () => {
    expect(drillProjectName("local", "3F2A9C11-aaaa")).toBe("drill-local-3f2a9c");
    const long = drillProjectName("a-very-long-platform-name-indeed", "abcdef123");
    expect(long.length).toBeLessThanOrEqual(NAME_MAX_LENGTH);
    expect(isValidName(long)).toBe(true);
    expect(isValidName(drillProjectName("plm-", "x"))).toBe(true);
    expect(isDrillProject(long)).toBe(true);
    expect(isDrillProject("demo")).toBe(false);
  });
});

describe("which instances a drill copies", () => {
  it("those running on the platform, of backed-up projects, never a drill's own copies", () => {
    const instances = [
      { project: "b", name: "web", platform: "local", state: "running" as const },
      { project: "a", name: "db", platform: "local", state: "running" as const },
      { project: "a", name: "off", platform: "local", state: "stopped" as const },
      { project: "a", name: "there", platform: "plmapps", state: "running" as const },
      { project: "nobackup", name: "x", platform: "local", state: "running" as const },
      { project: "drill-local-abcdef", name: "web", platform: "local", state: "running" as const },
    ];
    expect(drillTargets(instances, "local", (project) => project !== "nobackup").map((i) => `${i.project}/${i.name}`)).toEqual(["a/db", "b/web"]);
  });
});

describe("RTO, RPO and overhead", () => {
  it("RPO is the backup's age at the drill's start; RTO from the restore's start to the answer", () => {
    expect(rpoSeconds(new Date("2026-12-01T12:00:00Z"), "2026-12-01T09:30:00.000Z")).toBe(9000);
    expect(rpoSeconds(new Date("2026-12-01T12:00:00Z"), "2026-12-01T12:00:01.000Z")).toBe(0);
    expect(rtoSeconds(new Date("2026-12-01T12:00:00.000Z"), new Date("2026-12-01T12:00:04.250Z"))).toBe(4.25);
  });
  it("the overhead is the drill's time beyond the restores", () => {
    expect(overheadSeconds(new Date("2026-12-01T12:00:00Z"), new Date("2026-12-01T12:00:10Z"), [3.5, 4])).toBe(2.5);
    expect(overheadSeconds(new Date("2026-12-01T12:00:00Z"), new Date("2026-12-01T12:00:01Z"), [3])).toBe(0);
  });
});

describe("a project's part of a report", () => {
  it("holds its instances only, neither the scratch project nor the others'", () => {
    const report: DrillReport = {
      id: "d1",
      platform: "local",
      recoverySite: "local",
      startedAt: "2026-12-01T12:00:00.000Z",
      finishedAt: "2026-12-01T12:01:00.000Z",
      scratchProject: "drill-local-d10000",
      overheadSeconds: 1,
      instances: [
        { project: "a", instance: "web", backup: null, rpoSeconds: null, rtoSeconds: null, answered: false },
        { project: "b", instance: "db", backup: null, rpoSeconds: null, rtoSeconds: null, answered: false },
      ],
    };
    const part = projectPartOf(report, "a");
    expect(part.instances.map((i) => i.instance)).toEqual(["web"]);
    expect(part).not.toHaveProperty("scratchProject");
  });
});

describe("an overdue drill", () => {
  const policy = { backups: true, drillEveryDays: 30 };
  const now = new Date("2026-12-31T00:00:00.000Z");
  it("counts from the latest drill, or from the project's creation", () => {
    expect(drillDue(policy, "2026-12-01T00:00:00.000Z", "2020-01-01T00:00:00.000Z", now)).toEqual({ overdue: true, dueAt: "2026-12-31T00:00:00.000Z" });
    expect(drillDue(policy, "2026-12-02T00:00:00.000Z", "2020-01-01T00:00:00.000Z", now).overdue).toBe(false);
    expect(drillDue(policy, undefined, "2026-12-15T00:00:00.000Z", now)).toEqual({ overdue: false, dueAt: "2027-01-14T00:00:00.000Z" });
    expect(drillDue(policy, undefined, "2026-11-01T00:00:00.000Z", now).overdue).toBe(true);
  });
  it("is never due for a project that is not backed up", () => {
    expect(drillDue({ backups: false, drillEveryDays: 1 }, undefined, "2020-01-01T00:00:00.000Z", now)).toEqual({ overdue: false, dueAt: null });
  });
});
