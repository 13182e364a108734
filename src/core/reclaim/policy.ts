// Idle reclaim, pure (ADR 28): which policy holds for an instance, and what the policy does to
// it now — announce a step, take it, cancel it, or nothing. The time and what the metrics say
// are given; the sweep (./service.ts) commits what this decides, one commit per step.
import type { InstanceDocument, ProjectTier, ReclaimPolicyDocument } from "../model.js";

export const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The policy that holds for one instance, every field decided. */
export interface ReclaimPolicy {
  readonly idleHours: number;
  readonly notifyHoursBefore: number;
  readonly stop: boolean;
  readonly deleteAfterDaysStopped: number | null;
  readonly exempt: boolean;
}

/** The configuration's part: defaults, per-template overrides, and the project tiers exempt by default. */
export interface ReclaimDefaults extends ReclaimPolicy {
  /** By template id (`jupyter`) or chart (`<catalog>/<chart>`). */
  readonly templates: Readonly<Record<string, ReclaimPolicyDocument>>;
  /** Projects of these tiers are exempt unless their own file says otherwise (`exempt: false`). */
  readonly exemptProjectTiers: readonly ProjectTier[];
}

export interface PolicyScope {
  readonly template: string;
  /** The template's own defaults (a built-in template's `reclaim:` in its catalog metadata). */
  readonly templateMetadata?: ReclaimPolicyDocument | undefined;
  readonly lab?: ReclaimPolicyDocument | undefined;
  readonly project?: ReclaimPolicyDocument | undefined;
  readonly projectTiers: readonly ProjectTier[];
}

const defined = (policy: ReclaimPolicyDocument | undefined): Partial<ReclaimPolicy> =>
  Object.fromEntries(Object.entries(policy ?? {}).filter(([, value]) => value !== undefined)) as Partial<ReclaimPolicy>;

/**
 * The configuration's defaults, then the template's (its catalog metadata, then the
 * configuration's per-template overrides), the lab's, the project's: the most
 * specific field wins. An exemption holds once any level declares it, except that a project's
 * own `exempt: false` lifts the exemption of its tier (an institutional project that wants reclaim).
 */
export function policyFor(defaults: ReclaimDefaults, scope: PolicyScope): ReclaimPolicy {
  const template = { ...defined(scope.templateMetadata), ...defined(defaults.templates[scope.template]) };
  const lab = defined(scope.lab);
  const project = defined(scope.project);
  const merged: ReclaimPolicy = {
    idleHours: defaults.idleHours,
    notifyHoursBefore: defaults.notifyHoursBefore,
    stop: defaults.stop,
    deleteAfterDaysStopped: defaults.deleteAfterDaysStopped,
    exempt: defaults.exempt,
    ...template,
    ...lab,
    ...project,
  };
  const tierExempt = scope.projectTiers.some((tier) => defaults.exemptProjectTiers.includes(tier)) && project.exempt !== false;
  const exempt = defaults.exempt || template.exempt === true || lab.exempt === true || project.exempt === true || tierExempt;
  return { ...merged, exempt };
}

/** What the metrics say of a running instance: when it was last active, as far back as they were asked. */
export interface Activity {
  /** The last time CPU or a proxied request was seen (ms); undefined: none in the window looked at. */
  readonly lastActiveAt?: number | undefined;
  /** The first time the instance was seen in that window (ms): it cannot have been idle before. */
  readonly firstSeenAt: number;
}

export type ReclaimStep =
  | { readonly kind: "notify"; readonly step: "stop" | "remove"; readonly due: string; readonly why: string }
  | { readonly kind: "stop"; readonly why: string }
  | { readonly kind: "remove"; readonly why: string }
  | { readonly kind: "cancel"; readonly why: string };

type Idle = NonNullable<InstanceDocument["spec"]["idle"]>;
const time = (iso: string | undefined): number | undefined => {
  const value = iso === undefined ? Number.NaN : Date.parse(iso);
  return Number.isFinite(value) ? value : undefined;
};
const iso = (ms: number) => new Date(ms).toISOString();
const hours = (ms: number) => Math.floor(ms / HOUR_MS);

/** Since when a running instance has been idle (ms): the latest of its last activity, its first sighting and `idle.since` (a start, a keep). */
export function idleSince(activity: Activity, idle: Idle | undefined): number {
  return Math.max(activity.lastActiveAt ?? Number.NEGATIVE_INFINITY, activity.firstSeenAt, time(idle?.since) ?? Number.NEGATIVE_INFINITY);
}

/**
 * The one step the policy takes now for an instance, or null. `activity` is undefined when the
 * metrics say nothing of it (a platform without metrics, an instance they do not see): then a
 * running instance is never stopped. A stopped instance's removal counts from `idle.stoppedAt`
 * (every stop records it); one stopped before that record existed is never removed.
 *
 * Running: idle for idleHours − notifyHoursBefore → announce the stop (due notifyHoursBefore
 * later, at least when idleHours is reached); the notice due and no activity since it → stop.
 * Stopped: stopped for deleteAfterDaysStopped days less the notice → announce the removal; due → remove.
 * A notice that no longer holds (activity, started, exempt now, policy changed) → cancel it.
 */
export function reclaimStep(
  instance: { readonly state: "running" | "stopped"; readonly idle?: Idle | undefined; readonly stoppable: boolean },
  policy: ReclaimPolicy,
  activity: Activity | undefined,
  now: number,
): ReclaimStep | null {
  const notice = instance.idle?.notice;
  const notifyMs = policy.notifyHoursBefore * HOUR_MS;
  if (instance.state === "running") {
    const idleFrom = activity && idleSince(activity, instance.idle);
    const applies = !policy.exempt && policy.stop && activity !== undefined;
    if (notice) {
      if (!applies || notice.step !== "stop") return { kind: "cancel", why: policy.exempt ? "exempt" : !policy.stop ? "policy" : "no-metrics" };
      // Any activity after the notice (or a keep, which moves `since`) cancels it.
      if ((idleFrom as number) > (time(notice.at) ?? now)) return { kind: "cancel", why: "activity" };
      if ((time(notice.due) ?? now) <= now) return instance.stoppable ? { kind: "stop", why: `idle ${hours(now - (idleFrom as number))} h` } : null;
      return null;
    }
    if (!applies || !instance.stoppable) return null;
    const idleMs = now - (idleFrom as number);
    if (idleMs < policy.idleHours * HOUR_MS - notifyMs) return null;
    const due = Math.max(now + notifyMs, (idleFrom as number) + policy.idleHours * HOUR_MS);
    return { kind: "notify", step: "stop", due: iso(due), why: `idle ${hours(idleMs)} h` };
  }
  const stoppedAt = time(instance.idle?.stoppedAt);
  const removes = !policy.exempt && policy.deleteAfterDaysStopped !== null && stoppedAt !== undefined;
  if (notice) {
    if (!removes || notice.step !== "remove") return { kind: "cancel", why: policy.exempt ? "exempt" : "policy" };
    if ((time(notice.at) ?? now) < (stoppedAt as number)) return { kind: "cancel", why: "activity" };
    return (time(notice.due) ?? now) <= now ? { kind: "remove", why: `stopped ${Math.floor((now - (stoppedAt as number)) / DAY_MS)} d` } : null;
  }
  if (!removes) return null;
  const removeAt = (stoppedAt as number) + (policy.deleteAfterDaysStopped as number) * DAY_MS;
  if (now < removeAt - notifyMs) return null;
  return {
    kind: "notify",
    step: "remove",
    due: iso(Math.max(now + notifyMs, removeAt)),
    why: `stopped ${Math.floor((now - (stoppedAt as number)) / DAY_MS)} d`,
  };
}
