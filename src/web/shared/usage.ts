// What the usage pages show, pure: numbers in the reader's language, the chart's points from
// the API's, which window the reader asked for, whether the advice can be applied, and which
// of a person's notices still concern an instance.
import type { Notice } from "../../contracts/reclaim.js";
import type { InstanceUsageBody } from "../../contracts/usage.js";
import type { Language } from "../i18n.js";

export const WINDOWS = ["1h", "24h", "7d", "30d"] as const;
export type UsageWindowName = (typeof WINDOWS)[number];
/** The chart opens on a day; the numbers and the advice on the month (as `plateau resize` follows the 30-day advice). */
export const DEFAULT_WINDOW: UsageWindowName = "24h";

/** The window named in the address (`?window=7d`), or the default: anything else is ignored. */
export function windowFrom(query: URLSearchParams, fallback: UsageWindowName = DEFAULT_WINDOW): UsageWindowName {
  const asked = query.get("window");
  return (WINDOWS as readonly string[]).includes(asked ?? "") ? (asked as UsageWindowName) : fallback;
}

const locale = (language: Language) => (language === "fr" ? "fr-FR" : "en-GB");

/** A number with at most `digits` decimals, in the reader's language (1 234,5 / 1,234.5). */
export const formatNumber = (value: number, language: Language, digits = 2): string =>
  new Intl.NumberFormat(locale(language), { maximumFractionDigits: digits }).format(value);

/** An amount of cores, GiB or hours: two decimals, or two significant digits when smaller than 0.1 (5m of CPU is not "0"). */
export const formatAmount = (value: number, language: Language): string =>
  value !== 0 && Math.abs(value) < 0.1
    ? new Intl.NumberFormat(locale(language), { maximumSignificantDigits: 2 }).format(value)
    : formatNumber(value, language, 2);

/** An efficiency (already in percent), or a dash when nothing was requested. */
export const formatPercent = (percent: number | null, language: Language): string =>
  percent === null ? "–" : new Intl.NumberFormat(locale(language), { style: "percent", maximumFractionDigits: 0 }).format(percent / 100);

/** Bytes in GiB (memory is requested in GiB in quotas), two decimals at most. */
export const GIB = 1024 ** 3;
export const toGiB = (bytes: number): number => bytes / GIB;

/** A due time in the reader's language and time zone (the browser's), with the zone named. */
export function formatDue(iso: string, language: Language, timeZone?: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale(language), {
    weekday: "long",
    day: "numeric",
    month: "long",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZoneName: "short",
    ...(timeZone ? { timeZone } : {}),
  }).format(date);
}

export interface ChartSeries {
  readonly times: number[];
  readonly used: (number | null)[];
  readonly requested: (number | null)[];
}

/** The API's points as the chart takes them: CPU in cores, memory in GiB. */
export function chartSeries(
  points: readonly { t: number; cpuUsed: number | null; cpuRequested: number | null; memoryUsed: number | null; memoryRequested: number | null }[],
): {
  cpu: ChartSeries;
  memory: ChartSeries;
} {
  const times = points.map((p) => p.t);
  const gib = (bytes: number | null) => (bytes === null ? null : toGiB(bytes));
  return {
    cpu: { times, used: points.map((p) => p.cpuUsed), requested: points.map((p) => p.cpuRequested) },
    memory: { times, used: points.map((p) => gib(p.memoryUsed)), requested: points.map((p) => gib(p.memoryRequested)) },
  };
}

/** Whether any point holds a value: a chart of nothing is not drawn. */
export const hasPoints = (series: ChartSeries): boolean => series.used.some((v) => v !== null) || series.requested.some((v) => v !== null);

export type Advice = NonNullable<InstanceUsageBody["advice"]>;

/**
 * Whether "Apply the advice" shows: the caller may change the project's instances (the API's
 * `may.launch`), there is advice, and it changes something.
 */
export function adviceApplicable(advice: Advice | null | undefined, mayChange: boolean): advice is Advice {
  if (!advice || !mayChange) return false;
  return advice.cpuMillicores !== advice.current.cpuMillicores || advice.memoryMiB !== advice.current.memoryMiB;
}

/** Whether following the advice lowers the requests (a saving) or raises them (it needs more). */
export const adviceDirection = (advice: Advice): "lower" | "higher" | "mixed" =>
  advice.cpuMillicores <= advice.current.cpuMillicores && advice.memoryMiB <= advice.current.memoryMiB
    ? "lower"
    : advice.cpuMillicores >= advice.current.cpuMillicores && advice.memoryMiB >= advice.current.memoryMiB
      ? "higher"
      : "mixed";

/** `250m`, `1.5` cores; `512Mi`, `2Gi`: as templates and `plateau resize` write them. */
export const cpuText = (millicores: number): string => (millicores % 1000 === 0 ? String(millicores / 1000) : `${millicores}m`);
export const memoryText = (mib: number): string => (mib % 1024 === 0 ? `${mib / 1024}Gi` : `${mib}Mi`);

const IDLE_KINDS = new Set(["idle-stop-planned", "idle-remove-planned"]);

/**
 * The idle notice still pending on an instance: announced by idle reclaim, its action *keep*,
 * its step not yet due; the newest if several. `keptAt`: a keep made on this page since, which
 * cancels every notice announced before it.
 */
export function pendingIdleNotice(notices: readonly Notice[], project: string, instance: string, now: number, keptAt?: number): Notice | undefined {
  return notices
    .filter((n) => n.project === project && n.instance === instance && IDLE_KINDS.has(n.kind) && n.action === "keep")
    .filter((n) => n.due === undefined || Date.parse(n.due) > now)
    .filter((n) => keptAt === undefined || Date.parse(n.createdAt) > keptAt)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
}

/** Unread notices, for the shell's indicator. */
export const unreadCount = (notices: readonly Pick<Notice, "readAt">[]): number => notices.filter((n) => n.readAt === null).length;

/** Where a notice's one action leads in the portal, or undefined when it is a button (keep) or has none. */
export function noticeActionTarget(notice: Pick<Notice, "action" | "project" | "instance">): { kind: "keep" } | { kind: "link"; to: string } | undefined {
  const instancePath = notice.instance ? `/projects/${encodeURIComponent(notice.project)}/instances/${encodeURIComponent(notice.instance)}` : undefined;
  switch (notice.action) {
    case undefined:
      return undefined;
    case "keep":
      return notice.instance ? { kind: "keep" } : undefined;
    case "raise-quota":
      return { kind: "link", to: `/projects/${encodeURIComponent(notice.project)}` };
    default:
      // Read its logs, free its volume, renew it: all on the instance's page.
      return instancePath ? { kind: "link", to: instancePath } : { kind: "link", to: `/projects/${encodeURIComponent(notice.project)}` };
  }
}

/** A notice's parameters as its text shows them: its due time in the reader's words. */
export function noticeParams(notice: Pick<Notice, "params" | "due">, language: Language, timeZone?: string): Record<string, string | number> {
  const params: Record<string, string | number> = { ...notice.params };
  const due = notice.due ?? (typeof notice.params.due === "string" ? notice.params.due : undefined);
  if (due !== undefined) params.due = formatDue(due, language, timeZone);
  return params;
}

/** Said on `window` when notices were marked read: the shell's indicator reads them again. */
export const NOTICES_CHANGED = "plateau:notices-changed";
