// Platforms as users and operators see them: what is declared, and whether it can run now.
import { NotFoundError } from "../errors.js";
import { API_VERSION, type PlatformDocument } from "../model.js";
import type { EngineAvailability } from "../ports/engine.js";
import type { IndexedPlatform, StateIndex } from "../ports/state-index.js";
import type { EngineRegistry } from "../instances/service.js";

export interface PlatformView extends IndexedPlatform {
  readonly available: boolean;
  readonly version: string | null;
  readonly reason: string | null;
  readonly hint: string | null;
  readonly instances: number;
}

/** A platform built by this Plateau's configuration (the local one). */
export function localPlatformDocument(domain: string): PlatformDocument {
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

export function createPlatformService(deps: { index: StateIndex; engines: EngineRegistry }) {
  async function view(platform: IndexedPlatform, instances: number): Promise<PlatformView> {
    const engine = deps.engines.get(asDocument(platform));
    const availability: EngineAvailability = engine
      ? await engine.availability()
      : { available: false, reason: `no engine for ${platform.engine} platforms in this Plateau yet` };
    return {
      ...platform,
      available: availability.available,
      version: availability.version ?? null,
      reason: availability.reason ?? null,
      hint: availability.hint ?? null,
      instances,
    };
  }
  return {
    async list(): Promise<PlatformView[]> {
      const [platforms, instances] = await Promise.all([deps.index.listPlatforms(), deps.index.listInstances({})]);
      return Promise.all(platforms.map((platform) => view(platform, instances.filter((instance) => instance.platform === platform.name).length)));
    },
    async get(name: string): Promise<PlatformView> {
      const platform = await deps.index.getPlatform(name);
      if (!platform) throw new NotFoundError("platform", name);
      return view(platform, (await deps.index.listInstances({ platform: name })).length);
    },
  };
}

export type PlatformService = ReturnType<typeof createPlatformService>;
