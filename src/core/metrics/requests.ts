// What a Prometheus-compatible request asks, read as Prometheus reads it: times in Unix seconds
// or RFC 3339, steps in seconds or durations (`5m`), at most 11,000 points per series, and
// which platform's metrics (ADR 25). Each refusal names its field.
import { InputError } from "../errors.js";
import type { PlatformMetrics } from "../ports/metrics-sources.js";

/** Prometheus refuses a range query of more points per series than this. */
export const MAX_POINTS_PER_SERIES = 11_000;

const field = (name: string, rule: string, message: string) => InputError.field(`/${name}`, rule, message);

/** A time: Unix seconds (with decimals) or RFC 3339. */
export function parseTime(name: string, value: string): number {
  const text = value.trim();
  if (/^[+-]?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(text)) {
    const ms = Date.parse(text);
    if (!Number.isNaN(ms)) return ms / 1000;
  }
  throw field(name, "time", `${JSON.stringify(value.slice(0, 40))} is not a time: Unix seconds (1700000000.5) or RFC 3339 (2026-01-31T12:00:00Z)`);
}

const UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 };

/** A duration in seconds: seconds (with decimals), or a Prometheus duration (`1h30m`, `500ms`). */
export function parseDuration(name: string, value: string): number {
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  if (/^(\d+(ms|s|m|h|d|w|y))+$/.test(text)) {
    let seconds = 0;
    for (const [, amount, unit] of text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) seconds += Number(amount) * (UNITS[unit as string] ?? 0);
    return seconds;
  }
  throw field(name, "duration", `${JSON.stringify(value.slice(0, 40))} is not a duration: seconds (30) or a duration (5m, 1h30m)`);
}

/** A range query's bounds, checked as Prometheus checks them. */
export function rangeOf(start: number, end: number, step: number): { start: number; end: number; step: number } {
  if (end < start) throw field("end", "range", "is before start");
  if (!(step > 0)) throw field("step", "range", "must be more than zero seconds");
  const points = (end - start) / step;
  if (points > MAX_POINTS_PER_SERIES) {
    throw field(
      "step",
      "max-points",
      `asks ${Math.floor(points) + 1} points per series; at most ${MAX_POINTS_PER_SERIES} are answered (a step of at least ${Math.ceil((end - start) / MAX_POINTS_PER_SERIES)} s)`,
    );
  }
  return { start, end, step };
}

/**
 * The platform whose metrics are read: the one named, or, when none is named, the only one
 * with a metrics source. A platform without one, or none named among several, is refused
 * naming `platform` and the choices.
 */
export function choosePlatform(
  named: string | undefined,
  platforms: readonly { readonly name: string; readonly metrics: PlatformMetrics | null }[],
): PlatformMetrics {
  const choices = platforms.flatMap((platform) => (platform.metrics ? [platform.name] : [])).sort();
  const listed = choices.length === 0 ? "no platform declares one (spec.metrics)" : `choose among: ${choices.join(", ")}`;
  if (named === undefined) {
    const only = platforms.filter((platform) => platform.metrics !== null);
    if (only.length === 1 && only[0]?.metrics) return only[0].metrics;
    throw field("platform", "required", `name the platform whose metrics to read; ${listed}`);
  }
  const found = platforms.find((platform) => platform.name === named);
  if (!found) throw field("platform", "exists", `there is no platform ${JSON.stringify(named.slice(0, 64))}; ${listed}`);
  if (!found.metrics) throw field("platform", "metrics", `platform ${named} declares no metrics source (spec.metrics in platforms/${named}.yaml); ${listed}`);
  return found.metrics;
}
