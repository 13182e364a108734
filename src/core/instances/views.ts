// What users see of an instance: its intent (from the index) and what the engine observed.
import type { InstanceState } from "../model.js";
import type { IndexedInstance } from "../ports/state-index.js";
import type { ObservedStatus, Phase } from "../ports/status-store.js";

export interface InstanceView {
  readonly project: string;
  readonly name: string;
  readonly template: string;
  readonly templateVersion: string;
  readonly platform: string;
  /** What was asked: running or stopped. */
  readonly state: InstanceState;
  /** What the platform reports. */
  readonly phase: Phase;
  readonly reason: string;
  readonly url: string | null;
  readonly values: Readonly<Record<string, unknown>>;
  readonly placementReason: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly updatedAt: string | null;
}

export function toView(instance: IndexedInstance, status: ObservedStatus | undefined, url: string | null): InstanceView {
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
    project: instance.project,
    name: instance.name,
    template: instance.template,
    templateVersion: instance.templateVersion,
    platform: instance.platform,
    state: instance.state,
    phase,
    reason,
    url: instance.state === "running" ? url : null,
    values: instance.values,
    placementReason: instance.placementReason,
    createdAt: instance.createdAt,
    createdBy: instance.createdBy,
    updatedAt: current?.updatedAt ?? null,
  };
}
