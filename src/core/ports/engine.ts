// An engine runs rendered manifests on one platform: podman on this machine, a cluster
// through Argo CD. Engines converge; they never decide what should run.
import type { CodeParams, EngineStep } from "../../contracts/codes.js";
import type { KubeObject } from "../render/kube.js";

export interface EngineAvailability {
  readonly available: boolean;
  /** e.g. "podman 4.3.1". */
  readonly version?: string;
  /** Why it is unavailable, and the one-line fix. */
  readonly reason?: string;
  readonly hint?: string;
}

/** One instance as rendered for this platform. */
export interface DesiredUnit {
  readonly project: string;
  readonly instance: string;
  /** Content hash of the rendered directory: equal hash, equal manifests. */
  readonly hash: string;
  readonly objects: readonly KubeObject[];
}

export type ObservedPhase = "starting" | "running" | "failed" | "stopped";

/** What the engine runs (or keeps, for stopped instances: their data) for one instance. */
export interface ObservedUnit {
  readonly project: string;
  readonly instance: string;
  /** Hash of the manifests the running workload came from; null when only data remains. */
  readonly hash: string | null;
  readonly phase: ObservedPhase;
  readonly reason: string;
  readonly endpoint: string | null;
}

export interface ApplyOptions {
  /** Values of the generated secrets the manifests refer to, by secret name then key. */
  readonly secrets: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Progress: the step (an event's kind) and its values, and the same for a person ("pulling image …"). */
  readonly progress: (message: string, step: EngineStep, params?: CodeParams) => void;
  readonly signal?: AbortSignal;
  /**
   * What the caller last observed of this unit (null: nothing of it runs). An engine may use
   * it to skip a lookup, and must still cope when it turns out to be stale.
   */
  readonly observed?: ObservedUnit | null;
}

export interface LogOptions {
  readonly follow: boolean;
  readonly tail: number;
  readonly signal?: AbortSignal;
}

export interface Engine {
  /**
   * True for engines that deploy whatever the rendering says, stopped instances included
   * (Argo CD from git): the reconciler then applies a stop rather than calling `stop`.
   */
  readonly declarative?: boolean;
  availability(): Promise<EngineAvailability>;
  /** Everything Plateau runs or keeps on this engine. */
  observe(): Promise<ObservedUnit[]>;
  /** Makes the unit run as rendered, then waits until it serves (or fails with a reason). */
  apply(unit: DesiredUnit, options: ApplyOptions): Promise<ObservedUnit>;
  /** Stops the unit's workload; its data is kept. */
  stop(project: string, instance: string): Promise<void>;
  /** Removes the unit's workload and its data. */
  remove(project: string, instance: string): Promise<void>;
  logs(project: string, instance: string, options: LogOptions): AsyncIterable<string>;
}
