// What the local platform's pods use, read from podman: the local platform's cAdvisor and
// kube-state-metrics (docs/metrics.md, "The local platform's usage").
//
// Each read asks podman three things for all the pods at once, whatever their number: the
// containers of this installation (`ps`, by its label), their restart counts and cgroups
// (`container inspect`) and their counters (`stats`: CPUNano is the cgroup's cumulative CPU
// time in nanoseconds, NetInput/NetOutput the pod's network namespace's cumulative bytes).
// Memory is the working set as cAdvisor computes it, read from the container's cgroup (podman's
// MemUsage counts the page cache too); podman's figure is kept when the cgroup cannot be read.
// What the containers ask comes from the pod file the engine gave `kube play` (per container,
// as rendered), read again only when the pod's revision changes.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { ContainerUsage, InstanceUsage, InstanceUsageSource, PodUsage, ResourceAmounts, VolumeUsage } from "../../core/ports/instance-usage.js";
import { parseQuantity } from "../../core/tenancy/quota.js";
import { fromYaml } from "../../core/yaml.js";
import { lastLine, run } from "../process.js";
import { hostNames, LABELS } from "./adapt.js";

export interface PodmanUsageParams {
  readonly podman?: string;
  readonly installation: string;
  /** Where the engine writes the pod files (`<dataDir>/run`). */
  readonly runtimeDir: string;
  /** A read answers from the previous one when it is this recent (a scrape, and a second scrape soon after). Default 2 s. */
  readonly cacheMs?: number;
  /** Each podman command is killed after this long. Default 10 s. */
  readonly timeoutMs?: number;
  /** The cgroup file system (tests: a directory of their own). Default /sys/fs/cgroup. */
  readonly cgroupRoot?: string;
  /**
   * How old the volumes' sizes may be: measuring walks every file (`du`), so it runs in the
   * background at most this often, and reads answer the last sizes measured. Default 60 s.
   */
  readonly volumeRefreshMs?: number;
}

/** A container as `podman container inspect --format json` describes it (the fields read here). */
export interface InspectedContainer {
  readonly Id: string;
  readonly Name: string;
  readonly RestartCount?: number;
  readonly IsInfra?: boolean;
  readonly Pod?: string;
  readonly State?: { readonly Running?: boolean; readonly CgroupPath?: string };
  readonly Config?: { readonly Labels?: Readonly<Record<string, string>> | null };
}

/** `podman stats --format '{{json .ContainerStats}}'`: one object per line. */
export interface ContainerStats {
  readonly ContainerID: string;
  readonly CPUNano?: number;
  readonly MemUsage?: number;
  readonly NetInput?: number;
  readonly NetOutput?: number;
}

/** What the containers of a pod ask, by container name, as the pod file says. */
export type PodAsks = ReadonlyMap<string, { readonly requests: ResourceAmounts; readonly limits: ResourceAmounts }>;

const amounts = (resources: unknown): ResourceAmounts => {
  const record = typeof resources === "object" && resources !== null ? (resources as Record<string, unknown>) : {};
  const cpu = parseQuantity(record.cpu);
  const memory = parseQuantity(record.memory);
  const gpu = parseQuantity(record["nvidia.com/gpu"]);
  return { ...(cpu !== undefined ? { cpu } : {}), ...(memory !== undefined ? { memory } : {}), ...(gpu !== undefined ? { gpu } : {}) };
};

/** What each (running, not init) container of a pod file asks. */
export function asksOfPodFile(text: string, source: string): PodAsks {
  const pod = fromYaml(text, source) as { spec?: { containers?: { name?: unknown; resources?: { requests?: unknown; limits?: unknown } }[] } } | null;
  const asks = new Map<string, { requests: ResourceAmounts; limits: ResourceAmounts }>();
  for (const container of pod?.spec?.containers ?? []) {
    if (typeof container.name !== "string") continue;
    asks.set(container.name, { requests: amounts(container.resources?.requests), limits: amounts(container.resources?.limits) });
  }
  return asks;
}

/** The working set from a cgroup's memory files: usage less inactive file pages (v2: memory.current, v1: memory.usage_in_bytes). */
export function workingSetBytes(usage: number, memoryStat: string, version: 1 | 2): number {
  const field = version === 2 ? "inactive_file" : "total_inactive_file";
  const line = memoryStat.split("\n").find((candidate) => candidate.startsWith(`${field} `));
  const inactive = line ? Number(line.slice(field.length + 1)) : 0;
  return Math.max(0, usage - (Number.isFinite(inactive) ? inactive : 0));
}

/**
 * The pods of this installation from what podman said: containers grouped by pod, named by the
 * component they run; the pause container gives the pod's network counters and nothing else.
 */
export function podUsages(params: {
  readonly installation: string;
  readonly containers: readonly InspectedContainer[];
  readonly stats: ReadonlyMap<string, ContainerStats>;
  readonly workingSets: ReadonlyMap<string, number>;
  readonly asks: (pod: string) => PodAsks | undefined;
}): PodUsage[] {
  const names = hostNames(params.installation);
  const pods = new Map<string, { project: string; instance: string; pod: string; infra?: InspectedContainer; members: InspectedContainer[] }>();
  for (const container of params.containers) {
    const labels = container.Config?.Labels ?? {};
    if (labels[LABELS.managed] !== "true" || labels[LABELS.installation] !== params.installation) continue;
    const project = labels[LABELS.project];
    const instance = labels[LABELS.instance];
    if (!project || !instance || !container.Pod) continue;
    let pod = pods.get(container.Pod);
    if (!pod) pods.set(container.Pod, (pod = { project, instance, pod: names.pod(project, instance), members: [] }));
    if (container.IsInfra) pod.infra = container;
    else pod.members.push(container);
  }
  const usages: PodUsage[] = [];
  for (const pod of pods.values()) {
    const asks = params.asks(pod.pod);
    const containers: ContainerUsage[] = pod.members
      .map((container) => {
        const stats = params.stats.get(container.Id);
        const component = container.Name.startsWith(`${pod.pod}-`) ? container.Name.slice(pod.pod.length + 1) : container.Name;
        const asked = asks?.get(component);
        return {
          container: component,
          cpuSeconds: (stats?.CPUNano ?? 0) / 1e9,
          memoryWorkingSetBytes: params.workingSets.get(container.Id) ?? stats?.MemUsage ?? 0,
          restarts: container.RestartCount ?? 0,
          running: container.State?.Running === true,
          requests: asked?.requests ?? {},
          limits: asked?.limits ?? {},
        };
      })
      .sort((a, b) => (a.container < b.container ? -1 : a.container > b.container ? 1 : 0));
    if (containers.length === 0) continue;
    // Every container of a pod shares its network namespace: the pause container's counters are the pod's.
    const network = [pod.infra, ...pod.members]
      .map((container) => (container ? params.stats.get(container.Id) : undefined))
      .find((stats) => stats !== undefined);
    usages.push({
      project: pod.project,
      instance: pod.instance,
      pod: pod.pod,
      ready: containers.every((container) => container.running),
      networkReceiveBytes: network?.NetInput ?? 0,
      networkTransmitBytes: network?.NetOutput ?? 0,
      containers,
    });
  }
  return usages.sort((a, b) => (a.pod < b.pod ? -1 : a.pod > b.pod ? 1 : 0));
}

export function createPodmanUsage(params: PodmanUsageParams): InstanceUsageSource {
  const podman = params.podman ?? "podman";
  const cacheMs = params.cacheMs ?? 2000;
  const timeoutMs = params.timeoutMs ?? 10_000;
  const cgroupRoot = params.cgroupRoot ?? "/sys/fs/cgroup";
  const byInstallation = `label=${LABELS.installation}=${params.installation}`;
  const names = hostNames(params.installation);
  // Pod files by pod name, read again when the pod's revision (its hash label) changes.
  const podAsks = new Map<string, { hash: string; asks: PodAsks | undefined }>();
  let last: { at: number; usage: Promise<InstanceUsage> } | undefined;
  const volumeRefreshMs = params.volumeRefreshMs ?? 60_000;
  let volumes: { at: number; sizes: (VolumeUsage & { project: string; instance: string })[] } = { at: Number.NEGATIVE_INFINITY, sizes: [] };
  let measuring: Promise<void> | undefined;

  /** The size of each volume of this installation, one `du` at a time (bounded by the timeout each). */
  async function measureVolumes(): Promise<void> {
    const listed = JSON.parse((await podmanJson(["volume", "ls", "--filter", byInstallation, "--format", "json"])) || "[]") as {
      Name: string;
      Mountpoint?: string;
      Labels?: Record<string, string> | null;
    }[];
    const sizes: (VolumeUsage & { project: string; instance: string })[] = [];
    for (const volume of listed) {
      const labels = volume.Labels ?? {};
      const project = labels[LABELS.project];
      const instance = labels[LABELS.instance];
      if (labels[LABELS.managed] !== "true" || labels[LABELS.installation] !== params.installation || !project || !instance || !volume.Mountpoint) continue;
      const prefix = `${names.volume(project, "")}`;
      if (!volume.Name.startsWith(prefix)) continue;
      // A file the user cannot read makes du say so and exit 1: what it could count is still its answer.
      const measured = await run("du", ["-s", "-B1", "--", volume.Mountpoint], { timeoutMs });
      const bytes = Number(measured.stdout.toString("utf8").split("\t")[0]);
      if (measured.code !== 124 && Number.isFinite(bytes)) sizes.push({ project, instance, claim: volume.Name.slice(prefix.length), usedBytes: bytes });
    }
    const key = (volume: VolumeUsage & { project: string }) => `${volume.project}/${volume.claim}`;
    volumes = { at: Date.now(), sizes: sizes.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)) };
  }

  function volumeSizes(): (VolumeUsage & { project: string; instance: string })[] {
    if (!measuring && Date.now() - volumes.at >= volumeRefreshMs) {
      measuring = measureVolumes()
        .catch(() => {
          volumes = { ...volumes, at: Date.now() };
        })
        .finally(() => (measuring = undefined));
    }
    return volumes.sizes;
  }

  const podmanJson = async (args: string[]): Promise<string> => {
    const result = await run(podman, args, { timeoutMs });
    if (result.code !== 0) throw new Error(`podman ${args[0] ?? ""} ${args[1] ?? ""} failed: ${result.code === 124 ? "timed out" : lastLine(result.stderr)}`);
    return result.stdout.toString("utf8");
  };

  async function asksOf(pod: string, hash: string): Promise<void> {
    if (podAsks.get(pod)?.hash === hash) return;
    const file = join(params.runtimeDir, `${pod}.yaml`);
    const text = await readFile(file, "utf8").catch(() => undefined);
    let asks: PodAsks | undefined;
    try {
      asks = text === undefined ? undefined : asksOfPodFile(text, file);
    } catch {
      asks = undefined;
    }
    podAsks.set(pod, { hash, asks });
  }

  async function workingSet(cgroupPath: string | undefined): Promise<number | undefined> {
    if (!cgroupPath || cgroupPath.includes("..")) return undefined;
    const read = (path: string) => readFile(path, "utf8").catch(() => undefined);
    const v2 = join(cgroupRoot, cgroupPath);
    const current = await read(join(v2, "memory.current"));
    if (current !== undefined) return workingSetBytes(Number(current), (await read(join(v2, "memory.stat"))) ?? "", 2);
    const v1 = join(cgroupRoot, "memory", cgroupPath);
    const usage = await read(join(v1, "memory.usage_in_bytes"));
    if (usage === undefined) return undefined;
    return workingSetBytes(Number(usage), (await read(join(v1, "memory.stat"))) ?? "", 1);
  }

  async function readOnce(): Promise<InstanceUsage> {
    const listed = JSON.parse((await podmanJson(["ps", "-a", "--filter", byInstallation, "--format", "json"])) || "[]") as { Id: string }[];
    const ids = listed.map((container) => container.Id);
    if (ids.length === 0) return { pods: [], volumes: volumeSizes() };
    const [inspectedText, statsText] = await Promise.all([
      podmanJson(["container", "inspect", "--format", "json", ...ids]),
      podmanJson(["stats", "--no-stream", "--format", "{{json .ContainerStats}}", ...ids]),
    ]);
    const containers = JSON.parse(inspectedText || "[]") as InspectedContainer[];
    const stats = new Map<string, ContainerStats>();
    for (const line of statsText.split("\n")) {
      if (line.trim() === "") continue;
      const one = JSON.parse(line) as ContainerStats;
      stats.set(one.ContainerID, one);
    }
    const workingSets = new Map<string, number>();
    const pods = new Set<string>();
    await Promise.all(
      containers.map(async (container) => {
        const labels = container.Config?.Labels ?? {};
        const project = labels[LABELS.project];
        const instance = labels[LABELS.instance];
        const pod = project && instance ? names.pod(project, instance) : undefined;
        if (pod && !pods.has(pod)) {
          pods.add(pod);
          await asksOf(pod, labels[LABELS.hash] ?? "");
        }
        if (container.State?.Running && !container.IsInfra) {
          const bytes = await workingSet(container.State.CgroupPath);
          if (bytes !== undefined) workingSets.set(container.Id, bytes);
        }
      }),
    );
    for (const pod of podAsks.keys()) if (!pods.has(pod)) podAsks.delete(pod);
    const usages = podUsages({ installation: params.installation, containers, stats, workingSets, asks: (pod) => podAsks.get(pod)?.asks });
    return { pods: usages, volumes: volumeSizes() };
  }

  return {
    read() {
      const now = Date.now();
      if (last && now - last.at < cacheMs) return last.usage;
      // A container removed between the listing and the counters makes podman fail the whole call: one more try.
      const usage = readOnce().catch(() => readOnce());
      last = { at: now, usage };
      usage.catch(() => {
        if (last?.usage === usage) last = undefined;
      });
      return usage;
    },
  };
}
