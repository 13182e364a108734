// `plateau recovery failover|failback|status <platform>` (ADR 0034): operators move a failed
// platform's instances to its recovery site in one commit, and back once it is repaired.
import type { Command } from "commander";
import type { RecoveryReport } from "../contracts/recovery.js";
import { terminalConfirm } from "./bucket-commands.js";
import { paint, table, utc } from "./format.js";
import type { RecoveryCommandsContext } from "./recovery-commands.js";

/** `5 h 3 min`, `42 s`: an RPO or RTO as people read it. */
export function duration(seconds: number | null): string {
  if (seconds === null) return "-";
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h${minutes % 60 ? ` ${minutes % 60} min` : ""}`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** The report as a table: where each instance went, from which backup, its RPO and RTO; what stayed, and why. */
export function recoveryLines(report: RecoveryReport): string[] {
  const head =
    report.action === null
      ? `${report.platform}: ${report.state}${report.recoveryPlatform ? ` (recovery site ${report.recoveryPlatform})` : " (no recovery site)"}`
      : `${report.platform}: ${report.state}; last ${report.action}${report.at ? ` at ${utc(report.at)}` : ""}${report.by ? ` by ${report.by}` : ""}${report.reason ? ` (${report.reason})` : ""}${report.commit ? `, commit ${report.commit.slice(0, 7)}` : ""}`;
  const rows = report.items.map((item) => [
    `${item.project}/${item.instance}`,
    item.state,
    item.skipped ? item.from : `${item.from} → ${item.to}`,
    item.instanceState,
    item.backup ? `${item.backup.id} (${utc(item.backup.takenAt)})` : item.skipped ? "-" : "none: starts empty",
    duration(item.rpoSeconds),
    duration(item.rtoSeconds),
    item.skipped?.reason ?? (item.bucket ? `bucket ${item.bucket.name} on ${item.bucket.platform}` : ""),
  ]);
  return [
    head,
    ...(rows.length > 0 ? ["", ...table(["INSTANCE", "STATE", "WHERE", "RUNS", "BACKUP", "RPO", "RTO", "NOTE"], rows)] : ["No instance was moved."]),
  ];
}

export function registerFailoverCommands(recovery: Command, context: RecoveryCommandsContext): void {
  const { out, client, json } = context;
  const confirm = context.confirm ?? terminalConfirm;
  const base = (platform: string) => `/recovery/platforms/${encodeURIComponent(platform)}`;
  const print = (report: RecoveryReport) => {
    for (const line of recoveryLines(report)) out.line(line);
  };
  const progress = (text: string) => out.line(paint(out, "dim", text));

  recovery
    .command("failover")
    .argument("<platform>", "the failed platform (plmapps)")
    .description("Move every instance of a failed platform to its recovery site, in ONE commit, each restored from its newest backup (operators)")
    .requiredOption("--reason <text>", "why: said in the commit and in each instance's placement reason")
    .option("-y, --yes", "do not ask for confirmation")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `
The recovery site is the platform whose spec.recoveryFor names the failed one. Each instance
that may run there moves, pinned, its placement reason saying why ("failover from plmapps:
<reason> (by <you>)"), and spec.restore naming its newest good backup (none: it starts empty,
and the table says so); an attached bucket with a replica there is pointed at the replica.
Those that cannot run there stay, with the reason. Run again, it commits nothing and prints the
same report: after a crash, simply run it again.

Examples:
  plateau recovery failover plmapps --reason "Paris site flooded"
  plateau recovery failover plmapps --reason "power cut, INC-4242" --yes --json`,
    )
    .action(async (platform: string, options: { reason: string; yes?: boolean; json?: boolean }) => {
      if (!options.yes) {
        progress(`Reading what a failover of ${platform} would move…`);
        const preview = await client().call<RecoveryReport>("GET", `${base(platform)}/failover/preview`);
        for (const line of recoveryLines(preview).slice(1)) out.line(line);
        const moving = preview.items.filter((item) => item.state === "failed-over").length;
        if (!(await confirm(`Fail ${platform} over to ${preview.recoveryPlatform ?? "?"}: ${moving} instance(s) move, in one commit?`))) {
          return out.line("Nothing moved.");
        }
      }
      progress(`Failing ${platform} over (one commit)…`);
      const report = await client().call<RecoveryReport>("POST", `${base(platform)}/failover`, { reason: options.reason });
      if (options.json) return json(report);
      out.line(`${paint(out, "green", "✓")} ${platform} failed over to ${report.recoveryPlatform ?? "?"}`);
      print(report);
      out.line("");
      out.line(`RTO fills in as the recovery site runs them: plateau recovery status ${platform}`);
    });

  recovery
    .command("failback")
    .argument("<platform>", "the platform that is back (plmapps)")
    .description("Bring back what a failover moved: a fresh backup of each instance on the recovery site first, then ONE commit moving them back (operators)")
    .option("-y, --yes", "do not ask for confirmation")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `
Only the instances a failover from <platform> moved are brought back (their placement reason
says so). On a cluster, Velero backs up each of their projects and Plateau waits until every
backup is Completed; on podman, Plateau backs up each instance's volumes itself. Nothing moves
until every backup is there. Run again after a crash: the backups already taken are reused.

Examples:
  plateau recovery failback plmapps
  plateau recovery failback plmapps --yes --json`,
    )
    .action(async (platform: string, options: { yes?: boolean; json?: boolean }) => {
      if (!options.yes) {
        const status = await client().call<RecoveryReport>("GET", base(platform));
        const away = status.items.filter((item) => item.state === "failed-over");
        for (const line of recoveryLines({ ...status, items: away }).slice(1)) out.line(line);
        if (!(await confirm(`Back up and bring ${away.length} instance(s) back to ${platform}, in one commit?`))) return out.line("Nothing moved.");
      }
      progress(`Backing up on ${platform}'s recovery site, then failing back (this waits for the backups)…`);
      const report = await client().call<RecoveryReport>("POST", `${base(platform)}/failback`);
      if (options.json) return json(report);
      out.line(`${paint(out, "green", "✓")} ${platform}: ${report.state}`);
      print(report);
    });

  recovery
    .command("status")
    .argument("[platform]", "a platform with a recovery site (all of them when absent)")
    .description("Whether a platform is failed over, since when, and each instance's backup, RPO and RTO (operators)")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `
Examples:
  plateau recovery status
  plateau recovery status plmapps --json`,
    )
    .action(async (platform: string | undefined, options: { json?: boolean }) => {
      const reports =
        platform === undefined
          ? (await client().call<{ items: RecoveryReport[] }>("GET", "/recovery/platforms")).items
          : [await client().call<RecoveryReport>("GET", base(platform))];
      if (options.json) return json(platform === undefined ? { items: reports } : reports[0]);
      if (reports.length === 0) return out.line("No platform has a recovery site (spec.recoveryFor).");
      reports.forEach((report, i) => {
        if (i > 0) out.line("");
        print(report);
      });
    });
}
