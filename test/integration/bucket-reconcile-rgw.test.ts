// The buckets' reconciler and a person's temporary credentials on a real Ceph RGW (ADR 0030):
// git → the project's user and its buckets with their quota; a removed project's key refused at
// the pass its removal commit triggers; temporary credentials that work with an S3 client on the
// project's bucket, and stop once expired. The same logic on the memory adapter: bucket-keys.test.ts.
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { createS3Client } from "../../src/adapters/s3/client.js";
import { createRgwAdminApi } from "../../src/adapters/s3/rgw-admin-api.js";
import { createRgwAdminStorage } from "../../src/adapters/s3/rgw-admin.js";
import { readProjectKey } from "../../src/core/buckets/key-store.js";
import { API_VERSION, serialize, type BucketDocument } from "../../src/core/model.js";
import type { S3Key } from "../../src/core/ports/object-storage.js";
import { silentLogger } from "../../src/core/ports/logger.js";
import { bucketPath } from "../../src/core/repository/layout.js";
import { createScheduler } from "../../src/core/scheduler/scheduler.js";
import { createFakeClock } from "../../src/core/testing/fake-clock.js";
import { startCephRgw, type CephRgwServer } from "../support/ceph-rgw.js";
import { alice, memoryPlateau } from "../support/plateau.js";

const started = await startCephRgw();
const skipped = "skipped" in started;
const server = started as CephRgwServer;
const run = randomBytes(3).toString("hex");

afterAll(async () => {
  if (!skipped) await server.stop();
});

const bucket = (name: string, project: string, sizeGiB: number): BucketDocument => ({
  apiVersion: API_VERSION,
  kind: "Bucket",
  metadata: { name, project, createdAt: "2026-03-01T09:00:00Z", createdBy: "alice" },
  spec: { quota: { sizeGiB, objects: 50 } },
  placement: { platform: "local", reason: "test" },
});

describe.skipIf(skipped)("the buckets' reconciler on a real Ceph RGW", () => {
  const s3 = (key: S3Key) => createS3Client({ endpoint: server.endpoint, region: server.region, credentials: key });
  const put = (key: S3Key, name: string, body: string) => s3(key).send(new PutObjectCommand({ Bucket: name, Key: "hello.txt", Body: body }));
  const read = async (key: S3Key, name: string) => (await s3(key).send(new GetObjectCommand({ Bucket: name, Key: "hello.txt" }))).Body?.transformToString();

  it("makes git's buckets with their quota, refuses a removed project's key at once, and temporary credentials work until they expire", async () => {
    const clock = createFakeClock(new Date());
    const scheduler = createScheduler({ clock, timers: clock, random: { int: () => 0 }, logger: silentLogger });
    const storage = createRgwAdminStorage({
      endpoint: { url: server.endpoint, region: server.region, pathStyle: true },
      accessKeyId: server.accessKeyId,
      secretAccessKey: server.secretAccessKey,
      userPrefix: `plateau-${run}-`,
    });
    const { plateau, adapters, repo } = await memoryPlateau({
      objectStorages: { storageFor: async (p) => (p === "local" ? storage : undefined) },
      scheduler,
      clock,
    });
    await plateau.services.projects.create({ name: "demo", lab: "imb", title: "Demo" }, alice);
    await plateau.services.projects.create({ name: "other", lab: "imb", title: "Other" }, alice);
    const demoData = `demo-data-${run}`;
    const otherData = `other-data-${run}`;
    await repo.commit({
      parent: await repo.head(),
      author: alice,
      message: "two buckets",
      trailers: {},
      changes: [bucket(demoData, "demo", 0.5), bucket(otherData, "other", 1)].map((b) => ({
        path: bucketPath(b.metadata.project, b.metadata.name),
        content: serialize(b),
      })),
    });
    await plateau.refresh();
    const reconciler = plateau.bucketReconcilers.get("local");
    if (!reconciler) throw new Error("no buckets' reconciler");
    expect((await reconciler.reconcileOnce())?.failed).toEqual([]);

    const admin = createRgwAdminApi({ url: server.endpoint, region: server.region, accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey });
    const info = await admin.request<{ owner: string; bucket_quota: { enabled: boolean; max_size_kb: number; max_objects: number } }>("GET", "bucket", {
      bucket: demoData,
    });
    expect(info?.owner).toBe(`plateau-${run}-demo`);
    expect(info?.bucket_quota).toMatchObject({ enabled: true, max_size_kb: 512 * 1024, max_objects: 50 });
    const demoKey = await readProjectKey(adapters.secrets, "local", "demo");
    const otherKey = await readProjectKey(adapters.secrets, "local", "other");
    if (!demoKey || !otherKey) throw new Error("no project keys kept");
    await put(demoKey, demoData, "demo's");
    await put(otherKey, otherData, "other's");
    await expect(put(demoKey, otherData, "not mine")).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });

    // Temporary credentials: a working key pair on the project's bucket, with a real S3 client.
    const credentials = await plateau.services.bucketKeys?.temporaryCredentials("demo", demoData, "alice", 1);
    if (!credentials) throw new Error("no temporary credentials");
    expect(credentials.endpoint).toBe(server.endpoint);
    expect(await read(credentials, demoData)).toBe("demo's");
    await put(credentials, demoData, "mine");
    await expect(read(credentials, otherData)).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });

    // A removed project: its keys are refused at the pass its removal commit triggers.
    reconciler.start();
    plateau.temporaryKeyExpiry?.start();
    await scheduler.idle();
    await repo.commit({
      parent: await repo.head(),
      author: alice,
      message: "other removed",
      trailers: {},
      changes: [{ path: "projects/other", remove: true }],
    });
    await plateau.refresh();
    await scheduler.idle();
    await expect(s3(otherKey).send(new ListObjectsV2Command({ Bucket: otherData }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    expect((await storage.buckets()).map((b) => b.name)).not.toContain(otherData);

    // The temporary key stops once its hour has passed (`s3 keys` checks every 60 s); the project's own key keeps working.
    await clock.advance(3_600_000);
    await scheduler.idle();
    await expect(read(credentials, demoData)).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    expect(await read(demoKey, demoData)).toBe("mine");
    await plateau.stop();
    await scheduler.stop();
  });
});
