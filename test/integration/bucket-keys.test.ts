// The buckets' reconciler, temporary credentials and key rotation over the memory object storage
// (ADR 0030): the provider converges to git at head, a removed project's keys stop at once, stray
// keys are revoked, temporary keys expire on the scheduler's clock, a rotation restarts what uses
// the old key before revoking it, and a crash between its steps converges. The real RGW:
// bucket-reconcile-rgw.test.ts.
import { afterEach, describe, expect, it } from "vitest";
import { createMemoryObjectStorage, type MemoryObjectStorage } from "../../src/adapters/memory/memory-object-storage.js";
import {
  readProjectKey,
  INSTANCE_S3_ACCESS_KEY_ID,
  INSTANCE_S3_SECRET_ACCESS_KEY,
  projectKeyOwner,
  writeProjectKey,
} from "../../src/core/buckets/key-store.js";
import { createBucketKeys, recordRestarts, TEMPORARY_OWNER, temporaryKeys } from "../../src/core/buckets/keys.js";
import { createPlatformLocks } from "../../src/core/buckets/serial.js";
import { API_VERSION, serialize, type BucketDocument, type PlatformDocument } from "../../src/core/model.js";
import type { ObjectStorage } from "../../src/core/ports/object-storage.js";
import { silentLogger } from "../../src/core/ports/logger.js";
import { localPlatformDocument } from "../../src/core/platforms/service.js";
import { bucketPath } from "../../src/core/repository/layout.js";
import { createScheduler } from "../../src/core/scheduler/scheduler.js";
import { createFakeClock } from "../../src/core/testing/fake-clock.js";
import { memoryApp } from "../support/app.js";
import { everythingCommitted } from "../support/committed.js";
import { alice, memoryPlateau } from "../support/plateau.js";

const bucket = (name: string, project: string, spec: Partial<BucketDocument["spec"]> = {}, platform = "local"): BucketDocument => ({
  apiVersion: API_VERSION,
  kind: "Bucket",
  metadata: { name, project, createdAt: "2026-03-01T09:00:00Z", createdBy: "alice" },
  spec: { quota: { sizeGiB: 1 }, ...spec },
  placement: { platform, reason: "test" },
});

const NOOBAA: PlatformDocument = (() => {
  const local = localPlatformDocument("localhost");
  return { ...local, metadata: { name: "okd" }, spec: { ...local.spec, title: "OKD", s3: { provider: "noobaa" } } };
})();

/** Counts the provider's changes (what a pass that has nothing to do must not make). */
function counted(storage: MemoryObjectStorage) {
  const calls: string[] = [];
  const failing = new Set<string>();
  const wrapped: ObjectStorage = {
    ...storage,
    endpoint: storage.endpoint,
    createKey: (project) => (calls.push(`createKey ${project}`), storage.createKey(project)),
    removeKey: (project, id) => (calls.push(`removeKey ${project}`), storage.removeKey(project, id)),
    removeProject: (project) => (calls.push(`removeProject ${project}`), storage.removeProject(project)),
    removeBucket: (name) => (calls.push(`removeBucket ${name}`), storage.removeBucket(name)),
    ensureBucket: async (settings) => {
      if (failing.has(settings.name)) throw new Error(`InvalidArgument: ${settings.name} refused by the provider`);
      return storage.ensureBucket(settings);
    },
    ensureProject: (project) => storage.ensureProject(project),
    keys: (project) => storage.keys(project),
    usage: (name) => storage.usage(name),
    buckets: () => storage.buckets(),
  };
  return { wrapped, calls, failing };
}

async function setUp(options: { scheduler?: ReturnType<typeof createScheduler>; clock?: ReturnType<typeof createFakeClock> } = {}) {
  const storage = createMemoryObjectStorage();
  const provider = counted(storage);
  const composed = await memoryPlateau(
    {
      objectStorages: { storageFor: async (platform) => (platform === "local" ? provider.wrapped : undefined) },
      ...(options.scheduler ? { scheduler: options.scheduler } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
    },
    [NOOBAA],
  );
  const { plateau, repo } = composed;
  await plateau.services.projects.create({ name: "demo", lab: "imb", title: "Demo" }, alice);
  await plateau.services.projects.create({ name: "other", lab: "imb", title: "Other" }, alice);
  const commit = async (changes: ({ path: string; content: string } | { path: string; remove: true })[]) => {
    await repo.commit({ parent: await repo.head(), author: alice, message: "test", trailers: {}, changes });
    await plateau.refresh();
  };
  const put = (document: BucketDocument) => commit([{ path: bucketPath(document.metadata.project, document.metadata.name), content: serialize(document) }]);
  const buckets = plateau.bucketReconcilers.get("local");
  if (!buckets) throw new Error("no buckets' reconciler for local");
  return { ...composed, storage, provider, commit, put, buckets };
}

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups) await cleanup();
  cleanups = [];
});

describe("the buckets' reconciler", () => {
  it("makes the project's user, key and buckets as git says, changes their settings, removes what git no longer has", async () => {
    const { storage, put, commit, buckets, adapters, plateau } = await setUp();
    await put(bucket("demo-data", "demo", { quota: { sizeGiB: 2, objects: 100 }, versioning: true }));
    await put(bucket("demo-logs", "demo", { expireDays: 7 }));
    const first = await buckets.reconcileOnce();
    expect(first?.failed).toEqual([]);
    expect(storage.state.buckets.get("demo-data")?.settings).toEqual({
      name: "demo-data",
      project: "demo",
      quota: { bytes: 2 * 1024 ** 3, objects: 100 },
      versioning: true,
    });
    expect(storage.state.buckets.get("demo-logs")?.settings.expireDays).toBe(7);
    const key = await readProjectKey(adapters.secrets, "local", "demo");
    expect(key && (await storage.keys("demo"))).toEqual([key?.accessKeyId]);
    expect(plateau.bucketStatuses.get("local", "demo-data")?.status).toBe("ready");
    // The kept key writes in the project's bucket, up to its quota.
    storage.putObject(key?.accessKeyId ?? "", "demo-data", "a", 1024);

    await put(bucket("demo-data", "demo", { quota: { sizeGiB: 3 }, versioning: false }));
    await buckets.reconcileOnce();
    expect(storage.state.buckets.get("demo-data")?.settings.quota).toEqual({ bytes: 3 * 1024 ** 3 });
    expect(storage.state.buckets.get("demo-data")?.objects.size).toBe(1);

    await commit([{ path: bucketPath("demo", "demo-logs"), remove: true }]);
    const removed = await buckets.reconcileOnce();
    expect(removed?.removed).toEqual(["demo-logs"]);
    expect(storage.state.buckets.has("demo-logs")).toBe(false);
    expect(plateau.bucketStatuses.get("local", "demo-logs")).toBeUndefined();
    // No key nor secret of any kind reached git.
    const committed = await everythingCommitted(adapters.repo);
    expect(committed).not.toContain(key?.accessKeyId);
    expect(committed).not.toContain(key?.secretAccessKey);
  });

  it("does nothing at a second pass when the provider already is as git says", async () => {
    const { put, buckets, provider, storage } = await setUp();
    await put(bucket("demo-data", "demo"));
    await buckets.reconcileOnce();
    const state = JSON.stringify([...storage.state.buckets].map(([name, b]) => [name, b.settings]));
    provider.calls.length = 0;
    const second = await buckets.reconcileOnce();
    expect(provider.calls).toEqual([]);
    expect(second).toMatchObject({ removed: [], removedProjects: [], revokedKeys: 0, restarted: [], failed: [] });
    expect(JSON.stringify([...storage.state.buckets].map(([name, b]) => [name, b.settings]))).toBe(state);
  });

  it("revokes a key of the project that is neither the kept one nor a live temporary one", async () => {
    const { put, buckets, storage, adapters } = await setUp();
    await put(bucket("demo-data", "demo"));
    await buckets.reconcileOnce();
    const stray = await storage.createKey("demo"); // a rotation or a race a crash interrupted
    const pass = await buckets.reconcileOnce();
    expect(pass?.revokedKeys).toBe(1);
    const kept = await readProjectKey(adapters.secrets, "local", "demo");
    expect(await storage.keys("demo")).toEqual([kept?.accessKeyId]);
    expect(() => storage.putObject(stray.accessKeyId, "demo-data", "x", 1)).toThrow(/AccessDenied/);
  });

  it("lets one failing bucket block no other, and says the provider's words in its status", async () => {
    const { put, buckets, provider, storage, plateau } = await setUp();
    provider.failing.add("demo-bad");
    await put(bucket("demo-bad", "demo"));
    await put(bucket("demo-good", "demo"));
    await put(bucket("other-good", "other"));
    const pass = await buckets.reconcileOnce();
    expect(pass?.failed).toEqual([{ bucket: "demo-bad", message: "InvalidArgument: demo-bad refused by the provider" }]);
    expect([...storage.state.buckets.keys()].sort()).toEqual(["demo-good", "other-good"]);
    expect(plateau.bucketStatuses.get("local", "demo-bad")).toMatchObject({ status: "failed", message: "InvalidArgument: demo-bad refused by the provider" });
    expect(plateau.bucketStatuses.get("local", "demo-good")?.status).toBe("ready");
    provider.failing.clear();
    await buckets.reconcileOnce();
    expect(plateau.bucketStatuses.get("local", "demo-bad")?.status).toBe("ready");
  });

  it("makes a replica's bucket on the replica's platform: same name, same project", async () => {
    const { put, buckets, storage } = await setUp();
    await put(bucket("demo-far", "demo", { replica: { platform: "local" } }, "okd"));
    await buckets.reconcileOnce();
    expect(storage.state.buckets.get("demo-far")?.settings.project).toBe("demo");
  });

  it("removes a removed project's user at the pass its removal commit triggers: its keys are refused at once, Plateau forgets them", async () => {
    const { put, commit, buckets, storage, adapters, plateau } = await setUp();
    await put(bucket("other-data", "other"));
    await buckets.reconcileOnce();
    const key = await readProjectKey(adapters.secrets, "local", "other");
    const temporary = await plateau.services.bucketKeys?.temporaryCredentials("other", "other-data", "alice", 1);
    storage.putObject(key?.accessKeyId ?? "", "other-data", "a", 1);
    storage.putObject(temporary?.accessKeyId ?? "", "other-data", "b", 1);

    buckets.start();
    cleanups.push(() => buckets.stop());
    await adapters.scheduler.idle();
    await commit([{ path: "projects/other", remove: true }]); // woken by the commit, not by a timer (60 s)
    await adapters.scheduler.idle();
    expect(await storage.keys("other")).toEqual([]);
    expect(storage.state.buckets.has("other-data")).toBe(false);
    expect(() => storage.putObject(key?.accessKeyId ?? "", "demo-x", "a", 1)).toThrow();
    expect(await adapters.secrets.read("other", projectKeyOwner("local"))).toEqual({});
    expect(await adapters.secrets.read("other", TEMPORARY_OWNER)).toEqual({});
  });
});

describe("temporary credentials", () => {
  it("are a working key pair recorded without its secret, kept by the reconciler, revoked by `s3 keys` once expired", async () => {
    const clock = createFakeClock(new Date());
    const scheduler = createScheduler({ clock, timers: clock, random: { int: () => 0 }, logger: silentLogger });
    const { put, buckets, storage, adapters, plateau } = await setUp({ scheduler, clock });
    cleanups.push(() => scheduler.stop());
    await put(bucket("demo-data", "demo"));
    await buckets.reconcileOnce();
    const credentials = await plateau.services.bucketKeys?.temporaryCredentials("demo", "demo-data", "alice", 2);
    if (!credentials) throw new Error("no bucket keys");
    expect(credentials).toMatchObject({ endpoint: storage.endpoint.url, region: storage.endpoint.region, pathStyle: true, buckets: ["demo-data"] });
    expect(credentials.expiresAt).toBe(new Date(clock.now().getTime() + 2 * 3_600_000).toISOString());
    storage.putObject(credentials.accessKeyId, "demo-data", "mine", 1);
    const records = await temporaryKeys(adapters.secrets, "demo");
    expect(records).toEqual([{ accessKeyId: credentials.accessKeyId, expiresAt: credentials.expiresAt, login: "alice", platform: "local" }]);
    expect(JSON.stringify(await adapters.secrets.read("demo", TEMPORARY_OWNER))).not.toContain(credentials.secretAccessKey);
    // A live temporary key is no stray one.
    expect((await buckets.reconcileOnce())?.revokedKeys).toBe(0);

    plateau.temporaryKeyExpiry?.start(); // a first check at once: nothing due
    await scheduler.idle();
    expect(await storage.keys("demo")).toContain(credentials.accessKeyId);
    await clock.advance(2 * 3_600_000 - 60_000); // checks every 60 s: the last one before expiry
    await scheduler.idle();
    expect(await storage.keys("demo")).toContain(credentials.accessKeyId);
    await clock.advance(60_000);
    await scheduler.idle();
    expect(await storage.keys("demo")).not.toContain(credentials.accessKeyId);
    expect(() => storage.putObject(credentials.accessKeyId, "demo-data", "late", 1)).toThrow(/AccessDenied/);
    expect(await temporaryKeys(adapters.secrets, "demo")).toEqual([]);
    expect((await readProjectKey(adapters.secrets, "local", "demo"))?.accessKeyId).toBeDefined();
  });
});

describe("the credentials and rotate-key routes", () => {
  async function app() {
    const storage = createMemoryObjectStorage();
    const composed = await memoryApp({
      adapters: { objectStorages: { storageFor: async (platform) => (platform === "local" ? storage : undefined) } },
      platforms: [NOOBAA],
    });
    const { repo, plateau } = composed;
    const put = async (document: BucketDocument) => {
      await repo.commit({
        parent: await repo.head(),
        author: alice,
        message: "test",
        trailers: {},
        changes: [{ path: bucketPath(document.metadata.project, document.metadata.name), content: serialize(document) }],
      });
      await plateau.refresh();
    };
    cleanups.push(() => composed.app.close());
    return { ...composed, storage, put };
  }

  it("give an editor a key pair, refuse a viewer (403) and another lab's person (404), and refuse a noobaa bucket (409 credentials-in-cluster)", async () => {
    const { inject, as, put, storage, plateau } = await app();
    await plateau.services.projects.setMembers(
      "demo",
      [
        { login: "alice", role: "owner" },
        { login: "ines", role: "viewer" },
      ],
      alice,
    );
    await put(bucket("demo-data", "demo"));
    await put(bucket("demo-noobaa", "demo", {}, "okd"));
    const url = "/api/v1/projects/demo/buckets/demo-data/credentials";

    const given = await inject({ method: "POST", url, payload: { hours: 1 } });
    expect(given.statusCode).toBe(200);
    expect(given.headers["cache-control"]).toBe("no-store");
    const credentials = given.json<{ accessKeyId: string; secretAccessKey: string; buckets: string[] }>();
    expect(credentials.buckets).toEqual(["demo-data"]);
    expect(await storage.keys("demo")).toContain(credentials.accessKeyId);

    // ines is an admin of the lab imb: she owns its projects. A viewer who is nothing else is refused.
    expect((await inject({ method: "POST", url, payload: {}, headers: await as("bob") })).statusCode).toBe(404);
    const keysBefore = await storage.keys("demo");
    // A bucket of another lab's project, asked through one's own project: it is not this project's.
    await put(bucket("theirs-data", "beta"));
    expect((await inject({ method: "POST", url: "/api/v1/projects/demo/buckets/theirs-data/credentials", payload: {} })).statusCode).toBe(404);
    expect((await inject({ method: "POST", url: "/api/v1/projects/beta/buckets/theirs-data/credentials", payload: {} })).statusCode).toBe(404);
    expect(await storage.keys("beta")).toEqual([]);
    const noobaa = await inject({ method: "POST", url: "/api/v1/projects/demo/buckets/demo-noobaa/credentials", payload: {} });
    expect(noobaa.statusCode).toBe(409);
    expect(noobaa.json<{ error: { reason: string } }>().error.reason).toBe("credentials-in-cluster");
    expect(await storage.keys("demo")).toEqual(keysBefore);
  });

  it("refuse a viewer of the project", async () => {
    const { inject, as, put, plateau } = await app();
    await plateau.services.projects.setMembers(
      "demo",
      [
        { login: "alice", role: "owner" },
        { login: "bob", role: "viewer" },
      ],
      alice,
    );
    await put(bucket("demo-data", "demo"));
    const viewer = await inject({ method: "POST", url: "/api/v1/projects/demo/buckets/demo-data/credentials", payload: {}, headers: await as("bob") });
    expect(viewer.statusCode).toBe(403);
    const rotate = await inject({ method: "POST", url: "/api/v1/projects/demo/s3/local/rotate-key", headers: await as("bob") });
    expect(rotate.statusCode).toBe(403);
  });
});

describe("key rotation", () => {
  async function withInstance() {
    const context = await setUp();
    const { plateau, put, buckets, adapters, reconciler } = context;
    await put(bucket("demo-data", "demo"));
    await buckets.reconcileOnce();
    await plateau.services.instances.launch({ template: "static-site", project: "demo", name: "hello" }, alice);
    await reconciler.reconcileOnce();
    // What injection does (ADR 0030): the project's key in the instance's generated secrets.
    const old = await readProjectKey(adapters.secrets, "local", "demo");
    if (!old) throw new Error("no project key");
    await adapters.secrets.put("demo", "hello", { [INSTANCE_S3_ACCESS_KEY_ID]: old.accessKeyId, [INSTANCE_S3_SECRET_ACCESS_KEY]: old.secretAccessKey });
    return { ...context, old };
  }

  it("keeps a new key, hands it to the running instances and restarts them, then revokes the old one", async () => {
    const { plateau, storage, adapters, engine, old } = await withInstance();
    const applied = engine.applied();
    const outcome = await plateau.services.bucketKeys?.rotateKey("demo", "local");
    expect(outcome?.restarted).toEqual(["hello"]);
    expect(engine.applied()).toBe(applied + 1);
    const kept = await readProjectKey(adapters.secrets, "local", "demo");
    expect(outcome?.accessKeyId).toBe(kept?.accessKeyId);
    expect(kept?.accessKeyId).not.toBe(old.accessKeyId);
    expect((await adapters.secrets.read("demo", "hello"))[INSTANCE_S3_ACCESS_KEY_ID]).toBe(kept?.accessKeyId);
    expect(await storage.keys("demo")).toEqual([kept?.accessKeyId]);
    expect(() => storage.putObject(old.accessKeyId, "demo-data", "x", 1)).toThrow(/AccessDenied/);
    storage.putObject(kept?.accessKeyId ?? "", "demo-data", "x", 1);
    expect((await plateau.services.instances.get("demo", "hello")).phase).toBe("running");
  });

  it("converges after a crash between keeping the new key and restarting: the reconciler hands it over, restarts, revokes the old", async () => {
    const { storage, adapters, engine, old, buckets } = await withInstance();
    // The rotation's first steps, then a crash.
    const made = await storage.createKey("demo");
    await adapters.secrets.put("demo", projectKeyOwner("local"), { "access-key-id": made.accessKeyId, "secret-access-key": made.secretAccessKey });
    const applied = engine.applied();
    const pass = await buckets.reconcileOnce();
    expect(pass?.restarted).toEqual(["demo/hello"]);
    expect(pass?.revokedKeys).toBe(1);
    expect(engine.applied()).toBe(applied + 1);
    expect((await adapters.secrets.read("demo", "hello"))[INSTANCE_S3_ACCESS_KEY_ID]).toBe(made.accessKeyId);
    expect(await storage.keys("demo")).toEqual([made.accessKeyId]);
    expect(() => storage.putObject(old.accessKeyId, "demo-data", "x", 1)).toThrow(/AccessDenied/);
  });

  it("converges after a crash between making the new key and keeping it: the new key is the stray one", async () => {
    const { storage, adapters, old, buckets } = await withInstance();
    const made = await storage.createKey("demo");
    await buckets.reconcileOnce();
    expect(await storage.keys("demo")).toEqual([old.accessKeyId]);
    expect((await adapters.secrets.read("demo", "hello"))[INSTANCE_S3_ACCESS_KEY_ID]).toBe(old.accessKeyId);
    expect(() => storage.putObject(made.accessKeyId, "demo-data", "x", 1)).toThrow(/AccessDenied/);
  });

  it("with keys handed over at each apply (no copy kept by the instance): restarts the attached instances, and a crash after keeping the new key converges", async () => {
    const context = await setUp();
    const { plateau, put, buckets, adapters, reconciler, engine, storage } = context;
    await put(bucket("demo-data", "demo"));
    await buckets.reconcileOnce();
    await plateau.services.instances.launch({ template: "static-site", project: "demo", name: "hello" }, alice);
    await reconciler.reconcileOnce();
    const old = await readProjectKey(adapters.secrets, "local", "demo");
    const keys = createBucketKeys({
      repo: adapters.repo,
      index: adapters.index,
      storages: { storageFor: async () => storage },
      secrets: adapters.secrets,
      clock: adapters.clock,
      locks: createPlatformLocks(),
      restart: (_platform, project, instance) => reconciler.restart(project, instance),
      // What the intents say (ADR 0031): hello is attached to a bucket of demo on local.
      attachedInstances: async (platform, project) => (platform === "local" && project === "demo" ? ["hello"] : []),
    });
    let applied = engine.applied();
    const outcome = await keys.rotateKey("demo", "local");
    expect(outcome.restarted).toEqual(["hello"]);
    expect(engine.applied()).toBe(applied + 1);
    expect(await storage.keys("demo")).toEqual([outcome.accessKeyId]);
    expect(() => storage.putObject(old?.accessKeyId ?? "", "demo-data", "x", 1)).toThrow(/AccessDenied/);

    // A crash right after the new key was kept: the restarts written down first are done by the next pass, then the old key goes.
    await recordRestarts({ index: adapters.index, secrets: adapters.secrets, attachedInstances: async () => ["hello"] }, "local", "demo");
    const made = await storage.createKey("demo");
    await writeProjectKey(adapters.secrets, "local", "demo", made);
    applied = engine.applied();
    const pass = await buckets.reconcileOnce();
    expect(pass?.restarted).toEqual(["demo/hello"]);
    expect(engine.applied()).toBe(applied + 1);
    expect(await storage.keys("demo")).toEqual([made.accessKeyId]);
    expect((await buckets.reconcileOnce())?.restarted).toEqual([]);
  });

  it("is refused on a noobaa platform", async () => {
    const { plateau } = await setUp();
    await expect(plateau.services.bucketKeys?.rotateKey("demo", "okd")).rejects.toMatchObject({ reason: "credentials-in-cluster" });
  });
});
