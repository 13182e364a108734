// Quotas: what a project and its lab may use, what they use, and whether a request fits.
// Usage is read from the rendered objects themselves (the pods' requests, the claims'
// storage), so a quota counts exactly what the platforms are asked to run.
import { QuotaExceededError } from "../errors.js";
import type { Quota } from "../model.js";
import type { KubeObject } from "../render/kube.js";

/** Resources in people's units: cores, GiB, devices, instances. */
export interface Resources {
  readonly cpu: number;
  readonly memoryGiB: number;
  readonly gpu: number;
  readonly instances: number;
  readonly storageGiB: number;
}

export type EffectiveQuota = Resources;

export const RESOURCES = ["cpu", "memoryGiB", "gpu", "instances", "storageGiB"] as const;
export type ResourceName = (typeof RESOURCES)[number];
export const UNITS: Record<ResourceName, string> = { cpu: "cores", memoryGiB: "GiB", gpu: "GPU", instances: "instances", storageGiB: "GiB" };

export const ZERO: Resources = { cpu: 0, memoryGiB: 0, gpu: 0, instances: 0, storageGiB: 0 };

/** Sums of binary quantities are exact in binary; rounding only removes decimal noise (1 MiB ≈ 1e-3 GiB, far above 1e-6). */
const round = (value: number): number => Math.round(value * 1e6) / 1e6;

export function add(a: Resources, b: Resources): Resources {
  return {
    cpu: round(a.cpu + b.cpu),
    memoryGiB: round(a.memoryGiB + b.memoryGiB),
    gpu: a.gpu + b.gpu,
    instances: a.instances + b.instances,
    storageGiB: round(a.storageGiB + b.storageGiB),
  };
}

/** A Kubernetes CPU quantity in cores (`500m` → 0.5). */
export function cpuCores(quantity: string): number {
  const match = /^([0-9]+(?:\.[0-9]+)?)(m?)$/.exec(quantity);
  if (!match) return 0;
  return Number(match[1]) / (match[2] ? 1000 : 1);
}

const BINARY: Record<string, number> = { "": 1 / 1024 ** 3, Ki: 1 / 1024 ** 2, Mi: 1 / 1024, Gi: 1, Ti: 1024 };

/** A Kubernetes memory or storage quantity in GiB (`512Mi` → 0.5). */
export function gibibytes(quantity: string): number {
  const match = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti)?$/.exec(quantity);
  if (!match) return 0;
  return Number(match[1]) * (BINARY[match[2] ?? ""] ?? 0);
}

/**
 * A Kubernetes quantity in its base unit (cores for CPU, bytes for memory and storage, a count
 * for devices), by the API's own grammar (apimachinery resource.Quantity): a signed decimal
 * (`1`, `1.5`, `.5`, `5.`), then a binary suffix (Ki Mi Gi Ti Pi Ei), a decimal exponent
 * (`e3`, `E-2`) or a decimal suffix (m k M G T P E; `E` alone is exa). YAML numbers are
 * quantities too (`cpu: 2`). Undefined when the text is not a quantity, which the API server
 * would refuse. `cpuCores` and `gibibytes` keep their narrower reading (0 for anything else)
 * for the built-in templates, whose schemas allow only those forms.
 */
export function parseQuantity(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value !== "string") return undefined;
  const match = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(?:(Ki|Mi|Gi|Ti|Pi|Ei)|[eE]([+-]?[0-9]+)|(m|k|M|G|T|P|E)?)$/.exec(value);
  if (!match) return undefined;
  const number = Number(match[1]);
  if (match[2] !== undefined) return number * 1024 ** (BINARY_EXPONENTS[match[2]] ?? 0);
  if (match[3] !== undefined) return number * 10 ** Number(match[3]);
  return number * 10 ** (DECIMAL_EXPONENTS[match[4] ?? ""] ?? 0);
}

const BINARY_EXPONENTS: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const DECIMAL_EXPONENTS: Record<string, number> = { m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

interface PodLike {
  containers?: { resources?: { requests?: Record<string, string> } }[];
}

/**
 * What one instance asks of its platform, read from its rendered objects. `running` false
 * (a stopped instance) keeps only what it holds while stopped: its storage and its place.
 */
export function resourcesOf(objects: readonly KubeObject[], running: boolean): Resources {
  let cpu = 0;
  let memoryGiB = 0;
  let gpu = 0;
  let storageGiB = 0;
  for (const object of objects) {
    if (object.kind === "PersistentVolumeClaim") {
      const spec = (object as { spec?: { resources?: { requests?: { storage?: string } } } }).spec;
      storageGiB += gibibytes(spec?.resources?.requests?.storage ?? "");
    }
    if (object.kind === "Deployment" || object.kind === "StatefulSet") {
      const spec = (object as { spec?: { replicas?: number; template?: { spec?: PodLike } } }).spec;
      // A stopped instance renders zero replicas; quotas count what a running one asks.
      const pod = spec?.template?.spec;
      // Init containers run before, not beside, the containers: the containers' sum bounds the pod.
      for (const container of pod?.containers ?? []) {
        const requests = container.resources?.requests ?? {};
        cpu += cpuCores(requests.cpu ?? "");
        memoryGiB += gibibytes(requests.memory ?? "");
        gpu += Number(requests["nvidia.com/gpu"] ?? 0) || 0;
      }
    }
  }
  return running
    ? { cpu: round(cpu), memoryGiB: round(memoryGiB), gpu, instances: 1, storageGiB: round(storageGiB) }
    : { ...ZERO, instances: 1, storageGiB: round(storageGiB) };
}

/** The largest pod of the rendered objects (what must fit on one node), in cores, GiB and GPUs. */
export function largestPod(objects: readonly KubeObject[]): { cpu: number; memoryGiB: number; gpu: number } {
  let largest = { cpu: 0, memoryGiB: 0, gpu: 0 };
  for (const object of objects) {
    if (object.kind !== "Deployment" && object.kind !== "StatefulSet") continue;
    const pod = (object as { spec?: { template?: { spec?: PodLike } } }).spec?.template?.spec;
    const asks = resourcesOf([{ ...object, spec: { replicas: 1, template: { spec: pod } } } as KubeObject], true);
    if (asks.cpu + asks.memoryGiB + asks.gpu > largest.cpu + largest.memoryGiB + largest.gpu)
      largest = { cpu: asks.cpu, memoryGiB: asks.memoryGiB, gpu: asks.gpu };
  }
  return largest;
}

/** A quota with the defaults filled in. */
export const effectiveQuota = (quota: Quota | undefined, defaults: EffectiveQuota): EffectiveQuota => ({ ...defaults, ...(quota ?? {}) });

/**
 * Would `asked` fit within `quota` given `used`? Returns the first resource that would not
 * fit, as the error to give the user: which quota, what was asked, what remains.
 */
export function exceeded(scope: "project" | "lab", name: string, quota: EffectiveQuota, used: Resources, asked: Resources): QuotaExceededError | undefined {
  for (const resource of RESOURCES) {
    if (asked[resource] <= 0) continue;
    const limit = quota[resource];
    const remaining = round(Math.max(0, limit - used[resource]));
    if (round(used[resource] + asked[resource]) > limit) {
      const unit = UNITS[resource];
      return new QuotaExceededError(
        `${scope} ${name} quota exceeded for ${resource}: asked ${asked[resource]} ${unit}, ${remaining} of ${limit} ${unit} remain (${used[resource]} in use)`,
        { scope, name, resource, unit, asked: asked[resource], used: used[resource], limit, remaining },
      );
    }
  }
  return undefined;
}
