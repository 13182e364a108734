// The metrics sources of the platforms the desired-state repository declares, built from each
// platform's `spec.metrics` and the token the environment holds under the variable it names.
// Read at the repository's head: a platform added or changed by an operator's merge is followed
// at the next request; a source is built again only when its settings or token change.
import { createPrometheusMetricsSource } from "../adapters/metrics/prometheus-api.js";
import type { PlatformDocument } from "../core/model.js";
import type { DesiredStateRepository } from "../core/ports/desired-state-repository.js";
import type { MetricsSource } from "../core/ports/metrics-source.js";
import type { Logger } from "../core/ports/logger.js";
import type { MetricsSources, PlatformMetrics } from "../core/ports/metrics-sources.js";
import { platformsAt } from "../core/projects/bundle.js";

export function createMetricsSources(deps: {
  readonly env: NodeJS.ProcessEnv;
  readonly repo: DesiredStateRepository;
  /**
   * Sources set by configuration, by platform name, for platforms whose file names none: the local
   * platform's, whose URL depends on this machine (ADR 26).
   */
  readonly configured?: Readonly<Record<string, NonNullable<PlatformDocument["spec"]["metrics"]>>>;
  readonly logger?: Logger;
}): MetricsSources & {
  /** A platform's source, from its document (or the configuration's for it): what usage and idle reclaim read. */
  sourceFor(platform: PlatformDocument): MetricsSource | undefined;
  /** A platform's metrics settings: its document's, or the configuration's for it (the local platform's). */
  settingsFor(platform: PlatformDocument): PlatformDocument["spec"]["metrics"];
} {
  const built = new Map<string, { key: string; metrics: PlatformMetrics }>();
  let read: { head: string; platforms: readonly PlatformDocument[] } | undefined;

  function metricsOf(platform: PlatformDocument): PlatformMetrics | null {
    const settings = platform.spec.metrics ?? deps.configured?.[platform.metadata.name];
    if (!settings) return null;
    const name = platform.metadata.name;
    const token = settings.tokenEnv ? (deps.env[settings.tokenEnv] ?? "") : "";
    const key = JSON.stringify([settings, token]);
    const found = built.get(name);
    if (found?.key === key) return found.metrics;
    const metrics: PlatformMetrics = {
      platform: name,
      namespaceLabel: settings.labels?.namespace ?? "namespace",
      source: createPrometheusMetricsSource({ url: settings.url, ...(token ? { token } : {}) }),
    };
    // A missing token is not a missing source: its queries say the source refused them, and the log which variable to set.
    if (settings.tokenEnv && !token)
      deps.logger?.warn({ platform: name, variable: settings.tokenEnv }, "no metrics token: the platform's metrics source may refuse queries");
    built.set(name, { key, metrics });
    return metrics;
  }

  return {
    sourceFor: (platform) => metricsOf(platform)?.source,
    settingsFor: (platform) => platform.spec.metrics ?? deps.configured?.[platform.metadata.name],
    async platforms() {
      const head = await deps.repo.head();
      if (!head) return [];
      if (read?.head !== head) read = { head, platforms: await platformsAt(deps.repo, head) };
      return read.platforms.map((platform) => ({ name: platform.metadata.name, metrics: metricsOf(platform) }));
    },
  };
}
