import type { MetricsSource } from "./metrics-source.js";

/** A platform's metrics: its source, and the label that carries a project's name there. */
export interface PlatformMetrics {
  readonly platform: string;
  readonly namespaceLabel: string;
  readonly source: MetricsSource;
}

/** The metrics sources of the platforms the desired-state repository declares now (`spec.metrics`). */
export interface MetricsSources {
  /** Every platform, with its metrics when it declares a source (null otherwise). */
  platforms(): Promise<readonly { readonly name: string; readonly metrics: PlatformMetrics | null }[]>;
}
