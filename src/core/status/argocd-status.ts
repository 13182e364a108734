// What an Argo CD Application's status means for a scientist: one of Plateau's phases and a
// sentence. Pure: the Argo CD engine reads the Application, this decides what it says.
// Argo CD reports three things that change independently — how the cluster compares with git
// (sync), how the workload is doing (health), and the last sync operation (operationState) —
// plus conditions (errors that stop it from comparing or syncing). The order of the checks
// below is the order in which they explain what a person sees.
import type { ObservedPhase } from "../ports/engine.js";

/** The parts of `status.sync` that are read. */
export interface ArgoCdSyncStatus {
  /** `Synced`, `OutOfSync` or `Unknown`. */
  readonly status?: string;
  /** The git commit (or chart version) the last comparison was made against. */
  readonly revision?: string;
}

export interface ArgoCdHealthStatus {
  /** `Healthy`, `Progressing`, `Degraded`, `Suspended`, `Missing` or `Unknown`. */
  readonly status?: string;
  readonly message?: string;
}

export interface ArgoCdOperationState {
  /** `Running`, `Terminating`, `Failed`, `Error` or `Succeeded`. */
  readonly phase?: string;
  readonly message?: string;
  readonly retryCount?: number;
  readonly operation?: { readonly sync?: { readonly revision?: string } };
  readonly syncResult?: { readonly revision?: string };
}

export interface ArgoCdCondition {
  /** e.g. `ComparisonError`, `SyncError`, `InvalidSpecError`, `OrphanedResourceWarning`. */
  readonly type?: string;
  readonly message?: string;
}

/** One object an Application manages, as `status.resources` lists it. */
export interface ArgoCdResourceStatus {
  readonly group?: string;
  readonly version?: string;
  readonly kind?: string;
  readonly namespace?: string;
  readonly name?: string;
  /** Its sync status: `Synced`, `OutOfSync`. */
  readonly status?: string;
  readonly health?: ArgoCdHealthStatus;
}

export interface ArgoCdApplicationStatus {
  readonly sync?: ArgoCdSyncStatus;
  readonly health?: ArgoCdHealthStatus;
  readonly operationState?: ArgoCdOperationState;
  readonly conditions?: readonly ArgoCdCondition[];
  readonly resources?: readonly ArgoCdResourceStatus[];
  readonly summary?: { readonly externalURLs?: readonly string[]; readonly images?: readonly string[] };
}

export interface ArgoCdObservedState {
  readonly phase: ObservedPhase;
  /** Empty when running without anything to say (as other engines report it). */
  readonly reason: string;
}

/** Argo CD's messages can be pages long (a whole Helm error): the first line, bounded, is what a status shows. */
const MAX_MESSAGE = 300;

export function shortMessage(message: string | undefined): string {
  const firstLine = (message ?? "").trim().split("\n")[0]?.trim() ?? "";
  return firstLine.length > MAX_MESSAGE ? `${firstLine.slice(0, MAX_MESSAGE - 1)}…` : firstLine;
}

/** A commit as people see it (7 hex digits); a chart version or a branch as it is. */
export function shortRevision(revision: string | undefined): string {
  if (!revision) return "";
  return /^[0-9a-f]{40}$/.test(revision) ? revision.slice(0, 7) : revision;
}

const withMessage = (prefix: string, message: string | undefined, otherwise: string): string => {
  const text = shortMessage(message);
  return text ? `${prefix}: ${text}` : otherwise;
};

const revisionText = (revision: string | undefined): string => (revision ? `revision ${shortRevision(revision)}` : "the latest revision");

/**
 * The health message to show: the Application's own, else the first resource in the same
 * state that says why (Argo CD often leaves the Application's message empty and puts the
 * reason on the Deployment: "exceeded its progress deadline").
 */
function healthMessage(status: ArgoCdApplicationStatus, health: string): string | undefined {
  if (status.health?.message) return status.health.message;
  const resource = status.resources?.find((r) => r.health?.status === health && r.health.message);
  if (!resource?.health?.message) return undefined;
  return `${resource.kind ?? "resource"} ${resource.name ?? ""}: ${resource.health.message}`.replace(/ :/, ":");
}

/** What the health of objects Argo CD has applied says. */
function fromHealth(status: ArgoCdApplicationStatus): ArgoCdObservedState {
  const health = status.health?.status;
  switch (health) {
    case "Healthy":
      return { phase: "running", reason: "" };
    case "Progressing":
      return { phase: "starting", reason: withMessage("starting", healthMessage(status, health), "starting: Argo CD reports it as progressing") };
    case "Degraded":
      return { phase: "failed", reason: withMessage("Degraded", healthMessage(status, health), "Degraded (Argo CD gives no detail)") };
    case "Suspended":
      return { phase: "stopped", reason: withMessage("suspended", healthMessage(status, health), "suspended") };
    case "Missing":
      return { phase: "starting", reason: "Argo CD has not created its resources yet" };
    default:
      return { phase: "starting", reason: "Argo CD cannot tell its health yet" };
  }
}

const isError = (condition: ArgoCdCondition): boolean => (condition.type ?? "").endsWith("Error");

/**
 * A condition that keeps Argo CD from taking any new revision in hand (the Application is
 * refused, or git cannot be read or rendered): waiting for a sync would be waiting for nothing.
 */
export function argoCdBlockingCondition(status: ArgoCdApplicationStatus | undefined): ArgoCdCondition | undefined {
  const conditions = status?.conditions ?? [];
  return conditions.find((c) => c.type === "InvalidSpecError") ?? conditions.find((c) => c.type === "ComparisonError");
}

/**
 * The phase and reason of an Application. Sync before health: health describes what runs,
 * which is the previous revision while a sync is pending or failed. Warnings (orphaned or
 * shared resources) are an operator's business and do not show.
 */
export function observeArgoCdStatus(status: ArgoCdApplicationStatus | undefined): ArgoCdObservedState {
  if (!status) return { phase: "starting", reason: "Argo CD has not looked at it yet" };
  const conditions = status.conditions ?? [];
  const condition = (type: string) => conditions.find((c) => c.type === type);
  const sync = status.sync?.status;
  const synced = sync === "Synced";
  const syncRevision = status.sync?.revision;
  const operation = status.operationState;
  const operationRevision = operation?.operation?.sync?.revision ?? operation?.syncResult?.revision;
  // An operation about an older revision than the one compared says nothing about the current one.
  const operationIsCurrent = !operationRevision || !syncRevision || operationRevision === syncRevision;

  // The Application itself is refused (a destination or source its AppProject does not allow):
  // Argo CD will deploy nothing of it, whatever its health says.
  const invalid = condition("InvalidSpecError");
  if (invalid) return { phase: "failed", reason: withMessage("Argo CD refuses the Application", invalid.message, "Argo CD refuses the Application") };

  if (operation?.phase === "Running") {
    const retrying = (operation.retryCount ?? 0) > 0 && shortMessage(operation.message);
    return {
      phase: "starting",
      reason: retrying
        ? `Argo CD is retrying ${revisionText(operationRevision ?? syncRevision)} (attempt ${(operation.retryCount ?? 0) + 1}): ${shortMessage(operation.message)}`
        : `Argo CD is applying ${revisionText(operationRevision ?? syncRevision)}`,
    };
  }
  if (operation?.phase === "Terminating") {
    return { phase: "starting", reason: `Argo CD is cancelling the sync of ${revisionText(operationRevision ?? syncRevision)}` };
  }
  if ((operation?.phase === "Failed" || operation?.phase === "Error") && !synced && operationIsCurrent) {
    return { phase: "failed", reason: withMessage("sync failed", operation.message, "sync failed (Argo CD gives no detail)") };
  }
  // Set when an automated sync could not even start or gave up retrying.
  const syncError = condition("SyncError");
  if (syncError && !synced) return { phase: "failed", reason: withMessage("sync failed", syncError.message, "sync failed") };

  // Argo CD cannot render the manifests or reach the repository: what runs is still what ran.
  const comparison = condition("ComparisonError") ?? conditions.find(isError);
  if (comparison) {
    const message = shortMessage(comparison.message) || comparison.type || "unknown error";
    return status.health?.status === "Healthy"
      ? { phase: "running", reason: `running, but Argo CD cannot compare it with git: ${message}` }
      : { phase: "failed", reason: `Argo CD cannot read it from git: ${message}` };
  }

  if (sync === "OutOfSync") {
    // This revision was synced and the cluster still differs (something changed it, or a
    // field is defaulted): what runs is this revision, self-heal will correct the rest.
    const appliedAndDrifted = operation?.phase === "Succeeded" && operationRevision !== undefined && operationRevision === syncRevision;
    if (!appliedAndDrifted) return { phase: "starting", reason: `waiting for Argo CD to apply ${revisionText(syncRevision)}` };
    const state = fromHealth(status);
    return state.phase === "running" ? { phase: "running", reason: "running; Argo CD reports a difference with git and will correct it" } : state;
  }
  if (!synced) return { phase: "starting", reason: "Argo CD has not compared it with git yet" };
  return fromHealth(status);
}
