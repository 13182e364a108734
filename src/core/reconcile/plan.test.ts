import { describe, expect, it } from "vitest";
import type { ObservedUnit } from "../ports/engine.js";
import { backoffDelayMs, planReconcile, type DesiredUnitSummary, type PlanInput } from "./plan.js";

const desired = (instance: string, hash: string, running = true): DesiredUnitSummary => ({ project: "demo", instance, hash, running });
const observed = (instance: string, hash: string | null, phase: ObservedUnit["phase"] = "running"): ObservedUnit => ({
  project: "demo",
  instance,
  hash,
  phase,
  reason: "",
  endpoint: phase === "running" ? "127.0.0.1:1" : null,
});
const plan = (input: Partial<PlanInput>) => planReconcile({ desired: [], observed: [], busy: new Set(), backoff: new Map(), now: 1000, ...input });

describe("planReconcile", () => {
  it("applies what does not run, or runs another revision", () => {
    const result = plan({ desired: [desired("a", "h1"), desired("b", "h2"), desired("c", "h3")], observed: [observed("b", "old"), observed("c", "h3")] });
    expect(result.actions).toEqual([
      { kind: "apply", project: "demo", instance: "a", hash: "h1" },
      { kind: "apply", project: "demo", instance: "b", hash: "h2" },
    ]);
    expect(result.statuses).toEqual([
      {
        project: "demo",
        instance: "c",
        phase: "running",
        reason: "",
        reasonCode: "reported",
        reasonParams: { reason: "" },
        endpoint: "127.0.0.1:1",
        appliedHash: "h3",
      },
    ]);
    expect(result.pending).toBe(2);
  });

  it("with a declarative engine (Argo CD), stops by applying the stopped rendering, and is then at rest", () => {
    const stopping = plan({ declarative: true, desired: [desired("a", "h2", false)], observed: [observed("a", "h1")] });
    expect(stopping.actions).toEqual([{ kind: "apply", project: "demo", instance: "a", hash: "h2" }]);
    const stopped = plan({ declarative: true, desired: [desired("a", "h2", false)], observed: [observed("a", "h2")] });
    expect(stopped.actions).toEqual([]);
    expect(stopped.statuses).toEqual([expect.objectContaining({ instance: "a", phase: "stopped", appliedHash: "h2" })]);
    // An imperative engine (podman) is told to stop instead.
    expect(plan({ desired: [desired("a", "h2", false)], observed: [observed("a", "h1")] }).actions).toEqual([{ kind: "stop", project: "demo", instance: "a" }]);
  });

  it("does nothing when everything runs as rendered (idempotent)", () => {
    const result = plan({ desired: [desired("a", "h1")], observed: [observed("a", "h1")] });
    expect(result.actions).toEqual([]);
    expect(result.pending).toBe(0);
  });

  it("applies again when the workload failed", () => {
    expect(plan({ desired: [desired("a", "h1")], observed: [observed("a", "h1", "failed")] }).actions).toEqual([
      { kind: "apply", project: "demo", instance: "a", hash: "h1" },
    ]);
  });

  it("applies when only data remains (the instance was started again)", () => {
    expect(plan({ desired: [desired("a", "h1")], observed: [observed("a", null, "stopped")] }).actions).toEqual([
      { kind: "apply", project: "demo", instance: "a", hash: "h1" },
    ]);
  });

  it("stops the workload of a stopped instance and keeps its data", () => {
    const result = plan({ desired: [desired("a", "h1", false), desired("b", "h2", false)], observed: [observed("a", "h0"), observed("b", null, "stopped")] });
    expect(result.actions).toEqual([{ kind: "stop", project: "demo", instance: "a" }]);
    expect(result.statuses).toEqual([expect.objectContaining({ instance: "b", phase: "stopped" })]);
  });

  it("removes what is no longer in the repository", () => {
    expect(plan({ observed: [observed("gone", "h"), observed("data-only", null, "stopped")] }).actions).toEqual([
      { kind: "remove", project: "demo", instance: "gone" },
      { kind: "remove", project: "demo", instance: "data-only" },
    ]);
  });

  it("leaves a drill's copies to the drill: never removed as strays (ADR 0034)", () => {
    const copy: ObservedUnit = { ...observed("web", "h"), project: "drill-local-abc123" };
    const result = plan({ observed: [copy, observed("gone", "h")] });
    expect(result.actions).toEqual([{ kind: "remove", project: "demo", instance: "gone" }]);
  });

  it("forgets the status of what is neither in the repository nor running (removed before it ever ran)", () => {
    const result = plan({
      desired: [desired("a", "h1")],
      observed: [observed("b", "h")],
      known: [
        { project: "demo", instance: "a" },
        { project: "demo", instance: "b" },
        { project: "demo", instance: "never-ran" },
      ],
    });
    expect(result.forgotten).toEqual([{ project: "demo", instance: "never-ran" }]);
  });

  it("leaves busy units alone", () => {
    const result = plan({ desired: [desired("a", "h1")], observed: [observed("gone", "h")], busy: new Set(["demo/a", "demo/gone"]) });
    expect(result.actions).toEqual([]);
  });

  it("waits for the backoff of a failed revision, but not for a new one", () => {
    const backoff = new Map([["demo/a", { hash: "h1", retryAt: 5000, reason: "image not found" }]]);
    const waiting = plan({ desired: [desired("a", "h1")], backoff, now: 1000 });
    expect(waiting.actions).toEqual([]);
    expect(waiting.statuses).toEqual([expect.objectContaining({ phase: "failed", reason: "image not found (next attempt in 4s)" })]);
    expect(plan({ desired: [desired("a", "h1")], backoff, now: 6000 }).actions).toHaveLength(1);
    expect(plan({ desired: [desired("a", "h2")], backoff, now: 1000 }).actions).toHaveLength(1);
  });

  it("backs off exponentially up to five minutes", () => {
    expect([1, 2, 3, 20].map(backoffDelayMs)).toEqual([2000, 4000, 8000, 300_000]);
  });
});
