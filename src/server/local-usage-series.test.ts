import { describe, expect, it } from "vitest";
import type { InstanceUsage } from "../core/ports/instance-usage.js";
import { localUsageSamples } from "./local-usage-series.js";
import { prometheusText } from "./tenant-metrics.js";

const usage: InstanceUsage = {
  pods: [
    {
      project: "demo",
      instance: "site",
      pod: "plateau-inst01.demo.site",
      ready: true,
      networkReceiveBytes: 100,
      networkTransmitBytes: 200,
      containers: [
        {
          container: "main",
          cpuSeconds: 2.5,
          memoryWorkingSetBytes: 8000,
          restarts: 1,
          running: true,
          requests: { cpu: 0.05, memory: 67108864 },
          limits: { cpu: 0.5, gpu: 1 },
        },
      ],
    },
  ],
  volumes: [{ project: "demo", instance: "site", claim: "data", usedBytes: 4096 }],
};

describe("the local platform's usage as cAdvisor and kube-state-metrics series", () => {
  it("writes the cluster's metric and label names, the pod joined to its instance by kube_pod_labels", () => {
    const text = prometheusText(localUsageSamples(usage, undefined, (project, instance, claim) => (claim === "data" ? 1073741824 : undefined)));
    const pod = 'namespace="demo",pod="plateau-inst01.demo.site"';
    const lines = text.split("\n").filter((line) => !line.startsWith("#") && line !== "");
    expect(lines).toEqual([
      `container_cpu_usage_seconds_total{container="main",${pod}} 2.5`,
      `container_memory_working_set_bytes{container="main",${pod}} 8000`,
      `container_network_receive_bytes_total{${pod}} 100`,
      `container_network_transmit_bytes_total{${pod}} 200`,
      `kube_pod_container_resource_limits{container="main",${pod},resource="cpu",unit="core"} 0.5`,
      `kube_pod_container_resource_limits{container="main",${pod},resource="nvidia_com_gpu",unit="integer"} 1`,
      `kube_pod_container_resource_requests{container="main",${pod},resource="cpu",unit="core"} 0.05`,
      `kube_pod_container_resource_requests{container="main",${pod},resource="memory",unit="byte"} 67108864`,
      `kube_pod_container_status_restarts_total{container="main",${pod}} 1`,
      `kube_pod_labels{label_app_kubernetes_io_instance="site",${pod}} 1`,
      `kube_pod_status_ready{condition="false",${pod}} 0`,
      `kube_pod_status_ready{condition="true",${pod}} 1`,
      `kubelet_volume_stats_capacity_bytes{namespace="demo",persistentvolumeclaim="data"} 1073741824`,
      `kubelet_volume_stats_used_bytes{namespace="demo",persistentvolumeclaim="data"} 4096`,
    ]);
    expect(text).toContain("# TYPE container_cpu_usage_seconds_total counter\n");
    expect(text).toContain("# TYPE container_memory_working_set_bytes gauge\n");
  });

  it("uses the platform's label names", () => {
    const text = prometheusText(localUsageSamples(usage, { namespace: "kubernetes_namespace", pod: "pod_name", container: "container_name" }));
    expect(text).toContain('container_cpu_usage_seconds_total{container_name="main",kubernetes_namespace="demo",pod_name="plateau-inst01.demo.site"} 2.5');
    expect(text).toContain('kube_pod_labels{kubernetes_namespace="demo",label_app_kubernetes_io_instance="site",pod_name="plateau-inst01.demo.site"} 1');
    expect(text).not.toContain("kubelet_volume_stats_capacity_bytes{");
  });
});
