import { describe, expect, it } from "vitest";
import { DEFAULT_USAGE_LABELS, promqlString, USAGE_QUERY_NAMES, usageQueries, usageSeriesQueries } from "./queries.js";

describe("the PromQL of usage", () => {
  it("asks a lab's namespaces once per number class, grouped by namespace and instance", () => {
    const queries = usageQueries(DEFAULT_USAGE_LABELS, { namespaces: ["imb-a", "imb-b"] }, "30d", 30);
    expect(Object.keys(queries)).toEqual([...USAGE_QUERY_NAMES]);
    expect(queries.cpuUsed).toBe(
      'sum by (namespace,label_app_kubernetes_io_instance) (sum by (namespace,pod) (increase(container_cpu_usage_seconds_total{namespace=~"imb-a|imb-b",container!="",container!="POD"}[2592000s])) * on (namespace,pod) group_left (label_app_kubernetes_io_instance) max by (namespace,pod,label_app_kubernetes_io_instance) (last_over_time(kube_pod_labels{namespace=~"imb-a|imb-b",label_app_kubernetes_io_instance!=""}[2592000s])))',
    );
    // The percentile's subquery leaves out the step at the window's start (its range includes both ends),
    // and reads 30 days at 30 s in steps of 270 s: 9,600 points, under VictoriaMetrics' limit of 30,000 a series.
    expect(queries.cpuP95).toContain("[2591999s:270s])");
    expect(queries.cpuP95).toContain("[270s])) / 270");
    expect(queries.memoryP95).toContain("[270s]))");
    // A week at 30 s: 90 s steps (6,720 points); a day: every scrape.
    expect(usageQueries(DEFAULT_USAGE_LABELS, { namespaces: ["imb-a"] }, "7d", 30).cpuP95).toContain("[604799s:90s])");
    expect(usageQueries(DEFAULT_USAGE_LABELS, { namespaces: ["imb-a"] }, "24h", 30).cpuP95).toContain("[86399s:30s])");
    expect(queries.requested).toContain("sum by (namespace,label_app_kubernetes_io_instance,resource)");
  });

  it("takes the platform's label names, and all namespaces or one instance", () => {
    const labels = { namespace: "exported_namespace", pod: "exported_pod", container: "ctr", instance: "label_app_kubernetes_io_instance" };
    const all = usageQueries(labels, { namespaces: null }, "1h", 60);
    expect(all.running).toBe(
      'sum by (exported_namespace,label_app_kubernetes_io_instance) (count_over_time(kube_pod_labels{exported_namespace!="",label_app_kubernetes_io_instance!=""}[3600s]))',
    );
    const one = usageQueries(DEFAULT_USAGE_LABELS, { namespaces: ["demo"], instance: "nb" }, "24h", 30);
    expect(one.running).toContain('kube_pod_labels{namespace="demo",label_app_kubernetes_io_instance="nb"}');
    expect(usageSeriesQueries(DEFAULT_USAGE_LABELS, "demo", "nb", 720, 30).cpuUsed).toContain("[720s])) / 720");
  });

  it("escapes what it quotes and refuses a label name it would splice", () => {
    expect(promqlString('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(usageQueries(DEFAULT_USAGE_LABELS, { namespaces: ["demo"], instance: 'x"} or up{a="' }, "1h", 30).running).toContain(
      'label_app_kubernetes_io_instance="x\\"} or up{a=\\""',
    );
    expect(() => usageQueries({ ...DEFAULT_USAGE_LABELS, pod: "pod) or (up" }, { namespaces: null }, "1h", 30)).toThrow(/not a label name/);
  });
});
