/**
 * What a platform's metrics say: the Prometheus query API, as VictoriaMetrics (or Prometheus)
 * serves it. One source per platform (`platforms/<p>.yaml`, `spec.metrics`). Times are Unix
 * seconds; values stay as the API writes them (strings: "NaN", "+Inf" are values too).
 */
export type MetricLabels = Readonly<Record<string, string>>;

/** A query's answer, exactly the `data` of the Prometheus API: what Grafana reads. */
export type QueryData =
  | { readonly resultType: "vector"; readonly result: readonly { readonly metric: MetricLabels; readonly value: readonly [number, string] }[] }
  | { readonly resultType: "matrix"; readonly result: readonly { readonly metric: MetricLabels; readonly values: readonly (readonly [number, string])[] }[] }
  | { readonly resultType: "scalar"; readonly result: readonly [number, string] }
  | { readonly resultType: "string"; readonly result: readonly [number, string] };

export interface QueryOptions {
  /** Series filters the source applies to every selector as well (VictoriaMetrics' `extra_filters[]`): a second fence behind the rewrite, ignored by a plain Prometheus. */
  readonly extraFilters?: readonly string[];
  readonly timeoutSeconds?: number;
  readonly signal?: AbortSignal;
}

export interface TimeBounds {
  readonly start?: number;
  readonly end?: number;
}

/** How many series each metric, label and label=value pair holds (VictoriaMetrics' `/api/v1/status/tsdb`). */
export interface TsdbStatus {
  readonly totalSeries: number;
  readonly seriesCountByMetricName: readonly { readonly name: string; readonly value: number }[];
  readonly seriesCountByLabelName: readonly { readonly name: string; readonly value: number }[];
  readonly seriesCountByLabelValuePair: readonly { readonly name: string; readonly value: number }[];
}

export interface MetricsSource {
  /** An instant query at `time` (now when absent). A query the source refuses is an InputError naming `query`. */
  query(promql: string, time: number | undefined, options?: QueryOptions): Promise<QueryData>;
  queryRange(promql: string, range: { readonly start: number; readonly end: number; readonly step: number }, options?: QueryOptions): Promise<QueryData>;
  /** The label sets of the series that match any of the selectors. */
  series(match: readonly string[], bounds?: TimeBounds, options?: QueryOptions): Promise<readonly MetricLabels[]>;
  labels(match: readonly string[], bounds?: TimeBounds, options?: QueryOptions): Promise<readonly string[]>;
  labelValues(label: string, match: readonly string[], bounds?: TimeBounds, options?: QueryOptions): Promise<readonly string[]>;
  /** Series counts; `match` narrows them to some series (VictoriaMetrics ≥ 1.78), `topN` bounds each list. */
  tsdbStatus(options: { readonly topN?: number; readonly match?: readonly string[]; readonly date?: string }): Promise<TsdbStatus>;
}
