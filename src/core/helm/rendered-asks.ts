// What the objects a chart renders ask of a cluster, read as Kubernetes reads them: every
// container's requests and limits (init containers and sidecars included), the pod's effective
// request by the scheduler's rule, times the replicas, and the claims' storage. Quotas and
// placement count this rather than a naming convention of values (resources.ts), so that a
// sub-chart's `postgresql.primary.resources` counts like the chart's own.
import type { PodAsk } from "../placement/place.js";
import type { KubeObject } from "../render/kube.js";
import { parseQuantity, type Resources } from "../tenancy/quota.js";

type Json = Record<string, unknown>;
const asObject = (value: unknown): Json | undefined => (typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : undefined);
const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** The resources quotas and placement count, in their units: cores, GiB, devices. */
export const POD_RESOURCES = ["cpu", "memoryGiB", "gpu"] as const;
export type PodResource = (typeof POD_RESOURCES)[number];
/** How Kubernetes names them in `resources.requests` / `resources.limits`. */
export const KUBE_RESOURCE_NAMES: Record<PodResource, string> = { cpu: "cpu", memoryGiB: "memory", gpu: "nvidia.com/gpu" };

export type Amounts = Partial<Record<PodResource, number>>;

/** Requests and limits a container gets from its namespace's LimitRange when it states none (`defaultRequest`, `default`). */
export interface ContainerDefaults {
  readonly defaultRequest: Amounts;
  readonly default: Amounts;
}

export interface ContainerAsk {
  readonly name: string;
  /** `containers`, `initContainers`; an init container with `restartPolicy: Always` is a sidecar. */
  readonly list: "containers" | "initContainers";
  readonly sidecar: boolean;
  /** As the cluster sees them once admitted: a request absent takes the limit, then the LimitRange defaults fill what is still absent. */
  readonly requests: Amounts;
  readonly limits: Amounts;
  /** What the rendered object itself states (before any default), by Kubernetes' name: what a fix changes. */
  readonly stated: { readonly requests: readonly string[]; readonly limits: readonly string[] };
}

export interface PodAsks {
  /** `Kind/name` of the object holding the pod template. */
  readonly object: string;
  readonly kind: string;
  /** Pods it runs: `replicas` (absent = 1; 0 when scaled to 0 or suspended), a Job's parallelism, 1 for a bare Pod. */
  readonly replicas: number;
  /** One pod's effective request and limit (the scheduler's and the quota's rule). */
  readonly requests: PodAsk;
  readonly limits: PodAsk;
  /** Resources some container of the pod has no limit for (the pod is then unbounded in it). */
  readonly unlimited: readonly PodResource[];
  readonly containers: readonly ContainerAsk[];
  /** The pod spec itself, for the checks that read more than resources. */
  readonly spec: Json;
}

export interface InvalidQuantity {
  readonly object: string;
  readonly path: string;
  readonly value: unknown;
}

export interface RenderedAsks {
  readonly pods: readonly PodAsks[];
  /** The largest single pod (what must fit on one node), by the placement's reading: GPUs, then memory, then CPU. */
  readonly largestPod: PodAsk;
  /** What the objects ask in all, counted like a quota: requests × replicas, storage of every claim, one instance. */
  readonly requests: Resources;
  /** Limits × replicas (a container without a limit adds nothing here; see `PodAsks.unlimited`). */
  readonly limits: PodAsk;
  /** Storage by claim (`Kind/name` or `StatefulSet/name claim data`), in GiB, already in `requests.storageGiB`. */
  readonly claims: readonly { readonly object: string; readonly storageGiB: number }[];
  /** Quantities the API server would refuse (not numbers, negative, fractional GPUs). */
  readonly invalid: readonly InvalidQuantity[];
}

const ZERO_POD: PodAsk = { cpu: 0, memoryGiB: 0, gpu: 0 };
const GIB = 1024 ** 3;
/** Sums of binary quantities are exact; rounding only removes decimal noise (0.1 + 0.2), as quota.ts does. */
const round = (value: number): number => Math.round(value * 1e6) / 1e6;

export const objectName = (object: KubeObject): string => `${object.kind}/${object.metadata.name}`;

/** The pod template of every kind that runs pods, and how many pods it runs. */
export function podTemplateOf(object: KubeObject): { spec: Json | undefined; replicas: number } | undefined {
  const spec = asObject(object.spec);
  const count = (value: unknown): number => (value === undefined ? 1 : typeof value === "number" && Number.isInteger(value) && value >= 0 ? value : 1);
  const templateSpec = (template: unknown) => asObject(asObject(template)?.spec);
  switch (object.kind) {
    case "Pod":
      return { spec, replicas: 1 };
    case "Deployment":
    case "StatefulSet":
    case "ReplicaSet":
    case "ReplicationController":
      return { spec: templateSpec(spec?.template), replicas: count(spec?.replicas) };
    // One pod per node: the count depends on the cluster. The kinds rule refuses DaemonSets; counted once here.
    case "DaemonSet":
      return { spec: templateSpec(spec?.template), replicas: 1 };
    case "Job":
      return { spec: templateSpec(spec?.template), replicas: spec?.suspend === true ? 0 : count(spec?.parallelism) };
    case "CronJob": {
      const job = asObject(asObject(spec?.jobTemplate)?.spec);
      // One run at a time is what a schedule asks; overlapping runs (concurrencyPolicy Allow) are the chart's gamble.
      return { spec: templateSpec(job?.template), replicas: spec?.suspend === true || job?.suspend === true ? 0 : count(job?.parallelism) };
    }
    default:
      return undefined;
  }
}

/** In quota units: cores, GiB, devices. */
const toUnit = (resource: PodResource, base: number): number => (resource === "memoryGiB" ? base / GIB : base);

/**
 * What the objects ask. `defaults` are the namespace's LimitRange defaults: a container that
 * states no request or limit gets them at admission, and is counted with them.
 */
export function renderedAsks(objects: readonly KubeObject[], defaults?: ContainerDefaults): RenderedAsks {
  const pods: PodAsks[] = [];
  const invalid: InvalidQuantity[] = [];
  const claims: { object: string; storageGiB: number }[] = [];

  const storageOf = (object: string, path: string, claimSpec: unknown): number => {
    const value = asObject(asObject(asObject(claimSpec)?.resources)?.requests)?.storage;
    if (value === undefined) return 0;
    const bytes = parseQuantity(value);
    if (bytes === undefined || bytes < 0) {
      invalid.push({ object, path, value });
      return 0;
    }
    return bytes / GIB;
  };

  for (const object of objects) {
    const name = objectName(object);
    if (object.kind === "PersistentVolumeClaim") {
      claims.push({ object: name, storageGiB: round(storageOf(name, "spec.resources.requests.storage", object.spec)) });
      continue;
    }
    const template = podTemplateOf(object);
    if (!template) continue;
    if (object.kind === "StatefulSet") {
      // Claims outlive a scale to 0 (the retention policy's default is Retain): a stopped set still holds one per replica it had, at least one.
      const holders = Math.max(template.replicas, 1);
      for (const [index, item] of asArray(asObject(object.spec)?.volumeClaimTemplates).entries()) {
        const claim = asObject(item);
        const claimName = typeof asObject(claim?.metadata)?.name === "string" ? String(asObject(claim?.metadata)?.name) : `#${index}`;
        const each = storageOf(name, `spec.volumeClaimTemplates[${index}].spec.resources.requests.storage`, claim?.spec);
        claims.push({ object: `${name} claim ${claimName}`, storageGiB: round(each * holders) });
      }
    }
    const spec = template.spec ?? {};
    const containers: ContainerAsk[] = [];
    for (const list of ["initContainers", "containers"] as const) {
      for (const [index, item] of asArray(spec[list]).entries()) {
        const container = asObject(item) ?? {};
        const containerName = typeof container.name === "string" ? container.name : `#${index}`;
        containers.push(containerAsk(name, `spec.${list}[${index}]`, containerName, list, container, defaults, invalid));
      }
    }
    const requests = effective(containers, "requests");
    const limits = effective(containers, "limits");
    // A container without a memory (or CPU) limit may take the node's; one without a GPU asks none.
    const unlimited = POD_RESOURCES.filter((resource) =>
      containers.some((c) => c.limits[resource] === undefined && (resource !== "gpu" || c.requests.gpu !== undefined)),
    );
    pods.push({ object: name, kind: object.kind, replicas: template.replicas, requests, limits, unlimited, containers, spec });
  }

  const total = (field: "requests" | "limits"): PodAsk => {
    const sum = { ...ZERO_POD };
    for (const pod of pods) for (const resource of POD_RESOURCES) sum[resource] += pod[field][resource] * pod.replicas;
    return { cpu: round(sum.cpu), memoryGiB: round(sum.memoryGiB), gpu: round(sum.gpu) };
  };
  const storageGiB = round(claims.reduce((sum, claim) => sum + claim.storageGiB, 0));
  return {
    pods,
    largestPod: largest(pods.map((pod) => pod.requests)),
    requests: { ...total("requests"), instances: 1, storageGiB },
    limits: total("limits"),
    claims,
    invalid,
  };
}

function containerAsk(
  object: string,
  path: string,
  name: string,
  list: "containers" | "initContainers",
  container: Json,
  defaults: ContainerDefaults | undefined,
  invalid: InvalidQuantity[],
): ContainerAsk {
  const resources = asObject(container.resources) ?? {};
  const read = (field: "requests" | "limits"): Amounts => {
    const amounts: Amounts = {};
    for (const resource of POD_RESOURCES) {
      const value = asObject(resources[field])?.[KUBE_RESOURCE_NAMES[resource]];
      if (value === undefined) continue;
      const base = parseQuantity(value);
      // Devices are whole: the API server refuses `nvidia.com/gpu: 0.5`.
      if (base === undefined || base < 0 || (resource === "gpu" && !Number.isInteger(base))) {
        invalid.push({ object, path: `${path}.resources.${field}.${KUBE_RESOURCE_NAMES[resource]}`, value });
        continue;
      }
      amounts[resource] = toUnit(resource, base);
    }
    return amounts;
  };
  const statedRequests = read("requests");
  const statedLimits = read("limits");
  // The API's defaulting first (a request absent takes the limit), then the LimitRanger's defaults for what is still absent.
  const limits: Amounts = { ...(defaults?.default ?? {}), ...statedLimits };
  // Only a *stated* limit becomes the request: the API defaults before the LimitRanger admits.
  const requests: Amounts = { ...(defaults?.defaultRequest ?? {}), ...statedLimits, ...statedRequests };
  return {
    name,
    list,
    sidecar: list === "initContainers" && container.restartPolicy === "Always",
    requests,
    limits,
    stated: {
      requests: POD_RESOURCES.filter((r) => statedRequests[r] !== undefined).map((r) => KUBE_RESOURCE_NAMES[r]),
      limits: POD_RESOURCES.filter((r) => statedLimits[r] !== undefined).map((r) => KUBE_RESOURCE_NAMES[r]),
    },
  };
}

/**
 * A pod's effective request (or limit), per resource, as the scheduler and the quota compute
 * it (k8s.io/component-helpers resource.PodRequests): init containers run one after the
 * other, each beside the sidecars started before it; the containers run together beside all
 * sidecars; the pod needs the larger of the two phases.
 */
function effective(containers: readonly ContainerAsk[], field: "requests" | "limits"): PodAsk {
  const result = { ...ZERO_POD };
  for (const resource of POD_RESOURCES) {
    let sidecars = 0;
    let initPhase = 0;
    let main = 0;
    for (const container of containers) {
      const amount = container[field][resource] ?? 0;
      if (container.list === "containers") main += amount;
      else if (container.sidecar) {
        sidecars += amount;
        initPhase = Math.max(initPhase, sidecars);
      } else initPhase = Math.max(initPhase, sidecars + amount);
    }
    result[resource] = round(Math.max(initPhase, main + sidecars));
  }
  return result;
}

/** The pod placement must fit on one node: the one with the most GPUs, then memory, then CPU. */
function largest(asks: readonly PodAsk[]): PodAsk {
  let best = ZERO_POD;
  for (const ask of asks) {
    if (ask.gpu > best.gpu || (ask.gpu === best.gpu && (ask.memoryGiB > best.memoryGiB || (ask.memoryGiB === best.memoryGiB && ask.cpu > best.cpu))))
      best = ask;
  }
  return { ...best };
}

/**
 * The shape `helmResources` (resources.ts) gives quotas and placement, read from the rendered
 * objects instead of the values' naming convention: the instance's total (a stopped instance
 * keeps only its storage and its place) and its largest pod.
 */
export function instanceAsks(objects: readonly KubeObject[], running: boolean, defaults?: ContainerDefaults): { total: Resources; largestPod: PodAsk } {
  const asks = renderedAsks(objects, defaults);
  return {
    total: running ? asks.requests : { cpu: 0, memoryGiB: 0, gpu: 0, instances: 1, storageGiB: asks.requests.storageGiB },
    largestPod: asks.largestPod,
  };
}
