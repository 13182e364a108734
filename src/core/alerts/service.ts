// The labs' alerts at run time: what the receiver does with what vmalert posts (notices), the
// operator's series report of a platform, and a lab's rules. Reads through ports only.
import { NotFoundError, UnavailableError } from "../errors.js";
import type { PlatformDocument } from "../model.js";
import type { MetricsSource } from "../ports/metrics-source.js";
import type { Clock } from "../ports/clock.js";
import type { PublishNotice } from "../notify/notice.js";
import { readPostedAlerts, type PostedAlert } from "./receiver.js";
import { effectiveAlertRules, type EffectiveAlertRule } from "./rules.js";
import { seriesReport, type SeriesReport } from "./series-report.js";
import { seriesLabelsOf, type LabAlertsInput } from "./vmrule.js";

/** A lab's series budget when its file sets none (`spec.seriesBudget`). */
export const DEFAULT_SERIES_BUDGET = 20_000;
/** Namespaces the TSDB status lists: enough for every namespace of a large cluster. */
const PRODUCER_PAIRS = 1000;

export interface AlertsServiceDeps {
  readonly clock: Clock;
  readonly publish: PublishNotice;
  /** A project's lab (null: personal), or undefined when there is no such project. */
  readonly projectLab: (project: string) => Promise<string | null | undefined>;
  /** Every lab with its settings and projects, as the desired state says now. */
  readonly labs: () => Promise<readonly LabAlertsInput[]>;
  readonly platform: (name: string) => Promise<PlatformDocument | undefined>;
  /** The platform's metrics source; undefined when it declares none. */
  readonly metricsSourceOf: (platform: PlatformDocument) => MetricsSource | undefined;
  readonly defaultSeriesBudget?: number;
}

export interface LabAlertsView {
  readonly lab: string;
  readonly projects: readonly string[];
  readonly rules: readonly EffectiveAlertRule[];
}

export interface AlertsService {
  /** Publishes a notice for each firing alert of Plateau's rules about a project of the lab it names; the rest is ignored. */
  receive(alerts: readonly PostedAlert[]): Promise<{ readonly published: number; readonly ignored: number }>;
  /** The series report of a platform (operators). */
  seriesReport(platform: string, topN?: number): Promise<SeriesReport>;
  /** A lab's rules as they apply (its settings over Plateau's defaults). */
  labAlerts(lab: string): Promise<LabAlertsView>;
}

export function createAlertsService(deps: AlertsServiceDeps): AlertsService {
  return {
    async receive(alerts) {
      const { received, ignored } = readPostedAlerts(alerts, deps.clock.now());
      let published = 0;
      let refused = ignored;
      for (const alert of received) {
        // The rule's lab must be the project's: a rules file or VMRule gone stale (a project
        // moved, removed) must not notify another lab's people.
        if ((await deps.projectLab(alert.notice.project)) !== alert.lab) {
          refused++;
          continue;
        }
        await deps.publish(alert.notice);
        published++;
      }
      return { published, ignored: refused };
    },

    async seriesReport(name, topN = 20) {
      const platform = await deps.platform(name);
      if (!platform) throw new NotFoundError("platform", name);
      const source = deps.metricsSourceOf(platform);
      if (!source) throw new UnavailableError(`platform ${name} declares no metrics source (spec.metrics)`);
      const namespaceLabel = seriesLabelsOf(platform).namespace;
      const labs = (await deps.labs()).filter((lab) => lab.projects.length > 0);
      const status = await source.tsdbStatus({ topN: Math.max(topN, PRODUCER_PAIRS) });
      const labSeries = new Map<string, number>();
      const projects = new Map<string, { lab: string | null }>();
      for (const lab of labs) {
        // Names follow the name rule (letters, digits, hyphens): nothing to escape in the regular expression.
        const selector = `{${namespaceLabel}=~"${[...lab.projects].sort().join("|")}"}`;
        labSeries.set(lab.name, (await source.tsdbStatus({ topN: 1, match: [selector] })).totalSeries);
        for (const project of lab.projects) projects.set(project, { lab: lab.name });
      }
      return seriesReport({
        platform: name,
        status,
        namespaceLabel,
        labSeries,
        projects,
        budgets: {
          default: deps.defaultSeriesBudget ?? DEFAULT_SERIES_BUDGET,
          byLab: new Map(labs.flatMap((lab) => (lab.seriesBudget !== undefined ? [[lab.name, lab.seriesBudget] as const] : []))),
        },
        topN,
      });
    },

    async labAlerts(name) {
      const lab = (await deps.labs()).find((candidate) => candidate.name === name);
      if (!lab) throw new NotFoundError("lab", name);
      return { lab: lab.name, projects: [...lab.projects], rules: effectiveAlertRules(lab.rules) };
    },
  };
}
