import {
  DeleteObjectCommand,
  GetBucketLifecycleConfigurationCommand,
  ListObjectVersionsCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCephRgw, type CephRgwServer } from "../../../test/support/ceph-rgw.js";
import type { ObjectStorage } from "../../core/ports/object-storage.js";
import { describeObjectStorageContract } from "../../core/ports/object-storage.contract.js";
import { createS3Client } from "./client.js";
import { createRgwAdminApi } from "./rgw-admin-api.js";
import { EXPIRY_RULE_ID, ObjectStorageError, createRgwAdminStorage, ownerOnlyPolicy } from "./rgw-admin.js";

const started = await startCephRgw();
const skipped = "skipped" in started;
const server = started as CephRgwServer;
const run = randomBytes(3).toString("hex");
const unique = (base: string): string => `${base}-${run}-${randomBytes(2).toString("hex")}`;
const PREFIX = "plateau-";

const storageOf = (): ObjectStorage =>
  createRgwAdminStorage({
    endpoint: { url: server.endpoint, region: server.region, pathStyle: true },
    accessKeyId: server.accessKeyId,
    secretAccessKey: server.secretAccessKey,
    userPrefix: PREFIX,
  });

afterAll(async () => {
  if (!skipped) await server.stop();
});

describe.skipIf(skipped)("rgw-admin object storage (a real Ceph RGW)", () => {
  describeObjectStorageContract("rgw-admin", async () => storageOf(), unique);

  let storage: ObjectStorage;
  beforeAll(() => {
    storage = storageOf();
  });
  const adminApi = () =>
    createRgwAdminApi({ url: server.endpoint, region: server.region, accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey });

  it("applies versioning, expiry, the owner-only policy and the quota, and reads them back as set, then as changed", async () => {
    const project = unique("settings");
    const bucket = unique("set");
    await storage.ensureBucket({ name: bucket, project, quota: { bytes: 3 * 1024 * 1024, objects: 7 }, versioning: true, expireDays: 12 });
    const key = await storage.createKey(project);
    const s3 = createS3Client({ endpoint: server.endpoint, region: server.region, credentials: key });
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBe("Enabled");
    const rules = (await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))).Rules ?? [];
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatchObject({ ID: EXPIRY_RULE_ID, Status: "Enabled", Expiration: { Days: 12 } });
    const policy = (await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy;
    expect(JSON.parse(policy ?? "{}")).toEqual(JSON.parse(ownerOnlyPolicy(bucket, `${PREFIX}${project}`)));
    const info = await adminApi().request<{ owner: string; bucket_quota: { enabled: boolean; max_size_kb: number; max_objects: number } }>("GET", "bucket", {
      bucket,
    });
    expect(info?.owner).toBe(`${PREFIX}${project}`);
    expect(info?.bucket_quota).toMatchObject({ enabled: true, max_size_kb: 3 * 1024, max_objects: 7 });

    // turned off: versioning suspended (never back to "off"), the lifecycle gone, the quota changed
    await storage.ensureBucket({ name: bucket, project, quota: { bytes: 5 * 1024 * 1024 }, versioning: false });
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBe("Suspended");
    await expect(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))).rejects.toMatchObject({ name: "NoSuchLifecycleConfiguration" });
    const after = await adminApi().request<{ bucket_quota: { max_size_kb: number; max_objects: number } }>("GET", "bucket", { bucket });
    expect(after?.bucket_quota).toMatchObject({ max_size_kb: 5 * 1024, max_objects: -1 });
  });

  it("makes a bucket for a project without keys with a transient key of its user, and leaves it no key", async () => {
    const project = unique("keyless");
    const bucket = unique("kl");
    await storage.ensureBucket({ name: bucket, project, quota: { bytes: 1024 * 1024 }, versioning: true, expireDays: 3 });
    expect(await storage.keys(project)).toEqual([]);
    expect(await storage.buckets()).toContainEqual({ name: bucket, project });
  });

  it("removes a versioned bucket with every version of its objects, and a project with such buckets", async () => {
    const project = unique("versions");
    const [removed, kept] = [unique("vr"), unique("vk")];
    const key = await storage.createKey(project);
    const s3 = createS3Client({ endpoint: server.endpoint, region: server.region, credentials: key });
    for (const bucket of [removed, kept]) {
      await storage.ensureBucket({ name: bucket, project, quota: { bytes: 10 * 1024 * 1024 }, versioning: true });
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "a", Body: "one" }));
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "a", Body: "two" }));
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "a" }));
      const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
      expect((versions.Versions ?? []).length + (versions.DeleteMarkers ?? []).length).toBe(3);
    }
    await storage.removeBucket(removed);
    expect(await storage.usage(removed)).toBeUndefined();
    expect(await storage.usage(kept)).toBeDefined();
    await storage.removeProject(project);
    expect(await storage.usage(kept)).toBeUndefined();
    expect(await adminApi().request("GET", "user", { uid: `${PREFIX}${project}` }, ["NoSuchUser"])).toBeUndefined();
  });

  it("keeps to its own prefix and to exact projects: another installation's buckets and a project whose name extends another's are left alone", async () => {
    const other = createRgwAdminStorage({
      endpoint: { url: server.endpoint, region: server.region, pathStyle: true },
      accessKeyId: server.accessKeyId,
      secretAccessKey: server.secretAccessKey,
      userPrefix: "elsewhere-",
    });
    const project = unique("pfx");
    const [theirs, short, long] = [unique("theirs"), unique("short"), unique("long")];
    await other.ensureBucket({ name: theirs, project, quota: { bytes: 1024 * 1024 }, versioning: false });
    await storage.ensureBucket({ name: short, project, quota: { bytes: 1024 * 1024 }, versioning: false });
    await storage.ensureBucket({ name: long, project: `${project}x`, quota: { bytes: 1024 * 1024 }, versioning: false });
    expect((await storage.buckets()).map((b) => b.name)).not.toContain(theirs);
    expect(await other.buckets()).toContainEqual({ name: theirs, project });
    expect(await other.buckets()).not.toContainEqual(expect.objectContaining({ name: short }));

    await storage.removeProject(project);
    expect(await storage.usage(short)).toBeUndefined();
    expect(await storage.buckets()).toContainEqual({ name: long, project: `${project}x` });
    expect(await other.usage(theirs)).toEqual({ bytes: 0, objects: 0 });
    await expect(storage.removeBucket(theirs)).rejects.toMatchObject({ code: "AccessDenied" });
    expect(await other.usage(theirs)).toEqual({ bytes: 0, objects: 0 });
  });

  it("counts what a bucket holds as the server does", async () => {
    const project = unique("usage");
    const bucket = unique("use");
    await storage.ensureBucket({ name: bucket, project, quota: { bytes: 10 * 1024 * 1024 }, versioning: false });
    const s3 = createS3Client({ endpoint: server.endpoint, region: server.region, credentials: await storage.createKey(project) });
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "a", Body: Buffer.alloc(1000) }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "b", Body: Buffer.alloc(3000) }));
    expect(await storage.usage(bucket)).toEqual({ bytes: 4000, objects: 2 });
  });

  it("refuses another project's bucket with BucketAlreadyExists, and says nothing secret in its errors", async () => {
    const bucket = unique("owned");
    await storage.ensureBucket({ name: bucket, project: unique("owner"), quota: { bytes: 1024 * 1024 }, versioning: false });
    const error = await storage
      .ensureBucket({ name: bucket, project: unique("other"), quota: { bytes: 1024 * 1024 }, versioning: false })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ObjectStorageError);
    expect(error).toMatchObject({ code: "BucketAlreadyExists" });

    const wrong = createRgwAdminStorage({
      endpoint: { url: server.endpoint, region: server.region, pathStyle: true },
      accessKeyId: server.accessKeyId,
      secretAccessKey: "not-the-secret-at-all-0123456789",
      userPrefix: PREFIX,
    });
    const refused = await wrong.keys("anyone").catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ObjectStorageError);
    expect((refused as ObjectStorageError).code).toBe("SignatureDoesNotMatch");
    expect((refused as Error).message).not.toContain("not-the-secret-at-all");
    expect((refused as Error).message).not.toContain(server.secretAccessKey);
  });
});
