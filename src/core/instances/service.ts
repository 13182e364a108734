// The instance lifecycle: launch, stop, start, renew, expire, move, remove, and what users read
// about instances. Each change is exactly one commit in the desired-state repository (or none
// when nothing changes); engines make it so. This module composes: the commands live in
// ./commands (over the writer), the queries in ./read-model.ts, and what an instance is made
// from (a built-in template, a Helm chart) in ./sources, asked through their registry (ADR 17).
import type { Requester } from "../identity.js";
import type { Placement, PlacementPolicy } from "../placement/place.js";
import type { Clock, Random } from "../ports/clock.js";
import type { DesiredStateRepository } from "../ports/desired-state-repository.js";
import type { EngineRegistry } from "../ports/engine-registry.js";
import type { LogOptions } from "../ports/engine.js";
import type { StateIndex } from "../ports/state-index.js";
import type { InstanceEvent, ObservedStatus, StatusStore } from "../ports/status-store.js";
import type { TemplateCatalog } from "../ports/template-catalog.js";
import type { CrdValidator } from "../render/crd-validate.js";
import type { RecoveryDefaults } from "../recovery/policy.js";
import type { CatalogViewer, HelmCatalogService } from "../helm/service.js";
import type { Writer } from "../repository/writer.js";
import type { Resources } from "../tenancy/quota.js";
import type { Tenancy } from "../tenancy/service.js";
import { createCommandContext } from "./commands/context.js";
import { launchCommands } from "./commands/launch.js";
import { moveCommands } from "./commands/move.js";
import { recoveryCommands, type RecoveryOutcome, type RecoveryRequest } from "./commands/failover.js";
import type { RecoveryStep } from "../recovery/failover.js";
import { removeCommands } from "./commands/remove.js";
import { idleCommands, type IdleStepResult } from "./commands/idle.js";
import type { InstanceDocument } from "../model.js";
import type { ReclaimStep } from "../reclaim/policy.js";
import { resizeCommands, type ResizeTarget } from "./commands/resize.js";
import { stateCommands } from "./commands/state.js";
import { restoreCommands, type RestoreResult } from "./commands/restore.js";
import { expiryEnabled, NEVER_EXPIRE, type LifecycleSettings } from "./expiry.js";
import { createInstanceReadModel, type InstanceListFilter } from "./read-model.js";
import { createSourceRegistry, type InstanceSourceFactory, type SourceRegistry } from "./sources/index.js";
import type { SecretStore } from "../ports/secret-store.js";
import type { ObjectStorages } from "../ports/object-storage.js";
import type { VolumeBackupsRegistry } from "../ports/volume-backups.js";
import { INSTANCE_S3_ACCESS_KEY_ID, INSTANCE_S3_SECRET_ACCESS_KEY } from "../buckets/key-store.js";
import { placeholderKeys } from "../helm/secret-placeholders.js";
import { GENERATED_SECRET_LENGTH } from "../render/render.js";
import type { ChangeResult, ExpiryReport, HistoryEntry, InstanceAddress, InstanceDiff, LaunchRequest, LaunchResult, RenewRequest } from "./types.js";
import type { InstanceView } from "./views.js";

export type { ChangeResult, ExpiryReport, HistoryEntry, InstanceAddress, InstanceDiff, LaunchRequest, LaunchResult, RenewRequest } from "./types.js";
export { MAX_PATCH_BYTES, truncatePatch, type InstanceListFilter } from "./read-model.js";

export interface InstanceServiceDeps {
  readonly repo: DesiredStateRepository;
  readonly writer: Writer;
  readonly index: StateIndex;
  readonly statuses: StatusStore;
  readonly catalog: TemplateCatalog;
  readonly engines: EngineRegistry;
  readonly clock: Clock;
  readonly random: Random;
  /** The public URL of an instance on a platform (depends on how the platform is reached). */
  readonly urlOf: (address: InstanceAddress) => string;
  /** Quotas, checked at launch and start. */
  readonly tenancy: Pick<Tenancy, "check" | "blocks" | "quotaOf" | "resourcesOfInstance">;
  readonly placementPolicy?: PlacementPolicy;
  /** The real CRDs of the operators' kinds Plateau renders (Route…): every object is checked before the commit. */
  readonly crds?: CrdValidator;
  /** The Helm repositories of the catalogs: the AppProjects of cluster platforms allow them as sources. */
  readonly chartRepositories?: readonly string[];
  /** The configuration's recovery defaults: a project's bundle holds its Velero Schedule by its policy (ADR 0034). */
  readonly recovery?: RecoveryDefaults;
  /** The Helm catalogs, when the configuration has any. */
  readonly helm?: Pick<HelmCatalogService, "repositoryOf" | "defaults" | "prepare" | "ownValues"> & Partial<Pick<HelmCatalogService, "stopOf">>;
  /** The object storages Plateau drives (`rgw-admin`): where an attached bucket's clients reach it (ADR 0031). */
  readonly objectStorages?: ObjectStorages;
  /** Plateau's own backups of podman volumes (ADR 0034): what an in-place restore may name. */
  readonly volumeBackups?: VolumeBackupsRegistry;
  /** The secrets Plateau keeps (a chart's passwords the person typed at launch; what the owner reads). */
  readonly secrets?: Pick<SecretStore, "put" | "read" | "ensure">;
  /** How long instances run before Plateau stops them, and how far they may be renewed (default: they never expire). */
  readonly lifecycle?: LifecycleSettings;
  /** The author of the commits Plateau makes by itself (stopping an expired instance). */
  readonly system?: Requester;
  /**
   * The registries images named by values may come from (docs/configuration.md, images);
   * default: those of the catalog's own images, and podman's local images (`localhost/`).
   */
  readonly imageRegistries?: readonly string[];
  /** The kinds of instance sources, in the order they claim ids (default: those of ./sources/index.ts). */
  readonly sources?: readonly InstanceSourceFactory[];
  /** The registry already built over these dependencies (the one tenancy's `asksOf` reads): one registry, one set of caches. */
  readonly registry?: SourceRegistry;
}

/** The instance lifecycle and what people read about instances. */
export interface InstanceService {
  /**
   * Where a launch would go and why, without launching (`plateau place --dry-run`), and what
   * it would count against quotas: forms show the cost before anyone confirms.
   */
  placement(request: Omit<LaunchRequest, "requestId">, requester: Requester): Promise<Placement & { readonly asks: Resources }>;
  /**
   * Launches an instance: placed, rendered, checked against quotas, and committed with the
   * project's own files at its first instance. A retry with the same request id answers the first.
   */
  launch(request: LaunchRequest, requester: Requester): Promise<LaunchResult>;
  /** Stops an instance (its data is kept); a source that cannot be stopped is refused. `key` is the idempotency key. */
  stop(project: string, name: string, requester: Requester, key?: string): Promise<ChangeResult>;
  /** Starts a stopped instance, with a fresh expiry, checked against quotas. */
  start(project: string, name: string, requester: Requester, key?: string): Promise<ChangeResult>;
  /**
   * Keeps a running instance longer: one commit moving its expiry `days` (default renewDays)
   * past the current one, or past now if it has passed, never beyond maxDays from now. No
   * commit for an instance that never expires. A stopped instance is refused: it does not
   * run, so it does not expire, and starting it gives it a fresh expiry.
   */
  renew(project: string, name: string, request: RenewRequest, requester: Requester, key?: string): Promise<ChangeResult>;
  /**
   * Stops every running instance whose expiry has come: one commit each, authored by
   * Plateau, saying when it expired and how to start it again. Safe to run at any time, as
   * often as wanted, and again after a crash: what is already stopped is left alone.
   */
  expireDue(): Promise<ExpiryReport>;
  /**
   * Restores an instance's volumes in place from one of its backups (default: the newest): one
   * commit setting its `spec.restore` (ADR 0034), none when it already names that backup.
   */
  restore(project: string, name: string, backup: string | undefined, requester: Requester, key?: string): Promise<RestoreResult>;
  /**
   * Re-places an instance on another platform in one commit: its intent names the new
   * platform, its manifests leave the old one and appear on the new one (with the project's
   * namespace there). The target must pass every constraint of placement. Data on volumes
   * does not move with it: that is the recovery plan's business. It is placed and checked on
   * the new platform as a launch is: a chart's values resolved again for the new platform's
   * region (the person's own kept) and its preflight run there, its catalog as `viewer` sees it.
   */
  move(project: string, name: string, to: string, requester: Requester, key?: string, viewer?: CatalogViewer): Promise<ChangeResult & { placement: Placement }>;
  /**
   * Idle reclaim's step (ADR 28) that `decide` makes of the instance's intent at the head: one
   * commit authored by Plateau (announce, stop, remove, cancel), or none when it decides nothing there.
   */
  idleStep(project: string, name: string, decide: (intent: InstanceDocument, stoppable: boolean) => ReclaimStep | null): Promise<IdleStepResult | null>;
  /** Whether idle reclaim may stop it (a chart that only its expiry removes, ADR 24, is never stopped for idleness). */
  stoppable(intent: InstanceDocument): Promise<boolean>;
  /** The person's *keep it*: cancels the step idle reclaim announced, and idleness counts from now (no commit when none is announced). */
  keep(project: string, name: string, requester: Requester, key?: string): Promise<ChangeResult>;
  /**
   * Gives an instance other CPU and memory requests (a template's size preset, a chart's
   * `resources.requests`) in one commit, none when they are those it has: checked as a launch
   * is, where it runs (values, pool, quotas without what it holds now, a chart's preflight).
   * `reason` is said in the commit's message (the advice it follows).
   */
  resize(project: string, name: string, target: ResizeTarget, requester: Requester, key?: string, reason?: string): Promise<ChangeResult>;
  /**
   * A failover or failback (ADR 0034): every instance the plan moves, in ONE commit (none when
   * it moves none), restored from the backups given; a request id committed already answers
   * that commit. `core/recovery/service.ts` gathers the backups and reads the reports.
   */
  recover(request: RecoveryRequest): Promise<RecoveryOutcome>;
  /** What a failover or failback would do now, committing nothing. */
  planRecovery(request: Omit<RecoveryRequest, "requestId">): Promise<RecoveryStep[]>;
  /** Removes an instance, its workload and its data: one commit removing its intent and everything rendered of it. */
  remove(project: string, name: string, requester: Requester, key?: string): Promise<ChangeResult>;
  /** One instance as people see it (not found once removed). */
  get(project: string, name: string): Promise<InstanceView>;
  /** The instances of a project, a platform, or a set of projects. */
  list(filter: InstanceListFilter): Promise<InstanceView[]>;
  /** What the platform reports; it remains while the platform removes a removed instance. */
  observed(project: string, name: string): Promise<ObservedStatus>;
  /** The instance's latest events, newest first. */
  events(project: string, name: string, limit?: number): Promise<InstanceEvent[]>;
  /**
   * The instance's secrets (its chart's passwords, a notebook's token…), by name: what its
   * people read on demand, as on Onyxia. Those its values refer to and no one generated yet are
   * generated now, as the reconciler would (the same get-or-create).
   */
  secrets(project: string, name: string): Promise<{ name: string; value: string }[]>;
  /** The commits of an instance, of a project, or of the whole repository, newest first. */
  history(filter: { project?: string; instance?: string }, limit?: number): Promise<HistoryEntry[]>;
  /**
   * What one commit of an instance's history changed of it. Like the history, it outlives the
   * instance; a commit that is not on the branch, or did not touch this instance, is not found.
   */
  diff(project: string, name: string, commit: string): Promise<InstanceDiff>;
  /** The instance's logs, from the engine of its platform. */
  logs(project: string, name: string, options: LogOptions): Promise<AsyncIterable<string>>;
}

export function createInstanceService(deps: InstanceServiceDeps): InstanceService {
  const sources = deps.registry ?? createSourceRegistry(deps, deps.sources);
  const read = createInstanceReadModel({
    repo: deps.repo,
    index: deps.index,
    statuses: deps.statuses,
    engines: deps.engines,
    urlOf: deps.urlOf,
    expiring: expiryEnabled(deps.lifecycle ?? NEVER_EXPIRE),
    renderedDirs: sources.renderedDirs,
  });
  const ctx = createCommandContext(deps, sources, read);
  return {
    ...launchCommands(ctx),
    ...stateCommands(ctx),
    ...moveCommands(ctx),
    ...recoveryCommands(ctx),
    ...removeCommands(ctx),
    ...idleCommands(ctx),
    ...resizeCommands(ctx),
    ...restoreCommands(ctx),
    get: read.get,
    list: read.list,
    observed: read.observed,
    events: read.events,
    async secrets(project, name) {
      const view = await read.get(project, name);
      if (!deps.secrets) return [];
      // An attached bucket's key is the project's, handed over by the reconciler: never generated here (ADR 0031).
      const referred = placeholderKeys(view.values, project, name).filter((key) => key !== INSTANCE_S3_ACCESS_KEY_ID && key !== INSTANCE_S3_SECRET_ACCESS_KEY);
      if (referred.length > 0) await deps.secrets.ensure(project, name, referred, () => deps.random.secret(GENERATED_SECRET_LENGTH));
      return Object.entries(await deps.secrets.read(project, name)).map(([key, value]) => ({ name: key, value }));
    },
    history: read.history,
    diff: read.diff,
    logs: read.logs,
  };
}
