// A platform's region (spec.region, Onyxia's `regions`): the rules its parts keep together,
// which JSON Schema cannot say, and what charts read of it — the `region` and `k8s` members of
// the launch context that `x-onyxia.overwriteDefaultWith` resolves (`{{region.*}}`,
// `{{k8s.*}}`), with the node selector and tolerations of the pool a pod lands on.
import type { InputIssue } from "../errors.js";
import type { PlatformDocument, Pool, Region } from "../model.js";
import { cpuCores, gibibytes } from "../tenancy/quota.js";
import { escapePointerSegment, isRecord } from "../../contracts/json.js";

type DefaultConfiguration = NonNullable<Region["defaultConfiguration"]>;
export type Toleration = NonNullable<DefaultConfiguration["tolerations"]>[number];
type Taint = NonNullable<Pool["taints"]>[number];

/** What pods placed on a pool carry so that they land there and only there. */
export interface Scheduling {
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly tolerations: readonly Toleration[];
}

/** Whether a toleration tolerates a taint, as Kubernetes matches them. */
export function tolerates(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect !== undefined && toleration.effect !== taint.effect) return false;
  if ((toleration.operator ?? "Equal") === "Exists") return toleration.key === undefined || toleration.key === "" || toleration.key === taint.key;
  return toleration.key === taint.key && (toleration.value ?? "") === (taint.value ?? "");
}

/** The taints that keep pods without a toleration off a pool's nodes. */
const repelling = (pool: Pool): Taint[] => (pool.taints ?? []).filter((taint) => taint.effect !== "PreferNoSchedule");

/** A toleration of each taint that repels pods, for a pool the region says nothing of. */
const tolerationsOf = (pool: Pool): Toleration[] =>
  repelling(pool).map((taint) =>
    taint.value === undefined
      ? { key: taint.key, operator: "Exists", effect: taint.effect }
      : { key: taint.key, operator: "Equal", value: taint.value, effect: taint.effect },
  );

/**
 * The node selector and tolerations of a pod on this pool of the platform (no pool: the
 * region's own, for every pod): the region's, with the pool's — as the region declares them
 * for the pool, else the pool's labels and a toleration of each of its taints.
 */
export function schedulingOf(platform: PlatformDocument, pool?: Pool): Scheduling {
  const region = platform.spec.region;
  const common = region?.defaultConfiguration;
  const own = pool ? region?.pools?.[pool.name] : undefined;
  const nodeSelector = { ...(common?.nodeSelector ?? {}), ...(pool ? (own?.nodeSelector ?? pool.labels ?? {}) : {}) };
  const tolerations = [...(common?.tolerations ?? []), ...(pool ? (own?.tolerations ?? tolerationsOf(pool)) : [])];
  return { nodeSelector: sortedRecord(nodeSelector), tolerations };
}

const sortedRecord = (record: Readonly<Record<string, string>>): Record<string, string> =>
  Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** The `k8s` and `region` members of a chart's launch context on this platform and pool (no platform: a preview, nothing of a region). */
export function regionContextOf(platform: PlatformDocument | undefined, pool?: Pool): { k8s: Record<string, unknown>; region: Record<string, unknown> } {
  if (!platform) return { k8s: { domain: "example.invalid", ingress: true, route: false }, region: {} };
  const spec = platform.spec;
  const region = spec.region ?? {};
  const expose = region.expose ?? {};
  const ingressClassName = expose.ingressClassName ?? spec.ingressClass;
  const k8s: Record<string, unknown> = {
    domain: spec.domain,
    ...(ingressClassName ? { ingressClassName } : {}),
    ingress: expose.ingress ?? spec.flavour !== "openshift",
    route: expose.route ?? spec.flavour === "openshift",
    ...(expose.certManager
      ? { useCertManager: expose.certManager.useCertManager, certManagerClusterIssuer: expose.certManager.certManagerClusterIssuer ?? "" }
      : {}),
    ...(region.initScript ? { initScriptUrl: region.initScript } : {}),
    ...(region.initScript && region.initScriptCheckSum ? { initScriptCheckSum: region.initScriptCheckSum } : {}),
  };
  const defaults = region.defaultConfiguration ?? {};
  const { nodeSelector, tolerations } = schedulingOf(platform, pool);
  const context: Record<string, unknown> = {
    ...(defaults.resources ? { resources: defaults.resources } : {}),
    ...(defaults.sliders ? { sliders: defaults.sliders } : {}),
    ...(defaults.networkPolicy !== undefined ? { defaultNetworkPolicy: defaults.networkPolicy } : {}),
    ...(defaults.from ? { from: defaults.from } : {}),
    ...(defaults.startupProbe ? { startupProbe: defaults.startupProbe } : {}),
    ...(defaults.openshiftSCC ? { openshiftSCC: { scc: "", ...defaults.openshiftSCC } } : {}),
    ...(Object.keys(nodeSelector).length > 0 ? { nodeSelector } : {}),
    ...(tolerations.length > 0 ? { tolerations } : {}),
    ...(region.customValues ? { customValues: region.customValues } : {}),
    ...(region.initScript ? { initScript: region.initScript } : {}),
  };
  return { k8s, region: structuredClone(context) };
}

// ——— the rules of a region ———

const SLIDER_OF = { cpuRequest: "cpu", cpuLimit: "cpu", memoryRequest: "memory", memoryLimit: "memory", disk: "disk", gpu: "gpu" } as const;

/** What is wrong with a platform's region, each naming the field and the rule; none for a sound one. */
export function regionIssues(platform: PlatformDocument): InputIssue[] {
  const region = platform.spec.region;
  if (!region) return [];
  const issues: InputIssue[] = [];
  const issue = (pointer: string, rule: string, message: string) => issues.push({ pointer: `/spec/region${pointer}`, rule, message });
  const defaults = region.defaultConfiguration ?? {};

  // A checksum checks the region's script: without one, charts would be handed a checksum of nothing.
  if (region.initScriptCheckSum !== undefined && region.initScript === undefined)
    issue("/initScriptCheckSum", "requires-init-script", "is the checksum of the region's init script, but initScript is not set");

  if (region.expose?.route === true && platform.spec.flavour !== "openshift")
    issue("/expose/route", "flavour", "is true, but Routes exist only on OpenShift platforms: this one is Kubernetes (use an ingress class)");

  for (const [name, slider] of Object.entries(defaults.sliders ?? {})) {
    if (slider && slider.sliderMin > slider.sliderMax)
      issue(`/defaultConfiguration/sliders/${name}`, "min-not-above-max", `sliderMin ${slider.sliderMin} is above sliderMax ${slider.sliderMax}`);
  }
  const resources = defaults.resources ?? {};
  for (const [key, name] of Object.entries(SLIDER_OF) as [keyof typeof SLIDER_OF, (typeof SLIDER_OF)[keyof typeof SLIDER_OF]][]) {
    const text = resources[key];
    const slider = defaults.sliders?.[name];
    if (text === undefined || !slider) continue;
    const unit = slider.sliderUnit ?? "";
    const digits = text.endsWith(unit) ? text.slice(0, text.length - unit.length) : undefined;
    if (digits === undefined || !/^[0-9]+(\.[0-9]+)?$/.test(digits)) {
      issue(
        `/defaultConfiguration/resources/${key}`,
        "slider-unit",
        `"${text}" is not written in the unit of the ${name} slider ("${unit}"): charts would drop it`,
      );
      continue;
    }
    const amount = Number(digits);
    if (amount < slider.sliderMin || amount > slider.sliderMax)
      issue(
        `/defaultConfiguration/resources/${key}`,
        "within-slider",
        `${text} is outside the ${name} slider (${slider.sliderMin}${unit} to ${slider.sliderMax}${unit}): charts would drop it`,
      );
  }
  if (resources.cpuRequest && resources.cpuLimit && cpuCores(resources.cpuRequest) > cpuCores(resources.cpuLimit))
    issue("/defaultConfiguration/resources/cpuRequest", "request-within-limit", `${resources.cpuRequest} is above the CPU limit ${resources.cpuLimit}`);
  if (resources.memoryRequest && resources.memoryLimit && gibibytes(resources.memoryRequest) > gibibytes(resources.memoryLimit))
    issue(
      "/defaultConfiguration/resources/memoryRequest",
      "request-within-limit",
      `${resources.memoryRequest} is above the memory limit ${resources.memoryLimit}`,
    );

  const pools = platform.spec.pools ?? [];
  for (const name of Object.keys(region.pools ?? {})) {
    if (!pools.some((pool) => pool.name === name))
      issue(
        `/pools/${escapePointerSegment(name)}`,
        "pool-exists",
        `names no pool of this platform (${pools.map((pool) => pool.name).join(", ") || "none declared"})`,
      );
  }
  for (const pool of pools) {
    const at = region.pools?.[pool.name] ? `/pools/${escapePointerSegment(pool.name)}` : "/defaultConfiguration";
    const { nodeSelector, tolerations } = schedulingOf(platform, pool);
    for (const taint of repelling(pool)) {
      if (!tolerations.some((toleration) => tolerates(toleration, taint)))
        issue(
          `${at}/tolerations`,
          "tolerates-taints",
          `pods placed on pool ${pool.name} would not tolerate its taint ${taint.key}${taint.value !== undefined ? `=${taint.value}` : ""}:${taint.effect}, and would never be scheduled`,
        );
    }
    if (pool.labels) {
      for (const [key, value] of Object.entries(nodeSelector)) {
        if (pool.labels[key] !== value)
          issue(
            `${at}/nodeSelector`,
            "matches-labels",
            `selects ${key}=${value}, which the nodes of pool ${pool.name} do not carry (their labels: ${
              Object.entries(pool.labels)
                .map(([k, v]) => `${k}=${v}`)
                .join(", ") || "none"
            })`,
          );
      }
    }
  }
  if (region.customValues) prototypeKeys(region.customValues, "/customValues", issue);
  return issues;
}

/** A member named __proto__ would become the prototype of the merged values. */
function prototypeKeys(value: unknown, pointer: string, issue: (pointer: string, rule: string, message: string) => void, depth = 0): void {
  if (depth > 50) return;
  if (Array.isArray(value)) value.forEach((item, i) => prototypeKeys(item, `${pointer}/${i}`, issue, depth + 1));
  else if (isRecord(value)) {
    for (const [key, member] of Object.entries(value)) {
      if (key === "__proto__") issue(`${pointer}/__proto__`, "property-name", "__proto__ cannot name a value");
      else prototypeKeys(member, `${pointer}/${escapePointerSegment(key)}`, issue, depth + 1);
    }
  }
}
