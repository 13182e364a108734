// What a reconciler does next, decided by a pure function: compare what the repository says
// (by content hash) with what the engine runs, and list the actions that converge them.
import { isDrillProject } from "../recovery/drill-plan.js";
import type { ObservedPhase, ObservedUnit } from "../ports/engine.js";
import { reported, retryScheduled, STOPPED, type StatusReasonOf } from "../status/reasons.js";

export interface DesiredUnitSummary {
  readonly project: string;
  readonly instance: string;
  readonly hash: string;
  /** False when the instance is stopped: its workload goes, its data stays. */
  readonly running: boolean;
}

export type Action =
  | { readonly kind: "apply"; readonly project: string; readonly instance: string; readonly hash: string }
  | { readonly kind: "stop"; readonly project: string; readonly instance: string }
  | { readonly kind: "remove"; readonly project: string; readonly instance: string };

export interface UnitStatus extends StatusReasonOf {
  readonly project: string;
  readonly instance: string;
  readonly phase: ObservedPhase;
  readonly endpoint: string | null;
  readonly appliedHash: string | null;
}

export interface Backoff {
  /** The hash whose application failed. */
  readonly hash: string;
  /** Not before this time (ms since epoch). */
  readonly retryAt: number;
  readonly reason: string;
}

export interface PlanInput {
  readonly desired: readonly DesiredUnitSummary[];
  readonly observed: readonly ObservedUnit[];
  /** Units with an action in progress: left alone. */
  readonly busy: ReadonlySet<string>;
  readonly backoff: ReadonlyMap<string, Backoff>;
  readonly now: number;
  /** Units this platform has a status for (what users were told). */
  readonly known?: readonly { readonly project: string; readonly instance: string }[];
  /**
   * The engine deploys whatever the rendering says, a stopped instance's included (Argo CD
   * scales it to zero from git): stopping is applying, and a stopped unit is up to date when
   * the engine reports its hash.
   */
  readonly declarative?: boolean;
}

export interface Plan {
  readonly actions: readonly Action[];
  /** Statuses of units that need no action now (what the engine observes). */
  readonly statuses: readonly UnitStatus[];
  /** Units that differ from the repository (actions, including those waiting for a retry). */
  readonly pending: number;
  /** Units with a status but nothing desired nor running (removed before they ever ran): their status goes. */
  readonly forgotten: readonly { readonly project: string; readonly instance: string }[];
}

export const unitKey = (project: string, instance: string): string => `${project}/${instance}`;

export function planReconcile(input: PlanInput): Plan {
  const observedByKey = new Map(input.observed.map((unit) => [unitKey(unit.project, unit.instance), unit]));
  const actions: Action[] = [];
  const statuses: UnitStatus[] = [];
  let pending = 0;

  for (const unit of input.desired) {
    const key = unitKey(unit.project, unit.instance);
    const observed = observedByKey.get(key);
    observedByKey.delete(key);
    if (input.busy.has(key)) {
      pending++;
      continue;
    }
    const workload = observed && observed.hash !== null;
    if (unit.running || input.declarative) {
      const upToDate = workload && observed.hash === unit.hash && observed.phase !== "failed";
      if (upToDate) {
        const stopped = !unit.running;
        statuses.push({
          project: unit.project,
          instance: unit.instance,
          phase: stopped ? "stopped" : observed.phase,
          ...(stopped ? STOPPED : reported(observed.reason)),
          endpoint: observed.endpoint,
          appliedHash: observed.hash,
        });
        continue;
      }
      pending++;
      const backoff = input.backoff.get(key);
      if (backoff && backoff.hash === unit.hash && backoff.retryAt > input.now) {
        const seconds = Math.ceil((backoff.retryAt - input.now) / 1000);
        statuses.push({
          project: unit.project,
          instance: unit.instance,
          phase: "failed",
          ...retryScheduled(backoff.reason, seconds),
          endpoint: null,
          appliedHash: observed?.hash ?? null,
        });
        continue;
      }
      actions.push({ kind: "apply", project: unit.project, instance: unit.instance, hash: unit.hash });
    } else if (workload) {
      pending++;
      actions.push({ kind: "stop", project: unit.project, instance: unit.instance });
    } else {
      statuses.push({
        project: unit.project,
        instance: unit.instance,
        phase: "stopped",
        ...STOPPED,
        endpoint: null,
        appliedHash: null,
      });
    }
  }

  // What runs but is no longer in the repository goes, with its data.
  for (const [key, unit] of observedByKey) {
    if (input.busy.has(key)) continue;
    // A drill's copies are the drill's own (ADR 0034): it removes them, and the leftovers of one killed, at its next start.
    if (isDrillProject(unit.project)) continue;
    pending++;
    actions.push({ kind: "remove", project: unit.project, instance: unit.instance });
  }
  const desiredKeys = new Set(input.desired.map((unit) => unitKey(unit.project, unit.instance)));
  const observedKeys = new Set(input.observed.map((unit) => unitKey(unit.project, unit.instance)));
  const forgotten = (input.known ?? []).filter((unit) => {
    const key = unitKey(unit.project, unit.instance);
    return !desiredKeys.has(key) && !observedKeys.has(key) && !input.busy.has(key);
  });
  return { actions, statuses, pending, forgotten };
}

/** Exponential backoff after a failure: 2 s, 4 s, 8 s… up to 5 minutes. */
export const backoffDelayMs = (failures: number): number => Math.min(2 ** Math.max(failures, 1) * 1000, 300_000);
