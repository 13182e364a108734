// A small synthetic fleet for idle reclaim's tests: per instance, a pod's CPU counter (active
// or not, hour by hour), its kube-state-metrics labels, and Plateau's proxy counter.
import type { ImportedSeries } from "./victoria-metrics.js";

export interface SyntheticInstance {
  readonly project: string;
  readonly instance: string;
  /** Hours before `end` the series start. */
  readonly fromHours: number;
  /** Whether the pod uses CPU (0.5 core) during the hour that ends `h` hours before `end`; else 0.001 core. */
  readonly busy: (hoursBeforeEnd: number) => boolean;
  /** Hours before `end` at which one request went through the proxy. */
  readonly requestsAt?: readonly number[];
}

const HOUR = 3_600_000;

/** The series of `instances`, sampled every `scrapeSeconds`, ending at `end` (Unix ms). */
export function idleSeries(instances: readonly SyntheticInstance[], end: number, scrapeSeconds = 30): ImportedSeries[] {
  const series: ImportedSeries[] = [];
  for (const spec of instances) {
    const pod = `${spec.instance}-0`;
    const timestamps: number[] = [];
    const cpu: number[] = [];
    let counter = 0;
    for (let t = end - spec.fromHours * HOUR; t <= end; t += scrapeSeconds * 1000) {
      const hoursBefore = Math.ceil((end - t) / HOUR);
      counter += (spec.busy(hoursBefore) ? 0.5 : 0.001) * scrapeSeconds;
      timestamps.push(t);
      cpu.push(Number(counter.toFixed(3)));
    }
    series.push({ metric: { __name__: "container_cpu_usage_seconds_total", namespace: spec.project, pod, container: "main" }, values: cpu, timestamps });
    series.push({
      metric: { __name__: "kube_pod_labels", namespace: spec.project, pod, label_app_kubernetes_io_instance: spec.instance },
      values: timestamps.map(() => 1),
      timestamps,
    });
    if (spec.requestsAt && spec.requestsAt.length > 0) {
      let requests = 0;
      const values = timestamps.map((t) => {
        for (const at of spec.requestsAt ?? []) if (Math.abs(end - at * HOUR - t) < scrapeSeconds * 500) requests++;
        return requests;
      });
      series.push({ metric: { __name__: "plateau_proxy_requests_total", namespace: spec.project, instance: spec.instance }, values, timestamps });
    }
  }
  return series;
}
