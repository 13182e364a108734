// Choosing the platform of an instance: a pure function from the request, the platforms and
// what runs on them, and the policy, to ranked candidates with a score per criterion, and,
// for every excluded platform, the reason. Hard constraints exclude; scores rank.
import type { ChoiceReason, CodeParams, ExclusionReason } from "../../contracts/codes.js";
import { InputError, NotFoundError } from "../errors.js";
import { DEFAULT_PROJECT_TIERS, type PlatformDocument, type Pool } from "../model.js";

export type Tier = PlatformDocument["spec"]["tier"];

/** What one pod asks: it must fit on one node. */
export interface PodAsk {
  readonly cpu: number;
  readonly memoryGiB: number;
  readonly gpu: number;
}

/** What the whole instance asks while it runs. */
export interface InstanceAsk extends PodAsk {
  readonly storageGiB: number;
}

export interface PlatformCandidate {
  readonly platform: PlatformDocument;
  /** Whether the platform's engine can run things now (podman installed, cluster reachable). */
  readonly available: boolean;
  readonly unavailableReason?: string;
  /** Whether this Plateau has an engine for the platform's kind at all. */
  readonly supported: boolean;
  /** What the running instances placed there ask, all together. */
  readonly used?: PodAsk;
  /** How many instances the project has there (affinity) and the lab (spread). */
  readonly projectInstances?: number;
  readonly labInstances?: number;
}

export interface PlacementRequest {
  /** A platform the user asked for. */
  readonly pinned?: string;
  readonly asks?: InstanceAsk;
  /** The largest of the instance's pods. */
  readonly largestPod?: PodAsk;
  /** A GPU model the instance needs (e.g. `A100`); any when absent. */
  readonly gpuType?: string;
  /** The tiers the project's instances may run on (default: experimental; an institutional service: `["institutional"]`). */
  readonly tiers?: readonly Tier[];
  /** A site the data must stay at. */
  readonly site?: string;
  readonly storageClass?: string;
  /** A Helm chart: only platforms whose Argo CD renders charts can run it. */
  readonly helm?: boolean;
  /** A NooBaa bucket it is attached to (ADR 0031): its keys stay in that cluster, so it runs on the bucket's platform. */
  readonly bucket?: { readonly name: string; readonly platform: string };
}

export interface PlacementPolicy {
  /** least-allocated spreads the load; bin-packing fills platforms before using the next. */
  readonly strategy: "least-allocated" | "bin-packing";
  /** Whether people may pin a platform. */
  readonly allowPinning: boolean;
}

export const DEFAULT_POLICY: PlacementPolicy = { strategy: "least-allocated", allowPinning: true };

export interface ScoredCandidate {
  readonly platform: string;
  readonly score: number;
  readonly scores: Readonly<Record<string, number>>;
}

/** Why, as a code and its values (src/contracts/codes.ts) for clients, and in English for people and logs. */
export interface Why<C extends string> {
  readonly code: C;
  readonly params: CodeParams;
}

export interface Exclusion extends Why<ExclusionReason> {
  readonly platform: string;
  readonly reason: string;
}

export interface Placement {
  readonly platform: string;
  /** One sentence for the intent file and the user. */
  readonly reason: string;
  /** The same as codes, in the sentence's order. */
  readonly reasons: Why<ChoiceReason>[];
  readonly candidates: ScoredCandidate[];
  readonly excluded: Exclusion[];
}

/** How much each criterion weighs: being able to run now first, then room, then the lab's and project's habits. */
const WEIGHTS = { availability: 4, capacity: 2, affinity: 1, spread: 1 } as const;
// Institutional platforms are kept for the services a project declares institutional.
const DEFAULT_TIERS: readonly Tier[] = DEFAULT_PROJECT_TIERS;
const NONE: PodAsk = { cpu: 0, memoryGiB: 0, gpu: 0 };

const round = (value: number) => Math.round(value * 1000) / 1000;
const amount = (ask: PodAsk) => [`${round(ask.cpu)} cores`, `${round(ask.memoryGiB)} GiB`, ...(ask.gpu > 0 ? [`${ask.gpu} GPU`] : [])].join(", ");

/** Whether one node of the pool can hold the pod. */
function nodeHolds(pool: Pool, pod: PodAsk, gpuType: string | undefined): boolean {
  if (pool.nodes <= 0 || pod.cpu > pool.cpu || pod.memoryGiB > pool.memoryGiB) return false;
  if (pod.gpu > 0 || gpuType) {
    if (!pool.gpu || pool.gpu.count < Math.max(pod.gpu, 1)) return false;
    if (gpuType && pool.gpu.type !== gpuType) return false;
  }
  return true;
}

const repels = (pool: Pool): boolean => (pool.taints ?? []).some((taint) => taint.effect !== "PreferNoSchedule");

/**
 * The pool of a platform a pod lands on: a pool whose nodes hold it — for a GPU pod, one with
 * GPUs; for another, preferably one without GPUs nor taints that repel it (GPU nodes are kept
 * for GPU pods), in the order the platform declares its pools. Undefined when the platform
 * declares no pools or none holds the pod. Its node selector and tolerations go into the
 * chart's values (platforms/region.ts), and the preflight checks the rendered pods against it.
 */
export function poolFor(platform: PlatformDocument, pod: PodAsk, gpuType?: string): Pool | undefined {
  const fitting = (platform.spec.pools ?? []).filter((pool) => nodeHolds(pool, pod, gpuType));
  // A GPU pod fits only pools with GPUs; another prefers the pools kept for no one in particular.
  return fitting.find((pool) => !pool.gpu && !repels(pool)) ?? fitting.find((pool) => !pool.gpu) ?? fitting[0];
}

const capacityOf = (pools: readonly Pool[]): PodAsk =>
  pools.reduce(
    (sum, pool) => ({
      cpu: sum.cpu + pool.nodes * pool.cpu,
      memoryGiB: sum.memoryGiB + pool.nodes * pool.memoryGiB,
      gpu: sum.gpu + pool.nodes * (pool.gpu?.count ?? 0),
    }),
    NONE,
  );

type Excluded = Omit<Exclusion, "platform">;
const excluded = (code: ExclusionReason, params: CodeParams, reason: string): Excluded => ({ code, params, reason });

/** Why this platform cannot take the instance, or undefined when it can. */
function exclusion(request: PlacementRequest, candidate: PlatformCandidate): Excluded | undefined {
  const { platform } = candidate;
  const spec = platform.spec;
  const name = platform.metadata.name;
  const { pinned } = request;
  if (pinned && name !== pinned) return excluded("not-pinned", { pinned }, `not the requested platform (${pinned})`);
  if (request.bucket && name !== request.bucket.platform) {
    const { name: bucket, platform: at } = request.bucket;
    return excluded("bucket-elsewhere", { bucket, platform: at }, `its bucket ${bucket} is on ${at}, whose keys stay in that cluster`);
  }
  if (!candidate.supported) return excluded("no-engine", { engine: spec.engine }, `no engine for ${spec.engine} platforms in this Plateau`);
  if (request.helm && (spec.engine !== "argocd" || !spec.argocd))
    return excluded("no-helm", { engine: spec.engine }, `runs no Helm charts (only platforms with Argo CD do; this one runs ${spec.engine})`);
  const tiers = request.tiers ?? DEFAULT_TIERS;
  if (spec.tier === "recovery" && !pinned)
    return excluded(
      "recovery-only",
      { recoveryFor: spec.recoveryFor ?? "" },
      `a recovery site${spec.recoveryFor ? ` for ${spec.recoveryFor}` : ""}: used in a disaster, when pinned`,
    );
  if (!tiers.includes(spec.tier) && !(spec.tier === "recovery" && pinned))
    return excluded(
      "tier",
      { tier: spec.tier, tiers: tiers.join(", ") },
      `tier ${spec.tier}, and this project may only run on ${tiers.join(" or ")} platforms`,
    );
  if (request.site && spec.site !== request.site)
    return excluded("site", { site: spec.site, required: request.site }, `at site ${spec.site}, and the data must stay at ${request.site}`);
  if (request.storageClass && spec.storageClasses && !spec.storageClasses.includes(request.storageClass)) {
    const offered = spec.storageClasses.join(", ");
    return excluded("storage-class", { storageClass: request.storageClass, offered }, `no storage class ${request.storageClass} (it has ${offered || "none"})`);
  }
  const pools = spec.pools;
  const pod = request.largestPod ?? NONE;
  if (!pools) {
    // One machine whose capacity is not declared: podman takes what it can, but it has no GPU to offer.
    return pod.gpu > 0 || request.gpuType ? excluded("no-gpu", {}, "declares no GPU pool") : undefined;
  }
  const fitting = pools.filter((pool) => nodeHolds(pool, pod, request.gpuType));
  if (fitting.length === 0) {
    const wanted = request.gpuType ? `${amount(pod)} on ${request.gpuType}` : amount(pod);
    const offered = pools
      .map((pool) => `${pool.name}: ${pool.cpu} cores, ${pool.memoryGiB} GiB${pool.gpu ? `, ${pool.gpu.count} ${pool.gpu.type}` : ""} per node`)
      .join("; ");
    return excluded(
      "no-pool-fits",
      { cpu: round(pod.cpu), memoryGiB: round(pod.memoryGiB), gpu: pod.gpu, gpuType: request.gpuType ?? "", pools: pools.length },
      `no pool can hold a pod of ${wanted} (${offered || "no pools"})`,
    );
  }
  const asks = request.asks ?? { ...NONE, storageGiB: 0 };
  const capacity = capacityOf(pools);
  const used = candidate.used ?? NONE;
  for (const [resource, unit] of [
    ["cpu", "cores"],
    ["memoryGiB", "GiB"],
    ["gpu", "GPU"],
  ] as const) {
    if (asks[resource] > 0 && used[resource] + asks[resource] > capacity[resource]) {
      const free = round(Math.max(0, capacity[resource] - used[resource]));
      return excluded(
        "full",
        { resource, unit, free, capacity: capacity[resource], asked: round(asks[resource]) },
        `full: ${free} of ${capacity[resource]} ${unit} free, ${round(asks[resource])} asked`,
      );
    }
  }
  return undefined;
}

function scoresOf(request: PlacementRequest, candidate: PlatformCandidate, policy: PlacementPolicy): Record<string, number> {
  let capacity = 0.5; // unknown capacity: neither preferred nor avoided
  const pools = candidate.platform.spec.pools;
  if (pools) {
    const total = capacityOf(pools);
    const used = candidate.used ?? NONE;
    const asks = request.asks ?? { ...NONE, storageGiB: 0 };
    const free = (resource: keyof PodAsk) => (total[resource] > 0 ? Math.max(0, 1 - (used[resource] + asks[resource]) / total[resource]) : 0);
    const freeFraction = asks.gpu > 0 ? (free("cpu") + free("memoryGiB") + free("gpu")) / 3 : (free("cpu") + free("memoryGiB")) / 2;
    capacity = policy.strategy === "least-allocated" ? freeFraction : 1 - freeFraction;
  }
  return {
    availability: candidate.available ? 1 : 0,
    capacity: round(capacity),
    affinity: (candidate.projectInstances ?? 0) > 0 ? 1 : 0,
    spread: round(1 / (1 + (candidate.labInstances ?? 0))),
  };
}

export function place(request: PlacementRequest, platforms: readonly PlatformCandidate[], policy: PlacementPolicy = DEFAULT_POLICY): Placement {
  if (request.pinned && !policy.allowPinning)
    throw InputError.field("/platform", "pinning", "choosing the platform yourself is not allowed here: Plateau places instances", {
      reason: "pinning-not-allowed",
    });
  if (request.pinned && !platforms.some((candidate) => candidate.platform.metadata.name === request.pinned)) {
    throw new NotFoundError("platform", request.pinned);
  }
  const exclusions: Exclusion[] = [];
  const candidates: ScoredCandidate[] = [];
  for (const candidate of platforms) {
    const name = candidate.platform.metadata.name;
    const why = exclusion(request, candidate);
    if (why) {
      exclusions.push({ platform: name, ...why });
      continue;
    }
    // Availability is a preference, not a constraint: a launch on an unavailable platform is
    // committed and runs as soon as the platform is back.
    const scores = scoresOf(request, candidate, policy);
    const score = round(Object.entries(scores).reduce((sum, [criterion, value]) => sum + value * WEIGHTS[criterion as keyof typeof WEIGHTS], 0));
    candidates.push({ platform: name, score, scores });
  }
  candidates.sort((a, b) => b.score - a.score || (a.platform < b.platform ? -1 : 1));
  const chosen = candidates[0];
  if (!chosen) {
    const why = exclusions.map((exclusion) => `${exclusion.platform}: ${exclusion.reason}`).join("; ");
    throw InputError.field("/platform", "placement", `no platform can run this instance (${why || "no platform is declared"})`, {
      reason: "no-eligible-platform",
    });
  }
  const chosenPlatform = platforms.find((candidate) => candidate.platform.metadata.name === chosen.platform);
  const reasons: (Why<ChoiceReason> & { readonly sentence: string })[] = [
    request.bucket && !request.pinned
      ? { code: "bucket", params: { ...request.bucket }, sentence: `where its bucket ${request.bucket.name} is (NooBaa keeps its keys in that cluster)` }
      : request.pinned
        ? { code: "pinned", params: {}, sentence: "requested by the user" }
        : candidates.length === 1
          ? { code: "only-eligible", params: {}, sentence: "the only eligible platform" }
          : {
              code: "highest-score",
              params: { count: candidates.length, ...chosen.scores },
              sentence: `highest score of ${candidates.length} eligible platforms (${Object.entries(chosen.scores)
                .map(([criterion, value]) => `${criterion} ${value}`)
                .join(", ")})`,
            },
  ];
  if (chosenPlatform && !chosenPlatform.available) {
    const why = chosenPlatform.unavailableReason ?? "unknown reason";
    reasons.push({ code: "unavailable", params: { reason: why }, sentence: `currently unavailable (${why}): it will run once the platform is back` });
  }
  return {
    platform: chosen.platform,
    reason: reasons.map((reason) => reason.sentence).join("; "),
    reasons: reasons.map(({ code, params }) => ({ code, params })),
    candidates,
    excluded: exclusions,
  };
}
