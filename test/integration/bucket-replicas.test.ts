// Buckets' replicas on another site (ADR 0033) on two real Ceph RGWs: Plateau's one-way mirror
// copies with the project's own keys on each side, streamed, and says how far behind it is.
import { createHash, randomBytes } from "node:crypto";
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryRepository } from "../../src/adapters/memory/memory-repository.js";
import { createMemoryStore } from "../../src/adapters/memory/memory-store.js";
import { createS3BucketContents, s3ClientOf } from "../../src/adapters/s3/bucket-contents.js";
import { createRgwAdminStorage } from "../../src/adapters/s3/rgw-admin.js";
import { systemClock } from "../../src/adapters/system/system.js";
import { ensureProjectKey, readProjectKey } from "../../src/core/buckets/key-store.js";
import { createReplication, type Replication } from "../../src/core/buckets/replicate.js";
import { createBucketStatuses, type BucketStatuses } from "../../src/core/buckets/statuses.js";
import { API_VERSION, serialize, type BucketDocument } from "../../src/core/model.js";
import type { DesiredStateRepository } from "../../src/core/ports/desired-state-repository.js";
import type { ObjectStorage, S3Key } from "../../src/core/ports/object-storage.js";
import type { SecretStore } from "../../src/core/ports/secret-store.js";
import { silentLogger } from "../../src/core/ports/logger.js";
import { bucketPath } from "../../src/core/repository/layout.js";
import { startCephRgw, type CephRgwServer } from "../support/ceph-rgw.js";

const MIB = 1024 * 1024;
const [startedA, startedB] = await Promise.all([startCephRgw({ memstoreBytes: 512 * MIB }), startCephRgw({ memstoreBytes: 512 * MIB })]);
const skipped = "skipped" in startedA || "skipped" in startedB;
const run = randomBytes(3).toString("hex");
const PROJECT = `alpha-${run}`;
const OTHER = `beta-${run}`;
const MIRRORED = `mirrored-${run}`;
const SMALL_REPLICA = `tight-${run}`;
const UNMADE = `unmade-${run}`;

const storageOf = (server: CephRgwServer): ObjectStorage =>
  createRgwAdminStorage({
    endpoint: { url: server.endpoint, region: server.region, pathStyle: true },
    accessKeyId: server.accessKeyId,
    secretAccessKey: server.secretAccessKey,
    userPrefix: "plateau-",
  });

const bucketDocument = (name: string): BucketDocument => ({
  apiVersion: API_VERSION,
  kind: "Bucket",
  metadata: { name, project: PROJECT, createdAt: "2026-12-06T00:00:00Z", createdBy: "ada" },
  spec: { quota: { sizeGiB: 1 }, replica: { platform: "site-b" } },
  placement: { platform: "site-a", reason: "test" },
});

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

describe.skipIf(skipped)("bucket replicas on another site (two real Ceph RGWs)", () => {
  const serverA = startedA as CephRgwServer;
  const serverB = startedB as CephRgwServer;
  let siteA: ObjectStorage;
  let siteB: ObjectStorage;
  let secrets: SecretStore;
  let statuses: BucketStatuses;
  let repo: DesiredStateRepository;
  let replication: Replication;
  let source: S3Client;
  let replica: S3Client;
  let replicaKey: S3Key;

  const replicationOf = (bucketStatuses: BucketStatuses): Replication =>
    createReplication({
      repo,
      storages: { storageFor: async (platform) => (platform === "site-a" ? siteA : platform === "site-b" ? siteB : undefined) },
      secrets,
      // Small parts, so that a 12 MiB object is copied in parts here.
      contentsOf: (endpoint, key) => createS3BucketContents({ endpoint, key, multipartAboveBytes: 6 * MIB, minPartBytes: 5 * MIB }),
      statuses: bucketStatuses,
      clock: systemClock,
      logger: silentLogger,
      concurrency: 1,
    });
  const runFor = async (bucket: string, check = false) => {
    const runs = check ? await replication.check("site-a") : await replication.run("site-a");
    const found = runs.find((one) => one.bucket === bucket);
    if (!found) throw new Error(`no run for ${bucket}`);
    return found;
  };
  const readAll = async (client: S3Client, bucket: string, key: string) =>
    (await client.send(new GetObjectCommand({ Bucket: bucket, Key: key })).then((object) => object.Body?.transformToByteArray())) ?? new Uint8Array();
  const listKeys = async (client: S3Client, bucket: string) =>
    ((await client.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((object) => object.Key);

  beforeAll(async () => {
    siteA = storageOf(serverA);
    siteB = storageOf(serverB);
    secrets = createMemoryStore().secrets;
    statuses = createBucketStatuses();
    repo = createMemoryRepository({ clock: systemClock });
    await repo.commit({
      parent: null,
      author: { name: "ada", email: "ada@example.org" },
      message: "buckets with replicas",
      trailers: {},
      changes: [MIRRORED, SMALL_REPLICA, UNMADE].map((name) => ({ path: bucketPath(PROJECT, name), content: serialize(bucketDocument(name)) })),
    });
    // What the buckets' reconciler does: the bucket on its platform, its replica of the same name on the replica's.
    for (const name of [MIRRORED, SMALL_REPLICA, UNMADE]) {
      await siteA.ensureBucket({ name, project: PROJECT, quota: { bytes: 1024 * MIB }, versioning: false });
    }
    await siteB.ensureBucket({ name: MIRRORED, project: PROJECT, quota: { bytes: 1024 * MIB }, versioning: false });
    await siteB.ensureBucket({ name: SMALL_REPLICA, project: PROJECT, quota: { bytes: 3 * MIB }, versioning: false });
    replication = replicationOf(statuses);
    const sourceKey = await ensureProjectKey(siteA, secrets, "site-a", PROJECT);
    source = s3ClientOf(siteA.endpoint, sourceKey);
  }, 60_000);

  afterAll(async () => {
    if (!skipped) await Promise.all([serverA.stop(), serverB.stop()]);
  });

  const objects = {
    "a.txt": new TextEncoder().encode("hello, replica"),
    "dir/b.bin": randomBytes(MIB + 17),
    empty: new Uint8Array(),
    "un nom é+&?=.txt": randomBytes(1000),
  };
  const big = randomBytes(12 * MIB + 5);

  it("copies the source's objects byte for byte (a multipart one in parts): lagging before, in sync after, nothing to copy at the next run", async () => {
    for (const [key, body] of Object.entries(objects)) await source.send(new PutObjectCommand({ Bucket: MIRRORED, Key: key, Body: body }));
    // A multipart object: its ETag is `…-3`, which no copy in other parts reproduces.
    const upload = await source.send(new CreateMultipartUploadCommand({ Bucket: MIRRORED, Key: "big" }));
    const parts = [];
    for (let n = 0; n * 5 * MIB < big.length; n++) {
      const part = await source.send(
        new UploadPartCommand({
          Bucket: MIRRORED,
          Key: "big",
          UploadId: upload.UploadId,
          PartNumber: n + 1,
          Body: big.subarray(n * 5 * MIB, (n + 1) * 5 * MIB),
        }),
      );
      parts.push({ PartNumber: n + 1, ETag: part.ETag });
    }
    await source.send(new CompleteMultipartUploadCommand({ Bucket: MIRRORED, Key: "big", UploadId: upload.UploadId, MultipartUpload: { Parts: parts } }));

    const bytes = Object.values(objects).reduce((sum, body) => sum + body.length, 0) + big.length;
    const before = await runFor(MIRRORED, true);
    expect(before.replica).toMatchObject({ platform: "site-b", state: "lagging", behind: { objects: 5, bytes } });
    expect(before.copied).toBe(0);
    expect(statuses.get("site-a", MIRRORED)?.replica?.state).toBe("lagging");

    const first = await runFor(MIRRORED);
    expect(first).toMatchObject({ copied: 5, removed: 0, replica: { state: "in-sync", behind: { objects: 0, bytes: 0 } } });
    expect(statuses.get("site-a", MIRRORED)?.replica).toMatchObject({ platform: "site-b", state: "in-sync" });

    replicaKey = (await readProjectKey(secrets, "site-b", PROJECT)) as S3Key;
    replica = s3ClientOf(siteB.endpoint, replicaKey);
    for (const [key, body] of Object.entries(objects)) expect(sha256(await readAll(replica, MIRRORED, key)), key).toBe(sha256(body));
    expect(sha256(await readAll(replica, MIRRORED, "big"))).toBe(sha256(big));

    const again = await runFor(MIRRORED);
    expect(again).toMatchObject({ copied: 0, removed: 0, replica: { state: "in-sync" } });
  }, 60_000);

  it("removes from the replica what the source no longer holds, and copies what was written again", async () => {
    await source.send(new DeleteObjectCommand({ Bucket: MIRRORED, Key: "dir/b.bin" }));
    const changed = randomBytes(2000);
    await source.send(new PutObjectCommand({ Bucket: MIRRORED, Key: "a.txt", Body: changed }));
    // Written on the replica alone: a mirror holds what its source holds, nothing else.
    await replica.send(new PutObjectCommand({ Bucket: MIRRORED, Key: "stray", Body: "x" }));

    expect((await runFor(MIRRORED, true)).replica).toMatchObject({ state: "lagging", behind: { objects: 1, bytes: 2000 } });
    expect(await runFor(MIRRORED)).toMatchObject({ copied: 1, removed: 2, replica: { state: "in-sync" } });
    expect((await listKeys(replica, MIRRORED)).sort()).toEqual(["a.txt", "big", "empty", "un nom é+&?=.txt"]);
    expect(sha256(await readAll(replica, MIRRORED, "a.txt"))).toBe(sha256(changed));
  }, 60_000);

  it("uses the project's own keys on the replica's site: another project's key reads nothing of the replica", async () => {
    expect(await siteB.keys(PROJECT)).toContain(replicaKey.accessKeyId);
    const otherKey = await siteB.createKey(OTHER);
    const other = s3ClientOf(siteB.endpoint, otherKey);
    await expect(readAll(other, MIRRORED, "big")).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    await expect(listKeys(other, MIRRORED)).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    // and the source site's key is unknown on the replica's
    const sourceKey = (await readProjectKey(secrets, "site-a", PROJECT)) as S3Key;
    await expect(listKeys(s3ClientOf(siteB.endpoint, sourceKey), MIRRORED)).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
  }, 60_000);

  it("says a replica whose bucket is not made yet is pending", async () => {
    expect((await runFor(UNMADE)).replica).toMatchObject({ platform: "site-b", state: "pending", message: expect.stringContaining("not made yet") });
  }, 60_000);

  it("reports a run that fails midway as failed with its reason and how far behind, and the next run converges", async () => {
    for (let n = 0; n < 5; n++) await source.send(new PutObjectCommand({ Bucket: SMALL_REPLICA, Key: `part-${n}`, Body: randomBytes(MIB) }));
    // The replica's bucket is too small: the server refuses the fourth MiB.
    const failed = await runFor(SMALL_REPLICA);
    expect(failed.replica.state).toBe("failed");
    expect(failed.replica.message).toMatch(/^writing part-\d to tight-\w+ at http:\/\/127.0.0.1:\d+: .*(quota|QuotaExceeded).*\(HTTP 403\)$/);
    expect(failed.copied).toBeGreaterThan(0);
    expect(failed.replica.behind?.objects).toBe(5 - failed.copied);
    expect(statuses.get("site-a", SMALL_REPLICA)?.replica?.state).toBe("failed");

    await siteB.ensureBucket({ name: SMALL_REPLICA, project: PROJECT, quota: { bytes: 1024 * MIB }, versioning: false });
    const next = await runFor(SMALL_REPLICA);
    expect(next).toMatchObject({ copied: 5 - failed.copied, replica: { state: "in-sync", behind: { objects: 0, bytes: 0 } } });
  }, 60_000);

  it("converges after a run killed between its copies and its status: no copy again, an upload left half done aborted", async () => {
    const tight = s3ClientOf(siteB.endpoint, replicaKey);
    await tight.send(new CreateMultipartUploadCommand({ Bucket: MIRRORED, Key: "left-half-done" }));
    await source.send(new PutObjectCommand({ Bucket: MIRRORED, Key: "late", Body: "late" }));
    // A fresh Plateau: what the killed one knew of statuses is gone; the replica's objects tell.
    const restarted = createBucketStatuses();
    const afterRestart = replicationOf(restarted);
    const runs = await afterRestart.run("site-a");
    expect(runs.find((one) => one.bucket === MIRRORED)).toMatchObject({ copied: 1, removed: 0, replica: { state: "in-sync" } });
    expect(restarted.get("site-a", MIRRORED)?.replica?.state).toBe("in-sync");
    expect((await tight.send(new ListMultipartUploadsCommand({ Bucket: MIRRORED }))).Uploads ?? []).toEqual([]);
  }, 60_000);
});
