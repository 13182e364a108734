import { parser } from "@prometheus-io/lezer-promql";
import { describe, expect, it } from "vitest";
import { InputError } from "../errors.js";
import { parseLab } from "../model.js";
import { ALERT_RULES, checkAlertSettings, effectiveAlertRules, labRuleGroup, MAX_RULES_PER_LAB } from "./rules.js";

const LABELS = { namespace: "namespace", pod: "pod" };

function inputError(run: () => unknown): InputError {
  try {
    run();
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error("no InputError");
}

/** Every vector selector of a PromQL expression, as written (checked with the official parser). */
function selectors(expr: string): string[] {
  const found: string[] = [];
  let errors = 0;
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError) errors++;
      if (node.name === "VectorSelector") found.push(expr.slice(node.from, node.to));
    },
  });
  expect(errors, expr).toBe(0);
  return found;
}

describe("a lab's alert rules", () => {
  it("are Plateau's five with their defaults when the lab says nothing", () => {
    const rules = effectiveAlertRules(undefined);
    expect(rules.map((rule) => rule.id)).toEqual([...ALERT_RULES]);
    expect(rules.find((rule) => rule.id === "instance-down")).toMatchObject({ threshold: null, forMinutes: 10 });
    expect(rules.find((rule) => rule.id === "volume-full")).toMatchObject({ threshold: 0.9 });
    expect(rules.find((rule) => rule.id === "restart-loop")).toMatchObject({ threshold: 3 });
    expect(rules.find((rule) => rule.id === "expiring-soon")).toMatchObject({ threshold: 24 });
  });

  it("lose the rules a lab turns off and take its thresholds", () => {
    const rules = effectiveAlertRules({ "restart-loop": { enabled: false }, "volume-full": { threshold: 0.95, forMinutes: 0 } });
    expect(rules.map((rule) => rule.id)).toEqual(["instance-down", "volume-full", "quota-nearly-used", "expiring-soon"]);
    expect(rules.find((rule) => rule.id === "volume-full")).toMatchObject({ threshold: 0.95, forMinutes: 0 });
  });

  it("refuse an unknown rule, naming the field and the rule", () => {
    const error = inputError(() => checkAlertSettings({ "disk-slow": {} }));
    expect(error.issues).toEqual([{ pointer: "/spec/alerts/rules/disk-slow", rule: "enum", message: expect.stringContaining("disk-slow") }]);
  });

  it("refuse more than ten rules", () => {
    const many = Object.fromEntries(Array.from({ length: MAX_RULES_PER_LAB + 1 }, (_, index) => [`rule-${index}`, {}]));
    expect(inputError(() => checkAlertSettings(many)).issues[0]).toMatchObject({ pointer: "/spec/alerts/rules", rule: "maxProperties" });
  });

  it("refuse a threshold out of its rule's bounds, or on a rule without one", () => {
    expect(inputError(() => checkAlertSettings({ "volume-full": { threshold: 90 } })).issues[0]).toMatchObject({
      pointer: "/spec/alerts/rules/volume-full/threshold",
      rule: "range",
    });
    expect(inputError(() => checkAlertSettings({ "restart-loop": { threshold: 2.5 } })).issues[0]).toMatchObject({ rule: "range" });
    expect(inputError(() => checkAlertSettings({ "instance-down": { threshold: 1 } })).issues[0]).toMatchObject({
      pointer: "/spec/alerts/rules/instance-down/threshold",
      rule: "not-allowed",
    });
  });

  it("are checked when a lab's file is read", () => {
    const text = (rules: string) =>
      `apiVersion: plateau.io/v1\nkind: Lab\nmetadata: { name: imb }\nspec:\n  title: IMB\n  alerts:\n    rules:\n${rules}\n  seriesBudget: 5000\n`;
    expect(parseLab(text("      volume-full: { threshold: 0.8 }"), "labs/imb.yaml").spec.alerts?.rules?.["volume-full"]?.threshold).toBe(0.8);
    expect(inputError(() => parseLab(text("      cpu-hot: { enabled: true }"), "labs/imb.yaml")).issues[0]).toMatchObject({
      pointer: "/spec/alerts/rules/cpu-hot",
      rule: "enum",
    });
  });
});

describe("a lab's rule group", () => {
  const group = labRuleGroup({ lab: "imb", projects: ["imb-b", "imb-a"], labels: LABELS }, effectiveAlertRules(undefined));

  it("reads the lab's namespaces in every selector, and nothing else", () => {
    expect(group?.name).toBe("plateau-lab-imb");
    expect(group?.rules).toHaveLength(5);
    for (const rule of group?.rules ?? []) {
      const found = selectors(rule.expr);
      expect(found.length).toBeGreaterThan(0);
      for (const selector of found) expect(selector, rule.alert).toContain(`namespace=~"imb-a|imb-b"`);
    }
  });

  it("takes the platform's label names", () => {
    const other = labRuleGroup(
      { lab: "imb", projects: ["imb-a"], labels: { namespace: "kubernetes_namespace", pod: "pod_name" } },
      effectiveAlertRules(undefined),
    );
    for (const rule of other?.rules ?? []) {
      for (const selector of selectors(rule.expr)) expect(selector).toContain(`kubernetes_namespace=~"imb-a"`);
      expect(rule.expr).not.toMatch(/[{(,] ?namespace[=!~,)]/);
    }
  });

  it("names the project, the instance and the action", () => {
    const down = group?.rules.find((rule) => rule.labels.plateau_rule === "instance-down");
    expect(down).toMatchObject({
      alert: "PlateauInstanceDown",
      for: "10m",
      labels: { plateau_rule: "instance-down", plateau_lab: "imb", severity: "critical" },
      annotations: { action: "plateau logs {{ $labels.project }}/{{ $labels.instance }}", plateau_action: "open-instance-logs" },
    });
    expect(down?.expr).toContain(`"instance", "$1", "label_app_kubernetes_io_instance"`);
    expect(down?.expr).toContain(`"project", "$1", "namespace"`);
    expect(group?.rules.find((rule) => rule.labels.plateau_rule === "expiring-soon")?.annotations.action).toBe(
      "plateau renew {{ $labels.project }}/{{ $labels.instance }}",
    );
  });

  it("is none for a lab without projects, and refuses names that are not names", () => {
    expect(labRuleGroup({ lab: "imb", projects: [], labels: LABELS }, effectiveAlertRules(undefined))).toBeUndefined();
    expect(() => labRuleGroup({ lab: "imb", projects: ['a"}or{x=~".+'], labels: LABELS }, [])).toThrow(InputError);
    expect(() => labRuleGroup({ lab: "imb", projects: ["a"], labels: { namespace: 'ns"', pod: "pod" } }, [])).toThrow(InputError);
  });
});
