import { describe, expect, it } from "vitest";
import { alice, bucketSource, clusterA, instanceHarness } from "../../../../test/support/instances.js";
import { builtInTemplates, testCrds } from "../../../../test/support/plateau.js";
import { createStaticCatalog } from "../../../adapters/catalog/file-catalog.js"; // eslint-disable-line no-restricted-imports -- the real catalog, as the other core tests of instances read it
import { NotFoundError } from "../../errors.js";
import { localPlatformDocument } from "../../platforms/service.js";
import { createCrdValidator } from "../../render/crd-validate.js";
import type { CommitId } from "../../ports/desired-state-repository.js";
import type { InstanceServiceDeps } from "../service.js";
import { createSourceRegistry, INSTANCE_SOURCES } from "../sources/index.js";
import { createCommandContext } from "./context.js";

/** The context over the harness's stores: what the command modules share. */
async function context() {
  const h = await instanceHarness();
  const catalog = createStaticCatalog(await builtInTemplates());
  const deps = {
    repo: h.repo,
    index: h.index,
    statuses: h.statuses,
    catalog,
    engines: { get: () => undefined },
    clock: h.clock,
    random: { int: () => 0, secret: (n: number) => "s".repeat(n), id: () => "id" },
    urlOf: () => "http://x/",
    tenancy: {
      check: async () => undefined,
      quotaOf: () => ({ cpu: 1, memoryGiB: 1, gpu: 0, instances: 1, storageGiB: 1 }),
      resourcesOfInstance: async () => ({ cpu: 0, memoryGiB: 0, gpu: 0, instances: 1, storageGiB: 0 }),
    },
    helm: h.helm,
    crds: createCrdValidator(await testCrds()),
  } as unknown as InstanceServiceDeps; // the writer is not used by the context
  const sources = createSourceRegistry(deps, [bucketSource, ...INSTANCE_SOURCES]);
  const views: string[] = [];
  const ctx = createCommandContext(deps, sources, {
    view: async (project, name) => {
      views.push(`${project}/${name}`);
      throw new NotFoundError("instance", `${project}/${name}`);
    },
  });
  return { h, ctx, sources, views };
}

describe("instance commands: what they share", () => {
  it("asks placement what the source asks, with what the source needs of the platform", async () => {
    const { h, ctx, sources } = await context();
    const head = await h.head();
    const chart = await sources.sourceFor("ide/jupyter");
    expect(
      await ctx.placementRequest(head, { project: "demo", platform: "plmshift" }, chart, { resources: { requests: { cpu: "2", memory: "1Gi" } } }),
    ).toEqual({
      pinned: "plmshift",
      asks: { cpu: 2, memoryGiB: 1, gpu: 0, storageGiB: 0 },
      largestPod: { cpu: 2, memoryGiB: 1, gpu: 0 },
      helm: true,
    });
    const site = await sources.sourceFor("static-site");
    const request = await ctx.placementRequest(head, { project: "demo" }, site, { size: "medium" });
    expect(request).toEqual({ asks: { cpu: 0.2, memoryGiB: 0.125, gpu: 0, storageGiB: 0 }, largestPod: { cpu: 0.2, memoryGiB: 0.125, gpu: 0 } });
  });

  it("removes every directory any source renders, and reads platforms and intents at the head", async () => {
    const { h, ctx } = await context();
    expect(ctx.renderedRemovals("local", "demo", "site")).toEqual([
      { path: "rendered/local/demo/_bucket/site", remove: true },
      { path: "rendered/local/demo/_helm/site", remove: true },
      { path: "rendered/local/demo/site", remove: true },
      { path: "rendered/local/demo/_recovery/site", remove: true },
    ]);
    const head = await h.head();
    expect((await ctx.platformsAt(head)).map((platform) => platform.metadata.name).sort()).toEqual(["local", "plmshift", "plmshift-2", "spare"]);
    await expect(ctx.platformAt(head, "gone")).rejects.toThrow('platform "gone" is no longer declared in the desired-state repository');
    await expect(ctx.intentAt(head, "demo", "site")).rejects.toThrow('instance "demo/site" not found');
    await expect(ctx.intentAt(null, "demo", "site")).rejects.toThrow('instance "demo/site" not found');
  });

  it("makes a personal project's files at its first launch, and a cluster platform's bundle and AppProject", async () => {
    const { h, ctx } = await context();
    const head = (await h.head()) as CommitId;
    const local = await ctx.projectChanges(head, "u-alice", localPlatformDocument("localhost"), alice, "2026-03-01T09:00:00.000Z");
    expect(local.map((change) => change.path)).toEqual(["projects/u-alice/project.yaml", "rendered/local/u-alice/namespace.yaml"]);
    expect("content" in local[0]! ? local[0].content : "").toContain("personal: alice");
    const cluster = (await ctx.projectChanges(head, "demo", clusterA, alice, "2026-03-01T09:00:00.000Z")).map((change) => change.path);
    expect(cluster).toContain("rendered/plmshift/demo/namespace.yaml");
    expect(cluster.some((path) => path.startsWith("rendered/plmshift/demo/_project/"))).toBe(true);
    expect(cluster.some((path) => path.startsWith("rendered/plmshift/argocd/"))).toBe(true);
  });

  it("finds requests by a digest of who, what and the key; an answer whose instance is gone says null", async () => {
    const { ctx, views } = await context();
    expect(ctx.idOf(undefined, alice, "stop", "demo/site")).toBeUndefined();
    const id = ctx.idOf("key", alice, "stop", "demo/site");
    expect(id).toBe(ctx.idOf("key", alice, "stop", "demo/site"));
    expect(id).not.toBe(ctx.idOf("key", alice, "start", "demo/site"));
    expect(await ctx.committed(id)).toBeUndefined();
    expect(await ctx.answerOf({ id: id as string, commit: "c1", target: "demo/site" } as never)).toEqual({ commit: "c1", instance: null });
    expect(views).toEqual(["demo/site"]);
    expect(ctx.trailersOf("stop", "demo/site", "local", undefined)).toEqual({
      "Plateau-Action": "stop",
      "Plateau-Instance": "demo/site",
      "Plateau-Platform": "local",
    });
  });
});
