import { describe, expect, it } from "vitest";
import type { ProjectRecovery } from "../../../contracts/recovery.js";
import { formatDuration, recoveryRows } from "./recovery.js";

describe("a project's recovery section", () => {
  it("words durations in either language", () => {
    expect(formatDuration(12.25, "en")).toBe("12.3 s");
    expect(formatDuration(600, "en")).toBe("10 min");
    expect(formatDuration(2 * 3600 + 5 * 60, "fr")).toBe("2 h 05");
    expect(formatDuration(3 * 86400 + 3600, "fr")).toBe("3 j 1 h");
    expect(formatDuration(3 * 86400 + 3600, "en")).toBe("3 d 1 h");
  });

  it("gives each instance its backup's age and its part of the latest drill", () => {
    const view: ProjectRecovery = {
      project: "demo",
      policy: { backups: true, everyHours: 24, retentionDays: 14, drillEveryDays: 90, why: "institutional" },
      instances: [
        { instance: "db", platform: "local", newestBackup: { id: "b1", takenAt: "2026-12-01T10:00:00.000Z" } },
        { instance: "new", platform: "local", newestBackup: null },
      ],
      latestDrill: {
        id: "d1",
        platform: "local",
        recoverySite: "local",
        startedAt: "2026-12-01T11:00:00.000Z",
        finishedAt: "2026-12-01T11:01:00.000Z",
        instances: [
          { project: "demo", instance: "db", backup: { id: "b1", takenAt: "2026-12-01T10:00:00.000Z" }, rpoSeconds: 3600, rtoSeconds: 8.5, answered: true },
        ],
      },
      drillOverdue: false,
      drillDueAt: "2027-03-01T11:00:00.000Z",
    };
    expect(recoveryRows(view, Date.parse("2026-12-01T12:00:00.000Z"))).toEqual([
      { instance: "db", platform: "local", backupAgeSeconds: 7200, drill: { rpoSeconds: 3600, rtoSeconds: 8.5, answered: true, failure: null } },
      { instance: "new", platform: "local", backupAgeSeconds: null, drill: null },
    ]);
  });
});
