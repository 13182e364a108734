// Commands about what instances use (docs/metrics.md): `plateau usage` (efficiency and
// showback of a project or a lab), `plateau top` (the biggest users or wasters) and
// `plateau resize` (right-sizing: the advice and its saving, then one commit).
import { CommanderError, Option, type Command } from "commander";
import type { Static } from "typebox";
import type { InstanceUsage, UsageReport } from "../contracts/usage.js";
import { USAGE_WINDOW_NAMES } from "../contracts/usage.js";
import { InputError } from "../core/errors.js";
import type { Client } from "./client.js";
import { EXIT } from "./exit-codes.js";
import { paint, table, type Output } from "./format.js";
import { parseInstanceRef } from "./instance-ref.js";

interface Context {
  readonly out: Output;
  readonly client: () => Client;
  readonly json: (value: unknown) => void;
  readonly projectOrPersonal: (project: string | undefined) => Promise<string>;
  readonly projectOption: () => Option;
}

type Report = Static<typeof UsageReport>;
type Usage = Static<typeof InstanceUsage>;
type Numbers = Usage["numbers"];

const windowOption = () => new Option("-w, --window <window>", "the window ending now").choices([...USAGE_WINDOW_NAMES]).default("30d");
const fixed = (value: number, digits = 2) => (Number.isInteger(value) ? String(value) : value.toFixed(digits));
const percent = (value: number | null) => (value === null ? "-" : `${Math.round(value)} %`);
/** `1.5 CPU / 4 GiB`: what it requests or uses on average while it ran. */
const pair = (cpu: number, memoryGiB: number) => `${fixed(cpu)} CPU / ${fixed(memoryGiB)} GiB`;

/** The report's rows: one per instance, then the total. */
function usageTable(report: Report, lab: boolean): string[] {
  const row = (name: string, numbers: Numbers) => [
    name,
    pair(numbers.cpu.requested, numbers.memory.requested),
    pair(numbers.cpu.used, numbers.memory.used),
    `${percent(numbers.cpu.efficiency)} / ${percent(numbers.memory.efficiency)}`,
    `${fixed(numbers.cpu.usedHours, 1)} / ${fixed(numbers.cpu.requestedHours, 1)}`,
    `${fixed(numbers.memory.usedHours, 1)} / ${fixed(numbers.memory.requestedHours, 1)}`,
  ];
  const rows = [
    ...report.instances.map((one) => row(lab ? `${one.project}/${one.instance}` : one.instance, one.numbers)),
    ...(lab ? report.projects.map((project) => row(`${project.project} (project)`, project.numbers)) : []),
    row("total", report.total.numbers),
  ];
  return table(["INSTANCE", "REQUESTED", "USED", "EFFICIENCY CPU/MEM", "CORE-HOURS USED/REQ", "GIB-HOURS USED/REQ"], rows);
}

const BY = ["cpu", "memory", "waste"] as const;
type By = (typeof BY)[number];
const rankOf = (by: By, one: Usage) =>
  by === "cpu" ? one.numbers.cpu.usedHours : by === "memory" ? one.numbers.memory.usedHours : one.numbers.cpu.requestedHours - one.numbers.cpu.usedHours;

function quantityOfCpu(millicores: number): string {
  return millicores % 1000 === 0 ? String(millicores / 1000) : `${millicores}m`;
}
function quantityOfMemory(mib: number): string {
  return mib % 1024 === 0 ? `${mib / 1024}Gi` : `${mib}Mi`;
}

export function registerUsageCommands(program: Command, context: Context): void {
  const { out, client, json, projectOrPersonal } = context;

  /** A lab's report, or a project's (its own, or the personal one). */
  async function reportOf(project: string | undefined, lab: string | undefined, window: string): Promise<{ report: Report; lab: boolean }> {
    if (lab !== undefined && project !== undefined) throw new CommanderError(EXIT.input, "plateau.input", "give a project or --lab, not both");
    const path =
      lab !== undefined
        ? `/labs/${encodeURIComponent(lab)}/usage?window=${window}`
        : `/projects/${encodeURIComponent(await projectOrPersonal(project))}/usage?window=${window}`;
    return { report: await client().call<Report>("GET", path), lab: lab !== undefined };
  }

  program
    .command("usage")
    .argument("[project]", "the project (default: your personal project)")
    .description("What a project's or a lab's instances requested and used: efficiency and showback (core-hours, GiB-hours)")
    .option("-l, --lab <lab>", "a lab's instances, per project (lab admins, operators)")
    .addOption(windowOption())
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `
Read from the platforms' metrics (VictoriaMetrics), never stored by Plateau. REQUESTED and
USED are averages while the instance ran; EFFICIENCY is used ÷ requested; core-hours and
GiB-hours are what was used and requested over the window (showback). See docs/metrics.md.

Examples:
  plateau usage demo
  plateau usage --lab imb --window 7d
  plateau usage --json | jq '.total.numbers.cpu.efficiency'`,
    )
    .action(async (project: string | undefined, options: { lab?: string; window: string; json?: boolean }) => {
      const { report, lab } = await reportOf(project, options.lab, options.window);
      if (options.json) return json(report);
      if (report.instances.length === 0) out.line(`no usage over ${report.window}: no instance ran, or its platform has no metrics source`);
      else for (const line of usageTable(report, lab)) out.line(line);
      if (report.total.saving.cores > 0)
        out.line(
          `Following every advice would free ${fixed(report.total.saving.cores)} CPU and ${fixed(report.total.saving.memoryGiB)} GiB (${fixed(report.total.saving.coreHoursPerMonth, 0)} core-hours a month): see plateau resize --advice.`,
        );
      for (const platform of report.unavailable)
        out.line(paint(out, "yellow", `the metrics of platform ${platform} could not be read: its instances are missing`));
    });

  program
    .command("top")
    .description("The instances that use the most CPU or memory, or waste the most (requested core-hours unused)")
    .addOption(context.projectOption())
    .option("-l, --lab <lab>", "a lab's instances (lab admins, operators)")
    .addOption(new Option("-b, --by <what>", "rank by").choices([...BY]).default("cpu"))
    .addOption(windowOption())
    .option("-n, --limit <n>", "how many", (value) => Number(value), 10)
    .option("--json", "print JSON")
    .action(async (options: { project?: string; lab?: string; by: By; window: string; limit: number; json?: boolean }) => {
      const { report } = await reportOf(options.lab === undefined ? options.project : undefined, options.lab, options.window);
      const ranked = [...report.instances].sort((a, b) => rankOf(options.by, b) - rankOf(options.by, a)).slice(0, Math.max(1, options.limit));
      if (options.json) return json(ranked);
      const unit = options.by === "memory" ? "GIB-HOURS USED" : options.by === "waste" ? "CORE-HOURS UNUSED" : "CORE-HOURS USED";
      const rows = ranked.map((one) => [
        `${one.project}/${one.instance}`,
        fixed(rankOf(options.by, one), 1),
        percent(one.numbers.cpu.efficiency),
        one.advice ? `${quantityOfCpu(one.advice.cpuMillicores)} / ${quantityOfMemory(one.advice.memoryMiB)}` : "-",
      ]);
      for (const line of table(["INSTANCE", unit, "CPU EFFICIENCY", "ADVICE CPU / MEMORY"], rows)) out.line(line);
    });

  program
    .command("resize")
    .argument("<instance>", "the instance (`name`, or `project/name`)")
    .description("Give an instance other CPU and memory requests: the right-sizing advice, or yours (one commit)")
    .addOption(context.projectOption())
    .option("--cpu <quantity>", "CPU for the whole instance (250m, 1, 1.5)")
    .option("--memory <quantity>", "memory for the whole instance (512Mi, 2Gi)")
    .option("--advice", "apply the 30-day advice (the default without --cpu and --memory)")
    .option("--dry-run", "print the advice and what would be asked; commit nothing")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `
The advice is the 95th percentile of the instance's use over 30 days plus 20 %, rounded up to
50m of CPU and 64 MiB of memory (at least 100m and 128 MiB). A built-in template takes the
smallest size that gives it; a Helm chart its resources.requests. The resize is checked as a
launch is (values, quotas, the chart's preflight) and is one commit, none when nothing changes.

Examples:
  plateau resize demo/nb --dry-run
  plateau resize nb --project demo --advice
  plateau resize demo/nb --cpu 500m --memory 1Gi`,
    )
    .action(async (target: string, options: { project?: string; cpu?: string; memory?: string; advice?: boolean; dryRun?: boolean; json?: boolean }) => {
      if (options.advice && (options.cpu !== undefined || options.memory !== undefined))
        throw new CommanderError(EXIT.input, "plateau.input", "give --advice or --cpu/--memory, not both");
      const { project, instance } = target.includes("/") ? parseInstanceRef(target) : { project: await projectOrPersonal(options.project), instance: target };
      if (instance === "") throw InputError.field("/instance", "required", "name the instance");
      const path = `/projects/${encodeURIComponent(project)}/instances/${encodeURIComponent(instance)}/resize`;
      const body = {
        ...(options.cpu !== undefined ? { cpu: options.cpu } : {}),
        ...(options.memory !== undefined ? { memory: options.memory } : {}),
      };
      type Answer = { commit: string | null; target: { cpuMillicores?: number; memoryMiB?: number }; advice: Usage["advice"]; dryRun: boolean };
      const planned = await client().call<Answer>("POST", path, { ...body, dryRun: true });
      const done = options.dryRun ? planned : await client().call<Answer>("POST", path, body);
      if (options.json) return json(done);
      const advice = planned.advice;
      if (advice) {
        out.line(
          `Advice for ${project}/${instance}: ${quantityOfCpu(advice.cpuMillicores)} CPU and ${quantityOfMemory(advice.memoryMiB)} memory ` +
            `(now ${quantityOfCpu(advice.current.cpuMillicores)} and ${quantityOfMemory(advice.current.memoryMiB)}).`,
        );
        out.line(
          `Saving: ${fixed(advice.saving.cores)} CPU and ${fixed(advice.saving.memoryGiB)} GiB, ${fixed(advice.saving.coreHoursPerMonth, 0)} core-hours and ${fixed(advice.saving.gibHoursPerMonth, 0)} GiB-hours a month.`,
        );
      }
      const asked = [
        planned.target.cpuMillicores !== undefined ? `${quantityOfCpu(planned.target.cpuMillicores)} CPU` : "",
        planned.target.memoryMiB !== undefined ? `${quantityOfMemory(planned.target.memoryMiB)} memory` : "",
      ]
        .filter(Boolean)
        .join(" and ");
      if (options.dryRun) out.line(`Would resize ${project}/${instance} to ${asked} (dry run: nothing committed).`);
      else if (done.commit) out.line(`${paint(out, "green", "✓")} resized ${project}/${instance} to ${asked} (commit ${done.commit.slice(0, 7)})`);
      else out.line(`${project}/${instance} already asks for that: nothing to commit`);
    });
}
