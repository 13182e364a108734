// "Monitor better, not more": what a platform's metrics hold, from VictoriaMetrics' TSDB
// status — series per metric and per label, the namespaces (projects, labs) that produce the
// most, and each lab's series against its budget. Pure: the service asks the source.
import type { TsdbStatus } from "../ports/metrics-source.js";

export interface SeriesCount {
  readonly name: string;
  readonly series: number;
}

export interface SeriesProducer {
  readonly namespace: string;
  /** The Plateau project of that namespace, if it is one; null for the cluster's own namespaces. */
  readonly project: string | null;
  readonly lab: string | null;
  readonly series: number;
}

export interface LabSeries {
  readonly lab: string;
  readonly series: number;
  readonly budget: number;
  readonly over: boolean;
}

export interface SeriesReport {
  readonly platform: string;
  readonly totalSeries: number;
  readonly byMetric: readonly SeriesCount[];
  readonly byLabel: readonly SeriesCount[];
  readonly topProducers: readonly SeriesProducer[];
  /** Every lab with projects, the most series first. */
  readonly labs: readonly LabSeries[];
}

export interface SeriesReportInput {
  readonly platform: string;
  /** The whole platform's status (a topN large enough to hold every namespace's pair). */
  readonly status: TsdbStatus;
  /** The label that carries the namespace (`spec.metrics.labels.namespace`). */
  readonly namespaceLabel: string;
  /** Each lab's series: the TSDB status' total for a selector of its namespaces. */
  readonly labSeries: ReadonlyMap<string, number>;
  /** The project of each namespace that is one, with its lab (null for a personal project). */
  readonly projects: ReadonlyMap<string, { readonly lab: string | null }>;
  readonly budgets: { readonly default: number; readonly byLab: ReadonlyMap<string, number> };
  readonly topN: number;
}

/** The most series first, then by name: the same order at every run. */
const bySeries =
  <T extends { readonly series: number }>(key: (item: T) => string) =>
  (a: T, b: T): number => {
    if (a.series !== b.series) return b.series - a.series;
    const left = key(a);
    const right = key(b);
    return left < right ? -1 : left > right ? 1 : 0;
  };

export function seriesReport(input: SeriesReportInput): SeriesReport {
  const prefix = `${input.namespaceLabel}=`;
  const topProducers = input.status.seriesCountByLabelValuePair
    .filter((pair) => pair.name.startsWith(prefix))
    .map((pair): SeriesProducer => {
      const namespace = pair.name.slice(prefix.length);
      const project = input.projects.get(namespace);
      return { namespace, project: project ? namespace : null, lab: project?.lab ?? null, series: pair.value };
    })
    .sort(bySeries((producer) => producer.namespace))
    .slice(0, input.topN);
  const labs = [...input.labSeries.entries()]
    .map(([lab, series]): LabSeries => {
      const budget = input.budgets.byLab.get(lab) ?? input.budgets.default;
      return { lab, series, budget, over: series > budget };
    })
    .sort(bySeries((lab) => lab.lab));
  return {
    platform: input.platform,
    totalSeries: input.status.totalSeries,
    byMetric: input.status.seriesCountByMetricName
      .map((entry) => ({ name: entry.name, series: entry.value }))
      .sort(bySeries((count) => count.name))
      .slice(0, input.topN),
    byLabel: input.status.seriesCountByLabelName
      .map((entry) => ({ name: entry.name, series: entry.value }))
      .sort(bySeries((count) => count.name))
      .slice(0, input.topN),
    topProducers,
    labs,
  };
}
