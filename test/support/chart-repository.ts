// A local Helm repository serving the Onyxia fixture's charts, packed as Helm packs them
// (`<name>-<version>.tgz`, the chart's whole source under `<name>/`, its dependency
// library-chart under `<name>/charts/library-chart/`), with an index pointing at them: so
// `helm template` renders a served archive offline, as Argo CD would.
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { createHash } from "node:crypto";
import { cp, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";

export const FIXTURE_CHARTS_DIR = join(import.meta.dirname, "..", "fixtures", "onyxia-catalog", "charts");
/** The full sources (templates included) of the 21 charts and of library-chart, at the same commit. */
export const FIXTURE_CHART_SOURCES_DIR = join(import.meta.dirname, "..", "fixtures", "onyxia-catalog", "src", "charts");
export const FIXTURE_CHARTS = ["jupyter-python", "jupyter-pytorch-gpu", "rstudio", "vscode-python"] as const;
/** Every chart of the Onyxia fixture (its library chart aside), sorted. */
export const ALL_FIXTURE_CHARTS: readonly string[] = readdirSync(FIXTURE_CHART_SOURCES_DIR)
  .filter((name) => name !== "library-chart")
  .sort();
/** Deliberately minimal charts written for the tests (test/fixtures/charts/README.md), depending on no other. */
export const TEST_CHARTS_DIR = join(import.meta.dirname, "..", "fixtures", "charts");
const TEST_CHARTS = new Set(
  readdirSync(TEST_CHARTS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name),
);

/**
 * A fixture chart packed as `helm package` packs it: its directory with the library-chart it
 * depends on copied into `charts/` (a chart of test/fixtures/charts as it is). `edit` may
 * change the copy first (tests break a chart).
 */
export async function packFixtureChart(name: string, edit?: (chartDir: string) => Promise<void>): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), "plateau-chart-pack-"));
  try {
    await cp(join(chartSourceDir(name), name), join(dir, name), { recursive: true });
    if (!TEST_CHARTS.has(name)) {
      await mkdir(join(dir, name, "charts"), { recursive: true });
      await cp(join(FIXTURE_CHART_SOURCES_DIR, "library-chart"), join(dir, name, "charts", "library-chart"), { recursive: true });
    }
    if (edit) await edit(join(dir, name));
    execFileSync("tar", ["-czf", join(dir, "chart.tgz"), "-C", dir, name]);
    return await readFile(join(dir, "chart.tgz"));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

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

const chartSourceDir = (name: string): string => (TEST_CHARTS.has(name) ? TEST_CHARTS_DIR : FIXTURE_CHART_SOURCES_DIR);

/** Serves `charts` (default: FIXTURE_CHARTS), each a chart of the Onyxia fixture's sources or of test/fixtures/charts. */
export async function startChartRepository(options: { charts?: readonly string[] } = {}): Promise<ChartRepositoryServer> {
  const archives = new Map<string, Buffer>();
  const entries: Record<string, unknown[]> = {};
  for (const name of options.charts ?? FIXTURE_CHARTS) {
    const chart = parse(await readFile(join(chartSourceDir(name), name, "Chart.yaml"), "utf8")) as Record<string, unknown>;
    const file = `${name}-${String(chart.version)}.tgz`;
    const archive = await packFixtureChart(name);
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
