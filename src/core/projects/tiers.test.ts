import { describe, expect, it } from "vitest";
import { alice, memoryPlateau } from "../../../test/support/plateau.js";
import { InputError } from "../errors.js";
import { API_VERSION, parseProject, PROJECT_TIERS, serialize } from "../model.js";
import { projectPath } from "../repository/layout.js";
import { checkProjectTiers, sameTiers } from "./tiers.js";

const oscar = { login: "oscar", name: "oscar", email: "oscar@users.plateau.invalid" };

/** The InputError a call throws, or a failure. */
function inputError(call: () => unknown): InputError {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error("expected an InputError");
}

describe("the tiers a project may ask for", () => {
  it("are the tiers of the model, recovery aside", () => {
    const file = (tiers: unknown) =>
      serialize({
        apiVersion: API_VERSION,
        kind: "Project",
        metadata: { name: "p", createdAt: "t", createdBy: "a" },
        spec: { title: "p", tiers },
      } as never);
    for (const tier of PROJECT_TIERS) expect(parseProject(file([tier]), "p").spec.tiers).toEqual([tier]);
    expect(() => parseProject(file(["recovery"]), "p")).toThrow();
  });

  it("are checked and written in one order, whatever the order asked", () => {
    expect(checkProjectTiers(["institutional", "experimental"])).toEqual(["experimental", "institutional"]);
    expect(checkProjectTiers(["institutional"])).toEqual(["institutional"]);
    expect(sameTiers(["experimental", "institutional"], ["institutional", "experimental"])).toBe(true);
    expect(sameTiers(["experimental"], ["institutional"])).toBe(false);
  });

  it("refuses an unknown tier, a repeated one or none, naming the field and the rule", () => {
    const unknown = inputError(() => checkProjectTiers(["experimental", "gold"]));
    expect(unknown.issues).toEqual([{ pointer: "/tiers/1", rule: "enum", message: expect.stringContaining("experimental and institutional") }]);
    expect(unknown.message).toMatch(/^\/tiers\/1: is not a tier a project may ask for/);
    expect(inputError(() => checkProjectTiers(["recovery"])).issues[0]).toMatchObject({ pointer: "/tiers/0", rule: "enum" });
    expect(inputError(() => checkProjectTiers(["institutional", "institutional"])).issues[0]).toMatchObject({ pointer: "/tiers/1", rule: "uniqueItems" });
    expect(inputError(() => checkProjectTiers([])).issues[0]).toMatchObject({ pointer: "/tiers", rule: "minItems" });
  });
});

describe("setting a project's tiers", () => {
  it("commits once, with its trailers; tiers in force commit nothing; the default is written by naming none", async () => {
    const { plateau, repo } = await memoryPlateau();
    const projects = plateau.services.projects;
    await projects.create({ name: "archive", lab: "imb" }, alice);
    expect((await projects.get("archive")).tiers).toEqual(["experimental"]);

    const before = await repo.head();
    const set = await projects.setTiers("archive", ["institutional"], oscar);
    expect(set.commit).not.toBeNull();
    expect(set.project.tiers).toEqual(["institutional"]);
    const head = await repo.head();
    expect(head).toBe(set.commit);
    const [commit] = await repo.log({ limit: 1 });
    expect(commit).toMatchObject({ parents: [before], author: { name: "oscar" } });
    expect(commit?.trailers).toMatchObject({ "Plateau-Action": "set-tiers", "Plateau-Project": "archive" });
    expect(parseProject((await repo.readFile(head ?? "", projectPath("archive"))) ?? "", "archive").spec.tiers).toEqual(["institutional"]);

    // The same tiers again: no commit.
    expect((await projects.setTiers("archive", ["institutional"], oscar)).commit).toBeNull();
    expect(await repo.head()).toBe(head);

    // Back to the default: the file names no tiers.
    const back = await projects.setTiers("archive", ["experimental"], oscar);
    expect(back.commit).not.toBeNull();
    expect(back.project.tiers).toEqual(["experimental"]);
    expect(parseProject((await repo.readFile(back.commit ?? "", projectPath("archive"))) ?? "", "archive").spec).not.toHaveProperty("tiers");
  });

  it("refuses unknown tiers before anything is written", async () => {
    const { plateau, repo } = await memoryPlateau();
    await plateau.services.projects.create({ name: "archive", lab: "imb" }, alice);
    const head = await repo.head();
    await expect(plateau.services.projects.setTiers("archive", ["gold"], oscar)).rejects.toMatchObject({
      code: "input",
      issues: [{ pointer: "/tiers/0", rule: "enum" }],
    });
    expect(await repo.head()).toBe(head);
    expect((await plateau.services.projects.get("archive")).tiers).toEqual(["experimental"]);
  });

  it("answers a retry with the first commit: the idempotency key is honoured", async () => {
    const { plateau, repo } = await memoryPlateau();
    await plateau.services.projects.create({ name: "archive", lab: "imb" }, alice);
    const first = await plateau.services.projects.setTiers("archive", ["institutional"], oscar, "key-1");
    const head = await repo.head();
    // The same request again, after the answer was lost: the first commit, and no second one.
    const retry = await plateau.services.projects.setTiers("archive", ["institutional"], oscar, "key-1");
    expect(retry.commit).toBe(first.commit);
    expect(await repo.head()).toBe(head);
  });

  it("makes placement keep the project's launches to platforms of its tiers", async () => {
    const { plateau } = await memoryPlateau();
    await plateau.services.projects.create({ name: "archive", lab: "imb" }, alice);
    await plateau.services.projects.setTiers("archive", ["institutional"], oscar);
    // The only platform, local, is experimental.
    await expect(plateau.services.instances.launch({ template: "static-site", project: "archive", name: "site" }, alice)).rejects.toThrow(/institutional/);
  });
});
