import { describe, expect, it } from "vitest";
import { brokenNameRule, isReservedProjectName, isValidName, NAME_MAX_LENGTH, nameIssue, nameProblem, readInstanceRef } from "./names.js";

describe("the name rule of projects and instances", () => {
  it("says which part of the rule a name breaks, the length before the letters", () => {
    for (const name of ["a", "my-notebook-2", "x".repeat(NAME_MAX_LENGTH)]) expect(brokenNameRule(name), name).toBeUndefined();
    expect(brokenNameRule("")).toBe("empty");
    expect(brokenNameRule("X".repeat(NAME_MAX_LENGTH + 1))).toBe("too-long");
    for (const name of ["My-notebook", "2nd", "-a", "a-", "a_b", "é", "a.b"]) expect(brokenNameRule(name), name).toBe("dns-label");
  });

  it("words the same rule in English for core and the CLI", () => {
    expect(nameProblem("ok")).toBeUndefined();
    expect(isValidName("ok")).toBe(true);
    expect(isValidName("Not_Ok")).toBe(false);
    expect(nameProblem("")).toBe("must not be empty");
    expect(nameProblem("x".repeat(31))).toBe("must be at most 30 characters (got 31)");
    expect(nameIssue("/name", "a_b")).toMatchObject({ pointer: "/name", rule: "dns-label", message: expect.stringMatching(/^"a_b" must be a DNS-1123 label/) });
    expect(readInstanceRef("demo/site")).toEqual({ project: "demo", instance: "site" });
  });

  it("keeps the platforms' own namespaces from projects", () => {
    for (const name of ["default", "argocd", "kube-system", "openshift", "openshift-gitops", "plateau", "plateau-system"])
      expect(isReservedProjectName(name), name).toBe(true);
    for (const name of ["defaults", "my-argocd", "kube", "demo", "u-alice"]) expect(isReservedProjectName(name), name).toBe(false);
  });
});
