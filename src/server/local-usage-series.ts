// The local platform's usage as the series clusters have (cAdvisor, kube-state-metrics,
// kubelet), with the same names and labels, so that every query reads both alike
// (docs/metrics.md, "The local platform's usage").
import type { InstanceUsage, InstanceUsageSource, ResourceAmounts } from "../core/ports/instance-usage.js";
import type { TenantSample, TenantSeriesCollector } from "../core/ports/tenant-series.js";

/** The labels that carry the namespace (a project), the pod and the container: the platform's `spec.metrics.labels`. */
export interface UsageLabelNames {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
}

export const DEFAULT_USAGE_LABELS: UsageLabelNames = { namespace: "namespace", pod: "pod", container: "container" };

const HELP = {
  cpu: "Cumulative CPU time consumed, in seconds (cAdvisor)",
  memory: "Current working set, in bytes (cAdvisor)",
  receive: "Cumulative bytes received by the pod's network (cAdvisor)",
  transmit: "Cumulative bytes transmitted by the pod's network (cAdvisor)",
  podLabels: "Kubernetes labels of the pod (kube-state-metrics): its instance",
  requests: "Resources a container requests (kube-state-metrics)",
  limits: "Resources a container may use at most (kube-state-metrics)",
  ready: "Whether the pod is ready (kube-state-metrics)",
  restarts: "Times a container was restarted (kube-state-metrics)",
  volumeUsed: "Bytes used on a persistent volume (kubelet)",
  volumeCapacity: "Capacity of a persistent volume, in bytes: what its claim asks (kubelet)",
} as const;

const RESOURCES: readonly { readonly key: keyof ResourceAmounts; readonly resource: string; readonly unit: string }[] = [
  { key: "cpu", resource: "cpu", unit: "core" },
  { key: "memory", resource: "memory", unit: "byte" },
  { key: "gpu", resource: "nvidia_com_gpu", unit: "integer" },
];

/**
 * The samples of the local platform's usage. `capacityOf` says what a volume's claim asks, in
 * bytes, when it is known (the rendered PersistentVolumeClaim).
 */
export function localUsageSamples(
  usage: InstanceUsage,
  labels: UsageLabelNames = DEFAULT_USAGE_LABELS,
  capacityOf?: (project: string, instance: string, claim: string) => number | undefined,
): TenantSample[] {
  const samples: TenantSample[] = [];
  for (const pod of usage.pods) {
    const ofPod = { [labels.namespace]: pod.project, [labels.pod]: pod.pod };
    samples.push(
      { name: "kube_pod_labels", help: HELP.podLabels, type: "gauge", labels: { ...ofPod, label_app_kubernetes_io_instance: pod.instance }, value: 1 },
      { name: "kube_pod_status_ready", help: HELP.ready, type: "gauge", labels: { ...ofPod, condition: "true" }, value: pod.ready ? 1 : 0 },
      { name: "kube_pod_status_ready", help: HELP.ready, type: "gauge", labels: { ...ofPod, condition: "false" }, value: pod.ready ? 0 : 1 },
      { name: "container_network_receive_bytes_total", help: HELP.receive, type: "counter", labels: ofPod, value: pod.networkReceiveBytes },
      { name: "container_network_transmit_bytes_total", help: HELP.transmit, type: "counter", labels: ofPod, value: pod.networkTransmitBytes },
    );
    for (const container of pod.containers) {
      const ofContainer = { ...ofPod, [labels.container]: container.container };
      samples.push(
        { name: "container_cpu_usage_seconds_total", help: HELP.cpu, type: "counter", labels: ofContainer, value: container.cpuSeconds },
        { name: "container_memory_working_set_bytes", help: HELP.memory, type: "gauge", labels: ofContainer, value: container.memoryWorkingSetBytes },
        { name: "kube_pod_container_status_restarts_total", help: HELP.restarts, type: "counter", labels: ofContainer, value: container.restarts },
      );
      for (const { key, resource, unit } of RESOURCES) {
        const requested = container.requests[key];
        const limit = container.limits[key];
        if (requested !== undefined)
          samples.push({
            name: "kube_pod_container_resource_requests",
            help: HELP.requests,
            type: "gauge",
            labels: { ...ofContainer, resource, unit },
            value: requested,
          });
        if (limit !== undefined)
          samples.push({
            name: "kube_pod_container_resource_limits",
            help: HELP.limits,
            type: "gauge",
            labels: { ...ofContainer, resource, unit },
            value: limit,
          });
      }
    }
  }
  for (const volume of usage.volumes) {
    const ofVolume = { [labels.namespace]: volume.project, persistentvolumeclaim: volume.claim };
    samples.push({ name: "kubelet_volume_stats_used_bytes", help: HELP.volumeUsed, type: "gauge", labels: ofVolume, value: volume.usedBytes });
    const capacity = capacityOf?.(volume.project, volume.instance, volume.claim);
    if (capacity !== undefined)
      samples.push({ name: "kubelet_volume_stats_capacity_bytes", help: HELP.volumeCapacity, type: "gauge", labels: ofVolume, value: capacity });
  }
  return samples;
}

/**
 * The local platform's usage, read at each scrape (the source caches and bounds its own reads);
 * `capacityOf` says what a volume's claim asks, in bytes (its rendered PersistentVolumeClaim).
 */
export function createLocalUsageCollector(
  source: InstanceUsageSource,
  options: { readonly labels?: UsageLabelNames; readonly capacityOf?: (project: string, instance: string, claim: string) => Promise<number | undefined> } = {},
): TenantSeriesCollector {
  return {
    async collect() {
      const usage = await source.read();
      const capacities = new Map<string, number | undefined>();
      const key = (project: string, instance: string, claim: string) => `${project}/${instance}/${claim}`;
      if (options.capacityOf)
        for (const volume of usage.volumes)
          capacities.set(
            key(volume.project, volume.instance, volume.claim),
            await options.capacityOf(volume.project, volume.instance, volume.claim).catch(() => undefined),
          );
      return localUsageSamples(usage, options.labels, (project, instance, claim) => capacities.get(key(project, instance, claim)));
    },
  };
}
