// Plateau's own backups of podman platforms' volumes (ADR 0034): the `backups <platform>` task
// (every instance due by its project's policy, one at a time, then retention) and a person's
// "back up now". Both go through one lock per platform: one backup at a time on a platform,
// whoever asks. The archives, checksums and manifests are the VolumeBackups adapter's.
import { ConflictError, NotFoundError } from "../errors.js";
import { parseProject, type ProjectDocument } from "../model.js";
import type { Clock, Random } from "../ports/clock.js";
import type { DesiredStateRepository } from "../ports/desired-state-repository.js";
import type { Logger } from "../ports/logger.js";
import type { StateIndex } from "../ports/state-index.js";
import type { BackupRecord, VolumeBackups, VolumeBackupsRegistry } from "../ports/volume-backups.js";
import { projectPath } from "../repository/layout.js";
import { backupDue, expiredBackups, recoveryPolicyOf, type RecoveryDefaults, type RecoveryPolicy } from "./policy.js";

const ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/**
 * A new backup's id: `<yyyymmddThhmmssZ>-<6 random>` in lowercase (`20261206t190000z-k3x9q2`):
 * a DNS label (Velero's and podman's names accept it), sorted by time as text.
 */
export function newBackupId(now: Date, random: Pick<Random, "int">): string {
  const stamp = now
    .toISOString()
    .replace(/\.\d+Z$/, "Z")
    .replace(/[-:]/g, "")
    .toLowerCase();
  const suffix = Array.from({ length: 6 }, () => ID_ALPHABET[random.int(ID_ALPHABET.length)]).join("");
  return `${stamp}-${suffix}`;
}

/** What one instance's turn of the task decides, from its policy and its backups (newest first or not). */
export function backupTurn<T extends { readonly takenAt: string }>(
  policy: RecoveryPolicy,
  backups: readonly T[],
  now: Date,
): { readonly backUp: boolean; readonly expired: T[] } {
  const newest = [...backups].sort((a, b) => Date.parse(b.takenAt) - Date.parse(a.takenAt))[0];
  return { backUp: backupDue(policy, newest?.takenAt, now), expired: policy.backups ? expiredBackups(policy, backups, now) : [] };
}

export interface BackupRunReport {
  /** Backups taken, by instance (`project/instance`). */
  readonly taken: { readonly instance: string; readonly backup: string }[];
  /** Backups removed by retention. */
  readonly removed: { readonly instance: string; readonly backup: string }[];
  /** Instances whose turn failed: tried again at the next run. */
  readonly failed: { readonly instance: string; readonly reason: string }[];
}

export interface VolumeBackupServiceDeps {
  readonly repo: DesiredStateRepository;
  readonly index: Pick<StateIndex, "listInstances" | "getInstance">;
  readonly registry: VolumeBackupsRegistry;
  readonly defaults: RecoveryDefaults;
  readonly clock: Clock;
  readonly random: Pick<Random, "int">;
  readonly logger: Logger;
}

export type VolumeBackupService = ReturnType<typeof createVolumeBackupService>;

export function createVolumeBackupService(deps: VolumeBackupServiceDeps) {
  const { clock, logger } = deps;
  // One backup at a time per platform: the task's and people's.
  const locks = new Map<string, Promise<unknown>>();
  function withPlatformLock<T>(platform: string, action: () => Promise<T>): Promise<T> {
    const previous = locks.get(platform) ?? Promise.resolve();
    const next = previous.then(action, action);
    const settled = next.catch(() => undefined);
    locks.set(platform, settled);
    void settled.then(() => locks.get(platform) === settled && locks.delete(platform));
    return next;
  }

  async function projectAt(name: string): Promise<Pick<ProjectDocument, "spec"> | undefined> {
    const head = await deps.repo.head();
    const text = head ? await deps.repo.readFile(head, projectPath(name)) : undefined;
    return text === undefined ? undefined : parseProject(text, projectPath(name));
  }

  async function take(backups: VolumeBackups, project: string, instance: string, signal?: AbortSignal): Promise<BackupRecord> {
    const now = clock.now();
    const id = newBackupId(now, deps.random);
    const ref = `${project}/${instance}`;
    logger.info({ instance: ref, backup: id, to: backups.location }, "backing up an instance's volumes");
    const record = await backups.backup(project, instance, {
      id,
      takenAt: now,
      ...(signal ? { signal } : {}),
      progress: (message) => logger.info({ instance: ref, backup: id }, message),
    });
    const bytes = record.volumes.reduce((sum, volume) => sum + volume.storedBytes, 0);
    logger.info({ instance: ref, backup: id, volumes: record.volumes.length, storedBytes: bytes }, "instance backed up");
    return record;
  }

  /** The backups of one placed instance, through the backups of the platform it runs on. */
  async function backupsOfInstance(project: string, instance: string): Promise<{ backups: VolumeBackups; platform: string }> {
    const placed = await deps.index.getInstance(project, instance);
    if (!placed) throw new NotFoundError("instance", `${project}/${instance}`);
    const backups = await deps.registry.backupsFor(placed.platform);
    if (!backups)
      throw new ConflictError(
        `platform ${placed.platform} keeps no volume backups Plateau takes (its file has no spec.backups, or it is not a podman platform)`,
        {
          reason: "no-volume-backups",
          params: { platform: placed.platform },
        },
      );
    return { backups, platform: placed.platform };
  }

  return {
    /** The platform's turn: every instance due backed up, one at a time, then the expired removed. A failure is one instance's. */
    async runPlatform(platform: string, signal?: AbortSignal): Promise<BackupRunReport> {
      const report: { taken: BackupRunReport["taken"]; removed: BackupRunReport["removed"]; failed: BackupRunReport["failed"] } = {
        taken: [],
        removed: [],
        failed: [],
      };
      const backups = await deps.registry.backupsFor(platform);
      if (!backups) return report;
      const instances = (await deps.index.listInstances({ platform })).sort((a, b) => a.project.localeCompare(b.project) || a.name.localeCompare(b.name));
      const policies = new Map<string, RecoveryPolicy | undefined>();
      for (const instance of instances) {
        if (signal?.aborted) break;
        const ref = `${instance.project}/${instance.name}`;
        try {
          if (!policies.has(instance.project)) {
            const project = await projectAt(instance.project);
            policies.set(instance.project, project && recoveryPolicyOf(project, deps.defaults));
          }
          const policy = policies.get(instance.project);
          if (!policy?.backups) continue;
          const existing = await backups.list(instance.project, instance.name);
          const turn = backupTurn(policy, existing, clock.now());
          let all = existing;
          if (turn.backUp) {
            const record = await withPlatformLock(platform, () => take(backups, instance.project, instance.name, signal));
            report.taken.push({ instance: ref, backup: record.id });
            all = [record, ...existing];
          }
          for (const expired of backupTurn(policy, all, clock.now()).expired) {
            await backups.remove(expired);
            report.removed.push({ instance: ref, backup: expired.id });
            logger.info({ instance: ref, backup: expired.id, takenAt: expired.takenAt }, "backup removed: older than the retention");
          }
        } catch (error) {
          report.failed.push({ instance: ref, reason: (error as Error).message });
          logger.warn({ instance: ref, error: (error as Error).message }, "an instance could not be backed up; tried again at the next run");
        }
      }
      return report;
    },

    /** An instance's backups, newest first (a platform without backups: none). */
    async list(project: string, instance: string): Promise<BackupRecord[]> {
      const placed = await deps.index.getInstance(project, instance);
      if (!placed) throw new NotFoundError("instance", `${project}/${instance}`);
      const backups = await deps.registry.backupsFor(placed.platform);
      // Only this instance's, whatever the adapter answers.
      return backups ? (await backups.list(project, instance)).filter((record) => record.project === project && record.instance === instance) : [];
    },

    /** Backs up an instance now, whatever its policy (a person before a risky change). */
    async backupNow(project: string, instance: string, signal?: AbortSignal): Promise<BackupRecord> {
      const { backups, platform } = await backupsOfInstance(project, instance);
      return withPlatformLock(platform, () => take(backups, project, instance, signal));
    },
  };
}
