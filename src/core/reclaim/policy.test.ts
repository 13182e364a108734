import { describe, expect, it } from "vitest";
import { HOUR_MS, policyFor, reclaimStep, type ReclaimDefaults, type ReclaimPolicy } from "./policy.js";

const defaults: ReclaimDefaults = {
  idleHours: 72,
  notifyHoursBefore: 24,
  stop: true,
  deleteAfterDaysStopped: 30,
  exempt: false,
  templates: { "db/postgres": { exempt: true }, jupyter: { idleHours: 24 } },
  exemptProjectTiers: ["institutional"],
};
const policy: ReclaimPolicy = { idleHours: 72, notifyHoursBefore: 24, stop: true, deleteAfterDaysStopped: 30, exempt: false };
const now = Date.parse("2026-12-01T12:00:00.000Z");
const ago = (hours: number) => now - hours * HOUR_MS;
const iso = (ms: number) => new Date(ms).toISOString();

describe("policyFor", () => {
  it("takes the configuration's defaults, then the template's, the lab's and the project's", () => {
    expect(policyFor(defaults, { template: "hello", projectTiers: ["experimental"] })).toEqual(policy);
    expect(policyFor(defaults, { template: "jupyter", projectTiers: [] }).idleHours).toBe(24);
    // A template's catalog metadata, under the configuration's per-template overrides.
    expect(policyFor(defaults, { template: "hello", templateMetadata: { idleHours: 12, stop: false }, projectTiers: [] })).toMatchObject({
      idleHours: 12,
      stop: false,
    });
    expect(policyFor(defaults, { template: "jupyter", templateMetadata: { idleHours: 12 }, projectTiers: [] }).idleHours).toBe(24);
    expect(policyFor(defaults, { template: "jupyter", lab: { idleHours: 48 }, projectTiers: [] }).idleHours).toBe(48);
    expect(
      policyFor(defaults, { template: "jupyter", lab: { idleHours: 48 }, project: { idleHours: 12, notifyHoursBefore: 2 }, projectTiers: [] }),
    ).toMatchObject({
      idleHours: 12,
      notifyHoursBefore: 2,
    });
    expect(policyFor(defaults, { template: "hello", lab: { deleteAfterDaysStopped: null }, projectTiers: [] }).deleteAfterDaysStopped).toBeNull();
  });

  it("keeps an exemption declared at any level; a project's own exempt: false lifts only its tier's", () => {
    expect(policyFor(defaults, { template: "db/postgres", project: { exempt: false }, projectTiers: [] }).exempt).toBe(true);
    expect(policyFor(defaults, { template: "hello", lab: { exempt: true }, project: { exempt: false }, projectTiers: [] }).exempt).toBe(true);
    expect(policyFor(defaults, { template: "hello", projectTiers: ["institutional"] }).exempt).toBe(true);
    expect(policyFor(defaults, { template: "hello", project: { exempt: false }, projectTiers: ["institutional"] }).exempt).toBe(false);
  });
});

describe("reclaimStep of a running instance", () => {
  const running = { state: "running" as const, stoppable: true };

  it("does nothing while it is used, or without metrics, or exempt, or when it cannot be stopped", () => {
    expect(reclaimStep(running, policy, { lastActiveAt: ago(1), firstSeenAt: ago(100) }, now)).toBeNull();
    expect(reclaimStep(running, policy, undefined, now)).toBeNull();
    expect(reclaimStep(running, { ...policy, exempt: true }, { firstSeenAt: ago(100) }, now)).toBeNull();
    expect(reclaimStep(running, { ...policy, stop: false }, { firstSeenAt: ago(100) }, now)).toBeNull();
    expect(reclaimStep({ ...running, stoppable: false }, policy, { firstSeenAt: ago(100) }, now)).toBeNull();
  });

  it("announces the stop notifyHoursBefore before idleHours are reached, due when they are", () => {
    expect(reclaimStep(running, policy, { lastActiveAt: ago(47), firstSeenAt: ago(100) }, now)).toBeNull();
    expect(reclaimStep(running, policy, { lastActiveAt: ago(48), firstSeenAt: ago(100) }, now)).toEqual({
      kind: "notify",
      step: "stop",
      due: iso(ago(-24)),
      why: "idle 48 h",
    });
    // Found idle late (Plateau was down): people still get notifyHoursBefore.
    expect(reclaimStep(running, policy, { firstSeenAt: ago(100) }, now)).toMatchObject({ kind: "notify", due: iso(ago(-24)) });
    // Idleness counts from the first sighting and from a start or a keep (`idle.since`).
    expect(reclaimStep(running, policy, { firstSeenAt: ago(10) }, now)).toBeNull();
    expect(reclaimStep({ ...running, idle: { since: iso(ago(5)) } }, policy, { firstSeenAt: ago(100) }, now)).toBeNull();
  });

  it("stops once the notice is due and nothing happened since; activity, a keep or an exemption cancels it", () => {
    const idle = { notice: { step: "stop" as const, at: iso(ago(30)), due: iso(ago(6)) } };
    expect(reclaimStep({ ...running, idle }, policy, { lastActiveAt: ago(80), firstSeenAt: ago(100) }, now)).toEqual({ kind: "stop", why: "idle 80 h" });
    expect(
      reclaimStep({ ...running, idle: { notice: { ...idle.notice, due: iso(ago(-1)) } } }, policy, { lastActiveAt: ago(80), firstSeenAt: ago(100) }, now),
    ).toBeNull();
    expect(reclaimStep({ ...running, idle }, policy, { lastActiveAt: ago(2), firstSeenAt: ago(100) }, now)).toEqual({ kind: "cancel", why: "activity" });
    expect(reclaimStep({ ...running, idle: { ...idle, since: iso(ago(1)) } }, policy, { firstSeenAt: ago(100) }, now)).toEqual({
      kind: "cancel",
      why: "activity",
    });
    expect(reclaimStep({ ...running, idle }, { ...policy, exempt: true }, { firstSeenAt: ago(100) }, now)).toEqual({ kind: "cancel", why: "exempt" });
    expect(reclaimStep({ ...running, idle }, policy, undefined, now)).toEqual({ kind: "cancel", why: "no-metrics" });
  });
});

describe("reclaimStep of a stopped instance", () => {
  const days = (n: number) => n * 24;
  it("announces its removal deleteAfterDaysStopped after its stop, less the notice, then removes it", () => {
    expect(reclaimStep({ state: "stopped", stoppable: true, idle: { stoppedAt: iso(ago(days(28))) } }, policy, undefined, now)).toBeNull();
    expect(reclaimStep({ state: "stopped", stoppable: true, idle: { stoppedAt: iso(ago(days(29))) } }, policy, undefined, now)).toEqual({
      kind: "notify",
      step: "remove",
      due: iso(ago(-24)),
      why: "stopped 29 d",
    });
    const notice = { step: "remove" as const, at: iso(ago(25)), due: iso(ago(1)) };
    expect(reclaimStep({ state: "stopped", stoppable: true, idle: { stoppedAt: iso(ago(days(31))), notice } }, policy, undefined, now)).toEqual({
      kind: "remove",
      why: "stopped 31 d",
    });
  });

  it("never removes one without a recorded stop, nor when the policy keeps stopped instances, and cancels a notice then", () => {
    expect(reclaimStep({ state: "stopped", stoppable: true }, policy, undefined, now)).toBeNull();
    expect(
      reclaimStep({ state: "stopped", stoppable: true, idle: { stoppedAt: iso(ago(days(90))) } }, { ...policy, deleteAfterDaysStopped: null }, undefined, now),
    ).toBeNull();
    const notice = { step: "remove" as const, at: iso(ago(25)), due: iso(ago(1)) };
    expect(
      reclaimStep({ state: "stopped", stoppable: true, idle: { stoppedAt: iso(ago(days(31))), notice } }, { ...policy, exempt: true }, undefined, now),
    ).toEqual({
      kind: "cancel",
      why: "exempt",
    });
    // Kept (or started and stopped again) after the notice: its stop counts from then.
    expect(reclaimStep({ state: "stopped", stoppable: true, idle: { stoppedAt: iso(ago(2)), notice } }, policy, undefined, now)).toEqual({
      kind: "cancel",
      why: "activity",
    });
  });
});
