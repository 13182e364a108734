// When an instance stops by itself, as the pages show it: how much time is left, whether to
// warn, whether it can be renewed, and the renewal form checked as the server checks it.
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
  /** Running, stopped by Plateau in `left` ms unless renewed; `soon` under WARNING_DAYS. */
  | { readonly kind: "running"; readonly at: string; readonly left: number; readonly soon: boolean }
  /** Running, its expiry passed: Plateau stops it at its next check. */
  | { readonly kind: "due"; readonly at: string }
  /** Stopped once it expired (by Plateau, or by hand after it expired). */
  | { readonly kind: "expired"; readonly at: string }
  /** Stopped before it expired: starting it gives it a fresh expiry. */
  | { readonly kind: "stopped" };

export function expiryOf(instance: Pick<Instance, "state" | "expiresAt">, now: number): Expiry {
  const at = instance.expiresAt;
  if (at === null) return { kind: "never" };
  const left = Date.parse(at) - now;
  if (Number.isNaN(left)) return { kind: "never" };
  if (instance.state === "stopped") return left <= 0 ? { kind: "expired", at } : { kind: "stopped" };
  if (left <= 0) return { kind: "due", at };
  return { kind: "running", at, left, soon: left < WARNING_DAYS * DAY };
}

/** Whether *Renew* is offered: a running instance that expires (a stopped one is started instead). */
export const renewable = (expiry: Expiry): boolean => expiry.kind === "running" || expiry.kind === "due";

/** Whether a home card says when it stops. */
export const showOnCard = (expiry: Expiry): boolean => expiry.kind === "due" || (expiry.kind === "running" && expiry.left < CARD_DAYS * DAY);

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
