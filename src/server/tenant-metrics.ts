// Plateau's per-tenant series (what the local platform's instances use, requests through the
// proxy, and whatever other features register), in Prometheus' text format at
// `GET /metrics/tenants`, for the VictoriaMetrics that scrapes them (docs/metrics.md). They name
// projects and instances, so they are served behind a scrape bearer token and never on the
// public `/metrics` (docs/adr/0026-local-metrics.md).
import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { Logger } from "../core/ports/logger.js";
import { bearerToken } from "./access.js";
import type { TenantSample, TenantSeriesCollector } from "../core/ports/tenant-series.js";

/** What `/metrics/tenants` serves, and the token a scraper must send. */
export interface TenantMetrics {
  /** The scrape bearer token (the content of its file); the route answers 401 to any other. */
  readonly token: string;
  readonly collectors: readonly TenantSeriesCollector[];
}

export const TENANT_METRICS_PATH = "/metrics/tenants";
export const PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A label value in the text format: backslash, double quote and line feed escaped. */
export const escapeLabelValue = (value: string): string => value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
const escapeHelp = (text: string): string => text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");

function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

/**
 * Samples in Prometheus' text format (0.0.4), deterministic: metrics by name, each series by
 * its labels (sorted by name); a metric's HELP and TYPE are its first sample's. A sample with
 * an invalid metric or label name is left out, and so is a second sample of the same series.
 */
export function prometheusText(samples: readonly TenantSample[]): string {
  const byName = new Map<string, { help: string; type: string; series: Map<string, number> }>();
  for (const sample of samples) {
    if (!METRIC_NAME.test(sample.name)) continue;
    const names = Object.keys(sample.labels).sort();
    if (names.some((name) => !LABEL_NAME.test(name) || name.startsWith("__"))) continue;
    const labels = names.map((name) => `${name}="${escapeLabelValue(sample.labels[name] ?? "")}"`).join(",");
    let metric = byName.get(sample.name);
    if (!metric) {
      metric = { help: sample.help, type: sample.type, series: new Map() };
      byName.set(sample.name, metric);
    }
    if (!metric.series.has(labels)) metric.series.set(labels, sample.value);
  }
  const lines: string[] = [];
  for (const name of [...byName.keys()].sort()) {
    const metric = byName.get(name);
    if (!metric) continue;
    lines.push(`# HELP ${name} ${escapeHelp(metric.help)}`, `# TYPE ${name} ${metric.type}`);
    for (const labels of [...metric.series.keys()].sort()) lines.push(`${name}${labels ? `{${labels}}` : ""} ${formatValue(metric.series.get(labels) ?? 0)}`);
  }
  return lines.length > 0 ? `${lines.join("\n")}\n` : "";
}

/** Whether the presented token is the scrape token, in constant time (digests of equal length are compared). */
export function isScrapeToken(presented: string | undefined, token: string): boolean {
  if (presented === undefined || token.length === 0) return false;
  const digest = (text: string) => createHash("sha256").update(text).digest();
  return timingSafeEqual(digest(presented), digest(token));
}

/** Asks every collector; one that fails leaves out its own series only, and is logged once until it answers again. */
export function createTenantSeriesGatherer(collectors: readonly TenantSeriesCollector[], logger?: Logger): () => Promise<TenantSample[]> {
  const failing = new Set<TenantSeriesCollector>();
  return async () => {
    const answers = await Promise.allSettled(collectors.map((collector) => collector.collect()));
    const samples: TenantSample[] = [];
    answers.forEach((answer, i) => {
      const collector = collectors[i] as TenantSeriesCollector;
      if (answer.status === "fulfilled") {
        failing.delete(collector);
        samples.push(...answer.value);
      } else if (!failing.has(collector)) {
        failing.add(collector);
        logger?.warn({ error: (answer.reason as Error)?.message ?? String(answer.reason) }, "a collector of per-tenant series failed: its series are left out");
      }
    });
    return samples;
  };
}

/** `GET /metrics/tenants`: the per-tenant series, for the bearer of the scrape token only (401 otherwise). */
export function registerTenantMetrics(app: FastifyInstance, tenantMetrics: TenantMetrics, logger?: Logger): void {
  const gather = createTenantSeriesGatherer(tenantMetrics.collectors, logger);
  app.get(
    TENANT_METRICS_PATH,
    // No access rule: the scrape token is no person's, and the access layer would read it as an
    // API token (and refuse it). This route checks it itself, as the forge's webhook checks its signature.
    { schema: { hide: true } },
    async (request, reply) => {
      if (!isScrapeToken(bearerToken(request.headers.authorization), tenantMetrics.token)) {
        return reply
          .status(401)
          .header("www-authenticate", 'Bearer realm="plateau-metrics"')
          .send({ error: { code: "unauthenticated", message: "the scrape token is needed (Authorization: Bearer …)" } });
      }
      const text = prometheusText(await gather());
      return reply.header("cache-control", "no-store").type(PROMETHEUS_TEXT).send(text);
    },
  );
}

/** Counts requests through Plateau's proxy, per instance: a Map increment per request. */
export interface ProxyRequestCounter extends TenantSeriesCollector {
  count(project: string, instance: string): void;
}

export function createProxyRequestCounter(): ProxyRequestCounter {
  const counts = new Map<string, Map<string, number>>();
  return {
    count(project, instance) {
      let ofProject = counts.get(project);
      if (!ofProject) counts.set(project, (ofProject = new Map()));
      ofProject.set(instance, (ofProject.get(instance) ?? 0) + 1);
    },
    async collect() {
      const samples: TenantSample[] = [];
      for (const [project, instances] of counts)
        for (const [instance, value] of instances)
          samples.push({
            name: "plateau_proxy_requests_total",
            help: "Requests (and WebSocket upgrades) of signed-in members forwarded to an instance by Plateau's proxy",
            type: "counter",
            labels: { namespace: project, instance },
            value,
          });
      return samples;
    },
  };
}
