// The arithmetic of usage: from what the queries answer (sums over the window's samples, per
// namespace and instance) to the numbers people read — requested and used CPU, memory and GPU,
// core-hours and GiB-hours, efficiency — per instance, and added up per project, lab and
// platform. Sums are added before anything is divided, so that a lab's numbers are exactly its
// instances' numbers added (and so that a generator that knows the truth finds them).
import type { QueryData } from "../ports/metrics-source.js";
import { adviceOf, GIB, type Advice } from "./advice.js";
import type { UsageLabels, UsageQueryName, UsageWindow } from "./queries.js";

/** What the queries say of one instance over a window: sums of samples, never divided yet. */
export interface UsageTotals {
  /** Samples of its pods' labels: scrapes during which it ran. */
  readonly runningSamples: number;
  /** Sum over samples of the cores, bytes and GPUs its containers requested. */
  readonly cpuRequestedSum: number;
  readonly memoryRequestedSum: number;
  readonly gpuRequestedSum: number;
  /** CPU seconds it used (counter increases, restarts taken into account). */
  readonly cpuUsedSeconds: number;
  /** Sum over samples of its working set, in bytes. */
  readonly memoryUsedSum: number;
  /** Sum over samples of its GPUs' utilization, in percent of one GPU. */
  readonly gpuUtilSum: number;
}

export const ZERO_TOTALS: UsageTotals = {
  runningSamples: 0,
  cpuRequestedSum: 0,
  memoryRequestedSum: 0,
  gpuRequestedSum: 0,
  cpuUsedSeconds: 0,
  memoryUsedSum: 0,
  gpuUtilSum: 0,
};

export function addTotals(a: UsageTotals, b: UsageTotals): UsageTotals {
  return {
    runningSamples: a.runningSamples + b.runningSamples,
    cpuRequestedSum: a.cpuRequestedSum + b.cpuRequestedSum,
    memoryRequestedSum: a.memoryRequestedSum + b.memoryRequestedSum,
    gpuRequestedSum: a.gpuRequestedSum + b.gpuRequestedSum,
    cpuUsedSeconds: a.cpuUsedSeconds + b.cpuUsedSeconds,
    memoryUsedSum: a.memoryUsedSum + b.memoryUsedSum,
    gpuUtilSum: a.gpuUtilSum + b.gpuUtilSum,
  };
}

/**
 * Totals as if sampled once an hour (sums × interval / 3600; CPU seconds stay seconds): what
 * platforms scraped at different intervals add up in. Exact for hourly samples.
 */
export function hourlyTotals(totals: UsageTotals, intervalSeconds: number): UsageTotals {
  if (intervalSeconds === 3600) return totals;
  const h = intervalSeconds / 3600;
  return {
    runningSamples: totals.runningSamples * h,
    cpuRequestedSum: totals.cpuRequestedSum * h,
    memoryRequestedSum: totals.memoryRequestedSum * h,
    gpuRequestedSum: totals.gpuRequestedSum * h,
    cpuUsedSeconds: totals.cpuUsedSeconds,
    memoryUsedSum: totals.memoryUsedSum * h,
    gpuUtilSum: totals.gpuUtilSum * h,
  };
}

/** One resource over a window. Units: cores and core-hours, GiB and GiB-hours, GPUs and GPU-hours. */
export interface ResourceUsage {
  /** On average while it ran. */
  readonly requested: number;
  readonly used: number;
  readonly requestedHours: number;
  readonly usedHours: number;
  /** used ÷ requested, in percent; null when nothing was requested. */
  readonly efficiency: number | null;
}

export interface UsageNumbers {
  readonly window: UsageWindow;
  readonly runningHours: number;
  readonly cpu: ResourceUsage;
  readonly memory: ResourceUsage;
  readonly gpu: ResourceUsage;
}

function resource(requestedHours: number, usedHours: number, runningHours: number): ResourceUsage {
  return {
    requested: runningHours === 0 ? 0 : requestedHours / runningHours,
    used: runningHours === 0 ? 0 : usedHours / runningHours,
    requestedHours,
    usedHours,
    efficiency: requestedHours === 0 ? null : (usedHours / requestedHours) * 100,
  };
}

/** The numbers of totals measured with samples every `intervalSeconds`. */
export function numbersOf(totals: UsageTotals, window: UsageWindow, intervalSeconds: number): UsageNumbers {
  const hoursPerSample = intervalSeconds / 3600;
  const runningHours = totals.runningSamples * hoursPerSample;
  return {
    window,
    runningHours,
    cpu: resource(totals.cpuRequestedSum * hoursPerSample, totals.cpuUsedSeconds / 3600, runningHours),
    memory: resource((totals.memoryRequestedSum * hoursPerSample) / GIB, (totals.memoryUsedSum * hoursPerSample) / GIB, runningHours),
    gpu: resource(totals.gpuRequestedSum * hoursPerSample, (totals.gpuUtilSum / 100) * hoursPerSample, runningHours),
  };
}

/** An instance's key in the answers: `namespace/instance`. */
export const keyOf = (namespace: string, instance: string): string => `${namespace}/${instance}`;

/** What the queries answered, per instance. */
export interface InstanceMeasure {
  readonly namespace: string;
  readonly instance: string;
  readonly totals: UsageTotals;
  /** The 95th percentile of its usage over the window: cores, bytes (absent when it did not run). */
  readonly p95?: { readonly cores: number; readonly bytes: number };
  /** What it requests at the end of the window (cores, bytes, GPUs); absent when it does not run then. */
  readonly current?: { readonly cores: number; readonly bytes: number; readonly gpus: number };
}

function vector(data: QueryData | undefined): readonly { metric: Readonly<Record<string, string>>; value: number }[] {
  if (!data || data.resultType !== "vector") return [];
  return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) })).filter((r) => Number.isFinite(r.value));
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The answers of the queries of `usageQueries`, per instance (sorted by namespace, then instance). */
export function measuresOf(answers: Partial<Record<UsageQueryName, QueryData>>, labels: UsageLabels): InstanceMeasure[] {
  const found = new Map<
    string,
    {
      namespace: string;
      instance: string;
      totals: Mutable<UsageTotals>;
      p95: { cores: number; bytes: number } | undefined;
      current: Mutable<{ cores: number; bytes: number; gpus: number }> | undefined;
    }
  >();
  const entry = (metric: Readonly<Record<string, string>>) => {
    const namespace = metric[labels.namespace] ?? "";
    const instance = metric[labels.instance] ?? "";
    const key = keyOf(namespace, instance);
    let one = found.get(key);
    if (!one) {
      one = { namespace, instance, totals: { ...ZERO_TOTALS }, p95: undefined, current: undefined };
      found.set(key, one);
    }
    return one;
  };
  for (const { metric, value } of vector(answers.running)) entry(metric).totals.runningSamples += value;
  for (const { metric, value } of vector(answers.requested)) {
    const totals = entry(metric).totals;
    if (metric.resource === "cpu") totals.cpuRequestedSum += value;
    else if (metric.resource === "memory") totals.memoryRequestedSum += value;
    else if (metric.resource === "nvidia_com_gpu") totals.gpuRequestedSum += value;
  }
  for (const { metric, value } of vector(answers.current)) {
    const one = entry(metric);
    const current = (one.current ??= { cores: 0, bytes: 0, gpus: 0 });
    if (metric.resource === "cpu") current.cores += value;
    else if (metric.resource === "memory") current.bytes += value;
    else if (metric.resource === "nvidia_com_gpu") current.gpus += value;
  }
  for (const { metric, value } of vector(answers.cpuUsed)) entry(metric).totals.cpuUsedSeconds += value;
  for (const { metric, value } of vector(answers.memoryUsed)) entry(metric).totals.memoryUsedSum += value;
  for (const { metric, value } of vector(answers.gpuUsed)) entry(metric).totals.gpuUtilSum += value;
  for (const { metric, value } of vector(answers.cpuP95)) {
    const one = entry(metric);
    one.p95 = { cores: value, bytes: one.p95?.bytes ?? 0 };
  }
  for (const { metric, value } of vector(answers.memoryP95)) {
    const one = entry(metric);
    one.p95 = { cores: one.p95?.cores ?? 0, bytes: value };
  }
  return [...found.values()]
    .filter((one) => one.namespace !== "" && one.instance !== "")
    .sort((a, b) => (a.namespace === b.namespace ? (a.instance < b.instance ? -1 : 1) : a.namespace < b.namespace ? -1 : 1))
    .map((one) => ({
      namespace: one.namespace,
      instance: one.instance,
      totals: one.totals,
      ...(one.p95 ? { p95: one.p95 } : {}),
      ...(one.current ? { current: one.current } : {}),
    }));
}

/** The advice for a measured instance: none when it did not run at the end of the window or asked nothing. */
export function adviceFor(measure: InstanceMeasure): Advice | null {
  if (!measure.p95 || !measure.current || measure.current.cores === 0 || measure.current.bytes === 0) return null;
  return adviceOf(measure.p95, measure.current);
}

/** Unused requested core-hours: what a top waster is ranked by. */
export const wastedCoreHours = (numbers: UsageNumbers): number => numbers.cpu.requestedHours - numbers.cpu.usedHours;
