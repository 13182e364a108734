import { describe, expect, it } from "vitest";
import { FULL_SCOPE, type UserPrincipal } from "../access/principal.js";
import type { ProjectFacts } from "../access/policy.js";
import { metricsScopeOf } from "./visibility.js";

const person = (login: string, more: Partial<UserPrincipal> = {}): UserPrincipal => ({
  kind: "user",
  userId: login,
  login,
  name: login,
  groups: [],
  labs: [],
  labAdminOf: [],
  operator: false,
  via: "token",
  scope: FULL_SCOPE,
  ...more,
});

const projects: ProjectFacts[] = [
  { name: "genome", lab: "imb", personal: null, members: [{ login: "alice", role: "viewer" }] },
  { name: "proteins", lab: "imb", personal: null, members: [{ group: "team:prot", role: "editor" }] },
  { name: "maths", lab: "lmbp", personal: null, members: [{ login: "bob", role: "owner" }] },
  { name: "u-alice", lab: null, personal: "alice", members: [{ login: "alice", role: "owner" }] },
];

describe("metricsScopeOf", () => {
  it("gives a member the projects they are a member of, with any role, directly or through a group", () => {
    expect(metricsScopeOf(person("alice"), projects)).toEqual({ kind: "projects", projects: ["genome", "u-alice"] });
    expect(metricsScopeOf(person("carl", { groups: ["team:prot"] }), projects)).toEqual({ kind: "projects", projects: ["proteins"] });
  });
  it("gives a lab admin every project of their labs, and an operator all", () => {
    expect(metricsScopeOf(person("ines", { labAdminOf: ["imb"] }), projects)).toEqual({ kind: "projects", projects: ["genome", "proteins"] });
    expect(metricsScopeOf(person("oscar", { operator: true }), projects)).toEqual({ kind: "all" });
  });
  it("keeps a token to the projects it is limited to, an operator's too", () => {
    const scope = { projects: ["maths"], write: false };
    expect(metricsScopeOf(person("oscar", { operator: true, scope }), projects)).toEqual({ kind: "projects", projects: ["maths"] });
    expect(metricsScopeOf(person("alice", { scope }), projects)).toEqual({ kind: "projects", projects: [] });
  });
  it("gives nobody and people of no project nothing", () => {
    expect(metricsScopeOf({ kind: "anonymous" }, projects)).toEqual({ kind: "projects", projects: [] });
    expect(metricsScopeOf(person("zoe"), projects)).toEqual({ kind: "projects", projects: [] });
  });
});
