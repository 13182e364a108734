// Idle reclaim's commands (ADR 28): the operators' dry run (`plateau reclaim report`), the
// person's *keep it* (`plateau keep`), and one's notices (`plateau notices`).
import type { Command } from "commander";
import type { ReclaimReport } from "../contracts/reclaim.js";
import type { Client } from "./client.js";
import { paint, table, utc, type Output } from "./format.js";
import { parseInstanceRef } from "./instance-ref.js";

interface Context {
  readonly out: Output;
  readonly client: () => Client;
  readonly json: (value: unknown) => void;
}

/** The report as the API sends it, or as core makes it (readonly lists). */
type Report = Omit<ReclaimReport, "items" | "platformsWithoutMetrics"> & {
  readonly items: readonly ReclaimReport["items"][number][];
  readonly platformsWithoutMetrics: readonly string[];
};

const figure = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(2));
const freed = (frees: ReclaimReport["frees"]) =>
  `${figure(frees.cpu)} cores, ${figure(frees.memoryGiB)} GiB memory, ${figure(frees.gpu)} GPU, ${figure(frees.storageGiB)} GiB storage`;

/** The report as a table: what happens to each instance, when, why, and what it frees. */
export function reportLines(report: Report): string[] {
  const rows = report.items.map((item) => [
    `${item.project}/${item.instance}`,
    item.step === "notify" ? `announce ${item.what}` : item.step === "pending" ? `${item.what} (announced)` : item.step,
    utc(item.due),
    item.why,
    item.what === "remove"
      ? `${figure(item.frees.storageGiB)} GiB storage`
      : item.what === "stop"
        ? `${figure(item.frees.cpu)} cores, ${figure(item.frees.memoryGiB)} GiB`
        : "",
  ]);
  return [
    ...(rows.length > 0 ? table(["INSTANCE", "STEP", "WHEN", "WHY", "FREES"], rows) : ["Idle reclaim would do nothing today."]),
    "",
    `In all: ${freed(report.frees)}. ${report.exempt} instance${report.exempt === 1 ? " is" : "s are"} exempt.`,
    ...(report.platformsWithoutMetrics.length > 0
      ? [`Nothing is reclaimed on ${report.platformsWithoutMetrics.join(", ")}: no metrics (spec.metrics of the platform).`]
      : []),
  ];
}

export function registerReclaimCommands(program: Command, context: Context): void {
  const { out, client, json } = context;
  const reclaim = program.command("reclaim").description("Idle reclaim: what Plateau does with instances nobody uses");
  reclaim
    .command("report")
    .description("What idle reclaim would do today to each instance (notify, stop, remove), when and why, and what it would free: nothing is changed")
    .option("--lab <lab>", "one lab's projects (its admins may ask)")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `
Operators see every instance; a lab's admins see their lab's with --lab. An instance is idle
when neither its CPU nor Plateau's proxy saw any use; the policy (configuration, labs/<lab>.yaml,
projects/<p>/project.yaml, per template) says after how long it is announced, stopped, removed.

Examples:
  plateau reclaim report
  plateau reclaim report --lab imb --json`,
    )
    .action(async (options: { lab?: string; json?: boolean }) => {
      const report = await client().reclaimReport(options.lab);
      if (options.json) return json(report);
      for (const line of reportLines(report)) out.line(line);
    });

  program
    .command("keep")
    .argument("<project/instance>", "the instance idle reclaim announced it would stop or remove")
    .description("Keep an instance: the announced stop or removal is cancelled, and idleness counts from now (one commit)")
    .option("--json", "print JSON")
    .action(async (target: string, options: { json?: boolean }) => {
      const { project, instance } = parseInstanceRef(target);
      const result = await client().keep(project, instance);
      if (options.json) return json(result);
      out.line(
        result.commit
          ? `${paint(out, "green", "✓")} ${project}/${instance} is kept: nothing happens to it now (commit ${result.commit.slice(0, 7)})`
          : `${project}/${instance} has no stop or removal announced: nothing to keep`,
      );
    });

  program
    .command("notices")
    .description("Your notices: what Plateau announced about your instances, and what prevents it")
    .option("--json", "print JSON")
    .action(async (options: { json?: boolean }) => {
      const notices = await client().notices();
      if (options.json) return json(notices);
      if (notices.length === 0) return out.line("No notices.");
      for (const line of table(
        ["WHEN", "NOTICE", "INSTANCE", "DUE", "TO PREVENT IT"],
        notices.map((notice) => [
          utc(notice.createdAt),
          notice.kind,
          notice.instance ? `${notice.project}/${notice.instance}` : notice.project,
          notice.due ? utc(notice.due) : "",
          notice.action === "keep" && notice.instance ? `plateau keep ${notice.project}/${notice.instance}` : (notice.action ?? ""),
        ]),
      ))
        out.line(line);
    });
}
