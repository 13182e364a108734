// A lab's alert rules as the lab page says them: each rule's threshold in its own unit, and
// which of the reader's notices are alerts about the lab's projects (what fired lately).
import type { LabAlertsBody } from "../../../contracts/alerts.js";
import type { Notice } from "../../../contracts/reclaim.js";
import type { Language } from "../../i18n.js";
import { formatNumber } from "../../shared/usage.js";

type Rule = LabAlertsBody["rules"][number];

/** The threshold's value and unit key: restarts in 15 minutes, a share of a volume or quota, hours before expiry. */
export function ruleThreshold(rule: Pick<Rule, "id" | "threshold">, language: Language): { key: "restarts" | "share" | "hours"; value: string } | null {
  if (rule.threshold === null) return null;
  switch (rule.id) {
    case "restart-loop":
      return { key: "restarts", value: formatNumber(rule.threshold, language, 0) };
    case "volume-full":
    case "quota-nearly-used":
      return {
        key: "share",
        value: new Intl.NumberFormat(language === "fr" ? "fr-FR" : "en-GB", { style: "percent", maximumFractionDigits: 1 }).format(rule.threshold),
      };
    case "expiring-soon":
      return { key: "hours", value: formatNumber(rule.threshold, language, 0) };
    default:
      return null;
  }
}

/** How far back the lab page looks for alerts that fired. */
export const RECENT_ALERTS_MS = 24 * 3_600_000;

/** The reader's alert notices about the lab's projects from the last day, newest first. */
export function recentLabAlerts(notices: readonly Notice[], projects: readonly string[], now: number): Notice[] {
  const ofLab = new Set(projects);
  return notices
    .filter((n) => n.kind.startsWith("alert-") && ofLab.has(n.project) && now - Date.parse(n.createdAt) <= RECENT_ALERTS_MS)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}
