import { describe, expect, it } from "vitest";
import type { ProjectRole } from "../model.js";
import {
  auditScope,
  authorizeLab,
  authorizeOperator,
  authorizeProject,
  authorizeProjectCreation,
  authorizeProjectOperator,
  authorizeProjectQuota,
  authorizeSignedIn,
  authorizeTokenManagement,
  personalProjectName,
  projectAccess,
  projectRole,
  type Decision,
  type ProjectAction,
  type ProjectFacts,
} from "./policy.js";
import { ANONYMOUS, FULL_SCOPE, type Principal, type TokenScope, type UserPrincipal } from "./principal.js";

const user = (login: string, overrides: Partial<Omit<UserPrincipal, "kind">> = {}): UserPrincipal => ({
  kind: "user",
  userId: `id-${login}`,
  login,
  name: login,
  groups: [],
  labs: [],
  labAdminOf: [],
  operator: false,
  via: "session",
  scope: FULL_SCOPE,
  ...overrides,
});
const token = (principal: UserPrincipal, scope: TokenScope): UserPrincipal => ({ ...principal, via: "token", scope });

// The people of the tables below.
const owner = user("olga", { labs: ["imb"] });
const editor = user("eddy", { labs: ["imb"] });
const viewer = user("vera", { labs: ["imb"] });
const byGroup = user("greg", { groups: ["team-x"], labs: ["lmbp"] });
const stranger = user("sam", { labs: ["imb"] });
const labAdmin = user("ada", { labs: ["imb"], labAdminOf: ["imb"] });
const otherLabAdmin = user("lea", { labs: ["lmbp"], labAdminOf: ["lmbp"] });
const operator = user("otto", { operator: true });
const jean = user("jean.dupont");
// Their login has a dot: their personal project's name ends with a hash of it.
const jeanPersonal = personalProjectName("jean.dupont");

const demo: ProjectFacts = {
  name: "demo",
  lab: "imb",
  personal: null,
  members: [
    { login: "olga", role: "owner" },
    { login: "eddy", role: "editor" },
    { login: "vera", role: "viewer" },
    { group: "team-x", role: "editor" },
  ],
};
const personal: ProjectFacts = { name: jeanPersonal, lab: null, personal: "jean.dupont", members: [] };

const allowed = (decision: Decision) => decision.allowed;
const statusOf = (decision: Decision | { allowed: true; labs: readonly string[] | null }): number | "allowed" =>
  decision.allowed ? "allowed" : (decision as Extract<Decision, { allowed: false }>).status;

describe("projectRole", () => {
  it.each<[string, UserPrincipal, ProjectFacts, ProjectRole | null]>([
    ["a member by login (owner)", owner, demo, "owner"],
    ["a member by login (editor)", editor, demo, "editor"],
    ["a member by login (viewer)", viewer, demo, "viewer"],
    ["a member through a group", byGroup, demo, "editor"],
    ["a lab member who is no member of the project", stranger, demo, null],
    ["the lab's admin, owner of every project of the lab", labAdmin, demo, "owner"],
    ["another lab's admin", otherLabAdmin, demo, null],
    ["a platform operator", operator, demo, "owner"],
    ["the owner of a personal project", jean, personal, "owner"],
    ["someone else on a personal project", stranger, personal, null],
    ["a lab admin on a personal project", labAdmin, personal, null],
    ["an operator on a personal project", operator, personal, "owner"],
  ])("%s", (_, principal, project, role) => {
    expect(projectRole(principal, project)).toBe(role);
  });

  it("takes the highest role from every source, whatever the order", () => {
    const asViewer = { login: "vera", role: "viewer" as const };
    const asOwner = { group: "team-x", role: "owner" as const };
    const asEditor = { group: "team-y", role: "editor" as const };
    const vera = user("vera", { groups: ["team-x", "team-y"] });
    expect(projectRole(vera, { ...demo, members: [asViewer, asOwner, asEditor] })).toBe("owner");
    expect(projectRole(vera, { ...demo, members: [asEditor, asOwner, asViewer] })).toBe("owner");
    expect(projectRole(vera, { ...demo, members: [asEditor, asViewer] })).toBe("editor");
    expect(projectRole(vera, { ...demo, members: [asViewer, asEditor] })).toBe("editor");
    // A member who is also the lab's admin is owner, whatever the listed role.
    expect(projectRole(user("vera", { labAdminOf: ["imb"] }), { ...demo, members: [asViewer] })).toBe("owner");
  });

  it("does not confuse a login with a group of the same name", () => {
    expect(projectRole(user("team-x"), demo)).toBeNull();
    expect(projectRole(user("someone", { groups: ["olga"] }), demo)).toBeNull();
  });

  it("does not take a lab membership for a role", () => {
    expect(projectRole(user("sam", { labs: ["imb"] }), demo)).toBeNull();
  });
});

describe("authorizeProject", () => {
  it.each<[string, Principal, ProjectAction, number | "allowed"]>([
    ["anonymous reads", ANONYMOUS, "read", 401],
    ["anonymous writes", ANONYMOUS, "write", 401],
    ["a viewer reads", viewer, "read", "allowed"],
    ["a viewer writes", viewer, "write", 403],
    ["a viewer administers", viewer, "admin", 403],
    ["an editor reads", editor, "read", "allowed"],
    ["an editor writes", editor, "write", "allowed"],
    ["an editor administers", editor, "admin", 403],
    ["a group editor writes", byGroup, "write", "allowed"],
    ["a group editor administers", byGroup, "admin", 403],
    ["an owner administers", owner, "admin", "allowed"],
    ["a lab admin administers", labAdmin, "admin", "allowed"],
    ["an operator administers", operator, "admin", "allowed"],
    ["a stranger reads", stranger, "read", 404],
    ["a stranger writes", stranger, "write", 404],
    ["a stranger administers", stranger, "admin", 404],
    ["another lab's admin reads", otherLabAdmin, "read", 404],
  ])("%s an existing project: %s", (_, principal, action, expected) => {
    expect(statusOf(authorizeProject(principal, "demo", demo, action))).toBe(expected);
  });

  it("says why a role is too low, and never why a project is invisible", () => {
    const tooLow = authorizeProject(viewer, "demo", demo, "write");
    expect(tooLow).toMatchObject({ allowed: false, status: 403 });
    expect(!tooLow.allowed && tooLow.reason).toMatch(/editor role on project demo; you are viewer/);
    // The same answer for a project that exists and one that does not: names do not leak.
    expect(authorizeProject(stranger, "demo", demo, "read")).toEqual(authorizeProject(stranger, "nothing", undefined, "read"));
  });

  it.each<[string, Principal, string, ProjectAction, number | "allowed"]>([
    ["the owner launches into a personal project not yet made", jean, jeanPersonal, "write", "allowed"],
    ["the owner reads a personal project not yet made", jean, jeanPersonal, "read", 404],
    ["the owner administers a personal project not yet made", jean, jeanPersonal, "admin", 404],
    ["someone else launches into another's personal project", stranger, jeanPersonal, "write", 404],
    ["someone writes to a lab project that does not exist", labAdmin, "ghost", "write", 404],
    ["someone reads a project that does not exist", stranger, "ghost", "read", 404],
    ["an operator reads a project that does not exist (the service answers 404)", operator, "ghost", "read", "allowed"],
    ["an operator writes to a project that does not exist", operator, "ghost", "write", 404],
    ["anonymous writes to a personal project", ANONYMOUS, jeanPersonal, "write", 401],
  ])("%s", (_, principal, name, action, expected) => {
    expect(statusOf(authorizeProject(principal, name, undefined, action))).toBe(expected);
  });

  describe("with a token", () => {
    const limited = token(owner, { projects: ["demo"], write: true });
    const elsewhere = token(owner, { projects: ["other"], write: true });
    const readOnly = token(owner, { projects: null, write: false });
    const full = token(owner, { projects: null, write: true });

    it.each<[string, UserPrincipal, ProjectAction, number | "allowed"]>([
      ["an unrestricted token does what its owner may", full, "admin", "allowed"],
      ["a token limited to the project reads it", limited, "read", "allowed"],
      ["a token limited to the project writes to it", limited, "write", "allowed"],
      ["a token limited to the project administers it", limited, "admin", "allowed"],
      ["a token limited to other projects does not see it", elsewhere, "read", 404],
      ["a token limited to other projects cannot write to it", elsewhere, "write", 404],
      ["a read-only token reads", readOnly, "read", "allowed"],
      ["a read-only token cannot write", readOnly, "write", 403],
      ["a read-only token cannot administer", readOnly, "admin", 403],
    ])("%s", (_, principal, action, expected) => {
      expect(statusOf(authorizeProject(principal, "demo", demo, action))).toBe(expected);
    });

    it("gives no more than the person's role", () => {
      expect(statusOf(authorizeProject(token(viewer, { projects: ["demo"], write: true }), "demo", demo, "write"))).toBe(403);
      expect(statusOf(authorizeProject(token(stranger, { projects: ["demo"], write: true }), "demo", demo, "read"))).toBe(404);
    });

    it("applies to a personal project not yet made", () => {
      expect(statusOf(authorizeProject(token(jean, { projects: [jeanPersonal], write: true }), jeanPersonal, undefined, "write"))).toBe("allowed");
      expect(statusOf(authorizeProject(token(jean, { projects: ["demo"], write: true }), jeanPersonal, undefined, "write"))).toBe(404);
      expect(statusOf(authorizeProject(token(jean, { projects: null, write: false }), jeanPersonal, undefined, "write"))).toBe(403);
      expect(statusOf(authorizeProject(token(operator, { projects: ["demo"], write: false }), "ghost", undefined, "read"))).toBe(404);
    });
  });
});

describe("authorizeProjectCreation", () => {
  it.each<[string, Principal, string, number | "allowed"]>([
    ["anonymous", ANONYMOUS, "imb", 401],
    ["a lab member", stranger, "imb", "allowed"],
    ["a member of another lab", byGroup, "imb", 403],
    ["a lab admin", labAdmin, "imb", "allowed"],
    ["a lab admin who is not listed as member", user("x", { labAdminOf: ["imb"] }), "imb", "allowed"],
    ["an operator in any lab", operator, "anything", "allowed"],
    ["someone with no lab", jean, "imb", 403],
    ["an unrestricted token of a lab member", token(stranger, FULL_SCOPE), "imb", "allowed"],
    ["a read-only token of a lab member", token(stranger, { projects: null, write: false }), "imb", 403],
    ["a token limited to projects", token(stranger, { projects: ["demo"], write: true }), "imb", 403],
    ["an operator's token limited to projects", token(operator, { projects: ["new"], write: true }), "imb", 403],
    ["an operator's read-only token", token(operator, { projects: null, write: false }), "imb", 403],
  ])("%s", (_, principal, lab, expected) => {
    expect(statusOf(authorizeProjectCreation(principal, lab))).toBe(expected);
  });
});

describe("authorizeProjectQuota", () => {
  const readOnly = { projects: null, write: false };
  it.each<[string, Principal, string, ProjectFacts | undefined, number | "allowed"]>([
    ["anonymous", ANONYMOUS, "demo", demo, 401],
    ["the lab's admin", labAdmin, "demo", demo, "allowed"],
    ["an operator", operator, "demo", demo, "allowed"],
    ["the project's owner who is no lab admin", owner, "demo", demo, 403],
    ["an editor", editor, "demo", demo, 403],
    ["a stranger (the project does not exist for them)", stranger, "demo", demo, 404],
    ["another lab's admin", otherLabAdmin, "demo", demo, 404],
    ["the lab admin's unrestricted token", token(labAdmin, FULL_SCOPE), "demo", demo, "allowed"],
    ["the lab admin's token limited to the project", token(labAdmin, { projects: ["demo"], write: true }), "demo", demo, "allowed"],
    ["the lab admin's token limited to other projects", token(labAdmin, { projects: ["other"], write: true }), "demo", demo, 404],
    ["the lab admin's read-only token", token(labAdmin, readOnly), "demo", demo, 403],
    ["an operator's read-only token", token(operator, readOnly), "demo", demo, 403],
    ["the owner of a personal project", jean, jeanPersonal, personal, 403],
    ["a lab admin on a personal project", labAdmin, jeanPersonal, personal, 404],
    ["an operator on a personal project", operator, jeanPersonal, personal, "allowed"],
    ["an operator's read-only token on a personal project", token(operator, readOnly), jeanPersonal, personal, 403],
    ["an operator on a project that does not exist", operator, "ghost", undefined, 404],
    ["the owner on a personal project not yet made", jean, jeanPersonal, undefined, 404],
  ])("%s", (_, principal, name, project, expected) => {
    expect(statusOf(authorizeProjectQuota(principal, name, project))).toBe(expected);
  });
});

describe("authorizeProjectOperator (a project's tiers)", () => {
  const readOnly = { projects: null, write: false };
  it.each<[string, Principal, string, ProjectFacts | undefined, number | "allowed"]>([
    ["anonymous", ANONYMOUS, "demo", demo, 401],
    ["an operator", operator, "demo", demo, "allowed"],
    ["the lab's admin", labAdmin, "demo", demo, 403],
    ["the project's owner", owner, "demo", demo, 403],
    ["an editor", editor, "demo", demo, 403],
    ["a stranger (the project does not exist for them)", stranger, "demo", demo, 404],
    ["another lab's admin", otherLabAdmin, "demo", demo, 404],
    ["an operator's token limited to the project", token(operator, { projects: ["demo"], write: true }), "demo", demo, "allowed"],
    ["an operator's token limited to other projects", token(operator, { projects: ["other"], write: true }), "demo", demo, 404],
    ["an operator's read-only token", token(operator, readOnly), "demo", demo, 403],
    ["the owner of a personal project", jean, jeanPersonal, personal, 403],
    ["an operator on a personal project", operator, jeanPersonal, personal, "allowed"],
    ["an operator on a project that does not exist", operator, "ghost", undefined, 404],
  ])("%s", (_, principal, name, project, expected) => {
    expect(statusOf(authorizeProjectOperator(principal, name, project))).toBe(expected);
  });
});

describe("projectAccess", () => {
  const readOnly = { projects: null, write: false };
  // role, then may: read, launch, manage members, set the quota, set the tiers. Written by hand, as the rules say.
  it.each<[string, Principal, ProjectFacts, ProjectRole | null, [boolean, boolean, boolean, boolean, boolean]]>([
    ["the owner", owner, demo, "owner", [true, true, true, false, false]],
    ["an editor", editor, demo, "editor", [true, true, false, false, false]],
    ["a viewer", viewer, demo, "viewer", [true, false, false, false, false]],
    ["an editor through a group (the portal could not tell)", byGroup, demo, "editor", [true, true, false, false, false]],
    ["the lab's admin", labAdmin, demo, "owner", [true, true, true, true, false]],
    ["an operator", operator, demo, "owner", [true, true, true, true, true]],
    ["an operator's read-only token", token(operator, readOnly), demo, "owner", [true, false, false, false, false]],
    ["the owner's read-only token", token(owner, readOnly), demo, "owner", [true, false, false, false, false]],
    ["the lab admin's read-only token", token(labAdmin, readOnly), demo, "owner", [true, false, false, false, false]],
    ["a stranger", stranger, demo, null, [false, false, false, false, false]],
    ["anonymous", ANONYMOUS, demo, null, [false, false, false, false, false]],
    ["the owner of a personal project (one member: its members are not managed)", jean, personal, "owner", [true, true, false, false, false]],
    ["an operator on a personal project", operator, personal, "owner", [true, true, false, true, true]],
  ])("%s", (_, principal, project, role, [read, launch, manageMembers, setQuota, setTiers]) => {
    expect(projectAccess(principal, project)).toMatchObject({ role, may: { read, launch, manageMembers, setQuota, setTiers } });
  });

  it("says which role one keeps without one's own login entry: the owner by login alone keeps none", () => {
    expect(projectAccess(owner, demo).roleWithoutLoginEntry).toBeNull();
    expect(projectAccess(editor, demo).roleWithoutLoginEntry).toBeNull();
    const listedAdmin = { ...demo, members: [...demo.members, { login: "ada", role: "viewer" as const }] };
    expect(projectAccess(labAdmin, listedAdmin)).toMatchObject({ role: "owner", roleWithoutLoginEntry: "owner" });
    const listedInGroup = { ...demo, members: [...demo.members, { login: "greg", role: "owner" as const }] };
    expect(projectAccess(byGroup, listedInGroup)).toMatchObject({ role: "owner", roleWithoutLoginEntry: "editor" });
    expect(projectAccess(jean, personal).roleWithoutLoginEntry).toBe("owner");
    expect(projectAccess(ANONYMOUS, demo).roleWithoutLoginEntry).toBeNull();
  });
});

describe("authorizeLab", () => {
  it.each<[string, Principal, "read" | "admin", number | "allowed"]>([
    ["anonymous reads", ANONYMOUS, "read", 401],
    ["a member reads", stranger, "read", "allowed"],
    ["a member administers", stranger, "admin", 403],
    ["a non-member reads", byGroup, "read", 404],
    ["a non-member administers", byGroup, "admin", 403],
    ["the lab's admin reads", labAdmin, "read", "allowed"],
    ["the lab's admin administers", labAdmin, "admin", "allowed"],
    ["another lab's admin reads", otherLabAdmin, "read", 404],
    ["another lab's admin administers", otherLabAdmin, "admin", 403],
    ["an operator reads", operator, "read", "allowed"],
    ["an operator administers", operator, "admin", "allowed"],
    ["a lab admin's unrestricted token administers", token(labAdmin, FULL_SCOPE), "admin", "allowed"],
    ["a lab admin's token limited to projects reads", token(labAdmin, { projects: ["demo"], write: true }), "read", 403],
    ["a lab admin's read-only token reads", token(labAdmin, { projects: null, write: false }), "read", "allowed"],
  ])("%s", (_, principal, action, expected) => {
    expect(statusOf(authorizeLab(principal, "imb", action))).toBe(expected);
  });
});

describe("auditScope", () => {
  it.each<[string, Principal, number | "allowed", readonly string[] | null | undefined]>([
    ["anonymous", ANONYMOUS, 401, undefined],
    ["an operator reads all", operator, "allowed", null],
    ["a lab admin reads the labs administered", user("x", { labs: ["imb", "lmbp"], labAdminOf: ["imb", "bio"] }), "allowed", ["imb", "bio"]],
    ["a lab member reads nothing", stranger, 403, undefined],
    ["someone with groups only", byGroup, 403, undefined],
    ["an operator's read-only token", token(operator, { projects: null, write: false }), "allowed", null],
    ["an operator's token limited to projects", token(operator, { projects: ["demo"], write: true }), 403, undefined],
    ["a lab admin's token limited to projects", token(labAdmin, { projects: ["demo"], write: true }), 403, undefined],
  ])("%s", (_, principal, expected, labs) => {
    const scope = auditScope(principal);
    expect(statusOf(scope)).toBe(expected);
    if (labs !== undefined) expect(scope).toEqual({ allowed: true, labs });
  });
});

describe("authorizeOperator, authorizeSignedIn", () => {
  it.each<[string, Principal, number | "allowed"]>([
    ["anonymous", ANONYMOUS, 401],
    ["an operator", operator, "allowed"],
    ["an operator's unrestricted token", token(operator, FULL_SCOPE), "allowed"],
    ["an operator's token limited to projects", token(operator, { projects: ["demo"], write: true }), 403],
    ["a lab admin", labAdmin, 403],
    ["someone", jean, 403],
  ])("operator: %s", (_, principal, expected) => {
    expect(statusOf(authorizeOperator(principal))).toBe(expected);
  });

  it("lets any signed-in person read what is for everyone", () => {
    expect(statusOf(authorizeSignedIn(ANONYMOUS))).toBe(401);
    expect(allowed(authorizeSignedIn(jean))).toBe(true);
    expect(allowed(authorizeSignedIn(token(jean, { projects: ["x"], write: false })))).toBe(true);
  });
});

describe("authorizeTokenManagement", () => {
  it.each<[string, Principal, number | "allowed"]>([
    ["anonymous", ANONYMOUS, 401],
    ["a browser session", jean, "allowed"],
    ["an unrestricted token", token(jean, FULL_SCOPE), "allowed"],
    ["a read-only token", token(jean, { projects: null, write: false }), 403],
    ["a token limited to projects", token(jean, { projects: [jeanPersonal], write: true }), 403],
    ["an operator's read-only token", token(operator, { projects: null, write: false }), 403],
  ])("%s", (_, principal, expected) => {
    expect(statusOf(authorizeTokenManagement(principal))).toBe(expected);
  });
});

describe("personalProjectName", () => {
  it.each([
    ["alice", "u-alice"],
    ["a1-b2", "u-a1-b2"],
    ["0day", "u-0day"],
    ["jean-dupont", "u-jean-dupont"],
    // 28 characters: u-<login> is 30, still a name.
    ["a".repeat(28), `u-${"a".repeat(28)}`],
  ])("keeps u-<login> for a login that makes a project name: %s → %s", (login, name) => {
    expect(personalProjectName(login)).toBe(name);
  });

  it.each([
    ["jean.dupont", /^u-jean-dupont--[a-z2-7]{8}$/],
    ["jean_dupont", /^u-jean-dupont--[a-z2-7]{8}$/],
    ["a".repeat(29), new RegExp(`^u-${"a".repeat(18)}--[a-z2-7]{8}$`)],
    ["abcdefghijklmnopqrstuvwxyz0123456789", /^u-abcdefghijklmnopqr--[a-z2-7]{8}$/],
    [`${"a".repeat(17)}.bcd`, new RegExp(`^u-${"a".repeat(17)}--[a-z2-7]{8}$`)],
    ["._x", /^u-x--[a-z2-7]{8}$/],
    ["Élodie", /^u-lodie--[a-z2-7]{8}$/],
    ["é", /^u---[a-z2-7]{8}$/],
    // A valid login shaped like a hashed name is hashed too: the two forms never meet.
    ["jean-dupont--abcdefgh", /^u-jean-dupont-abcdef--[a-z2-7]{8}$/],
  ])("adds a hash when the login had to change: %s", (login, name) => {
    expect(personalProjectName(login)).toMatch(name);
  });

  it("is stable: the same login always gives the same name", () => {
    expect(personalProjectName("jean.dupont")).toBe(personalProjectName("jean.dupont"));
    expect(personalProjectName("jean.dupont")).toBe("u-jean-dupont--" + personalProjectName("jean.dupont").slice(-8));
  });

  /** Logins that normalization or truncation used to confuse, and their neighbours. */
  function trickyLogins(): string[] {
    const logins = new Set<string>(["x", "a", "0", "u", "u-x", "jean.dupont", "jean_dupont", "jean-dupont", "jean..dupont", "jean._dupont", "jean-dupont-"]);
    for (const separator of ["", "-", ".", "_", "--", "-.", "._", "__", "..", "-_-"]) {
      logins.add(`jean${separator}dupont`);
      logins.add(`${separator}jean${separator}`);
    }
    for (let length = 1; length <= 64; length++) {
      logins.add("a".repeat(length));
      logins.add(`${"a".repeat(length)}.b`);
      logins.add(`${"a".repeat(length)}-b`);
      logins.add(`${"a".repeat(length)}_b`);
      logins.add(`b${"-a".repeat(length)}`.slice(0, 64));
    }
    for (let cut = 1; cut <= 40; cut++) {
      logins.add(`${"a".repeat(cut)}.${"b".repeat(40)}`.slice(0, 64));
      logins.add(`${"a".repeat(cut)}-${"b".repeat(40)}`.slice(0, 64));
    }
    // Names of the hashed form, taken as logins.
    for (const login of [...logins].slice(0, 50)) logins.add(personalProjectName(login).slice(2));
    // Every three-character login over a small alphabet of letters, digits and separators.
    const alphabet = ["a", "b", "0", "-", ".", "_"];
    for (const first of alphabet) for (const second of alphabet) for (const third of alphabet) logins.add(`${first}${second}${third}`);
    return [...logins];
  }

  it("gives different logins different names, each a project name of at most 30 characters starting with u-", () => {
    const seen = new Map<string, string>();
    for (const login of trickyLogins()) {
      const name = personalProjectName(login);
      expect(name.length, login).toBeLessThanOrEqual(30);
      expect(name, login).toMatch(/^u-([-a-z0-9]*[a-z0-9])?$/);
      const other = seen.get(name);
      expect(other === undefined || other === login, `${login} and ${other} both map to ${name}`).toBe(true);
      seen.set(name, login);
    }
    expect(seen.size).toBeGreaterThan(500);
  });
});
