// A private VictoriaMetrics for a test file: Debian's `victoria-metrics` on loopback, its data in
// a temporary directory, stopped at the end. Skipped (with the reason) when it is not installed,
// unless PLATEAU_REQUIRE_VICTORIAMETRICS=1 (CI) makes that a failure.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freeLoopbackPort } from "../../src/adapters/net.js";

export const VICTORIA_METRICS_BIN = "/usr/bin/victoria-metrics";
export const VMALERT_BIN = "/usr/bin/vmalert";

export interface VictoriaMetricsServer {
  /** The Prometheus API's base: `${url}/api/v1/query`. */
  readonly url: string;
  readonly dataDir: string;
  /** Writes series through the JSON-lines import API (`/api/v1/import`), then makes them searchable at once. */
  importSeries(series: Iterable<ImportedSeries>): Promise<void>;
  /** Makes what was written (imported or scraped) searchable now and forgets cached answers. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

export interface ImportedSeries {
  readonly metric: Readonly<Record<string, string>>;
  readonly values: readonly number[];
  /** Unix milliseconds, one per value. */
  readonly timestamps: readonly number[];
}

export type VictoriaMetricsStart = VictoriaMetricsServer | { readonly skipped: string };

export function victoriaMetricsRequired(): boolean {
  return process.env.PLATEAU_REQUIRE_VICTORIAMETRICS === "1";
}

export async function startVictoriaMetrics(options: { readonly scrapeConfig?: string; readonly args?: readonly string[] } = {}): Promise<VictoriaMetricsStart> {
  if (!existsSync(VICTORIA_METRICS_BIN)) {
    const skipped = "victoria-metrics is not installed (apt-get install victoria-metrics)";
    if (victoriaMetricsRequired()) throw new Error(skipped);
    return { skipped };
  }
  const dataDir = await mkdtemp(join(tmpdir(), "plateau-vm-"));
  const port = await freeLoopbackPort();
  const args = [
    `-storageDataPath=${dataDir}`,
    `-httpListenAddr=127.0.0.1:${port}`,
    // synthetic months are written in the past: keep them
    "-retentionPeriod=100y",
    // what was just written is searchable at once (the default hides the last 30 s)
    "-search.latencyOffset=0s",
    "-loggerLevel=ERROR",
    ...(options.scrapeConfig ? [`-promscrape.config=${options.scrapeConfig}`] : []),
    ...(options.args ?? []),
  ];
  const child: ChildProcess = spawn(VICTORIA_METRICS_BIN, args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt++) {
    try {
      const response = await fetch(`${url}/health`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (attempt > 200 || child.exitCode !== null) {
      child.kill("SIGKILL");
      throw new Error(`victoria-metrics did not start: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  async function flush(): Promise<void> {
    for (const path of ["/internal/force_flush", "/internal/resetRollupResultCache"]) {
      const response = await fetch(`${url}${path}`);
      if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    }
  }

  return {
    url,
    dataDir,
    async importSeries(series) {
      // in chunks of about 4 MB, so that a month of a fleet never sits in memory as one string
      let chunk: string[] = [];
      let size = 0;
      const send = async () => {
        if (chunk.length === 0) return;
        const response = await fetch(`${url}/api/v1/import`, { method: "POST", body: chunk.join("\n") + "\n" });
        if (!response.ok) throw new Error(`import: ${response.status} ${await response.text()}`);
        chunk = [];
        size = 0;
      };
      for (const one of series) {
        const line = JSON.stringify({ metric: one.metric, values: one.values, timestamps: one.timestamps });
        chunk.push(line);
        size += line.length;
        if (size > 4_000_000) await send();
      }
      await send();
      await flush();
    },
    flush,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
        if (child.exitCode === null) child.kill("SIGKILL");
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
