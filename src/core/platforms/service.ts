// Platforms as users and operators see them: what is declared, and whether it can run now.
import { NotFoundError } from "../errors.js";
import { API_VERSION, parsePlatform, type PlatformDocument } from "../model.js";
import type { EngineAvailability } from "../ports/engine.js";
import type { DesiredStateRepository } from "../ports/desired-state-repository.js";
import type { IndexedInstance, IndexedPlatform, StateIndex } from "../ports/state-index.js";
import { platformPath } from "../repository/layout.js";
import type { Tenancy } from "../tenancy/service.js";
import type { EngineRegistry } from "../ports/engine-registry.js";
import { isClusterPlatform } from "../projects/bundle.js";

export interface PoolView {
  readonly name: string;
  readonly nodes: number;
  readonly cpu: number;
  readonly memoryGiB: number;
  readonly gpu: { readonly type: string; readonly count: number } | null;
}

export interface PlatformView extends IndexedPlatform {
  readonly available: boolean;
  readonly version: string | null;
  readonly reason: string | null;
  readonly hint: string | null;
  readonly instances: number;
  readonly pools: PoolView[];
  /** All pools together; null when the platform declares none (one machine). */
  readonly capacity: { readonly cpu: number; readonly memoryGiB: number; readonly gpu: number } | null;
  /** What its running instances ask. */
  readonly used: { readonly cpu: number; readonly memoryGiB: number; readonly gpu: number };
  readonly recoveryFor: string | null;
  /**
   * How Plateau's commits reach it: for a cluster, through the desired-state repository's
   * remote (a failing push means the cluster does not see new changes); null for a platform
   * this Plateau drives itself.
   */
  readonly delivery: { readonly state: string; readonly reason: string | null } | null;
}

/**
 * A platform built by this Plateau's configuration: the local one, as the bootstrap declares it. `s3`: the local S3 server runs (ADR 0032): its
 * buckets are made by the RGW `plateau up` starts, whose endpoint is not written here (it is this
 * machine's).
 */
/** The local platform's backup bucket, on its own S3 server (ADR 0034). */
export const LOCAL_BACKUP_BUCKET = "plateau-backups";

export function localPlatformDocument(domain: string, options: { readonly s3?: boolean } = {}): PlatformDocument {
  return {
    apiVersion: API_VERSION,
    kind: "Platform",
    metadata: { name: "local" },
    spec: {
      title: "This machine (podman)",
      engine: "podman",
      infrastructure: { type: "local" },
      site: "local",
      tier: "experimental",
      flavour: "kubernetes",
      domain,
      // With its S3 server, its instances' volumes are backed up there (ADR 0034).
      ...(options.s3 ? { s3: { provider: "rgw-admin" as const }, backups: { bucket: LOCAL_BACKUP_BUCKET } } : {}),
    },
  };
}

const asDocument = (platform: IndexedPlatform): PlatformDocument => ({
  apiVersion: API_VERSION,
  kind: "Platform",
  metadata: { name: platform.name },
  spec: {
    title: platform.title,
    engine: platform.engine,
    infrastructure: { type: platform.infrastructure },
    site: platform.site,
    tier: platform.tier as PlatformDocument["spec"]["tier"],
    flavour: platform.flavour as PlatformDocument["spec"]["flavour"],
    domain: platform.domain,
  },
});

export interface PlatformServiceDeps {
  readonly index: StateIndex;
  readonly engines: EngineRegistry;
  readonly repo: DesiredStateRepository;
  readonly tenancy: Pick<Tenancy, "resourcesOfInstance">;
  /** The state of the desired-state repository's remote, when it has one (clusters read from it). */
  readonly remote?: () => { readonly state: string; readonly lastError: { readonly message: string } | null };
}

/** The platforms declared in the repository, with whether each can run instances now. */
export interface PlatformService {
  /** Every platform, with its engine's availability, capacity, use and delivery. */
  list(): Promise<PlatformView[]>;
  /** One platform; a NotFoundError when unknown. */
  get(name: string): Promise<PlatformView>;
}

export function createPlatformService(deps: PlatformServiceDeps): PlatformService {
  /** Clusters see Plateau's commits through the remote; without one, only what reads this machine's repository. */
  function deliveryOf(document: PlatformDocument): PlatformView["delivery"] {
    if (!isClusterPlatform(document)) return null;
    const remote = deps.remote?.();
    if (!remote)
      return {
        state: "no-remote",
        reason: "the desired-state repository has no remote: this platform's Argo CD must clone it from Plateau (/git/desired-state.git)",
      };
    const troubled = remote.state === "failing" || remote.state === "diverged";
    return { state: remote.state, reason: troubled ? (remote.lastError?.message ?? null) : null };
  }

  async function view(platform: IndexedPlatform, instances: readonly IndexedInstance[]): Promise<PlatformView> {
    const head = await deps.repo.head();
    const text = head ? await deps.repo.readFile(head, platformPath(platform.name)) : undefined;
    const document = text === undefined ? asDocument(platform) : parsePlatform(text, platformPath(platform.name));
    const engine = deps.engines.get(document);
    const availability: EngineAvailability = engine
      ? await engine.availability()
      : { available: false, reason: `no engine for ${platform.engine} platforms in this Plateau yet` };
    const pools = document.spec.pools ?? [];
    const used = { cpu: 0, memoryGiB: 0, gpu: 0 };
    for (const instance of instances) {
      if (instance.state !== "running") continue;
      const asks = await deps.tenancy.resourcesOfInstance(instance);
      used.cpu += asks.cpu;
      used.memoryGiB += asks.memoryGiB;
      used.gpu += asks.gpu;
    }
    const round = (value: number) => Math.round(value * 1000) / 1000;
    return {
      ...platform,
      available: availability.available,
      version: availability.version ?? null,
      reason: availability.reason ?? null,
      hint: availability.hint ?? null,
      instances: instances.length,
      pools: pools.map((pool) => ({ name: pool.name, nodes: pool.nodes, cpu: pool.cpu, memoryGiB: pool.memoryGiB, gpu: pool.gpu ?? null })),
      capacity: document.spec.pools
        ? pools.reduce(
            (sum, pool) => ({
              cpu: sum.cpu + pool.nodes * pool.cpu,
              memoryGiB: sum.memoryGiB + pool.nodes * pool.memoryGiB,
              gpu: sum.gpu + pool.nodes * (pool.gpu?.count ?? 0),
            }),
            { cpu: 0, memoryGiB: 0, gpu: 0 },
          )
        : null,
      used: { cpu: round(used.cpu), memoryGiB: round(used.memoryGiB), gpu: used.gpu },
      recoveryFor: document.spec.recoveryFor ?? null,
      delivery: deliveryOf(document),
    };
  }
  return {
    async list(): Promise<PlatformView[]> {
      const [platforms, instances] = await Promise.all([deps.index.listPlatforms(), deps.index.listInstances({})]);
      return Promise.all(
        platforms.map((platform) =>
          view(
            platform,
            instances.filter((instance) => instance.platform === platform.name),
          ),
        ),
      );
    },
    async get(name: string): Promise<PlatformView> {
      const platform = await deps.index.getPlatform(name);
      if (!platform) throw new NotFoundError("platform", name);
      return view(platform, await deps.index.listInstances({ platform: name }));
    },
  };
}
