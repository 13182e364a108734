// The index of desired state in the database: a projection of the repository that can
// always be rebuilt from git. It answers queries (lists, filters) that git answers slowly.
import type { InstanceState, Member, ProjectTier, Quota, RenderedInstance } from "../model.js";
import type { StopBy } from "../instances/expiry.js";
import type { CommitId } from "./desired-state-repository.js";

export interface IndexedPlatform {
  readonly name: string;
  readonly title: string;
  readonly engine: "podman" | "argocd";
  readonly tier: string;
  readonly site: string;
  readonly infrastructure: string;
  readonly domain: string;
  readonly flavour: string;
}

export interface IndexedProject {
  readonly name: string;
  readonly title: string;
  readonly createdAt: string;
  readonly createdBy: string;
  /** The lab it belongs to; null for a personal project. */
  readonly lab: string | null;
  /** The owner's login, for a personal project. */
  readonly personal: string | null;
  readonly members: Member[];
  readonly quota: Quota;
  /** The platform tiers its instances may run on (the default when its file names none). */
  readonly tiers: ProjectTier[];
}

export interface IndexedInstance {
  readonly project: string;
  readonly name: string;
  readonly template: string;
  readonly templateVersion: string;
  readonly platform: string;
  readonly state: InstanceState;
  readonly values: Readonly<Record<string, unknown>>;
  readonly placementReason: string;
  readonly createdAt: string;
  readonly createdBy: string;
  /** When Plateau stops it unless it is renewed (ISO 8601); null: it never expires. */
  readonly expiresAt: string | null;
  /** What its rendered objects ask and its address (`spec.rendered`); absent when its intent has no such record. */
  readonly rendered?: RenderedInstance;
  /** How its intent says it stops (`spec.stop.by`, ADR 24): with `remove-on-expiry`, its expiry removes it; absent when its intent says nothing. */
  readonly stopBy?: StopBy;
}

export interface IndexDelta {
  /** The commit the index will reflect once the delta is applied. */
  readonly commit: CommitId;
  /** Drop everything first (a full rebuild). */
  readonly reset: boolean;
  readonly platforms: { readonly upsert: readonly IndexedPlatform[]; readonly remove: readonly string[] };
  readonly projects: { readonly upsert: readonly IndexedProject[]; readonly remove: readonly string[] };
  readonly instances: {
    readonly upsert: readonly IndexedInstance[];
    readonly remove: readonly { readonly project: string; readonly name: string }[];
  };
  /** Request ids found in the commits' trailers, for idempotent retries. */
  readonly requests: readonly IndexedRequest[];
}

export interface IndexedRequest {
  readonly id: string;
  readonly commit: CommitId;
  /** What the request was about (`demo/hello`). */
  readonly target: string;
}

export interface InstanceFilter {
  readonly project?: string;
  /** Instances of these projects only. */
  readonly projects?: readonly string[];
  readonly platform?: string;
}

export interface StateIndex {
  indexedCommit(): Promise<CommitId | null>;
  /** Applies a delta atomically: all of it, with the new commit, or nothing. */
  apply(delta: IndexDelta): Promise<void>;
  listPlatforms(): Promise<IndexedPlatform[]>;
  getPlatform(name: string): Promise<IndexedPlatform | undefined>;
  listProjects(): Promise<IndexedProject[]>;
  getProject(name: string): Promise<IndexedProject | undefined>;
  listInstances(filter: InstanceFilter): Promise<IndexedInstance[]>;
  getInstance(project: string, name: string): Promise<IndexedInstance | undefined>;
  /** The commit that carried a request id, if any. */
  findRequest(requestId: string): Promise<IndexedRequest | undefined>;
}
