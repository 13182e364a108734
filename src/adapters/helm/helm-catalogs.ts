// The configured Helm catalogs, read from their repositories. Each index is kept for
// `refreshMs` (default 10 min) and read again after; when a repository is down, the last
// index read keeps being offered and the error is logged. Chart files are kept by archive
// URL and digest (an archive of a given digest never changes); a digest that does not match
// the archive is refused, so a tampered mirror cannot change a form.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { NotFoundError } from "../../core/errors.js";
import { durationMs, type HelmCatalogConfig } from "../../core/helm/catalog-config.js";
import { parseHelmIndex, type HelmCatalogIndex, type HelmChartVersion } from "../../core/helm/index-file.js";
import type { Clock } from "../../core/ports/clock.js";
import type { HelmCatalogs, HelmChartFiles } from "../../core/ports/helm-catalogs.js";
import type { Logger } from "../../core/ports/logger.js";
import { UnavailableError } from "../../core/errors.js";
import { readChartArchive } from "./chart-archive.js";
import { createHelmRepository, type HelmRepository } from "./helm-repository.js";

export interface HelmCatalogsParams {
  readonly configs: readonly HelmCatalogConfig[];
  readonly clock: Clock;
  readonly logger: Logger;
  /** How long an index is used before it is read again (default 10 minutes). */
  readonly refreshMs?: number;
  /** Instead of node:http(s) (tests, proxies). */
  readonly fetch?: typeof fetch;
}

const MAX_CHART_FILES = 500;
/** Archives kept for rendering (a chart's is a few hundred kB): the most launched ones. */
const MAX_ARCHIVES = 50;

export function createHelmCatalogs(params: HelmCatalogsParams): HelmCatalogs {
  const refreshMs = params.refreshMs ?? 10 * 60_000;
  const repositories = new Map<string, Promise<HelmRepository>>();
  const indexes = new Map<string, { index: HelmCatalogIndex; readAt: number }>();
  const reading = new Map<string, Promise<HelmCatalogIndex>>();
  const files = new Map<string, Promise<HelmChartFiles>>();
  const archives = new Map<string, Promise<Uint8Array>>();

  function config(catalogId: string): HelmCatalogConfig {
    const found = params.configs.find((candidate) => candidate.id === catalogId);
    if (!found) throw new NotFoundError("catalog", catalogId);
    return found;
  }

  function repository(catalog: HelmCatalogConfig): Promise<HelmRepository> {
    let found = repositories.get(catalog.id);
    if (!found) {
      found = (async () =>
        createHelmRepository({
          location: catalog.location,
          timeoutMs: durationMs(catalog.timeout),
          skipTlsVerify: catalog.skipTlsVerify,
          ...(catalog.caFile ? { ca: await readFile(catalog.caFile) } : {}),
          ...(params.fetch ? { fetch: params.fetch } : {}),
        }))();
      repositories.set(catalog.id, found);
    }
    return found;
  }

  async function read(catalog: HelmCatalogConfig): Promise<HelmCatalogIndex> {
    const text = await (await repository(catalog)).index();
    const index = parseHelmIndex(text, catalog);
    indexes.set(catalog.id, { index, readAt: params.clock.now().getTime() });
    if (index.skipped.length > 0) params.logger.info({ catalog: catalog.id, skipped: index.skipped.length }, "Helm catalog: versions not offered");
    return index;
  }

  /** An archive by URL and digest (one never changes under its digest), fetched once while kept. */
  function archiveOf(catalogId: string, version: HelmChartVersion): Promise<Uint8Array> {
    const catalog = config(catalogId);
    const url = version.urls[0];
    if (!url) return Promise.reject(new UnavailableError(`chart ${version.name} ${version.version} of catalog ${catalogId} lists no archive`));
    const key = `${catalogId}\n${url}\n${version.digest ?? ""}`;
    let found = archives.get(key);
    if (!found) {
      found = (async () => {
        const archive = await (await repository(catalog)).chart(url);
        if (version.digest && createHash("sha256").update(archive).digest("hex") !== version.digest.toLowerCase()) {
          throw new UnavailableError(`chart ${version.name} ${version.version}: the archive at ${url} does not match the index's digest`);
        }
        return archive;
      })();
      // A failure is not kept: the next request tries again.
      found.catch(() => archives.delete(key));
      if (archives.size >= MAX_ARCHIVES) archives.delete(archives.keys().next().value as string);
      archives.set(key, found);
    }
    return found;
  }

  return {
    configs: params.configs,

    async index(catalogId) {
      const catalog = config(catalogId);
      const cached = indexes.get(catalogId);
      if (cached && params.clock.now().getTime() - cached.readAt < refreshMs) return cached.index;
      let pending = reading.get(catalogId);
      if (!pending) {
        pending = read(catalog).finally(() => reading.delete(catalogId));
        reading.set(catalogId, pending);
      }
      try {
        return await pending;
      } catch (error) {
        if (!cached) throw error;
        // The repository is down: keep offering what it offered, and try again at the next request.
        params.logger.warn({ catalog: catalogId, error: (error as Error).message }, "Helm catalog: repository unreachable, using the index read before");
        return cached.index;
      }
    },

    archive: (catalogId, version) => archiveOf(catalogId, version),

    files(catalogId, version: HelmChartVersion) {
      const url = version.urls[0];
      const key = `${catalogId}\n${url}\n${version.digest ?? ""}`;
      let found = files.get(key);
      if (!found) {
        found = (async () => {
          const archive = Buffer.from(await archiveOf(catalogId, version));
          const read = readChartArchive(archive, { name: version.name });
          return { valuesSchemaJson: read.valuesSchemaJson, valuesYaml: read.valuesYaml };
        })();
        // A failure is not kept: the next request tries again.
        found.catch(() => files.delete(key));
        if (files.size >= MAX_CHART_FILES) files.delete(files.keys().next().value as string);
        files.set(key, found);
      }
      return found;
    },
  };
}
