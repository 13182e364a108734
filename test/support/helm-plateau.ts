// A memory Plateau whose Helm catalogs are read from real repositories (the fixture chart
// repository), on the given cluster platforms, optionally with a chart renderer (the real Helm).
import { createHelmCatalogs } from "../../src/adapters/helm/helm-catalogs.js";
import { createMemoryEngine } from "../../src/adapters/memory/memory-engine.js";
import { systemClock } from "../../src/adapters/system/system.js";
import { parseHelmCatalogConfig, type HelmCatalogConfig } from "../../src/core/helm/catalog-config.js";
import type { PlatformDocument } from "../../src/core/model.js";
import type { ChartRenderer } from "../../src/core/ports/chart-renderer.js";
import type { Engine } from "../../src/core/ports/engine.js";
import { silentLogger } from "../../src/core/ports/logger.js";
import type { PlateauAdapters } from "../../src/main/compose.js";
import { memoryPlateau } from "./plateau.js";

/**
 * The adapters of a Plateau with these Helm catalogs, on memory engines (podman's and Argo
 * CD's: `argocd` replaces the latter, to watch what is handed to it), optionally with a
 * chart renderer.
 */
export function helmAdapters(
  catalogs: readonly HelmCatalogConfig[],
  options: { readonly renderer?: ChartRenderer; readonly argocd?: Engine } = {},
): Partial<PlateauAdapters> {
  return {
    engines: new Map<string, Engine>([
      ["podman", createMemoryEngine()],
      ["argocd", options.argocd ?? createMemoryEngine()],
    ]),
    helmCatalogs: createHelmCatalogs({ configs: catalogs, clock: systemClock, logger: silentLogger }),
    ...(options.renderer ? { chartRenderer: options.renderer } : {}),
  };
}

/** The catalog `ide` of a chart repository (the tests' usual one). */
export const ideCatalog = (location: string, name = "IDE"): HelmCatalogConfig => parseHelmCatalogConfig({ id: "ide", location, name });

export function helmPlateau(
  catalogs: readonly HelmCatalogConfig[],
  platforms: readonly PlatformDocument[],
  chartRenderer?: ChartRenderer,
  /** The operator's schemas for `x-onyxia.overwriteSchemaWith` (`helm.schemasDir`), by name. */
  helmSchemas?: Readonly<Record<string, unknown>>,
) {
  return memoryPlateau(helmAdapters(catalogs, chartRenderer ? { renderer: chartRenderer } : {}), platforms, helmSchemas ? { helmSchemas } : {});
}
