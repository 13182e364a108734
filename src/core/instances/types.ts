// What the instance service takes and answers: the types its callers (API, CLI, tests) and its
// modules share. The service itself is declared in service.ts.
import type { CommitId } from "../ports/desired-state-repository.js";
import type { Placement } from "../placement/place.js";
import type { CatalogViewer } from "../helm/service.js";
import type { InstanceView } from "./views.js";

export interface LaunchRequest {
  /** A built-in template id, or `<catalog>/<chart>` for a chart of a Helm catalog. */
  readonly template: string;
  /** A chart's version (default: the newest offered); built-in templates have one version. */
  readonly version?: string;
  /** Who launches, for a Helm catalog's restrictions (default: the requester, in no group). */
  readonly viewer?: CatalogViewer;
  /** The language of texts a chart computes (default en). */
  readonly lang?: string;
  readonly project: string;
  readonly name?: string;
  readonly values?: unknown;
  /** Pin the instance to this platform. */
  readonly platform?: string;
  /** A bucket of the same project to attach (ADR 0031): its credentials and address are given to the instance. */
  readonly bucket?: string;
  /**
   * The client's idempotency key: a retry by the same person, of a launch in the same project,
   * with the same key returns the first result. Never published: commits carry a digest.
   */
  readonly requestId?: string;
}

export interface LaunchResult {
  readonly instance: InstanceView;
  readonly commit: CommitId | null;
  readonly placement: Placement;
  /** True when this answers a retry of a request already committed. */
  readonly replayed: boolean;
}

export interface ChangeResult {
  readonly instance: InstanceView | null;
  /** Null when the repository already said so: nothing was committed. */
  readonly commit: CommitId | null;
}

export interface RenewRequest {
  /** Days to add (default: the configuration's renewDays); the expiry may not go beyond maxDays from now. */
  readonly days?: number;
}

/** What one pass of the expiry sweep did. */
export interface ExpiryReport {
  /** The instances stopped because they expired (removed, those that cannot be stopped: ADR 24), with their commit. */
  readonly expired: readonly { readonly instance: string; readonly commit: CommitId }[];
  /** Those that could not be stopped (a Helm chart without global.suspend…), and why: tried again next pass. */
  readonly failed: readonly { readonly instance: string; readonly reason: string }[];
}

export interface HistoryEntry {
  readonly commit: CommitId;
  readonly at: string;
  readonly author: string;
  readonly action: string;
  readonly subject: string;
}

/** One commit's change to an instance: its intent file and rendered manifests, as a unified diff. */
export interface InstanceDiff extends HistoryEntry {
  readonly patch: string;
  /** True when the patch was cut at MAX_PATCH_BYTES (at a line's end). */
  readonly truncated: boolean;
}

export interface InstanceAddress {
  readonly platform: string;
  readonly domain: string;
  readonly project: string;
  readonly instance: string;
}
