// A synthetic month of a fleet, deterministic from a seed, that knows the truth: what each
// instance requested and used, hour by hour, and so every number of the usage reports (and of
// idle detection) over any window ending at the end of the month. Written in the metric names
// of docs/metrics.md (cAdvisor, kube-state-metrics, DCGM, Plateau's proxy) through
// VictoriaMetrics' import API, one sample per `stepSeconds` (the platform's scrape interval in
// the tests that read it).
//
// Values are chosen so that every number is exact: CPU used is a whole number of seconds per
// step (usage levels in multiples of 5 millicores), memory in multiples of 64 MiB, requests in
// binary fractions of a core; usage follows a step function (a base level, a peak 4 hours a day,
// an idle tail for some) so that the 95th percentile is one of the levels. Some pods restart
// their CPU counter once (a reset), some instances get a new pod mid-month (a new pod name,
// and for half of them another request, as a resize does), some are created mid-month, some
// stop before its end.
import type { ImportedSeries } from "./victoria-metrics.js";
import { seededRandom } from "./random.js";

export const MIB = 1024 * 1024;
export const GIB = 1024 * MIB;

export interface FleetOptions {
  readonly instances?: number;
  readonly seed?: number;
  /** Labs, each with `projectsPerLab` projects; instances are dealt to projects in turn. */
  readonly labs?: readonly string[];
  readonly projectsPerLab?: number;
  /** Samples of the month (default 720: 30 days of hours). */
  readonly steps?: number;
  readonly stepSeconds?: number;
  /** Unix seconds of the month's start: the first sample is one step after it. */
  readonly start?: number;
}

/** One pod of an instance: the steps it has samples at (first..last, inclusive, 1-based). */
export interface FleetPod {
  readonly name: string;
  readonly first: number;
  readonly last: number;
  readonly cpuRequestMillicores: number;
  readonly memoryRequestBytes: number;
  readonly gpus: number;
  /** The step its CPU counter restarted at (it then counts from 0 again), if it did. */
  readonly counterResetAt?: number;
}

export interface FleetInstance {
  readonly lab: string;
  readonly project: string;
  readonly name: string;
  readonly pods: readonly FleetPod[];
  /** Millicores it used during step k (0 at a pod's first step: its counter starts there). */
  cpuMillicoresAt(k: number): number;
  memoryBytesAt(k: number): number;
  /** GPU utilization (percent of one GPU) at step k. */
  gpuUtilAt(k: number): number;
  /** Requests through Plateau's proxy during step k. */
  proxyRequestsAt(k: number): number;
  podAt(k: number): FleetPod | undefined;
  /** Whether anyone reaches it through Plateau's proxy (only then has it a `plateau_proxy_requests_total` series). */
  readonly proxied: boolean;
}

/** The truth of one instance over a window: the same sums the usage queries answer. */
export interface InstanceTruth {
  readonly runningSamples: number;
  readonly cpuRequestedSum: number;
  readonly memoryRequestedSum: number;
  readonly gpuRequestedSum: number;
  readonly cpuUsedSeconds: number;
  readonly memoryUsedSum: number;
  readonly gpuUtilSum: number;
  /** 95th percentiles of usage per step: millicores and bytes (interpolated between ranks as PromQL does); null when it never ran in the window. */
  readonly p95: { readonly millicores: number; readonly bytes: number } | null;
  /** What it requests at the last step; null when it does not run then. */
  readonly current: { readonly millicores: number; readonly bytes: number; readonly gpus: number } | null;
  /** The advice: p95 + 20 %, rounded up to 50m / 64 MiB, floors 100m / 128 MiB; null without p95 and current. */
  readonly advice: { readonly cpuMillicores: number; readonly memoryMiB: number } | null;
}

export interface Fleet {
  readonly start: number;
  readonly stepSeconds: number;
  readonly steps: number;
  /** Unix seconds of the last sample: where every window of the truth ends. */
  readonly end: number;
  readonly labs: readonly string[];
  readonly projects: readonly { readonly name: string; readonly lab: string }[];
  readonly instances: readonly FleetInstance[];
  /** Every series, in the import API's form. */
  series(): Iterable<ImportedSeries>;
  truth(instance: FleetInstance, windowSeconds: number): InstanceTruth;
  /**
   * Hours since the instance was last active at the end of the month: a step with CPU above
   * `thresholdMillicores` or a request through the proxy. null when it never was (in the month).
   */
  hoursSinceActive(instance: FleetInstance, thresholdMillicores: number): number | null;
  /** Requests through the proxy over the window ending at the month's end: `increase(plateau_proxy_requests_total[window])`. */
  proxyRequests(instance: FleetInstance, windowSeconds: number): number;
}

export const DEFAULT_LABS = ["imb", "lmbp", "lab-c", "lab-d", "lab-e", "lab-f", "lab-g", "lab-h", "lab-i", "lab-j"];

const CPU_REQUESTS = [250, 500, 1000, 2000, 4000];
const MEMORY_REQUESTS_MIB = [512, 1024, 2048, 4096, 8192];
/** The hours of a day of the peak (steps counted from the month's start). */
const isPeak = (k: number) => k % 24 >= 9 && k % 24 < 13;
/** What an idle instance still uses (below any sensible threshold). */
const IDLE_MILLICORES = 5;

/**
 * Where a pod's counter restarts: two days after it began, outside the peak. VictoriaMetrics
 * takes a drop of less than an eighth of a counter for jitter (no reset), as from a pair of
 * Prometheus replicas: after two days (8 peak hours in the counter) one hour's usage never is.
 */
const resetStep = (first: number) => (isPeak(first + 50) ? first + 56 : first + 50);

export function generateFleet(options: FleetOptions = {}): Fleet {
  const count = options.instances ?? 2000;
  const random = seededRandom(options.seed ?? 14);
  const labs = options.labs ?? DEFAULT_LABS;
  const projectsPerLab = options.projectsPerLab ?? 4;
  const steps = options.steps ?? 720;
  const stepSeconds = options.stepSeconds ?? 3600;
  const start = options.start ?? Date.UTC(2026, 10, 1) / 1000;
  const end = start + steps * stepSeconds;
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  const between = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));

  const projects = labs.flatMap((lab) => Array.from({ length: projectsPerLab }, (_, j) => ({ name: `${lab}-p${j}`, lab })));
  const instances: FleetInstance[] = [];
  for (let i = 0; i < count; i++) {
    const project = projects[i % projects.length] as { name: string; lab: string };
    const name = `n${String(i).padStart(4, "0")}`;
    const created = random() < 0.15 ? between(100, steps - 200) : 1;
    const stopped = random() < 0.05 ? between(created + 48, steps - 24) : steps;
    const renamedAt = random() < 0.2 ? between(created + 24, stopped - 12) : undefined;
    const idleFrom = random() < 0.2 ? between(Math.max(created, steps - 400), steps) : undefined;
    const gpus = random() < 0.05 ? 1 : 0;
    const cpuRequest = pick(CPU_REQUESTS);
    const memoryRequest = pick(MEMORY_REQUESTS_MIB) * MIB;
    // Base and peak usage: multiples of 5 millicores and of 64 MiB, the peak at most the request.
    const baseMillicores = 5 * between(2, Math.max(2, cpuRequest / 20));
    const peakMillicores = Math.min(cpuRequest, baseMillicores + 5 * between(0, cpuRequest / 5));
    const baseBytes = 64 * MIB * between(1, Math.max(1, memoryRequest / (128 * MIB)));
    const peakBytes = Math.min(memoryRequest, baseBytes + 64 * MIB * between(0, memoryRequest / (128 * MIB)));
    const proxied = random() < 0.6;
    const resetAt = random() < 0.1;
    const pods: FleetPod[] = [];
    const podName = (n: number) => `${name}-${(((i + 1) * 2654435761 + n * 40503) >>> 0).toString(36).slice(0, 5)}-x${n}`;
    if (renamedAt === undefined) {
      pods.push({
        name: podName(0),
        first: created,
        last: stopped,
        cpuRequestMillicores: cpuRequest,
        memoryRequestBytes: memoryRequest,
        gpus,
        ...(resetAt && stopped - created > 60 ? { counterResetAt: resetStep(created) } : {}),
      });
    } else {
      const resized = random() < 0.5;
      pods.push({ name: podName(0), first: created, last: renamedAt, cpuRequestMillicores: cpuRequest, memoryRequestBytes: memoryRequest, gpus });
      pods.push({
        name: podName(1),
        first: renamedAt + 1,
        last: stopped,
        cpuRequestMillicores: resized ? Math.max(cpuRequest, peakMillicores) * 2 : cpuRequest,
        memoryRequestBytes: memoryRequest,
        gpus,
        ...(resetAt && stopped - renamedAt > 60 ? { counterResetAt: resetStep(renamedAt + 1) } : {}),
      });
    }
    const podAt = (k: number) => pods.find((pod) => pod.first <= k && k <= pod.last);
    const busy = (k: number) => podAt(k) !== undefined && (idleFrom === undefined || k < idleFrom);
    instances.push({
      lab: project.lab,
      project: project.name,
      name,
      pods,
      podAt,
      proxied,
      cpuMillicoresAt(k) {
        const pod = podAt(k);
        if (!pod || k === pod.first) return 0;
        if (!busy(k)) return IDLE_MILLICORES;
        return isPeak(k) ? peakMillicores : baseMillicores;
      },
      memoryBytesAt(k) {
        if (!podAt(k)) return 0;
        return busy(k) && isPeak(k) ? peakBytes : baseBytes;
      },
      gpuUtilAt(k) {
        const pod = podAt(k);
        if (!pod || pod.gpus === 0) return 0;
        return busy(k) ? (isPeak(k) ? 90 : 30) : 0;
      },
      proxyRequestsAt(k) {
        // None at its first step: its counter starts there at 0, as the CPU counters do.
        if (k === created) return 0;
        return proxied && busy(k) && k % 24 >= 8 && k % 24 < 18 ? 10 + (k % 7) : 0;
      },
    });
  }

  const timestampsOf = (first: number, last: number) => Array.from({ length: last - first + 1 }, (_, j) => (start + (first + j) * stepSeconds) * 1000);
  const stepsOf = (first: number, last: number) => Array.from({ length: last - first + 1 }, (_, j) => first + j);

  function* series(): Iterable<ImportedSeries> {
    for (const instance of instances) {
      const namespace = instance.project;
      for (const pod of instance.pods) {
        const timestamps = timestampsOf(pod.first, pod.last);
        const ks = stepsOf(pod.first, pod.last);
        const constant = (value: number) => ks.map(() => value);
        const podLabels = { namespace, pod: pod.name };
        const container = { ...podLabels, container: "main" };
        yield { metric: { __name__: "kube_pod_labels", ...podLabels, label_app_kubernetes_io_instance: instance.name }, values: constant(1), timestamps };
        yield {
          metric: { __name__: "kube_pod_container_resource_requests", ...container, resource: "cpu", unit: "core" },
          values: constant(pod.cpuRequestMillicores / 1000),
          timestamps,
        };
        yield {
          metric: { __name__: "kube_pod_container_resource_requests", ...container, resource: "memory", unit: "byte" },
          values: constant(pod.memoryRequestBytes),
          timestamps,
        };
        let counter = 0;
        const cpu = ks.map((k) => {
          const seconds = (instance.cpuMillicoresAt(k) * stepSeconds) / 1000;
          counter = k === pod.counterResetAt ? seconds : counter + seconds;
          return counter;
        });
        yield { metric: { __name__: "container_cpu_usage_seconds_total", ...container }, values: cpu, timestamps };
        yield { metric: { __name__: "container_memory_working_set_bytes", ...container }, values: ks.map((k) => instance.memoryBytesAt(k)), timestamps };
        if (pod.gpus > 0) {
          yield {
            metric: { __name__: "kube_pod_container_resource_requests", ...container, resource: "nvidia_com_gpu", unit: "integer" },
            values: constant(pod.gpus),
            timestamps,
          };
          yield { metric: { __name__: "DCGM_FI_DEV_GPU_UTIL", ...container }, values: ks.map((k) => instance.gpuUtilAt(k)), timestamps };
        }
      }
      // Plateau's own count, per instance whatever its pods (a counter from its first step); none
      // for an instance no one reached through the proxy (its series does not exist: 0 requests).
      if (!instance.proxied) continue;
      const first = instance.pods[0]?.first ?? 1;
      let requests = 0;
      yield {
        metric: { __name__: "plateau_proxy_requests_total", namespace, instance: instance.name },
        values: stepsOf(first, steps).map((k) => (requests += instance.proxyRequestsAt(k))),
        timestamps: timestampsOf(first, steps),
      };
    }
  }

  /**
   * The 95th percentile as Prometheus and VictoriaMetrics compute it: linear between the two
   * ranks around 0.95 × (n − 1). Mostly both are one level of the step function (exact); where
   * an idle tail begins inside a window they may differ, and the value is interpolated.
   */
  function p95Of(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const rank = 0.95 * (sorted.length - 1);
    const lower = Math.floor(rank);
    const low = sorted[lower] as number;
    const high = sorted[Math.min(sorted.length - 1, lower + 1)] as number;
    const weight = rank - lower;
    return low === high ? low : low * (1 - weight) + high * weight;
  }

  function truth(instance: FleetInstance, windowSeconds: number): InstanceTruth {
    const from = steps - windowSeconds / stepSeconds + 1;
    let runningSamples = 0;
    let cpuRequestedMillicoresSum = 0;
    let memoryRequestedSum = 0;
    let gpuRequestedSum = 0;
    let cpuUsedSeconds = 0;
    let memoryUsedSum = 0;
    let gpuUtilSum = 0;
    const cpuSteps: number[] = [];
    const memorySteps: number[] = [];
    for (let k = Math.max(1, from); k <= steps; k++) {
      const pod = instance.podAt(k);
      if (!pod) continue;
      runningSamples++;
      cpuRequestedMillicoresSum += pod.cpuRequestMillicores;
      memoryRequestedSum += pod.memoryRequestBytes;
      gpuRequestedSum += pod.gpus;
      cpuUsedSeconds += (instance.cpuMillicoresAt(k) * stepSeconds) / 1000;
      memoryUsedSum += instance.memoryBytesAt(k);
      gpuUtilSum += instance.gpuUtilAt(k);
      cpuSteps.push(instance.cpuMillicoresAt(k));
      memorySteps.push(instance.memoryBytesAt(k));
    }
    const p95 = runningSamples === 0 ? null : { millicores: p95Of(cpuSteps), bytes: p95Of(memorySteps) };
    const last = instance.podAt(steps);
    const current = last ? { millicores: last.cpuRequestMillicores, bytes: last.memoryRequestBytes, gpus: last.gpus } : null;
    const advice =
      p95 && current
        ? {
            cpuMillicores: Math.max(100, Math.ceil(Math.round(((p95.millicores * 6) / 250) * 1e6) / 1e6) * 50),
            memoryMiB: Math.max(128, Math.ceil(Math.round((((p95.bytes / MIB) * 6) / 320) * 1e6) / 1e6) * 64),
          }
        : null;
    return {
      runningSamples,
      // Requests are binary fractions of a core (250m…): the sum in cores is exact.
      cpuRequestedSum: cpuRequestedMillicoresSum / 1000,
      memoryRequestedSum,
      gpuRequestedSum,
      cpuUsedSeconds,
      memoryUsedSum,
      gpuUtilSum,
      p95,
      current,
      advice,
    };
  }

  function hoursSinceActive(instance: FleetInstance, thresholdMillicores: number): number | null {
    for (let k = steps; k >= 1; k--) {
      if (instance.cpuMillicoresAt(k) > thresholdMillicores || instance.proxyRequestsAt(k) > 0) return ((steps - k) * stepSeconds) / 3600;
    }
    return null;
  }

  function proxyRequests(instance: FleetInstance, windowSeconds: number): number {
    let sum = 0;
    for (let k = Math.max(1, steps - windowSeconds / stepSeconds + 1); k <= steps; k++) sum += instance.proxyRequestsAt(k);
    return sum;
  }

  return { start, stepSeconds, steps, end, labs, projects, instances, series, truth, hoursSinceActive, proxyRequests };
}

/**
 * Imports the fleet's series into a VictoriaMetrics (its `url`), several requests at once so
 * that its cores ingest while the next chunk is written, then makes them searchable.
 */
export async function importFleet(vm: { readonly url: string; flush(): Promise<void> }, fleet: Fleet, concurrency = 3): Promise<void> {
  const pending = new Set<Promise<void>>();
  const send = (body: string) => {
    const sent: Promise<void> = fetch(`${vm.url}/api/v1/import`, { method: "POST", body }).then(async (response) => {
      if (!response.ok) throw new Error(`import: ${response.status} ${await response.text()}`);
    });
    const tracked = sent.finally(() => pending.delete(tracked));
    pending.add(tracked);
    return tracked;
  };
  let chunk: string[] = [];
  let size = 0;
  for (const one of fleet.series()) {
    const line = JSON.stringify(one);
    chunk.push(line);
    size += line.length;
    if (size > 4_000_000) {
      void send(chunk.join("\n") + "\n");
      chunk = [];
      size = 0;
      if (pending.size >= concurrency) await Promise.race(pending);
    }
  }
  if (chunk.length > 0) void send(chunk.join("\n") + "\n");
  await Promise.all(pending);
  await vm.flush();
}
