// The alerts a lab can act on (ADR 0029): a fixed handful of rules, each scoped to the lab's
// projects' namespaces, naming the project and the instance, and saying the one action that
// fixes it. Plateau decides the set; a lab turns rules off or tunes their thresholds in
// `labs/<lab>.yaml` (`spec.alerts.rules`). The same rule groups become a VMRule on clusters
// and a rules file for the local platform's vmalert (`vmrule.ts`).
import type { AlertAction } from "../../contracts/codes.js";
import { InputError } from "../errors.js";
import { assertName, isValidName } from "../names.js";

/** The rules Plateau offers, in the order they are rendered. */
export const ALERT_RULES = ["instance-down", "restart-loop", "volume-full", "quota-nearly-used", "expiring-soon"] as const;
export type AlertRuleId = (typeof ALERT_RULES)[number];
/** No lab is given more: an alert nobody reads teaches people to read none. */
export const MAX_RULES_PER_LAB = 10;

export const isAlertRuleId = (name: string): name is AlertRuleId => (ALERT_RULES as readonly string[]).includes(name);

/** What a lab may say of one rule in `labs/<lab>.yaml`. */
export interface AlertRuleSettings {
  readonly enabled?: boolean;
  /** The rule's own unit: a ratio (0–1) for volumes and quotas, restarts for restart loops, hours for expiry. */
  readonly threshold?: number;
  /** How long the condition must hold before the alert fires (minutes). */
  readonly forMinutes?: number;
}

export interface AlertRuleDefinition {
  readonly id: AlertRuleId;
  /** The default threshold and what a lab may set (inclusive bounds); null: the rule has none. */
  readonly threshold: { readonly default: number; readonly min: number; readonly max: number; readonly integer: boolean } | null;
  readonly forMinutes: number;
  readonly severity: "warning" | "critical";
  /** The action's code (NoticeDraft.action) and the command a person runs. */
  readonly action: AlertAction;
}

export const ALERT_RULE_DEFINITIONS: Readonly<Record<AlertRuleId, AlertRuleDefinition>> = {
  "instance-down": { id: "instance-down", threshold: null, forMinutes: 10, severity: "critical", action: "open-instance-logs" },
  "restart-loop": {
    id: "restart-loop",
    threshold: { default: 3, min: 1, max: 1000, integer: true },
    forMinutes: 0,
    severity: "warning",
    action: "open-instance-logs",
  },
  "volume-full": {
    id: "volume-full",
    threshold: { default: 0.9, min: 0.01, max: 1, integer: false },
    forMinutes: 5,
    severity: "warning",
    action: "free-volume",
  },
  "quota-nearly-used": {
    id: "quota-nearly-used",
    threshold: { default: 0.9, min: 0.01, max: 1, integer: false },
    forMinutes: 0,
    severity: "warning",
    action: "raise-quota",
  },
  "expiring-soon": { id: "expiring-soon", threshold: { default: 24, min: 1, max: 720, integer: true }, forMinutes: 0, severity: "warning", action: "renew" },
};

/** One rule as a lab has it: Plateau's definition with the lab's settings applied. */
export interface EffectiveAlertRule {
  readonly id: AlertRuleId;
  readonly threshold: number | null;
  readonly forMinutes: number;
  readonly severity: "warning" | "critical";
  readonly action: AlertRuleDefinition["action"];
}

/**
 * Checks a lab's `spec.alerts.rules` (what the schema cannot say: which names exist, each
 * rule's bounds) and throws an InputError naming the field and the rule. Nothing else is read.
 */
export function checkAlertSettings(rules: Readonly<Record<string, AlertRuleSettings>> | undefined, pointer = "/spec/alerts/rules"): void {
  if (!rules) return;
  const names = Object.keys(rules);
  if (names.length > MAX_RULES_PER_LAB) {
    throw InputError.field(pointer, "maxProperties", `a lab has at most ${MAX_RULES_PER_LAB} alert rules, not ${names.length}`);
  }
  for (const name of names.sort()) {
    const field = `${pointer}/${name}`;
    if (!isAlertRuleId(name)) throw InputError.field(field, "enum", `"${name}" is not an alert rule of Plateau (${ALERT_RULES.join(", ")})`);
    const settings = rules[name] ?? {};
    const definition = ALERT_RULE_DEFINITIONS[name];
    if (settings.threshold !== undefined) {
      const bounds = definition.threshold;
      if (!bounds) throw InputError.field(`${field}/threshold`, "not-allowed", `rule ${name} has no threshold`);
      const value = settings.threshold;
      if (!Number.isFinite(value) || value < bounds.min || value > bounds.max || (bounds.integer && !Number.isInteger(value))) {
        throw InputError.field(
          `${field}/threshold`,
          "range",
          `the threshold of rule ${name} must be ${bounds.integer ? "a whole number " : ""}from ${bounds.min} to ${bounds.max}, not ${value}`,
        );
      }
    }
    if (settings.forMinutes !== undefined && (!Number.isInteger(settings.forMinutes) || settings.forMinutes < 0 || settings.forMinutes > 1440)) {
      throw InputError.field(`${field}/forMinutes`, "range", `forMinutes of rule ${name} must be a whole number from 0 to 1440`);
    }
  }
}

/** The rules a lab has, in Plateau's order: every rule unless turned off, with the lab's thresholds. */
export function effectiveAlertRules(rules: Readonly<Record<string, AlertRuleSettings>> | undefined): EffectiveAlertRule[] {
  checkAlertSettings(rules);
  return ALERT_RULES.flatMap((id): EffectiveAlertRule[] => {
    const definition = ALERT_RULE_DEFINITIONS[id];
    const settings = rules?.[id] ?? {};
    if (settings.enabled === false) return [];
    return [
      {
        id,
        threshold: definition.threshold ? (settings.threshold ?? definition.threshold.default) : null,
        forMinutes: settings.forMinutes ?? definition.forMinutes,
        severity: definition.severity,
        action: definition.action,
      },
    ];
  });
}

/** The label names of the platform's series (`spec.metrics.labels`). */
export interface SeriesLabels {
  readonly namespace: string;
  readonly pod: string;
}

export interface LabRuleScope {
  readonly lab: string;
  /** The lab's projects: the namespaces its rules read, and nothing else. */
  readonly projects: readonly string[];
  readonly labels: SeriesLabels;
}

/** One alerting rule as Prometheus and vmalert read it. */
export interface PrometheusAlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

export interface PrometheusRuleGroup {
  readonly name: string;
  readonly rules: readonly PrometheusAlertRule[];
}

/** The label every alert of Plateau carries with its rule's id, and its lab. */
export const RULE_LABEL = "plateau_rule";
export const LAB_LABEL = "plateau_lab";
/** The labels naming what an alert is about (rewritten from the series' own). */
export const PROJECT_LABEL = "project";
export const INSTANCE_LABEL = "instance";
/** kube-state-metrics' name of the `app.kubernetes.io/instance` label of pods and claims. */
const KSM_INSTANCE_LABEL = "label_app_kubernetes_io_instance";

const PROMETHEUS_LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export const ruleGroupName = (lab: string): string => `plateau-lab-${lab}`;
export const alertName = (rule: AlertRuleId): string =>
  `Plateau${rule.replace(/(^|-)([a-z])/g, (_match, _dash: string, letter: string) => letter.toUpperCase())}`;

/**
 * The rule group of one lab. Every selector carries the lab's namespaces as an anchored
 * alternation of names checked by the name rule (letters, digits, hyphens: nothing a regular
 * expression or a PromQL string could read otherwise), so no series of another lab can match.
 * A lab without projects has no group (nothing to watch).
 */
export function labRuleGroup(scope: LabRuleScope, rules: readonly EffectiveAlertRule[]): PrometheusRuleGroup | undefined {
  assertName("/lab", scope.lab);
  scope.projects.forEach((project, index) => assertName(`/projects/${index}`, project));
  for (const [field, name] of Object.entries(scope.labels)) {
    if (!PROMETHEUS_LABEL.test(name)) throw InputError.field(`/metrics/labels/${field}`, "pattern", `"${name}" is not a Prometheus label name`);
  }
  const projects = [...new Set(scope.projects)].sort();
  if (projects.length === 0) return undefined;
  return { name: ruleGroupName(scope.lab), rules: rules.map((rule) => alertRule(scope.lab, projects, scope.labels, rule)) };
}

function alertRule(lab: string, projects: readonly string[], labels: SeriesLabels, rule: EffectiveAlertRule): PrometheusAlertRule {
  const ns = labels.namespace;
  const pod = labels.pod;
  const inLab = `${ns}=~"${projects.join("|")}"`;
  /** The pods' series joined to their instance, then labelled `project` and `instance`. */
  const named = (expr: string, on: readonly string[], labelsMetric: string) => {
    const joined = `(${expr}) * on (${on.join(", ")}) group_left (${KSM_INSTANCE_LABEL}) max by (${on.join(", ")}, ${KSM_INSTANCE_LABEL}) (${labelsMetric}{${inLab}, ${KSM_INSTANCE_LABEL}!=""})`;
    return withProject(`label_replace(${joined}, "${INSTANCE_LABEL}", "$1", "${KSM_INSTANCE_LABEL}", "(.+)")`);
  };
  const withProject = (expr: string) => `label_replace(${expr}, "${PROJECT_LABEL}", "$1", "${ns}", "(.+)")`;
  const threshold = rule.threshold ?? 0;
  let expr: string;
  let summary: string;
  let command: string;
  switch (rule.id) {
    case "instance-down":
      // A pod that completed (a job's) is not ready and not down either.
      expr = named(
        `max by (${ns}, ${pod}) (kube_pod_status_ready{${inLab}, condition="true"}) == 0 unless on (${ns}, ${pod}) max by (${ns}, ${pod}) (kube_pod_status_phase{${inLab}, phase="Succeeded"}) == 1`,
        [ns, pod],
        "kube_pod_labels",
      );
      summary = "Instance {{ $labels.instance }} of project {{ $labels.project }} has had a pod not ready ({{ $labels." + pod + " }})";
      command = "plateau logs {{ $labels.project }}/{{ $labels.instance }}";
      break;
    case "restart-loop":
      expr = named(`sum by (${ns}, ${pod}) (increase(kube_pod_container_status_restarts_total{${inLab}}[15m])) > ${threshold}`, [ns, pod], "kube_pod_labels");
      summary = "Instance {{ $labels.instance }} of project {{ $labels.project }} restarted {{ $value }} times in 15 minutes";
      command = "plateau logs {{ $labels.project }}/{{ $labels.instance }}";
      break;
    case "volume-full":
      expr = named(
        `max by (${ns}, persistentvolumeclaim) (kubelet_volume_stats_used_bytes{${inLab}}) / max by (${ns}, persistentvolumeclaim) (kubelet_volume_stats_capacity_bytes{${inLab}}) > ${threshold}`,
        [ns, "persistentvolumeclaim"],
        "kube_persistentvolumeclaim_labels",
      );
      summary =
        "Volume {{ $labels.persistentvolumeclaim }} of instance {{ $labels.instance }} (project {{ $labels.project }}) is {{ $value | humanizePercentage }} full";
      command = "plateau status {{ $labels.project }}/{{ $labels.instance }}";
      break;
    case "quota-nearly-used":
      // Plateau's own gauge (lifecycle-series.ts): one series per project, quota (project or lab) and resource.
      expr = withProject(`max by (${ns}, quota, resource) (plateau_quota_used_ratio{${inLab}}) > ${threshold}`);
      summary = "Project {{ $labels.project }} uses {{ $value | humanizePercentage }} of its {{ $labels.quota }} quota of {{ $labels.resource }}";
      command = "plateau projects quota {{ $labels.project }}";
      break;
    case "expiring-soon":
      expr = withProject(`max by (${ns}, ${INSTANCE_LABEL}) (plateau_instance_expiry_timestamp_seconds{${inLab}}) - time() < ${threshold * 3600}`);
      summary = "Instance {{ $labels.instance }} of project {{ $labels.project }} will be stopped in {{ $value | humanizeDuration }}";
      command = "plateau renew {{ $labels.project }}/{{ $labels.instance }}";
      break;
  }
  return {
    alert: alertName(rule.id),
    expr,
    ...(rule.forMinutes > 0 ? { for: `${rule.forMinutes}m` } : {}),
    labels: { [RULE_LABEL]: rule.id, [LAB_LABEL]: lab, severity: rule.severity },
    annotations: { summary, action: command, plateau_action: rule.action },
  };
}

/** Whether a label value names a project or an instance (what the receiver accepts). */
export const isNamed = (value: unknown): value is string => typeof value === "string" && isValidName(value);
