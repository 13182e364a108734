import { describe, expect, it } from "vitest";
import { ZERO } from "../tenancy/quota.js";
import type { QuotaReport } from "../tenancy/service.js";
import { createLifecycleSeriesCollector } from "./lifecycle-series.js";

const quota = { cpu: 8, memoryGiB: 32, gpu: 0, instances: 10, storageGiB: 100 };

describe("the quota and expiry gauges", () => {
  it("give each project's and lab's share of quota, and each running instance's expiry", async () => {
    const reports: Record<string, QuotaReport> = {
      demo: {
        project: { name: "demo", quota, used: { ...ZERO, cpu: 7.5, instances: 2, storageGiB: 95 } },
        lab: { name: "imb", projects: 1, projectLimit: 5, quota: { ...quota, cpu: 80 }, used: { ...ZERO, cpu: 7.5, instances: 2, storageGiB: 95 } },
      },
      "alice-home": { project: { name: "alice-home", quota, used: ZERO }, lab: null },
    };
    const collector = createLifecycleSeriesCollector({
      projects: async () => [{ name: "demo" }, { name: "alice-home" }],
      quotaReport: async (project) => reports[project]!,
      instances: async () => [
        { project: "demo", name: "notebook", state: "running", expiresAt: "2026-12-07T10:00:00.000Z" },
        { project: "demo", name: "old", state: "stopped", expiresAt: "2026-12-01T10:00:00.000Z" },
        { project: "demo", name: "forever", state: "running", expiresAt: null },
      ],
    });
    const samples = await collector.collect();
    const values = samples.map((sample) => `${sample.name}${JSON.stringify(sample.labels)} ${sample.value}`);
    expect(values).toEqual([
      'plateau_quota_used_ratio{"namespace":"alice-home","quota":"project","resource":"cpu"} 0',
      'plateau_quota_used_ratio{"namespace":"alice-home","quota":"project","resource":"memoryGiB"} 0',
      'plateau_quota_used_ratio{"namespace":"alice-home","quota":"project","resource":"instances"} 0',
      'plateau_quota_used_ratio{"namespace":"alice-home","quota":"project","resource":"storageGiB"} 0',
      'plateau_quota_used_ratio{"namespace":"demo","quota":"project","resource":"cpu"} 0.9375',
      'plateau_quota_used_ratio{"namespace":"demo","quota":"project","resource":"memoryGiB"} 0',
      'plateau_quota_used_ratio{"namespace":"demo","quota":"project","resource":"instances"} 0.2',
      'plateau_quota_used_ratio{"namespace":"demo","quota":"project","resource":"storageGiB"} 0.95',
      'plateau_quota_used_ratio{"namespace":"demo","quota":"lab","resource":"cpu"} 0.09375',
      'plateau_quota_used_ratio{"namespace":"demo","quota":"lab","resource":"memoryGiB"} 0',
      'plateau_quota_used_ratio{"namespace":"demo","quota":"lab","resource":"instances"} 0.2',
      'plateau_quota_used_ratio{"namespace":"demo","quota":"lab","resource":"storageGiB"} 0.95',
      `plateau_instance_expiry_timestamp_seconds{"namespace":"demo","instance":"notebook"} ${Date.parse("2026-12-07T10:00:00.000Z") / 1000}`,
    ]);
    expect(samples.every((sample) => sample.type === "gauge" && sample.help.length > 0)).toBe(true);
  });
});
