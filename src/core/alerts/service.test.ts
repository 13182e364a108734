import { describe, expect, it } from "vitest";
import type { NoticeDraft } from "../notify/notice.js";
import type { TsdbStatus } from "../ports/metrics-source.js";
import { createFakeClock } from "../testing/fake-clock.js";
import { fingerprint, readPostedAlerts, type PostedAlert } from "./receiver.js";
import { seriesReport } from "./series-report.js";
import { createAlertsService } from "./service.js";

const NOW = new Date("2026-12-06T12:00:00.000Z");
const firing = (labels: Record<string, string>, startsAt = "2026-12-06T11:50:00Z"): PostedAlert => ({
  labels: { alertname: "PlateauInstanceDown", plateau_rule: "instance-down", plateau_lab: "imb", project: "imb-atlas", instance: "notebook", ...labels },
  annotations: { summary: "Instance notebook of project imb-atlas has had a pod not ready", action: "plateau logs imb-atlas/notebook" },
  startsAt,
  endsAt: "2026-12-06T12:04:00Z",
});

describe("alerts posted by vmalert", () => {
  it("become a notice naming the project, the instance and the action, keyed by the firing", () => {
    const { received, ignored } = readPostedAlerts([firing({})], NOW);
    expect(ignored).toBe(0);
    expect(received[0]).toEqual({
      lab: "imb",
      notice: {
        key: `alert:${fingerprint(firing({}).labels!)}:2026-12-06T11:50:00.000Z`,
        kind: "alert-instance-down",
        project: "imb-atlas",
        instance: "notebook",
        action: "open-instance-logs",
        params: {
          rule: "instance-down",
          lab: "imb",
          project: "imb-atlas",
          instance: "notebook",
          command: "plateau logs imb-atlas/notebook",
          summary: "Instance notebook of project imb-atlas has had a pod not ready",
        },
      },
    });
    // Resent a minute later, the same firing has the same key; firing again later is another notice.
    expect(readPostedAlerts([firing({})], NOW).received[0]?.notice.key).toBe(received[0]?.notice.key);
    expect(readPostedAlerts([firing({}, "2026-12-06T11:55:00Z")], NOW).received[0]?.notice.key).not.toBe(received[0]?.notice.key);
  });

  it("are ignored when resolved, not Plateau's, or naming what is no name", () => {
    const resolved = { ...firing({}), endsAt: "2026-12-06T11:59:00Z" };
    const { received, ignored } = readPostedAlerts(
      [resolved, firing({ plateau_rule: "disk-slow" }), firing({ project: "../etc" }), firing({ instance: "a b" }), { labels: {} }],
      NOW,
    );
    expect(received).toEqual([]);
    expect(ignored).toBe(5);
  });

  it("are published only when the project belongs to the lab the rule names", async () => {
    const published: NoticeDraft[] = [];
    const service = createAlertsService({
      clock: createFakeClock(NOW),
      publish: async (draft) => {
        published.push(draft);
      },
      projectLab: async (project) => ({ "imb-atlas": "imb", "ljk-stats": "ljk" })[project],
      labs: async () => [],
      platform: async () => undefined,
      metricsSourceOf: () => undefined,
    });
    const result = await service.receive([firing({}), firing({ project: "ljk-stats" }), firing({ project: "gone" })]);
    expect(result).toEqual({ published: 1, ignored: 2 });
    expect(published.map((draft) => draft.project)).toEqual(["imb-atlas"]);
  });
});

describe("the series report", () => {
  const status: TsdbStatus = {
    totalSeries: 130,
    seriesCountByMetricName: [
      { name: "b_metric", value: 40 },
      { name: "a_metric", value: 40 },
      { name: "c_metric", value: 50 },
    ],
    seriesCountByLabelName: [
      { name: "namespace", value: 130 },
      { name: "pod", value: 100 },
    ],
    seriesCountByLabelValuePair: [
      { name: "namespace=imb-atlas", value: 70 },
      { name: "pod=x", value: 69 },
      { name: "namespace=kube-system", value: 10 },
      { name: "namespace=ljk-stats", value: 50 },
    ],
  };

  it("ranks metrics, labels and producers, and names the labs over budget", () => {
    const report = seriesReport({
      platform: "plmshift",
      status,
      namespaceLabel: "namespace",
      labSeries: new Map([
        ["imb", 70],
        ["ljk", 50],
      ]),
      projects: new Map([
        ["imb-atlas", { lab: "imb" }],
        ["ljk-stats", { lab: "ljk" }],
      ]),
      budgets: { default: 60, byLab: new Map([["ljk", 40]]) },
      topN: 2,
    });
    expect(report.byMetric).toEqual([
      { name: "c_metric", series: 50 },
      { name: "a_metric", series: 40 },
    ]);
    expect(report.topProducers).toEqual([
      { namespace: "imb-atlas", project: "imb-atlas", lab: "imb", series: 70 },
      { namespace: "ljk-stats", project: "ljk-stats", lab: "ljk", series: 50 },
    ]);
    expect(report.labs).toEqual([
      { lab: "imb", series: 70, budget: 60, over: true },
      { lab: "ljk", series: 50, budget: 40, over: true },
    ]);
  });
});
