// The Prometheus API adapter against a real VictoriaMetrics (Debian's package).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError, UnavailableError } from "../../core/errors.js";
import { freeLoopbackPort } from "../net.js";
import { startVictoriaMetrics, type VictoriaMetricsServer } from "../../../test/support/victoria-metrics.js";
import { createPrometheusMetricsSource } from "./prometheus-api.js";

const started = await startVictoriaMetrics();
const T0 = Date.UTC(2026, 0, 1) / 1000; // Unix seconds
const hours = (n: number) => Array.from({ length: n }, (_, i) => (T0 + i * 3600) * 1000);

describe.skipIf("skipped" in started)("the Prometheus API on VictoriaMetrics", () => {
  const vm = started as VictoriaMetricsServer;
  const source = createPrometheusMetricsSource({ url: vm.url });
  beforeAll(async () => {
    await vm.importSeries([
      { metric: { __name__: "work_seconds_total", namespace: "alpha", pod: "a-1" }, values: [0, 3600, 7200, 10800], timestamps: hours(4) },
      { metric: { __name__: "work_seconds_total", namespace: "beta", pod: "b-1" }, values: [0, 1800, 3600, 5400], timestamps: hours(4) },
    ]);
  });
  afterAll(() => vm.stop());

  it("answers instant and range queries as the Prometheus API does", async () => {
    const at = T0 + 3 * 3600;
    const instant = await source.query("sum by (namespace) (increase(work_seconds_total[3h]))", at);
    expect(instant.resultType).toBe("vector");
    const values = instant.resultType === "vector" ? Object.fromEntries(instant.result.map((r) => [r.metric.namespace, Number(r.value[1])])) : {};
    expect(values).toEqual({ alpha: 10800, beta: 5400 });
    const range = await source.queryRange("work_seconds_total", { start: T0, end: at, step: 3600 });
    expect(range.resultType).toBe("matrix");
    expect(range.resultType === "matrix" && range.result.map((r) => r.values.length)).toEqual([4, 4]);
  });

  it("applies extra filters to every selector", async () => {
    const data = await source.query("sum(work_seconds_total)", T0 + 3 * 3600, { extraFilters: ['{namespace="beta"}'] });
    expect(data.resultType === "vector" && data.result.map((r) => r.value[1])).toEqual(["5400"]);
  });

  it("lists series, labels, label values and series counts", async () => {
    const bounds = { start: T0, end: T0 + 4 * 3600 };
    expect((await source.series(['{namespace="alpha"}'], bounds)).map((labels) => labels.pod)).toEqual(["a-1"]);
    expect(await source.labels(["work_seconds_total"], bounds)).toEqual(expect.arrayContaining(["__name__", "namespace", "pod"]));
    expect(await source.labelValues("namespace", ["work_seconds_total"], bounds)).toEqual(["alpha", "beta"]);
    const status = await source.tsdbStatus({ topN: 5, date: "2026-01-01" });
    expect(status.seriesCountByMetricName).toContainEqual({ name: "work_seconds_total", value: 2 });
  });

  it("says a refused query is the query's fault, naming the field", async () => {
    const refused = await source.query("sum(", undefined).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(InputError);
    expect((refused as InputError).issues[0]).toMatchObject({ pointer: "/query", rule: "promql" });
  });

  it("says an unreachable source is unavailable", async () => {
    const nowhere = createPrometheusMetricsSource({ url: `http://127.0.0.1:${await freeLoopbackPort()}` });
    await expect(nowhere.query("up", undefined)).rejects.toBeInstanceOf(UnavailableError);
  });
});
