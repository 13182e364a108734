// The PromQL each usage number needs, built from the label names of the platform's metrics
// (`spec.metrics.labels`), the namespaces asked about and the window: never from text a person
// typed. Each number class is ONE query for a whole lab or platform, grouped by namespace and
// instance (never one query per instance). The instance of a pod is its
// `app.kubernetes.io/instance` label as kube-state-metrics exposes it on `kube_pod_labels`;
// pods renamed by a restart all join to their instance, so their numbers add up.

/** The windows usage is measured over. */
export const USAGE_WINDOWS = ["1h", "24h", "7d", "30d"] as const;
export type UsageWindow = (typeof USAGE_WINDOWS)[number];
export const WINDOW_SECONDS: Readonly<Record<UsageWindow, number>> = { "1h": 3600, "24h": 86_400, "7d": 604_800, "30d": 2_592_000 };

/** kube-state-metrics' label for a pod's `app.kubernetes.io/instance`. */
export const INSTANCE_LABEL = "label_app_kubernetes_io_instance";

export interface UsageLabels {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  /** The label of `kube_pod_labels` carrying the instance (default INSTANCE_LABEL). */
  readonly instance: string;
}

export const DEFAULT_USAGE_LABELS: UsageLabels = { namespace: "namespace", pod: "pod", container: "container", instance: INSTANCE_LABEL };

/** What the queries are about: some namespaces (a lab's projects), or all (null); optionally one instance. */
export interface UsageScope {
  readonly namespaces: readonly string[] | null;
  readonly instance?: string;
}

/** The numbers a report reads, each one query. */
export const USAGE_QUERY_NAMES = ["running", "requested", "current", "cpuUsed", "memoryUsed", "gpuUsed", "cpuP95", "memoryP95"] as const;
export type UsageQueryName = (typeof USAGE_QUERY_NAMES)[number];

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function checkedLabel(name: string): string {
  // The label names come from the platform's file, checked by its schema: checked again, since they are spliced.
  if (!LABEL_NAME.test(name)) throw new Error(`invariant violated: ${JSON.stringify(name)} is not a label name`);
  return name;
}

/** A PromQL string literal (double-quoted, `\` and `"` escaped). */
export function promqlString(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

/** A regular expression matching exactly these values (RE2 metacharacters escaped). */
function exactAlternatives(values: readonly string[]): string {
  return values.map((value) => value.replace(/[\\.+*?()|[\]{}^$]/g, "\\$&")).join("|");
}

/** The most points a percentile's subquery reads per series (VictoriaMetrics' default limit is 30,000). */
export const PERCENTILE_POINTS = 10_000;

/** The duration PromQL reads (`3600s`). */
export const seconds = (value: number): string => `${Math.round(value)}s`;

export function usageQueries(labels: UsageLabels, scope: UsageScope, window: UsageWindow, intervalSeconds: number): Record<UsageQueryName, string> {
  const ns = checkedLabel(labels.namespace);
  const pod = checkedLabel(labels.pod);
  const container = checkedLabel(labels.container);
  const instance = checkedLabel(labels.instance);
  const namespaceMatcher =
    scope.namespaces === null
      ? `${ns}!=""`
      : scope.namespaces.length === 1
        ? `${ns}=${promqlString(scope.namespaces[0] ?? "")}`
        : `${ns}=~${promqlString(exactAlternatives(scope.namespaces))}`;
  const instanceMatcher = scope.instance === undefined ? `${instance}!=""` : `${instance}=${promqlString(scope.instance)}`;
  const containers = `${namespaceMatcher},${container}!="",${container}!="POD"`;
  const w = seconds(WINDOW_SECONDS[window]);
  const step = seconds(intervalSeconds);
  // The percentiles' step: every scrape, unless the window then holds more than
  // PERCENTILE_POINTS of them (VictoriaMetrics refuses a subquery over its
  // -search.maxPointsPerTimeseries, 30,000 by default: 30 days at 30 s are 86,400), then whole
  // multiples of the interval (30 days at 30 s: 270 s steps, 9,600 points).
  const percentileSeconds = intervalSeconds * Math.max(1, Math.ceil(WINDOW_SECONDS[window] / intervalSeconds / PERCENTILE_POINTS));
  const percentileStep = seconds(percentileSeconds);
  const by = `${ns},${instance}`;
  /** Each pod of the window, with its instance (1): what a per-pod number is multiplied by to be the instance's. */
  const podsOver = (range: string) => `max by (${ns},${pod},${instance}) (last_over_time(kube_pod_labels{${namespaceMatcher},${instanceMatcher}}[${range}]))`;
  const perInstance = (perPod: string, extra = "", range = w) =>
    `sum by (${by}${extra}) (${perPod} * on (${ns},${pod}) group_left (${instance}) ${podsOver(range)})`;
  return {
    running: `sum by (${by}) (count_over_time(kube_pod_labels{${namespaceMatcher},${instanceMatcher}}[${w}]))`,
    requested: perInstance(`sum by (${ns},${pod},resource) (sum_over_time(kube_pod_container_resource_requests{${containers}}[${w}]))`, ",resource"),
    current: perInstance(`sum by (${ns},${pod},resource) (last_over_time(kube_pod_container_resource_requests{${containers}}[${step}]))`, ",resource", step),
    cpuUsed: perInstance(`sum by (${ns},${pod}) (increase(container_cpu_usage_seconds_total{${containers}}[${w}]))`),
    memoryUsed: perInstance(`sum by (${ns},${pod}) (sum_over_time(container_memory_working_set_bytes{${containers}}[${w}]))`),
    gpuUsed: perInstance(`sum by (${ns},${pod}) (sum_over_time(DCGM_FI_DEV_GPU_UTIL{${containers}}[${w}]))`),
    // The 95th percentile of what it used at each scrape: the instance's total at each step of the
    // window (increase ÷ interval: VictoriaMetrics' rate() in a subquery whose step is its window
    // averages two steps). A subquery's range includes both ends: one second less keeps the step at its start out.
    cpuP95: `quantile_over_time(0.95, (${perInstance(`sum by (${ns},${pod}) (increase(container_cpu_usage_seconds_total{${containers}}[${percentileStep}])) / ${percentileSeconds}`, "", percentileStep)})[${seconds(WINDOW_SECONDS[window] - 1)}:${percentileStep}])`,
    memoryP95: `quantile_over_time(0.95, (${perInstance(`sum by (${ns},${pod}) (last_over_time(container_memory_working_set_bytes{${containers}}[${percentileStep}]))`, "", percentileStep)})[${seconds(WINDOW_SECONDS[window] - 1)}:${percentileStep}])`,
  };
}

/** The points of an instance's chart: CPU and memory used and requested at each step (range queries). */
export function usageSeriesQueries(labels: UsageLabels, namespace: string, instanceName: string, stepSeconds: number, intervalSeconds: number) {
  const ns = checkedLabel(labels.namespace);
  const pod = checkedLabel(labels.pod);
  const container = checkedLabel(labels.container);
  const instance = checkedLabel(labels.instance);
  const containers = `${ns}=${promqlString(namespace)},${container}!="",${container}!="POD"`;
  const step = seconds(Math.max(stepSeconds, intervalSeconds));
  const own = `max by (${ns},${pod}) (last_over_time(kube_pod_labels{${ns}=${promqlString(namespace)},${instance}=${promqlString(instanceName)}}[${step}]))`;
  const of = (perPod: string) => `sum (${perPod} * on (${ns},${pod}) group_left () ${own})`;
  return {
    cpuUsed: of(`sum by (${ns},${pod}) (increase(container_cpu_usage_seconds_total{${containers}}[${step}])) / ${Math.max(stepSeconds, intervalSeconds)}`),
    memoryUsed: of(`sum by (${ns},${pod}) (max_over_time(container_memory_working_set_bytes{${containers}}[${step}]))`),
    cpuRequested: of(`sum by (${ns},${pod}) (last_over_time(kube_pod_container_resource_requests{${containers},resource="cpu"}[${step}]))`),
    memoryRequested: of(`sum by (${ns},${pod}) (last_over_time(kube_pod_container_resource_requests{${containers},resource="memory"}[${step}]))`),
  };
}
