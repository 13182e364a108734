// The VictoriaMetrics `plateau up` runs for the local platform (Debian's `victoria-metrics`): a
// child process on loopback, its data under the data directory, scraping Plateau itself. One
// left running by a Plateau killed with -9 holds the data directory's lock: it is found again by
// its command line (the same `-storageDataPath`) and replaced (docs/adr/0026-local-metrics.md).
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../../core/ports/logger.js";
import { toYaml } from "../../core/yaml.js";

export interface VictoriaMetricsProcessParams {
  /** The binary, a path or a name looked up in PATH. */
  readonly command: string;
  /** Holds its data (`data/`) and its scrape configuration (`scrape.yaml`). */
  readonly dir: string;
  readonly port: number;
  readonly retentionDays: number;
  /** What it scrapes, every `scrapeIntervalSeconds`. */
  readonly scrape: ScrapeSettings;
  /** More flags, as the operator configured them. */
  readonly args?: readonly string[];
  readonly logger: Logger;
}

export interface ScrapeSettings {
  /** Plateau's address as the scraper reaches it (`127.0.0.1:8080`). */
  readonly target: string;
  readonly intervalSeconds: number;
  /** The file holding the bearer token of `/metrics/tenants`. */
  readonly tokenFile: string;
}

export interface VictoriaMetricsProcess {
  /** The Prometheus API's base (`http://127.0.0.1:<port>`). */
  readonly url: string;
  /** True once it answers its health check; false when it could not start (said in the log). */
  readonly started: Promise<boolean>;
  stop(): Promise<void>;
}

/** The scrape configuration: Plateau's per-tenant series (their own labels kept: `instance` is an instance's name) and its own metrics. */
export function scrapeConfig(settings: ScrapeSettings): string {
  const interval = `${settings.intervalSeconds}s`;
  const timeout = `${Math.min(settings.intervalSeconds, 10)}s`;
  return toYaml({
    global: { scrape_interval: interval, scrape_timeout: timeout },
    scrape_configs: [
      {
        job_name: "plateau-tenants",
        honor_labels: true,
        metrics_path: "/metrics/tenants",
        bearer_token_file: settings.tokenFile,
        static_configs: [{ targets: [settings.target] }],
      },
      { job_name: "plateau", metrics_path: "/metrics", static_configs: [{ targets: [settings.target] }] },
    ],
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Ends a child daemon when this process exits, however it exits: a second Ctrl-C or SIGTERM
 * exits at once, without the orderly stop, and the daemon would outlive Plateau (a kill -9 is
 * the one case left: the next start finds and replaces what it left). `kill` is a system call,
 * so it runs in the synchronous `exit` handlers.
 */
export function endsWithThisProcess(child: ChildProcess): void {
  const end = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  };
  process.on("exit", end);
  child.once("exit", () => process.off("exit", end));
}

/** Stops a process: SIGTERM, then SIGKILL after `graceMs`. */
export async function terminate(pid: number, graceMs: number): Promise<void> {
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return;
  }
  for (const deadline = Date.now() + graceMs; Date.now() < deadline && alive(pid);) await sleep(50);
  if (alive(pid)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone meanwhile
    }
  }
}

/** The processes (by /proc) whose command line holds this exact argument: those left by an earlier Plateau of this data directory. */
export async function processesWithArgument(argument: string): Promise<number[]> {
  const entries = await readdir("/proc").catch(() => [] as string[]);
  const found: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const commandLine = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    if (commandLine.split("\0").includes(argument)) found.push(Number(entry));
  }
  return found;
}

async function healthy(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

export function startVictoriaMetricsProcess(params: VictoriaMetricsProcessParams): VictoriaMetricsProcess {
  const url = `http://127.0.0.1:${params.port}`;
  const dataPath = join(params.dir, "data");
  const storageArgument = `-storageDataPath=${dataPath}`;
  const { logger } = params;
  let child: ChildProcess | undefined;
  let stopping = false;

  const started = (async (): Promise<boolean> => {
    await mkdir(dataPath, { recursive: true });
    const configFile = join(params.dir, "scrape.yaml");
    await writeFile(configFile, scrapeConfig(params.scrape));
    // One left by a Plateau that was killed holds the data's lock: replaced.
    for (const pid of await processesWithArgument(storageArgument)) {
      logger.info({ leftPid: pid }, "a VictoriaMetrics left by an earlier Plateau of this data directory is replaced");
      await terminate(pid, 5000);
    }
    if (stopping) return false;
    const args = [
      storageArgument,
      `-httpListenAddr=127.0.0.1:${params.port}`,
      `-retentionPeriod=${params.retentionDays}d`,
      `-promscrape.config=${configFile}`,
      "-loggerLevel=ERROR",
      // The 30-day 95th percentile of usage is a subquery at the scrape interval: 86,400 points at 30 s,
      // over VictoriaMetrics 1.79's default limit of 30,000 per series (later versions allow 100,000).
      "-search.maxPointsPerTimeseries=200000",
      ...(params.args ?? []),
    ];
    let stderr = "";
    const spawned = spawn(params.command, args, { stdio: ["ignore", "ignore", "pipe"] });
    endsWithThisProcess(spawned);
    child = spawned;
    const failed = new Promise<string>((resolve) => {
      spawned.once("error", (error: NodeJS.ErrnoException) => resolve(error.code === "ENOENT" ? "not-installed" : error.message));
      spawned.once("exit", (code, signal) => resolve(`exited with ${code ?? signal ?? "?"}: ${stderr.trim().split("\n").at(-1) ?? ""}`));
    });
    spawned.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    for (let attempt = 0; attempt < 300; attempt++) {
      const outcome = await Promise.race([failed, sleep(attempt < 20 ? 25 : 100).then(() => undefined)]);
      if (outcome === "not-installed") {
        logger.warn({ command: params.command }, "victoria-metrics is not installed: usage and alerts are off; apt-get install victoria-metrics");
        return false;
      }
      if (outcome !== undefined) {
        if (!stopping) logger.warn({ command: params.command, error: outcome }, "VictoriaMetrics did not start: usage and alerts are off");
        return false;
      }
      if (stopping) return false;
      if (await healthy(url)) {
        logger.info({ url, childPid: spawned.pid, data: dataPath }, "VictoriaMetrics started: it scrapes the local platform's usage");
        spawned.once("exit", (code, signal) => {
          if (!stopping)
            logger.warn({ code, signal, error: stderr.trim().split("\n").at(-1) }, "VictoriaMetrics stopped: usage and alerts are off until the next start");
        });
        return true;
      }
    }
    logger.warn({ url }, "VictoriaMetrics did not answer within 30 s: usage and alerts are off");
    await terminate(spawned.pid ?? 0, 1000);
    return false;
  })().catch((error: unknown) => {
    logger.warn({ error: (error as Error).message }, "VictoriaMetrics could not be started: usage and alerts are off");
    return false;
  });

  return {
    url,
    started,
    async stop() {
      stopping = true;
      await started;
      const running = child;
      if (!running?.pid || running.exitCode !== null || running.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => running.once("exit", () => resolve()));
      running.kill("SIGTERM");
      const timer = setTimeout(() => running.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
