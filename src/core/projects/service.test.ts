import { describe, expect, it } from "vitest";
import { alice, clusterPlatform, memoryPlateau } from "../../../test/support/plateau.js";
import { personalProjectName } from "../access/policy.js";
import { ConflictError, InputError, NotFoundError, QuotaExceededError } from "../errors.js";
import { parseProject } from "../model.js";
import { projectPath } from "../repository/layout.js";

type Context = Awaited<ReturnType<typeof memoryPlateau>>;

const bob = { login: "bob", name: "bob", email: "bob@users.plateau.invalid" };

/** The project's file at the head, as committed. */
async function documentOf(ctx: Context, name: string) {
  const head = await ctx.repo.head();
  const text = head ? await ctx.repo.readFile(head, projectPath(name)) : undefined;
  if (text === undefined) throw new Error(`no file for ${name}`);
  return parseProject(text, projectPath(name));
}

/** The error of a refused change, after checking that nothing was committed. */
async function refusal(ctx: Context, change: () => Promise<unknown>): Promise<unknown> {
  const head = await ctx.repo.head();
  const error = await change().then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(await ctx.repo.head()).toBe(head);
  return error;
}

describe("project service: creating a lab project", () => {
  it("commits the project with its creator as owner and its name as title, and says who asked", async () => {
    const ctx = await memoryPlateau();
    const { project, commit } = await ctx.plateau.services.projects.create({ name: "p1", lab: "imb" }, alice);
    expect(project).toMatchObject({ name: "p1", lab: "imb", title: "p1", instances: 0 });
    expect(commit).toBe(await ctx.repo.head());
    expect((await documentOf(ctx, "p1")).spec).toMatchObject({ title: "p1", lab: "imb", members: [{ login: "alice", role: "owner" }] });
    const [info] = await ctx.repo.log({ limit: 1 });
    expect(info).toMatchObject({ subject: "create project p1 in lab imb", author: { name: "alice" }, trailers: { "Plateau-Action": "create-project" } });
  });

  it("refuses a name taken, and a lab over its limit of projects, committing nothing", async () => {
    const ctx = await memoryPlateau();
    await ctx.plateau.services.projects.create({ name: "p1", lab: "imb" }, alice);
    expect(await refusal(ctx, () => ctx.plateau.services.projects.create({ name: "p1", lab: "imb" }, bob))).toBeInstanceOf(ConflictError);
    for (let i = 2; i <= 10; i++) await ctx.plateau.services.projects.create({ name: `p${i}`, lab: "imb" }, alice);
    const error = await refusal(ctx, () => ctx.plateau.services.projects.create({ name: "p11", lab: "imb" }, alice));
    expect(error).toBeInstanceOf(QuotaExceededError);
    expect((error as QuotaExceededError).denial).toMatchObject({ scope: "lab", name: "imb", resource: "projects", used: 10, limit: 10 });
  });

  it("refuses a name of a drill's scratch project (drill-…): no tenant may own one, a personal project neither", async () => {
    const ctx = await memoryPlateau();
    const error = await refusal(ctx, () => ctx.plateau.services.projects.create({ name: "drill-local-abc123", lab: "imb" }, alice));
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).issues).toEqual([expect.objectContaining({ pointer: "/name", rule: "reserved" })]);
    // Personal projects are u-<login>, whatever the login.
    expect(personalProjectName("drill-local-abc123").startsWith("u-")).toBe(true);
  });

  it("answers a retried request with its first commit, and makes no other", async () => {
    const ctx = await memoryPlateau();
    const first = await ctx.plateau.services.projects.create({ name: "p1", lab: "imb", requestId: "key-1" }, alice);
    const again = await ctx.plateau.services.projects.create({ name: "p1", lab: "imb", requestId: "key-1" }, alice);
    expect(again.commit).toBe(first.commit);
    expect(await ctx.repo.head()).toBe(first.commit);
  });
});

describe("project service: members and quota", () => {
  it("keeps members sorted (groups, then logins, each by name), and always an owner", async () => {
    const ctx = await memoryPlateau();
    await ctx.plateau.services.projects.create({ name: "p1", lab: "imb" }, alice);
    await ctx.plateau.services.projects.setMembers(
      "p1",
      [
        { group: "team-x", role: "viewer" },
        { login: "bob", role: "editor" },
        { login: "alice", role: "owner" },
      ],
      alice,
    );
    expect((await documentOf(ctx, "p1")).spec.members).toEqual([
      { group: "team-x", role: "viewer" },
      { login: "alice", role: "owner" },
      { login: "bob", role: "editor" },
    ]);
    const noOwner = await refusal(ctx, () => ctx.plateau.services.projects.setMembers("p1", [{ login: "bob", role: "editor" }], alice));
    expect((noOwner as InputError).issues).toEqual([expect.objectContaining({ pointer: "/members", rule: "owner" })]);
    const twice = await refusal(ctx, () =>
      ctx.plateau.services.projects.setMembers(
        "p1",
        [
          { login: "alice", role: "owner" },
          { login: "alice", role: "editor" },
        ],
        alice,
      ),
    );
    expect((twice as InputError).issues).toEqual([expect.objectContaining({ pointer: "/members/1", rule: "uniqueItems" })]);
  });

  it("commits nothing when nothing changes", async () => {
    const ctx = await memoryPlateau();
    await ctx.plateau.services.projects.create({ name: "p1", lab: "imb" }, alice);
    const head = await ctx.repo.head();
    const { commit } = await ctx.plateau.services.projects.setMembers("p1", [{ login: "alice", role: "owner" }], alice);
    expect(commit).toBeNull();
    expect(await ctx.repo.head()).toBe(head);
  });

  it("refuses members for a personal project: it has one member, its owner", async () => {
    const ctx = await memoryPlateau();
    const personal = personalProjectName("alice");
    await ctx.plateau.services.instances.launch({ project: personal, name: "site", template: "static-site", values: { size: "small" } }, alice);
    const error = await refusal(ctx, () =>
      ctx.plateau.services.projects.setMembers(
        personal,
        [
          { login: "alice", role: "owner" },
          { login: "bob", role: "editor" },
        ],
        alice,
      ),
    );
    expect(error).toBeInstanceOf(ConflictError);
  });

  it("sets a project's own quota in one commit, and lists projects with their instances", async () => {
    const ctx = await memoryPlateau();
    await ctx.plateau.services.projects.create({ name: "p1", lab: "imb" }, alice);
    const { project, commit } = await ctx.plateau.services.projects.setQuota("p1", { cpu: 1, instances: 3 }, alice);
    expect(commit).toBe(await ctx.repo.head());
    expect(project.quota).toEqual({ cpu: 1, instances: 3 });
    await ctx.plateau.services.instances.launch({ project: "p1", name: "site", template: "static-site", values: { size: "small" } }, alice);
    expect((await ctx.plateau.services.projects.list()).find((listed) => listed.name === "p1")?.instances).toBe(1);
    expect((await ctx.plateau.services.projects.get("p1")).instances).toBe(1);
  });

  it("never commits a project file the project schema refuses: a change that would is a bug, and the project stays readable", async () => {
    const ctx = await memoryPlateau();
    await ctx.plateau.services.projects.create({ name: "p1", lab: "imb" }, alice);
    await ctx.plateau.services.projects.setQuota("p1", { cpu: 1 }, alice);
    // Values the API's schemas refuse, handed to the service directly: the written file would not read.
    const quota = await refusal(ctx, () => ctx.plateau.services.projects.setQuota("p1", { cpu: -1, gpu: 1.5 }, alice));
    expect(quota).toBeInstanceOf(Error);
    expect(quota).not.toBeInstanceOf(InputError); // not the person's mistake: a server error
    expect((quota as Error).message).toMatch(
      /^invariant violated: set-quota of project p1 would commit a file the project schema refuses: .*\/spec\/quota\/cpu/,
    );
    const members = await refusal(ctx, () => ctx.plateau.services.projects.setMembers("p1", [{ login: "Not A Login", role: "owner" }], alice));
    expect((members as Error).message).toMatch(/^invariant violated: set-members of project p1 would commit a file the project schema refuses/);
    await ctx.plateau.refresh();
    expect((await ctx.plateau.services.projects.get("p1")).quota).toEqual({ cpu: 1 });
    expect((await documentOf(ctx, "p1")).spec.members).toEqual([{ login: "alice", role: "owner" }]);
  });

  it("knows an unknown project as not found and refuses a name that cannot be one", async () => {
    const ctx = await memoryPlateau();
    await expect(ctx.plateau.services.projects.get("nothing")).rejects.toBeInstanceOf(NotFoundError);
    expect(() => ctx.plateau.services.projects.get("Not_A_Name")).toThrow(InputError);
    await expect(ctx.plateau.services.projects.setQuota("nothing", {}, alice)).rejects.toBeInstanceOf(NotFoundError);
    expect(await ctx.plateau.services.projects.find("nothing")).toBeUndefined();
  });
});

describe("project service: the recovery policy on cluster platforms (ADR 0034)", () => {
  it("renders the project's Velero Schedule in the same commit as the change that makes it backed up, and removes it in the one that stops it", async () => {
    const backedUpPlatform = clusterPlatform(
      { s3: { provider: "noobaa", endpoint: "https://s3.example.org" }, backups: { bucket: "plateau-backups", velero: { namespace: "oadp" } } },
      "plmapps",
    );
    const ctx = await memoryPlateau({}, [backedUpPlatform]);
    await ctx.plateau.services.projects.create({ name: "payroll", lab: "imb" }, alice);
    // The project already has its namespace on the cluster (its first launch there wrote its bundle).
    await ctx.repo.commit({
      parent: await ctx.repo.head(),
      author: alice,
      message: "bundle",
      trailers: {},
      changes: [{ path: "rendered/plmapps/payroll/_project/namespace-payroll.yaml", content: "kind: Namespace\n" }],
    });
    const schedulePath = "rendered/plmapps/payroll/_project/schedule-plateau-payroll.yaml";
    const oscar = { login: "oscar", name: "oscar", email: "oscar@users.plateau.invalid" };
    const on = await ctx.plateau.services.projects.setTiers("payroll", ["institutional"], oscar);
    if (!on.commit) throw new Error("no commit");
    const parent = (await ctx.repo.log({ limit: 2 }))[1]?.id ?? null;
    const changed = (await ctx.repo.changedPaths(parent, on.commit, "")).map((change) => change.path);
    expect(changed).toEqual(expect.arrayContaining(["projects/payroll/project.yaml", schedulePath]));
    const text = await ctx.repo.readFile(on.commit, schedulePath);
    expect(text).toContain("namespace: oadp");
    expect(text).toContain("storageLocation: plateau-plmapps");
    const off = await ctx.plateau.services.projects.setTiers("payroll", ["experimental"], oscar);
    if (!off.commit) throw new Error("no commit");
    expect(await ctx.repo.readFile(off.commit, schedulePath)).toBeUndefined();
  });
});

describe("the bootstrap repair: Velero Schedules follow a platform's spec.backups (ADR 0034)", () => {
  it("adds the Schedules of backed-up projects when an operator gives the platform backups, and removes them when taken away, one commit each", async () => {
    const plain = clusterPlatform({ s3: { provider: "noobaa", endpoint: "https://s3.example.org" } }, "plmapps");
    const ctx = await memoryPlateau({}, [plain]);
    const oscar = { login: "oscar", name: "oscar", email: "oscar@users.plateau.invalid" };
    await ctx.plateau.services.projects.create({ name: "payroll", lab: "imb" }, alice);
    await ctx.plateau.services.projects.create({ name: "scratch", lab: "imb" }, alice);
    await ctx.plateau.services.projects.setTiers("payroll", ["institutional"], oscar);
    const bundle = (project: string) => ({ path: `rendered/plmapps/${project}/_project/namespace-${project}.yaml`, content: "kind: Namespace\n" });
    const platformFile = (document: typeof plain) => ({ path: "platforms/plmapps.yaml", content: JSON.stringify(document) });
    const operatorCommit = async (changes: { path: string; content: string }[]) =>
      ctx.repo.commit({ parent: await ctx.repo.head(), author: oscar, message: "operator's merge", trailers: {}, changes });
    await operatorCommit([bundle("payroll"), bundle("scratch")]);
    await ctx.plateau.refresh();
    const schedule = "rendered/plmapps/payroll/_project/schedule-plateau-payroll.yaml";
    const at = async (path: string) => ctx.repo.readFile((await ctx.repo.head()) ?? "", path);
    expect(await at(schedule)).toBeUndefined();

    await operatorCommit([platformFile({ ...plain, spec: { ...plain.spec, backups: { bucket: "plateau-backups" } } })]);
    await ctx.plateau.refresh();
    expect(await at(schedule)).toContain("storageLocation: plateau-plmapps");
    expect(await at("rendered/plmapps/scratch/_project/schedule-plateau-scratch.yaml")).toBeUndefined();
    const [repair] = await ctx.repo.log({ limit: 1 });
    expect(repair?.trailers["Plateau-Action"]).toBe("render-bootstrap");
    // Nothing more to do: no commit.
    const head = await ctx.repo.head();
    await ctx.plateau.refresh();
    expect(await ctx.repo.head()).toBe(head);

    await operatorCommit([platformFile(plain)]);
    await ctx.plateau.refresh();
    expect(await at(schedule)).toBeUndefined();
    expect(await at("rendered/plmapps/payroll/_project/namespace-payroll.yaml")).toBe("kind: Namespace\n");
  });
});
