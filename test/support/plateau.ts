// A Plateau composed for tests: the real catalog and core, with in-memory or real adapters.
import { join } from "node:path";
import { loadTemplates, createStaticCatalog } from "../../src/adapters/catalog/file-catalog.js";
import { createMemoryEngine, type MemoryEngine } from "../../src/adapters/memory/memory-engine.js";
import { createMemoryRepository } from "../../src/adapters/memory/memory-repository.js";
import { createMemoryStore } from "../../src/adapters/memory/memory-store.js";
import { cryptoRandom, systemClock, systemTimers } from "../../src/adapters/system/system.js";
import { createScheduler } from "../../src/core/scheduler/scheduler.js";
import type { Template } from "../../src/core/catalog/template.js";
import { localPlatformDocument } from "../../src/core/platforms/service.js";
import { API_VERSION, type PlatformDocument } from "../../src/core/model.js";
import type { DesiredStateRepository } from "../../src/core/ports/desired-state-repository.js";
import { silentLogger } from "../../src/core/ports/logger.js";
import { noTelemetry } from "../../src/core/ports/telemetry.js";
import { composePlateau, type PlateauAdapters, type PlateauSettings } from "../../src/main/compose.js";
import { testWebTemplate } from "./test-web.js";
import { defaultClaimMapping } from "../../src/core/access/claim-mapping.js";
import { compileClaimMapping } from "../../src/core/access/claims.js";
import { loadCrds } from "../../src/adapters/schemas/crd-files.js";
import type { CrdSchema } from "../../src/core/render/crd-validate.js";

export const CATALOG_DIR = join(import.meta.dirname, "..", "..", "catalog");

let catalogTemplates: Promise<Template[]> | undefined;
export const builtInTemplates = () => (catalogTemplates ??= loadTemplates(CATALOG_DIR));

export const alice = { login: "alice", name: "alice", email: "alice@users.plateau.invalid" };

/** A bare-metal OpenShift platform driven by Argo CD, named `plmshift` unless `spec`/`name` say otherwise. */
export function clusterPlatform(spec: Partial<PlatformDocument["spec"]> = {}, name = "plmshift"): PlatformDocument {
  return {
    apiVersion: API_VERSION,
    kind: "Platform",
    metadata: { name },
    spec: {
      title: name,
      engine: "argocd",
      infrastructure: { type: "bare-metal" },
      site: "grenoble",
      tier: "experimental",
      flavour: "openshift",
      domain: "apps.math.example.org",
      ...spec,
    },
  };
}

let crds: Promise<CrdSchema[]> | undefined;
/** The real CRDs of `schemas/`, read once per test file. */
export const testCrds = () => (crds ??= loadCrds(join(import.meta.dirname, "..", "..", "schemas")));

/** Tenancy, lifecycle and sign-in settings of test Plateaus: the configuration's defaults. */
export const TEST_SETTINGS = {
  lifecycle: { expiryDays: 30, renewDays: 30, maxDays: 365 },
  tenancy: {
    personalQuota: { cpu: 2, memoryGiB: 8, gpu: 0, instances: 5, storageGiB: 20 },
    projectQuota: { cpu: 8, memoryGiB: 32, gpu: 0, instances: 20, storageGiB: 200 },
    labQuota: { cpu: 32, memoryGiB: 128, gpu: 2, instances: 100, storageGiB: 1000 },
    labProjectLimit: 10,
  },
  claims: compileClaimMapping(defaultClaimMapping()),
  sessions: { idleMinutes: 120, absoluteHours: 12 },
  tokens: { defaultDays: 90, maxDays: 365 },
};

/**
 * A Plateau over in-memory adapters; `platforms` adds platforms beside `local` (give their
 * engines in `overrides.engines`); `settings` replaces some of TEST_SETTINGS (lifecycle…).
 */
export async function memoryPlateau(
  overrides: Partial<PlateauAdapters> = {},
  platforms: readonly PlatformDocument[] = [],
  settings: Partial<Pick<PlateauSettings, "lifecycle" | "proxied" | "tenancy" | "helmSchemas" | "reclaim" | "notifications" | "replicated">> = {},
) {
  const engine = createMemoryEngine();
  const store = createMemoryStore();
  const templates = [...(await builtInTemplates()), testWebTemplate(true)];
  const adapters: PlateauAdapters = {
    repo: createMemoryRepository({ clock: systemClock }),
    ...store,
    catalog: createStaticCatalog(templates),
    engines: new Map([["podman", engine]]),
    clock: systemClock,
    random: cryptoRandom,
    logger: silentLogger,
    telemetry: noTelemetry,
    identityProviders: [],
    scheduler: createScheduler({ clock: systemClock, timers: systemTimers, random: cryptoRandom, logger: silentLogger }),
    ...overrides,
  };
  const plateau = composePlateau(adapters, {
    platforms: [localPlatformDocument("localhost"), ...platforms],
    system: { login: "plateau", name: "Plateau", email: "plateau@localhost" },
    urlOf: ({ instance, project, domain }) => `http://${instance}.${project}.${domain}:8080/`,
    reconcileIntervalMs: 60_000,
    reconcileConcurrency: 2,
    ...TEST_SETTINGS,
    ...settings,
    crds: await testCrds(),
  });
  await plateau.start({ reconcile: false });
  const reconciler = plateau.reconcilers.get("local");
  if (!reconciler) throw new Error("no local reconciler");
  return { plateau, adapters, engine: engine as MemoryEngine, reconciler, repo: adapters.repo as DesiredStateRepository };
}
