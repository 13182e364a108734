// What instances use, over the metrics source of each platform (read, never stored: ADR 27),
// and what Plateau knows (the index: projects, their labs, instances). Each report asks each
// platform's source the queries of ./queries.ts once — one per number class, for the whole
// lab, project or platform, grouped by namespace and instance — and adds the answers up here.
import { NotFoundError } from "../errors.js";
import type { PlatformDocument } from "../model.js";
import type { Clock } from "../ports/clock.js";
import type { DesiredStateRepository } from "../ports/desired-state-repository.js";
import type { MetricsSource, QueryData } from "../ports/metrics-source.js";
import type { StateIndex } from "../ports/state-index.js";
import { platformsAt } from "../projects/bundle.js";
import type { Advice } from "./advice.js";
import {
  DEFAULT_USAGE_LABELS,
  USAGE_QUERY_NAMES,
  USAGE_WINDOWS,
  usageQueries,
  usageSeriesQueries,
  WINDOW_SECONDS,
  type UsageLabels,
  type UsageQueryName,
  type UsageScope,
  type UsageWindow,
} from "./queries.js";
import {
  addTotals,
  adviceFor,
  hourlyTotals,
  measuresOf,
  numbersOf,
  wastedCoreHours,
  ZERO_TOTALS,
  type InstanceMeasure,
  type UsageNumbers,
  type UsageTotals,
} from "./report.js";

export interface UsageServiceDeps {
  readonly repo: Pick<DesiredStateRepository, "head" | "readFile" | "listDirectory">;
  readonly index: Pick<StateIndex, "listProjects" | "getProject" | "getInstance">;
  /** The metrics source of a platform; none when it declares none (its instances then have no usage). */
  readonly sourceFor: (platform: PlatformDocument) => MetricsSource | undefined;
  /** A platform's metrics settings when its document names none (the local platform's come from configuration, ADR 26). */
  readonly metricsOf?: (platform: PlatformDocument) => PlatformDocument["spec"]["metrics"];
  readonly clock: Clock;
}

/** One instance's numbers over a window, with the advice from its 95th percentiles. */
export interface InstanceUsage {
  readonly project: string;
  readonly instance: string;
  readonly platform: string;
  readonly numbers: UsageNumbers;
  readonly p95: { readonly cores: number; readonly bytes: number } | null;
  /** What it requests at the end of the window (cores, bytes, GPUs); null when it did not run then. */
  readonly current: { readonly cores: number; readonly bytes: number; readonly gpus: number } | null;
  readonly advice: Advice | null;
}

export interface GroupUsage {
  readonly numbers: UsageNumbers;
  readonly instances: number;
  /** What following every advice would save: cores, GiB, core-hours per month (only the positive savings). */
  readonly saving: { readonly cores: number; readonly memoryGiB: number; readonly coreHoursPerMonth: number };
}

export interface UsageReport {
  /** When the window ends (Unix seconds) and how long it is. */
  readonly at: number;
  readonly window: UsageWindow;
  readonly total: GroupUsage;
  readonly labs: ({ readonly lab: string | null } & GroupUsage)[];
  readonly projects: ({ readonly project: string; readonly lab: string | null } & GroupUsage)[];
  readonly instances: InstanceUsage[];
  /** The instances with the most requested core-hours unused, most first (at most 10). */
  readonly topWasters: InstanceUsage[];
  /** Platforms whose metrics could not be read (their instances are missing from the report). */
  readonly unavailable: string[];
}

export interface UsagePoint {
  readonly t: number;
  readonly cpuUsed: number | null;
  readonly cpuRequested: number | null;
  readonly memoryUsed: number | null;
  readonly memoryRequested: number | null;
}

export interface UsageService {
  /** An instance's numbers over every window (each window: the queries of one instance); no windows when its platform has no metrics source. */
  instance(project: string, name: string): Promise<{ readonly at: number; readonly platform: string; readonly windows: InstanceUsage[] }>;
  /** Points of an instance's CPU (cores) and memory (bytes) used and requested over a window, for a chart. */
  series(project: string, name: string, window: UsageWindow): Promise<{ readonly at: number; readonly step: number; readonly points: UsagePoint[] }>;
  project(project: string, window: UsageWindow): Promise<UsageReport>;
  lab(lab: string, window: UsageWindow): Promise<UsageReport>;
  platform(platform: string, window: UsageWindow): Promise<UsageReport>;
}

/** A platform's metrics settings (spec.metrics), with the defaults. */
export function metricsSettingsOf(platform: PlatformDocument): { labels: UsageLabels; intervalSeconds: number } | undefined {
  const metrics = platform.spec.metrics;
  if (!metrics) return undefined;
  return {
    labels: { ...DEFAULT_USAGE_LABELS, ...metrics.labels },
    intervalSeconds: metrics.scrapeIntervalSeconds ?? 30,
  };
}

/** The document with the metrics settings configuration gives it, when it names none itself. */
export function withMetrics(
  platform: PlatformDocument,
  metricsOf: ((platform: PlatformDocument) => PlatformDocument["spec"]["metrics"]) | undefined,
): PlatformDocument {
  if (platform.spec.metrics || !metricsOf) return platform;
  const metrics = metricsOf(platform);
  return metrics ? { ...platform, spec: { ...platform.spec, metrics } } : platform;
}

export const TOP_WASTERS = 10;

export function createUsageService(deps: UsageServiceDeps): UsageService {
  async function platforms(): Promise<PlatformDocument[]> {
    const head = await deps.repo.head();
    const documents = head ? await platformsAt(deps.repo as DesiredStateRepository, head) : [];
    return documents.map((platform) => withMetrics(platform, deps.metricsOf));
  }

  /** The end of the windows: now, at a whole scrape interval (every report of a minute agrees). */
  const endOf = (intervalSeconds: number) => Math.floor(deps.clock.now().getTime() / 1000 / intervalSeconds) * intervalSeconds;

  /** The measures of some namespaces on one platform, its queries run together. */
  async function measure(platform: PlatformDocument, scope: UsageScope, window: UsageWindow, at?: number) {
    const source = deps.sourceFor(platform);
    const settings = metricsSettingsOf(platform);
    if (!source || !settings) return undefined;
    const end = at ?? endOf(settings.intervalSeconds);
    const queries = usageQueries(settings.labels, scope, window, settings.intervalSeconds);
    const answers: Partial<Record<UsageQueryName, QueryData>> = {};
    await Promise.all(
      USAGE_QUERY_NAMES.map(async (name) => {
        answers[name] = await source.query(queries[name], end);
      }),
    );
    return { at: end, settings, measures: measuresOf(answers, settings.labels) };
  }

  function instanceUsage(measure: InstanceMeasure, platform: string, window: UsageWindow, intervalSeconds: number): InstanceUsage {
    return {
      project: measure.namespace,
      instance: measure.instance,
      platform,
      numbers: numbersOf(measure.totals, window, intervalSeconds),
      p95: measure.p95 ?? null,
      current: measure.current ?? null,
      advice: adviceFor(measure),
    };
  }

  /** A report over some namespaces of the platforms (`projects`: those that count, with their labs). */
  async function report(
    projects: ReadonlyMap<string, string | null>,
    namespaces: readonly string[] | null,
    window: UsageWindow,
    only?: readonly PlatformDocument[],
  ): Promise<UsageReport> {
    const instances: InstanceUsage[] = [];
    const totals = new Map<string, UsageTotals>();
    const unavailable: string[] = [];
    let at = Math.floor(deps.clock.now().getTime() / 1000);
    let interval = 30;
    for (const platform of only ?? (await platforms())) {
      if (namespaces !== null && namespaces.length === 0) break;
      const measured = await measure(platform, { namespaces }, window).catch((error: unknown) => {
        unavailable.push(platform.metadata.name);
        void error;
        return undefined;
      });
      if (!measured) continue;
      at = measured.at;
      interval = measured.settings.intervalSeconds;
      for (const one of measured.measures) {
        if (!projects.has(one.namespace)) continue;
        instances.push(instanceUsage(one, platform.metadata.name, window, interval));
        // Platforms may be scraped at different intervals: added up as hourly samples.
        totals.set(`${platform.metadata.name}\u0000${one.namespace}\u0000${one.instance}`, hourlyTotals(one.totals, interval));
      }
    }
    const group = (members: InstanceUsage[]): GroupUsage => {
      let sum = ZERO_TOTALS;
      let cores = 0;
      let memoryGiB = 0;
      let coreHoursPerMonth = 0;
      for (const one of members) {
        sum = addTotals(sum, totals.get(`${one.platform}\u0000${one.project}\u0000${one.instance}`) ?? ZERO_TOTALS);
        if (one.advice && one.advice.saving.cores > 0) {
          cores += one.advice.saving.cores;
          coreHoursPerMonth += one.advice.saving.coreHoursPerMonth;
        }
        if (one.advice && one.advice.saving.memoryGiB > 0) memoryGiB += one.advice.saving.memoryGiB;
      }
      return { numbers: numbersOf(sum, window, 3600), instances: members.length, saving: { cores, memoryGiB, coreHoursPerMonth } };
    };
    const byProject = new Map<string, InstanceUsage[]>();
    const byLab = new Map<string | null, InstanceUsage[]>();
    for (const one of instances) {
      byProject.set(one.project, [...(byProject.get(one.project) ?? []), one]);
      const lab = projects.get(one.project) ?? null;
      byLab.set(lab, [...(byLab.get(lab) ?? []), one]);
    }
    const topWasters = [...instances]
      .filter((one) => wastedCoreHours(one.numbers) > 0)
      .sort((a, b) => wastedCoreHours(b.numbers) - wastedCoreHours(a.numbers) || (a.project + "/" + a.instance < b.project + "/" + b.instance ? -1 : 1))
      .slice(0, TOP_WASTERS);
    return {
      at,
      window,
      total: group(instances),
      labs: [...byLab.entries()].sort(([a], [b]) => ((a ?? "") < (b ?? "") ? -1 : 1)).map(([lab, members]) => ({ lab, ...group(members) })),
      projects: [...byProject.entries()]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([project, members]) => ({ project, lab: projects.get(project) ?? null, ...group(members) })),
      instances,
      topWasters,
      unavailable,
    };
  }

  async function instancePlatforms(project: string, name: string): Promise<PlatformDocument[]> {
    const all = (await platforms()).filter((p) => metricsSettingsOf(p) && deps.sourceFor(p));
    const indexed = await deps.index.getInstance(project, name);
    // Where it runs now first; a removed instance is looked for on every platform.
    return indexed ? all.filter((p) => p.metadata.name === indexed.platform) : all;
  }

  return {
    async instance(project, name) {
      for (const platform of await instancePlatforms(project, name)) {
        const windows: InstanceUsage[] = [];
        let at = 0;
        for (const window of USAGE_WINDOWS) {
          const measured = await measure(platform, { namespaces: [project], instance: name }, window, at || undefined);
          if (!measured) continue;
          at = measured.at;
          const one = measured.measures.find((m) => m.namespace === project && m.instance === name);
          windows.push(
            instanceUsage(
              one ?? { namespace: project, instance: name, totals: ZERO_TOTALS },
              platform.metadata.name,
              window,
              measured.settings.intervalSeconds,
            ),
          );
        }
        if (windows.some((w) => w.numbers.runningHours > 0) || (await deps.index.getInstance(project, name)))
          return { at, platform: platform.metadata.name, windows };
      }
      // An instance whose platform has no metrics source: it exists, nothing is known of its use.
      const indexed = await deps.index.getInstance(project, name);
      if (indexed) return { at: Math.floor(deps.clock.now().getTime() / 1000), platform: indexed.platform, windows: [] };
      throw new NotFoundError("instance", `${project}/${name}`);
    },

    async series(project, name, window) {
      for (const platform of await instancePlatforms(project, name)) {
        const source = deps.sourceFor(platform);
        const settings = metricsSettingsOf(platform);
        if (!source || !settings) continue;
        // About 120 points, never finer than the scrape interval.
        const step = Math.max(settings.intervalSeconds, Math.ceil(WINDOW_SECONDS[window] / 120 / settings.intervalSeconds) * settings.intervalSeconds);
        // At a whole step: VictoriaMetrics answers a range at multiples of its step, and the points are matched by time.
        const end = Math.floor(endOf(settings.intervalSeconds) / step) * step;
        const queries = usageSeriesQueries(settings.labels, project, name, step, settings.intervalSeconds);
        const range = { start: end - WINDOW_SECONDS[window] + step, end, step };
        const keys = ["cpuUsed", "cpuRequested", "memoryUsed", "memoryRequested"] as const;
        const answers = await Promise.all(keys.map((key) => source.queryRange(queries[key], range)));
        const points = new Map<number, { -readonly [K in keyof UsagePoint]: UsagePoint[K] }>();
        for (let t = range.start; t <= end; t += step) points.set(t, { t, cpuUsed: null, cpuRequested: null, memoryUsed: null, memoryRequested: null });
        keys.forEach((key, i) => {
          const data = answers[i];
          if (data?.resultType !== "matrix") return;
          for (const series of data.result)
            for (const [t, value] of series.values) {
              const point = points.get(t);
              if (point && Number.isFinite(Number(value))) point[key] = Number(value);
            }
        });
        const found = [...points.values()];
        if (found.some((p) => p.cpuRequested !== null) || (await deps.index.getInstance(project, name))) return { at: end, step, points: found };
      }
      if (await deps.index.getInstance(project, name)) return { at: Math.floor(deps.clock.now().getTime() / 1000), step: WINDOW_SECONDS[window], points: [] };
      throw new NotFoundError("instance", `${project}/${name}`);
    },

    async project(project, window) {
      const known = await deps.index.getProject(project);
      if (!known) throw new NotFoundError("project", project);
      return report(new Map([[project, known.lab]]), [project], window);
    },

    async lab(lab, window) {
      const projects = (await deps.index.listProjects()).filter((p) => p.lab === lab);
      return report(new Map(projects.map((p) => [p.name, p.lab])), projects.map((p) => p.name).sort(), window);
    },

    async platform(platform, window) {
      const document = (await platforms()).find((p) => p.metadata.name === platform);
      if (!document) throw new NotFoundError("platform", platform);
      const projects = await deps.index.listProjects();
      return report(new Map(projects.map((p) => [p.name, p.lab])), null, window, [document]);
    },
  };
}
