// Operators set the platform tiers a project may run on, through the API and the CLI: one
// commit, audited, the idempotency key honoured; everyone else is refused and nothing changes.
import type { InjectOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseProject } from "../../src/core/model.js";
import { projectPath } from "../../src/core/repository/layout.js";
import { runCli } from "../support/cli.js";
import { memoryApp, type Person } from "../support/app.js";

let fixture: Awaited<ReturnType<typeof memoryApp>>;
let server: string;

beforeAll(async () => {
  fixture = await memoryApp();
  server = await fixture.app.listen({ host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  await fixture?.app.close();
  await fixture?.plateau.stop();
});

const send = async (who: Person, options: InjectOptions) =>
  fixture.app.inject({ ...options, headers: { ...(await fixture.as(who)), ...(options.headers ?? {}) } });
const setTiers = (who: Person, project: string, tiers: unknown, headers: Record<string, string> = {}) =>
  send(who, { method: "PUT", url: `/api/v1/projects/${project}/tiers`, payload: { tiers }, headers });
const tiersInGit = async (project: string) => {
  const head = await fixture.repo.head();
  const text = head ? await fixture.repo.readFile(head, projectPath(project)) : undefined;
  return text === undefined ? undefined : (parseProject(text, projectPath(project)).spec.tiers ?? null);
};
/** The project as its readers see it: demo is alice's (lab imb). */
const tiersOf = async (project: string) => ((await send("alice", { url: `/api/v1/projects/${project}` })).json() as { tiers: string[] }).tiers;

describe("a project's tiers through the API", () => {
  it("shows them to the project's readers: experimental by default", async () => {
    expect(await tiersOf("demo")).toEqual(["experimental"]);
    const list = (await send("alice", { url: "/api/v1/projects" })).json() as { items: { name: string; tiers: string[] }[] };
    expect(list.items.find((project) => project.name === "demo")?.tiers).toEqual(["experimental"]);
  });

  it("lets an operator set them: one commit with its trailers, audited, and a retry answered without a second commit", async () => {
    const before = await fixture.repo.head();
    const reply = await setTiers("oscar", "demo", ["institutional", "experimental"], { "idempotency-key": "tiers-1" });
    expect(reply.statusCode, reply.body).toBe(200);
    const body = reply.json() as { project: { tiers: string[]; may: { setTiers: boolean } }; commit: string };
    expect(body.project.tiers).toEqual(["experimental", "institutional"]);
    // The project's view says so, as the route decided (the portal shows the tiers' form by it).
    expect(body.project.may.setTiers).toBe(true);
    const head = await fixture.repo.head();
    expect(head).toBe(body.commit);
    const [commit] = await fixture.repo.log({ limit: 1 });
    expect(commit).toMatchObject({ parents: [before], author: { name: "oscar" } });
    expect(commit?.trailers).toMatchObject({ "Plateau-Action": "set-tiers", "Plateau-Project": "demo", "Plateau-Request-Id": expect.any(String) });
    expect(await tiersInGit("demo")).toEqual(["experimental", "institutional"]);
    expect(await tiersOf("demo")).toEqual(["experimental", "institutional"]);

    // The answer was lost: the retry with the same key answers the same commit, and commits nothing.
    const retry = await setTiers("oscar", "demo", ["institutional", "experimental"], { "idempotency-key": "tiers-1" });
    expect(retry.statusCode).toBe(200);
    expect((retry.json() as { commit: string }).commit).toBe(body.commit);
    expect(await fixture.repo.head()).toBe(head);

    const audit = (await send("oscar", { url: "/api/v1/audit?limit=20" })).json() as {
      items: { actor: string; action: string; target: string; outcome: string; project: string; labs: string[] }[];
    };
    expect(audit.items).toContainEqual(
      expect.objectContaining({ actor: "oscar", action: "set-tiers", target: "demo", outcome: "success", project: "demo", labs: ["imb"] }),
    );
  });

  it("refuses a lab admin and an owner who are not operators (403), and another lab's member as for a project that does not exist (404), committing nothing", async () => {
    const head = await fixture.repo.head();
    const tiers = await tiersInGit("demo");
    for (const who of ["alice", "ines"] as const) {
      const reply = await setTiers(who, "demo", ["institutional"]);
      expect(reply.statusCode, who).toBe(403);
      expect(reply.json()).toEqual({ error: { code: "not-allowed", message: "not allowed: this is for platform operators" } });
      // Their view of the project says so beforehand: the portal shows them no form.
      expect(((await send(who, { url: "/api/v1/projects/demo" })).json() as { may: { setTiers: boolean } }).may.setTiers, who).toBe(false);
    }
    const foreign = await setTiers("bob", "demo", ["institutional"]);
    const ghost = await setTiers("bob", "nx-nowhere", ["institutional"]);
    expect(foreign.statusCode).toBe(404);
    expect(ghost.statusCode).toBe(404);
    expect(foreign.body).toBe(ghost.body.replaceAll("nx-nowhere", "demo"));
    // Nor does a bad body tell bob more: the rule is checked once the body's shape is.
    expect((await setTiers("bob", "demo", ["gold"])).body).toBe((await setTiers("bob", "nx-nowhere", ["gold"])).body.replaceAll("nx-nowhere", "demo"));
    expect(await fixture.repo.head()).toBe(head);
    expect(await tiersInGit("demo")).toEqual(tiers);

    // Each refusal is in the audit log, for the operators and the project's lab to read.
    const audit = (await send("oscar", { url: "/api/v1/audit?limit=50" })).json() as { items: { actor: string; action: string; outcome: string }[] };
    for (const who of ["alice", "ines", "bob"]) {
      expect(audit.items).toContainEqual(expect.objectContaining({ actor: who, action: "PUT /api/v1/projects/:project/tiers", outcome: "denied" }));
    }
  });

  it("refuses an unknown tier, a repeated one or none, naming the field and the rule, and changes nothing", async () => {
    const head = await fixture.repo.head();
    const issue = async (tiers: unknown) => {
      const reply = await setTiers("oscar", "demo", tiers);
      expect(reply.statusCode, reply.body).toBe(400);
      const error = (reply.json() as { error: { code: string; message: string; issues: { pointer: string; rule: string; message: string }[] } }).error;
      expect(error.code).toBe("input");
      return { message: error.message, ...error.issues[0] };
    };
    expect(await issue(["experimental", "gold"])).toMatchObject({
      pointer: "/tiers/1",
      rule: "enum",
      message: expect.stringContaining("the tiers are experimental and institutional"),
    });
    expect(await issue(["recovery"])).toMatchObject({ pointer: "/tiers/0", rule: "enum" });
    expect(await issue(["institutional", "institutional"])).toMatchObject({ pointer: "/tiers/1", rule: "uniqueItems" });
    expect(await issue([])).toMatchObject({ pointer: "/tiers", rule: "minItems" });
    expect(await issue("institutional")).toMatchObject({ pointer: "/tiers", rule: "type" });
    expect(await fixture.repo.head()).toBe(head);
  });
});

const plateau = async (who: Person, ...args: string[]) => runCli(server, await fixture.tokenOf(who), ...args);

describe("plateau projects tiers", () => {
  it("shows a project's tiers, and sets them for an operator in one commit", async () => {
    await send("alice", { method: "POST", url: "/api/v1/projects", payload: { name: "archive", lab: "imb" } });
    expect(await plateau("alice", "projects", "tiers", "archive")).toMatchObject({ code: 0, stdout: "archive may run on experimental platforms" });
    const head = await fixture.repo.head();
    const set = await plateau("oscar", "projects", "tiers", "archive", "institutional");
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/^✓ archive may run on institutional platforms \(commit [0-9a-f]{7}\)$/);
    expect(await fixture.repo.head()).not.toBe(head);
    expect(await tiersInGit("archive")).toEqual(["institutional"]);
    expect((await plateau("oscar", "projects", "tiers", "archive", "institutional")).stdout).toBe("✓ archive may run on institutional platforms (no change)");
    expect((await plateau("alice", "projects")).stdout).toMatch(/archive\s+archive\s+institutional\s/);
  });

  it("says why it refuses: not an operator (exit 5), an unknown tier (exit 2)", async () => {
    const head = await fixture.repo.head();
    const refused = await plateau("ines", "projects", "tiers", "archive", "experimental");
    expect(refused).toMatchObject({ code: 5, stderr: "plateau: not allowed: this is for platform operators" });
    const unknown = await plateau("oscar", "projects", "tiers", "archive", "gold");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^plateau: \/tiers\/0: is not a tier a project may ask for/);
    expect(await fixture.repo.head()).toBe(head);
  });

  it("is described by --help", async () => {
    const help = await plateau("alice", "projects", "tiers", "--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: plateau projects tiers [options] <project> [tiers...]");
    expect(help.stdout).toContain("platform operators set them");
  });
});
