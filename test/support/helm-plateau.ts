// A memory Plateau whose Helm catalogs are read from real repositories (the fixture chart
// repository), on the given cluster platforms, optionally with a chart renderer (the real Helm).
import { createHelmCatalogs } from "../../src/adapters/helm/helm-catalogs.js";
import { createMemoryEngine } from "../../src/adapters/memory/memory-engine.js";
import { systemClock } from "../../src/adapters/system/system.js";
import type { HelmCatalogConfig } from "../../src/core/helm/catalog-config.js";
import type { PlatformDocument } from "../../src/core/model.js";
import type { ChartRenderer } from "../../src/core/ports/chart-renderer.js";
import { silentLogger } from "../../src/core/ports/logger.js";
import { memoryPlateau } from "./plateau.js";

export function helmPlateau(
  catalogs: readonly HelmCatalogConfig[],
  platforms: readonly PlatformDocument[],
  chartRenderer?: ChartRenderer,
  /** The operator's schemas for `x-onyxia.overwriteSchemaWith` (`helm.schemasDir`), by name. */
  helmSchemas?: Readonly<Record<string, unknown>>,
) {
  const helmCatalogs = createHelmCatalogs({ configs: catalogs, clock: systemClock, logger: silentLogger });
  return memoryPlateau(
    {
      engines: new Map([
        ["podman", createMemoryEngine()],
        ["argocd", createMemoryEngine()],
      ]),
      helmCatalogs,
      ...(chartRenderer ? { chartRenderer } : {}),
    },
    platforms,
    helmSchemas ? { helmSchemas } : {},
  );
}
