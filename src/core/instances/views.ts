// What users see of an instance: its intent (from the index) and what the engine observed.
import type { IndexedInstance } from "../ports/state-index.js";
import type { ObservedStatus, Phase } from "../ports/status-store.js";
import { forMembers } from "../status/messages.js";

/** An instance as indexed (what was asked, with `state` running or stopped) and as observed. */
export interface InstanceView extends IndexedInstance {
  /** What the platform reports. */
  readonly phase: Phase;
  readonly reason: string;
  readonly url: string | null;
  readonly updatedAt: string | null;
}

/** `expiring`: whether this Plateau stops instances when they expire (when it does not, no expiry is shown). */
export function toView(instance: IndexedInstance, status: ObservedStatus | undefined, url: string | null, expiring = true): InstanceView {
  // A status of another platform (before a move) or of an older state does not describe this intent.
  const current = status && status.platform === instance.platform ? status : undefined;
  let phase: Phase = current?.phase ?? "pending";
  let reason = current?.reason ?? "committed; waiting for the platform to apply it";
  if (instance.state === "stopped" && (phase === "running" || phase === "starting")) {
    phase = "stopping";
    reason = "stop requested";
  }
  if (instance.state === "running" && phase === "stopped") {
    phase = "pending";
    reason = "start requested";
  }
  return {
    ...instance,
    phase,
    reason,
    url: instance.state === "running" ? url : null,
    updatedAt: current?.updatedAt ?? null,
    expiresAt: expiring ? instance.expiresAt : null,
  };
}

/** An instance as members (not operators) see it: a failed pull without its network detail. The same view when nothing is hidden. */
export function memberView(view: InstanceView): InstanceView {
  const reason = forMembers(view.reason);
  return reason === view.reason ? view : { ...view, reason };
}
