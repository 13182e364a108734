// What a Helm instance asks of its platform, read from its values as Onyxia's charts write
// them: `resources.requests` (cpu, memory), `resources.limits["nvidia.com/gpu"]`, and
// `persistence.size` when `persistence.enabled`. Placement weighs it to choose a platform and
// pool before the chart is rendered for one; quotas count what the rendered pods ask, recorded
// in the intent at launch (rendered-instance.ts, ADR 0023), and this convention only for an
// intent without that record (older, or written by hand).
import type { PodAsk } from "../placement/place.js";
import { cpuCores, gibibytes, type Resources } from "../tenancy/quota.js";

const record = (value: unknown): Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

const quantity = (value: unknown): string | undefined => (typeof value === "string" ? value : typeof value === "number" ? String(value) : undefined);

/** The one pod of an interactive service (Onyxia's charts run one), and the instance's total. */
export function helmResources(values: unknown, running: boolean): { total: Resources; largestPod: PodAsk } {
  const resources = record(record(values).resources);
  const requests = record(resources.requests);
  const limits = record(resources.limits);
  // A request absent falls back to the limit, as Kubernetes does.
  const cpu = cpuCores(quantity(requests.cpu) ?? quantity(limits.cpu) ?? "0");
  const memoryGiB = gibibytes(quantity(requests.memory) ?? quantity(limits.memory) ?? "0");
  const gpuText = quantity(limits["nvidia.com/gpu"]) ?? quantity(requests["nvidia.com/gpu"]);
  const gpu = gpuText && /^[0-9]+$/.test(gpuText) ? Number(gpuText) : 0;
  const persistence = record(record(values).persistence);
  const storageGiB = persistence.enabled === true ? gibibytes(quantity(persistence.size) ?? "0") : 0;
  const pod = { cpu, memoryGiB, gpu };
  return {
    total: running ? { ...pod, instances: 1, storageGiB } : { cpu: 0, memoryGiB: 0, gpu: 0, instances: 1, storageGiB },
    largestPod: pod,
  };
}
