// What vmalert (or any Alertmanager-compatible sender) posts to Plateau's receiver, read as
// notices: an Alertmanager v2 list of alerts. Only Plateau's own rules are read (their
// `plateau_rule` label), each alert about a project named by the name rule; resolved alerts
// and anything else are counted as ignored, never published.
import type { AlertNoticeKind } from "../../contracts/codes.js";
import type { NoticeDraft } from "../notify/notice.js";
import { ALERT_RULE_DEFINITIONS, INSTANCE_LABEL, isAlertRuleId, isNamed, LAB_LABEL, PROJECT_LABEL, RULE_LABEL, type AlertRuleId } from "./rules.js";

/** One alert as Alertmanager's API v2 takes it (`POST /api/v2/alerts`). */
export interface PostedAlert {
  readonly labels?: Readonly<Record<string, unknown>>;
  readonly annotations?: Readonly<Record<string, unknown>>;
  readonly startsAt?: unknown;
  readonly endsAt?: unknown;
  readonly generatorURL?: unknown;
}

/** The notice kind of each rule: a code of `src/contracts/codes.ts`. */
export const alertNoticeKind = (rule: AlertRuleId): AlertNoticeKind => `alert-${rule}`;

export interface ReceivedAlert {
  readonly notice: NoticeDraft;
  /** The lab its rule belongs to, as its label says (checked against the project's lab before publishing). */
  readonly lab: string;
}

const text = (value: unknown, max = 2000): string | undefined => (typeof value === "string" && value.length <= max ? value : undefined);

/**
 * The alerts worth a notice: firing (no end, or an end still to come), of one of Plateau's
 * rules, about a project (and an instance, when the rule names one). The key is the alert's
 * identity (its labels) and when it started firing: the same firing, resent every minute by
 * vmalert, is delivered once; firing again later is a new notice.
 */
export function readPostedAlerts(alerts: readonly PostedAlert[], now: Date): { readonly received: ReceivedAlert[]; readonly ignored: number } {
  const received: ReceivedAlert[] = [];
  let ignored = 0;
  for (const alert of alerts) {
    const labels = alert.labels ?? {};
    const rule = text(labels[RULE_LABEL], 63);
    const project = labels[PROJECT_LABEL];
    const lab = labels[LAB_LABEL];
    const instance = labels[INSTANCE_LABEL];
    const startsAt = text(alert.startsAt, 40);
    const endsAt = text(alert.endsAt, 40);
    const started = startsAt === undefined ? NaN : Date.parse(startsAt);
    const ended = endsAt === undefined || endsAt.startsWith("0001-") ? undefined : Date.parse(endsAt);
    const resolved = ended !== undefined && Number.isFinite(ended) && ended <= now.getTime();
    if (!rule || !isAlertRuleId(rule) || !isNamed(project) || !isNamed(lab) || !Number.isFinite(started) || resolved) {
      ignored++;
      continue;
    }
    if (instance !== undefined && instance !== "" && !isNamed(instance)) {
      ignored++;
      continue;
    }
    const definition = ALERT_RULE_DEFINITIONS[rule];
    const annotations = alert.annotations ?? {};
    const params: Record<string, string | number> = { rule, lab, project };
    if (isNamed(instance)) params.instance = instance;
    const command = text(annotations.action, 500);
    if (command) params.command = command;
    const summary = text(annotations.summary, 1000);
    if (summary) params.summary = summary;
    for (const name of ["persistentvolumeclaim", "resource", "quota"]) {
      const value = text(labels[name], 253);
      if (value) params[name] = value;
    }
    received.push({
      lab,
      notice: {
        key: `alert:${fingerprint(labels)}:${new Date(started).toISOString()}`,
        kind: alertNoticeKind(rule),
        params,
        project,
        ...(isNamed(instance) ? { instance } : {}),
        action: definition.action,
      },
    });
  }
  return { received, ignored };
}

/** FNV-1a 64 of the labels, sorted: Alertmanager's notion of an alert's identity, stable across senders. */
export function fingerprint(labels: Readonly<Record<string, unknown>>): string {
  const canonical = Object.keys(labels)
    .sort()
    .map((name) => `${name}\u0000${String(labels[name])}`)
    .join("\u0001");
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(canonical)) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, "0");
}
