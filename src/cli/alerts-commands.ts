// Commands of the labs' alerts and "monitor better, not more": a platform's series report
// (operators) and a lab's alert rules.
import type { Command } from "commander";
import type { Client } from "./client.js";
import { paint, printable, table, type Output } from "./format.js";

interface Context {
  readonly out: Output;
  readonly client: () => Client;
  readonly json: (value: unknown) => void;
}

const positive = (name: string) => (value: string) => {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new Error(`${name} must be a whole number of at least 1`);
  return number;
};
const count = (value: number) => value.toLocaleString("en-US");

export function registerAlertsCommands(program: Command, context: Context): void {
  const { out, client, json } = context;
  // `plateau metrics …` may gather other commands too: one group, whoever registers first.
  const metrics =
    program.commands.find((command) => command.name() === "metrics") ?? program.command("metrics").description("What the platforms' metrics hold");

  metrics
    .command("report")
    .argument("<platform>", "the platform")
    .description("Series per metric and label, the namespaces that produce the most, and the labs over their series budget (operators)")
    .option("--top <n>", "how many metrics, labels and producers to list", positive("--top"), 20)
    .option("--json", "print JSON")
    .action(async (platform: string, options: { top: number; json?: boolean }) => {
      const report = await client().metricsReport(platform, options.top);
      if (options.json) return json(report);
      out.line(`${printable(report.platform)}: ${count(report.totalSeries)} series`);
      out.line();
      out.line("Metrics with the most series");
      for (const line of table(
        ["METRIC", "SERIES"],
        report.byMetric.map((entry) => [printable(entry.name), count(entry.series)]),
      ))
        out.line(`  ${line}`);
      out.line();
      out.line("Labels on the most series");
      for (const line of table(
        ["LABEL", "SERIES"],
        report.byLabel.map((entry) => [printable(entry.name), count(entry.series)]),
      ))
        out.line(`  ${line}`);
      out.line();
      out.line("Top producers");
      const producers = report.topProducers.map((producer) => [printable(producer.namespace), printable(producer.lab ?? "-"), count(producer.series)]);
      for (const line of table(["NAMESPACE", "LAB", "SERIES"], producers)) out.line(`  ${line}`);
      out.line();
      out.line("Labs and their series budget");
      const labs = report.labs.map((lab) => [
        printable(lab.lab),
        count(lab.series),
        count(lab.budget),
        lab.over ? paint(out, "red", "over budget") : paint(out, "green", "within"),
      ]);
      for (const line of table(["LAB", "SERIES", "BUDGET", ""], labs)) out.line(`  ${line}`);
    });

  program
    .command("alerts")
    .argument("<lab>", "the lab")
    .description("The lab's alert rules: which are on, their thresholds, and the action each alert names")
    .option("--json", "print JSON")
    .action(async (lab: string, options: { json?: boolean }) => {
      const view = await client().labAlerts(lab);
      if (options.json) return json(view);
      out.line(`${printable(view.lab)}: ${view.rules.length} rules over ${view.projects.length} projects`);
      const rows = view.rules.map((rule) => [
        rule.id,
        rule.threshold === null ? "-" : String(rule.threshold),
        rule.forMinutes ? `${rule.forMinutes} min` : "-",
        rule.severity,
        rule.action,
      ]);
      for (const line of table(["RULE", "THRESHOLD", "FOR", "SEVERITY", "ACTION"], rows)) out.line(`  ${line}`);
    });
}
