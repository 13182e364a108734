// A project's recovery on its page (ADR 0034): what the section shows of the API's view, worked
// out without React so that it is tested: durations for people, and each instance's row.
import type { ProjectRecovery } from "../../../contracts/recovery.js";
import type { Language } from "../../i18n.js";

/** `45 s`, `12 min`, `3 h 05`, `2 d 4 h` (French: `2 j 4 h`). */
export function formatDuration(seconds: number, language: Language): string {
  if (seconds < 60) return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${String(minutes % 60).padStart(2, "0")}`;
  return `${Math.floor(hours / 24)} ${language === "fr" ? "j" : "d"} ${hours % 24} h`;
}

export interface RecoveryRow {
  readonly instance: string;
  readonly platform: string;
  /** Seconds since its newest backup; null: none. */
  readonly backupAgeSeconds: number | null;
  /** Its part of the latest drill; null: the drill did not copy it (it did not run there then). */
  readonly drill: {
    readonly rpoSeconds: number | null;
    readonly rtoSeconds: number | null;
    readonly answered: boolean;
    readonly failure: string | null;
  } | null;
}

/** One row per instance of the project, with its newest backup's age now and its latest drill's numbers. */
export function recoveryRows(view: ProjectRecovery, now: number): RecoveryRow[] {
  return view.instances.map((one) => {
    const drilled = view.latestDrill?.instances.find((candidate) => candidate.instance === one.instance);
    return {
      instance: one.instance,
      platform: one.platform,
      backupAgeSeconds: one.newestBackup ? Math.max(0, Math.round((now - Date.parse(one.newestBackup.takenAt)) / 1000)) : null,
      drill: drilled
        ? { rpoSeconds: drilled.rpoSeconds, rtoSeconds: drilled.rtoSeconds, answered: drilled.answered, failure: drilled.error?.code ?? null }
        : null,
    };
  });
}
