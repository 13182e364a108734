// Drill reports in SQLite or PostgreSQL (migration 0012): one row per report (its JSON), and one
// per project it drilled, so a project's latest drill is one indexed query.
import type { Kysely } from "kysely";
import type { DrillReport, DrillReports } from "../../core/ports/drill-reports.js";
import type { Database } from "./schema.js";

const toReport = (row: { report_json: string }): DrillReport => JSON.parse(row.report_json) as DrillReport;

export function createSqlDrillReports(db: Kysely<Database>): DrillReports {
  return {
    async add(report) {
      await db.transaction().execute(async (trx) => {
        const inserted = await trx
          .insertInto("recovery_drills")
          .values({ id: report.id, platform: report.platform, started_at: report.startedAt, report_json: JSON.stringify(report) })
          .onConflict((conflict) => conflict.column("id").doNothing())
          .executeTakeFirst();
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return;
        const projects = [...new Set(report.instances.map((instance) => instance.project))].sort();
        if (projects.length > 0)
          await trx
            .insertInto("recovery_drill_projects")
            .values(projects.map((project) => ({ drill_id: report.id, project, started_at: report.startedAt })))
            .execute();
      });
    },
    async latestFor(project) {
      const row = await db
        .selectFrom("recovery_drill_projects")
        .innerJoin("recovery_drills", "recovery_drills.id", "recovery_drill_projects.drill_id")
        .select("recovery_drills.report_json")
        .where("recovery_drill_projects.project", "=", project)
        .orderBy("recovery_drill_projects.started_at", "desc")
        .orderBy("recovery_drill_projects.drill_id", "desc")
        .limit(1)
        .executeTakeFirst();
      return row ? toReport(row) : undefined;
    },
    async lastDrilled() {
      const rows = await db
        .selectFrom("recovery_drill_projects")
        .select(["project", (eb) => eb.fn.max("started_at").as("last")])
        .groupBy("project")
        .orderBy("project")
        .execute();
      return new Map(rows.map((row) => [row.project, String(row.last)]));
    },
    async list({ platform, limit }) {
      let query = db.selectFrom("recovery_drills").select("report_json");
      if (platform !== undefined) query = query.where("platform", "=", platform);
      const rows = await query.orderBy("started_at", "desc").orderBy("id", "desc").limit(limit).execute();
      return rows.map(toReport);
    },
  };
}
