import { describe, expect, it } from "vitest";
// eslint-disable-next-line no-restricted-imports -- the memory object storage stands beside the real one (its contract suite), for the service's logic
import { createMemoryObjectStorage } from "../../adapters/memory/memory-object-storage.js";
import { alice, clusterPlatform, memoryPlateau } from "../../../test/support/plateau.js";
import { ConflictError, InputError, NotFoundError, QuotaExceededError } from "../errors.js";
import type { ObjectStorage } from "../ports/object-storage.js";
import { bucketPath, projectPath } from "../repository/layout.js";
import { projectBucketRemovals } from "./service.js";

const rgw = (name: string, site: string, tier: "experimental" | "institutional" = "experimental", backupBucket?: string) =>
  clusterPlatform(
    {
      site,
      tier,
      s3: { provider: "rgw-admin", endpoint: `https://s3.${name}.example.org/`, region: "eu-west" },
      ...(backupBucket ? { backups: { to: "alpha", bucket: backupBucket } } : {}),
    },
    name,
  );

const argocd = { url: "https://argocd.example.org", namespace: "openshift-gitops", repoURL: "https://git.example.org/ds.git" };

async function setup(storages: Record<string, ObjectStorage> = {}) {
  const ctx = await memoryPlateau({ objectStorages: { storageFor: async (platform) => storages[platform] } }, [
    rgw("alpha", "paris"),
    rgw("beta", "lyon", "experimental", "plateau-backups"),
    rgw("inst", "grenoble", "institutional"),
    clusterPlatform({ site: "lille", s3: { provider: "noobaa" }, argocd }, "nb-lille"),
    clusterPlatform({ site: "nancy", s3: { provider: "noobaa" }, argocd }, "nb-nancy"),
  ]);
  await ctx.plateau.services.projects.create({ name: "demo", lab: "imb" }, alice);
  return { ...ctx, buckets: ctx.plateau.services.buckets };
}

/** The error of a refused change, after checking that nothing was committed. */
async function refusal(ctx: Awaited<ReturnType<typeof setup>>, change: () => Promise<unknown>): Promise<unknown> {
  const head = await ctx.repo.head();
  const error = await change().then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(await ctx.repo.head()).toBe(head);
  return error;
}

describe("bucket service", () => {
  it("brings the project's namespace and Argo CD bootstrap to both noobaa platforms of a replicated bucket, in its one commit", async () => {
    const ctx = await setup();
    const { commit } = await ctx.buckets.create({ project: "demo", name: "demo-mirror", platform: "nb-lille", replica: "nb-nancy" }, alice);
    const changed = (await ctx.repo.changedPaths((await ctx.repo.log({ limit: 2 }))[1]?.id ?? null, commit ?? "", "")).map((change) => change.path);
    for (const platform of ["nb-lille", "nb-nancy"]) {
      expect(changed).toContain(`rendered/${platform}/demo/namespace.yaml`);
      expect(changed).toContain(`rendered/${platform}/demo/_buckets/objectbucketclaim-demo-mirror.yaml`);
      expect(changed).toContain(`rendered/${platform}/argocd/appproject-plateau.yaml`);
      expect(changed.some((path) => path.startsWith(`rendered/${platform}/demo/_project/`))).toBe(true);
    }
    expect(changed).toContain("projects/demo/buckets/demo-mirror.yaml");
  });

  it("views a bucket with the platform's endpoint when no provider is driven, the reconciler's status, and its replica", async () => {
    const ctx = await setup();
    const { bucket } = await ctx.buckets.create({ project: "demo", name: "demo-one", platform: "alpha", replica: "beta" }, alice);
    expect(bucket).toMatchObject({
      status: "pending",
      usage: null,
      endpoint: { url: "https://s3.alpha.example.org", region: "eu-west", pathStyle: true },
      replica: { platform: "beta", state: "pending", checkedAt: null },
    });
    ctx.plateau.bucketStatuses.set("alpha", "demo-one", {
      status: "failed",
      message: "quota could not be set",
      at: "2026-12-06T00:00:00.000Z",
      replica: { platform: "beta", state: "lagging", checkedAt: "2026-12-06T00:00:00.000Z", behind: { objects: 2, bytes: 10 } },
    });
    expect(await ctx.buckets.get("demo", "demo-one")).toMatchObject({
      status: "failed",
      message: "quota could not be set",
      replica: { state: "lagging", behind: { objects: 2, bytes: 10 } },
    });
  });

  it("never fails a list for a provider that cannot say a bucket's usage", async () => {
    const broken = createMemoryObjectStorage();
    const failing: ObjectStorage = { ...broken, usage: async () => Promise.reject(new Error("connection refused")) };
    const ctx = await setup({ alpha: failing });
    await ctx.buckets.create({ project: "demo", name: "demo-two", platform: "alpha" }, alice);
    const [view] = await ctx.buckets.list("demo");
    expect(view).toMatchObject({ name: "demo-two", usage: null, endpoint: { url: "http://s3.memory.invalid" } });
  });

  it("places by the project's tiers, and makes a personal project's file with its first bucket", async () => {
    const ctx = await setup();
    const personal = await ctx.buckets.create({ project: "u-alice", name: "alice-things" }, alice);
    expect(personal.bucket.platform).toBe("alpha");
    const head = (await ctx.repo.head()) ?? "";
    expect(await ctx.repo.readFile(head, projectPath("u-alice"))).toContain("personal: alice");
    expect(await ctx.repo.readFile(head, bucketPath("u-alice", "alice-things"))).toContain("reason: first by name of 4 platforms");
    await ctx.plateau.services.projects.setTiers("demo", ["institutional"], { login: "oscar", name: "oscar", email: "o@example.org" });
    expect((await ctx.buckets.create({ project: "demo", name: "demo-inst" }, alice)).bucket.platform).toBe("inst");
    // Another's project that does not exist is not made.
    expect(await refusal(ctx, () => ctx.buckets.create({ project: "nowhere", name: "nowhere-data" }, alice))).toBeInstanceOf(NotFoundError);
  });

  it("refuses a name the project already has, and counts buckets against the quota", async () => {
    const ctx = await setup();
    await ctx.buckets.create({ project: "u-alice", name: "alice-1", sizeGiB: 1 }, alice);
    const taken = await refusal(ctx, () => ctx.buckets.create({ project: "u-alice", name: "alice-1" }, alice));
    expect(taken).toBeInstanceOf(ConflictError);
    expect((taken as ConflictError).reason).toBe("bucket-name-taken");
    await ctx.buckets.create({ project: "u-alice", name: "alice-2", sizeGiB: 1 }, alice);
    await ctx.buckets.create({ project: "u-alice", name: "alice-3", sizeGiB: 1 }, alice);
    const over = await refusal(ctx, () => ctx.buckets.create({ project: "u-alice", name: "alice-4", sizeGiB: 1 }, alice));
    expect(over).toBeInstanceOf(QuotaExceededError);
    expect((over as QuotaExceededError).denial).toMatchObject({ scope: "project", name: "u-alice", resource: "buckets", used: 3, limit: 3 });
    expect(await refusal(ctx, () => ctx.buckets.create({ project: "u-alice", name: "Alice" }, alice))).toBeInstanceOf(InputError);
  });

  it("refuses the name of a platform's backup bucket: it is Plateau's, on whichever site it is", async () => {
    const ctx = await setup();
    for (const platform of [undefined, "alpha", "beta"]) {
      const taken = await refusal(ctx, () => ctx.buckets.create({ project: "demo", name: "plateau-backups", ...(platform ? { platform } : {}) }, alice));
      expect(taken).toBeInstanceOf(ConflictError);
      expect(taken).toMatchObject({ reason: "bucket-name-taken", params: { name: "plateau-backups", project: "demo" } });
    }
    await ctx.buckets.create({ project: "demo", name: "plateau-backups-2", platform: "alpha" }, alice);
  });

  it("answers a retried create with its first commit, and refuses it once the bucket was removed", async () => {
    const ctx = await setup();
    const first = await ctx.buckets.create({ project: "demo", name: "demo-retry", requestId: "key-1" }, alice);
    const again = await ctx.buckets.create({ project: "demo", name: "demo-retry", requestId: "key-1" }, alice);
    expect(again.commit).toBe(first.commit);
    const removed = await ctx.buckets.remove("demo", "demo-retry", alice);
    expect(removed.commit).not.toBeNull();
    expect(removed.bucket.name).toBe("demo-retry");
    const replay = await refusal(ctx, () => ctx.buckets.create({ project: "demo", name: "demo-retry", requestId: "key-1" }, alice));
    expect((replay as ConflictError).reason).toBe("request-replayed-removed");
    expect(await refusal(ctx, () => ctx.buckets.remove("demo", "demo-retry", alice))).toBeInstanceOf(NotFoundError);
  });

  it("says what removing a project's buckets takes: their files and their claims", async () => {
    const ctx = await setup();
    await ctx.buckets.create({ project: "demo", name: "demo-gone", platform: "alpha", replica: "beta" }, alice);
    const changes = await projectBucketRemovals(ctx.repo, (await ctx.repo.head()) ?? "", "demo");
    expect(changes.map((change) => change.path)).toEqual([
      "projects/demo/buckets",
      "rendered/alpha/demo/_buckets/objectbucketclaim-demo-gone.yaml",
      "rendered/beta/demo/_buckets/objectbucketclaim-demo-gone.yaml",
    ]);
  });
});
