// How a chart stops (ADR 24), decided from what it renders: Onyxia's charts scale to zero with
// `global.suspend`; another chart stops when the value paths that scale its workloads
// (`replicaCount`, `replicas`, a sub-chart's `postgresql.primary.replicaCount`…) set to 0
// leave nothing running in what `helm template` renders; a chart that still runs a pod then
// (a DaemonSet, a bare Pod, a Job, a workload no value scales) cannot be stopped, and its
// expiry removes it instead. Pure: the catalog service renders, this decides.
import type { RenderedObject } from "./rendered.js";
import { isTestHook } from "./launch-preflight.js";
import { objectName, podTemplateOf } from "./rendered-asks.js";

type Values = Readonly<Record<string, unknown>>;

/** A value path, key by key (keys may hold dots: no path is ever joined into one string to be split again). */
export type ValuePath = readonly string[];

/** How a chart version stops, as the catalog and the form say it. */
export type StopKind = "suspend" | "replicas" | "remove-on-expiry";

export type ChartStop =
  /** Onyxia's `global.suspend` (today's behaviour: nothing else is recorded in the intent). */
  | { readonly by: "suspend" }
  /** These paths at 0 scale every workload to zero. */
  | { readonly by: "replicas"; readonly paths: readonly ValuePath[] }
  /** Nothing scales it to zero: it runs until removed, and its expiry removes it. `why` names what keeps running. */
  | { readonly by: "remove-on-expiry"; readonly why: string };

/** What an intent may record (model.ts `spec.stop`): paths, keys per path, characters per key. */
export const STOP_PATH_LIMITS = { paths: 100, depth: 20, key: 253 } as const;

/** The leaves that scale a workload, by the conventions of Helm's own scaffold and of Bitnami's charts. */
const REPLICA_KEYS = new Set(["replicaCount", "replicas"]);

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** Whether the values declare Onyxia's `global.suspend`. */
export function declaresSuspend(values: Values): boolean {
  const global = values.global;
  return isRecord(global) && "suspend" in global;
}

/**
 * Every path of the values whose key is `replicaCount` or `replicas` and whose value is a
 * whole number (a sub-chart's included), sorted so that the same values give the same paths.
 */
export function replicaPaths(...sources: readonly Values[]): ValuePath[] {
  const found = new Map<string, ValuePath>();
  const walk = (node: Readonly<Record<string, unknown>>, path: readonly string[]): void => {
    for (const [key, value] of Object.entries(node)) {
      if (REPLICA_KEYS.has(key) && typeof value === "number" && Number.isInteger(value) && value >= 0) {
        const at = [...path, key];
        found.set(JSON.stringify(at), at);
      } else if (isRecord(value)) walk(value, [...path, key]);
    }
  };
  for (const values of sources) walk(values, []);
  return [...found.keys()].sort().map((key) => found.get(key) as ValuePath);
}

/** The value at a path, or undefined when some key on the way is absent. */
export function valueAt(values: Values, path: ValuePath): unknown {
  let node: unknown = values;
  for (const key of path) {
    if (!isRecord(node) || !(key in node)) return undefined;
    node = node[key];
  }
  return node;
}

/** A copy of the values with the path set (objects created on the way), or removed when `value` is undefined. */
export function withValueAt(values: Values, path: ValuePath, value: unknown): Record<string, unknown> {
  const [key, ...rest] = path;
  if (key === undefined) return { ...values };
  const copy: Record<string, unknown> = { ...values };
  if (rest.length === 0) {
    if (value === undefined) delete copy[key];
    else copy[key] = value;
    return copy;
  }
  const child = copy[key];
  if (!isRecord(child) && value === undefined) return copy;
  copy[key] = withValueAt(isRecord(child) ? child : {}, rest, value);
  return copy;
}

/** The values with every path at 0: what a stopped instance commits, and what the decision renders. */
export const scaledToZero = (values: Values, paths: readonly ValuePath[]): Record<string, unknown> =>
  paths.reduce<Record<string, unknown>>((result, path) => withValueAt(result, path, 0), { ...values });

/**
 * What would still run once the chart is rendered with its replica paths at 0: every object
 * that runs pods and runs at least one (a Deployment, StatefulSet or ReplicaSet whose
 * `replicas` is not 0, a bare Pod, a Job or CronJob not suspended), and every DaemonSet (one
 * pod per node, which no value scales). Helm's test hooks are left out, as Argo CD leaves them.
 * Empty: the chart stops by these paths.
 */
export function stillRunning(objects: readonly RenderedObject[]): string[] {
  const running: string[] = [];
  for (const object of objects) {
    if (isTestHook(object)) continue;
    const template = podTemplateOf(object);
    if (!template) continue;
    const name = objectName(object);
    if (object.kind === "DaemonSet") running.push(`${name} runs on every node`);
    else if (template.replicas > 0) running.push(`${name} still runs ${template.replicas} pod${template.replicas === 1 ? "" : "s"}`);
  }
  return running;
}

/**
 * The decision from what the chart renders: `suspend` when its values declare
 * `global.suspend`; otherwise `replicas` when the paths at 0 leave nothing running
 * (`rendered` is the chart rendered with them at 0); otherwise `remove-on-expiry`, saying why.
 */
export function chooseStop(input: { readonly values: Values; readonly paths: readonly ValuePath[]; readonly rendered: readonly RenderedObject[] }): ChartStop {
  if (declaresSuspend(input.values)) return { by: "suspend" };
  const { paths: most, depth, key } = STOP_PATH_LIMITS;
  if (input.paths.length > most || input.paths.some((path) => path.length > depth || path.some((name) => name.length > key)))
    return { by: "remove-on-expiry", why: `its replica values are more than an intent records (${most} paths of ${depth} keys at most)` };
  const running = stillRunning(input.rendered);
  if (running.length === 0 && input.paths.length > 0) return { by: "replicas", paths: input.paths };
  if (input.paths.length === 0) {
    const workloads = running.length > 0 ? `: ${running.join("; ")}` : "";
    return { by: "remove-on-expiry", why: `no value of the chart scales its workloads (no replicaCount or replicas)${workloads}` };
  }
  return { by: "remove-on-expiry", why: `with ${input.paths.map((path) => path.join(".")).join(", ")} at 0, ${running.join("; ")}` };
}
