// The `plateau` command. Everything but `up` talks to a Plateau server over the HTTP API.
import { Command, CommanderError, Option } from "commander";
import type { Instance, LaunchResponse } from "../contracts/api.js";
import { isPlateauError } from "../core/errors.js";
import { parseInstanceRef } from "./instance-ref.js";
import { ApiError, createClient, type Client } from "./client.js";
import { EXIT, EXIT_CODES_HELP, exitCodeOf } from "./exit-codes.js";
import { RETRY_HELP, retryPolicy } from "./retry.js";
import { ago, expiryCell, expiryLine, paint, phaseColor, stopCell, stopLine, table, terminalOutput, until, utc, type Output } from "./format.js";
import { buildValues } from "./values.js";
import { loadCredential } from "./credentials.js";
import { registerAccessCommands } from "./access-commands.js";
import { registerAlertsCommands } from "./alerts-commands.js";
import { registerUsageCommands } from "./usage-commands.js";
import { registerReclaimCommands } from "./reclaim-commands.js";
import { registerBucketCommands } from "./bucket-commands.js";
import { registerBucketKeyCommands } from "./bucket-key-commands.js";
import { registerRecoveryCommands } from "./recovery-commands.js";

export const DEFAULT_SERVER = "http://localhost:8080";

export interface ProgramDeps {
  readonly version: string;
  /** `plateau up`: provided by src/main, which owns the server. */
  readonly up: (options: { port?: number; host?: string; dataDir?: string; config?: string }) => Promise<void>;
  readonly output?: Output;
  readonly env?: NodeJS.ProcessEnv;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const collect = (value: string, previous: string[]) => [...previous, value];
const positiveInt = (name: string) => (value: string) => {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) throw new CommanderError(EXIT.input, "plateau.input", `${name} must be a whole number, got "${value}"`);
  return number;
};

export function createProgram(deps: ProgramDeps): Command {
  const out = deps.output ?? terminalOutput();
  const env = deps.env ?? process.env;
  const program = new Command("plateau")
    .description("Plateau: launch catalog applications on your lab's platforms. Every change is one commit in a git repository.")
    .version(deps.version, "-V, --version")
    // The program's options come before the command (`plateau --server URL ls`), so a command may
    // have its own option of the same name: `launch`'s and `place`'s --version is the chart's,
    // not the program's (without this, `plateau place ide/x --version 1.0` printed Plateau's version).
    .enablePositionalOptions()
    .addOption(new Option("-s, --server <url>", "the Plateau server").env("PLATEAU_URL").default(DEFAULT_SERVER))
    .showHelpAfterError("(run with --help for usage)")
    .addHelpText(
      "after",
      `\nSign in first with \`plateau login\`.\nEnvironment: PLATEAU_URL (the server), PLATEAU_TOKEN (an API token), PLATEAU_PROJECT (the default project), PLATEAU_RETRY_SECONDS (how long a restarting server is retried, 30; 0: never).\n${RETRY_HELP}\n${EXIT_CODES_HELP}`,
    )
    .exitOverride();

  const server = () => program.opts<{ server: string }>().server.replace(/\/+$/, "");
  // A token from the environment (scripts, CI) wins over the one `plateau login` saved.
  const token = async () => env.PLATEAU_TOKEN || (await loadCredential(env, server()))?.token;
  // A server that restarts (a replica draining) or says 503 for a moment is asked again, with the same idempotency key (ADR 0042).
  const client = (): Client =>
    createClient(server(), token, {
      retry: retryPolicy(env.PLATEAU_RETRY_SECONDS),
      onRetry: (why, delayMs) => out.error(`plateau: ${why} from ${server()}; trying again in ${(delayMs / 1000).toFixed(1)} s`),
    });
  const projectOption = () => new Option("-p, --project <project>", "the project (default: your personal project)").env("PLATEAU_PROJECT");
  const json = (value: unknown) => out.line(JSON.stringify(value, null, 2));
  const ref = (text: string) => parseInstanceRef(text);

  program
    .command("up")
    .description("Start the Plateau server (API, reverse proxy, local podman platform) in the foreground")
    .option("--port <port>", "port to listen on (default 8080, or PLATEAU_PORT)", positiveInt("--port"))
    .option("--host <host>", "address to listen on (default 127.0.0.1)")
    .option("--data-dir <dir>", "where the database and the desired-state repository live (default ./.plateau)")
    .option("-c, --config <file>", "configuration file (default ./plateau.yaml if present)")
    .addHelpText("after", "\nStops on Ctrl-C. What runs keeps running; the next `plateau up` picks it up again.")
    .action(async (options: { port?: number; host?: string; dataDir?: string; config?: string }) => deps.up(options));

  program
    .command("catalog")
    .argument("[template]", "show one template and the values it accepts")
    .description("List the templates you can launch, or describe one")
    .option("--json", "print JSON")
    .option("--wide", "print whole descriptions")
    .option("--lang <lang>", "language of titles and descriptions (en, fr)", (env.LANG ?? "").startsWith("fr") ? "fr" : "en")
    .action(async (id: string | undefined, options: { json?: boolean; wide?: boolean; lang: string }) => {
      const lang = options.lang === "fr" ? "fr" : "en";
      if (id?.includes("/")) {
        const chart = await client().chart(id, { lang });
        if (options.json) return json(chart);
        out.line(`${paint(out, "bold", chart.title)}  ${chart.id} ${chart.version}  (${chart.category}, Helm)`);
        out.line(chart.description);
        if (chart.versions.length > 1) out.line(`Versions: ${chart.versions.join(", ")}`);
        out.line(`Stop: ${stopLine(chart.stop)}`);
        out.line();
        out.line("Values (--set name=value):");
        for (const line of table(["NAME", "TYPE", "DEFAULT", "DESCRIPTION"], describeValues(chart.valuesSchema, lang))) out.line(`  ${line}`);
        return;
      }
      if (id) {
        const template = await client().template(id);
        if (options.json) return json(template);
        out.line(`${paint(out, "bold", template.title[lang])}  ${template.id} ${template.version}`);
        out.line(template.description[lang]);
        out.line();
        out.line("Values (--set name=value):");
        for (const line of table(["NAME", "TYPE", "DEFAULT", "DESCRIPTION"], describeValues(template.valuesSchema, lang))) out.line(`  ${line}`);
        return;
      }
      const [templates, charts] = await Promise.all([client().templates(), client().charts(lang)]);
      if (options.json) return json({ templates, charts: charts.items, unavailable: charts.unavailable });
      const rows = [
        ...templates.map((t) => [
          t.id,
          t.title[lang],
          t.version,
          stopCell(undefined, true),
          options.wide ? t.description[lang] : firstSentence(t.description[lang]),
        ]),
        ...charts.items.map((c) => [c.id, c.title, c.version, stopCell(c.stop), options.wide ? c.description : firstSentence(c.description)]),
      ];
      for (const line of table(["ID", "TITLE", "VERSION", "STOP", "DESCRIPTION"], rows)) out.line(options.wide ? line : fit(line, out.columns));
      for (const down of charts.unavailable) out.line(paint(out, "yellow", `Helm catalog ${down.catalog} is unavailable: ${down.reason}`));
    });

  program
    .command("launch")
    .argument("<template>", "the template to launch, or <catalog>/<chart> for a Helm chart (see `plateau catalog`)")
    .description("Launch an instance of a template: one commit, then the platform runs it")
    .addOption(projectOption())
    .option("-n, --name <name>", "the instance's name (default: a readable generated name)")
    .option("--set <name=value>", "set a value (repeatable; nested with dots: git.repository=https://…)", collect, [])
    .option("-f, --values <file>", "values from a YAML file (--set wins)")
    .option("--platform <platform>", "run on this platform instead of letting Plateau choose")
    .option("--bucket <bucket>", "attach this bucket of the project: the instance gets its credentials (AWS_* variables, or a chart's s3 values)")
    .option("--version <version>", "a Helm chart's version (default: the newest the catalog offers)")
    .option("-w, --wait", "wait until it runs, showing progress, then print its URL")
    .option("--timeout <seconds>", "with --wait: give up after this long", positiveInt("--timeout"), 600)
    .option("--explain", "print why the platform was chosen, with every candidate's score")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExample:\n  plateau launch static-site --project demo --name hello --set image=localhost/plateau-test-site:1 --wait")
    .action(
      async (
        template: string,
        options: {
          project?: string;
          name?: string;
          set: string[];
          values?: string;
          platform?: string;
          bucket?: string;
          version?: string;
          wait?: boolean;
          timeout: number;
          explain?: boolean;
          json?: boolean;
        },
      ) => {
        const project = await projectOrPersonal(options.project);
        const api = client();
        const schema = await step(`Reading the values of ${template}…`, valuesSchemaOf(api, template, project, options.version));
        const values = buildValues({ set: options.set, valuesFile: options.values, schema: schema as never });
        const result = await step(
          `Placing and committing ${template} in ${project}…`,
          api.launch(project, {
            template,
            ...(options.version ? { version: options.version } : {}),
            values,
            ...(options.name ? { name: options.name } : {}),
            ...(options.platform ? { platform: options.platform } : {}),
            ...(options.bucket ? { bucket: options.bucket } : {}),
          }),
        );
        if (options.json && !options.wait) return json(result);
        if (!options.json) printLaunch(out, result, options.explain ?? false);
        if (options.wait) {
          const final = await waitFor(api, out, result.instance, "running", options.timeout, options.json ?? false);
          if (options.json) json({ ...result, instance: final });
        }
      },
    );

  program
    .command("ls")
    .description("List instances with what their platform reports, and when they expire")
    .option("-p, --project <project>", "only this project")
    .option("--json", "print JSON")
    .action(async (options: { project?: string; json?: boolean }) => {
      const instances = await client().instances(options.project);
      if (options.json) return json(instances);
      if (instances.length === 0)
        return out.line(
          options.project
            ? `No instance in project ${options.project}.`
            : "No instance yet. Try: plateau catalog, then plateau launch <template> --project <project>",
        );
      const now = Date.now();
      const rows = instances.map((i) => {
        const expiry = expiryCell(i, now);
        return [
          `${i.project}/${i.name}`,
          i.template,
          paint(out, phaseColor(i.phase), i.phase),
          i.platform,
          i.url ?? "-",
          ago(i.createdAt, now),
          expiry.style ? paint(out, expiry.style, expiry.text) : expiry.text,
        ];
      });
      for (const line of table(["INSTANCE", "TEMPLATE", "STATUS", "PLATFORM", "URL", "CREATED", "EXPIRES"], rows)) out.line(line);
    });

  program
    .command("status")
    .argument("<project/instance>", "the instance")
    .description("Show an instance: what was asked, what runs, its URL, when it expires and its latest events")
    .option("--json", "print JSON")
    .option("--show-secrets", "also print its passwords and tokens (the read is audited; they are never in the repository)")
    .action(async (target: string, options: { json?: boolean; showSecrets?: boolean }) => {
      const { project, instance } = ref(target);
      const api = client();
      const [view, events, secrets] = await Promise.all([
        api.instance(project, instance),
        api.events(project, instance, 10),
        options.showSecrets ? api.secrets(project, instance) : undefined,
      ]);
      if (options.json) return json({ ...view, events, ...(secrets ? { secrets } : {}) });
      const rows: [string, string][] = [
        ["Instance", `${view.project}/${view.name}`],
        ["Template", `${view.template} ${view.templateVersion}`],
        ["Asked", view.state],
        ["Status", `${paint(out, phaseColor(view.phase), view.phase)}${view.reason ? ` — ${view.reason}` : ""}`],
        ["URL", view.url ?? "-"],
        ["Platform", `${view.platform} (${view.placementReason})`],
        ["Created", `${view.createdAt} by ${view.createdBy}`],
        ["Expires", expiryLine(view)],
        ["Values", JSON.stringify(view.values)],
      ];
      for (const [key, value] of rows) out.line(`${key.padEnd(9)} ${value}`);
      if (secrets) {
        out.line();
        out.line(secrets.length > 0 ? "Secrets:" : "Secrets: none");
        for (const secret of secrets) out.line(`  ${secret.name}  ${secret.value}`);
      }
      if (events.length > 0) {
        out.line();
        out.line("Events:");
        for (const event of events) out.line(`  ${event.at.slice(11, 19)}  ${event.message}`);
      }
    });

  program
    .command("logs")
    .argument("<project/instance>", "the instance")
    .description("Print the logs of an instance's containers")
    .option("-f, --follow", "keep printing new lines until Ctrl-C")
    .option("--tail <lines>", "how many lines from the end", positiveInt("--tail"), 200)
    .action(async (target: string, options: { follow?: boolean; tail: number }) => {
      const { project, instance } = ref(target);
      const controller = new AbortController();
      process.once("SIGINT", () => controller.abort());
      try {
        for await (const chunk of await client().logs(project, instance, { follow: options.follow ?? false, tail: options.tail, signal: controller.signal }))
          process.stdout.write(chunk);
      } catch (error) {
        if (!controller.signal.aborted) throw error;
      }
    });

  for (const [name, verb, description, expected] of [
    ["stop", "stop", "Stop an instance; its data is kept (one commit)", "stopped"],
    ["start", "start", "Start a stopped instance (one commit); it gets a fresh expiry", "running"],
    ["rm", "remove", "Remove an instance and its data (one commit)", "removed"],
  ] as const) {
    program
      .command(name)
      .argument("<project/instance>", "the instance")
      .description(description)
      .option("-w, --wait", "wait until the platform has done it")
      .option("--timeout <seconds>", "with --wait: give up after this long", positiveInt("--timeout"), 300)
      .option("--json", "print JSON")
      .action(async (target: string, options: { wait?: boolean; timeout: number; json?: boolean }) => {
        const { project, instance } = ref(target);
        const api = client();
        // Events from before the request are history, not progress.
        const before = options.wait && verb !== "remove" ? new Set((await api.events(project, instance, 50)).map(eventKey)) : undefined;
        const result =
          verb === "stop" ? await api.stop(project, instance) : verb === "start" ? await api.start(project, instance) : await api.remove(project, instance);
        if (options.json) json(result);
        else if (result.commit)
          out.line(
            `${paint(out, "green", "✓")} ${verb === "remove" ? "removed" : `${verb} requested for`} ${project}/${instance} (commit ${result.commit.slice(0, 7)})`,
          );
        else out.line(`${project}/${instance} is already ${expected}: nothing to commit`);
        if (options.wait && expected !== "removed" && result.instance)
          await waitFor(api, out, result.instance, expected, options.timeout, options.json ?? false, before);
        if (options.wait && expected === "removed") await waitForRemoval(api, out, project, instance, options.timeout);
      });
  }

  program
    .command("renew")
    .argument("<project/instance>", "the running instance")
    .description("Keep a running instance longer before Plateau stops it (one commit)")
    .option("-d, --days <n>", "days to add to its expiry (default: the server's, 30 unless configured otherwise)", positiveInt("--days"))
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `
Instances run for a while after their launch or start (30 days unless configured otherwise),
then Plateau stops them; their data is kept, and starting one again gives it a fresh expiry.
A Helm chart that cannot be stopped is removed instead, its data with it (plateau ls says
"removed in …", plateau status "then removed, its data with it"): renew it to keep it.
Renewing adds days to the current expiry (or to now once it has passed), up to a limit from
now (365 days unless configured otherwise). A stopped instance is not renewed: start it.

Examples:
  plateau renew u-alice/hello             # the server's default (30 days)
  plateau renew demo/notebook --days 7
  plateau ls                              # the EXPIRES column: when each instance stops`,
    )
    .action(async (target: string, options: { days?: number; json?: boolean }) => {
      const { project, instance } = ref(target);
      if (options.days === 0) throw new CommanderError(EXIT.input, "plateau.input", "--days must be at least 1");
      const result = await client().renew(project, instance, options.days);
      if (options.json) return json(result);
      const expiresAt = result.instance?.expiresAt ?? null;
      if (expiresAt === null) return out.line(`${project}/${instance} never expires: nothing to renew`);
      const when = `${utc(expiresAt)} (${until(expiresAt)})`;
      out.line(
        result.commit
          ? `${paint(out, "green", "✓")} ${project}/${instance} now expires on ${when} (commit ${result.commit.slice(0, 7)})`
          : `${project}/${instance} already expires on ${when}, as late as allowed: nothing to commit`,
      );
    });

  program
    .command("history")
    .argument("[target]", "an instance (project/instance) or a project")
    .description("The commits that changed an instance, a project, or everything (newest first)")
    .option("--limit <n>", "how many", positiveInt("--limit"), 20)
    .option("--json", "print JSON")
    .action(async (target: string | undefined, options: { limit: number; json?: boolean }) => {
      const api = client();
      const entries = target?.includes("/")
        ? await api.history(ref(target).project, ref(target).instance, options.limit)
        : await api.history(target, undefined, options.limit);
      if (options.json) return json(entries);
      const rows = entries.map((e) => [e.commit.slice(0, 7), e.at.replace("T", " ").slice(0, 19), e.author, e.subject]);
      for (const line of table(["COMMIT", "WHEN (UTC)", "WHO", "WHAT"], rows)) out.line(line);
    });

  const projects = program.command("projects").description("List projects, create one, or see and set its quota and the platform tiers it may run on");
  projects.option("--json", "print JSON").action(async (options: { json?: boolean }) => {
    const items = await client().projects();
    if (options.json) return json(items);
    for (const line of table(
      ["PROJECT", "TITLE", "TIERS", "INSTANCES", "CREATED BY"],
      items.map((p) => [p.name, p.title, p.tiers.join(","), String(p.instances), p.createdBy]),
    ))
      out.line(line);
  });
  projects
    .command("create")
    .argument("<name>", "the project's name (a DNS label)")
    .requiredOption("--lab <lab>", "the lab it belongs to (one of yours: plateau whoami)")
    .option("--title <title>", "a title for people")
    .description("Create a lab project (one commit); you become its owner. Your personal project needs no creating.")
    .action(async (name: string, options: { lab: string; title?: string }) => {
      const result = await client().createProject(name, options.lab, options.title);
      out.line(
        `${paint(out, "green", "✓")} created project ${result.project.name} in lab ${options.lab}${result.commit ? ` (commit ${result.commit.slice(0, 7)})` : ""}`,
      );
    });

  projects
    .command("tiers")
    .argument("<project>", "the project")
    .argument("[tiers...]", "experimental, institutional, or both (omit them to see the project's)")
    .option("--json", "print JSON")
    .description("The platform tiers a project's instances may run on; platform operators set them (one commit)")
    .addHelpText(
      "after",
      "\nA platform declares its tier: experimental (no guarantee) or institutional (kept up); a project runs on experimental ones unless an operator sets otherwise.\nExample:\n  plateau projects tiers archive institutional",
    )
    .action(async (project: string, tiers: string[], options: { json?: boolean }) => {
      const api = client();
      if (tiers.length === 0) {
        const found = await api.project(project);
        if (options.json) return json(found.tiers);
        out.line(`${found.name} may run on ${found.tiers.join(" and ")} platforms`);
        return;
      }
      const result = await api.setTiers(project, tiers);
      if (options.json) return json(result);
      out.line(
        `${paint(out, "green", "✓")} ${result.project.name} may run on ${result.project.tiers.join(" and ")} platforms${result.commit ? ` (commit ${result.commit.slice(0, 7)})` : " (no change)"}`,
      );
    });

  projects
    .command("quota")
    .argument("<project>", "the project")
    .option("--cpu <cores>", "cores", amount("--cpu", false))
    .option("--memory <GiB>", "memory, in GiB", amount("--memory", false))
    .option("--gpu <count>", "GPUs", amount("--gpu", true))
    .option("--instances <count>", "instances, running or stopped", amount("--instances", true))
    .option("--storage <GiB>", "storage, in GiB", amount("--storage", false))
    .option("--json", "print JSON")
    .description("A project's quota, or set some of it (one commit): its lab's admins for a lab project, platform operators for any")
    .addHelpText(
      "after",
      "\nWhat is not given stays as it is; without options, the project's quota and use are shown (as plateau quota does).\nExample:\n  plateau projects quota genomics --gpu 1 --cpu 16",
    )
    .action(async (project: string, options: { cpu?: number; memory?: number; gpu?: number; instances?: number; storage?: number; json?: boolean }) => {
      const api = client();
      const asked = {
        ...(options.cpu !== undefined ? { cpu: options.cpu } : {}),
        ...(options.memory !== undefined ? { memoryGiB: options.memory } : {}),
        ...(options.gpu !== undefined ? { gpu: options.gpu } : {}),
        ...(options.instances !== undefined ? { instances: options.instances } : {}),
        ...(options.storage !== undefined ? { storageGiB: options.storage } : {}),
      };
      if (Object.keys(asked).length === 0) {
        const report = await api.quota(project);
        if (options.json) return json(report.project);
        const { quota, used } = report.project;
        out.line(
          `${project}: ${used.cpu}/${quota.cpu} CPU, ${used.memoryGiB}/${quota.memoryGiB} GiB of memory, ${used.gpu}/${quota.gpu} GPU, ${used.instances}/${quota.instances} instances, ${used.storageGiB}/${quota.storageGiB} GiB of storage`,
        );
        return;
      }
      // The project's file keeps what it sets; what it does not set stays the default.
      const current = await api.project(project);
      const result = await api.setQuota(project, { ...current.quota, ...asked });
      if (options.json) return json(result);
      const set = Object.entries(asked)
        .map(([resource, value]) => `${resource} ${value}`)
        .join(", ");
      out.line(`${paint(out, "green", "✓")} ${project}'s quota: ${set}${result.commit ? ` (commit ${result.commit.slice(0, 7)})` : " (no change)"}`);
    });

  program
    .command("move")
    .argument("<project/instance>", "the instance")
    .requiredOption("--to <platform>", "the platform to move it to")
    .description("Re-place an instance on another platform (one commit); the data on its volumes stays where it was")
    .action(async (target: string, options: { to: string }) => {
      const { project, instance } = ref(target);
      const result = await step(`Moving ${project}/${instance} to ${options.to}…`, client().move(project, instance, options.to));
      out.line(
        result.commit
          ? `${paint(out, "green", "✓")} committed ${result.commit.slice(0, 7)}: ${project}/${instance} moves to ${result.placement.platform}`
          : `${project}/${instance} is already on ${result.placement.platform}`,
      );
    });

  program
    .command("place")
    .argument("<template>", "the template you would launch, or <catalog>/<chart> for a Helm chart (see `plateau catalog`)")
    .description("Where a launch would go and why (a dry run: nothing is committed)")
    .addOption(projectOption())
    .option("--set <name=value>", "a value, as for launch (repeatable)", collect, [])
    .option("-f, --values <file>", "values from a YAML file")
    .option("--platform <platform>", "check this platform only")
    .option("--version <version>", "a Helm chart's version (default: the newest the catalog offers)")
    .option("--dry-run", "(the default and only mode: placing never commits)")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      "\nExamples:\n  plateau place static-site --project demo\n  plateau place ide/jupyter-pytorch-gpu --project genomics --set resources.requests.cpu=4000m",
    )
    .action(async (template: string, options: { project?: string; set: string[]; values?: string; platform?: string; version?: string; json?: boolean }) => {
      const api = client();
      const project = await projectOrPersonal(options.project);
      const schema = await step(`Reading the values of ${template}…`, valuesSchemaOf(api, template, project, options.version));
      const values = buildValues({ set: options.set, valuesFile: options.values, schema: schema as never });
      const placement = await step(
        `Placing ${template} in ${project}…`,
        api.placement(project, {
          template,
          values,
          ...(options.version ? { version: options.version } : {}),
          ...(options.platform ? { platform: options.platform } : {}),
        }),
      );
      if (options.json) {
        json(placement);
        if (placement.quota) throw new CommanderError(EXIT.quotaExceeded, "plateau.quota-blocked", placement.quota.reason);
        return;
      }
      out.line(`${template} in ${project} would run on ${paint(out, "bold", placement.platform)}: ${placement.reason}`);
      if (placement.asks) {
        const { cpu, memoryGiB, gpu, storageGiB } = placement.asks;
        out.line(`It would count ${cpu} CPU, ${memoryGiB} GiB of memory, ${gpu} GPU and ${storageGiB} GiB of storage against the quotas (plateau quota).`);
      }
      // A chart's pod lands on a pool, whose node selector and tolerations its values will carry.
      if (placement.pool) {
        const { name, gpu, nodeSelector, tolerations } = placement.pool;
        const selector = Object.entries(nodeSelector).map(([key, value]) => `${key}=${value}`);
        const tolerated = tolerations.map(
          (t) => `${t.key ?? "*"}${t.operator === "Exists" || t.value === undefined ? "" : `=${t.value}`}${t.effect ? `:${t.effect}` : ""}`,
        );
        out.line(
          `Its pod would land on the pool ${name}${gpu ? ` (${gpu.count} × ${gpu.type} per node)` : ""}, with the node selector ${selector.join(", ") || "none"} and the tolerations ${tolerated.join(", ") || "none"}.`,
        );
      }
      printPlacementTable(out, placement);
      // A quota would refuse the launch: say what it needs, which quota and who raises it how,
      // and exit as the launch would (quota exceeded), so a script can tell before launching.
      if (placement.quota) {
        out.line();
        out.line(paint(out, "yellow", `A launch would be refused: it needs ${needsText(placement.asks)}; ${placement.quota.reason}.`));
        throw new CommanderError(EXIT.quotaExceeded, "plateau.quota-blocked", placement.quota.reason);
      }
    });

  registerAccessCommands(program, { out, env, client, server, json, projectOrPersonal });
  registerAlertsCommands(program, { out, client, json });
  registerUsageCommands(program, { out, client, json, projectOrPersonal, projectOption });
  registerReclaimCommands(program, { out, client, json });
  registerBucketKeyCommands(registerBucketCommands(program, { out, client, json }), { out, client, json });
  registerRecoveryCommands(program, { out, client, json });

  program
    .command("platforms")
    .description("List platforms: their tier, pools and capacity, what runs there, and whether they can run instances now")
    .option("--pools", "list each platform's pools of nodes")
    .option("--json", "print JSON")
    .action(async (options: { pools?: boolean; json?: boolean }) => {
      const items = await client().platforms();
      if (options.json) return json(items);
      const use = (p: (typeof items)[number]) =>
        p.capacity
          ? `${p.used.cpu}/${p.capacity.cpu} cores, ${p.used.memoryGiB}/${p.capacity.memoryGiB} GiB${p.capacity.gpu ? `, ${p.used.gpu}/${p.capacity.gpu} GPU` : ""}`
          : `${p.used.cpu} cores, ${p.used.memoryGiB} GiB`;
      const rows = items.map((p) => [
        p.name,
        p.engine,
        p.infrastructure,
        p.recoveryFor ? `${p.tier} (of ${p.recoveryFor})` : p.tier,
        p.available ? paint(out, "green", "available") : paint(out, "red", "unavailable"),
        String(p.instances),
        use(p),
        p.available ? (p.version ?? "") : `${p.reason ?? ""}${p.hint ? ` — ${p.hint}` : ""}`,
      ]);
      for (const line of table(["PLATFORM", "ENGINE", "INFRASTRUCTURE", "TIER", "STATE", "INSTANCES", "USED / CAPACITY", "DETAILS"], rows)) out.line(line);
      // Clusters see Plateau's commits through the remote: say when they cannot.
      for (const p of items) {
        if (p.delivery?.reason) out.line(paint(out, "yellow", `${p.name}: changes do not reach it (${p.delivery.state}): ${p.delivery.reason}`));
      }
      if (options.pools) {
        for (const p of items.filter((platform) => platform.pools.length > 0)) {
          out.line();
          out.line(paint(out, "bold", p.name));
          const poolRows = p.pools.map((pool) => [
            pool.name,
            String(pool.nodes),
            String(pool.cpu),
            String(pool.memoryGiB),
            pool.gpu ? `${pool.gpu.count} × ${pool.gpu.type}` : "",
          ]);
          for (const line of table(["POOL", "NODES", "CORES/NODE", "GiB/NODE", "GPU/NODE"], poolRows)) out.line(`  ${line}`);
        }
      }
    });

  return program;

  /**
   * The values schema a launch or placement of `template` is checked against: a chart's form
   * (for the project, at the version asked) for `<catalog>/<chart>`, else the built-in template's.
   * The server's instance sources make the same distinction (ADR 17); launch and place share it here.
   */
  async function valuesSchemaOf(api: Client, template: string, project: string, version: string | undefined): Promise<unknown> {
    const lang = (env.LANG ?? "").startsWith("fr") ? "fr" : "en";
    return template.includes("/")
      ? (await api.chart(template, { lang, project, ...(version ? { version } : {}) })).valuesSchema
      : (await api.template(template)).valuesSchema;
  }

  /** Shows what a step that may take a while does (on a terminal), until it is done. */
  async function step<T>(text: string, work: Promise<T>): Promise<T> {
    out.progress?.(text);
    try {
      return await work;
    } finally {
      out.progress?.(undefined);
    }
  }

  /** The project given, else the person's own (`u-<login>`). */
  async function projectOrPersonal(project: string | undefined): Promise<string> {
    return project || (await client().me()).personalProject;
  }
}

/** What a launch needs, in the order people size a machine: `4 CPU, 16 GiB of memory, 1 GPU` (GPUs and storage when asked). */
function needsText(asks: LaunchResponse["placement"]["asks"]): string {
  if (!asks) return "what its template asks";
  return [
    `${asks.cpu} CPU`,
    `${asks.memoryGiB} GiB of memory`,
    ...(asks.gpu > 0 ? [`${asks.gpu} GPU`] : []),
    ...(asks.storageGiB > 0 ? [`${asks.storageGiB} GiB of storage`] : []),
  ].join(", ");
}

/** A quota's amount: a number of at least 0 (cores and GiB may have decimals). */
const amount = (name: string, whole: boolean) => (value: string) => {
  const number = Number(value);
  if (value.trim() === "" || !Number.isFinite(number) || number < 0 || (whole && !Number.isInteger(number))) {
    throw new CommanderError(EXIT.input, "plateau.input", `${name} must be ${whole ? "a whole number" : "a number"} of at least 0, got "${value}"`);
  }
  return number;
};

const firstSentence = (text: string) => /^.*?[.!?](\s|$)/.exec(text)?.[0].trim() ?? text;
const fit = (line: string, columns: number | undefined) => (columns && line.length > columns ? `${line.slice(0, columns - 1)}…` : line);

function describeValues(schema: Record<string, unknown>, lang: "en" | "fr", prefix = ""): string[][] {
  const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
  return Object.entries(properties).flatMap(([name, property]) => {
    const path = `${prefix}${name}`;
    if (property.type === "object" && property.properties) return describeValues(property, lang, `${path}.`);
    const i18n = (property["x-i18n"] as Record<string, { description?: string }> | undefined)?.[lang];
    const type = Array.isArray(property.enum) ? (property.enum as unknown[]).join("|") : String(property.type ?? "");
    const fallback = typeof property.description === "string" ? property.description : "";
    return [[path, type, JSON.stringify(property.default ?? null), i18n?.description ?? fallback]];
  });
}

function printPlacementTable(out: Output, placement: LaunchResponse["placement"]): void {
  for (const line of table(
    ["PLATFORM", "SCORE", "DETAILS"],
    [
      ...placement.candidates.map((c) => [
        c.platform,
        String(c.score),
        Object.entries(c.scores)
          .map(([k, v]) => `${k}=${v}`)
          .join(" "),
      ]),
      ...placement.excluded.map((e) => [e.platform, "excluded", e.reason]),
    ],
  ))
    out.line(`  ${line}`);
}

function printLaunch(out: Output, result: LaunchResponse, explain: boolean): void {
  const instance = result.instance;
  if (result.replayed) out.line(`${paint(out, "green", "✓")} already launched by this request: ${instance.project}/${instance.name}`);
  else
    out.line(
      `${paint(out, "green", "✓")} committed ${result.commit?.slice(0, 7) ?? ""}: launch ${instance.project}/${instance.name} (${instance.template} ${instance.templateVersion})`,
    );
  out.line(`  placed on ${result.placement.platform}: ${result.placement.reason}`);
  if (explain) printPlacementTable(out, result.placement);
}

const eventKey = (event: { at: string; message: string }) => `${event.at} ${event.message}`;

/** Waits for an instance to reach a phase, printing the events that were not there before. */
async function waitFor(
  api: Client,
  out: Output,
  instance: Instance,
  target: "running" | "stopped",
  timeoutSeconds: number,
  quiet: boolean,
  seen = new Set<string>(),
): Promise<Instance> {
  const started = Date.now();
  const deadline = started + timeoutSeconds * 1000;
  let lastPhase = "";
  for (;;) {
    const [view, events] = await Promise.all([api.instance(instance.project, instance.name), api.events(instance.project, instance.name, 20)]);
    if (!quiet) {
      for (const event of events) {
        const key = eventKey(event);
        if (seen.has(key)) continue;
        seen.add(key);
        out.line(`  ${paint(out, "dim", "…")} ${event.message}`);
      }
      if (view.phase !== lastPhase && view.phase === "pending" && lastPhase === "") out.line(`  ${paint(out, "dim", "…")} ${view.reason}`);
    }
    lastPhase = view.phase;
    if (view.phase === target) {
      if (!quiet) {
        out.line(`${paint(out, "green", "✓")} ${target} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
        if (target === "running" && view.url) out.line(`  ${paint(out, "bold", view.url)}`);
      }
      return view;
    }
    if (view.phase === "failed") throw new ApiError(0, "failure", `${view.project}/${view.name} failed: ${view.reason}`);
    if (Date.now() > deadline)
      throw new ApiError(
        0,
        "unavailable",
        `gave up after ${timeoutSeconds} s: ${view.project}/${view.name} is ${view.phase} (${view.reason}); it may still get there — see plateau status ${view.project}/${view.name}`,
      );
    await sleep(200);
  }
}

async function waitForRemoval(api: Client, out: Output, project: string, instance: string, timeoutSeconds: number): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    // The status outlives the instance until its platform has removed the workload and data.
    try {
      await api.status(project, instance);
    } catch (error) {
      if (error instanceof ApiError && error.code === "not-found")
        return void out.line(`${paint(out, "green", "✓")} ${project}/${instance} and its data are gone from its platform`);
      throw error;
    }
    if (Date.now() > deadline) throw new ApiError(0, "unavailable", `gave up after ${timeoutSeconds} s`);
    await sleep(200);
  }
}

/** Runs the program; returns the exit code (and prints the one-line reason of a failure). */
export async function runProgram(program: Command, argv: string[], out: Output = terminalOutput()): Promise<number> {
  try {
    await program.parseAsync(argv, { from: "user" });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help") return EXIT.ok;
      if (error.code === "plateau.input") out.error(`plateau: ${error.message}`);
      // commander has printed its own message for its errors
      return error.exitCode === 1 ? EXIT.input : error.exitCode;
    }
    if (error instanceof ApiError) {
      out.error(`plateau: ${error.message}`);
      for (const issue of error.issues.slice(1, 10)) out.error(`  also: ${issue.pointer} ${issue.message} [${issue.rule}]`);
      return exitCodeOf(error.code);
    }
    if (isPlateauError(error)) {
      out.error(`plateau: ${error.message}`);
      return exitCodeOf(error.code);
    }
    out.error(`plateau: ${(error as Error).message}`);
    return EXIT.failure;
  }
}
