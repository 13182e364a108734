// What users see of an instance: its intent (from the index) and what the engine observed.
import { deepEqual } from "../../contracts/json.js";
import type { IndexedInstance } from "../ports/state-index.js";
import { announcedExpiry } from "./expiry.js";
import type { ObservedStatus, Phase } from "../ports/status-store.js";
import { forMembers, paramsForMembers } from "../status/messages.js";
import { COMMITTED, START_REQUESTED, STOP_REQUESTED, type StatusReasonOf } from "../status/reasons.js";

/** An instance as indexed (what was asked, with `state` running or stopped) and as observed. */
export interface InstanceView extends Omit<IndexedInstance, "rendered" | "stopBy">, StatusReasonOf {
  /** What the platform reports (and why: `reason`, `reasonCode`, `reasonParams`). */
  readonly phase: Phase;
  readonly url: string | null;
  readonly updatedAt: string | null;
  /** What its expiry does, when it has one (`expiresAt`): stops it (data kept) or removes it, its data with it (ADR 24). */
  readonly expiry?: "stop" | "remove";
}

/** `expiring`: whether this Plateau stops instances when they expire (when it does not, no expiry is shown). */
export function toView(instance: IndexedInstance, status: ObservedStatus | undefined, url: string | null, expiring = true): InstanceView {
  // A status of another platform (before a move) or of an older state does not describe this intent.
  const current = status && status.platform === instance.platform ? status : undefined;
  let phase: Phase = current?.phase ?? "pending";
  let said: StatusReasonOf = current ? { reason: current.reason, reasonCode: current.reasonCode, reasonParams: current.reasonParams } : COMMITTED;
  if (instance.state === "stopped" && (phase === "running" || phase === "starting")) {
    phase = "stopping";
    said = STOP_REQUESTED;
  }
  if (instance.state === "running" && phase === "stopped") {
    phase = "pending";
    said = START_REQUESTED;
  }
  // What its rendering recorded is for quotas and the address (`url`), how it stops for what its
  // expiry does (`expiry`); the API's Instance carries neither as such.
  const { rendered: _rendered, stopBy, ...indexed } = instance;
  const expiresAt = expiring ? instance.expiresAt : null;
  return {
    ...indexed,
    phase,
    ...said,
    url: instance.state === "running" ? url : null,
    updatedAt: current?.updatedAt ?? null,
    expiresAt,
    ...(expiresAt !== null ? { expiry: announcedExpiry(stopBy) } : {}),
  };
}

/** An instance as members (not operators) see it: a failed pull without its network detail. The same view when nothing is hidden. */
export function memberView(view: InstanceView): InstanceView {
  const reason = forMembers(view.reason);
  const reasonParams = paramsForMembers(view.reasonParams);
  return reason === view.reason && deepEqual(reasonParams, view.reasonParams) ? view : { ...view, reason, reasonParams };
}
