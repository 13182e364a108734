// When an instance stops by itself, as the pages show it: how much time is left, whether to
// warn, whether it can be renewed, and the renewal form checked as the server checks it. An
// instance that cannot be stopped (a chart that nothing scales to zero, ADR 24) is removed by
// its expiry, its data with it: every word about its expiry says so, and Stop is not offered.
import type { Instance } from "../../contracts/api.js";
import type { Language } from "../i18n.js";

const DAY = 86_400_000;
/** Under this, the instance page warns that it stops soon. */
export const WARNING_DAYS = 3;
/** Under this, a card of the home page says when it stops. */
export const CARD_DAYS = 7;
/** What the API accepts for `days` (the server refuses more than its maxDays from now). */
export const MAX_RENEW_DAYS = 3650;

export type Expiry =
  /** It never expires (or this Plateau lets instances run without end). */
  | { readonly kind: "never" }
  /** Running, stopped by Plateau in `left` ms unless renewed (`removes`: removed, its data with it); `soon` under WARNING_DAYS. */
  | { readonly kind: "running"; readonly at: string; readonly left: number; readonly soon: boolean; readonly removes?: true }
  /** Running, its expiry passed: Plateau stops it (`removes`: removes it) at its next check. */
  | { readonly kind: "due"; readonly at: string; readonly removes?: true }
  /** Stopped once it expired (by Plateau, or by hand after it expired). */
  | { readonly kind: "expired"; readonly at: string }
  /** Stopped before it expired: starting it gives it a fresh expiry. */
  | { readonly kind: "stopped" };

export function expiryOf(instance: Pick<Instance, "state" | "expiresAt" | "expiry">, now: number): Expiry {
  const at = instance.expiresAt;
  if (at === null) return { kind: "never" };
  const left = Date.parse(at) - now;
  if (Number.isNaN(left)) return { kind: "never" };
  if (instance.state === "stopped") return left <= 0 ? { kind: "expired", at } : { kind: "stopped" };
  const removes = instance.expiry === "remove" ? { removes: true as const } : {};
  if (left <= 0) return { kind: "due", at, ...removes };
  return { kind: "running", at, left, soon: left < WARNING_DAYS * DAY, ...removes };
}

/** Whether *Renew* is offered: a running instance that expires (a stopped one is started instead). */
export const renewable = (expiry: Expiry): boolean => expiry.kind === "running" || expiry.kind === "due";

/** Whether a home card says when it stops: in its last days, and from the start when its expiry deletes its data. */
export const showOnCard = (expiry: Expiry): boolean =>
  expiry.kind === "due" || (expiry.kind === "running" && (expiry.removes === true || expiry.left < CARD_DAYS * DAY));

/** Whether Stop is offered for a running instance: not for one that cannot be stopped (the API refuses it: `not-stoppable`), whose expiry removes it. */
export const stoppable = (instance: Pick<Instance, "expiry">): boolean => instance.expiry !== "remove";

/**
 * What the instance page warns of its expiry (the key of its message): a stop under
 * WARNING_DAYS or due, a stop by Plateau once it expired; a removal always, its data with it.
 */
export function expiryNotice(expiry: Expiry): "soon" | "soonRemoved" | "removedOn" | "due" | "dueRemoved" | "expiredNotice" | null {
  switch (expiry.kind) {
    case "running":
      if (expiry.removes) return expiry.soon ? "soonRemoved" : "removedOn";
      return expiry.soon ? "soon" : null;
    case "due":
      return expiry.removes ? "dueRemoved" : "due";
    case "expired":
      return "expiredNotice";
    default:
      return null;
  }
}

/** What a home card says of an expiry it shows (`showOnCard`): when it stops, or is removed with its data. */
export const cardNotice = (expiry: Expiry & { readonly kind: "running" | "due" }): "stopsIn" | "removedIn" | "due" | "dueRemoved" =>
  expiry.kind === "running" ? (expiry.removes ? "removedIn" : "stopsIn") : expiry.removes ? "dueRemoved" : "due";

/**
 * "in 6 days", "in 30 hours", "dans 6 jours"… Rounded down, so that a warning never gives
 * more time than is left (hours under two days: "in 1 day" would hide 47 hours); at least a minute.
 */
export function formatUntil(iso: string, language: Language, now: number): string {
  const left = Math.max(Date.parse(iso) - now, 0);
  const rtf = new Intl.RelativeTimeFormat(language, { numeric: "always" });
  if (left >= 2 * DAY) return rtf.format(Math.floor(left / DAY), "day");
  if (left >= 3_600_000) return rtf.format(Math.floor(left / 3_600_000), "hour");
  return rtf.format(Math.max(Math.floor(left / 60_000), 1), "minute");
}

/** The days of a renewal as typed: empty for the server's default; otherwise a whole number from 1. */
export function renewDays(text: string): { days?: number } | { problem: "days" } {
  const trimmed = text.trim();
  if (trimmed === "") return {};
  const days = Number(trimmed);
  return Number.isInteger(days) && days >= 1 && days <= MAX_RENEW_DAYS ? { days } : { problem: "days" };
}
