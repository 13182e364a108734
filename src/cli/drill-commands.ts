// `plateau recovery drill|drills|project` (ADR 0034): run a drill of a platform (operators), list
// drills' reports, and a project's recovery (its policy, its backups, its latest drill).
import type { Command } from "commander";
import type { DrillInstance, DrillReport, ProjectRecovery } from "../contracts/recovery.js";
import { table } from "./format.js";
import type { RecoveryCommandsContext } from "./recovery-commands.js";

/** `2 h 05 min`, `3 d 4 h`, `12.3 s`: a duration for people. */
export function durationText(seconds: number | null): string {
  if (seconds === null) return "-";
  if (seconds < 60) return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${String(Math.round(seconds % 60)).padStart(2, "0")} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${String(minutes % 60).padStart(2, "0")} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** One row per instance: what was restored, from when (RPO), how long until it answered (RTO). */
export function drillRows(instances: readonly DrillInstance[]): string[] {
  return table(
    ["INSTANCE", "BACKUP", "BACKUP AGE (RPO)", "RTO", "ANSWERED"],
    instances.map((one) => [
      `${one.project}/${one.instance}`,
      one.backup?.id ?? "-",
      durationText(one.rpoSeconds),
      durationText(one.rtoSeconds),
      one.answered ? "yes" : `no (${one.error?.code ?? "unknown"})`,
    ]),
  );
}

const when = (iso: string) => `${iso.slice(0, 16).replace("T", " ")} UTC`;

export function registerDrillCommands(recovery: Command, context: RecoveryCommandsContext): void {
  const { out, client, json } = context;

  recovery
    .command("drill")
    .argument("<platform>", "the platform whose instances are drilled (a podman platform, for now)")
    .description("Run a recovery drill now (operators): restore copies of the platform's backed-up instances, check each answers, measure RTO and RPO")
    .option("--json", "print the report as JSON")
    .addHelpText(
      "after",
      `
Each instance running on the platform, of a project that is backed up, is restored from its
newest backup into a scratch project (drill-<platform>-<id>) on the recovery site — for the
local platform, the local platform itself —, started, and asked over HTTP on its address. The
copies are reachable by no one through Plateau, never touch the desired state, and are removed
afterwards (those a killed drill left are removed at the next drill's start).

  RPO  the age of the backup restored when the drill started: what a recovery would lose
  RTO  from the start of the restore to the copy answering: how long a recovery takes

The report is kept: 'plateau recovery drills', and each project's members see their part in
'plateau recovery project <project>' and in the portal.

Example:
  plateau recovery drill local`,
    )
    .action(async (platform: string, options: { json?: boolean }) => {
      out.progress?.(`drilling ${platform}: restoring, starting and asking each copy…`);
      const report = await client().call<DrillReport>("POST", `/recovery/platforms/${encodeURIComponent(platform)}/drills`);
      out.progress?.(undefined);
      if (options.json) return json(report);
      out.line(`Drill ${report.id} of ${report.platform} on ${report.recoverySite}, ${when(report.startedAt)} → ${when(report.finishedAt)}`);
      if (report.instances.length === 0) out.line("No instance to drill: none runs there of a project that is backed up.");
      else for (const line of drillRows(report.instances)) out.line(line);
      out.line(`Drill overhead beyond the restores: ${durationText(report.overheadSeconds)}`);
    });

  recovery
    .command("drills")
    .description("Drills' reports, newest first (operators)")
    .option("-p, --platform <platform>", "of one platform")
    .option("-n, --limit <n>", "how many", "10")
    .option("--json", "print JSON")
    .action(async (options: { platform?: string; limit: string; json?: boolean }) => {
      const query = new URLSearchParams({ limit: options.limit, ...(options.platform ? { platform: options.platform } : {}) });
      const { drills } = await client().call<{ drills: DrillReport[] }>("GET", `/recovery/drills?${query.toString()}`);
      if (options.json) return json(drills);
      if (drills.length === 0) return out.line("No drill yet: run one with 'plateau recovery drill <platform>'.");
      for (const line of table(
        ["DRILL", "PLATFORM", "STARTED", "INSTANCES", "ANSWERED", "OVERHEAD"],
        drills.map((drill) => [
          drill.id,
          drill.platform,
          when(drill.startedAt),
          String(drill.instances.length),
          String(drill.instances.filter((one) => one.answered).length),
          durationText(drill.overheadSeconds),
        ]),
      ))
        out.line(line);
    });

  recovery
    .command("project")
    .argument("<project>", "the project")
    .description("A project's recovery: its policy, each instance's newest backup, its latest drill (RTO, RPO), whether a drill is overdue")
    .option("--json", "print JSON")
    .action(async (project: string, options: { json?: boolean }) => {
      const view = await client().call<ProjectRecovery>("GET", `/projects/${encodeURIComponent(project)}/recovery`);
      if (options.json) return json(view);
      const { policy } = view;
      const why = { "project-file": "its project file says so", institutional: "it is institutional", "not-institutional": "it is not institutional" }[
        policy.why
      ];
      out.line(
        policy.backups
          ? `Backed up every ${policy.everyHours} h, kept ${policy.retentionDays} days (${why}); a drill every ${policy.drillEveryDays} days.`
          : `Not backed up (${why}).`,
      );
      if (view.instances.length > 0)
        for (const line of table(
          ["INSTANCE", "PLATFORM", "NEWEST BACKUP"],
          view.instances.map((one) => [one.instance, one.platform, one.newestBackup ? `${one.newestBackup.id} (${when(one.newestBackup.takenAt)})` : "-"]),
        ))
          out.line(line);
      if (view.latestDrill) {
        out.line(`Latest drill: ${view.latestDrill.id}, ${when(view.latestDrill.startedAt)} on ${view.latestDrill.recoverySite}`);
        for (const line of drillRows(view.latestDrill.instances)) out.line(line);
      } else if (policy.backups) out.line("No drill yet.");
      if (view.drillOverdue) out.line(`A drill is OVERDUE (due ${view.drillDueAt ? when(view.drillDueAt) : "now"}): ask an operator to run one.`);
      else if (view.drillDueAt) out.line(`Next drill due ${when(view.drillDueAt)}.`);
    });
}
