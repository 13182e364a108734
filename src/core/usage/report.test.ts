import { describe, expect, it } from "vitest";
import type { QueryData } from "../ports/metrics-source.js";
import { GIB } from "./advice.js";
import { DEFAULT_USAGE_LABELS } from "./queries.js";
import { adviceFor, addTotals, hourlyTotals, measuresOf, numbersOf, wastedCoreHours, ZERO_TOTALS } from "./report.js";

const vector = (rows: [Record<string, string>, number][]): QueryData => ({
  resultType: "vector",
  result: rows.map(([metric, value]) => ({ metric, value: [0, String(value)] as const })),
});
const at = (instance: string, extra: Record<string, string> = {}) => ({ namespace: "demo", label_app_kubernetes_io_instance: instance, ...extra });

describe("the arithmetic of usage", () => {
  it("turns sums of samples into averages, hours and efficiency", () => {
    // 10 scrapes of an hour: 2 cores and 4 GiB requested, 3,600 CPU-seconds and 1 GiB on average used.
    const numbers = numbersOf(
      {
        runningSamples: 10,
        cpuRequestedSum: 20,
        memoryRequestedSum: 40 * GIB,
        gpuRequestedSum: 0,
        cpuUsedSeconds: 36_000,
        memoryUsedSum: 10 * GIB,
        gpuUtilSum: 0,
      },
      "24h",
      3600,
    );
    expect(numbers).toEqual({
      window: "24h",
      runningHours: 10,
      cpu: { requested: 2, used: 1, requestedHours: 20, usedHours: 10, efficiency: 50 },
      memory: { requested: 4, used: 1, requestedHours: 40, usedHours: 10, efficiency: 25 },
      gpu: { requested: 0, used: 0, requestedHours: 0, usedHours: 0, efficiency: null },
    });
    expect(wastedCoreHours(numbers)).toBe(10);
    expect(addTotals(ZERO_TOTALS, { ...ZERO_TOTALS, runningSamples: 3 }).runningSamples).toBe(3);
  });

  it("reads the answers per instance, and advises only what runs at the window's end", () => {
    const measures = measuresOf(
      {
        running: vector([
          [at("b"), 4],
          [at("a"), 2],
        ]),
        requested: vector([
          [at("a", { resource: "cpu" }), 2],
          [at("a", { resource: "memory" }), 2 * GIB],
          [at("a", { resource: "nvidia_com_gpu" }), 1],
        ]),
        current: vector([
          [at("a", { resource: "cpu" }), 1],
          [at("a", { resource: "memory" }), GIB],
        ]),
        cpuUsed: vector([[at("a"), 360]]),
        cpuP95: vector([[at("a"), 0.25]]),
        memoryP95: vector([[at("a"), 512 * 1024 * 1024]]),
        memoryUsed: { resultType: "vector", result: [{ metric: at("b"), value: [0, "NaN"] }] },
      },
      DEFAULT_USAGE_LABELS,
    );
    expect(measures.map((m) => m.instance)).toEqual(["a", "b"]);
    expect(measures[0]).toMatchObject({
      totals: { runningSamples: 2, cpuRequestedSum: 2, gpuRequestedSum: 1, cpuUsedSeconds: 360 },
      current: { cores: 1, bytes: GIB, gpus: 0 },
    });
    expect(adviceFor(measures[0]!)).toMatchObject({ cpuMillicores: 300, memoryMiB: 640 });
    expect(adviceFor(measures[1]!)).toBeNull();
  });

  it("adds platforms scraped at different intervals as hourly samples", () => {
    // 120 scrapes of 30 s of 2 cores is an hour of 2 cores, as is one hourly scrape.
    const every30s = hourlyTotals({ ...ZERO_TOTALS, runningSamples: 120, cpuRequestedSum: 240, cpuUsedSeconds: 1800 }, 30);
    const hourly = { ...ZERO_TOTALS, runningSamples: 1, cpuRequestedSum: 2, cpuUsedSeconds: 1800 };
    expect(numbersOf(addTotals(every30s, hourly), "24h", 3600).cpu).toEqual({ requested: 2, used: 0.5, requestedHours: 4, usedHours: 1, efficiency: 25 });
  });
});
