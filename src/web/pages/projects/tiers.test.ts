import { describe, expect, it } from "vitest";
import { isTier, sameTiers, tiersEditing, tiersProblem, withTier } from "./tiers.js";

describe("a project's tiers on its page", () => {
  it("are edited by whom the server says may set them (operators), and by no one else", () => {
    const may = { read: true, launch: true, manageMembers: true, setQuota: true };
    expect(tiersEditing({ may: { ...may, setTiers: true } })).toBe(true);
    // An admin of the lab may set the quota, not the tiers; an operator's read-only token neither.
    expect(tiersEditing({ may: { ...may, setTiers: false } })).toBe(false);
  });

  it("are turned on and off in the server's order, and saved only when one is chosen", () => {
    expect(withTier(["experimental"], "institutional", true)).toEqual(["experimental", "institutional"]);
    expect(withTier(["institutional"], "experimental", true)).toEqual(["experimental", "institutional"]);
    expect(withTier(["experimental", "institutional"], "experimental", false)).toEqual(["institutional"]);
    expect(withTier(["experimental"], "experimental", false)).toEqual([]);
    expect(tiersProblem([])).toBe("none");
    expect(tiersProblem(["institutional"])).toBeUndefined();
  });

  it("tells a change from what the project has, order aside, and a tier it knows from one it does not", () => {
    expect(sameTiers(["institutional", "experimental"], { tiers: ["experimental", "institutional"] })).toBe(true);
    expect(sameTiers(["experimental"], { tiers: ["experimental", "institutional"] })).toBe(false);
    expect(sameTiers(["institutional"], { tiers: ["experimental"] })).toBe(false);
    expect(isTier("institutional")).toBe(true);
    expect(isTier("recovery")).toBe(false);
  });
});
