// Drill reports in memory, for tests and throw-away runs; it passes the same contract suite as the SQL ones.
import type { DrillReport, DrillReports } from "../../core/ports/drill-reports.js";

export function createMemoryDrillReports(): DrillReports {
  const reports = new Map<string, DrillReport>();
  const newestFirst = () => [...reports.values()].sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.id.localeCompare(a.id));
  return {
    async add(report) {
      if (!reports.has(report.id)) reports.set(report.id, structuredClone(report));
    },
    async latestFor(project) {
      const found = newestFirst().find((report) => report.instances.some((instance) => instance.project === project));
      return found ? structuredClone(found) : undefined;
    },
    async lastDrilled() {
      const last = new Map<string, string>();
      for (const report of newestFirst()) for (const { project } of report.instances) if (!last.has(project)) last.set(project, report.startedAt);
      return last;
    },
    async list({ platform, limit }) {
      return newestFirst()
        .filter((report) => platform === undefined || report.platform === platform)
        .slice(0, limit)
        .map((report) => structuredClone(report));
    },
  };
}
