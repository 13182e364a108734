// Failover and failback as operators ask them (ADR 0034): the backups gathered through the
// ports (a failed platform's own are still readable: they live on the storage site), the
// failback's fresh backups taken first, then ONE commit through the instance service, and the
// report read back from git (intents' placement and spec.restore) and the status store.
import { createHash } from "node:crypto";
import type { RecoveryItem, RecoveryReport } from "../../contracts/recovery.js";
import { ConflictError, NotFoundError } from "../errors.js";
import type { Requester } from "../identity.js";
import type { InstanceDocument, PlatformDocument } from "../model.js";
import { assertName } from "../names.js";
import { intentAt } from "../instances/read-model.js";
import type { InstanceService } from "../instances/service.js";
import { platformsAt } from "../projects/bundle.js";
import type { Clock } from "../ports/clock.js";
import type { ClusterBackups, ClusterBackupsRegistry } from "../ports/cluster-backups.js";
import type { CommitId, CommitInfo, DesiredStateRepository } from "../ports/desired-state-repository.js";
import type { StateIndex } from "../ports/state-index.js";
import type { StatusStore } from "../ports/status-store.js";
import type { VolumeBackupsRegistry } from "../ports/volume-backups.js";
import { requestIdOf, TRAILERS } from "../repository/trailers.js";
import { failbackRestoreReason, failedOverIntents, recoveryPlatformOf, refOf, rpoSecondsOf, type BackupPoint, type RecoverySkip } from "./failover.js";

export interface FailoverServiceDeps {
  readonly repo: DesiredStateRepository;
  readonly index: StateIndex;
  readonly statuses: Pick<StatusStore, "getStatus">;
  readonly clock: Clock;
  readonly instances: Pick<InstanceService, "recover" | "planRecovery">;
  readonly volumeBackups?: VolumeBackupsRegistry;
  readonly clusterBackups?: ClusterBackupsRegistry;
  /** Waits between two readings of a cluster backup's phase (the composition's timers). */
  readonly sleep: (ms: number) => Promise<void>;
  /** How long a failback waits for Velero's fresh backup (default 30 min), and between readings (default 5 s). */
  readonly backupTimeoutMs?: number;
  readonly pollMs?: number;
}

export interface RecoveryOptions {
  /** The idempotency key: a retry with it answers the first commit. */
  readonly key?: string;
  /** Progress lines, for the CLI (what is being read, backed up, waited for). */
  readonly progress?: (message: string) => void;
}

export interface FailoverService {
  /** Moves every instance of the failed platform that may run on its recovery site, in one commit; run again, commits nothing and answers the same report. */
  failover(platform: string, reason: string, requester: Requester, options?: RecoveryOptions): Promise<RecoveryReport>;
  /** Takes a fresh backup of each instance a failover moved, then moves them back in one commit. */
  failback(platform: string, requester: Requester, options?: RecoveryOptions): Promise<RecoveryReport>;
  /** How the platform stands now: read from git (and what the platforms observe, for the RTO). */
  status(platform: string): Promise<RecoveryReport>;
  /** Every platform that has a recovery site, as `status` says it. */
  overview(): Promise<RecoveryReport[]>;
  /** What a failover would move now (the CLI's confirmation), committing nothing. */
  preview(platform: string): Promise<RecoveryReport>;
}

const digest = (...parts: string[]): string => createHash("sha256").update(JSON.stringify(parts)).digest("hex");
/** `20261206t185716z`: the time part of a backup id (sortable), lowercase: the id is a DNS label, as `spec.restore.backup` must be. */
const compactTime = (at: Date): string =>
  at
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z")
    .toLowerCase();
const secondsBetween = (from: string, to: string): number => Math.max(0, Math.floor((Date.parse(to) - Date.parse(from)) / 1000));
const SYSTEM: Requester = { login: "plateau", name: "Plateau", email: "plateau@localhost" };

/** An instance a failover leaves where it is, and why. */
const skippedItem = (step: RecoverySkip, intent: InstanceDocument): RecoveryItem => ({
  project: step.project,
  instance: step.instance,
  from: step.from,
  to: step.from,
  state: "skipped",
  instanceState: intent.spec.state,
  backup: null,
  rpoSeconds: null,
  rtoSeconds: null,
  skipped: { code: step.code, reason: step.reason, params: { ...step.params } },
});

export function createFailover(deps: FailoverServiceDeps): FailoverService {
  const { repo, index, clock } = deps;
  const timeoutMs = deps.backupTimeoutMs ?? 30 * 60_000;
  const pollMs = deps.pollMs ?? 5_000;

  async function headOrFail(): Promise<CommitId> {
    const head = await repo.head();
    if (!head) throw new ConflictError("the desired-state repository has not been initialized", { reason: "repository-not-initialized" });
    return head;
  }

  async function declared(
    head: CommitId,
    platform: string,
  ): Promise<{ platforms: PlatformDocument[]; self: PlatformDocument; recovery: PlatformDocument | undefined }> {
    assertName("/platform", platform);
    const platforms = await platformsAt(repo, head);
    const self = platforms.find((candidate) => candidate.metadata.name === platform);
    if (!self) throw new NotFoundError("platform", platform);
    return { platforms, self, recovery: recoveryPlatformOf(platform, platforms) };
  }

  function requireRecovery(platform: string, recovery: PlatformDocument | undefined): PlatformDocument {
    if (recovery) return recovery;
    throw new ConflictError(`no platform is the recovery site of ${platform} (no platform says recoveryFor: ${platform})`, {
      reason: "no-recovery-platform",
      params: { platform },
    });
  }

  async function intentsOn(head: CommitId, platform: string): Promise<InstanceDocument[]> {
    const placed = await index.listInstances({ platform });
    return Promise.all(placed.map((instance) => intentAt(repo, head, instance.project, instance.name)));
  }

  /** The newest good backup of each instance of the failed platform, read through the ports. */
  async function newestBackups(
    failed: PlatformDocument,
    recovery: PlatformDocument,
    intents: readonly InstanceDocument[],
    progress: (message: string) => void,
  ) {
    const backups = new Map<string, BackupPoint>();
    if (failed.spec.engine === "podman") {
      // The failed platform's backups live on its storage site: still readable while it is down.
      const store = await deps.volumeBackups?.backupsFor(failed.metadata.name);
      for (const intent of intents) {
        const newest = store ? (await store.list(intent.metadata.project, intent.metadata.name))[0] : undefined;
        if (newest) backups.set(refOf(intent), { id: newest.id, platform: newest.platform, takenAt: newest.takenAt });
      }
    } else {
      // The recovery site's Velero sees the failed platform's backups (a read-only location there).
      const store = await deps.clusterBackups?.backupsFor(recovery.metadata.name);
      const byProject = new Map<string, BackupPoint | undefined>();
      for (const intent of intents) {
        const project = intent.metadata.project;
        if (!byProject.has(project)) {
          const good = store ? (await store.list(project)).find((backup) => backup.phase === "Completed") : undefined;
          const takenAt = good?.startedAt ?? good?.completedAt;
          byProject.set(project, good && takenAt ? { id: good.name, platform: failed.metadata.name, takenAt } : undefined);
        }
        const point = byProject.get(project);
        if (point) backups.set(refOf(intent), point);
      }
    }
    progress(`${backups.size} of ${intents.length} instance(s) have a backup`);
    return backups;
  }

  /** The last failover and failback of the platform, newest first in the history. */
  async function lastSteps(platform: string): Promise<{ failover?: CommitInfo; failback?: CommitInfo; last?: CommitInfo }> {
    const commits = await repo.log({ paths: [`rendered/${platform}`], limit: 500 });
    const of = (action: string) => commits.find((commit) => commit.trailers[TRAILERS.action] === action && commit.trailers[TRAILERS.platform] === platform);
    const last = commits.find(
      (commit) =>
        (commit.trailers[TRAILERS.action] === "failover" || commit.trailers[TRAILERS.action] === "failback") && commit.trailers[TRAILERS.platform] === platform,
    );
    const failover = of("failover");
    const failback = of("failback");
    return { ...(failover ? { failover } : {}), ...(failback ? { failback } : {}), ...(last ? { last } : {}) };
  }

  async function rtoOf(intent: InstanceDocument, since: string): Promise<number | null> {
    if (intent.spec.state !== "running") return null;
    const status = await deps.statuses.getStatus(intent.metadata.project, intent.metadata.name);
    if (!status || status.platform !== intent.placement.platform || status.phase !== "running") return null;
    // The status changes only when the phase does: its time is when it was first seen running there.
    if (Date.parse(status.updatedAt) < Date.parse(since)) return null;
    return secondsBetween(since, status.updatedAt);
  }

  async function itemOf(intent: InstanceDocument, from: string, state: RecoveryItem["state"], commit: CommitInfo | undefined): Promise<RecoveryItem> {
    const restore = intent.spec.restore;
    const at = commit?.authoredAt;
    return {
      project: intent.metadata.project,
      instance: intent.metadata.name,
      from,
      to: intent.placement.platform,
      state,
      instanceState: intent.spec.state,
      backup: restore ? { id: restore.backup, platform: restore.platform, takenAt: restore.takenAt } : null,
      rpoSeconds: restore && at ? rpoSecondsOf({ id: restore.backup, platform: restore.platform, takenAt: restore.takenAt }, new Date(at)) : null,
      rtoSeconds: at ? await rtoOf(intent, at) : null,
      ...(intent.spec.bucket ? { bucket: { name: intent.spec.bucket.name, platform: intent.spec.bucket.platform } } : {}),
    };
  }

  async function status(platform: string): Promise<RecoveryReport> {
    const head = await headOrFail();
    const { recovery } = await declared(head, platform);
    const steps = await lastSteps(platform);
    const items: RecoveryItem[] = [];
    if (recovery) {
      const away = failedOverIntents(platform, await intentsOn(head, recovery.metadata.name));
      for (const intent of away) items.push(await itemOf(intent, platform, "failed-over", steps.failover));
      const lastAction = steps.last?.trailers[TRAILERS.action];
      if (lastAction === "failback") {
        const back = (await intentsOn(head, platform)).filter((intent) => intent.spec.restore?.reason === failbackRestoreReason(platform));
        for (const intent of back) items.push(await itemOf(intent, recovery.metadata.name, "failed-back", steps.failback));
      }
      if (away.length > 0 || lastAction === "failover") {
        // What a failover leaves where it is, and why (as it would answer now).
        const left = await deps.instances.planRecovery({ action: "failover", platform, requester: SYSTEM, backups: new Map() });
        for (const step of left) {
          if (step.kind !== "skip") continue;
          const intent = await intentAt(repo, head, step.project, step.instance);
          items.push(skippedItem(step, intent));
        }
      }
    }
    items.sort((a, b) => a.project.localeCompare(b.project) || a.instance.localeCompare(b.instance));
    const last = steps.last;
    const action = last?.trailers[TRAILERS.action];
    return {
      platform,
      recoveryPlatform: recovery?.metadata.name ?? null,
      state: items.some((item) => item.state === "failed-over") ? "failed-over" : "normal",
      action: action === "failover" || action === "failback" ? action : null,
      commit: last?.id ?? null,
      at: last?.authoredAt ?? null,
      by: last?.author.name ?? null,
      reason: action === "failover" ? (last?.trailers[TRAILERS.reason] ?? null) : null,
      items,
    };
  }

  /** Waits until Velero's backup `name` of the project is Completed (refused if it fails or does not in time). */
  async function completed(store: ClusterBackups, project: string, name: string, platform: string, progress: (message: string) => void): Promise<BackupPoint> {
    const deadline = clock.now().getTime() + timeoutMs;
    let phase = "absent";
    for (;;) {
      const backup = (await store.list(project)).find((candidate) => candidate.name === name);
      phase = backup?.phase ?? "absent";
      const takenAt = backup?.startedAt ?? backup?.completedAt;
      if (backup && phase === "Completed" && takenAt) return { id: name, platform, takenAt };
      if (phase === "Failed" || phase === "PartiallyFailed" || phase === "FailedValidation" || clock.now().getTime() >= deadline) break;
      progress(`backup ${name} of ${project}: ${phase}`);
      await deps.sleep(pollMs);
    }
    throw new ConflictError(`the fresh backup ${name} of ${project} on ${platform} is ${phase}, not Completed: nothing was moved; run the failback again`, {
      reason: "backup-not-completed",
      params: { backup: name, platform, phase },
    });
  }

  return {
    status,

    async overview() {
      const head = await repo.head();
      if (!head) return [];
      const platforms = await platformsAt(repo, head);
      const recovered = [...new Set(platforms.flatMap((platform) => (platform.spec.recoveryFor ? [platform.spec.recoveryFor] : [])))].sort();
      const declaredNames = new Set(platforms.map((platform) => platform.metadata.name));
      return Promise.all(recovered.filter((name) => declaredNames.has(name)).map((name) => status(name)));
    },

    async preview(platform) {
      const head = await headOrFail();
      const { self, recovery } = await declared(head, platform);
      const target = requireRecovery(platform, recovery);
      const intents = await intentsOn(head, platform);
      const backups = await newestBackups(self, target, intents, () => undefined);
      const steps = await deps.instances.planRecovery({ action: "failover", platform, requester: SYSTEM, backups });
      const items = await Promise.all(
        steps.map(async (step): Promise<RecoveryItem> => {
          const intent = await intentAt(repo, head, step.project, step.instance);
          const backup = backups.get(`${step.project}/${step.instance}`);
          return step.kind === "move"
            ? {
                project: step.project,
                instance: step.instance,
                from: step.from,
                to: step.to,
                state: "failed-over",
                instanceState: intent.spec.state,
                backup: backup ?? null,
                rpoSeconds: step.rpoSeconds,
                rtoSeconds: null,
                ...(step.bucket ? { bucket: { name: step.bucket.name, platform: step.bucket.platform } } : {}),
              }
            : skippedItem(step, intent);
        }),
      );
      return { platform, recoveryPlatform: target.metadata.name, state: "normal", action: null, commit: null, at: null, by: null, reason: null, items };
    },

    async failover(platform, reason, requester, options = {}) {
      const progress = options.progress ?? (() => undefined);
      const requestId = requestIdOf(options.key, { person: requester.login, operation: "failover", target: platform });
      if (requestId && (await index.findRequest(requestId))) return status(platform);
      const head = await headOrFail();
      const { self, recovery } = await declared(head, platform);
      const target = requireRecovery(platform, recovery);
      const intents = await intentsOn(head, platform);
      progress(`${intents.length} instance(s) on ${platform}; reading their newest backups`);
      const backups = await newestBackups(self, target, intents, progress);
      const outcome = await deps.instances.recover({ action: "failover", platform, requester, reason, ...(requestId ? { requestId } : {}), backups });
      progress(outcome.commit ? `committed ${outcome.commit}` : "nothing to move: the desired state already says so");
      return status(platform);
    },

    async failback(platform, requester, options = {}) {
      const progress = options.progress ?? (() => undefined);
      const requestId = requestIdOf(options.key, { person: requester.login, operation: "failback", target: platform });
      if (requestId && (await index.findRequest(requestId))) return status(platform);
      const head = await headOrFail();
      const { recovery } = await declared(head, platform);
      const site = requireRecovery(platform, recovery);
      const away = failedOverIntents(platform, await intentsOn(head, site.metadata.name));
      // The fresh backups are named from the request (or, without a key, from the failover they
      // undo): a failback run again after a crash finds them and takes none twice.
      const basis = requestId ?? (await lastSteps(platform)).failover?.id ?? "none";
      const backups = new Map<string, BackupPoint>();
      if (site.spec.engine === "podman") {
        const store = await deps.volumeBackups?.backupsFor(site.metadata.name);
        for (const intent of away) {
          const ref = refOf(intent);
          if (!store)
            throw new ConflictError(`${site.metadata.name} has no volume backups (spec.backups): a failback would bring ${ref} back empty`, {
              reason: "backup-not-completed",
              params: { backup: "-", platform: site.metadata.name, phase: "no-backups" },
            });
          const suffix = `fb${digest(basis, ref).slice(0, 12)}`;
          const { project, name } = intent.metadata;
          const existing = (await store.list(project, name)).find((record) => record.id.endsWith(`-${suffix}`));
          const record =
            existing ??
            (progress(`backing up ${ref} on ${site.metadata.name}`),
            await store.backup(project, name, { id: `${compactTime(clock.now())}-${suffix}`, takenAt: clock.now(), progress }));
          backups.set(ref, { id: record.id, platform: record.platform, takenAt: record.takenAt });
        }
      } else {
        const store = await deps.clusterBackups?.backupsFor(site.metadata.name);
        const projects = [...new Set(away.map((intent) => intent.metadata.project))].sort();
        for (const project of projects) {
          if (!store)
            throw new ConflictError(`${site.metadata.name} has no Velero backups (spec.backups): a failback would bring ${project}'s instances back empty`, {
              reason: "backup-not-completed",
              params: { backup: "-", platform: site.metadata.name, phase: "no-backups" },
            });
          const name = `${project.slice(0, 40)}-failback-${digest(basis, project).slice(0, 12)}`;
          if (!(await store.list(project)).some((backup) => backup.name === name)) {
            progress(`asking Velero on ${site.metadata.name} for a backup of ${project} (${name})`);
            await store.request(project, name);
          }
          const point = await completed(store, project, name, site.metadata.name, progress);
          progress(`backup ${name} of ${project}: Completed`);
          for (const intent of away) if (intent.metadata.project === project) backups.set(refOf(intent), point);
        }
      }
      const outcome = await deps.instances.recover({ action: "failback", platform, requester, ...(requestId ? { requestId } : {}), backups });
      progress(outcome.commit ? `committed ${outcome.commit}` : "nothing to move back");
      return status(platform);
    },
  };
}
