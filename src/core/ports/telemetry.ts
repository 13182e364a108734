/** What core reports about its own work; the server exposes it as Prometheus metrics. */
export interface Telemetry {
  reconcileDuration(platform: string, seconds: number): void;
  pendingChanges(platform: string, count: number): void;
  commitDuration(seconds: number): void;
}

export const noTelemetry: Telemetry = { reconcileDuration() {}, pendingChanges() {}, commitDuration() {} };
