// A local Helm repository serving the Onyxia fixture's charts, packed as Helm packs them
// (`<name>-<version>.tgz`, everything under `<name>/`), with an index pointing at them.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";

export const FIXTURE_CHARTS_DIR = join(import.meta.dirname, "..", "fixtures", "onyxia-catalog", "charts");
export const FIXTURE_CHARTS = ["jupyter-python", "jupyter-pytorch-gpu", "rstudio", "vscode-python"] as const;

export interface ChartRepositoryServer {
  /** The repository's URL (a catalog's `location`). */
  readonly location: string;
  /** How many requests it answered, by path. */
  readonly requests: Map<string, number>;
  /** Stops answering (connections refused) until `up()`. */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startChartRepository(): Promise<ChartRepositoryServer> {
  const dir = await mkdtemp(join(tmpdir(), "plateau-charts-"));
  const archives = new Map<string, Buffer>();
  const entries: Record<string, unknown[]> = {};
  for (const name of FIXTURE_CHARTS) {
    const chart = parse(await readFile(join(FIXTURE_CHARTS_DIR, name, "Chart.yaml"), "utf8")) as Record<string, unknown>;
    const file = `${name}-${String(chart.version)}.tgz`;
    execFileSync("tar", ["-czf", join(dir, file), "-C", FIXTURE_CHARTS_DIR, name]);
    const archive = await readFile(join(dir, file));
    archives.set(`/repo/charts/${file}`, archive);
    entries[name] = [{ ...chart, created: "2026-07-20T00:00:00Z", digest: createHash("sha256").update(archive).digest("hex"), urls: [`charts/${file}`] }];
  }
  const indexText = stringify({ apiVersion: "v1", entries, generated: "2026-07-20T00:00:00Z" });
  const requests = new Map<string, number>();
  const server = createServer((request, response) => {
    const url = request.url ?? "/";
    requests.set(url, (requests.get(url) ?? 0) + 1);
    if (url === "/repo/index.yaml") {
      response.writeHead(200, { "content-type": "text/yaml" });
      response.end(indexText);
    } else if (archives.has(url)) {
      response.writeHead(200, { "content-type": "application/gzip" });
      response.end(archives.get(url));
    } else {
      response.writeHead(404);
      response.end("not found");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const stop = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return {
    location: `http://127.0.0.1:${port}/repo`,
    requests,
    down: stop,
    up: () => new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve)),
    async close() {
      if (server.listening) await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Whether the system has a `tar` (tests that make chart archives with it skip without one). */
export function hasTar(): boolean {
  try {
    execFileSync("tar", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
