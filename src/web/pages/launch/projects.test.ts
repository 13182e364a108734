import { describe, expect, it } from "vitest";
import type { Project } from "../../../contracts/api.js";
import { personalNotYet, projectOptions } from "./projects.js";

const project = (name: string, overrides: Partial<Project> = {}): Project => ({
  name,
  title: name,
  createdAt: "2026-01-01T00:00:00.000Z",
  createdBy: "alice",
  lab: "imb",
  personal: null,
  members: [],
  quota: {},
  instances: 0,
  tiers: ["experimental"],
  role: "owner",
  roleWithoutLoginEntry: "owner",
  may: { read: true, launch: true, manageMembers: true, setQuota: false, setTiers: false },
  ...overrides,
});
const t = (key: string, params: Record<string, string | number> = {}) => `${key}(${Object.values(params).join(",")})`;

describe("the projects one may launch into", () => {
  it("offers one's personal project first, then the others by name, each labelled", () => {
    const items = [project("zeta", { title: "Zeta team" }), project("alpha", { lab: null }), project("u-alice", { lab: null, personal: "alice" })];
    expect(projectOptions(items, "alpha", "u-alice", t)).toEqual([
      { value: "u-alice", label: "personal(u-alice)" },
      { value: "alpha", label: "alpha" },
      { value: "zeta", label: "inLab(Zeta team — zeta,imb)" },
    ]);
  });

  it("offers the personal project before it exists, and a project asked for by address", () => {
    expect(projectOptions([project("alpha")], "elsewhere", "u-alice", t).map((option) => option.value)).toEqual(["elsewhere", "u-alice", "alpha"]);
  });

  it("knows one's personal project is not made yet only once the list says so", () => {
    expect(personalNotYet("u-alice", "u-alice", undefined)).toBe(false);
    expect(personalNotYet("u-alice", "u-alice", [project("alpha")])).toBe(true);
    expect(personalNotYet("u-alice", "u-alice", [project("u-alice")])).toBe(false);
    expect(personalNotYet("alpha", "u-alice", [])).toBe(false);
  });
});
