// The API server over a Plateau composed for tests.
import { createRouter } from "../../src/core/instances/routing.js";
import { cryptoRandom, systemClock } from "../../src/adapters/system/system.js";
import { silentLogger } from "../../src/core/ports/logger.js";
import { buildApp } from "../../src/server/app.js";
import { createMetrics } from "../../src/server/metrics.js";
import { createProxy } from "../../src/server/proxy.js";
import { alice, memoryPlateau } from "./plateau.js";

export async function memoryApp() {
  const composed = await memoryPlateau();
  const { adapters, plateau } = composed;
  // The proxy test writes statuses directly, as no reconciler runs: no cache to invalidate.
  const router = createRouter({
    index: adapters.index,
    statuses: adapters.statuses,
    secrets: adapters.secrets,
    catalog: adapters.catalog,
    clock: systemClock,
    random: cryptoRandom,
    platform: "local",
    domain: "localhost",
    cacheMs: 0,
  });
  const app = await buildApp({
    services: plateau.services,
    proxy: createProxy(router, silentLogger),
    metrics: createMetrics(),
    identify: () => alice,
    readiness: { repository: async () => void (await adapters.repo.head()) },
    version: "test",
  });
  return { ...composed, app };
}
