import { describe, expect, it } from "vitest";
import { alice, clusterPlatform, memoryPlateau } from "../../../test/support/plateau.js";
import { personalProjectName } from "../access/policy.js";
import { NotFoundError } from "../errors.js";
import { createPlatformService, localPlatformDocument } from "./service.js";

const pools = [
  { name: "cpu", nodes: 4, cpu: 32, memoryGiB: 256 },
  { name: "gpu", nodes: 2, cpu: 16, memoryGiB: 128, gpu: { type: "A100", count: 4 } },
];

describe("platform service", () => {
  it("says whether each platform can run now, from its engine, and what its pools hold", async () => {
    const ctx = await memoryPlateau({}, [clusterPlatform({ pools })]);
    const [local, cluster] = await ctx.plateau.services.platforms.list();
    expect(local).toMatchObject({ name: "local", available: true, version: "memory", reason: null, pools: [], capacity: null, delivery: null });
    expect(cluster).toMatchObject({
      name: "plmshift",
      available: false,
      reason: "no engine for argocd platforms in this Plateau yet",
      capacity: { cpu: 4 * 32 + 2 * 16, memoryGiB: 4 * 256 + 2 * 128, gpu: 8 },
      pools: [
        { name: "cpu", nodes: 4, cpu: 32, memoryGiB: 256, gpu: null },
        { name: "gpu", nodes: 2, cpu: 16, memoryGiB: 128, gpu: { type: "A100", count: 4 } },
      ],
    });
    ctx.engine.setAvailability({ available: false, reason: "podman is not installed", hint: "install podman" });
    expect(await ctx.plateau.services.platforms.get("local")).toMatchObject({ available: false, reason: "podman is not installed", hint: "install podman" });
  });

  it("counts the instances placed on a platform and what the running ones ask", async () => {
    const ctx = await memoryPlateau();
    const project = personalProjectName("alice");
    const launch = (name: string) => ctx.plateau.services.instances.launch({ project, name, template: "static-site", values: { size: "small" } }, alice); // 0.05 cores, 64Mi
    await launch("one");
    await launch("two");
    await launch("three");
    await ctx.plateau.services.instances.stop(project, "three", alice);
    const local = await ctx.plateau.services.platforms.get("local");
    expect(local.instances).toBe(3);
    expect(local.used).toEqual({ cpu: 0.1, memoryGiB: 0.125, gpu: 0 });
  });

  it("knows an unknown platform as not found", async () => {
    const ctx = await memoryPlateau();
    await expect(ctx.plateau.services.platforms.get("nowhere")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("says how a cluster sees Plateau's commits: through the remote, and why not when it fails", async () => {
    const ctx = await memoryPlateau({}, [clusterPlatform()]);
    const withRemote = (remote: { state: string; lastError: { message: string } | null } | undefined) =>
      createPlatformService({
        index: ctx.adapters.index,
        engines: { get: () => undefined },
        repo: ctx.repo,
        tenancy: ctx.plateau.services.tenancy,
        ...(remote ? { remote: () => remote } : {}),
      });
    expect((await withRemote(undefined).get("plmshift")).delivery).toEqual({
      state: "no-remote",
      reason: "the desired-state repository has no remote: this platform's Argo CD must clone it from Plateau (/git/desired-state.git)",
    });
    expect((await withRemote({ state: "failing", lastError: { message: "push refused" } }).get("plmshift")).delivery).toEqual({
      state: "failing",
      reason: "push refused",
    });
    expect((await withRemote({ state: "in-sync", lastError: { message: "an old failure" } }).get("plmshift")).delivery).toEqual({
      state: "in-sync",
      reason: null,
    });
    expect((await withRemote({ state: "failing", lastError: null }).get("local")).delivery).toBeNull();
  });

  it("describes this machine as the local podman platform on the configured domain", () => {
    expect(localPlatformDocument("example.test").spec).toMatchObject({ engine: "podman", infrastructure: { type: "local" }, domain: "example.test" });
  });
});
