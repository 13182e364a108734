// The buckets' reconciler of one platform with an object storage Plateau drives (ADR 0030): it
// converges the provider to git at head — each project with buckets here has its user and its
// key (kept in the SecretStore), each bucket exists with its quota, versioning and expiry; what
// git no longer has is removed, a removed project's user and keys at once; keys that are neither
// the one kept nor a live temporary one are revoked (a rotation or a race a crash interrupted).
// Woken by every commit and run every `intervalMs`, one pass at a time, as a task of the scheduler.
import type { Clock } from "../ports/clock.js";
import type { DesiredStateRepository } from "../ports/desired-state-repository.js";
import type { Logger } from "../ports/logger.js";
import type { ObjectStorage } from "../ports/object-storage.js";
import type { Scheduler } from "../ports/scheduler.js";
import type { SecretStore } from "../ports/secret-store.js";
import type { StateIndex } from "../ports/state-index.js";
import { bucketsOnPlatform, planBucketConvergence } from "./convergence.js";
import { ensureProjectKey, projectKeyOwner } from "./key-store.js";
import { forgetProjectKeys, handOverProjectKey, revokeStrayKeys, TEMPORARY_OWNER, temporaryKeys, type RestartInstance } from "./keys.js";
import { bucketsAt } from "./read.js";
import type { PlatformLocks } from "./serial.js";
import type { BucketStatuses } from "./statuses.js";

export interface BucketReconcilerDeps {
  readonly platform: string;
  readonly storage: ObjectStorage;
  readonly repo: DesiredStateRepository;
  readonly index: Pick<StateIndex, "listProjects" | "listInstances">;
  readonly secrets: SecretStore;
  readonly statuses: BucketStatuses;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly scheduler: Scheduler;
  readonly locks: PlatformLocks;
  readonly restart?: RestartInstance;
  /** Period of the safety-net pass, in ms (`buckets.checkSeconds`). */
  readonly intervalMs: number;
}

/** What one pass did (for logs and tests): nothing at all when the provider already is as git says. */
export interface BucketPassReport {
  readonly ensured: readonly string[];
  readonly removed: readonly string[];
  readonly removedProjects: readonly string[];
  readonly revokedKeys: number;
  readonly restarted: readonly string[];
  readonly failed: readonly { readonly bucket: string; readonly message: string }[];
}

export interface BucketReconciler {
  start(): void;
  stop(): Promise<void>;
  /** Asks for a pass soon (after a commit). */
  wake(): void;
  /** Runs one pass now (or right after the one in progress) and answers what it did. */
  reconcileOnce(): Promise<BucketPassReport | undefined>;
}

/** The provider's words, never a secret: an error naming a key would carry it, so keys are masked. */
function providerMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/[A-Za-z0-9/+=_-]{32,}/g, "…").slice(0, 500);
}

export function createBucketReconciler(deps: BucketReconcilerDeps): BucketReconciler {
  const { platform, storage, repo, secrets, statuses, logger } = deps;
  let stopped = true;
  let lastReport: BucketPassReport | undefined;
  /** The buckets this reconciler set a status for: those git no longer has here lose theirs. */
  const seen = new Set<string>();

  async function pass(): Promise<BucketPassReport> {
    const head = await repo.head();
    const all = head ? await bucketsAt(repo, head) : [];
    const desired = bucketsOnPlatform(platform, all);
    const liveProjects = new Set([...(await deps.index.listProjects()).map((project) => project.name), ...all.map((bucket) => bucket.metadata.project)]);
    const owners = await secrets.owners();
    const knownProjects = new Set(owners.filter((owner) => owner.instance === projectKeyOwner(platform)).map((owner) => owner.project));
    for (const project of new Set(owners.filter((owner) => owner.instance === TEMPORARY_OWNER).map((owner) => owner.project))) {
      if ((await temporaryKeys(secrets, project)).some((record) => record.platform === platform)) knownProjects.add(project);
    }
    const plan = planBucketConvergence({ desired, provided: await storage.buckets(), liveProjects, knownProjects });
    const ensured: string[] = [];
    const removed: string[] = [];
    const removedProjects: string[] = [];
    const restarted: string[] = [];
    const failed: { bucket: string; message: string }[] = [];
    let revokedKeys = 0;
    const at = () => deps.clock.now().toISOString();

    // A removed project's keys stop working first, before anything slower.
    for (const project of plan.removeProjects) {
      try {
        await deps.locks.run(platform, async () => {
          await storage.removeProject(project);
          await forgetProjectKeys(secrets, platform, project);
        });
        removedProjects.push(project);
        logger.info({ platform, project }, "a removed project's S3 user, keys and buckets removed");
      } catch (error) {
        logger.warn({ platform, project, error: providerMessage(error) }, "a removed project's S3 user could not be removed; tried again at the next pass");
      }
    }
    for (const name of plan.remove) {
      try {
        await storage.removeBucket(name);
        removed.push(name);
        logger.info({ platform, bucket: name }, "a bucket git no longer has removed");
      } catch (error) {
        logger.warn({ platform, bucket: name, error: providerMessage(error) }, "a bucket git no longer has could not be removed; tried again at the next pass");
      }
    }

    const projectsReady = new Map<string, string | undefined>();
    for (const project of plan.projects) {
      try {
        await deps.locks.run(platform, async () => {
          await storage.ensureProject(project);
          const key = await ensureProjectKey(storage, secrets, platform, project);
          restarted.push(...(await handOverProjectKey({ ...deps, logger }, platform, project, key)).map((instance) => `${project}/${instance}`));
          const revoked = await revokeStrayKeys(storage, secrets, deps.clock, platform, project);
          revokedKeys += revoked.length;
          if (revoked.length > 0) logger.info({ platform, project, keys: revoked.length }, "stray S3 keys of a project revoked");
        });
        projectsReady.set(project, undefined);
      } catch (error) {
        projectsReady.set(project, providerMessage(error));
        logger.warn({ platform, project, error: providerMessage(error) }, "a project's S3 user or key could not be made; tried again at the next pass");
      }
    }
    // Projects that keep a key here without a bucket any more: their stray keys are revoked all the same.
    for (const project of [...knownProjects].filter((name) => liveProjects.has(name) && !projectsReady.has(name)).sort()) {
      try {
        const revoked = await deps.locks.run(platform, () => revokeStrayKeys(storage, secrets, deps.clock, platform, project));
        revokedKeys += revoked.length;
      } catch (error) {
        logger.warn({ platform, project, error: providerMessage(error) }, "a project's stray S3 keys could not be revoked; tried again at the next pass");
      }
    }

    // One bucket's failure blocks no other: each is tried, and its status says how it went.
    const wanted = new Set<string>();
    for (const settings of plan.ensure) {
      wanted.add(settings.name);
      const projectFailure = projectsReady.get(settings.project);
      try {
        if (projectFailure !== undefined) throw new Error(projectFailure);
        // Under the lock: a provider may make the bucket with a transient key of the project's user, no stray to revoke meanwhile.
        await deps.locks.run(platform, () => storage.ensureBucket(settings));
        ensured.push(settings.name);
        const previous = statuses.get(platform, settings.name);
        statuses.set(platform, settings.name, { status: "ready", ...(previous?.replica ? { replica: previous.replica } : {}), at: at() });
      } catch (error) {
        const message = providerMessage(error);
        failed.push({ bucket: settings.name, message });
        const previous = statuses.get(platform, settings.name);
        statuses.set(platform, settings.name, { status: "failed", message, ...(previous?.replica ? { replica: previous.replica } : {}), at: at() });
        logger.warn({ platform, bucket: settings.name, error: message }, "a bucket could not be made as git says; tried again at the next pass");
      }
    }
    for (const name of [...seen]) {
      if (wanted.has(name)) continue;
      statuses.forget(platform, name);
      seen.delete(name);
    }
    for (const name of wanted) seen.add(name);
    return { ensured, removed, removedProjects, revokedKeys, restarted, failed };
  }

  const passes = deps.scheduler.add({
    name: `buckets ${platform}`,
    // Two replicas would make keys the other revokes: one replica runs it (ADR 19).
    scope: "one-replica",
    intervalMs: deps.intervalMs,
    immediately: true,
    async run() {
      try {
        lastReport = await pass();
      } catch (error) {
        lastReport = undefined;
        logger.error({ platform, error: providerMessage(error) }, "buckets' pass failed");
      }
    },
  });

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      passes.start();
    },
    async stop() {
      stopped = true;
      await passes.pause();
    },
    wake() {
      if (stopped) return;
      passes.trigger().catch(() => undefined); // a pass reports its own failures
    },
    async reconcileOnce() {
      await passes.trigger();
      return lastReport;
    },
  };
}
