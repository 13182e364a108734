import { describe, expect, it } from "vitest";
import {
  CLAIM_VALUE_MAX_LENGTH,
  CLAIM_VALUES_MAX_ITEMS,
  claimAt,
  firstOf,
  isUsableGroup,
  normalizeDisplayName,
  normalizeEmail,
  stringValues,
} from "./claim-values.js";

describe("reading claims", () => {
  it("finds a claim by its whole name first, then by a dotted path, own members only", () => {
    const claims = { "a.b": "whole", a: { b: "nested" }, realm_access: { roles: ["x"] } };
    expect(claimAt(claims, "a.b")).toBe("whole");
    expect(claimAt(claims, "realm_access.roles")).toEqual(["x"]);
    expect(claimAt(claims, "realm_access.constructor")).toBeUndefined();
    expect(claimAt(claims, "toString")).toBeUndefined();
  });

  it("keeps only usable strings: non-empty, bounded, printable, the first items of a list", () => {
    expect(stringValues("x")).toEqual(["x"]);
    expect(stringValues(["a", "", 3, "b\u0000", "x".repeat(CLAIM_VALUE_MAX_LENGTH + 1), "c"])).toEqual(["a", "c"]);
    expect(stringValues(Array.from({ length: CLAIM_VALUES_MAX_ITEMS + 5 }, (_, i) => `g${i}`))).toHaveLength(CLAIM_VALUES_MAX_ITEMS);
    expect(stringValues({ a: "b" })).toEqual([]);
  });

  it("takes the first value that normalizes, claim by claim", () => {
    const claims = { name: "  ", given: "Jean   <Dupont>", mail: ["not an address", "x@y"], other: "jean@example.org" };
    expect(firstOf(claims, ["name", "given"], normalizeDisplayName)).toBe("Jean Dupont");
    expect(firstOf(claims, ["mail", "other"], normalizeEmail)).toBe("jean@example.org");
    expect(firstOf(claims, ["absent"], normalizeEmail)).toBeUndefined();
  });

  it("refuses as a group what a project member's group cannot be", () => {
    expect(isUsableGroup("team-x")).toBe(true);
    expect(isUsableGroup("team x")).toBe(false);
    expect(isUsableGroup("g".repeat(201))).toBe(false);
  });
});
