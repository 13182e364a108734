// Wires Plateau from its adapters: the one place that knows every part. `src/main/up.ts`
// builds the real adapters from the configuration; tests pass in-memory ones.
import type { ClusterBackupsRegistry } from "../core/ports/cluster-backups.js";
import type { VolumeBackupsRegistry } from "../core/ports/volume-backups.js";
import { createCatalogService } from "../core/catalog/service.js";
import type { Requester } from "../core/identity.js";
import { createIndexer, indexChangesBetween, type Indexer } from "../core/index/indexer.js";
import { createCachedIndex, createCachedStatuses } from "../core/index/cached-index.js";
import { createInstanceService, type ExpiryReport, type InstanceAddress } from "../core/instances/service.js";
import type { EngineRegistry } from "../core/ports/engine-registry.js";
import type { LifecycleSettings } from "../core/instances/expiry.js";
import { createRouter, type Router } from "../core/instances/routing.js";
import type { PlatformDocument } from "../core/model.js";
import { createPlatformService } from "../core/platforms/service.js";
import type { Clock, Random } from "../core/ports/clock.js";
import type { DesiredStateRepository } from "../core/ports/desired-state-repository.js";
import type { Engine } from "../core/ports/engine.js";
import type { Logger } from "../core/ports/logger.js";
import type { ObjectStorages, S3Endpoint, S3Key } from "../core/ports/object-storage.js";
import type { BucketQuotaDefaults } from "../core/buckets/quota.js";
import type { RecoveryDefaults } from "../core/recovery/policy.js";
import { createBucketService } from "../core/buckets/service.js";
import { createBucketStatuses } from "../core/buckets/statuses.js";
import { instancesUsingProjectKeyAt } from "../core/buckets/attach.js";
import type { SecretStore } from "../core/ports/secret-store.js";
import type { StateIndex } from "../core/ports/state-index.js";
import type { StatusStore } from "../core/ports/status-store.js";
import type { Telemetry } from "../core/ports/telemetry.js";
import type { TemplateCatalog } from "../core/ports/template-catalog.js";
import { createProjectService } from "../core/projects/service.js";
import { createReconciler, type Reconciler } from "../core/reconcile/reconciler.js";
import { bootstrapRepository } from "../core/repository/bootstrap.js";
import { repairArgoBootstraps } from "../core/projects/argocd-bootstrap.js";
import { repairLabAlerts } from "../core/alerts/vmrule.js";
import { platformsAt } from "../core/projects/bundle.js";
import type { RemoteStatus } from "../core/sync/remote-sync.js";
import { createHelmCatalogService } from "../core/helm/service.js";
import type { HelmCatalogs } from "../core/ports/helm-catalogs.js";
import type { ChartRenderer } from "../core/ports/chart-renderer.js";
import { NotFoundError } from "../core/errors.js";
import { createWriter } from "../core/repository/writer.js";
import type { WriteLock } from "../core/ports/coordination.js";
import { createSourceRegistry } from "../core/instances/sources/index.js";
import { createTenancy, type TenancyDefaults } from "../core/tenancy/service.js";
import type { PlacementPolicy } from "../core/placement/place.js";
import { createCrdValidator, type CrdSchema } from "../core/render/crd-validate.js";
import { createAccessService } from "../core/access/service.js";
import type { SessionSettings } from "../core/access/sessions.js";
import type { TokenSettings } from "../core/access/tokens.js";
import type { CompiledClaimMapping } from "../core/access/claims.js";
import type { AccessStore } from "../core/ports/access-store.js";
import type { IdentityProvider } from "../core/ports/identity-provider.js";
import type { Scheduler } from "../core/ports/scheduler.js";
import type { MetricsSource } from "../core/ports/metrics-source.js";
import type { NoticeStore } from "../core/ports/notice-store.js";
import { createNotifications, type NoticeChannel } from "../core/notify/service.js";
import type { NoticeLinks } from "../core/notify/wording.js";
import { createUsageService } from "../core/usage/service.js";
import { createFailover } from "../core/recovery/failover-service.js";
import { createReclaim, DEFAULT_RECLAIM, type ReclaimSettings, type SweepOutcome } from "../core/reclaim/service.js";
import { createBucketReconciler, type BucketReconciler } from "../core/buckets/reconciler.js";
import { createBucketKeys, scheduleTemporaryKeyExpiry } from "../core/buckets/keys.js";
import { createPlatformLocks } from "../core/buckets/serial.js";
import { createReplication } from "../core/buckets/replicate.js";
import type { BucketContents } from "../core/ports/bucket-contents.js";
import type { ScheduledTask } from "../core/ports/scheduler.js";
import { createVolumeBackupService } from "../core/recovery/backups.js";
import { scheduleVolumeBackups } from "../core/recovery/backup-task.js";
import type { DrillReports } from "../core/ports/drill-reports.js";
import { createDrills } from "../core/recovery/drill.js";
import { createRecoveryViews, scheduleOverdueDrills } from "../core/recovery/recovery-view.js";
import { createMemoryDrillReports } from "../adapters/memory/memory-drill-reports.js";

/** Several replicas (ADR 0040): the write lock, this replica's clone kept at the forge's head, and who leads. */
export interface ReplicaCoordination {
  /** Brings this replica's repository to the shared head (fetch, then the branch moved there) before the work. */
  readonly writeLock: WriteLock;
  /** Brings this replica's clone to the forge's head, without the lock: reads of files follow the shared index. */
  follow(): Promise<unknown>;
  isLeader(): boolean;
}

export interface PlateauAdapters {
  readonly repo: DesiredStateRepository;
  /** Absent: one replica, which holds every lock. */
  readonly coordination?: ReplicaCoordination;
  readonly index: StateIndex;
  readonly statuses: StatusStore;
  readonly secrets: SecretStore;
  readonly catalog: TemplateCatalog;
  /** Engines by engine kind (`podman`), shared by every platform of that kind. */
  readonly engines: ReadonlyMap<string, Engine>;
  /**
   * An engine of one platform's own, built from its settings (Argo CD: its URL, its token):
   * consulted first; undefined when the platform has none (no settings, no token).
   */
  readonly engineFor?: (platform: PlatformDocument) => Engine | undefined;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly telemetry: Telemetry;
  readonly access: AccessStore;
  readonly identityProviders: readonly IdentityProvider[];
  /** The Helm catalogs of the configuration (none when absent). */
  readonly helmCatalogs?: HelmCatalogs;
  /** Renders a chart as Argo CD will (`helm template`), to check what it creates before committing. */
  readonly chartRenderer?: ChartRenderer;
  /** The metrics source of a platform (`spec.metrics`), for usage and idle reclaim (docs/metrics.md); none: no usage is read, nothing there is reclaimed. */
  readonly metricsSourceFor?: (platform: PlatformDocument) => MetricsSource | undefined;
  /** A platform's metrics settings when its document names none: the local platform's, from configuration (ADR 26). */
  readonly metricsOf?: (platform: PlatformDocument) => PlatformDocument["spec"]["metrics"];
  /** The object storage Plateau drives on each platform (`rgw-admin`, ADR 0030); none: no bucket is made by Plateau there. */
  readonly objectStorages?: ObjectStorages;
  /** The objects of a provider as one key pair reaches them (ADR 0033); with `objectStorages`, buckets' replicas are kept up to date. */
  readonly bucketContentsOf?: (endpoint: S3Endpoint, key: S3Key) => BucketContents;
  /** Backups Plateau takes itself, of podman platforms' volumes (ADR 0034). */
  readonly volumeBackups?: VolumeBackupsRegistry;
  /** Velero's backups on cluster platforms, read through their API (ADR 0034). */
  readonly clusterBackups?: ClusterBackupsRegistry;
  /** Where drills' reports are kept (ADR 0034); default: in memory (tests, throw-away runs). */
  readonly drillReports?: DrillReports;
  /** Whether something answers an HTTP GET on an instance's endpoint (a drill's copy, ADR 0034). */
  readonly answers?: (endpoint: string, signal?: AbortSignal) => Promise<boolean>;
  /** Runs the background work: here, the reconcilers' passes. */
  readonly scheduler: Scheduler;
  /** Where notices are kept (ADR 28); without it, nothing is published. */
  readonly notices?: NoticeStore;
  /** The channels notices are delivered by, besides the portal. */
  readonly noticeChannels?: { readonly email?: NoticeChannel; readonly chat?: NoticeChannel };
}

const NO_HELM_CATALOGS: HelmCatalogs = {
  configs: [],
  index: (id) => Promise.reject(new NotFoundError("catalog", id)),
  files: (id) => Promise.reject(new NotFoundError("catalog", id)),
  archive: (id) => Promise.reject(new NotFoundError("catalog", id)),
};

export interface PlateauSettings {
  /** Platforms this Plateau declares in the repository when they are missing. */
  readonly platforms: readonly PlatformDocument[];
  /** The platform whose instances the local proxy serves, and its domain. */
  readonly proxied?: { readonly platform: string; readonly domain: string };
  /** Author of the commits Plateau makes on its own (bootstrap, stopping expired instances). */
  readonly system: Requester;
  readonly urlOf: (address: InstanceAddress) => string;
  readonly reconcileIntervalMs: number;
  readonly reconcileConcurrency: number;
  readonly tenancy: TenancyDefaults;
  /** How long instances run before Plateau stops them, and how far they may be renewed. */
  readonly lifecycle: LifecycleSettings;
  readonly placement?: PlacementPolicy;
  /** The operators' CRDs (from `schemas/`) that rendered objects are checked against. */
  readonly crds?: readonly CrdSchema[];
  readonly claims: CompiledClaimMapping;
  readonly claimsByProvider?: ReadonlyMap<string, CompiledClaimMapping>;
  readonly sessions: SessionSettings;
  readonly tokens: TokenSettings;
  /**
   * Several replicas share the store (ADR 40, 43): nothing about people is cached (each request
   * reads its session or token), statuses are kept 1 s at most, the index's cache follows the
   * shared index's commit.
   */
  readonly replicated?: boolean;
  /** Told after each commit (push it to the remote). */
  readonly onCommitted?: () => void;
  /** The desired-state repository's remote, when it has one. */
  readonly remoteStatus?: () => RemoteStatus;
  /** The operator's schemas for Helm charts' `x-onyxia.overwriteSchemaWith`, by name. */
  readonly helmSchemas?: Readonly<Record<string, unknown>>;
  /** The registries images named by values may come from; default: the catalog's, and localhost. */
  readonly imageRegistries?: readonly string[];
  /** Idle reclaim's defaults (ADR 28). */
  readonly reclaim?: ReclaimSettings;
  /** Buckets (ADR 0030): a new bucket's size quota, and the `s3GiB`/`buckets` quotas a project's or lab's file does not set. */
  readonly buckets?: { readonly defaultSizeGiB: number; readonly quotas: BucketQuotaDefaults };
  /** Links in notices, and the chat channel of a lab's notices (undefined: the default one; null: none). */
  readonly notifications?: { readonly links: NoticeLinks; readonly chatChannelOf?: (lab: string | null) => string | null };
  /** How often the buckets' reconcilers and the expiry of temporary S3 keys run besides commits (`buckets.checkSeconds`; default 60 s). */
  readonly bucketsCheckMs?: number;
  /** The defaults of projects' recovery policies (`recovery`, ADR 0034): their bundles' Velero Schedules follow them. */
  readonly recovery?: RecoveryDefaults;
  /** How often buckets with a replica are copied to it (`buckets.replicateSeconds`; default 300 s, ADR 0033). */
  readonly bucketsReplicateMs?: number;
  /** How often the `backups <platform>` tasks look for instances due (`recovery.checkSeconds`; default 300 s, ADR 0034). */
  readonly backupsCheckMs?: number;
  /** How often projects whose drill is overdue are looked for (`recovery.drillCheckSeconds`; default 1 h, ADR 0034). */
  readonly drillCheckMs?: number;
}

const DEFAULT_RECOVERY: RecoveryDefaults = { everyHours: 24, retentionDays: 14, drillEveryDays: 90 };
const NO_VOLUME_BACKUPS = { backupsFor: async () => undefined };

/** How long a replica keeps the statuses it read, when other replicas' reconcilers write them. */
const REPLICATED_STATUS_CACHE_MS = 1000;

export function composePlateau(adapters: PlateauAdapters, settings: PlateauSettings) {
  const { repo, secrets, clock, logger } = adapters;
  const { scheduler } = adapters;
  // With replicas, another one moves the shared index: what this one keeps is patched from git's diff (ADR 44).
  const index = createCachedIndex(adapters.index, adapters.coordination ? { changedBetween: (from, to) => indexChangesBetween(repo, from, to) } : {});
  // Replicas: the leader's reconcilers write the statuses others answer from (ADR 43).
  const statuses = createCachedStatuses(adapters.statuses, settings.replicated ? { clock, maxAgeMs: REPLICATED_STATUS_CACHE_MS } : undefined);
  const indexer: Indexer = createIndexer({ repo, index, logger });
  const reconcilers = new Map<string, Reconciler>();
  // Buckets (ADR 0030): a reconciler per platform with an object storage Plateau drives, woken by every commit like the instances'.
  const bucketReconcilers = new Map<string, BucketReconciler>();
  const bucketStatuses = createBucketStatuses();
  const keyLocks = createPlatformLocks();
  const bucketsCheckMs = settings.bucketsCheckMs ?? 60_000;
  // Replicas on another site (ADR 0033): a `replicate <platform>` task beside each platform's buckets' reconciler.
  const replication =
    adapters.objectStorages && adapters.bucketContentsOf
      ? createReplication({
          repo,
          storages: adapters.objectStorages,
          secrets,
          contentsOf: adapters.bucketContentsOf,
          statuses: bucketStatuses,
          clock,
          logger,
          locks: keyLocks,
        })
      : undefined;
  const replicationTasks = new Map<string, ScheduledTask>();
  // Volume backups (ADR 0034): a `backups <platform>` task per podman platform whose backups this Plateau takes.
  const volumeBackups = adapters.volumeBackups
    ? createVolumeBackupService({
        repo,
        index,
        registry: adapters.volumeBackups,
        defaults: settings.recovery ?? { everyHours: 24, retentionDays: 14, drillEveryDays: 90 },
        clock,
        random: adapters.random,
        logger,
      })
    : undefined;
  const backupTasks = new Map<string, ScheduledTask>();
  const router: Router | undefined = settings.proxied
    ? createRouter({
        index,
        statuses,
        secrets,
        catalog: adapters.catalog,
        clock,
        random: adapters.random,
        platform: settings.proxied.platform,
        domain: settings.proxied.domain,
      })
    : undefined;
  const writer = createWriter({
    repo,
    indexer,
    clock,
    telemetry: adapters.telemetry,
    onCommitted: () => {
      router?.clear();
      reconcilers.forEach((reconciler) => reconciler.wake());
      bucketReconcilers.forEach((reconciler) => reconciler.wake());
      settings.onCommitted?.();
    },
    ...(adapters.coordination ? { lock: adapters.coordination.writeLock } : {}),
  });
  const coordination = adapters.coordination;
  /** Runs `work` as the only writer: under the write lock with replicas, as is with one. */
  const exclusively = <T>(work: () => Promise<T>): Promise<T> => (coordination ? coordination.writeLock.run(work) : work());
  /** Whether this replica does the work that is done once (ADR 0040). */
  const leads = () => coordination?.isLeader() ?? true;
  /** The index's commit as this replica last acted on it (refresh). */
  let seenCommit: string | null | undefined;
  const engines: EngineRegistry = { get: (platform) => adapters.engineFor?.(platform) ?? adapters.engines.get(platform.spec.engine) };
  const crds = settings.crds ? createCrdValidator(settings.crds) : undefined;
  const helm = createHelmCatalogService({
    catalogs: adapters.helmCatalogs ?? NO_HELM_CATALOGS,
    ...(settings.helmSchemas ? { schemas: settings.helmSchemas } : {}),
    // Chart launches are rendered and checked against their platform before they are committed.
    ...(adapters.chartRenderer ? { renderer: adapters.chartRenderer } : {}),
  });
  const chartRepositories = helm.repositories();
  const repairBootstraps = () =>
    repairArgoBootstraps({
      repo,
      writer,
      author: settings.system,
      chartRepositories,
      ...(crds ? { crds } : {}),
      ...(settings.recovery ? { recovery: settings.recovery } : {}),
    });
  // The labs' VMRules follow the labs' files and their projects (ADR 0029).
  // A lab's file that cannot be read (a bad merge) leaves the VMRules as they were: said, not fatal.
  const repairAlerts = () =>
    repairLabAlerts({ repo, writer, author: settings.system, ...(crds ? { crds } : {}) }).catch((error: unknown) => {
      logger.warn({ error: (error as Error).message }, "the labs' alerts could not be rendered");
      return null;
    });

  let reconciling = false;
  /**
   * A reconciler for each platform this Plateau has an engine for: the configured ones (the
   * local podman platform) and those declared in the repository whose engine it can build
   * (Argo CD with its token). Platforms declared later (an operator's merge) get one at the
   * next refresh.
   */
  function ensureReconciler(platform: PlatformDocument): void {
    const name = platform.metadata.name;
    if (reconcilers.has(name)) return;
    const engine = engines.get(platform);
    if (!engine) return;
    const reconciler = createReconciler({
      platform: name,
      engine,
      repo,
      statuses,
      secrets,
      clock,
      random: adapters.random,
      logger,
      telemetry: adapters.telemetry,
      scheduler,
      intervalMs: settings.reconcileIntervalMs,
      concurrency: settings.reconcileConcurrency,
      onStatusChange: (project, instance) => router?.invalidate(project, instance),
      ...(adapters.objectStorages ? { objectStorages: adapters.objectStorages } : {}),
    });
    reconcilers.set(name, reconciler);
    if (reconciling) reconciler.start();
  }
  settings.platforms.forEach(ensureReconciler);
  async function ensureBackupTasks(): Promise<void> {
    const head = await repo.head();
    if (!volumeBackups || !adapters.volumeBackups || !head) return;
    for (const platform of await platformsAt(repo, head)) {
      const name = platform.metadata.name;
      if (platform.spec.engine !== "podman" || backupTasks.has(name) || !(await adapters.volumeBackups.backupsFor(name))) continue;
      const task = scheduleVolumeBackups({ scheduler, service: volumeBackups, platform: name, intervalMs: settings.backupsCheckMs ?? 300_000, logger });
      backupTasks.set(name, task);
      if (reconciling) task.start();
    }
  }
  async function ensureReconcilers(): Promise<void> {
    await ensureBucketReconcilers();
    await ensureBackupTasks();
    const head = await repo.head();
    if (!head || !adapters.engineFor) return;
    for (const platform of await platformsAt(repo, head)) ensureReconciler(platform);
  }
  /** A rotated key reaches a running instance when its platform's reconciler applies it again (its Secret anew). */
  const restartInstance = async (platform: string, project: string, instance: string): Promise<void> => {
    const reconciler = reconcilers.get(platform);
    if (!reconciler) throw new Error(`no reconciler for platform ${platform} here`);
    await reconciler.restart(project, instance);
  };
  async function ensureBucketReconcilers(): Promise<void> {
    const storages = adapters.objectStorages;
    const head = await repo.head();
    if (!storages || !head) return;
    for (const platform of await platformsAt(repo, head)) {
      const name = platform.metadata.name;
      if (bucketReconcilers.has(name)) continue;
      const storage = await storages.storageFor(name);
      if (!storage) continue;
      const reconciler = createBucketReconciler({
        platform: name,
        storage,
        repo,
        index,
        secrets,
        statuses: bucketStatuses,
        clock,
        logger,
        scheduler,
        locks: keyLocks,
        restart: restartInstance,
        intervalMs: bucketsCheckMs,
      });
      bucketReconcilers.set(name, reconciler);
      if (reconciling) reconciler.start();
      if (replication) {
        const task = scheduler.add({
          name: `replicate ${name}`,
          // Copies between providers, once: on the leader only (ADR 40).
          scope: "one-replica",
          intervalMs: settings.bucketsReplicateMs ?? 300_000,
          immediately: true,
          async run({ signal }) {
            const runs = await replication.run(name, signal);
            const copied = runs.reduce((sum, run) => sum + run.copied, 0);
            const removed = runs.reduce((sum, run) => sum + run.removed, 0);
            if (copied + removed > 0) logger.info({ platform: name, copied, removed }, "buckets' replicas brought up to date");
          },
        });
        replicationTasks.set(name, task);
        if (reconciling) task.start();
      }
    }
  }

  // The kinds of instance sources, once: the instance service makes instances with them, and
  // tenancy counts what instances already placed ask, as their sources say.
  const sources = createSourceRegistry({
    catalog: adapters.catalog,
    random: adapters.random,
    urlOf: settings.urlOf,
    ...(crds ? { crds } : {}),
    ...(settings.imageRegistries ? { imageRegistries: settings.imageRegistries } : {}),
    helm,
  });
  const tenancy = createTenancy({ repo, index, asksOf: sources.asksOf, defaults: settings.tenancy });
  const services = {
    tenancy,
    buckets: createBucketService({
      repo,
      writer,
      index,
      clock,
      statuses: bucketStatuses,
      ...(adapters.objectStorages ? { objectStorages: adapters.objectStorages } : {}),
      ...(crds ? { crds } : {}),
      ...(settings.buckets ? { defaultSizeGiB: settings.buckets.defaultSizeGiB, quotas: settings.buckets.quotas } : {}),
      projectQuotaOf: (project) => tenancy.quotaOf({ lab: project.lab, quota: project.quota ?? {} }),
      chartRepositories,
      ...(settings.recovery ? { recovery: settings.recovery } : {}),
    }),
    instances: createInstanceService({
      repo,
      writer,
      index,
      statuses,
      catalog: adapters.catalog,
      engines,
      clock,
      random: adapters.random,
      urlOf: settings.urlOf,
      tenancy,
      ...(settings.placement ? { placementPolicy: settings.placement } : {}),
      ...(crds ? { crds } : {}),
      ...(settings.imageRegistries ? { imageRegistries: settings.imageRegistries } : {}),
      chartRepositories,
      helm,
      secrets,
      ...(adapters.objectStorages ? { objectStorages: adapters.objectStorages } : {}),
      ...(adapters.volumeBackups ? { volumeBackups: adapters.volumeBackups } : {}),
      lifecycle: settings.lifecycle,
      system: settings.system,
      registry: sources,
      ...(settings.recovery ? { recovery: settings.recovery } : {}),
    }),
    projects: createProjectService({
      repo,
      writer,
      index,
      clock,
      tenancy,
      ...(settings.recovery ? { recovery: settings.recovery } : {}),
      ...(crds ? { crds } : {}),
    }),
    access: createAccessService({
      store: adapters.access,
      providers: adapters.identityProviders,
      claims: settings.claims,
      claimsByProvider: settings.claimsByProvider,
      clock,
      random: adapters.random,
      logger,
      sessions: settings.sessions,
      tokens: settings.tokens,
      ...(settings.replicated ? { principalCacheMs: 0 } : {}),
    }),
    notifications: adapters.notices
      ? createNotifications({
          store: adapters.notices,
          audienceOf: async (name) => {
            const project = await index.getProject(name);
            const logins = (project?.members ?? []).flatMap((member) => ("login" in member && member.role !== "viewer" ? [member.login] : []));
            return { logins: project?.personal ? [project.personal, ...logins] : logins, lab: project?.lab ?? null };
          },
          usersByLogin: (logins) => adapters.access.usersByLogin(logins),
          ...(adapters.noticeChannels?.email ? { email: adapters.noticeChannels.email } : {}),
          ...(adapters.noticeChannels?.chat ? { chat: adapters.noticeChannels.chat } : {}),
          ...(settings.notifications?.chatChannelOf ? { chatChannelOf: settings.notifications.chatChannelOf } : {}),
          links: settings.notifications?.links ?? { instancePage: (project, instance) => `/projects/${project}/instances/${instance}` },
          clock,
          logger,
        })
      : undefined,
    platforms: createPlatformService({ index, engines, repo, tenancy, ...(settings.remoteStatus ? { remote: settings.remoteStatus } : {}) }),
    catalog: createCatalogService(adapters.catalog),
    charts: helm,
    /** Plateau's own backups of podman volumes (ADR 0034): listed and taken now by people; absent without volume backups. */
    volumeBackups,
    /** Temporary credentials and key rotation (ADR 0030); absent without object storages. */
    bucketKeys: adapters.objectStorages
      ? createBucketKeys({
          repo,
          index,
          storages: adapters.objectStorages,
          secrets,
          clock,
          locks: keyLocks,
          restart: restartInstance,
          logger,
          // Attached instances read the kept key at each apply (ADR 0031): a rotation restarts them.
          attachedInstances: async (platform, project) => {
            const head = await repo.head();
            return head ? instancesUsingProjectKeyAt(repo, head, project, platform) : [];
          },
        })
      : undefined,
    usage: createUsageService({
      repo,
      index,
      clock,
      sourceFor: adapters.metricsSourceFor ?? (() => undefined),
      ...(adapters.metricsOf ? { metricsOf: adapters.metricsOf } : {}),
    }),
  };

  const instances = services.instances;
  const temporaryKeyExpiry: ScheduledTask | undefined = services.bucketKeys
    ? scheduleTemporaryKeyExpiry({ scheduler, keys: services.bucketKeys, intervalMs: bucketsCheckMs, logger })
    : undefined;
  // The dry run works without configuration (a report of the defaults); the sweep runs only when `plateau up` is told to.
  const reclaim = createReclaim({
    repo,
    index,
    instances,
    resourcesOf: (instance) => tenancy.resourcesOfInstance(instance),
    templatePolicy: async (template) => (template.includes("/") ? undefined : (await adapters.catalog.get(template))?.spec.reclaim),
    sourceFor: adapters.metricsSourceFor ?? (() => undefined),
    ...(adapters.metricsOf ? { metricsOf: adapters.metricsOf } : {}),
    settings: settings.reclaim ?? DEFAULT_RECLAIM,
    clock,
    ...(services.notifications ? { publish: services.notifications.publish } : {}),
  });
  // Failover and failback (ADR 0034): operators' commits over the instance service, backups through the ports.
  const failover = createFailover({
    repo,
    index,
    statuses,
    clock,
    instances,
    ...(adapters.volumeBackups ? { volumeBackups: adapters.volumeBackups } : {}),
    ...(adapters.clusterBackups ? { clusterBackups: adapters.clusterBackups } : {}),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  });
  // Disaster recovery (ADR 0034): drills, a project's recovery view, the overdue drills' notices.
  const drillReports = adapters.drillReports ?? createMemoryDrillReports();
  const recoveryDefaults = settings.recovery ?? DEFAULT_RECOVERY;
  const recovery = createRecoveryViews({
    repo,
    index,
    reports: drillReports,
    ...(adapters.volumeBackups ? { volumeBackups: adapters.volumeBackups } : {}),
    ...(adapters.clusterBackups ? { clusterBackups: adapters.clusterBackups } : {}),
    defaults: recoveryDefaults,
    clock,
  });
  const drills = createDrills({
    repo,
    index,
    sources,
    engines,
    backups: adapters.volumeBackups ?? NO_VOLUME_BACKUPS,
    reports: drillReports,
    secrets,
    defaults: recoveryDefaults,
    answers: adapters.answers ?? (async () => false),
    clock,
    random: adapters.random,
    logger,
  });
  const overdueDrills: ScheduledTask | undefined = services.notifications
    ? scheduleOverdueDrills({
        scheduler,
        views: recovery,
        publish: services.notifications.publish,
        intervalMs: settings.drillCheckMs ?? 3_600_000,
        logger,
      })
    : undefined;
  const allServices = { ...services, reclaim, recovery, drills, drillReports, failover };
  /** Also picks up commits made by others (an operator's push) and reconciles. */
  const refresh = async (): Promise<void> => {
    let moved: boolean;
    if (coordination) {
      // The shared index moves under the write lock only (another replica's commit, or
      // `catchUp`); this replica's clone follows it, so that its reads of files agree.
      const shared = await adapters.index.indexedCommit();
      if (shared !== (await repo.head())) await coordination.follow();
      // Asked once the clone has the commit: the cache patches itself from the diff.
      const commit = await index.indexedCommit();
      moved = commit !== seenCommit;
      seenCommit = commit;
    } else {
      const before = await index.indexedCommit();
      moved = (await indexer.sync()).commit !== before;
    }
    if (moved) {
      if (leads()) {
        await repairBootstraps();
        await repairAlerts();
      }
      await ensureReconcilers();
      router?.clear();
      reconcilers.forEach((reconciler) => reconciler.wake());
      bucketReconcilers.forEach((reconciler) => reconciler.wake());
    }
  };

  return {
    services: allServices,
    router,
    indexer,
    reconcilers,
    bucketReconcilers,
    bucketStatuses,
    /** The `replicate <platform>` tasks (ADR 0033), by source platform, started with the reconcilers. */
    replicationTasks,
    /** The `backups <platform>` tasks (ADR 0034), by platform, started with the reconcilers. */
    backupTasks,
    /** The `recovery drills` task (overdue drills' notices, ADR 0034), started with the reconcilers. */
    overdueDrills,
    /** The `s3 keys` task (expired temporary keys revoked), started with the reconcilers. */
    temporaryKeyExpiry,
    /** `helm template` as Argo CD runs it (none in tests that do not give one). */
    chartRenderer: adapters.chartRenderer,
    /**
     * Recovers from whatever happened while Plateau was down (a crash, commits pushed by
     * others), then starts converging: idempotent, so a restart at any point is safe.
     */
    async start(options: { reconcile: boolean }): Promise<void> {
      // With replicas, under the write lock: the repository is first brought to the forge's head,
      // and a bootstrap commit is pushed before the index moves (ADR 0040).
      const synced = await exclusively(async () => {
        await bootstrapRepository(repo, settings.platforms, settings.system);
        return indexer.sync();
      });
      seenCommit = synced.commit;
      logger.info({ commit: synced.commit, changedPaths: synced.changedPaths, full: synced.full }, "index is at the repository's head");
      const repaired = await repairBootstraps();
      if (repaired) logger.info({ commit: repaired }, "Argo CD bootstraps rendered again");
      const alerts = await repairAlerts();
      if (alerts) logger.info({ commit: alerts }, "the labs' alerts rendered again");
      await ensureReconcilers();
      // Under the write lock: another replica's launch makes its secrets before its commit.
      await exclusively(async () => {
        for (const owner of await secrets.owners()) {
          // `_s3-…` owners are a project's object storage keys (ADR 0030), no instance's: their own reconciler collects them.
          if (owner.instance.startsWith("_")) continue;
          if (!(await index.getInstance(owner.project, owner.instance))) await secrets.remove(owner.project, owner.instance);
        }
      });
      if (options.reconcile) {
        reconciling = true;
        reconcilers.forEach((reconciler) => reconciler.start());
        bucketReconcilers.forEach((reconciler) => reconciler.start());
        replicationTasks.forEach((task) => task.start());
        backupTasks.forEach((task) => task.start());
        temporaryKeyExpiry?.start();
        overdueDrills?.start();
      }
    },
    async stop(): Promise<void> {
      reconciling = false;
      await temporaryKeyExpiry?.pause();
      await overdueDrills?.pause();
      await Promise.all([...replicationTasks.values()].map((task) => task.pause()));
      await Promise.all([...backupTasks.values()].map((task) => task.pause()));
      await Promise.all([...bucketReconcilers.values()].map((reconciler) => reconciler.stop()));
      await Promise.all([...reconcilers.values()].map((reconciler) => reconciler.stop()));
    },
    /**
     * Stops the running instances whose expiry has come, one commit each: run at start-up and
     * every few minutes by `plateau up`. Idempotent: after a crash, the next run finishes the job.
     */
    async expire(): Promise<ExpiryReport> {
      const report = await services.instances.expireDue();
      for (const { instance, commit } of report.expired) logger.info({ instance, commit }, "instance expired: Plateau stopped it");
      for (const { instance, reason } of report.failed) {
        logger.warn({ instance, error: reason }, "an expired instance could not be stopped; tried again at the next check");
      }
      return report;
    },
    /**
     * Idle reclaim's sweep (ADR 28): one commit per step, then the notices. Idempotent: run at
     * start-up and every few minutes by `plateau up`; after a crash, the next run finishes the job.
     */
    async reclaimIdle(): Promise<SweepOutcome> {
      const outcome = await reclaim.sweep();
      for (const { instance, action, commit } of outcome.committed) logger.info({ instance, action, commit }, "idle reclaim took a step");
      for (const { instance, reason } of outcome.failed)
        logger.warn({ instance, error: reason }, "idle reclaim could not take a step; tried again at the next sweep");
      await services.notifications?.deliver();
      return outcome;
    },
    /** Delivers the notices due (e-mail, chat); failures are tried again later. */
    async deliverNotices(): Promise<void> {
      await services.notifications?.deliver();
    },
    /** Renders the labs' VMRules again if the labs or their projects changed (one commit or none): `plateau up` runs it every minute. */
    repairLabAlerts: repairAlerts,
    refresh,
    /**
     * Takes commits made on the forge by people (a merge request), with replicas: the index
     * moves under the write lock, then this replica acts on it. One replica: the refresh.
     */
    async catchUp(): Promise<void> {
      if (coordination) await coordination.writeLock.run(() => indexer.sync());
      await refresh();
    },
    /** This replica became the leader: the reconcilers look now rather than at their next interval. */
    wake(): void {
      reconcilers.forEach((reconciler) => reconciler.wake());
      bucketReconcilers.forEach((reconciler) => reconciler.wake());
    },
  };
}

export type Plateau = ReturnType<typeof composePlateau>;
