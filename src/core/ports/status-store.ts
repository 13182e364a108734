// What engines observed: not desired state, so it lives in the database only.
import type { CodeParams, EventKind, StatusReason } from "../../contracts/codes.js";

export type { EventKind, StatusReason } from "../../contracts/codes.js";

export type Phase = "pending" | "starting" | "running" | "stopping" | "stopped" | "failed";

export interface ObservedStatus {
  readonly project: string;
  readonly instance: string;
  readonly platform: string;
  readonly phase: Phase;
  /** Why the instance is in this phase, in English for logs and the CLI ("pulling image …", "exit code 1 …"). */
  readonly reason: string;
  /** The same as a code, for clients to translate (src/contracts/codes.ts STATUS_REASONS). */
  readonly reasonCode: StatusReason;
  /** The values the code's sentence names (`{ image }` for `pulling`). */
  readonly reasonParams: CodeParams;
  /** The content hash of the rendered manifests that run, when something runs. */
  readonly appliedHash: string | null;
  /** Where the local proxy reaches the instance (`127.0.0.1:41234`), when it serves HTTP. */
  readonly endpoint: string | null;
  readonly updatedAt: string;
}

export interface InstanceEvent {
  readonly project: string;
  readonly instance: string;
  readonly at: string;
  /** What happened, for clients to act on and translate (src/contracts/codes.ts). */
  readonly kind: EventKind;
  /** The values the kind's sentence names (`{ image }` for "pulling"). */
  readonly params: CodeParams;
  /** The same in English, for logs and the CLI. */
  readonly message: string;
}

export interface StatusFilter {
  readonly project?: string;
  readonly projects?: readonly string[];
  readonly platform?: string;
}

export interface StatusStore {
  setStatus(status: ObservedStatus): Promise<void>;
  getStatus(project: string, instance: string): Promise<ObservedStatus | undefined>;
  /** Statuses of a project, of some projects (a person's: a list of their instances reads only theirs), or of a platform; all without a filter. */
  listStatuses(filter: StatusFilter): Promise<ObservedStatus[]>;
  deleteStatus(project: string, instance: string): Promise<void>;
  addEvent(event: InstanceEvent): Promise<void>;
  /** The latest events of an instance, oldest first. */
  listEvents(project: string, instance: string, limit: number): Promise<InstanceEvent[]>;
}
