// Usage, showback and right-sizing against a real VictoriaMetrics loaded with a synthetic month
// of a 2,000-instance fleet (test/support/fleet.ts): every number Plateau says equals what the
// generator knows. Then a resize applies the advice in one commit (none the second time), and
// another lab's people get 404 for what is not theirs.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGitRepository, initRepository } from "../../src/adapters/git/git-repository.js";
import { createPrometheusMetricsSource } from "../../src/adapters/metrics/prometheus-api.js";
import { API_VERSION, type PlatformDocument } from "../../src/core/model.js";
import type { Clock } from "../../src/core/ports/clock.js";
import { USAGE_WINDOWS, WINDOW_SECONDS, type UsageWindow } from "../../src/core/usage/queries.js";
import { numbersOf, type UsageTotals } from "../../src/core/usage/report.js";
import type { InstanceUsage } from "../../src/core/usage/service.js";
import { detectIdle, detectionStepSeconds } from "../../src/core/reclaim/idle.js";
import { memoryApp } from "../support/app.js";
import { runCli } from "../support/cli.js";
import { generateFleet, importFleet, type Fleet, type FleetInstance, type InstanceTruth, MIB } from "../support/fleet.js";
import { startVictoriaMetrics, type VictoriaMetricsServer } from "../support/victoria-metrics.js";

const started = await startVictoriaMetrics();
const STEP = 3600;

/** A podman platform (the tests' memory engine) whose metrics are the fleet's. */
function fleetPlatform(url: string): PlatformDocument {
  return {
    apiVersion: API_VERSION,
    kind: "Platform",
    metadata: { name: "fleet" },
    spec: {
      title: "The fleet",
      engine: "podman",
      infrastructure: { type: "local" },
      site: "local",
      tier: "experimental",
      flavour: "kubernetes",
      domain: "localhost",
      metrics: { url, scrapeIntervalSeconds: STEP },
    },
  };
}

const totalsOf = (truth: InstanceTruth): UsageTotals => ({
  runningSamples: truth.runningSamples,
  cpuRequestedSum: truth.cpuRequestedSum,
  memoryRequestedSum: truth.memoryRequestedSum,
  gpuRequestedSum: truth.gpuRequestedSum,
  cpuUsedSeconds: truth.cpuUsedSeconds,
  memoryUsedSum: truth.memoryUsedSum,
  gpuUtilSum: truth.gpuUtilSum,
});

const sumTotals = (all: readonly UsageTotals[]): UsageTotals =>
  all.reduce(
    (a, b) => ({
      runningSamples: a.runningSamples + b.runningSamples,
      cpuRequestedSum: a.cpuRequestedSum + b.cpuRequestedSum,
      memoryRequestedSum: a.memoryRequestedSum + b.memoryRequestedSum,
      gpuRequestedSum: a.gpuRequestedSum + b.gpuRequestedSum,
      cpuUsedSeconds: a.cpuUsedSeconds + b.cpuUsedSeconds,
      memoryUsedSum: a.memoryUsedSum + b.memoryUsedSum,
      gpuUtilSum: a.gpuUtilSum + b.gpuUtilSum,
    }),
    { runningSamples: 0, cpuRequestedSum: 0, memoryRequestedSum: 0, gpuRequestedSum: 0, cpuUsedSeconds: 0, memoryUsedSum: 0, gpuUtilSum: 0 },
  );

/** What Plateau must say of one instance, from the truth. */
function expectedInstance(fleet: Fleet, instance: FleetInstance, window: UsageWindow) {
  const truth = fleet.truth(instance, WINDOW_SECONDS[window]);
  return {
    numbers: numbersOf(totalsOf(truth), window, STEP),
    p95: truth.p95 && { cores: Math.round((truth.p95.millicores / 1000) * 1e9) / 1e9, bytes: Math.round(truth.p95.bytes) },
    current: truth.current && { cores: truth.current.millicores / 1000, bytes: truth.current.bytes, gpus: truth.current.gpus },
    advice: truth.advice,
  };
}

function actualInstance(one: InstanceUsage) {
  return {
    numbers: one.numbers,
    p95: one.p95 && { cores: Math.round(one.p95.cores * 1e9) / 1e9, bytes: Math.round(one.p95.bytes) },
    current: one.current,
    advice: one.advice && { cpuMillicores: one.advice.cpuMillicores, memoryMiB: one.advice.memoryMiB },
  };
}

/** The month of demo/nb (a notebook launched large: 2 cores, 8 GiB): 200m and 320 MiB used, every hour. */
function notebookSeries(fleet: Fleet) {
  const timestamps = Array.from({ length: fleet.steps }, (_, k) => (fleet.start + (k + 1) * STEP) * 1000);
  const labels = { namespace: "demo", pod: "nb-7c9d-x0" };
  const container = { ...labels, container: "main" };
  return [
    { metric: { __name__: "kube_pod_labels", ...labels, label_app_kubernetes_io_instance: "nb" }, values: timestamps.map(() => 1), timestamps },
    { metric: { __name__: "kube_pod_container_resource_requests", ...container, resource: "cpu", unit: "core" }, values: timestamps.map(() => 2), timestamps },
    {
      metric: { __name__: "kube_pod_container_resource_requests", ...container, resource: "memory", unit: "byte" },
      values: timestamps.map(() => 8 * 1024 * MIB),
      timestamps,
    },
    { metric: { __name__: "container_cpu_usage_seconds_total", ...container }, values: timestamps.map((_, k) => k * 720), timestamps },
    { metric: { __name__: "container_memory_working_set_bytes", ...container }, values: timestamps.map(() => 320 * MIB), timestamps },
  ];
}

/** What demo/nb's month adds over a window (its counter starts at the month's first sample). */
function notebookTotals(window: UsageWindow): UsageTotals {
  const n = WINDOW_SECONDS[window] / STEP;
  return {
    runningSamples: n,
    cpuRequestedSum: 2 * n,
    memoryRequestedSum: n * 8 * 1024 * MIB,
    gpuRequestedSum: 0,
    cpuUsedSeconds: (window === "30d" ? n - 1 : n) * 720,
    memoryUsedSum: n * 320 * MIB,
    gpuUtilSum: 0,
  };
}

describe.skipIf("skipped" in started)("usage of a 2,000-instance month on VictoriaMetrics", () => {
  const vm = started as VictoriaMetricsServer;
  const fleet = generateFleet({ instances: Number(process.env.PLATEAU_FLEET_INSTANCES ?? 2000), seed: 14 });
  const clock: Clock = { now: () => new Date(fleet.end * 1000) };
  let app: Awaited<ReturnType<typeof memoryApp>>;
  let gitDir = "";

  beforeAll(async () => {
    const began = performance.now();
    await importFleet(vm, fleet);
    await vm.importSeries(notebookSeries(fleet));
    const loaded = performance.now();
    const source = createPrometheusMetricsSource({ url: vm.url });
    // A real git repository: the resize's commit is a real one.
    gitDir = await mkdtemp(join(tmpdir(), "plateau-usage-"));
    await initRepository({ dir: gitDir });
    app = await memoryApp({
      clock,
      repo: createGitRepository({ dir: gitDir, clock }),
      platforms: [fleetPlatform(vm.url)],
      adapters: { metricsSourceFor: (platform) => (platform.spec.metrics ? source : undefined) },
      tenancy: {
        personalQuota: { cpu: 2, memoryGiB: 8, gpu: 0, instances: 5, storageGiB: 20 },
        projectQuota: { cpu: 8, memoryGiB: 32, gpu: 0, instances: 20, storageGiB: 200 },
        labQuota: { cpu: 32, memoryGiB: 128, gpu: 2, instances: 100, storageGiB: 1000 },
        labProjectLimit: 10,
      },
    });
    const oscar = { login: "oscar", name: "oscar", email: "oscar@example.org" };
    for (const project of fleet.projects) await app.plateau.services.projects.create({ name: project.name, lab: project.lab }, oscar);
    // A notebook of alice's, large, that the month shows using 200m and 320 MiB at most.
    await app.plateau.services.instances.launch(
      { template: "jupyter-notebook", project: "demo", name: "nb", platform: "fleet", values: { size: "large" } },
      { login: "alice", name: "alice", email: "alice@users.plateau.invalid" },
    );
    console.log(
      `fleet: ${fleet.instances.length} instances imported in ${Math.round(loaded - began)} ms, Plateau ready in ${Math.round(performance.now() - loaded)} ms`,
    );
  }, 120_000);
  afterAll(async () => {
    await vm.stop();
    await rm(gitDir, { recursive: true, force: true });
  });

  it.each(USAGE_WINDOWS)("says every lab's, project's and instance's numbers over %s exactly as the generator knows them", async (window) => {
    const usage = app.plateau.services.usage;
    for (const lab of fleet.labs) {
      const full = await usage.lab(lab, window);
      // Alice's notebook (demo, in imb) is checked on its own below.
      const report = {
        ...full,
        instances: full.instances.filter((one) => one.project !== "demo"),
        projects: full.projects.filter((one) => one.project !== "demo"),
      };
      const members = fleet.instances.filter((instance) => instance.lab === lab);
      const running = members.filter((instance) => fleet.truth(instance, WINDOW_SECONDS[window]).runningSamples > 0);
      expect(report.instances.map((one) => `${one.project}/${one.instance}`).sort()).toEqual(running.map((i) => `${i.project}/${i.name}`).sort());
      for (const one of report.instances) {
        const instance = members.find((i) => i.project === one.project && i.name === one.instance) as FleetInstance;
        expect(actualInstance(one), `${one.project}/${one.instance}`).toEqual(expectedInstance(fleet, instance, window));
      }
      const totals = (of: readonly FleetInstance[]) => numbersOf(sumTotals(of.map((i) => totalsOf(fleet.truth(i, WINDOW_SECONDS[window])))), window, STEP);
      const withNotebook = lab === "imb" ? [...members.map((i) => totalsOf(fleet.truth(i, WINDOW_SECONDS[window]))), notebookTotals(window)] : undefined;
      expect(report.total.numbers).toEqual(withNotebook ? numbersOf(sumTotals(withNotebook), window, STEP) : totals(members));
      for (const project of report.projects) expect(project.numbers, project.project).toEqual(totals(members.filter((i) => i.project === project.project)));
    }
  });

  it("knows the requests through the proxy as VictoriaMetrics counts them (for idle detection)", async () => {
    const source = createPrometheusMetricsSource({ url: vm.url });
    for (const window of ["24h", "7d"] as const) {
      const data = await source.query(`sum by (namespace, instance) (increase(plateau_proxy_requests_total[${WINDOW_SECONDS[window]}s]))`, fleet.end);
      const counted = new Map(data.resultType === "vector" ? data.result.map((r) => [`${r.metric.namespace}/${r.metric.instance}`, Number(r.value[1])]) : []);
      for (const instance of fleet.instances.filter((i) => i.proxied))
        expect(counted.get(`${instance.project}/${instance.name}`) ?? 0, `${instance.project}/${instance.name}`).toBe(
          fleet.proxyRequests(instance, WINDOW_SECONDS[window]),
        );
    }
    expect(fleet.instances.filter((i) => fleet.hoursSinceActive(i, 50) !== null && (fleet.hoursSinceActive(i, 50) ?? 0) >= 24).length).toBeGreaterThan(100);
  });

  it("finds when each instance was last active as the generator knows it, to its detection step (idle reclaim's detection)", async () => {
    const source = createPrometheusMetricsSource({ url: vm.url });
    const thresholdMillicores = 10;
    const at = fleet.end * 1000;
    const found = await detectIdle(
      source,
      { labels: { namespace: "namespace", pod: "pod" }, scrapeIntervalSeconds: STEP },
      at,
      fleet.steps,
      thresholdMillicores / 1000,
    );
    // Detection reads steps of four scrapes, each CPU rate averaged over its step: it is exact to a
    // step (here 4 h; 2 min at the default 30 s scrape), a short burst just above the threshold
    // averaged below it with the idle scrapes beside it. idleHours are hours: that step is noise there.
    const stepHours = detectionStepSeconds(STEP) / 3600;
    let idleForADay = 0;
    for (const instance of fleet.instances) {
      const key = `${instance.project}/${instance.name}`;
      const truth = fleet.hoursSinceActive(instance, thresholdMillicores);
      if (truth === null) {
        expect(found.get(key)?.lastActiveAt, key).toBeUndefined();
        continue;
      }
      const hours = found.get(key)?.hoursIdle ?? -1;
      expect(Math.abs(hours - truth) < stepHours, `${key}: ${hours} h idle found, ${truth} h truly`).toBe(true);
      if (truth >= 24) idleForADay++;
    }
    expect(idleForADay).toBeGreaterThan(100);
  });

  it("made a month with what usage reports must survive", () => {
    const pods = fleet.instances.flatMap((instance) => instance.pods);
    expect(fleet.instances.filter((instance) => instance.pods.length > 1).length).toBeGreaterThan(300);
    expect(pods.filter((pod) => pod.counterResetAt !== undefined).length).toBeGreaterThan(100);
    expect(fleet.instances.filter((instance) => (instance.pods[0]?.first ?? 1) > 1).length).toBeGreaterThan(200);
    expect(fleet.instances.filter((instance) => !instance.podAt(fleet.steps)).length).toBeGreaterThan(50);
  });

  it("answers a lab's admin and the operators, and 404 to another lab's people", async () => {
    const report = await app.inject({ url: "/api/v1/labs/imb/usage?window=30d", headers: await app.as("ines") });
    expect(report.statusCode).toBe(200);
    const members = fleet.instances.filter((instance) => instance.lab === "imb");
    const body = report.json<{ total: { numbers: unknown; instances: number }; topWasters: { instance: string }[] }>();
    // The lab's fleet and alice's notebook in demo (imb).
    expect(body.total.instances).toBe(members.filter((i) => fleet.truth(i, WINDOW_SECONDS["30d"]).runningSamples > 0).length + 1);
    expect(body.topWasters).toHaveLength(10);
    expect((await app.inject({ url: "/api/v1/labs/imb/usage", headers: await app.as("alice") })).statusCode).toBe(403);
    for (const who of ["bob", "lea"] as const) {
      const headers = await app.as(who);
      for (const url of [
        "/api/v1/labs/imb/usage",
        "/api/v1/projects/imb-p0/usage",
        "/api/v1/projects/demo/instances/nb/usage",
        "/api/v1/projects/demo/instances/nb/usage/series",
      ])
        expect((await app.inject({ url, headers })).statusCode, `${who} ${url}`).toBe(404);
      expect((await app.inject({ method: "POST", url: "/api/v1/projects/demo/instances/nb/resize", headers, payload: {} })).statusCode).toBe(404);
    }
    expect((await app.inject({ url: "/api/v1/platforms/fleet/usage", headers: await app.as("ines") })).statusCode).toBe(403);
    const platform = await app.inject({ url: "/api/v1/platforms/fleet/usage?window=7d", headers: await app.as("oscar") });
    expect(platform.statusCode).toBe(200);
    const all = fleet.instances.map((i) => totalsOf(fleet.truth(i, WINDOW_SECONDS["7d"])));
    expect(platform.json<{ total: { numbers: unknown } }>().total.numbers).toEqual(numbersOf(sumTotals([...all, notebookTotals("7d")]), "7d", STEP));
  });

  it("gives an instance's numbers per window and the points of its chart", async () => {
    const answer = await app.inject({ url: "/api/v1/projects/demo/instances/nb/usage" });
    expect(answer.statusCode).toBe(200);
    const windows = answer.json<{ windows: InstanceUsage[] }>().windows;
    expect(windows.map((w) => [w.numbers.window, w.numbers.runningHours, w.numbers.cpu.usedHours, w.numbers.cpu.efficiency])).toEqual([
      ["1h", 1, 0.2, 10],
      ["24h", 24, 4.8, 10],
      ["7d", 168, 33.6, 10],
      // Its first sample starts its counter: 719 hours of use in the month.
      ["30d", 720, 143.8, (143.8 / 1440) * 100],
    ]);
    expect(windows[3]?.advice).toMatchObject({ cpuMillicores: 250, memoryMiB: 384, saving: { cores: 1.75, coreHoursPerMonth: 1260 } });
    const series = await app.inject({ url: "/api/v1/projects/demo/instances/nb/usage/series?window=24h" });
    expect(series.statusCode).toBe(200);
    const { points, step } = series.json<{ step: number; points: { cpuUsed: number; cpuRequested: number; memoryUsed: number; memoryRequested: number }[] }>();
    expect(step).toBe(3600);
    expect(points).toHaveLength(24);
    expect(points.every((p) => p.cpuUsed === 0.2 && p.cpuRequested === 2 && p.memoryUsed === 320 * MIB && p.memoryRequested === 8 * 1024 * MIB)).toBe(true);
    expect((await app.inject({ url: "/api/v1/projects/demo/instances/nb/usage/series?window=2d" })).statusCode).toBe(400);
  });

  it("resizes to the advice in one commit, and the same again commits nothing", async () => {
    const before = await app.repo.head();
    const dry = await app.inject({ method: "POST", url: "/api/v1/projects/demo/instances/nb/resize", payload: { dryRun: true } });
    expect(dry.json()).toMatchObject({ dryRun: true, commit: null, target: { cpuMillicores: 250, memoryMiB: 384 } });
    expect(await app.repo.head()).toBe(before);
    const resized = await app.inject({ method: "POST", url: "/api/v1/projects/demo/instances/nb/resize", payload: {} });
    expect(resized.statusCode).toBe(202);
    const commit = resized.json<{ commit: string }>().commit;
    expect(commit).toMatch(/^[0-9a-f]{40}$/);
    const log = await app.plateau.services.instances.history({ project: "demo", instance: "nb" }, 5);
    expect(log[0]?.subject).toBe("resize demo/nb to CPU 250m, memory 384Mi");
    expect((await app.plateau.services.instances.get("demo", "nb")).values.size).toBe("small");
    const again = await app.inject({ method: "POST", url: "/api/v1/projects/demo/instances/nb/resize", payload: { cpu: "250m", memory: "384Mi" } });
    expect(again.json<{ commit: string | null }>().commit).toBeNull();
    const bad = await app.inject({ method: "POST", url: "/api/v1/projects/demo/instances/nb/resize", payload: { cpu: "lots" } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ error: { issues: { pointer: string; rule: string }[] } }>().error.issues[0]).toMatchObject({ pointer: "/cpu", rule: "quantity" });
    const tooBig = await app.inject({ method: "POST", url: "/api/v1/projects/demo/instances/nb/resize", payload: { cpu: "16" } });
    expect(tooBig.json<{ error: { issues: { pointer: string; rule: string }[] } }>().error.issues[0]).toMatchObject({ pointer: "/cpu", rule: "maximum" });
    expect((await app.plateau.services.instances.history({ project: "demo", instance: "nb" }, 5))[0]?.commit).toBe(commit);
  });

  it("prints usage, top wasters and a resize's advice in the CLI", async () => {
    const server = await app.app.listen({ host: "127.0.0.1", port: 0 });
    try {
      const plateau = async (who: "alice" | "ines" | "bob", ...args: string[]) => runCli(server, await app.tokenOf(who), ...args);
      const usage = await plateau("alice", "usage", "demo", "--window", "24h");
      expect(usage.code).toBe(0);
      expect(usage.stdout).toMatch(/^INSTANCE +REQUESTED +USED +EFFICIENCY/);
      expect(usage.stdout).toContain("nb ");
      const json = JSON.parse((await plateau("ines", "usage", "--lab", "imb", "--json")).stdout) as { total: { numbers: { window: string } } };
      expect(json.total.numbers.window).toBe("30d");
      const top = await plateau("ines", "top", "--lab", "imb", "--by", "waste", "-n", "3");
      expect(top.code).toBe(0);
      expect(top.stdout.split("\n")).toHaveLength(4);
      expect((await plateau("bob", "usage", "--lab", "imb")).code).toBe(3);
      const dry = await plateau("alice", "resize", "nb", "--project", "demo", "--cpu", "1", "--memory", "2Gi", "--dry-run");
      expect(dry.code).toBe(0);
      expect(dry.stdout).toContain("Would resize demo/nb to 1 CPU and 2Gi memory");
    } finally {
      await app.app.close();
    }
  });
});
