import { describe, expect, it } from "vitest";
import { observeArgoCdStatus, shortMessage, shortRevision, type ArgoCdApplicationStatus } from "./argocd-status.js";

const REV = "abc1234def5678abc1234def5678abc1234def56";
const OLD = "0011223344556677889900112233445566778899";

const status = (parts: Partial<ArgoCdApplicationStatus> & { sync?: string; health?: string; healthMessage?: string }): ArgoCdApplicationStatus => {
  const { sync, health, healthMessage, ...rest } = parts;
  return {
    ...(sync ? { sync: { status: sync, revision: REV } } : {}),
    ...(health ? { health: { status: health, ...(healthMessage ? { message: healthMessage } : {}) } } : {}),
    ...rest,
  };
};
const op = (phase: string, extra: { message?: string; revision?: string; retryCount?: number } = {}) => ({
  operationState: {
    phase,
    ...(extra.message ? { message: extra.message } : {}),
    ...(extra.retryCount !== undefined ? { retryCount: extra.retryCount } : {}),
    operation: { sync: { revision: extra.revision ?? REV } },
  },
});

describe("observeArgoCdStatus", () => {
  const cases: { name: string; input: ArgoCdApplicationStatus | undefined; phase: string; reason: string | RegExp }[] = [
    // Nothing known yet.
    { name: "no status at all", input: undefined, phase: "starting", reason: "Argo CD has not looked at it yet" },
    { name: "an empty status (just generated)", input: {}, phase: "starting", reason: "Argo CD has not compared it with git yet" },
    { name: "sync Unknown", input: status({ sync: "Unknown", health: "Healthy" }), phase: "starting", reason: "Argo CD has not compared it with git yet" },

    // Synced: health decides.
    { name: "Synced and Healthy", input: status({ sync: "Synced", health: "Healthy", ...op("Succeeded") }), phase: "running", reason: "" },
    { name: "Synced, Healthy, no operation yet (nothing to sync)", input: status({ sync: "Synced", health: "Healthy" }), phase: "running", reason: "" },
    {
      name: "Synced and Progressing with a message",
      input: status({ sync: "Synced", health: "Progressing", healthMessage: "Waiting for rollout to finish: 0 of 1 updated replicas are available..." }),
      phase: "starting",
      reason: "starting: Waiting for rollout to finish: 0 of 1 updated replicas are available...",
    },
    { name: "Synced and Progressing without a message", input: status({ sync: "Synced", health: "Progressing" }), phase: "starting", reason: /progressing/ },
    {
      name: "Synced and Degraded with the Application's message",
      input: status({ sync: "Synced", health: "Degraded", healthMessage: "Back-off restarting failed container" }),
      phase: "failed",
      reason: "Degraded: Back-off restarting failed container",
    },
    {
      name: "Synced and Degraded: the Deployment says why",
      input: status({
        sync: "Synced",
        health: "Degraded",
        resources: [
          { kind: "Service", name: "web", status: "Synced", health: { status: "Healthy" } },
          { kind: "Deployment", name: "web", status: "Synced", health: { status: "Degraded", message: 'Deployment "web" exceeded its progress deadline' } },
        ],
      }),
      phase: "failed",
      reason: 'Degraded: Deployment web: Deployment "web" exceeded its progress deadline',
    },
    { name: "Synced and Degraded without any message", input: status({ sync: "Synced", health: "Degraded" }), phase: "failed", reason: /^Degraded/ },
    {
      name: "Synced and Suspended",
      input: status({ sync: "Synced", health: "Suspended", healthMessage: "CronJob is suspended" }),
      phase: "stopped",
      reason: "suspended: CronJob is suspended",
    },
    {
      name: "Synced and Missing",
      input: status({ sync: "Synced", health: "Missing" }),
      phase: "starting",
      reason: "Argo CD has not created its resources yet",
    },
    {
      name: "Synced and health Unknown",
      input: status({ sync: "Synced", health: "Unknown" }),
      phase: "starting",
      reason: "Argo CD cannot tell its health yet",
    },

    // A sync in progress, whatever the health of what still runs.
    {
      name: "operation Running",
      input: status({ sync: "OutOfSync", health: "Healthy", ...op("Running") }),
      phase: "starting",
      reason: "Argo CD is applying revision abc1234",
    },
    {
      name: "operation Running after failed attempts",
      input: status({ sync: "OutOfSync", health: "Missing", ...op("Running", { retryCount: 2, message: 'Retrying attempt #2: namespaces "p" not found' }) }),
      phase: "starting",
      reason: 'Argo CD is retrying revision abc1234 (attempt 3): Retrying attempt #2: namespaces "p" not found',
    },
    {
      name: "operation Terminating",
      input: status({ sync: "OutOfSync", ...op("Terminating") }),
      phase: "starting",
      reason: "Argo CD is cancelling the sync of revision abc1234",
    },
    {
      name: "operation Running while Synced (a re-sync)",
      input: status({ sync: "Synced", health: "Healthy", ...op("Running") }),
      phase: "starting",
      reason: /applying revision abc1234/,
    },

    // Failed syncs.
    {
      name: "operation Failed, OutOfSync",
      input: status({ sync: "OutOfSync", health: "Missing", ...op("Failed", { message: "one or more objects failed to apply, reason: quota exceeded" }) }),
      phase: "failed",
      reason: "sync failed: one or more objects failed to apply, reason: quota exceeded",
    },
    {
      name: "operation Error, OutOfSync",
      input: status({ sync: "OutOfSync", ...op("Error", { message: "rpc error" }) }),
      phase: "failed",
      reason: "sync failed: rpc error",
    },
    { name: "operation Failed without a message", input: status({ sync: "OutOfSync", ...op("Failed") }), phase: "failed", reason: /^sync failed/ },
    {
      name: "operation Failed on an older revision: the new one is still to apply",
      input: status({ sync: "OutOfSync", health: "Healthy", ...op("Failed", { revision: OLD, message: "old failure" }) }),
      phase: "starting",
      reason: "waiting for Argo CD to apply revision abc1234",
    },
    {
      name: "operation Failed but Synced since (the failure was a hook): health decides",
      input: status({ sync: "Synced", health: "Healthy", ...op("Failed", { message: "hook failed" }) }),
      phase: "running",
      reason: "",
    },
    {
      name: "SyncError condition, OutOfSync",
      input: status({
        sync: "OutOfSync",
        health: "Missing",
        conditions: [{ type: "SyncError", message: "Failed sync attempt to abc1234: one or more synchronization tasks are not valid (retried 10 times)." }],
      }),
      phase: "failed",
      reason: "sync failed: Failed sync attempt to abc1234: one or more synchronization tasks are not valid (retried 10 times).",
    },

    // Argo CD cannot compare, or refuses the Application.
    {
      name: "ComparisonError while nothing runs",
      input: status({
        sync: "Unknown",
        health: "Missing",
        conditions: [{ type: "ComparisonError", message: "Failed to load target state: repository not accessible\nmore lines" }],
      }),
      phase: "failed",
      reason: "Argo CD cannot read it from git: Failed to load target state: repository not accessible",
    },
    {
      name: "ComparisonError while the workload runs",
      input: status({ sync: "Unknown", health: "Healthy", conditions: [{ type: "ComparisonError", message: "rpc error: code = DeadlineExceeded" }] }),
      phase: "running",
      reason: "running, but Argo CD cannot compare it with git: rpc error: code = DeadlineExceeded",
    },
    {
      name: "InvalidSpecError, even when healthy",
      input: status({
        sync: "Unknown",
        health: "Healthy",
        conditions: [
          { type: "InvalidSpecError", message: "application destination {https://kubernetes.default.svc other} is not permitted in project 'plateau-demo'" },
        ],
      }),
      phase: "failed",
      reason: /^Argo CD refuses the Application: application destination .* is not permitted/,
    },
    {
      name: "warnings do not show",
      input: status({ sync: "Synced", health: "Healthy", conditions: [{ type: "OrphanedResourceWarning", message: "1 orphaned resource" }] }),
      phase: "running",
      reason: "",
    },

    // OutOfSync without an operation.
    {
      name: "OutOfSync, nothing attempted yet",
      input: status({ sync: "OutOfSync", health: "Missing" }),
      phase: "starting",
      reason: "waiting for Argo CD to apply revision abc1234",
    },
    {
      name: "OutOfSync, previous revision succeeded",
      input: status({ sync: "OutOfSync", health: "Healthy", ...op("Succeeded", { revision: OLD }) }),
      phase: "starting",
      reason: "waiting for Argo CD to apply revision abc1234",
    },
    {
      name: "OutOfSync after this revision synced, healthy (drift)",
      input: status({ sync: "OutOfSync", health: "Healthy", ...op("Succeeded") }),
      phase: "running",
      reason: "running; Argo CD reports a difference with git and will correct it",
    },
    {
      name: "OutOfSync after this revision synced, degraded",
      input: status({ sync: "OutOfSync", health: "Degraded", healthMessage: "CrashLoopBackOff", ...op("Succeeded") }),
      phase: "failed",
      reason: "Degraded: CrashLoopBackOff",
    },
    {
      name: "a chart version as revision",
      input: { sync: { status: "OutOfSync", revision: "1.4.2" }, operationState: { phase: "Running", operation: { sync: { revision: "1.4.2" } } } },
      phase: "starting",
      reason: "Argo CD is applying revision 1.4.2",
    },
  ];

  it.each(cases)("$name → $phase", ({ input, phase, reason }) => {
    const observed = observeArgoCdStatus(input);
    expect(observed.phase).toBe(phase);
    if (typeof reason === "string") expect(observed.reason).toBe(reason);
    else expect(observed.reason).toMatch(reason);
  });

  it("gives every phase a reason except a plain running one", () => {
    for (const { input } of cases) {
      const observed = observeArgoCdStatus(input);
      if (observed.phase !== "running") expect(observed.reason.length).toBeGreaterThan(0);
    }
  });
});

describe("helpers", () => {
  it("shortens commits and leaves other revisions as they are", () => {
    expect(shortRevision(REV)).toBe("abc1234");
    expect(shortRevision("main")).toBe("main");
    expect(shortRevision(undefined)).toBe("");
  });

  it("keeps the first line of long messages, bounded", () => {
    expect(shortMessage("first\nsecond")).toBe("first");
    expect(shortMessage("x".repeat(1000))).toHaveLength(300);
    expect(shortMessage(undefined)).toBe("");
  });
});
