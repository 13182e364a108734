// The Helm catalogs of the configuration, read from their repositories (index, then each
// chart archive's values.schema.json and values.yaml). Adapters cache; core decides.
import type { HelmCatalogConfig } from "../helm/catalog-config.js";
import type { HelmCatalogIndex, HelmChartVersion } from "../helm/index-file.js";

export interface HelmChartFiles {
  readonly valuesSchemaJson: string | undefined;
  readonly valuesYaml: string | undefined;
}

export interface HelmCatalogs {
  /** The catalogs as configured, in the configuration's order. */
  readonly configs: readonly HelmCatalogConfig[];
  /** The charts a catalog offers (an UnavailableError when its repository cannot be read). */
  index(catalogId: string): Promise<HelmCatalogIndex>;
  /** The files of one version of a chart that make its launch form. */
  files(catalogId: string, version: HelmChartVersion): Promise<HelmChartFiles>;
  /** One version's archive as its repository serves it (checked against the index's digest), to render it as Argo CD will. */
  archive(catalogId: string, version: HelmChartVersion): Promise<Uint8Array>;
}
