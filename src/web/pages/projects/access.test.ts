import { describe, expect, it } from "vitest";
import type { Member } from "../../../contracts/api.js";
import {
  lacksOwner,
  losesOwnership,
  memberKey,
  newMember,
  parseQuotaFields,
  projectNameProblem,
  quotaFields,
  sameMembers,
  withRole,
  without,
} from "./access.js";

describe("member edits", () => {
  const members: Member[] = [
    { login: "alice", role: "owner" },
    { group: "imb-staff", role: "viewer" },
  ];

  it("adds a login or a group once, checked against the contract's patterns", () => {
    expect(newMember(members, "login", " bob ", "editor")).toEqual({ login: "bob", role: "editor" });
    expect(newMember(members, "group", "group:lab:lmbp", "viewer")).toEqual({ group: "lab:lmbp", role: "viewer" });
    expect(newMember(members, "login", "", "viewer")).toEqual({ problem: "empty" });
    expect(newMember(members, "login", "Bob Smith", "viewer")).toEqual({ problem: "login" });
    expect(newMember(members, "group", "two words", "viewer")).toEqual({ problem: "group" });
    expect(newMember(members, "login", "alice", "viewer")).toEqual({ problem: "duplicate" });
    expect(newMember(members, "group", "imb-staff", "owner")).toEqual({ problem: "duplicate" });
  });

  it("changes a role, removes a member, and compares lists whatever their order", () => {
    const changed = withRole(members, "group:imb-staff", "editor");
    expect(changed[1]).toEqual({ group: "imb-staff", role: "editor" });
    expect(without(members, memberKey({ login: "alice", role: "owner" }))).toEqual([{ group: "imb-staff", role: "viewer" }]);
    expect(sameMembers(members, [...members].reverse())).toBe(true);
    expect(sameMembers(members, changed)).toBe(false);
  });

  it("flags a list without an owner and an owner removing their own ownership", () => {
    expect(lacksOwner([{ login: "bob", role: "editor" }])).toBe(true);
    expect(lacksOwner(members)).toBe(false);
    // Owner by the login entry alone, as the server says it (core/access/policy.ts projectAccess).
    const project = { role: "owner", roleWithoutLoginEntry: "viewer" } as const;
    expect(losesOwnership("alice", project, withRole(members, "login:alice", "editor"))).toBe(true);
    expect(losesOwnership("alice", project, without(members, "login:alice"))).toBe(true);
    expect(losesOwnership("alice", project, [...members, { login: "bob", role: "owner" }])).toBe(false);
    // A lab admin stays owner whatever the list says.
    expect(losesOwnership("alice", { role: "owner", roleWithoutLoginEntry: "owner" }, without(members, "login:alice"))).toBe(false);
    // Who is no owner loses nothing.
    expect(losesOwnership("alice", { role: "editor", roleWithoutLoginEntry: null }, without(members, "login:alice"))).toBe(false);
  });
});

describe("project names", () => {
  it("accepts DNS labels of at most 30 characters that are neither reserved nor personal", () => {
    expect(projectNameProblem("climate-2026")).toBeUndefined();
    expect(projectNameProblem("")).toBe("empty");
    expect(projectNameProblem("a".repeat(31))).toBe("too-long");
    expect(projectNameProblem("Climate")).toBe("dns-label");
    expect(projectNameProblem("2026-climate")).toBe("dns-label");
    expect(projectNameProblem("climate-")).toBe("dns-label");
    expect(projectNameProblem("kube-system")).toBe("reserved");
    expect(projectNameProblem("plateau-x")).toBe("reserved");
    expect(projectNameProblem("velero")).toBe("reserved");
    expect(projectNameProblem("u-alice")).toBe("personal-prefix");
  });
});

describe("the quota form", () => {
  it("round-trips the values a project's file sets, empty fields meaning the default", () => {
    const fields = quotaFields({ cpu: 4, gpu: 1 });
    expect(fields).toEqual({ cpu: "4", memoryGiB: "", gpu: "1", instances: "", storageGiB: "" });
    expect(parseQuotaFields(fields)).toEqual({ quota: { cpu: 4, gpu: 1 }, problems: {} });
  });

  it("accepts a decimal comma and refuses what the server would", () => {
    const { quota, problems } = parseQuotaFields({ cpu: "2,5", memoryGiB: "abc", gpu: "1.5", instances: "-1", storageGiB: " " });
    expect(quota).toEqual({ cpu: 2.5 });
    expect(problems).toEqual({ memoryGiB: "number", gpu: "integer", instances: "range" });
  });
});
