// Why an instance is in its observed phase, as a code with its values (for clients to
// translate, ADR 18) and the English sentence beside it (logs, the CLI). The reconciler, its
// plan and the instance views say it through these, so a code and its sentence never part. Pure.
import type { CodeParams } from "../../contracts/codes.js";
import type { ObservedStatus } from "../ports/status-store.js";

/** A status's reason: the code, its values, and the English sentence. */
export type StatusReasonOf = Pick<ObservedStatus, "reason" | "reasonCode" | "reasonParams">;

const fixed = (reasonCode: StatusReasonOf["reasonCode"], reason: string): StatusReasonOf => ({ reason, reasonCode, reasonParams: {} });

export const COMMITTED = fixed("committed", "committed; waiting for the platform to apply it");
export const STOP_REQUESTED = fixed("stop-requested", "stop requested");
export const START_REQUESTED = fixed("start-requested", "start requested");
export const STOPPING = fixed("stopping", "stopping; its data is kept");
export const STOPPED = fixed("stopped", "stopped; its data is kept");
export const REMOVING = fixed("removing", "removing its workload and its data");

/** What the platform reports in its own words (engines do not give codes yet). */
export const reported = (reason: string): StatusReasonOf => ({ reason, reasonCode: "reported", reasonParams: { reason } });

export const applying = (revision: string): StatusReasonOf => ({ reason: `applying revision ${revision}`, reasonCode: "applying", reasonParams: { revision } });

/** An action that failed: its error's message is the sentence. */
export const actionFailed = (action: string, reason: string): StatusReasonOf => ({ reason, reasonCode: "action-failed", reasonParams: { action, reason } });

export const retryScheduled = (reason: string, seconds: number): StatusReasonOf => ({
  reason: `${reason} (next attempt in ${seconds}s)`,
  reasonCode: "retry-scheduled",
  reasonParams: { reason, seconds },
});

/** `detail`: the engine's reason and hint, in its words. */
export const platformUnavailable = (platform: string, detail: string): StatusReasonOf => ({
  reason: `platform ${platform} is unavailable: ${detail}`,
  reasonCode: "platform-unavailable",
  reasonParams: { platform, detail },
});

/** A step the engine reports while it applies, in its words and as its event's kind and values. */
export const step = (reason: string, kind: "pulling" | "starting" | "replacing" | "waiting" | "restoring", params: CodeParams): StatusReasonOf => ({
  reason,
  reasonCode: kind,
  reasonParams: params,
});
