// What an instance's rendered objects say about it, kept in its intent (`spec.rendered`, ADR
// 0023): what its pods ask (rendered-asks.ts, as the cluster's quota counts them, LimitRange
// defaults included) and its address, the host of its first Route or Ingress. Recorded when
// the chart is rendered at launch, so that quotas count every placed instance without
// rendering any chart again.
import type { RenderedInstance } from "../model.js";
import type { KubeObject } from "../render/kube.js";
import type { Resources } from "../tenancy/quota.js";
import { renderedAsks, type ContainerDefaults } from "./rendered-asks.js";

type Json = Record<string, unknown>;
const asObject = (value: unknown): Json | undefined => (typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : undefined);
const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** A DNS name people can reach (no wildcard, no port, no trailing dot): what `spec.rendered.host` holds. */
const HOST = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const isHost = (value: unknown): value is string => typeof value === "string" && value.length <= 253 && HOST.test(value);

/** The hosts an object routes to: a Route's `spec.host`, an Ingress's `spec.rules[].host`, in their order. */
function hostsOf(object: KubeObject): unknown[] {
  const spec = asObject(object.spec);
  if (object.kind === "Route") return [spec?.host];
  if (object.kind === "Ingress") return asArray(spec?.rules).map((rule) => asObject(rule)?.host);
  return [];
}

/**
 * Where people reach the instance: the host of its first Route or Ingress, by object name
 * (then kind), whatever order Helm printed them in; a Route without a host (OpenShift would
 * make one up) or a wildcard host is passed over, and so is a host outside the platform's
 * `domain` when it is given: values choose host names, and Plateau sends people only to its
 * platforms. Undefined: it renders none (a database).
 */
export function renderedHost(objects: readonly KubeObject[], domain?: string): string | undefined {
  const routing = objects
    .filter((object) => object.kind === "Route" || object.kind === "Ingress")
    .sort((a, b) => compare(String(a.metadata.name), String(b.metadata.name)) || compare(a.kind, b.kind));
  const within = (host: string) => domain === undefined || host.endsWith(`.${domain.toLowerCase()}`);
  for (const object of routing) for (const host of hostsOf(object)) if (isHost(host) && within(host)) return host;
  return undefined;
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * What the objects ask while running (requests, which the project's ResourceQuota caps: ADR
 * 0021), their largest pod, and their address. `defaults` are the namespace's LimitRange
 * defaults: a container stating no request is counted with what admission gives it; `domain`
 * the platform's, which the address must be within.
 */
export function renderedInstance(objects: readonly KubeObject[], options: { defaults?: ContainerDefaults; domain?: string } = {}): RenderedInstance {
  const asks = renderedAsks(objects, options.defaults);
  const { cpu, memoryGiB, gpu, storageGiB } = asks.requests;
  const host = renderedHost(objects, options.domain);
  return {
    requests: { cpu, memoryGiB, gpu, storageGiB },
    largestPod: { ...asks.largestPod },
    ...(host !== undefined ? { host } : {}),
  };
}

/** What a recorded instance counts against quotas in its state: stopped, its storage and its place only. */
export function recordedAsks(rendered: RenderedInstance, running: boolean): Resources {
  const { cpu, memoryGiB, gpu, storageGiB } = rendered.requests;
  return running ? { cpu, memoryGiB, gpu, instances: 1, storageGiB } : { cpu: 0, memoryGiB: 0, gpu: 0, instances: 1, storageGiB };
}

/** Where people reach a recorded instance: its host over HTTPS (as every cluster platform serves instances), or none. */
export const renderedAddress = (rendered: RenderedInstance): string | null => (rendered.host !== undefined ? `https://${rendered.host}/` : null);
