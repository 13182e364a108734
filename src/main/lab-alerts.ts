// The labs' alerts in `plateau up` (ADR 0029): the service behind the receiver and the series
// report, the quota and expiry gauges, and the local platform's vmalert (when installed and
// when the local platform has a VictoriaMetrics to read), kept on the labs' current rules.
import { join } from "node:path";
import type { Logger } from "pino";
import { createPrometheusMetricsSource } from "../adapters/metrics/prometheus-api.js";
import { startVmalert, type VmalertProcess } from "../adapters/metrics/vmalert-process.js";
import { createLifecycleSeriesCollector } from "../core/alerts/lifecycle-series.js";
import type { TenantSeriesCollector } from "../core/ports/tenant-series.js";
import { createAlertsService } from "../core/alerts/service.js";
import { labsAt, seriesLabelsOf, vmalertRulesFile, type LabAlertsInput } from "../core/alerts/vmrule.js";
import type { PlatformDocument } from "../core/model.js";
import type { NoticeDraft, PublishNotice } from "../core/notify/notice.js";
import type { Clock, Random } from "../core/ports/clock.js";
import type { DesiredStateRepository } from "../core/ports/desired-state-repository.js";
import { platformsAt } from "../core/projects/bundle.js";
import type { AlertsRouteDeps } from "../server/routes/alerts-routes.js";
import { ALERTS_HOOK_PATH } from "../server/routes/alerts-routes.js";
import { API_PREFIX } from "../contracts/api.js";
import type { Plateau } from "./compose.js";
import type { Config } from "./config.js";

export interface LabAlerts {
  readonly routes: AlertsRouteDeps;
  /** `plateau_quota_used_ratio` and `plateau_instance_expiry_timestamp_seconds`, for `/metrics/tenants`. */
  readonly collector: TenantSeriesCollector;
  /** Starts vmalert once Plateau listens (its receiver must answer); a reason when it does not run. */
  startEvaluator(listenPort: number): Promise<string | undefined>;
  /** Renders the clusters' VMRules and the local rules file again if the labs or their projects changed. */
  refresh(): Promise<void>;
  close(): Promise<void>;
}

export function setUpLabAlerts(params: {
  readonly config: Config;
  readonly plateau: Plateau;
  readonly repo: DesiredStateRepository;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  /** The local platform's document (its `spec.metrics`, when the local VictoriaMetrics runs). */
  readonly localPlatform?: PlatformDocument;
  /** The local VictoriaMetrics' Prometheus API, when `plateau up` runs one. */
  readonly localMetricsUrl?: string;
  /** The notification service; absent: notices are logged (the portal, e-mail and chat come with it). */
  readonly publish?: PublishNotice;
}): LabAlerts {
  const { plateau, repo, logger } = params;
  const receiverPassword = params.random.secret(40);
  const publish: PublishNotice =
    params.publish ??
    (async (draft: NoticeDraft) => {
      logger.info({ notice: draft }, "lab alert");
    });
  const labsNow = async (): Promise<readonly LabAlertsInput[]> => {
    const head = await repo.head();
    return head ? labsAt(repo, head) : [];
  };
  const platformNamed = async (name: string): Promise<PlatformDocument | undefined> => {
    if (name === "local" && params.localPlatform) {
      const local = params.localPlatform;
      return params.localMetricsUrl && !local.spec.metrics ? { ...local, spec: { ...local.spec, metrics: { url: params.localMetricsUrl } } } : local;
    }
    const head = await repo.head();
    return head ? (await platformsAt(repo, head)).find((platform) => platform.metadata.name === name) : undefined;
  };
  const service = createAlertsService({
    clock: params.clock,
    publish,
    projectLab: async (project) => {
      const found = await plateau.services.projects.find(project);
      return found ? found.lab : undefined;
    },
    labs: labsNow,
    platform: platformNamed,
    metricsSourceOf: (platform) => {
      const metrics = platform.spec.metrics;
      if (!metrics) return undefined;
      // The token is named by the platform's file and read from the environment here, in main.
      const token = metrics.tokenEnv ? process.env[metrics.tokenEnv] : undefined;
      return createPrometheusMetricsSource({ url: metrics.url, ...(token ? { token } : {}) });
    },
    defaultSeriesBudget: params.config.alerts.seriesBudget,
  });
  const collector = createLifecycleSeriesCollector({
    projects: () => plateau.services.projects.list(),
    quotaReport: (project) => plateau.services.tenancy.report(project),
    instances: async () =>
      (await plateau.services.instances.list({})).map((instance) => ({
        project: instance.project,
        name: instance.name,
        state: instance.state,
        expiresAt: instance.expiresAt,
      })),
  });

  let vmalert: VmalertProcess | undefined;
  let rules: string | undefined;
  const localRules = async () => vmalertRulesFile(await labsNow(), seriesLabelsOf(params.localPlatform));

  return {
    routes: { service, receiverPassword },
    collector,
    async startEvaluator(listenPort) {
      const datasourceUrl = params.localMetricsUrl ?? params.localPlatform?.spec.metrics?.url;
      if (!datasourceUrl) return "the local platform has no VictoriaMetrics: its lab alerts are not evaluated";
      rules = await localRules();
      const started = await startVmalert({
        binary: params.config.alerts.vmalertCommand,
        dir: join(params.config.dataDir, "vmalert"),
        datasourceUrl,
        notifierUrl: `http://127.0.0.1:${listenPort}${API_PREFIX}${ALERTS_HOOK_PATH}`,
        notifierPassword: receiverPassword,
        rules,
        evaluationInterval: `${params.config.alerts.evaluationSeconds}s`,
        ...(params.config.publicUrl ? { externalUrl: params.config.publicUrl } : {}),
      });
      if ("skipped" in started) return started.skipped;
      vmalert = started;
      return undefined;
    },
    async refresh() {
      await plateau.repairLabAlerts();
      if (!vmalert) return;
      const next = await localRules();
      if (next !== rules) {
        rules = next;
        await vmalert.updateRules(next);
      }
    },
    async close() {
      await vmalert?.stop();
    },
  };
}
