// A person's temporary credentials and the rotation of a project's key (ADR 0030).
// Temporary credentials are a further key pair of the project's user, shown once and never kept:
// Plateau records only their id, expiry, login and platform (owner `_s3-temporary`), and the
// `s3 keys` task revokes them once expired. A rotation makes a new key, keeps it, hands it to the
// instances that use the old one and restarts them, then revokes every other key; each step is
// idempotent, and the buckets' reconciler finishes a rotation a crash interrupted.
import { ConflictError, InputError, NotFoundError } from "../errors.js";
import { parsePlatform, type PlatformDocument } from "../model.js";
import type { Clock } from "../ports/clock.js";
import type { DesiredStateRepository } from "../ports/desired-state-repository.js";
import type { Logger } from "../ports/logger.js";
import type { Scheduler } from "../ports/scheduler.js";
import type { ObjectStorage, ObjectStorages, S3Key } from "../ports/object-storage.js";
import type { SecretStore } from "../ports/secret-store.js";
import type { StateIndex } from "../ports/state-index.js";
import { platformPath } from "../repository/layout.js";
import { INSTANCE_S3_ACCESS_KEY_ID, INSTANCE_S3_SECRET_ACCESS_KEY, projectKeyOwner, readProjectKey, writeProjectKey } from "./key-store.js";
import { bucketAt, projectBucketsAt } from "./read.js";
import type { PlatformLocks } from "./serial.js";

/** The SecretStore owner of a project's temporary credentials' records (no secret in them). */
export const TEMPORARY_OWNER = "_s3-temporary";
/** Beside a project's key pair: the instances still to restart on the key kept (a JSON list), so that a crash loses none. */
export const RESTARTS_PENDING = "restarts-pending";
export const DEFAULT_CREDENTIAL_HOURS = 12;

/** What Plateau keeps of a temporary key pair: never its secret. */
export interface TemporaryKeyRecord {
  readonly accessKeyId: string;
  readonly expiresAt: string;
  readonly login: string;
  readonly platform: string;
}

export interface TemporaryCredentialsResult {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly expiresAt: string;
  readonly endpoint: string;
  readonly region: string;
  readonly pathStyle: boolean;
  readonly buckets: string[];
}

export interface RotateKeyOutcome {
  readonly platform: string;
  readonly accessKeyId: string;
  readonly restarted: string[];
}

/** Restarts a running instance so that it reads its generated Secret again; settles once it ran again (or failed to). */
export type RestartInstance = (platform: string, project: string, instance: string) => Promise<void>;

export interface KeyHandOverDeps {
  readonly index: Pick<StateIndex, "listInstances">;
  readonly secrets: SecretStore;
  readonly restart?: RestartInstance;
  readonly logger?: Logger;
  /** The project's instances attached to its buckets on a platform (from their intents): they read its key at each apply. */
  readonly attachedInstances?: (platform: string, project: string) => Promise<string[]>;
}

export interface BucketKeysDeps extends KeyHandOverDeps {
  readonly repo: DesiredStateRepository;
  readonly storages: ObjectStorages;
  readonly clock: Clock;
  readonly locks: PlatformLocks;
}

function parseRecord(text: string): TemporaryKeyRecord | undefined {
  try {
    const value = JSON.parse(text) as Partial<TemporaryKeyRecord>;
    if (typeof value.accessKeyId === "string" && typeof value.expiresAt === "string" && typeof value.login === "string" && typeof value.platform === "string")
      return { accessKeyId: value.accessKeyId, expiresAt: value.expiresAt, login: value.login, platform: value.platform };
  } catch {
    // an unreadable record is no live key: the reconciler revokes what it named
  }
  return undefined;
}

/** The temporary keys recorded for a project (every platform). */
export async function temporaryKeys(secrets: SecretStore, project: string): Promise<TemporaryKeyRecord[]> {
  const records = Object.values(await secrets.read(project, TEMPORARY_OWNER)).map(parseRecord);
  return records.filter((record): record is TemporaryKeyRecord => record !== undefined).sort((a, b) => (a.accessKeyId < b.accessKeyId ? -1 : 1));
}

/** The access key ids of the project's temporary keys on the platform that have not expired. */
export async function liveTemporaryKeys(secrets: SecretStore, clock: Clock, platform: string, project: string): Promise<string[]> {
  const now = clock.now().getTime();
  return (await temporaryKeys(secrets, project))
    .filter((record) => record.platform === platform && new Date(record.expiresAt).getTime() > now)
    .map((record) => record.accessKeyId);
}

/** Forgets some temporary keys' records of a project (the store replaces names, it does not drop one: the rest is written back). */
async function forgetTemporaryKeys(secrets: SecretStore, project: string, accessKeyIds: ReadonlySet<string>): Promise<void> {
  if (accessKeyIds.size === 0) return;
  const kept = Object.fromEntries(Object.entries(await secrets.read(project, TEMPORARY_OWNER)).filter(([name]) => !accessKeyIds.has(name)));
  await secrets.remove(project, TEMPORARY_OWNER);
  // A crash here loses the others' records: their keys are then revoked early by the reconciler (never kept late).
  if (Object.keys(kept).length > 0) await secrets.put(project, TEMPORARY_OWNER, kept);
}

/** Forgets everything Plateau keeps of a removed project's keys on a platform (its key pair, its temporary keys' records there). */
export async function forgetProjectKeys(secrets: SecretStore, platform: string, project: string): Promise<void> {
  await secrets.remove(project, projectKeyOwner(platform));
  const here = (await temporaryKeys(secrets, project)).filter((record) => record.platform === platform);
  await forgetTemporaryKeys(secrets, project, new Set(here.map((record) => record.accessKeyId)));
}

async function pendingRestarts(secrets: SecretStore, platform: string, project: string): Promise<string[]> {
  const text = (await secrets.read(project, projectKeyOwner(platform)))[RESTARTS_PENDING];
  if (!text) return [];
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.filter((name): name is string => typeof name === "string") : [];
  } catch {
    return [];
  }
}

/**
 * The project's instances that read its key on this platform. By default those whose generated
 * secrets hold a copy of it; `deps.attachedInstances` answers from the instances' intents when
 * the key is handed over at each apply instead (an instance attached to a bucket there).
 */
async function instancesUsingKey(
  deps: KeyHandOverDeps,
  platform: string,
  project: string,
): Promise<{ name: string; platform: string; running: boolean; copy: boolean }[]> {
  const instances = await deps.index.listInstances({ project });
  const attached = new Set(deps.attachedInstances ? await deps.attachedInstances(platform, project) : []);
  const using: { name: string; platform: string; running: boolean; copy: boolean }[] = [];
  for (const instance of instances) {
    const copy = (await deps.secrets.read(project, instance.name))[INSTANCE_S3_ACCESS_KEY_ID] !== undefined && instance.platform === platform;
    if (copy || attached.has(instance.name)) using.push({ name: instance.name, platform: instance.platform, running: instance.state === "running", copy });
  }
  return using;
}

const writePending = (secrets: SecretStore, platform: string, project: string, names: Iterable<string>) =>
  secrets.put(project, projectKeyOwner(platform), { [RESTARTS_PENDING]: JSON.stringify([...new Set(names)].sort()) });

/**
 * Before a new key is kept: the running instances that use the project's key there are written
 * down as to restart, so that a crash at any later step leaves them to the next pass, which
 * restarts them before it revokes the old key.
 */
export async function recordRestarts(deps: KeyHandOverDeps, platform: string, project: string): Promise<void> {
  const running = (await instancesUsingKey(deps, platform, project)).filter((instance) => instance.running).map((instance) => instance.name);
  if (running.length > 0) await writePending(deps.secrets, platform, project, [...(await pendingRestarts(deps.secrets, platform, project)), ...running]);
}

/**
 * Hands the project's key kept on the platform to the instances that hold a copy of another one
 * (written down as to restart first), then restarts the instances written down, so that none
 * still uses a key about to be revoked. Answers the instances restarted.
 */
export async function handOverProjectKey(deps: KeyHandOverDeps, platform: string, project: string, key: S3Key): Promise<string[]> {
  const using = await instancesUsingKey(deps, platform, project);
  const stale: string[] = [];
  for (const instance of using.filter((candidate) => candidate.copy)) {
    if ((await deps.secrets.read(project, instance.name))[INSTANCE_S3_ACCESS_KEY_ID] !== key.accessKeyId) stale.push(instance.name);
  }
  const byName = new Map(using.map((instance) => [instance.name, instance]));
  const instances = new Map((await deps.index.listInstances({ project })).map((instance) => [instance.name, instance]));
  const pending = new Set(await pendingRestarts(deps.secrets, platform, project));
  for (const name of stale) if (byName.get(name)?.running) pending.add(name);
  // Stopped or gone: it reads the key kept when it starts.
  for (const name of pending) if (instances.get(name)?.state !== "running") pending.delete(name);
  if (stale.length === 0 && pending.size === 0) {
    if ((await deps.secrets.read(project, projectKeyOwner(platform)))[RESTARTS_PENDING] !== undefined) await writePending(deps.secrets, platform, project, []);
    return [];
  }
  await writePending(deps.secrets, platform, project, pending);
  for (const name of stale) {
    await deps.secrets.put(project, name, { [INSTANCE_S3_ACCESS_KEY_ID]: key.accessKeyId, [INSTANCE_S3_SECRET_ACCESS_KEY]: key.secretAccessKey });
  }
  const restarted: string[] = [];
  for (const name of [...pending].sort()) {
    const instance = instances.get(name);
    if (!deps.restart) break;
    if (!instance) continue;
    try {
      await deps.restart(instance.platform, project, name);
      restarted.push(name);
      pending.delete(name);
    } catch (error) {
      deps.logger?.warn(
        { platform, project, instance: name, error: (error as Error).message },
        "an instance could not be restarted on its project's new S3 key; tried again at the next pass",
      );
    }
  }
  await writePending(deps.secrets, platform, project, pending);
  return restarted;
}

/** Revokes the project's keys on the provider that are neither the one kept nor a live temporary one; answers those revoked. */
export async function revokeStrayKeys(storage: ObjectStorage, secrets: SecretStore, clock: Clock, platform: string, project: string): Promise<string[]> {
  const kept = await readProjectKey(secrets, platform, project);
  const keep = new Set([...(kept ? [kept.accessKeyId] : []), ...(await liveTemporaryKeys(secrets, clock, platform, project))]);
  const stray = (await storage.keys(project)).filter((id) => !keep.has(id));
  for (const id of stray) await storage.removeKey(project, id);
  return stray;
}

export interface BucketKeys {
  /** A key pair of the project's user for the caller (an editor), recorded without its secret and revoked once `hours` have passed. */
  temporaryCredentials(project: string, bucket: string, login: string, hours?: number): Promise<TemporaryCredentialsResult>;
  /** A new key for the project on the platform, handed to its instances (restarted), every other key revoked. */
  rotateKey(project: string, platform: string): Promise<RotateKeyOutcome>;
  /** Revokes the temporary keys whose time has come (the `s3 keys` task); answers how many. */
  expireTemporaryKeys(): Promise<number>;
}

export function createBucketKeys(deps: BucketKeysDeps): BucketKeys {
  const { repo, secrets, clock } = deps;

  async function platformAt(name: string): Promise<PlatformDocument> {
    const head = await repo.head();
    const text = head ? await repo.readFile(head, platformPath(name)) : undefined;
    if (text === undefined) throw new NotFoundError("platform", name);
    return parsePlatform(text, platformPath(name));
  }

  /** The object storage Plateau drives on the platform; a conflict when the keys are the cluster's (noobaa) or there is none. */
  async function storageOf(platformName: string): Promise<ObjectStorage> {
    const platform = await platformAt(platformName);
    if (platform.spec.s3?.provider === "noobaa") {
      throw new ConflictError(
        `platform ${platformName} keeps its buckets' keys in the cluster: instances read them from the Secret named like the bucket in the project's namespace`,
        { reason: "credentials-in-cluster", params: { platform: platformName } },
      );
    }
    const storage = await deps.storages.storageFor(platformName);
    if (!storage) throw new ConflictError(`platform ${platformName} has no object storage Plateau drives`);
    return storage;
  }

  return {
    async temporaryCredentials(project, bucketName, login, hours = DEFAULT_CREDENTIAL_HOURS) {
      if (!Number.isInteger(hours) || hours < 1 || hours > 168) throw InputError.field("/hours", "range", "must be a whole number of hours from 1 to 168");
      const head = await repo.head();
      const bucket = head ? await bucketAt(repo, head, project, bucketName) : undefined;
      if (!head || !bucket) throw new NotFoundError("bucket", `${project}/${bucketName}`);
      const platform = bucket.placement.platform;
      const storage = await storageOf(platform);
      const buckets = (await projectBucketsAt(repo, head, project)).filter((b) => b.placement.platform === platform).map((b) => b.metadata.name);
      return deps.locks.run(platform, async () => {
        await storage.ensureProject(project);
        const key = await storage.createKey(project);
        const expiresAt = new Date(clock.now().getTime() + hours * 3_600_000).toISOString();
        const record: TemporaryKeyRecord = { accessKeyId: key.accessKeyId, expiresAt, login, platform };
        try {
          await secrets.put(project, TEMPORARY_OWNER, { [key.accessKeyId]: JSON.stringify(record) });
        } catch (error) {
          await storage.removeKey(project, key.accessKeyId).catch(() => undefined); // never a key nobody will revoke
          throw error;
        }
        const { url, region, pathStyle } = storage.endpoint;
        return { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey, expiresAt, endpoint: url, region, pathStyle, buckets };
      });
    },

    async rotateKey(project, platform) {
      const storage = await storageOf(platform);
      return deps.locks.run(platform, async () => {
        await storage.ensureProject(project);
        await recordRestarts(deps, platform, project);
        const key = await storage.createKey(project);
        await writeProjectKey(secrets, platform, project, key);
        const restarted = await handOverProjectKey(deps, platform, project, key);
        await revokeStrayKeys(storage, secrets, clock, platform, project);
        return { platform, accessKeyId: key.accessKeyId, restarted };
      });
    },

    async expireTemporaryKeys() {
      const now = clock.now().getTime();
      const projects = [...new Set((await secrets.owners()).filter((owner) => owner.instance === TEMPORARY_OWNER).map((owner) => owner.project))].sort();
      let revoked = 0;
      for (const project of projects) {
        const due = (await temporaryKeys(secrets, project)).filter((record) => new Date(record.expiresAt).getTime() <= now);
        for (const record of due) {
          // Revoked first, forgotten after: a crash between leaves a record whose revocation is done again (absent key: nothing).
          const storage = await deps.storages.storageFor(record.platform);
          await deps.locks.run(record.platform, async () => {
            await storage?.removeKey(project, record.accessKeyId);
            await forgetTemporaryKeys(secrets, project, new Set([record.accessKeyId]));
          });
          revoked++;
        }
      }
      return revoked;
    },
  };
}

/** The `s3 keys` task: temporary keys are revoked once expired, checked every `intervalMs` (and at start). */
export function scheduleTemporaryKeyExpiry(params: {
  scheduler: Scheduler;
  keys: Pick<BucketKeys, "expireTemporaryKeys">;
  intervalMs: number;
  logger: Logger;
}) {
  return params.scheduler.add({
    name: "s3 keys",
    // Revoking on the providers, once: on the leader only (ADR 40).
    scope: "one-replica",
    intervalMs: params.intervalMs,
    immediately: true,
    async run() {
      try {
        const revoked = await params.keys.expireTemporaryKeys();
        if (revoked > 0) params.logger.info({ revoked }, "expired temporary S3 keys revoked");
      } catch (error) {
        params.logger.warn({ error: (error as Error).message }, "expired temporary S3 keys could not all be revoked; tried again at the next check");
      }
    },
  });
}
