// Plateau's own metrics in Prometheus format (served at /metrics).
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Telemetry } from "../core/ports/telemetry.js";

export interface Metrics {
  readonly registry: Registry;
  readonly telemetry: Telemetry;
  observeRequest(method: string, route: string, status: number, seconds: number): void;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "plateau_process_" });
  const requests = new Histogram({
    name: "plateau_http_request_duration_seconds",
    help: "Latency of HTTP API requests, by route template",
    labelNames: ["method", "route", "status"],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });
  const reconcile = new Histogram({
    name: "plateau_reconcile_duration_seconds",
    help: "Duration of a reconcile pass of a platform (deciding; applying runs after it)",
    labelNames: ["platform"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const pending = new Gauge({
    name: "plateau_pending_changes",
    help: "Instances whose platform does not yet run what the repository says",
    labelNames: ["platform"],
    registers: [registry],
  });
  const commits = new Histogram({
    name: "plateau_commit_duration_seconds",
    help: "Time to write one commit to the desired-state repository",
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  const errors = new Counter({ name: "plateau_http_errors_total", help: "HTTP API answers with a 5xx status", labelNames: ["route"], registers: [registry] });
  return {
    registry,
    telemetry: {
      reconcileDuration: (platform, seconds) => reconcile.observe({ platform }, seconds),
      pendingChanges: (platform, count) => pending.set({ platform }, count),
      commitDuration: (seconds) => commits.observe(seconds),
    },
    observeRequest(method, route, status, seconds) {
      requests.observe({ method, route, status: String(status) }, seconds);
      if (status >= 500) errors.inc({ route });
    },
  };
}
