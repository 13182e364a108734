// Isolation between projects on a real Ceph RGW, through the rgw-admin adapter and plain S3
// clients (ADR 0030): it rests on ownership, never on names, so project iso-a's bucket `foo` and
// iso-b's `foobar` share a prefix on purpose. Every refusal is shown beside what makes it one:
// the owner doing the same thing, or another policy letting the other project in.
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetBucketPolicyCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutBucketPolicyCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createS3Client } from "../../src/adapters/s3/client.js";
import { ObjectStorageError, createRgwAdminStorage, ownerOnlyPolicy } from "../../src/adapters/s3/rgw-admin.js";
import type { ObjectStorage, S3Key } from "../../src/core/ports/object-storage.js";
import { startCephRgw, type CephRgwServer } from "../support/ceph-rgw.js";

const started = await startCephRgw();
const skipped = "skipped" in started;
const server = started as CephRgwServer;
const PREFIX = "plateau-";
const KiB = 1024;
const MiB = 1024 * KiB;

afterAll(async () => {
  if (!skipped) await server.stop();
});

/** What a refused request answered: the S3 error code and the HTTP status (undefined when it was not refused). */
async function refusal(request: Promise<unknown>): Promise<{ code: string; status: number | undefined } | undefined> {
  try {
    await request;
    return undefined;
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    return { code: (error as Error).name, status };
  }
}

const ACCESS_DENIED = { code: "AccessDenied", status: 403 };

describe.skipIf(skipped)("S3 isolation between projects (a real Ceph RGW)", () => {
  let storage: ObjectStorage;
  let keyA: S3Key;
  let keyB: S3Key;
  const clientOf = (key: S3Key): S3Client => createS3Client({ endpoint: server.endpoint, region: server.region, credentials: key });
  const settings = (name: string, project: string, quota: { bytes: number; objects?: number } = { bytes: 64 * MiB }) => ({
    name,
    project,
    quota,
    versioning: false,
  });

  beforeAll(async () => {
    storage = createRgwAdminStorage({
      endpoint: { url: server.endpoint, region: server.region, pathStyle: true },
      accessKeyId: server.accessKeyId,
      secretAccessKey: server.secretAccessKey,
      userPrefix: PREFIX,
    });
    await storage.ensureBucket(settings("foo", "iso-a"));
    await storage.ensureBucket(settings("foobar", "iso-b"));
    [keyA, keyB] = [await storage.createKey("iso-a"), await storage.createKey("iso-b")];
    await clientOf(keyA).send(new PutObjectCommand({ Bucket: "foo", Key: "secret.txt", Body: "a's data" }));
    await clientOf(keyB).send(new PutObjectCommand({ Bucket: "foobar", Key: "secret.txt", Body: "b's data" }));
  });

  /** Each S3 operation a tenant could try on a bucket, by name. */
  const operations = (bucket: string, policy: string): Record<string, (s3: S3Client) => Promise<unknown>> => ({
    ListObjects: (s3) => s3.send(new ListObjectsV2Command({ Bucket: bucket })),
    GetObject: (s3) => s3.send(new GetObjectCommand({ Bucket: bucket, Key: "secret.txt" })).then((answer) => answer.Body?.transformToString()),
    PutObject: (s3) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: "written.txt", Body: "x" })),
    DeleteObject: (s3) => s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "written.txt" })),
    HeadBucket: (s3) => s3.send(new HeadBucketCommand({ Bucket: bucket })),
    GetBucketPolicy: (s3) => s3.send(new GetBucketPolicyCommand({ Bucket: bucket })),
    PutBucketPolicy: (s3) => s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: policy })),
  });

  for (const [attacker, victim, victimBucket, victimProject] of [
    ["iso-a", "iso-b", "foobar", "iso-b"],
    ["iso-b", "iso-a", "foo", "iso-a"],
  ] as const) {
    it(`refuses ${attacker}'s key every operation on ${victim}'s bucket ${victimBucket} (AccessDenied, 403), which ${victim}'s key can all do`, async () => {
      const attackerKey = attacker === "iso-a" ? keyA : keyB;
      const ownerKey = attacker === "iso-a" ? keyB : keyA;
      const ops = operations(victimBucket, ownerOnlyPolicy(victimBucket, `${PREFIX}${victimProject}`));
      const refused: Record<string, unknown> = {};
      for (const [name, op] of Object.entries(ops)) refused[name] = await refusal(op(clientOf(attackerKey)));
      // HEAD answers have no body: the status says it
      expect(refused).toEqual({
        ListObjects: ACCESS_DENIED,
        GetObject: ACCESS_DENIED,
        PutObject: ACCESS_DENIED,
        DeleteObject: ACCESS_DENIED,
        HeadBucket: { code: expect.any(String) as string, status: 403 },
        GetBucketPolicy: ACCESS_DENIED,
        PutBucketPolicy: ACCESS_DENIED,
      });
      // the same requests signed by the owner all succeed: the refusals above are about the key
      const allowed: Record<string, unknown> = {};
      for (const [name, op] of Object.entries(ops)) allowed[name] = await refusal(op(clientOf(ownerKey)));
      expect(Object.values(allowed)).toEqual(Object.keys(ops).map(() => undefined));
      // nothing of the victim's changed, nothing was written by the attacker
      const listed = await clientOf(ownerKey).send(new ListObjectsV2Command({ Bucket: victimBucket }));
      expect((listed.Contents ?? []).map((object) => object.Key)).toEqual(["secret.txt"]);
    });
  }

  it("would let the other project in with a policy granting everyone: the owner-only one is what keeps it out", async () => {
    const b = clientOf(keyB);
    const read = () => b.send(new GetObjectCommand({ Bucket: "foo", Key: "secret.txt" })).then((answer) => answer.Body?.transformToString());
    expect(await refusal(read())).toEqual(ACCESS_DENIED);
    const open = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { AWS: ["*"] }, Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::foo/*"] }],
    });
    await clientOf(keyA).send(new PutBucketPolicyCommand({ Bucket: "foo", Policy: open }));
    expect(await read()).toBe("a's data");
    // converging puts the owner-only policy back
    await storage.ensureBucket(settings("foo", "iso-a"));
    expect(await refusal(read())).toEqual(ACCESS_DENIED);
  });

  it("refuses anonymous requests, which the owner's signed ones pass", async () => {
    for (const path of ["/foo", "/foo/secret.txt", "/foobar", "/foobar/secret.txt"]) {
      const answer = await fetch(`${server.endpoint}${path}`);
      expect({ path, status: answer.status, body: await answer.text() }).toMatchObject({
        path,
        status: 403,
        body: expect.stringContaining("AccessDenied") as string,
      });
    }
    const put = await fetch(`${server.endpoint}/foo/anonymous.txt`, { method: "PUT", body: "x" });
    expect(put.status).toBe(403);
    const own = await clientOf(keyA).send(new GetObjectCommand({ Bucket: "foo", Key: "secret.txt" }));
    expect(await own.Body?.transformToString()).toBe("a's data");
  });

  it("refuses creating a bucket another project owns, by S3 and through the adapter", async () => {
    expect(await refusal(clientOf(keyB).send(new CreateBucketCommand({ Bucket: "foo" })))).toEqual({ code: "BucketAlreadyExists", status: 409 });
    const error = await storage.ensureBucket(settings("foo", "iso-b")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ObjectStorageError);
    expect((error as ObjectStorageError).code).toBe("BucketAlreadyExists");
    // the owner's own create is answered as its own, and the bucket stays the owner's
    expect(await refusal(clientOf(keyA).send(new CreateBucketCommand({ Bucket: "foo" })))).toBeUndefined();
    expect(await storage.buckets()).toEqual(
      expect.arrayContaining([
        { name: "foo", project: "iso-a" },
        { name: "foobar", project: "iso-b" },
      ]),
    );
  });

  it("refuses a removed key on the very next request, and every key of a removed project", async () => {
    await storage.ensureBucket(settings("revoked", "iso-c"));
    const [first, second] = [await storage.createKey("iso-c"), await storage.createKey("iso-c")];
    const list = (key: S3Key) => clientOf(key).send(new ListObjectsV2Command({ Bucket: "revoked" }));
    expect(await refusal(list(first))).toBeUndefined();
    await storage.removeKey("iso-c", first.accessKeyId);
    expect(await refusal(list(first))).toEqual({ code: "InvalidAccessKeyId", status: 403 });
    expect(await refusal(list(second))).toBeUndefined();

    await storage.removeProject("iso-c");
    expect(await refusal(list(second))).toEqual({ code: "InvalidAccessKeyId", status: 403 });
    expect(await storage.usage("revoked")).toBeUndefined();
    // the name is free again: it was removed, not left behind to someone
    await storage.ensureBucket(settings("revoked", "iso-d"));
    expect(await storage.buckets()).toContainEqual({ name: "revoked", project: "iso-d" });
  });

  it("enforces a bucket's size and object quotas on the server", async () => {
    await storage.ensureBucket(settings("sized", "iso-a", { bytes: 1 * MiB }));
    const a = clientOf(keyA);
    const put = (bucket: string, key: string, bytes: number) => a.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.alloc(bytes) }));
    expect(await refusal(put("sized", "one", 600 * KiB))).toBeUndefined();
    expect(await refusal(put("sized", "two", 600 * KiB))).toEqual({ code: "QuotaExceeded", status: 403 });
    // raising the quota lets the same object in
    await storage.ensureBucket(settings("sized", "iso-a", { bytes: 2 * MiB }));
    expect(await refusal(put("sized", "two", 600 * KiB))).toBeUndefined();

    await storage.ensureBucket(settings("counted", "iso-a", { bytes: 64 * MiB, objects: 2 }));
    expect(await refusal(put("counted", "1", 10))).toBeUndefined();
    expect(await refusal(put("counted", "2", 10))).toBeUndefined();
    expect(await refusal(put("counted", "3", 10))).toEqual({ code: "QuotaExceeded", status: 403 });
    expect(await storage.usage("counted")).toEqual({ bytes: 20, objects: 2 });
  });
});
