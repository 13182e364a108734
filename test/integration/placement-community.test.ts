// Placement over the example community (examples/community/platforms: the files an operator
// would commit), as tables: where each kind of instance goes, and why every other platform
// was excluded. Then the same decision through a launch, committed with its reason.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createMemoryEngine } from "../../src/adapters/memory/memory-engine.js";
import { parsePlatform, type PlatformDocument } from "../../src/core/model.js";
import { place, type PlacementRequest, type PlatformCandidate } from "../../src/core/placement/place.js";
import { localPlatformDocument } from "../../src/core/platforms/service.js";
import { memoryPlateau } from "../support/plateau.js";

const DIR = join(import.meta.dirname, "..", "..", "examples", "community", "platforms");
let community: PlatformDocument[] = [];

beforeAll(async () => {
  const files = (await readdir(DIR)).filter((file) => file.endsWith(".yaml")).sort();
  community = await Promise.all(files.map(async (file) => parsePlatform(await readFile(join(DIR, file), "utf8"), file)));
});

const candidates = (extra: Partial<Record<string, Partial<PlatformCandidate>>> = {}): PlatformCandidate[] =>
  [localPlatformDocument("localhost"), ...community].map((platform) => ({
    platform,
    supported: true,
    available: true,
    ...extra[platform.metadata.name],
  }));

const small = { cpu: 0.5, memoryGiB: 1, gpu: 0 };
const request = (pod: { cpu: number; memoryGiB: number; gpu: number }, extra: Partial<PlacementRequest> = {}): PlacementRequest => ({
  asks: { ...pod, storageGiB: 5 },
  largestPod: pod,
  ...extra,
});
const reasonsOf = (placement: ReturnType<typeof place>) => Object.fromEntries(placement.excluded.map((exclusion) => [exclusion.platform, exclusion.reason]));

describe("placement over the example community", () => {
  it("declares the four platforms of the seed", () => {
    expect(community.map((platform) => [platform.metadata.name, platform.spec.tier])).toEqual([
      ["plmapps", "institutional"],
      ["plmopp", "recovery"],
      ["plmshift", "experimental"],
      ["plmvshift", "experimental"],
    ]);
    expect(community.find((platform) => platform.metadata.name === "plmopp")?.spec.recoveryFor).toBe("plmapps");
  });

  it("sends a GPU notebook to PLMshift's vGPU pool, and says why nowhere else", () => {
    const placement = place(request({ cpu: 4, memoryGiB: 16, gpu: 1 }), candidates());
    expect(placement.platform).toBe("plmshift");
    const reasons = reasonsOf(placement);
    expect(reasons.local).toBe("declares no GPU pool");
    expect(reasons.plmvshift).toMatch(/^no pool can hold a pod of 4 cores, 16 GiB, 1 GPU \(general: 16 cores, 64 GiB per node\)$/);
    expect(reasons.plmapps).toBe("tier institutional, and this project may only run on experimental platforms");
    expect(reasons.plmopp).toMatch(/^a recovery site for plmapps/);
    // A GPU model nobody has: excluded everywhere, with the models on offer.
    expect(() => place(request({ cpu: 4, memoryGiB: 16, gpu: 1 }, { gpuType: "H100" }), candidates())).toThrow(/A100-20C per node/);
  });

  it("sends a big-memory job to PLMshift's big-memory pool", () => {
    const placement = place(request({ cpu: 16, memoryGiB: 512, gpu: 0 }), candidates());
    expect(placement.platform).toBe("plmshift");
    expect(reasonsOf(placement).plmvshift).toMatch(/no pool can hold a pod of 16 cores, 512 GiB/);
  });

  it("sends an institutional WordPress to PLMapps only: nothing institutional on an experimental platform", () => {
    const placement = place(request({ cpu: 1, memoryGiB: 2, gpu: 0 }, { tiers: ["institutional"] }), candidates());
    expect(placement.platform).toBe("plmapps");
    expect(placement.reason).toBe("the only eligible platform");
    const reasons = reasonsOf(placement);
    for (const experimental of ["local", "plmshift", "plmvshift"]) {
      expect(reasons[experimental]).toBe("tier experimental, and this project may only run on institutional platforms");
    }
    expect(reasons.plmopp).toBe("a recovery site for plmapps: used in a disaster, when pinned");
  });

  it("excludes a full platform, saying how full", () => {
    const full = candidates({ plmapps: { used: { cpu: 127, memoryGiB: 100, gpu: 0 } } });
    expect(() => place(request({ cpu: 2, memoryGiB: 2, gpu: 0 }, { tiers: ["institutional"] }), full)).toThrow("plmapps: full: 1 of 128 cores free, 2 asked");
  });

  it("ranks by capacity (least-allocated or bin-packing), the project's affinity and the lab's spread", () => {
    // PLMshift is busy; PLMvshift is empty. Least-allocated prefers room…
    const busy = candidates({ plmshift: { used: { cpu: 600, memoryGiB: 4000, gpu: 0 } } });
    const spread = place(request(small), busy);
    expect(spread.platform).toBe("plmvshift");
    // (the local machine declares no capacity: it scores in the middle)
    expect(spread.candidates.map((candidate) => candidate.platform)).toEqual(["plmvshift", "local", "plmshift"]);
    expect(reasonsOf(spread).plmapps).toBe("tier institutional, and this project may only run on experimental platforms");
    // …bin-packing fills the busy one first.
    expect(place(request(small), busy, { strategy: "bin-packing", allowPinning: true }).platform).toBe("plmshift");
    // The project already runs on plmshift: affinity outweighs a little room.
    const affine = candidates({ plmshift: { used: { cpu: 100, memoryGiB: 300, gpu: 0 }, projectInstances: 3 } });
    expect(place(request(small), affine).platform).toBe("plmshift");
    // Every candidate says its score per criterion.
    expect(spread.candidates[0]?.scores).toEqual({ availability: 1, capacity: expect.any(Number), affinity: 0, spread: 1 });
    expect(spread.reason).toMatch(/^highest score of 3 eligible platforms \(availability 1, capacity /);
  });

  it("lets people pin a platform, the recovery site included, unless the policy says otherwise", () => {
    expect(place(request(small, { pinned: "plmopp" }), candidates()).platform).toBe("plmopp");
    expect(() => place(request(small, { pinned: "plmopp" }), candidates(), { strategy: "least-allocated", allowPinning: false })).toThrow(/not allowed here/);
  });
});

describe("placement through a launch", () => {
  it("commits the decision and its reason with the instance", async () => {
    const engines = new Map([
      ["podman", createMemoryEngine()],
      ["argocd", createMemoryEngine()],
    ]);
    const { plateau, repo } = await memoryPlateau({ engines }, community);
    const alice = { login: "alice", name: "alice", email: "alice@users.plateau.invalid" };
    await plateau.services.projects.create({ name: "site", lab: "imb" }, alice);
    // An institutional project: its file says so (as a lab admin would set it).
    const head = (await repo.head()) ?? "";
    const text = (await repo.readFile(head, "projects/site/project.yaml")) ?? "";
    await repo.commit({
      parent: head,
      author: alice,
      message: "site is an institutional service",
      trailers: {},
      changes: [{ path: "projects/site/project.yaml", content: text.replace("  title: site\n", "  tiers: [institutional]\n  title: site\n") }],
    });
    await plateau.refresh();
    const launched = await plateau.services.instances.launch({ template: "wordpress", project: "site", name: "www" }, alice);
    expect(launched.placement.platform).toBe("plmapps");
    expect(launched.placement.excluded.map((exclusion) => exclusion.platform).sort()).toEqual(["local", "plmopp", "plmshift", "plmvshift"]);
    const intent = (await repo.readFile((await repo.head()) ?? "", "projects/site/instances/www.yaml")) ?? "";
    expect(intent).toContain("platform: plmapps");
    expect(intent).toContain("reason: the only eligible platform");
    // The platform view shows pools, capacity and what runs there.
    const plmapps = await plateau.services.platforms.get("plmapps");
    expect(plmapps).toMatchObject({ tier: "institutional", capacity: { cpu: 128, memoryGiB: 512, gpu: 0 }, instances: 1, recoveryFor: null });
    expect(plmapps.pools).toEqual([{ name: "general", nodes: 8, cpu: 16, memoryGiB: 64, gpu: null }]);
    expect(plmapps.used.cpu).toBeGreaterThan(0);
    expect((await plateau.services.platforms.get("plmopp")).recoveryFor).toBe("plmapps");
    expect((await plateau.services.platforms.get("local")).capacity).toBeNull();
  });

  it("moves an instance to another platform in one commit, within the rules of placement", async () => {
    const engines = new Map([
      ["podman", createMemoryEngine()],
      ["argocd", createMemoryEngine()],
    ]);
    const { plateau, repo } = await memoryPlateau({ engines }, community);
    const alice = { login: "alice", name: "alice", email: "alice@users.plateau.invalid" };
    await plateau.services.projects.create({ name: "demo", lab: "imb" }, alice);
    await plateau.services.instances.launch({ template: "static-site", project: "demo", name: "web", platform: "plmshift" }, alice);
    const before = (await repo.head()) ?? "";
    const moved = await plateau.services.instances.move("demo", "web", "plmvshift", alice);
    expect(moved.commit).not.toBeNull();
    const log = await repo.log({ limit: 1 });
    expect(log[0]?.subject).toBe("move demo/web from plmshift to plmvshift");
    const changed = (await repo.changedPaths(before, moved.commit ?? "", "")).map((change) => change.path);
    expect(changed).toContain("projects/demo/instances/web.yaml");
    expect(changed.some((path) => path.startsWith("rendered/plmshift/demo/web/"))).toBe(true);
    expect(changed.some((path) => path.startsWith("rendered/plmvshift/demo/web/"))).toBe(true);
    const head = (await repo.head()) ?? "";
    expect(await repo.listDirectory(head, "rendered/plmshift/demo/web")).toEqual([]);
    expect((await repo.listDirectory(head, "rendered/plmvshift/demo/_project")).length).toBeGreaterThan(0);
    expect((await plateau.services.instances.get("demo", "web")).platform).toBe("plmvshift");
    // Nowhere the rules forbid, and no commit for a move to where it already is.
    await expect(plateau.services.instances.move("demo", "web", "plmapps", alice)).rejects.toThrow(/tier institutional/);
    expect((await plateau.services.instances.move("demo", "web", "plmvshift", alice)).commit).toBeNull();
    expect(await repo.head()).toBe(head);
  });
});
