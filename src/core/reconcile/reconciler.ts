// The reconciler of one platform: it converges what the engine runs to `rendered/<platform>`
// at the head of the repository, by content hash. It is woken by commits and also runs
// periodically (to notice crashed workloads and commits made by others), one pass at a time, as
// a task of the scheduler; a restart at any point converges to the same result, since every
// decision is made again from what is.
import { generatedSecretKeys } from "../helm/secret-placeholders.js";
import { ensureProjectKey, INSTANCE_S3_ACCESS_KEY_ID, INSTANCE_S3_SECRET_ACCESS_KEY } from "../buckets/key-store.js";
import { parseInstance } from "../model.js";
import type { ObjectStorages } from "../ports/object-storage.js";

/** The keys of `<instance>-generated` that hold its project's S3 key: handed over, never generated. */
const S3_KEYS: ReadonlySet<string> = new Set([INSTANCE_S3_ACCESS_KEY_ID, INSTANCE_S3_SECRET_ACCESS_KEY]);
import { HELM_SEGMENT, instancePath, renderedHelmInstanceDir, renderedPlatformDir } from "../repository/layout.js";
import { isValidName } from "../names.js";
import { isKubeObject, wantsToRun, type KubeObject } from "../render/kube.js";
import { GENERATED_SECRET_LENGTH, generatedSecretName } from "../render/render.js";
import { fromYaml } from "../yaml.js";
import type { Clock, Random } from "../ports/clock.js";
import type { CommitId, DesiredStateRepository } from "../ports/desired-state-repository.js";
import type { Engine, ObservedUnit } from "../ports/engine.js";
import type { Logger } from "../ports/logger.js";
import type { Scheduler } from "../ports/scheduler.js";
import type { SecretStore } from "../ports/secret-store.js";
import type { CodeParams } from "../../contracts/codes.js";
import { deepEqual } from "../../contracts/json.js";
import { actionFailed, applying, platformUnavailable, REMOVING, reported, step, STOPPED, STOPPING, type StatusReasonOf } from "../status/reasons.js";
import type { EventKind, ObservedStatus, Phase, StatusStore } from "../ports/status-store.js";
import type { Telemetry } from "../ports/telemetry.js";
import { backoffDelayMs, planReconcile, unitKey, type Action, type Backoff, type DesiredUnitSummary } from "./plan.js";

export interface ReconcilerDeps {
  readonly platform: string;
  readonly engine: Engine;
  readonly repo: DesiredStateRepository;
  readonly statuses: StatusStore;
  readonly secrets: SecretStore;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly telemetry: Telemetry;
  /** Runs the passes: at start, every `intervalMs`, and when woken. */
  readonly scheduler: Scheduler;
  /** How many units are applied at once; the others wait, none blocks another's failure. */
  readonly concurrency?: number;
  /** Period of the safety-net pass, in ms. */
  readonly intervalMs?: number;
  /** The object storages Plateau drives: an instance attached to a bucket gets its project's key there (ADR 0031). */
  readonly objectStorages?: ObjectStorages;
  /** Told after each change of an instance's observed status (the proxy forgets its route). */
  readonly onStatusChange?: (project: string, instance: string) => void;
}

export interface Reconciler {
  start(): void;
  stop(): Promise<void>;
  /** Asks for a pass soon (after a commit). */
  wake(): void;
  /** Runs one pass now and waits for the actions it started. */
  reconcileOnce(): Promise<void>;
  /** Resolves when no pass and no action is in progress. */
  idle(): Promise<void>;
  /**
   * Applies a running instance again even though its revision did not change, so that it reads
   * its generated Secret anew (a rotated S3 key, ADR 0030): its workload is replaced (a
   * non-declarative engine stops it first). Settles once applied (rejects if that failed); at
   * once when the instance is not desired running here.
   */
  restart(project: string, instance: string): Promise<void>;
}

/** Instances whose "runs or not" is kept by tree hash (a few bytes each). */
const RUNNING_KEPT = 200_000;

export function createReconciler(deps: ReconcilerDeps): Reconciler {
  const { platform, engine, repo, statuses, logger } = deps;
  const concurrency = deps.concurrency ?? 2;
  const busy = new Set<string>();
  const backoff = new Map<string, Backoff>();
  const failures = new Map<string, number>();
  // Parsed manifests by content hash: a pass and the action after it read them once.
  const objectsByHash = new Map<string, KubeObject[]>();
  const runningByHash = new Map<string, boolean>();
  // The revision each unit's last "applying" event announced (bounded).
  const announced = new Map<string, string>();
  // Units that are Helm instances (`<project>/_helm/<instance>`), as of the last reading of the head.
  const helmUnits = new Set<string>();
  const shutdown = new AbortController();
  const lastStatus = new Map<string, ObservedStatus>();
  const inFlight = new Set<Promise<void>>();
  const queue: (() => void)[] = [];
  let active = 0;
  let stopped = true;
  let statusesLoaded = false;
  // What the engine runs, as last observed and then updated by our own actions. Passes woken
  // by a commit decide from it (observing costs engine calls); timer passes observe afresh.
  let observedCache: Map<string, ObservedUnit> | undefined;
  let freshRequested = true;
  // Restarts asked for (`restart`), and who waits for each: settled when its apply ends.
  const restartWaiters = new Map<string, { resolve: () => void; reject: (error: Error) => void }[]>();
  const restartsInFlight = new Set<string>();
  function settleRestart(key: string, error?: Error): void {
    const waiters = restartWaiters.get(key) ?? [];
    restartWaiters.delete(key);
    for (const waiter of waiters)
      if (error) waiter.reject(error);
      else waiter.resolve();
  }

  const now = () => deps.clock.now();

  async function setStatus(
    project: string,
    instance: string,
    phase: Phase,
    said: StatusReasonOf,
    endpoint: string | null,
    appliedHash: string | null,
  ): Promise<void> {
    const key = unitKey(project, instance);
    const previous = lastStatus.get(key);
    const { reason, reasonCode, reasonParams } = said;
    if (
      previous &&
      previous.phase === phase &&
      previous.reason === reason &&
      previous.reasonCode === reasonCode &&
      deepEqual(previous.reasonParams, reasonParams) &&
      previous.endpoint === endpoint &&
      previous.appliedHash === appliedHash &&
      previous.platform === platform
    )
      return;
    const status: ObservedStatus = {
      project,
      instance,
      platform,
      phase,
      reason,
      reasonCode,
      reasonParams,
      endpoint,
      appliedHash,
      updatedAt: now().toISOString(),
    };
    lastStatus.set(key, status);
    await statuses.setStatus(status);
    deps.onStatusChange?.(project, instance);
  }

  async function event(project: string, instance: string, kind: EventKind, params: CodeParams, message: string): Promise<void> {
    await statuses.addEvent({ project, instance, at: now().toISOString(), kind, params, message });
  }

  /**
   * Whether an instance's rendered manifests want it running, kept by their tree's hash (the
   * same tree, the same answer). Parsed manifests are kept for 500 trees only: a pass over more
   * read and parsed every instance again, at every commit (B14: 20,000 instances on the leader).
   * A boolean each is kept for all.
   */
  async function runningOf(head: CommitId, project: string, instance: string, hash: string): Promise<boolean> {
    const known = runningByHash.get(hash);
    if (known !== undefined) return known;
    const running = wantsToRun(await readObjects(head, project, instance, hash));
    if (runningByHash.size >= RUNNING_KEPT) runningByHash.clear();
    runningByHash.set(hash, running);
    return running;
  }

  async function readObjects(head: CommitId, project: string, instance: string, hash?: string): Promise<KubeObject[]> {
    const cached = hash ? objectsByHash.get(hash) : undefined;
    if (cached) return cached;
    const dir = helmUnits.has(unitKey(project, instance))
      ? renderedHelmInstanceDir(platform, project, instance)
      : `${renderedPlatformDir(platform)}/${project}/${instance}`;
    const files = (await repo.listDirectory(head, dir)).filter((entry) => entry.type === "blob" && entry.name.endsWith(".yaml"));
    // Asked for together: the repository answers them in one round trip, not one each.
    const texts = await Promise.all(files.map((entry) => repo.readFile(head, `${dir}/${entry.name}`)));
    const objects = files.map((entry, i) => {
      const text = texts[i];
      const value = text === undefined ? undefined : fromYaml(text, `${dir}/${entry.name}`);
      if (!isKubeObject(value)) throw new Error(`${dir}/${entry.name} is not a Kubernetes object`);
      return value;
    });
    if (hash) {
      if (objectsByHash.size > 500) objectsByHash.clear();
      objectsByHash.set(hash, objects);
    }
    return objects;
  }

  async function readDesired(head: CommitId): Promise<DesiredUnitSummary[]> {
    const units: DesiredUnitSummary[] = [];
    helmUnits.clear();
    for (const projectEntry of await repo.listDirectory(head, renderedPlatformDir(platform))) {
      if (projectEntry.type !== "tree") continue;
      // A project's instances are read together, in the order of its directory: the repository
      // answers them in about one round trip, where one after another costs a round trip each
      // (a cold start reads every instance).
      const project: (DesiredUnitSummary | Promise<DesiredUnitSummary>)[] = [];
      for (const entry of await repo.listDirectory(head, `${renderedPlatformDir(platform)}/${projectEntry.name}`)) {
        if (entry.type === "tree" && entry.name === HELM_SEGMENT) {
          // Helm instances on cluster platforms: one Application each; suspending is the chart's business (its values).
          for (const helm of await repo.listDirectory(head, `${renderedPlatformDir(platform)}/${projectEntry.name}/${HELM_SEGMENT}`)) {
            if (helm.type !== "tree" || !isValidName(helm.name)) continue;
            helmUnits.add(unitKey(projectEntry.name, helm.name));
            project.push({ project: projectEntry.name, instance: helm.name, hash: helm.hash, running: true });
          }
          continue;
        }
        // Only instances' directories (the project's own `_project` bundle is not a workload of its own).
        if (entry.type !== "tree" || !isValidName(entry.name)) continue;
        project.push(
          // Known by hash: unchanged instances cost no read here.
          runningOf(head, projectEntry.name, entry.name, entry.hash).then(
            (running) => ({ project: projectEntry.name, instance: entry.name, hash: entry.hash, running }),
            (error: unknown) => {
              logger.warn({ platform, project: projectEntry.name, instance: entry.name, error: (error as Error).message }, "rendered manifests unreadable");
              // Applying will fail and report why.
              return { project: projectEntry.name, instance: entry.name, hash: entry.hash, running: true };
            },
          ),
        );
      }
      units.push(...(await Promise.all(project)));
    }
    return units;
  }

  /**
   * The project's key on its attached bucket's platform (ADR 0031), under the keys its objects
   * read: made on the provider and kept under `_s3-<platform>` if it has none yet. Never the
   * instance's own secrets (a rotation reaches every instance at its next apply), never logged.
   */
  async function attachedKey(head: CommitId, project: string, instance: string): Promise<Record<string, string>> {
    const text = await repo.readFile(head, instancePath(project, instance));
    const bucket = text === undefined ? undefined : parseInstance(text, instancePath(project, instance)).spec.bucket;
    if (!bucket || bucket.provider !== "rgw-admin") throw new Error(`its objects read S3 keys, and its intent attaches no bucket of an rgw-admin platform`);
    const storage = await deps.objectStorages?.storageFor(bucket.platform);
    if (!storage) throw new Error(`its bucket ${bucket.name} is on ${bucket.platform}, whose object storage this Plateau does not drive (spec.s3)`);
    const key = await ensureProjectKey(storage, deps.secrets, bucket.platform, project);
    return { [INSTANCE_S3_ACCESS_KEY_ID]: key.accessKeyId, [INSTANCE_S3_SECRET_ACCESS_KEY]: key.secretAccessKey };
  }

  async function perform(action: Action, head: CommitId): Promise<void> {
    const { project, instance } = action;
    const key = unitKey(project, instance);
    let announcements: Promise<void> = Promise.resolve();
    // Marked handled at once: a write failing while the engine works is thrown by the await
    // after it, not reported meanwhile as an unhandled rejection (which ends the process).
    const announce = (next: Promise<void>) => {
      next.catch(() => undefined);
      announcements = next;
    };
    try {
      if (action.kind === "apply") {
        // A declarative engine is nudged again while it catches up with the same revision: one event says so, not one per pass.
        const again = engine.declarative === true && announced.get(key) === action.hash;
        announced.set(key, action.hash);
        if (announced.size > 10_000) announced.delete(announced.keys().next().value as string);
        // What is announced (the status, the events) is written in order while the engine
        // works: each write costs, and the engine need not wait for them (a launch's latency).
        const revision = action.hash.slice(0, 7);
        announce(
          setStatus(project, instance, "starting", applying(revision), null, null).then(() =>
            again ? undefined : event(project, instance, "applying", { revision, platform }, `applying revision ${revision} on ${platform}`),
          ),
        );
        const objects = await readObjects(head, project, instance, action.hash);
        if (restartsInFlight.has(key) && engine.declarative !== true) {
          // The same revision runs: the engine would keep it. Its workload goes first, its data stays.
          await engine.stop(project, instance);
          observedCache?.set(key, { project, instance, hash: null, phase: "stopped", reason: STOPPED.reason, endpoint: null });
        }
        const keys = generatedSecretKeys(objects, project, instance);
        const generated = keys.filter((secretKey) => !S3_KEYS.has(secretKey));
        const values = {
          ...(await deps.secrets.ensure(project, instance, generated, () => deps.random.secret(GENERATED_SECRET_LENGTH))),
          ...(generated.length < keys.length ? await attachedKey(head, project, instance) : {}),
        };
        const result = await engine.apply(
          { project, instance, hash: action.hash, objects },
          {
            secrets: keys.length > 0 ? { [generatedSecretName(instance)]: values } : {},
            ...(observedCache ? { observed: observedCache.get(key) ?? null } : {}),
            signal: shutdown.signal,
            progress: (message, kind, params = {}) => {
              announce(
                announcements
                  .then(() => setStatus(project, instance, "starting", step(message, kind, params), null, null))
                  .then(() => event(project, instance, kind, params, message)),
              );
            },
          },
        );
        await announcements;
        observedCache?.set(key, result);
        await setStatus(project, instance, result.phase, reported(result.reason), result.endpoint, result.hash);
        if (!again) {
          if (result.phase === "running") await event(project, instance, "running", {}, "running");
          else if (result.phase === "failed") await event(project, instance, "failed", { reason: result.reason }, `failed: ${result.reason}`);
          else await event(project, instance, "reported", { phase: result.phase, reason: result.reason }, `${result.phase}: ${result.reason}`);
        }
        backoff.delete(key);
        failures.delete(key);
      } else if (action.kind === "stop") {
        await setStatus(project, instance, "stopping", STOPPING, null, null);
        await engine.stop(project, instance);
        observedCache?.set(key, { project, instance, hash: null, phase: "stopped", reason: STOPPED.reason, endpoint: null });
        await setStatus(project, instance, "stopped", STOPPED, null, null);
        await event(project, instance, "stopped", {}, "stopped");
      } else {
        await setStatus(project, instance, "stopping", REMOVING, null, null);
        await engine.remove(project, instance);
        observedCache?.delete(key);
        lastStatus.delete(key);
        // Moved to another platform? Then its secrets and status belong to it now.
        if ((await repo.readFile(head, instancePath(project, instance))) === undefined) {
          await deps.secrets.remove(project, instance);
          await statuses.deleteStatus(project, instance);
        }
        deps.onStatusChange?.(project, instance);
        logger.info({ platform, project, instance }, "removed");
      }
    } catch (error) {
      const reason = (error as Error).message;
      observedCache = undefined; // what runs after a failure is unknown: observe it again
      if (action.kind === "apply") {
        const count = (failures.get(key) ?? 0) + 1;
        failures.set(key, count);
        backoff.set(key, { hash: action.hash, retryAt: now().getTime() + backoffDelayMs(count), reason });
      }
      logger.warn({ platform, project, instance, action: action.kind, error: reason }, "reconcile action failed");
      // What was announced before the failure lands first: the failure is the last word.
      await announcements.catch(() => undefined);
      await setStatus(project, instance, "failed", actionFailed(action.kind, reason), null, null).catch(() => undefined);
      await event(project, instance, "action-failed", { action: action.kind, reason }, `${action.kind} failed: ${reason}`).catch(() => undefined);
    }
  }

  function schedule(action: Action, head: CommitId): void {
    const key = unitKey(action.project, action.instance);
    busy.add(key);
    const run = () => {
      active++;
      const task = perform(action, head).finally(() => {
        if (restartsInFlight.delete(key)) {
          const failed = backoff.get(key);
          settleRestart(key, failed ? new Error(failed.reason) : undefined);
        }
        active--;
        busy.delete(key);
        inFlight.delete(task);
        queue.shift()?.();
        wake();
      });
      inFlight.add(task);
    };
    if (active < concurrency) run();
    else queue.push(run);
  }

  async function pass(): Promise<void> {
    const started = now().getTime();
    if (!statusesLoaded) {
      for (const status of await statuses.listStatuses({ platform })) lastStatus.set(unitKey(status.project, status.instance), status);
      statusesLoaded = true;
    }
    const head = await repo.head();
    const desired = head ? await readDesired(head) : [];
    const availability = await engine.availability();
    if (!availability.available) {
      const reason = platformUnavailable(platform, `${availability.reason ?? "unknown reason"}${availability.hint ? ` (${availability.hint})` : ""}`);
      for (const unit of desired) await setStatus(unit.project, unit.instance, "pending", reason, null, null);
      for (const key of [...restartWaiters.keys()]) if (!restartsInFlight.has(key)) settleRestart(key, new Error(reason.reason));
      deps.telemetry.pendingChanges(platform, desired.length);
      return;
    }
    const fresh = freshRequested || !observedCache;
    freshRequested = false;
    if (fresh) observedCache = new Map((await engine.observe()).map((unit) => [unitKey(unit.project, unit.instance), unit]));
    // A restart asked for: the unit is planned as if its revision did not run (once, when it is desired running and not busy).
    const restartable = new Set(desired.filter((unit) => unit.running).map((unit) => unitKey(unit.project, unit.instance)));
    for (const key of restartWaiters.keys()) {
      if (restartsInFlight.has(key) || busy.has(key)) continue;
      if (!restartable.has(key)) settleRestart(key);
      else {
        restartsInFlight.add(key);
        backoff.delete(key);
      }
    }
    const observed = [...(observedCache?.values() ?? [])].map((unit) =>
      restartsInFlight.has(unitKey(unit.project, unit.instance)) && !busy.has(unitKey(unit.project, unit.instance)) ? { ...unit, hash: null } : unit,
    );
    const known = [...lastStatus.values()].filter((status) => status.platform === platform);
    const plan = planReconcile({ desired, observed, busy, backoff, now: now().getTime(), known, declarative: engine.declarative === true });
    for (const { project, instance } of plan.forgotten) {
      const key = unitKey(project, instance);
      lastStatus.delete(key);
      backoff.delete(key);
      failures.delete(key);
      if (head && (await repo.readFile(head, instancePath(project, instance))) === undefined) {
        await deps.secrets.remove(project, instance);
        await statuses.deleteStatus(project, instance);
      }
      deps.onStatusChange?.(project, instance);
    }
    for (const status of plan.statuses) await setStatus(status.project, status.instance, status.phase, status, status.endpoint, status.appliedHash);
    for (const action of plan.actions) schedule(action, head as CommitId);
    deps.telemetry.pendingChanges(platform, plan.pending);
    deps.telemetry.reconcileDuration(platform, (now().getTime() - started) / 1000);
  }

  // One pass at a time: a wake during a pass gets one more pass after it (the scheduler's rule).
  const passes = deps.scheduler.add({
    name: `reconcile ${platform}`,
    // Two replicas applying the same units would fight: the leader alone runs it (ADR 40).
    scope: "one-replica",
    intervalMs: deps.intervalMs ?? 5000,
    immediately: true,
    async run({ reason }) {
      // Periodic passes observe the engine afresh; passes woken by a commit decide from the cache.
      if (reason === "interval") freshRequested = true;
      await pass().catch((error: unknown) => logger.error({ platform, error: (error as Error).message }, "reconcile pass failed"));
    },
  });

  function wake(): void {
    if (stopped) return;
    passes.trigger().catch(() => undefined); // a pass reports its own failures
  }

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      passes.start();
    },
    async stop() {
      stopped = true;
      await passes.pause();
      // Actions in flight are told to stop waiting, then awaited: nothing may touch the
      // database after this returns. What they leave half done, the next start converges.
      shutdown.abort();
      queue.length = 0;
      for (const key of [...restartWaiters.keys()]) if (!restartsInFlight.has(key)) settleRestart(key, new Error("the reconciler stopped"));
      await Promise.allSettled([...inFlight]);
    },
    wake,
    async reconcileOnce() {
      freshRequested = true;
      await passes.trigger();
      await Promise.all([...inFlight]);
      while (queue.length > 0 || inFlight.size > 0) await Promise.all([...inFlight]);
    },
    async restart(project, instance) {
      const key = unitKey(project, instance);
      const settled = new Promise<void>((resolve, reject) => restartWaiters.set(key, [...(restartWaiters.get(key) ?? []), { resolve, reject }]));
      await passes.trigger();
      await settled;
    },
    async idle() {
      for (;;) {
        await passes.idle();
        if (inFlight.size === 0 && !passes.status().running) return;
        await Promise.all([...inFlight]);
      }
    },
  };
}
