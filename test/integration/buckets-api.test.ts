// Buckets as desired state through the API (ADR 0030): created and removed with one commit each,
// placed with a reason, counted against quotas, listed with what the provider counts; bad input
// and hostile tenants change nothing, neither in git nor on the provider; no key ever in git.
import type { InjectOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryObjectStorage } from "../../src/adapters/memory/memory-object-storage.js";
import { ensureProjectKey } from "../../src/core/buckets/key-store.js";
import type { ObjectStorage } from "../../src/core/ports/object-storage.js";
import { createMemoryEngine } from "../../src/adapters/memory/memory-engine.js";
import { memoryApp, type Person } from "../support/app.js";
import { clusterPlatform } from "../support/plateau.js";

const paris = createMemoryObjectStorage({ endpoint: { url: "https://s3.paris.example.org", region: "paris", pathStyle: true } });
const lyon = createMemoryObjectStorage();
const storages: Record<string, ObjectStorage> = { "rgw-paris": paris, "rgw-lyon": lyon };
const rgw = (name: string, site: string, endpoint: string) =>
  clusterPlatform(
    { site, s3: { provider: "rgw-admin", endpoint, credentialsEnv: { accessKeyId: "RGW_ADMIN_ID", secretAccessKey: "RGW_ADMIN_SECRET" } } },
    name,
  );
const argocd = { url: "https://argocd.example.org", namespace: "openshift-gitops", repoURL: "https://git.example.org/ds.git" };
const platforms = [
  rgw("rgw-paris", "paris", "https://s3.paris.example.org"),
  rgw("rgw-lyon", "lyon", "https://s3.lyon.example.org"),
  rgw("rgw-paris2", "paris", "https://s3.paris2.example.org"),
  clusterPlatform({ site: "grenoble", s3: { provider: "noobaa" }, argocd }, "noobaa-grenoble"),
  clusterPlatform({ site: "lille", s3: { provider: "noobaa", storageClass: "noobaa-lille.noobaa.io" }, argocd }, "noobaa-lille"),
  clusterPlatform({ site: "nancy" }, "plain"),
];

let fixture: Awaited<ReturnType<typeof memoryApp>>;

beforeAll(async () => {
  fixture = await memoryApp({
    platforms,
    adapters: {
      objectStorages: { storageFor: async (platform) => storages[platform] },
      engines: new Map([
        ["podman", createMemoryEngine()],
        ["argocd", createMemoryEngine()],
      ]),
    },
  });
  await fixture.plateau.services.projects.create({ name: "lmbp-proj", lab: "lmbp", title: "LMBP" }, { login: "bob", name: "bob", email: "bob@example.org" });
});

afterAll(async () => {
  await fixture?.app.close();
  await fixture?.plateau.stop();
});

const send = async (who: Person, options: InjectOptions) =>
  fixture.app.inject({ ...options, headers: { ...(await fixture.as(who)), ...(options.headers ?? {}) } });
const head = async () => fixture.repo.head();
const create = (who: Person, project: string, payload: object, headers: Record<string, string> = {}) =>
  send(who, { method: "POST", url: `/api/v1/projects/${project}/buckets`, payload, headers });

/** A refusal changes nothing: same head, nothing on any provider. */
async function refusedWithoutChange(answer: Promise<{ statusCode: number; json(): unknown }>, status: number) {
  const before = await head();
  const bucketsBefore = [...paris.state.buckets.keys(), ...lyon.state.buckets.keys()].sort();
  const response = await answer;
  expect(response.statusCode).toBe(status);
  expect(await head()).toBe(before);
  expect([...paris.state.buckets.keys(), ...lyon.state.buckets.keys()].sort()).toEqual(bucketsBefore);
  return (response.json() as { error: { reason?: string; issues?: { pointer: string; rule: string; message: string }[]; params?: Record<string, unknown> } })
    .error;
}

describe("creating a bucket", () => {
  it("commits the bucket once, authored by the requester, with its trailers and placement, and answers 201 with its view", async () => {
    const response = await create(
      "alice",
      "demo",
      { name: "demo-data", platform: "rgw-paris", sizeGiB: 5, objects: 1000, versioning: true, expireDays: 30 },
      { "idempotency-key": "k-1" },
    );
    expect(response.statusCode).toBe(201);
    const change = response.json() as { commit: string; bucket: Record<string, unknown> };
    expect(change.bucket).toMatchObject({
      name: "demo-data",
      project: "demo",
      platform: "rgw-paris",
      placementReason: "requested by the user",
      provider: "rgw-admin",
      quota: { sizeGiB: 5, objects: 1000 },
      versioning: true,
      expireDays: 30,
      createdBy: "alice",
      usage: null,
      status: "pending",
      endpoint: { url: "https://s3.paris.example.org", region: "paris", pathStyle: true },
    });
    const [commit] = await fixture.repo.log({ limit: 1 });
    expect(commit?.id).toBe(change.commit);
    expect(commit?.author.name).toBe("alice");
    expect(commit?.trailers).toMatchObject({ "Plateau-Action": "bucket-create", "Plateau-Bucket": "demo/demo-data", "Plateau-Platform": "rgw-paris" });
    expect(commit?.trailers["Plateau-Request-Id"]).toMatch(/^[0-9a-f]{64}$/);
    const file = await fixture.repo.readFile(change.commit, "projects/demo/buckets/demo-data.yaml");
    expect(file).toContain("kind: Bucket");
    // A retry with the same key answers the first commit, committing nothing.
    const before = await head();
    const retry = await create("alice", "demo", { name: "demo-data", platform: "rgw-paris", sizeGiB: 5 }, { "idempotency-key": "k-1" });
    expect(retry.statusCode).toBe(201);
    expect((retry.json() as { commit: string }).commit).toBe(change.commit);
    expect(await head()).toBe(before);
  });

  it("places a bucket where the project computes, with the default size, and lists it with the provider's usage", async () => {
    const response = await create("alice", "demo", { name: "demo-scratch" });
    expect(response.statusCode).toBe(201);
    const bucket = (response.json() as { bucket: { platform: string; placementReason: string; quota: { sizeGiB: number } } }).bucket;
    expect(bucket.quota.sizeGiB).toBe(10);
    expect(bucket.platform).toBe("noobaa-grenoble");
    expect(bucket.placementReason).toContain("first by name");
    // The provider counts what the bucket holds (as the reconciler would have made it).
    await paris.ensureBucket({ name: "demo-data", project: "demo", quota: { bytes: 5 * 2 ** 30 }, versioning: true });
    const key = await paris.createKey("demo");
    paris.putObject(key.accessKeyId, "demo-data", "a.csv", 1234);
    const list = await send("alice", { url: "/api/v1/projects/demo/buckets" });
    expect(list.statusCode).toBe(200);
    const items = (list.json() as { items: { name: string; usage: unknown; status: string; provider: string }[] }).items;
    expect(items.map((item) => item.name)).toEqual(["demo-data", "demo-scratch"]);
    expect(items[0]?.usage).toEqual({ bytes: 1234, objects: 1 });
    expect(items[1]).toMatchObject({ provider: "noobaa", status: "unknown", usage: null });
  });

  it("renders a noobaa bucket's ObjectBucketClaim in the same commit, with the project's namespace there", async () => {
    const response = await create("alice", "demo", { name: "demo-noobaa", platform: "noobaa-lille", sizeGiB: 2, objects: 50 });
    expect(response.statusCode).toBe(201);
    const commit = (response.json() as { commit: string }).commit;
    const claim = await fixture.repo.readFile(commit, "rendered/noobaa-lille/demo/_buckets/objectbucketclaim-demo-noobaa.yaml");
    expect(claim).toContain("kind: ObjectBucketClaim");
    expect(claim).toContain("bucketName: demo-noobaa");
    expect(claim).toContain("storageClassName: noobaa-lille.noobaa.io");
    expect(claim).toContain("maxSize: 2Gi");
    expect(claim).toContain('maxObjects: "50"');
    expect(await fixture.repo.readFile(commit, "rendered/noobaa-lille/demo/namespace.yaml")).toContain("kind: Namespace");
    expect(await fixture.repo.readFile(commit, "rendered/noobaa-lille/argocd/appproject-plateau.yaml")).toContain("ObjectBucketClaim");
  });

  it("keeps a replica on another site, and renders NooBaa's replication policy between noobaa platforms", async () => {
    const rgwReplica = await create("alice", "demo", { name: "demo-replicated", platform: "rgw-paris", replica: "rgw-lyon", sizeGiB: 1 });
    expect(rgwReplica.statusCode).toBe(201);
    expect((rgwReplica.json() as { bucket: { replica: unknown } }).bucket.replica).toEqual({ platform: "rgw-lyon", state: "pending", checkedAt: null });
    const noobaa = await create("alice", "demo", { name: "demo-mirrored", platform: "noobaa-grenoble", replica: "noobaa-lille", sizeGiB: 1 });
    expect(noobaa.statusCode).toBe(201);
    const commit = (noobaa.json() as { commit: string }).commit;
    const source = await fixture.repo.readFile(commit, "rendered/noobaa-grenoble/demo/_buckets/objectbucketclaim-demo-mirrored.yaml");
    expect(source).toContain("replicationPolicy:");
    expect(source).toContain("destination_bucket");
    const replica = await fixture.repo.readFile(commit, "rendered/noobaa-lille/demo/_buckets/objectbucketclaim-demo-mirrored.yaml");
    expect(replica).toContain("bucketName: demo-mirrored");
    expect(replica).not.toContain("replicationPolicy");
  });
});

describe("bad input: a clear error naming the field and the rule, nothing committed, nothing created", () => {
  it.each([
    ["My_Bucket", "s3-bucket-name/characters"],
    ["ab", "minLength"], // the API schema says it first
    ["xn--data", "s3-bucket-name/reserved-prefix"],
    ["data-", "s3-bucket-name/edges"],
  ])("refuses the name %s (%s)", async (name, rule) => {
    const body = await refusedWithoutChange(create("alice", "demo", { name, platform: "rgw-paris" }), 400);
    expect(body.issues?.[0]).toMatchObject({ pointer: "/name", rule });
  });

  it("refuses the name S3 would refuse even with dots (TLS) and an IP-like name", async () => {
    for (const name of ["my.bucket", "192.168.1.1"]) {
      const body = await refusedWithoutChange(create("alice", "demo", { name, platform: "rgw-paris" }), 400);
      expect(body.issues?.[0]?.pointer).toBe("/name");
    }
  });

  it("refuses a name another project has (S3 names are shared), with bucket-name-taken", async () => {
    const body = await refusedWithoutChange(create("bob", "lmbp-proj", { name: "demo-data", platform: "rgw-lyon" }), 409);
    expect(body.reason).toBe("bucket-name-taken");
  });

  it("refuses a platform without object storage, naming it", async () => {
    const body = await refusedWithoutChange(create("alice", "demo", { name: "demo-plain", platform: "plain" }), 400);
    expect(body.reason).toBe("no-object-storage");
    expect(body.issues?.[0]).toMatchObject({ pointer: "/platform", rule: "object-storage" });
    expect(body.issues?.[0]?.message).toContain("plain");
  });

  it("refuses a replica on the same site", async () => {
    const body = await refusedWithoutChange(create("alice", "demo", { name: "demo-same", platform: "rgw-paris", replica: "rgw-paris2" }), 400);
    expect(body.issues?.[0]).toMatchObject({ pointer: "/replica", rule: "other-site" });
  });

  it("refuses a bucket over the project's s3GiB quota, and over its count", async () => {
    const body = await refusedWithoutChange(create("alice", "demo", { name: "demo-huge", platform: "rgw-paris", sizeGiB: 500 }), 403);
    expect(body).toMatchObject({ reason: "quota-exceeded", params: { scope: "project", name: "demo", resource: "s3GiB", limit: 100 } });
  });

  it("refuses a bucket over the lab's quota though the project's would hold it", async () => {
    await fixture.plateau.services.projects.setQuota("demo", { s3GiB: 5000, buckets: 100 }, { login: "ines", name: "ines", email: "ines@example.org" });
    const body = await refusedWithoutChange(create("alice", "demo", { name: "demo-lab-huge", platform: "rgw-paris", sizeGiB: 2000 }), 403);
    expect(body).toMatchObject({ reason: "quota-exceeded", params: { scope: "lab", name: "imb", resource: "s3GiB" } });
  });
});

describe("a hostile tenant (bob, of another lab)", () => {
  it("gets 404 on the list, the bucket, a create and a delete in alice's project, and changes nothing", async () => {
    for (const [method, url, payload] of [
      ["GET", "/api/v1/projects/demo/buckets", undefined],
      ["GET", "/api/v1/projects/demo/buckets/demo-data", undefined],
      ["POST", "/api/v1/projects/demo/buckets", { name: "bob-in-demo", platform: "rgw-paris" }],
      ["DELETE", "/api/v1/projects/demo/buckets/demo-data", undefined],
    ] as const) {
      await refusedWithoutChange(send("bob", { method, url, ...(payload ? { payload } : {}) }), 404);
    }
  });

  it("cannot remove alice's bucket by naming it in his own project", async () => {
    await refusedWithoutChange(send("bob", { method: "DELETE", url: "/api/v1/projects/lmbp-proj/buckets/demo-data" }), 404);
    expect(await fixture.repo.readFile((await head()) ?? "", "projects/demo/buckets/demo-data.yaml")).toContain("demo-data");
  });

  it("cannot read alice's bucket through his own project", async () => {
    await refusedWithoutChange(send("bob", { url: "/api/v1/projects/lmbp-proj/buckets/demo-data" }), 404);
    const list = await send("bob", { url: "/api/v1/projects/lmbp-proj/buckets" });
    expect(list.statusCode).toBe(200);
    expect((list.json() as { items: unknown[] }).items).toEqual([]);
  });
});

describe("other ways in", () => {
  it("refuses bob's browser session on alice's project (404), a cookie without its CSRF token, and a read-only token of alice", async () => {
    const bob = await fixture.browserSession("bob");
    await refusedWithoutChange(
      fixture.app.inject({
        method: "POST",
        url: "/api/v1/projects/demo/buckets",
        headers: { cookie: bob.cookie, "x-csrf-token": bob.csrf },
        payload: { name: "bob-cookie", platform: "rgw-paris" },
      }),
      404,
    );
    const alice = await fixture.browserSession("alice");
    await refusedWithoutChange(
      fixture.app.inject({ method: "DELETE", url: "/api/v1/projects/demo/buckets/demo-data", headers: { cookie: alice.cookie } }),
      403,
    );
    const created = await send("alice", { method: "POST", url: "/api/v1/tokens", payload: { name: "read-only", write: false } });
    const readOnly = { authorization: `Bearer ${(created.json() as { token: string }).token}` };
    await refusedWithoutChange(
      fixture.app.inject({ method: "POST", url: "/api/v1/projects/demo/buckets", headers: readOnly, payload: { name: "demo-ro", platform: "rgw-paris" } }),
      403,
    );
    expect((await fixture.app.inject({ url: "/api/v1/projects/demo/buckets", headers: readOnly })).statusCode).toBe(200);
  });
});

describe("removing a bucket", () => {
  it("commits its removal with its claims, and answers 404 when it is gone", async () => {
    const response = await send("alice", { method: "DELETE", url: "/api/v1/projects/demo/buckets/demo-noobaa" });
    expect(response.statusCode).toBe(200);
    const commit = (response.json() as { commit: string }).commit;
    expect(await fixture.repo.readFile(commit, "projects/demo/buckets/demo-noobaa.yaml")).toBeUndefined();
    expect(await fixture.repo.readFile(commit, "rendered/noobaa-lille/demo/_buckets/objectbucketclaim-demo-noobaa.yaml")).toBeUndefined();
    const [last] = await fixture.repo.log({ limit: 1 });
    expect(last?.trailers).toMatchObject({ "Plateau-Action": "bucket-remove", "Plateau-Bucket": "demo/demo-noobaa" });
    await refusedWithoutChange(send("alice", { method: "DELETE", url: "/api/v1/projects/demo/buckets/demo-noobaa" }), 404);
  });
});

describe("no committed file contains a key", () => {
  it("holds for every file at head, once keys exist on the provider and in the secret store", async () => {
    const kept = await ensureProjectKey(paris, fixture.adapters.secrets, "rgw-paris", "demo");
    const keys = [...paris.state.users.values(), ...lyon.state.users.values()].flatMap((user) => [...user.entries()].flat());
    expect(keys).toContain(kept.secretAccessKey);
    const at = (await head()) ?? "";
    const paths = (await fixture.repo.changedPaths(null, at, "")).map((change) => change.path);
    expect(paths).toContain("projects/demo/buckets/demo-data.yaml");
    for (const path of paths) {
      const text = (await fixture.repo.readFile(at, path)) ?? "";
      for (const key of keys) expect(text.includes(key), `${path} holds a key`).toBe(false);
    }
  });
});
