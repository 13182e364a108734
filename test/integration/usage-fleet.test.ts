// Usage, showback and right-sizing against a real VictoriaMetrics loaded with a synthetic month
// of a 2,000-instance fleet (test/support/fleet.ts): every number Plateau says equals what the
// generator knows. Then a resize applies the advice in one commit (none the second time), and
// another lab's people get 404 for what is not theirs.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrometheusMetricsSource } from "../../src/adapters/metrics/prometheus-api.js";
import { API_VERSION, type PlatformDocument } from "../../src/core/model.js";
import type { Clock } from "../../src/core/ports/clock.js";
import { USAGE_WINDOWS, WINDOW_SECONDS, type UsageWindow } from "../../src/core/usage/queries.js";
import { numbersOf, type UsageTotals } from "../../src/core/usage/report.js";
import type { InstanceUsage } from "../../src/core/usage/service.js";
import { memoryApp } from "../support/app.js";
import { generateFleet, importFleet, type Fleet, type FleetInstance, type InstanceTruth } from "../support/fleet.js";
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

describe.skipIf("skipped" in started)("usage of a 2,000-instance month on VictoriaMetrics", () => {
  const vm = started as VictoriaMetricsServer;
  const fleet = generateFleet({ instances: Number(process.env.PLATEAU_FLEET_INSTANCES ?? 2000), seed: 14 });
  const clock: Clock = { now: () => new Date(fleet.end * 1000) };
  let app: Awaited<ReturnType<typeof memoryApp>>;

  beforeAll(async () => {
    const began = performance.now();
    await importFleet(vm, fleet);
    const loaded = performance.now();
    const source = createPrometheusMetricsSource({ url: vm.url });
    app = await memoryApp({
      clock,
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
    console.log(
      `fleet: ${fleet.instances.length} instances imported in ${Math.round(loaded - began)} ms, Plateau ready in ${Math.round(performance.now() - loaded)} ms`,
    );
  }, 120_000);
  afterAll(() => vm.stop());

  it.each(USAGE_WINDOWS)("says every lab's, project's and instance's numbers over %s exactly as the generator knows them", async (window) => {
    const usage = app.plateau.services.usage;
    for (const lab of fleet.labs) {
      const report = await usage.lab(lab, window);
      const members = fleet.instances.filter((instance) => instance.lab === lab);
      const running = members.filter((instance) => fleet.truth(instance, WINDOW_SECONDS[window]).runningSamples > 0);
      expect(report.instances.map((one) => `${one.project}/${one.instance}`).sort()).toEqual(running.map((i) => `${i.project}/${i.name}`).sort());
      for (const one of report.instances) {
        const instance = members.find((i) => i.project === one.project && i.name === one.instance) as FleetInstance;
        expect(actualInstance(one), `${one.project}/${one.instance}`).toEqual(expectedInstance(fleet, instance, window));
      }
      const totals = (of: readonly FleetInstance[]) => numbersOf(sumTotals(of.map((i) => totalsOf(fleet.truth(i, WINDOW_SECONDS[window])))), window, STEP);
      expect(report.total.numbers).toEqual(totals(members));
      for (const project of report.projects) expect(project.numbers, project.project).toEqual(totals(members.filter((i) => i.project === project.project)));
    }
  });
});
