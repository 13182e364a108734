import { describe, expect, it } from "vitest";
import { alice, memoryPlateau, TEST_SETTINGS } from "../../../test/support/plateau.js";
import { personalProjectName } from "../access/policy.js";
import { NotFoundError, QuotaExceededError, type QuotaDenial } from "../errors.js";
import { API_VERSION, serialize, type Quota } from "../model.js";
import { labPath } from "../repository/layout.js";

type Context = Awaited<ReturnType<typeof memoryPlateau>>;

const bob = { login: "bob", name: "bob", email: "bob@users.plateau.invalid" };
const MEDIUM_SITE = { template: "static-site", values: { size: "medium" } }; // 0.2 cores, 128Mi, no volume
const SMALL_SITE = { template: "static-site", values: { size: "small" } }; // 0.05 cores, 64Mi

async function setup(): Promise<Context> {
  return memoryPlateau();
}

/** A lab's file, committed by someone else (an operator), then picked up. */
async function writeLab(ctx: Context, lab: string, spec: { projectLimit?: number; quota?: Quota }): Promise<void> {
  const head = await ctx.repo.head();
  await ctx.repo.commit({
    parent: head,
    author: { name: "Operator", email: "op@example.org" },
    message: `set lab ${lab}`,
    trailers: {},
    changes: [
      {
        path: labPath(lab),
        content: serialize({ apiVersion: API_VERSION, kind: "Lab", metadata: { name: lab }, spec: { title: lab.toUpperCase(), ...spec } }),
      },
    ],
  });
  await ctx.plateau.refresh();
}

const launch = (ctx: Context, project: string, name: string, what: { template: string; values: Record<string, unknown> } = MEDIUM_SITE) =>
  ctx.plateau.services.instances.launch({ ...what, project, name }, alice);

/** The QuotaExceededError of a refused change, after checking that nothing was committed. */
async function refused(ctx: Context, change: () => Promise<unknown>): Promise<QuotaExceededError & { denial: QuotaDenial }> {
  const head = await ctx.repo.head();
  const error = await change().then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(QuotaExceededError);
  expect(await ctx.repo.head()).toBe(head);
  const denial = (error as QuotaExceededError).denial;
  expect(denial).toBeDefined();
  return error as QuotaExceededError & { denial: QuotaDenial };
}

describe("tenancy: the project quota at launch", () => {
  it("refuses an instance beyond the project's instance quota, committing nothing", async () => {
    const ctx = await setup();
    await ctx.plateau.services.projects.create({ name: "p1", lab: "imb" }, alice);
    await ctx.plateau.services.projects.setQuota("p1", { instances: 2 }, alice);
    await launch(ctx, "p1", "one", SMALL_SITE);
    await launch(ctx, "p1", "two", SMALL_SITE);
    await ctx.plateau.services.instances.stop("p1", "two", alice); // a stopped instance keeps its place
    const error = await refused(ctx, () => launch(ctx, "p1", "three", SMALL_SITE));
    expect(error.denial).toEqual({ scope: "project", name: "p1", resource: "instances", unit: "instances", asked: 1, used: 2, limit: 2, remaining: 0 });
    expect(error.message).toMatch(/^project p1 quota exceeded for instances: asked 1 instances, 0 of 2 instances remain/);
    expect((await ctx.plateau.services.instances.list({ project: "p1" })).map((instance) => instance.name).sort()).toEqual(["one", "two"]);
    // Removing one makes room.
    await ctx.plateau.services.instances.remove("p1", "one", alice);
    await launch(ctx, "p1", "three", SMALL_SITE);
  });

  it("refuses CPU beyond the project's quota, and allows an exact fit", async () => {
    const ctx = await setup();
    await ctx.plateau.services.projects.create({ name: "p1", lab: "imb" }, alice);
    await ctx.plateau.services.projects.setQuota("p1", { cpu: 0.3 }, alice);
    await launch(ctx, "p1", "medium");
    const error = await refused(ctx, () => launch(ctx, "p1", "other"));
    expect(error.denial).toMatchObject({ scope: "project", name: "p1", resource: "cpu", unit: "cores", asked: 0.2, used: 0.2, limit: 0.3, remaining: 0.1 });
    // 0.2 + 0.05 + 0.05 is exactly 0.3 cores.
    await launch(ctx, "p1", "small-a", SMALL_SITE);
    await launch(ctx, "p1", "small-b", SMALL_SITE);
    expect((await refused(ctx, () => launch(ctx, "p1", "small-c", SMALL_SITE))).denial).toMatchObject({ resource: "cpu", remaining: 0 });
  });

  it("refuses memory beyond the project's quota, and allows an exact fit", async () => {
    const ctx = await setup();
    await ctx.plateau.services.projects.create({ name: "p1", lab: "imb" }, alice);
    await ctx.plateau.services.projects.setQuota("p1", { memoryGiB: 0.25 }, alice);
    await launch(ctx, "p1", "first");
    await launch(ctx, "p1", "second"); // 2 × 128Mi = 0.25 GiB
    const error = await refused(ctx, () => launch(ctx, "p1", "third"));
    expect(error.denial).toMatchObject({ scope: "project", resource: "memoryGiB", unit: "GiB", asked: 0.125, used: 0.25, limit: 0.25, remaining: 0 });
  });

  it("refuses storage beyond the project's quota", async () => {
    const ctx = await setup();
    await ctx.plateau.services.projects.create({ name: "p1", lab: "imb" }, alice);
    await ctx.plateau.services.projects.setQuota("p1", { storageGiB: 5 }, alice);
    await launch(ctx, "p1", "blog", { template: "wordpress", values: {} }); // 2 + 1 GiB
    const error = await refused(ctx, () => launch(ctx, "p1", "other", { template: "wordpress", values: {} }));
    expect(error.denial).toMatchObject({ resource: "storageGiB", asked: 3, used: 3, limit: 5, remaining: 2 });
  });

  it("uses the configuration's project quota when the project sets none", async () => {
    const ctx = await setup();
    await ctx.plateau.services.projects.create({ name: "p1", lab: "imb" }, alice);
    const limit = TEST_SETTINGS.tenancy.projectQuota.storageGiB; // 200 GiB, the most one notebook may ask
    await launch(ctx, "p1", "big", { template: "jupyter-notebook", values: { storage: limit } });
    const error = await refused(ctx, () => launch(ctx, "p1", "more", { template: "jupyter-notebook", values: { storage: 1 } }));
    expect(error.denial).toMatchObject({ scope: "project", resource: "storageGiB", asked: 1, used: limit, limit, remaining: 0 });
  });
});

describe("tenancy: the lab quota", () => {
  it("refuses a launch that takes the projects of a lab together over the lab's quota", async () => {
    const ctx = await setup();
    await writeLab(ctx, "imb", { quota: { cpu: 0.3 } });
    await ctx.plateau.services.projects.create({ name: "p1", lab: "imb" }, alice);
    await ctx.plateau.services.projects.create({ name: "p2", lab: "imb" }, bob);
    await ctx.plateau.services.projects.create({ name: "elsewhere", lab: "lmbp" }, bob);
    await launch(ctx, "p1", "site");
    const error = await refused(ctx, () => ctx.plateau.services.instances.launch({ ...MEDIUM_SITE, project: "p2", name: "site" }, bob));
    expect(error.denial).toEqual({ scope: "lab", name: "imb", resource: "cpu", unit: "cores", asked: 0.2, used: 0.2, limit: 0.3, remaining: 0.1 });
    expect(error.message).toMatch(/^lab imb quota exceeded for cpu/);
    // What still fits in the lab fits; another lab has its own share.
    await ctx.plateau.services.instances.launch({ ...SMALL_SITE, project: "p2", name: "small" }, bob);
    await ctx.plateau.services.instances.launch({ ...MEDIUM_SITE, project: "elsewhere", name: "site" }, bob);
  });

  it("counts a lab's stopped instances for its instance quota", async () => {
    const ctx = await setup();
    await writeLab(ctx, "imb", { quota: { instances: 2 } });
    await ctx.plateau.services.projects.create({ name: "p1", lab: "imb" }, alice);
    await ctx.plateau.services.projects.create({ name: "p2", lab: "imb" }, alice);
    await launch(ctx, "p1", "a", SMALL_SITE);
    await launch(ctx, "p2", "b", SMALL_SITE);
    await ctx.plateau.services.instances.stop("p2", "b", alice);
    const error = await refused(ctx, () => launch(ctx, "p1", "c", SMALL_SITE));
    expect(error.denial).toMatchObject({ scope: "lab", name: "imb", resource: "instances", asked: 1, used: 2, remaining: 0 });
  });

  it("uses the configuration's lab quota when the lab has no file", async () => {
    const ctx = await setup();
    const { tenancy } = ctx.plateau.services;
    expect(await tenancy.lab("imb")).toMatchObject({
      name: "imb",
      title: "imb",
      quota: TEST_SETTINGS.tenancy.labQuota,
      projectLimit: TEST_SETTINGS.tenancy.labProjectLimit,
    });
    await writeLab(ctx, "imb", { quota: { cpu: 1 } });
    expect(await tenancy.lab("imb")).toMatchObject({ title: "IMB", quota: { ...TEST_SETTINGS.tenancy.labQuota, cpu: 1 } });
  });
});

describe("tenancy: which quota a launch would not fit, before it is tried", () => {
  it("names the quota the launch would be refused by: the lab's, the project's, a personal one's", async () => {
    const ctx = await setup();
    await writeLab(ctx, "imb", { quota: { cpu: 0.3 } });
    await ctx.plateau.services.projects.create({ name: "p1", lab: "imb" }, alice);
    await launch(ctx, "p1", "site");
    const { tenancy } = ctx.plateau.services;
    const head = await ctx.repo.head();
    const asks = { cpu: 0.2, memoryGiB: 0.125, gpu: 0, instances: 1, storageGiB: 0 };
    // The same denial the launch meets, with the quota that would fit it and who raises it.
    const refusal = await refused(ctx, () => launch(ctx, "p1", "second"));
    expect(await tenancy.blocks(head, "p1", asks)).toEqual({
      code: "lab-quota",
      params: { ...refusal.denial, needed: 0.4, option: "cpu" },
      reason: "lab imb has 0.3 cores (0.2 in use) and this launch needs 0.2 more: a platform operator can raise it in labs/imb.yaml (spec.quota.cpu: 0.4)",
    });
    expect(await tenancy.blocks(head, "p1", { ...asks, cpu: 0.1 })).toBeUndefined();
    // The project's quota is checked first, as at launch; GPUs are none by default.
    expect(await tenancy.blocks(head, "p1", { ...asks, cpu: 0, gpu: 1 })).toMatchObject({ code: "project-quota", params: { resource: "gpu", needed: 1 } });
    // A personal project not made yet has the personal quota, raised by operators.
    expect(await tenancy.blocks(head, personalProjectName("carol"), { ...asks, cpu: 4 })).toMatchObject({
      code: "personal-quota",
      params: { name: personalProjectName("carol"), resource: "cpu", limit: TEST_SETTINGS.tenancy.personalQuota.cpu },
    });
  });
});

describe("tenancy: starting and stopping", () => {
  it("re-checks CPU when a stopped instance starts", async () => {
    const ctx = await setup();
    await ctx.plateau.services.projects.create({ name: "p1", lab: "imb" }, alice);
    await ctx.plateau.services.projects.setQuota("p1", { cpu: 0.3 }, alice);
    await launch(ctx, "p1", "a");
    await ctx.plateau.services.instances.stop("p1", "a", alice);
    await launch(ctx, "p1", "b"); // fits now that a is stopped
    const error = await refused(ctx, () => ctx.plateau.services.instances.start("p1", "a", alice));
    expect(error.denial).toMatchObject({ scope: "project", name: "p1", resource: "cpu", asked: 0.2, used: 0.2, limit: 0.3, remaining: 0.1 });
    expect((await ctx.plateau.services.instances.get("p1", "a")).state).toBe("stopped");
    await ctx.plateau.services.instances.stop("p1", "b", alice);
    expect((await ctx.plateau.services.instances.start("p1", "a", alice)).commit).toBeTruthy();
  });

  it("re-checks memory when a stopped instance starts", async () => {
    const ctx = await setup();
    await ctx.plateau.services.projects.create({ name: "p1", lab: "imb" }, alice);
    await ctx.plateau.services.projects.setQuota("p1", { memoryGiB: 0.2 }, alice);
    await launch(ctx, "p1", "a");
    await ctx.plateau.services.instances.stop("p1", "a", alice);
    await launch(ctx, "p1", "b");
    const error = await refused(ctx, () => ctx.plateau.services.instances.start("p1", "a", alice));
    expect(error.denial).toMatchObject({ resource: "memoryGiB", asked: 0.125, used: 0.125, limit: 0.2 });
  });

  it("re-checks the lab quota when a stopped instance starts", async () => {
    const ctx = await setup();
    await writeLab(ctx, "imb", { quota: { cpu: 0.3 } });
    await ctx.plateau.services.projects.create({ name: "p1", lab: "imb" }, alice);
    await ctx.plateau.services.projects.create({ name: "p2", lab: "imb" }, alice);
    await launch(ctx, "p1", "a");
    await ctx.plateau.services.instances.stop("p1", "a", alice);
    await launch(ctx, "p2", "b");
    const error = await refused(ctx, () => ctx.plateau.services.instances.start("p1", "a", alice));
    expect(error.denial).toMatchObject({ scope: "lab", name: "imb", resource: "cpu", used: 0.2, asked: 0.2 });
  });

  it("does not count a stopped instance twice when it starts", async () => {
    const ctx = await setup();
    await ctx.plateau.services.projects.create({ name: "p1", lab: "imb" }, alice);
    await ctx.plateau.services.projects.setQuota("p1", { instances: 1, cpu: 0.2, storageGiB: 3 }, alice);
    await launch(ctx, "p1", "a"); // exactly the quota: 1 instance, 0.2 cores
    await ctx.plateau.services.instances.stop("p1", "a", alice);
    expect((await ctx.plateau.services.instances.start("p1", "a", alice)).commit).toBeTruthy();
    expect((await ctx.plateau.services.instances.get("p1", "a")).state).toBe("running");
  });

  it("never refuses to stop, even a project over its quota", async () => {
    const ctx = await setup();
    await ctx.plateau.services.projects.create({ name: "p1", lab: "imb" }, alice);
    await launch(ctx, "p1", "a");
    await launch(ctx, "p1", "b");
    await ctx.plateau.services.projects.setQuota("p1", { cpu: 0.1, memoryGiB: 0.1, instances: 1 }, alice);
    expect((await ctx.plateau.services.instances.stop("p1", "a", alice)).commit).toBeTruthy();
    expect((await ctx.plateau.services.instances.stop("p1", "b", alice)).commit).toBeTruthy();
    // Nor to remove.
    expect((await ctx.plateau.services.instances.remove("p1", "a", alice)).commit).toBeTruthy();
  });
});

describe("tenancy: the lab's project limit", () => {
  it("refuses one project more than the lab file's limit, committing nothing", async () => {
    const ctx = await setup();
    await writeLab(ctx, "imb", { projectLimit: 2 });
    await ctx.plateau.services.projects.create({ name: "p1", lab: "imb" }, alice);
    await ctx.plateau.services.projects.create({ name: "p2", lab: "imb" }, bob);
    const error = await refused(ctx, () => ctx.plateau.services.projects.create({ name: "p3", lab: "imb" }, alice));
    expect(error.denial).toEqual({ scope: "lab", name: "imb", resource: "projects", unit: "projects", asked: 1, used: 2, limit: 2, remaining: 0 });
    await expect(ctx.plateau.services.projects.get("p3")).rejects.toBeInstanceOf(NotFoundError);
    // Other labs are not concerned.
    await ctx.plateau.services.projects.create({ name: "p3", lab: "lmbp" }, alice);
  });

  it("applies the configuration's limit when the lab has no file", async () => {
    const ctx = await setup();
    const limit = TEST_SETTINGS.tenancy.labProjectLimit;
    for (let i = 1; i <= limit; i++) await ctx.plateau.services.projects.create({ name: `p${i}`, lab: "imb" }, alice);
    const error = await refused(ctx, () => ctx.plateau.services.projects.create({ name: "one-more", lab: "imb" }, alice));
    expect(error.denial).toMatchObject({ scope: "lab", name: "imb", resource: "projects", used: limit, limit, remaining: 0 });
    expect(await ctx.plateau.services.tenancy.projectsLeft(await ctx.repo.head(), "imb")).toEqual({ limit, count: limit });
  });

  it("refuses any project in a lab whose limit is zero", async () => {
    const ctx = await setup();
    await writeLab(ctx, "closed", { projectLimit: 0 });
    const error = await refused(ctx, () => ctx.plateau.services.projects.create({ name: "p1", lab: "closed" }, alice));
    expect(error.denial).toMatchObject({ resource: "projects", used: 0, limit: 0, remaining: 0 });
  });
});

describe("tenancy: report", () => {
  it("gives what a lab project and its lab use against their quotas", async () => {
    const ctx = await setup();
    await writeLab(ctx, "imb", { projectLimit: 4, quota: { cpu: 10 } });
    await ctx.plateau.services.projects.create({ name: "p1", lab: "imb" }, alice);
    await ctx.plateau.services.projects.create({ name: "p2", lab: "imb" }, alice);
    await ctx.plateau.services.projects.setQuota("p1", { cpu: 4 }, alice);
    await launch(ctx, "p1", "site"); // running: 0.2 cores, 0.125 GiB
    await launch(ctx, "p1", "blog", { template: "wordpress", values: {} }); // stopped below: 3 GiB of storage
    await ctx.plateau.services.instances.stop("p1", "blog", alice);
    await launch(ctx, "p2", "notebook", { template: "jupyter-notebook", values: { size: "small", storage: 5 } }); // 0.5 cores, 1 GiB, 5 GiB
    const report = await ctx.plateau.services.tenancy.report("p1");
    expect(report.project).toEqual({
      name: "p1",
      quota: { ...TEST_SETTINGS.tenancy.projectQuota, cpu: 4 },
      used: { cpu: 0.2, memoryGiB: 0.125, gpu: 0, instances: 2, storageGiB: 3 },
    });
    expect(report.lab).toEqual({
      name: "imb",
      projects: 2,
      projectLimit: 4,
      quota: { ...TEST_SETTINGS.tenancy.labQuota, cpu: 10 },
      used: { cpu: 0.7, memoryGiB: 1.125, gpu: 0, instances: 3, storageGiB: 8 },
    });
  });

  it("gives a personal project the personal quota and no lab", async () => {
    const ctx = await setup();
    const personal = personalProjectName(alice.login);
    await launch(ctx, personal, "site");
    const report = await ctx.plateau.services.tenancy.report(personal);
    expect(report).toEqual({
      project: { name: personal, quota: TEST_SETTINGS.tenancy.personalQuota, used: { cpu: 0.2, memoryGiB: 0.125, gpu: 0, instances: 1, storageGiB: 0 } },
      lab: null,
    });
  });

  it("holds a personal project to the personal quota at launch", async () => {
    const ctx = await setup();
    const personal = personalProjectName(alice.login);
    const cpu = TEST_SETTINGS.tenancy.personalQuota.cpu; // 2 cores: two medium notebooks of 1 core
    await launch(ctx, personal, "one", { template: "jupyter-notebook", values: { size: "medium", storage: 1 } });
    await launch(ctx, personal, "two", { template: "jupyter-notebook", values: { size: "medium", storage: 1 } });
    const error = await refused(ctx, () => launch(ctx, personal, "three", SMALL_SITE));
    expect(error.denial).toMatchObject({ scope: "project", name: personal, resource: "cpu", used: cpu, limit: cpu, remaining: 0 });
  });

  it("knows no report of a project that does not exist", async () => {
    const ctx = await setup();
    await expect(ctx.plateau.services.tenancy.report("ghost")).rejects.toBeInstanceOf(NotFoundError);
  });
});
