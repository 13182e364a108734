// Entry point of the `plateau` command: the CLI, with `up` wired to the server.
import { readFileSync } from "node:fs";
import { createProgram, runProgram } from "../cli/program.js";
import { terminalOutput } from "../cli/format.js";
import { endQuietlyOnClosedPipe } from "../cli/closed-pipe.js";

// A reader that closes early (`plateau ls | head -1`) ends the command quietly, as for git.
endQuietlyOnClosedPipe([process.stdout, process.stderr], (code) => process.exit(code));
const output = terminalOutput();
const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };

const program = createProgram({
  version,
  output,
  async up(options) {
    // The server's modules load only for `up`: other commands stay quick to start.
    const [{ loadConfig, paths }, { createLogger, logsForPeople }, { startPlateau }, { describeLocalMetrics }, { describeLocalS3 }] = await Promise.all([
      import("./config.js"),
      import("./log.js"),
      import("./up.js"),
      import("./local-metrics.js"),
      import("./local-s3.js"),
    ]);
    const config = loadConfig({
      file: options.config,
      env: process.env,
      cwd: process.cwd(),
      overrides: { listen: { port: options.port, host: options.host }, dataDir: options.dataDir },
    });
    const human = logsForPeople(process.env.PLATEAU_LOG_FORMAT, { stdout: process.stdout.isTTY === true, stderr: process.stderr.isTTY === true });
    const logger = createLogger(config.logLevel, human);
    const running = await startPlateau(config, logger);
    // Listened for as soon as the server listens: a signal while the banner is written still drains.
    const stopAsked = new Promise<NodeJS.Signals>((resolve) => {
      process.once("SIGINT", () => resolve("SIGINT"));
      process.once("SIGTERM", () => resolve("SIGTERM"));
    });
    const platforms = await running.plateau.services.platforms.list();
    const location = paths(config);
    const port = config.publicPort ?? running.port;
    output.line(`Plateau ${version} is up.`);
    output.line(`  Portal     ${running.portal ? `${running.url}/` : "not built: run npm run build (the API and the command line work without it)"}`);
    output.line(`  API        ${running.url}/api/v1   (OpenAPI: ${running.url}/api/v1/openapi.json)`);
    if (config.platforms.local.enabled) output.line(`  Instances  http://<instance>.<project>.${config.platforms.local.domain}:${port}/`);
    output.line(
      `  Data       ${config.dataDir}  (database ${location.database.startsWith("postgres") ? "PostgreSQL" : location.database}, desired state ${location.repository})`,
    );
    for (const platform of platforms) {
      output.line(
        platform.available
          ? `  Platform   ${platform.name}: ${platform.version ?? platform.engine}, available`
          : `  Platform   ${platform.name}: unavailable: ${platform.reason ?? "unknown reason"}${platform.hint ? `; ${platform.hint}` : ""}. Launches are committed and run once it is available.`,
      );
    }
    output.line(await describeLocalMetrics(running.localMetrics, config.localMetrics.scrapeIntervalSeconds));
    output.line(await describeLocalS3(running.localS3));
    // Configured identity providers, as their discovery documents were read at start-up (not
    // waited for long: a federation's hundreds of providers, some slow to resolve, go on in the log).
    let waited: ReturnType<typeof setTimeout> | undefined;
    const providers =
      (await Promise.race([running.identityProviders, new Promise<undefined>((resolve) => (waited = setTimeout(() => resolve(undefined), 15_000)))])) ??
      running.identityProviderStatuses();
    clearTimeout(waited);
    const problems = providers.filter((provider) => provider.state !== "ready");
    const describe = (provider: (typeof providers)[number]) =>
      provider.state === "ready"
        ? `  Sign-in    ${provider.id}: ready`
        : provider.state === "checking"
          ? `  Sign-in    ${provider.id}: still being read (the log will say)`
          : `  Sign-in    ${provider.id}: ${provider.state}: ${provider.reason ?? "unknown reason"}${provider.state === "unavailable" ? " (tried again later)" : ""}`;
    if (providers.length > 0 && providers.length <= 10) for (const provider of providers) output.line(describe(provider));
    if (providers.length > 10) {
      output.line(`  Sign-in    ${providers.length} identity providers, ${providers.length - problems.length} ready`);
      for (const provider of problems.slice(0, 10)) output.line(describe(provider));
      if (problems.length > 10) output.line(`  Sign-in    and ${problems.length - 10} more not ready: see the log`);
    }
    const cli = running.url === "http://localhost:8080" ? "npx plateau" : `npx plateau --server ${running.url}`;
    if (running.demoAccounts.length > 0) {
      const { DEMO_ROLES } = await import("./identity.js");
      output.line(`Sign in at ${running.url}/ with a demo account of the embedded identity provider:`);
      for (const account of running.demoAccounts) {
        const password = running.demoPasswordsGenerated ? account.password : "(password from the configuration)";
        output.line(`  ${account.login.padEnd(8)} ${password}   ${DEMO_ROLES[account.login] ?? account.groups.join(", ")}`);
      }
      if (running.demoPasswordsGenerated)
        output.line(`  (kept in ${config.dataDir}/embedded-identity.json; configure identity.providers to use your institution's)`);
    }
    output.line("Try:");
    output.line(`  ${cli} login`);
    output.line(`  ${cli} catalog`);
    output.line(`  ${cli} launch static-site --wait        (in your personal project)`);
    output.line("Stop with Ctrl-C; instances keep running and are picked up again at the next start.");
    const signal = await stopAsked;
    // A second signal while stopping stops now (Ctrl-C twice, or an orchestrator that no longer waits).
    const atOnce = (again: NodeJS.Signals) => {
      process.stderr.write(`plateau: ${again} while stopping: exiting at once; requests and streams still open are cut\n`);
      process.exit(1);
    };
    process.once("SIGINT", atOnce);
    process.once("SIGTERM", atOnce);
    // The drain (ADR 0042): out of the load balancers first, then what is in flight finishes.
    output.line(
      `Stopping (${signal}): not ready any more; requests in flight finish, streams end within ${config.shutdown.drainSeconds + config.shutdown.graceSeconds} s (${signal === "SIGINT" ? "Ctrl-C" : "a signal"} again stops at once)…`,
    );
    await running.drain();
    await running.close();
    // Everything is closed. Should anything still hold the process, say what, and exit anyway.
    setTimeout(() => {
      process.stderr.write(`plateau: still busy after stopping (${process.getActiveResourcesInfo().join(", ")}); exiting\n`);
      process.exit(process.exitCode ?? 0);
    }, 5000).unref();
  },
});

process.exitCode = await runProgram(program, process.argv.slice(2), output);
