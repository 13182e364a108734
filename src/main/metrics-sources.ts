// The metrics source of each platform, from its `spec.metrics` (url, and the environment
// variable holding its token): one client per URL and token, made when first asked for.
// A simple version for usage (issue 14, efficiency); the integrator unifies it with the
// sources the tenancy-scoped query endpoints use.
import { createPrometheusMetricsSource } from "../adapters/metrics/prometheus-api.js";
import type { PlatformDocument } from "../core/model.js";
import type { MetricsSource } from "../core/ports/metrics-source.js";

export function createMetricsSources(env: Readonly<Record<string, string | undefined>>): (platform: PlatformDocument) => MetricsSource | undefined {
  const made = new Map<string, MetricsSource>();
  return (platform) => {
    const metrics = platform.spec.metrics;
    if (!metrics) return undefined;
    const token = metrics.tokenEnv ? env[metrics.tokenEnv] : undefined;
    const key = `${metrics.url}\u0000${token ?? ""}`;
    let source = made.get(key);
    if (!source) {
      source = createPrometheusMetricsSource({ url: metrics.url, ...(token ? { token } : {}) });
      made.set(key, source);
    }
    return source;
  };
}
