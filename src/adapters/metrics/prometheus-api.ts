// The MetricsSource port over the Prometheus HTTP API, as VictoriaMetrics serves it (and
// Prometheus, but for `extra_filters[]` and the TSDB status's `match[]`).
import { InputError, UnavailableError } from "../../core/errors.js";
import type { MetricLabels, MetricsSource, QueryData, QueryOptions, TimeBounds, TsdbStatus } from "../../core/ports/metrics-source.js";

export interface PrometheusApiParams {
  /** The API's base (`http://127.0.0.1:8428`, or `https://vm.example.org/select/0/prometheus`): `/api/v1/…` is added. */
  readonly url: string;
  /** A bearer token, read by main from the environment variable the platform names. */
  readonly token?: string;
  /** A request's own limit (default 30 s). */
  readonly timeoutSeconds?: number;
  readonly fetch?: typeof fetch;
}

interface ApiAnswer {
  status?: string;
  data?: unknown;
  errorType?: string;
  error?: string;
}

type Params = [string, string][];

const boundsParams = (bounds: TimeBounds | undefined): Params => [
  ...(bounds?.start !== undefined ? ([["start", String(bounds.start)]] as Params) : []),
  ...(bounds?.end !== undefined ? ([["end", String(bounds.end)]] as Params) : []),
];
const filterParams = (options: QueryOptions | undefined): Params => (options?.extraFilters ?? []).map((filter) => ["extra_filters[]", filter]);
const matchParams = (match: readonly string[]): Params => match.map((selector) => ["match[]", selector]);

export function createPrometheusMetricsSource(params: PrometheusApiParams): MetricsSource {
  const base = params.url.replace(/\/+$/, "");
  const fetchFn = params.fetch ?? fetch;
  const defaultTimeout = params.timeoutSeconds ?? 30;

  async function call(path: string, form: Params, options: QueryOptions | undefined, field = "query"): Promise<unknown> {
    const timeout = AbortSignal.timeout((options?.timeoutSeconds ?? defaultTimeout) * 1000);
    const signal = options?.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded", accept: "application/json" };
    if (params.token) headers.authorization = `Bearer ${params.token}`;
    let response: Response;
    try {
      response = await fetchFn(`${base}/api/v1/${path}`, { method: "POST", headers, body: new URLSearchParams(form).toString(), signal });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
      throw new UnavailableError(`the metrics source ${base} cannot be reached (${cause})`);
    }
    const text = await response.text();
    let answer: ApiAnswer;
    try {
      answer = JSON.parse(text) as ApiAnswer;
    } catch {
      throw new UnavailableError(`the metrics source ${base} answered ${response.status} without JSON`);
    }
    if (response.ok && answer.status === "success") return answer.data;
    // 400 and 422 are the query's fault (bad_data, execution); anything else is the source's.
    if (response.status === 400 || response.status === 422) {
      throw InputError.field(`/${field}`, "promql", `the metrics source refused it: ${answer.error ?? answer.errorType ?? response.status}`);
    }
    throw new UnavailableError(`the metrics source ${base} answered ${response.status}: ${answer.error ?? "no detail"}`);
  }

  return {
    async query(promql, time, options) {
      const form: Params = [["query", promql], ...(time !== undefined ? ([["time", String(time)]] as Params) : []), ...filterParams(options)];
      return (await call("query", form, options)) as QueryData;
    },
    async queryRange(promql, range, options) {
      const form: Params = [
        ["query", promql],
        ["start", String(range.start)],
        ["end", String(range.end)],
        ["step", String(range.step)],
        ...filterParams(options),
      ];
      return (await call("query_range", form, options)) as QueryData;
    },
    async series(match, bounds, options) {
      return (await call("series", [...matchParams(match), ...boundsParams(bounds), ...filterParams(options)], options, "match[]")) as MetricLabels[];
    },
    async labels(match, bounds, options) {
      return (await call("labels", [...matchParams(match), ...boundsParams(bounds), ...filterParams(options)], options, "match[]")) as string[];
    },
    async labelValues(label, match, bounds, options) {
      const path = `label/${encodeURIComponent(label)}/values`;
      return (await call(path, [...matchParams(match), ...boundsParams(bounds), ...filterParams(options)], options, "match[]")) as string[];
    },
    async tsdbStatus(options) {
      const form: Params = [
        ...(options.topN !== undefined ? ([["topN", String(options.topN)]] as Params) : []),
        ...(options.date !== undefined ? ([["date", options.date]] as Params) : []),
        ...matchParams(options.match ?? []),
      ];
      const data = (await call("status/tsdb", form, undefined, "match[]")) as Partial<TsdbStatus> & { totalSeries?: number };
      return {
        totalSeries: data.totalSeries ?? 0,
        seriesCountByMetricName: data.seriesCountByMetricName ?? [],
        seriesCountByLabelName: data.seriesCountByLabelName ?? [],
        seriesCountByLabelValuePair: data.seriesCountByLabelValuePair ?? [],
      };
    },
  };
}
