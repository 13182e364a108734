// Where drills' reports are kept (ADR 0034): not desired state (a drill changes nothing in git),
// the database's. A report covers every instance of a platform drilled, of several projects.
import type { DrillReport } from "../../contracts/recovery.js";

export type { DrillReport };

export interface DrillReports {
  /** Keeps a report (its id is unique; adding it again changes nothing). */
  add(report: DrillReport): Promise<void>;
  /** The latest report (by start) with an instance of this project, or undefined. */
  latestFor(project: string): Promise<DrillReport | undefined>;
  /** For each project ever drilled, when its latest drill started (ISO): what the overdue check reads. */
  lastDrilled(): Promise<ReadonlyMap<string, string>>;
  /** Reports newest first, of one platform when given. */
  list(options: { readonly platform?: string; readonly limit: number }): Promise<DrillReport[]>;
}
