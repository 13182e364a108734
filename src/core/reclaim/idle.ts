// Idle detection (ADR 28): when each instance of a platform was last active — CPU above a
// threshold, or a request through Plateau's proxy — over a window, in two queries for the
// whole platform (never one per instance). Pure query text plus one call to the port.
import { assertName } from "../names.js";
import type { MetricsSource, QueryData } from "../ports/metrics-source.js";

/** A platform's `spec.metrics` as far as idle detection needs it. */
export interface IdleMetricsSettings {
  readonly labels: { readonly namespace: string; readonly pod: string; readonly container?: string };
  readonly scrapeIntervalSeconds: number;
}

export interface InstanceActivity {
  /** Unix ms of the last step with CPU above the threshold or a proxied request; undefined: none in the window. */
  readonly lastActiveAt?: number;
  /** Unix ms of the first step the instance was seen in the window. */
  readonly firstSeenAt: number;
  /** Whole hours since max(lastActiveAt, firstSeenAt). */
  readonly hoursIdle: number;
}

/** The label kube-state-metrics gives a pod's `app.kubernetes.io/instance` label. */
export const INSTANCE_LABEL = "label_app_kubernetes_io_instance";
/** A label name as PromQL takes it, never spliced unchecked. */
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function labelName(pointer: string, name: string): string {
  if (!LABEL_NAME.test(name)) throw new Error(`${pointer}: ${JSON.stringify(name)} is not a label name`);
  return name;
}

/**
 * The resolution of detection: the step of the subqueries, and the window of each `rate`.
 * Four scrape intervals (at least one minute): a rate needs two samples, and four intervals
 * keep one missed scrape from reading as idleness; the step equals the window, so adjacent
 * windows cover every sample once. "Hours idle" is thus exact to one step (2 minutes at the
 * default 30 s interval), always rounded toward *less* idle.
 */
export function detectionStepSeconds(scrapeIntervalSeconds: number): number {
  return Math.max(60, 4 * Math.max(1, Math.round(scrapeIntervalSeconds)));
}

/**
 * The two queries, over `windowHours`. Each answers, per (namespace, instance), two series
 * told apart by `plateau_measure`: `last`, the last step with activity (0 when none) and, for
 * CPU, `first`, the first step the instance was seen. The instance comes from the pod's
 * `app.kubernetes.io/instance` label through kube-state-metrics' `kube_pod_labels`.
 */
export function idleQueries(settings: IdleMetricsSettings, windowHours: number, thresholdCores: number): { cpu: string; proxy: string } {
  const ns = labelName("/spec/metrics/labels/namespace", settings.labels.namespace);
  const pod = labelName("/spec/metrics/labels/pod", settings.labels.pod);
  const stepSeconds = detectionStepSeconds(settings.scrapeIntervalSeconds);
  const step = `${stepSeconds}s`;
  // A second short of the step: VictoriaMetrics counts a sample at the window's start in it (and
  // the one before as its base), so a full step would read the step before as well.
  const rateWindow = `${stepSeconds - 1}s`;
  const window = `${Math.max(1, Math.round(windowHours))}h`;
  const threshold = Number.isFinite(thresholdCores) && thresholdCores >= 0 ? String(thresholdCores) : "0.01";
  // Each pod's CPU (its containers summed), carried to its instance; pods without the label are no instance's.
  const cpu =
    `sum by (${ns}, ${INSTANCE_LABEL}) (sum by (${ns}, ${pod}) (rate(container_cpu_usage_seconds_total[${rateWindow}])) ` +
    `* on (${ns}, ${pod}) group_left (${INSTANCE_LABEL}) max by (${ns}, ${pod}, ${INSTANCE_LABEL}) (kube_pod_labels{${INSTANCE_LABEL}!=""}))`;
  return {
    cpu:
      `label_replace(max_over_time((time() * (${cpu} > bool ${threshold}))[${window}:${step}]), "plateau_measure", "last", "", "")` +
      ` or label_replace(min_over_time((time() + 0 * ${cpu})[${window}:${step}]), "plateau_measure", "first", "", "")`,
    proxy: `label_replace(max_over_time((time() * (sum by (namespace, instance) (increase(plateau_proxy_requests_total[${rateWindow}])) > bool 0))[${window}:${step}]), "plateau_measure", "last", "", "")`,
  };
}

const vector = (data: QueryData) => (data.resultType === "vector" ? data.result : []);

/**
 * When each instance of a platform was last active, at `at` (Unix ms), looking back `windowHours`
 * (the longest idleHours any policy uses there): `project/instance` → activity. An instance the
 * metrics do not see at all is absent: it is never taken for idle. The proxy counter is
 * Plateau's own, labelled `namespace` and `instance` whatever the platform's label names.
 */
export async function detectIdle(
  source: MetricsSource,
  settings: IdleMetricsSettings,
  at: number,
  windowHours: number,
  thresholdCores = 0.01,
): Promise<Map<string, InstanceActivity>> {
  const queries = idleQueries(settings, windowHours, thresholdCores);
  const time = Math.floor(at / 1000);
  const [cpu, proxy] = await Promise.all([source.query(queries.cpu, time), source.query(queries.proxy, time)]);
  const ns = settings.labels.namespace;
  const seen = new Map<string, { first?: number; last?: number }>();
  const note = (key: string, measure: "first" | "last", seconds: number) => {
    const entry = seen.get(key) ?? {};
    const ms = seconds * 1000;
    if (measure === "first") entry.first = Math.min(entry.first ?? ms, ms);
    else if (seconds > 0) entry.last = Math.max(entry.last ?? ms, ms);
    seen.set(key, entry);
  };
  const keyOf = (project: string | undefined, instance: string | undefined) => {
    if (!project || !instance) return undefined;
    try {
      assertName("/project", project);
      assertName("/instance", instance);
    } catch {
      return undefined;
    }
    return `${project}/${instance}`;
  };
  for (const sample of vector(cpu)) {
    const key = keyOf(sample.metric[ns], sample.metric[INSTANCE_LABEL]);
    const measure = sample.metric.plateau_measure;
    const value = Number(sample.value[1]);
    if (key && (measure === "first" || measure === "last") && Number.isFinite(value)) note(key, measure, value);
  }
  const proxied = new Map<string, number>();
  for (const sample of vector(proxy)) {
    const key = keyOf(sample.metric.namespace, sample.metric.instance);
    const value = Number(sample.value[1]);
    if (key && Number.isFinite(value) && value > 0) proxied.set(key, Math.max(proxied.get(key) ?? 0, value * 1000));
  }
  const result = new Map<string, InstanceActivity>();
  for (const [key, entry] of seen) {
    if (entry.first === undefined) continue;
    const last = Math.max(entry.last ?? 0, proxied.get(key) ?? 0);
    const lastActiveAt = last > 0 ? last : undefined;
    const from = Math.max(lastActiveAt ?? 0, entry.first);
    result.set(key, {
      ...(lastActiveAt !== undefined ? { lastActiveAt } : {}),
      firstSeenAt: entry.first,
      hoursIdle: Math.max(0, Math.floor((at - from) / 3_600_000)),
    });
  }
  return new Map([...result].sort(([a], [b]) => a.localeCompare(b)));
}
