// A project's recovery policy (ADR 0034): its file's `spec.recovery` over the configuration's
// defaults. Institutional projects are backed up unless their file says otherwise: a service
// that must stay up must also come back.
import type { ProjectDocument } from "../model.js";

export interface RecoveryDefaults {
  readonly everyHours: number;
  readonly retentionDays: number;
  readonly drillEveryDays: number;
}

/** The configuration's defaults (`recovery` in src/main/config.ts), for callers given none. */
export const DEFAULT_RECOVERY_DEFAULTS: RecoveryDefaults = { everyHours: 24, retentionDays: 14, drillEveryDays: 90 };

export interface RecoveryPolicy {
  readonly backups: boolean;
  readonly everyHours: number;
  readonly retentionDays: number;
  readonly drillEveryDays: number;
  /** Where `backups` comes from, for the views: the project's file, or its tiers. */
  readonly why: "project-file" | "institutional" | "not-institutional";
}

export function recoveryPolicyOf(project: Pick<ProjectDocument, "spec">, defaults: RecoveryDefaults): RecoveryPolicy {
  const own = project.spec.recovery ?? {};
  const institutional = (project.spec.tiers ?? []).includes("institutional");
  return {
    backups: own.backups ?? institutional,
    everyHours: own.everyHours ?? defaults.everyHours,
    retentionDays: own.retentionDays ?? defaults.retentionDays,
    drillEveryDays: own.drillEveryDays ?? defaults.drillEveryDays,
    why: own.backups !== undefined ? "project-file" : institutional ? "institutional" : "not-institutional",
  };
}

/** Whether an instance is due for a backup: none yet, or the newest is `everyHours` old. */
export function backupDue(policy: RecoveryPolicy, newestTakenAt: string | undefined, now: Date): boolean {
  if (!policy.backups) return false;
  if (newestTakenAt === undefined) return true;
  return now.getTime() - Date.parse(newestTakenAt) >= policy.everyHours * 3_600_000;
}

/**
 * The backups retention removes: those older than `retentionDays`, never the newest one (a
 * project whose instance stopped changing keeps something to restore). Input in any order.
 */
export function expiredBackups<T extends { readonly takenAt: string }>(policy: RecoveryPolicy, backups: readonly T[], now: Date): T[] {
  const newestFirst = [...backups].sort((a, b) => Date.parse(b.takenAt) - Date.parse(a.takenAt));
  const limit = now.getTime() - policy.retentionDays * 86_400_000;
  return newestFirst.slice(1).filter((backup) => Date.parse(backup.takenAt) < limit);
}
