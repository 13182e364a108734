// How long instances run: the decisions of expiry and renewal, pure (the time is given).
// An instance's intent may hold `spec.expiresAt`; once it has passed, Plateau stops the
// instance (its data is kept) unless someone renewed it, or removes it, its data with it,
// when it cannot be stopped (a chart that nothing scales to zero, ADR 24). Starting it again
// gives it a fresh expiry. Absent: it never expires.
import { InputError } from "../errors.js";
import type { InstanceState } from "../model.js";

export interface LifecycleSettings {
  /** Days an instance runs after its launch or start before Plateau stops it; null: instances never expire. */
  readonly expiryDays: number | null;
  /** Days a renewal adds when the request names none. */
  readonly renewDays: number;
  /** No renewal may set an expiry further than this many days from now. */
  readonly maxDays: number;
}

/** Instances never expire: what a Plateau without lifecycle settings does. */
export const NEVER_EXPIRE: LifecycleSettings = { expiryDays: null, renewDays: 30, maxDays: 365 };

export const DAY_MS = 86_400_000;

/** What an instance's expiry does to it: stops it (data kept), removes it (data deleted), or nothing (it gets no expiry). */
export type ExpiryAction = "stop" | "remove" | "never";

/** How an intent says its instance stops (`spec.stop.by`, ADR 24); absent: as before (a chart's `global.suspend`, a template's rendering). */
export type StopBy = "replicas" | "remove-on-expiry";

/**
 * What a chart's expiry does, from how its intent says it stops: a chart that nothing scales
 * to zero is removed (`remove-on-expiry`); one that scales to zero by its replica values or by
 * `global.suspend` (`suspends`) is stopped; one launched before ADR 24 without `global.suspend`
 * cannot be stopped and gets no expiry. The one rule for the sweep, the launch and the views.
 */
export function expiryOf(stopBy: StopBy | undefined, suspends: boolean): ExpiryAction {
  if (stopBy === "remove-on-expiry") return "remove";
  return stopBy === "replicas" || suspends ? "stop" : "never";
}

/**
 * What people are told an instance's expiry will do, when it has one: it is removed, its data
 * with it, when its intent says so; else stopped (templates and charts that scale to zero).
 */
export function announcedExpiry(stopBy: StopBy | undefined): "stop" | "remove" {
  // It has an expiry, so it stops in one way or another unless its intent says its expiry removes it.
  return expiryOf(stopBy, true) === "remove" ? "remove" : "stop";
}

/** Whether Plateau stops instances when they expire. */
export const expiryEnabled = (settings: LifecycleSettings): boolean => settings.expiryDays !== null && settings.expiryDays > 0;

const later = (time: Date, days: number) => new Date(time.getTime() + days * DAY_MS);
/** A time that cannot be read counts as no time: it never makes an instance expire. */
const timeOf = (iso: string | null | undefined): number | undefined => {
  const time = iso === null || iso === undefined ? Number.NaN : Date.parse(iso);
  return Number.isFinite(time) ? time : undefined;
};

/** Whether an expiry has come (an instance with none never expires). */
export function isExpired(expiresAt: string | null | undefined, now: Date): boolean {
  const time = timeOf(expiresAt);
  return time !== undefined && time <= now.getTime();
}

/** The running instances whose expiry has come, the longest expired first: what the sweep stops now. */
export function expiredInstances<T extends { readonly state: InstanceState; readonly expiresAt: string | null }>(instances: readonly T[], now: Date): T[] {
  return instances
    .filter((instance) => instance.state === "running" && isExpired(instance.expiresAt, now))
    .sort((a, b) => (timeOf(a.expiresAt) ?? 0) - (timeOf(b.expiresAt) ?? 0));
}

/** The expiry of a launch: expiryDays from now, or none. */
export function launchExpiry(now: Date, settings: LifecycleSettings): string | undefined {
  return expiryEnabled(settings) ? later(now, settings.expiryDays as number).toISOString() : undefined;
}

/**
 * The expiry of an instance started again: a fresh expiryDays from now, or the one it has
 * when that is later (a renewal is never taken back). None when instances do not expire.
 */
export function startExpiry(current: string | null | undefined, now: Date, settings: LifecycleSettings): string | undefined {
  const fresh = launchExpiry(now, settings);
  if (fresh === undefined) return undefined;
  const kept = timeOf(current);
  return kept !== undefined && kept > Date.parse(fresh) ? new Date(kept).toISOString() : fresh;
}

export interface Renewal {
  /** The new expiry; the current one when nothing changes. */
  readonly expiresAt: string;
  readonly changed: boolean;
  /** True when the default renewal was shortened to stay within maxDays from now. */
  readonly capped: boolean;
}

/**
 * A renewal: `days` more from the current expiry, or from now if it has passed. A renewal
 * asking for a number of days may not go beyond maxDays from now (refused, naming how many
 * days are allowed); the default renewal (renewDays) is shortened to the limit instead, so
 * that *Renew* always does what it can.
 */
export function renewedExpiry(current: string, now: Date, days: number | undefined, settings: LifecycleSettings): Renewal {
  const asked = days ?? settings.renewDays;
  if (!Number.isInteger(asked) || asked < 1) throw InputError.field("/days", "minimum", "must be a whole number of days, at least 1");
  const base = Math.max(timeOf(current) ?? now.getTime(), now.getTime());
  const limit = later(now, settings.maxDays).getTime();
  const wanted = base + asked * DAY_MS;
  if (wanted <= limit) return { expiresAt: new Date(wanted).toISOString(), changed: true, capped: false };
  if (days !== undefined) {
    const allowed = Math.floor((limit - base) / DAY_MS);
    throw InputError.field(
      "/days",
      "maximum",
      `renewing by ${days} days would make it expire on ${day(wanted)}, more than ${settings.maxDays} days from now (the limit, lifecycle.maxDays); ` +
        (allowed >= 1 ? `renew by at most ${allowed} days` : `it already expires on ${day(base)}, as late as allowed`),
    );
  }
  // Already as late as allowed (maxDays was lowered since, or it was renewed to the limit): nothing to change.
  if (limit <= base) return { expiresAt: current, changed: false, capped: true };
  return { expiresAt: new Date(limit).toISOString(), changed: true, capped: true };
}

/** `2026-07-01 09:30 UTC`: how commit messages and errors say a time. */
export function day(time: number | string): string {
  return `${new Date(time).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}
