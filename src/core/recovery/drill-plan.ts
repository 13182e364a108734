// The pure part of drills (ADR 0034): the scratch project's name (a prefix no tenant may take),
// which instances a drill copies, RTO, RPO and the drill's own overhead, a project's part of a
// report, and whether a project's drill is overdue.
import { NAME_MAX_LENGTH } from "../../contracts/names.js";
import type { DrillInstance, DrillReport } from "../../contracts/recovery.js";
import type { RecoveryPolicy } from "./policy.js";

/**
 * Scratch projects of drills are named `drill-<platform>-<id>`: lab projects may not take the
 * prefix (`assertLabProjectName`), personal ones are `u-…`, so no tenant owns one; the
 * reconcilers leave what runs under it to the drill, which removes it itself.
 */
export const DRILL_PROJECT_PREFIX = "drill-";

export const isDrillProject = (project: string): boolean => project.startsWith(DRILL_PROJECT_PREFIX);

/** `drill-<platform>-<6 characters of the drill's id>`, a valid project name whatever the platform's length. */
export function drillProjectName(platform: string, drillId: string): string {
  const suffix = drillId
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "")
    .slice(0, 6)
    .padEnd(6, "0");
  const room = NAME_MAX_LENGTH - DRILL_PROJECT_PREFIX.length - 1 - suffix.length;
  const middle = platform.slice(0, room).replace(/-+$/, "");
  return `${DRILL_PROJECT_PREFIX}${middle}-${suffix}`;
}

export interface DrillCandidate {
  readonly project: string;
  readonly name: string;
  readonly platform: string;
  readonly state: "running" | "stopped";
}

/** The instances a drill of `platform` copies: running there, of a project whose policy backs it up; sorted by project then name. */
export function drillTargets<T extends DrillCandidate>(instances: readonly T[], platform: string, backedUp: (project: string) => boolean): T[] {
  return instances
    .filter((instance) => instance.platform === platform && instance.state === "running" && !isDrillProject(instance.project) && backedUp(instance.project))
    .sort((a, b) => a.project.localeCompare(b.project) || a.name.localeCompare(b.name));
}

const seconds = (fromMs: number, toMs: number): number => Math.round(toMs - fromMs) / 1000;

/** RPO: what a recovery at the drill's start would lose, the age of the backup then (never negative). */
export const rpoSeconds = (drillStartedAt: Date, backupTakenAt: string): number => Math.max(0, seconds(Date.parse(backupTakenAt), drillStartedAt.getTime()));

/** RTO: from the start of the instance's restore to its copy answering. */
export const rtoSeconds = (restoreStartedAt: Date, answeredAt: Date): number => seconds(restoreStartedAt.getTime(), answeredAt.getTime());

/** The drill's time beyond its instances' restores (each from its restore's start to its answer or failure). */
export function overheadSeconds(startedAt: Date, finishedAt: Date, restoreSeconds: readonly number[]): number {
  const total = seconds(startedAt.getTime(), finishedAt.getTime());
  return Math.max(0, Math.round((total - restoreSeconds.reduce((sum, value) => sum + value, 0)) * 1000) / 1000);
}

/** A project's part of a report: its instances only (a member never sees another project's). */
export function projectPartOf(report: DrillReport, project: string): Omit<DrillReport, "scratchProject" | "overheadSeconds"> {
  const instances: DrillInstance[] = report.instances.filter((instance) => instance.project === project);
  return { id: report.id, platform: report.platform, recoverySite: report.recoverySite, startedAt: report.startedAt, finishedAt: report.finishedAt, instances };
}

/**
 * Whether a project's drill is overdue: backed up, and its latest drill started more than
 * `drillEveryDays` ago — or, never drilled, the project was created that long ago. `dueAt`:
 * when it is (or was) due; null when it is not backed up.
 */
export function drillDue(
  policy: Pick<RecoveryPolicy, "backups" | "drillEveryDays">,
  lastDrilledAt: string | undefined,
  projectCreatedAt: string,
  now: Date,
): { readonly overdue: boolean; readonly dueAt: string | null } {
  if (!policy.backups) return { overdue: false, dueAt: null };
  const since = Date.parse(lastDrilledAt ?? projectCreatedAt);
  const due = (Number.isFinite(since) ? since : now.getTime()) + policy.drillEveryDays * 86_400_000;
  return { overdue: now.getTime() >= due, dueAt: new Date(due).toISOString() };
}
