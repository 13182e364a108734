// B11: the 30-day efficiency report of a lab of 200 instances through Plateau's usage service
// (its 8 queries, one per number class for the whole lab, then the arithmetic per instance,
// project and lab, and the advice) vs the same 8 raw PromQL queries run alone against the same
// VictoriaMetrics (sent together, their JSON read): what Plateau adds to what the database does.
// Also the memory Plateau holds while computing it (heap and RSS before and after).
import { createPrometheusMetricsSource } from "../src/adapters/metrics/prometheus-api.js";
import { API_VERSION, serialize, type PlatformDocument } from "../src/core/model.js";
import type { DesiredStateRepository } from "../src/core/ports/desired-state-repository.js";
import type { IndexedProject, StateIndex } from "../src/core/ports/state-index.js";
import { DEFAULT_USAGE_LABELS, USAGE_QUERY_NAMES, usageQueries } from "../src/core/usage/queries.js";
import { createUsageService } from "../src/core/usage/service.js";
import { generateFleet, importFleet } from "../test/support/fleet.js";
import { startVictoriaMetrics } from "../test/support/victoria-metrics.js";
import { median, ms, ratio, showSpread, spread, timed, type Row } from "./stats.js";

const REPETITIONS = 9;
const STEP = 3600;

export async function benchUsage(log: (line: string) => void): Promise<Row[]> {
  const started = await startVictoriaMetrics();
  if ("skipped" in started) {
    log(`  B11 skipped: ${started.skipped}`);
    return [];
  }
  try {
    const fleet = generateFleet({ instances: 200, labs: ["bench"], projectsPerLab: 4, seed: 11 });
    await importFleet(started, fleet);
    const platform: PlatformDocument = {
      apiVersion: API_VERSION,
      kind: "Platform",
      metadata: { name: "cluster" },
      spec: {
        title: "cluster",
        engine: "argocd",
        infrastructure: { type: "bare-metal" },
        site: "bench",
        tier: "institutional",
        flavour: "kubernetes",
        domain: "apps.example.org",
        metrics: { url: started.url, scrapeIntervalSeconds: STEP },
      },
    };
    // What Plateau knows: its platform file and the lab's projects (the index).
    const text = serialize(platform);
    const repo: Pick<DesiredStateRepository, "head" | "readFile" | "listDirectory"> = {
      head: async () => "0".repeat(40),
      readFile: async (_commit, path) => (path === "platforms/cluster.yaml" ? text : undefined),
      listDirectory: async (_commit, path) => (path === "platforms" ? [{ name: "cluster.yaml", type: "blob", hash: "1".repeat(40) }] : []),
    };
    const projects: IndexedProject[] = fleet.projects.map((p) => ({
      name: p.name,
      title: p.name,
      createdAt: "2026-11-01T00:00:00Z",
      createdBy: "bench",
      lab: p.lab,
      personal: null,
      members: [],
      quota: {},
      tiers: [],
    }));
    const index: Pick<StateIndex, "listProjects" | "getProject" | "getInstance"> = {
      listProjects: async () => projects,
      getProject: async (name) => projects.find((p) => p.name === name),
      getInstance: async () => undefined,
    };
    const source = createPrometheusMetricsSource({ url: started.url });
    const usage = createUsageService({ repo, index, clock: { now: () => new Date(fleet.end * 1000) }, sourceFor: () => source });
    const queries = usageQueries(DEFAULT_USAGE_LABELS, { namespaces: fleet.projects.map((p) => p.name).sort() }, "30d", STEP);
    const raw = () =>
      Promise.all(
        USAGE_QUERY_NAMES.map(async (name) => {
          const response = await fetch(`${started.url}/api/v1/query`, {
            method: "POST",
            headers: { "content-type": "application/x-www-form-urlencoded" },
            body: new URLSearchParams({ query: queries[name], time: String(fleet.end) }),
          });
          return response.json();
        }),
      );
    // Untimed once each: neither pays for the other's compilation or the database's first read.
    const first = await usage.lab("bench", "30d");
    await raw();
    const ours: number[] = [];
    const baseline: number[] = [];
    for (let r = 0; r < REPETITIONS; r++) {
      // No answer from VictoriaMetrics' cache of rollups: each run reads the month again.
      await started.flush();
      baseline.push(await timed(raw));
      await started.flush();
      ours.push(await timed(() => usage.lab("bench", "30d")));
    }
    global.gc?.();
    const before = process.memoryUsage();
    let peakHeap = before.heapUsed;
    const sampler = setInterval(() => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)), 1);
    await started.flush();
    const report = await usage.lab("bench", "30d");
    clearInterval(sampler);
    const after = process.memoryUsage();
    peakHeap = Math.max(peakHeap, after.heapUsed);
    const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
    const oursSpread = spread(ours);
    const baselineMs = median(baseline);
    const value = oursSpread.median / baselineMs;
    log(
      `  B11 lab of ${first.total.instances} instances (${report.projects.length} projects), 30 days: ours ${showSpread(oursSpread)} ms, raw queries ${ms(baselineMs)} ms, ${ratio(value)}; heap +${mib(peakHeap - before.heapUsed)} MiB at most, RSS ${mib(after.rss - before.rss)} MiB more after`,
    );
    return [
      {
        name: "B11 30-day efficiency report, lab of 200 instances (8 queries)",
        ours: `${showSpread(oursSpread)} ms`,
        baseline: `${ms(baselineMs)} ms (the same 8 PromQL queries, raw)`,
        ratio: ratio(value),
        target: "≤ 1.5×",
        met: value <= 1.5,
      },
      {
        name: "B11 Plateau's memory while computing it",
        ours: `heap +${mib(peakHeap - before.heapUsed)} MiB (peak), RSS +${mib(after.rss - before.rss)} MiB`,
        baseline: "-",
        ratio: "-",
        target: "-",
        met: true,
      },
    ];
  } finally {
    await started.stop();
  }
}
