import { describe, expect, it } from "vitest";
import { detectionStepSeconds, idleQueries } from "./idle.js";

describe("idle detection's queries", () => {
  it("step at four scrape intervals, at least a minute", () => {
    expect(detectionStepSeconds(30)).toBe(120);
    expect(detectionStepSeconds(5)).toBe(60);
    expect(detectionStepSeconds(60)).toBe(240);
  });

  it("two queries for a whole platform, with its label names, over the window", () => {
    const { cpu, proxy } = idleQueries({ labels: { namespace: "kube_namespace", pod: "pod_name" }, scrapeIntervalSeconds: 30 }, 73, 0.05);
    expect(cpu).toContain("sum by (kube_namespace, pod_name) (rate(container_cpu_usage_seconds_total[119s]))");
    expect(cpu).toContain("on (kube_namespace, pod_name) group_left (label_app_kubernetes_io_instance)");
    expect(cpu).toContain("> bool 0.05))[73h:120s]");
    expect(cpu).toContain('"plateau_measure", "first"');
    expect(proxy).toContain("sum by (namespace, instance) (increase(plateau_proxy_requests_total[119s]))");
    expect(cpu).not.toMatch(/\{[^}]*namespace=/);
  });

  it("refuses a label name that is no label name: nothing is spliced into PromQL unchecked", () => {
    expect(() => idleQueries({ labels: { namespace: 'namespace"} or up{', pod: "pod" }, scrapeIntervalSeconds: 30 }, 24, 0.01)).toThrow(/not a label name/);
  });
});
