// The status timeline of an instance: committed → placed → starting → running (stopping →
// stopped for a stopped one), or the step that failed and why. Derived from what the API says
// (the instance, what its platform reports, its events, its newest commit), without the DOM.
import type { HistoryEntry, Instance, InstanceEvent, ObservedStatus } from "../../../contracts/api.js";

export type StepKey = "committed" | "placed" | "starting" | "running" | "stopping" | "stopped";
export type StepState = "done" | "current" | "failed" | "todo";

export interface TimelineStep {
  readonly key: StepKey;
  readonly state: StepState;
  /** When the step was reached (ISO 8601), when something says so. */
  readonly at: string | null;
  /** The platform for "placed"; the platform's reason for a current or failed step; else null. */
  readonly detail: string | null;
}

export interface TimelineInput {
  /**
   * The instance, with when its platform last reported (`updatedAt`, that report's time): the
   * answer that moves its phase dates it too, so that the timeline never waits for another read.
   */
  readonly instance: Pick<Instance, "state" | "phase" | "reason" | "platform" | "createdAt"> & { readonly updatedAt?: string | null };
  /** What the platform reports (null before it reports anything: the API answers 404); the instance's `updatedAt` stands for it when absent. */
  readonly status?: ObservedStatus | null;
  /** Oldest first, as the API lists them. */
  readonly events?: readonly InstanceEvent[];
  /** The newest commit of its history: the change its platform is carrying out now. */
  readonly latestChange?: Pick<HistoryEntry, "at" | "action"> | null;
}

// The kinds of the reconciler's events (src/contracts/codes.ts) that mark when a step was reached.
type Kind = InstanceEvent["kind"];
const APPLYING: readonly Kind[] = ["applying"];
const RUNNING: readonly Kind[] = ["running"];
const STOPPED: readonly Kind[] = ["stopped"];
// The platform reports a failure, or applying, stopping or removing failed.
const FAILED: readonly Kind[] = ["failed", "action-failed"];

const time = (iso: string): number => {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? -Infinity : ms;
};

/** Commits that change only when an instance stops by itself, not what runs: no step of the timeline. */
const INTENT_ONLY = new Set(["renew"]);

/** The change its platform is carrying out: the newest commit of its history (newest first) that changed what runs. */
export function changeUnderWay<T extends Pick<HistoryEntry, "action">>(history: readonly T[]): T | null {
  return history.find((entry) => !INTENT_ONLY.has(entry.action)) ?? null;
}

/** The steps, in order. Exactly one of them is current or failed, unless all are done. */
export function timelineSteps(input: TimelineInput): TimelineStep[] {
  const { instance } = input;
  const change = input.latestChange ?? null;
  // Events of earlier launches, stops and starts do not describe the change under way.
  const since = time(change?.at ?? instance.createdAt);
  const events = (input.events ?? []).filter((event) => time(event.at) >= since);
  const lastAt = (kinds: readonly Kind[]): string | null => events.findLast((event) => kinds.includes(event.kind))?.at ?? null;
  // A report of another platform is about the instance before a move.
  const status = input.status && input.status.platform === instance.platform ? input.status : null;
  const reportedAt = status?.updatedAt ?? instance.updatedAt ?? null;

  const steps: TimelineStep[] = [
    { key: "committed", state: "done", at: change?.at ?? instance.createdAt, detail: null },
    { key: "placed", state: "done", at: change?.action === "move" ? change.at : instance.createdAt, detail: instance.platform },
  ];
  const { phase, reason } = instance;

  if (instance.state === "running") {
    const startedAt = lastAt(APPLYING);
    const runningAt = lastAt(RUNNING);
    if (phase === "running") {
      steps.push({ key: "starting", state: "done", at: startedAt, detail: null });
      steps.push({ key: "running", state: "done", at: runningAt ?? reportedAt, detail: null });
    } else if (phase === "failed") {
      const failedAt = lastAt(FAILED) ?? reportedAt;
      // It ran, then stopped working (a crash): the failure is the running step's.
      const ranFirst = runningAt !== null && failedAt !== null && time(failedAt) >= time(runningAt);
      if (ranFirst) {
        steps.push({ key: "starting", state: "done", at: startedAt, detail: null });
        steps.push({ key: "running", state: "failed", at: failedAt, detail: reason });
      } else {
        steps.push({ key: "starting", state: "failed", at: failedAt, detail: reason });
        steps.push({ key: "running", state: "todo", at: null, detail: null });
      }
    } else {
      // Pending (the platform has not taken it up yet), starting, or a stop still finishing.
      steps.push({ key: "starting", state: "current", at: phase === "starting" ? (startedAt ?? reportedAt) : null, detail: reason });
      steps.push({ key: "running", state: "todo", at: null, detail: null });
    }
    return steps;
  }

  if (phase === "stopped") {
    steps.push({ key: "stopping", state: "done", at: null, detail: null });
    steps.push({ key: "stopped", state: "done", at: lastAt(STOPPED) ?? reportedAt, detail: null });
  } else if (phase === "failed") {
    steps.push({ key: "stopping", state: "failed", at: lastAt(FAILED) ?? reportedAt, detail: reason });
    steps.push({ key: "stopped", state: "todo", at: null, detail: null });
  } else {
    steps.push({ key: "stopping", state: "current", at: phase === "stopping" ? reportedAt : null, detail: reason });
    steps.push({ key: "stopped", state: "todo", at: null, detail: null });
  }
  return steps;
}

/** The step a screen reader announces as the current one: the last one reached. */
export function currentStep(steps: readonly TimelineStep[]): number {
  return steps.findLastIndex((step) => step.state !== "todo");
}

/** Phases whose report the reconciler follows with an event (pending and stopping have none). */
const ANNOUNCED: ReadonlySet<Instance["phase"]> = new Set(["starting", "running", "stopped", "failed"]);

/**
 * Whether the events read are behind the instance's phase. The reconciler writes what the
 * platform reports, then the event that says so (core/reconcile/reconciler.ts): a page that
 * read both in between holds the new phase and the events before it — until the next change,
 * when nothing would read them again. Behind: the phase is one an event follows, and no event
 * is as recent as the report (both times are the server's).
 */
export function eventsBehind(
  instance: Pick<Instance, "phase"> & { readonly updatedAt?: string | null },
  events: readonly InstanceEvent[] | undefined,
): boolean {
  if (events === undefined || !instance.updatedAt || !ANNOUNCED.has(instance.phase)) return false;
  const reported = time(instance.updatedAt);
  return !events.some((event) => time(event.at) >= reported);
}

/** Reading events again while they are behind: soon, and a few times per report (an event may never come: a platform's repeated report has none). */
export const EVENT_CATCH_UP = { delayMs: 1000, tries: 5 } as const;

/** When to read the events again (ms), or null: not before the instance changes. `tries`: re-reads already made for this report. */
export function eventsCatchUpDelay(
  instance: Pick<Instance, "phase"> & { readonly updatedAt?: string | null },
  events: readonly InstanceEvent[] | undefined,
  tries: number,
): number | null {
  return tries < EVENT_CATCH_UP.tries && eventsBehind(instance, events) ? EVENT_CATCH_UP.delayMs : null;
}
