import { describe, expect, it } from "vitest";
import { InputError, NotFoundError } from "../errors.js";
import type { PlatformDocument } from "../model.js";
import { localPlatform } from "../testing/fixtures.js";
import { placeBucket } from "./place.js";

const platform = (name: string, site: string, tier: PlatformDocument["spec"]["tier"], s3: boolean): PlatformDocument => ({
  ...localPlatform,
  metadata: { name },
  spec: { ...localPlatform.spec, site, tier, ...(s3 ? { s3: { provider: "rgw-admin" as const, endpoint: `https://s3.${name}.example.org` } } : {}) },
});

const alpha = platform("alpha", "paris", "experimental", true);
const beta = platform("beta", "lyon", "experimental", true);
const bare = platform("bare", "paris", "experimental", false);
const inst = platform("inst", "grenoble", "institutional", true);
const rescue = platform("rescue", "lille", "recovery", true);
const all = [alpha, beta, bare, inst, rescue];

const issueOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    if (error instanceof InputError) return { issue: error.issues[0], reason: error.reason, message: error.message };
    throw error;
  }
  throw new Error("no error");
};

describe("placeBucket", () => {
  it("chooses the platform where the project runs the most instances, then by name", () => {
    expect(placeBucket({}, all)).toMatchObject({
      platform: "alpha",
      reason: "first by name of 2 platforms with object storage (the project runs no instance on any)",
    });
    const placed = placeBucket(
      {},
      all,
      new Map([
        ["alpha", 1],
        ["beta", 3],
        ["bare", 9],
      ]),
    );
    expect(placed.platform).toBe("beta");
    expect(placed.reason).toBe("the project runs the most instances there (3) of 2 platforms with object storage");
    expect(placed.excluded.map((entry) => entry.platform)).toEqual(["bare", "inst", "rescue"]);
  });

  it("keeps to the project's tiers and never chooses a recovery platform", () => {
    expect(placeBucket({ tiers: ["institutional"] }, all)).toMatchObject({
      platform: "inst",
      reason: "the only platform with object storage this project may use",
    });
    expect(issueOf(() => placeBucket({}, [rescue, bare]))).toMatchObject({
      issue: { pointer: "/platform", rule: "object-storage" },
      reason: "no-object-storage",
    });
  });

  it("honours a pinned platform, a recovery one too, and refuses one without object storage by name", () => {
    expect(placeBucket({ pinned: "beta" }, all)).toMatchObject({ platform: "beta", reason: "requested by the user" });
    expect(placeBucket({ pinned: "rescue" }, all).platform).toBe("rescue");
    const refused = issueOf(() => placeBucket({ pinned: "bare" }, all));
    expect(refused).toMatchObject({ issue: { pointer: "/platform", rule: "object-storage" }, reason: "no-object-storage" });
    expect(refused.message).toContain("bare");
    expect(() => placeBucket({ pinned: "nowhere" }, all)).toThrow(NotFoundError);
  });

  it("accepts a replica on another site with object storage, and refuses the others at /replica", () => {
    expect(placeBucket({ pinned: "alpha", replica: "beta" }, all)).toMatchObject({ platform: "alpha", replica: "beta" });
    const sameSite = platform("alpha2", "paris", "experimental", true);
    expect(issueOf(() => placeBucket({ pinned: "alpha", replica: "alpha2" }, [...all, sameSite]))).toMatchObject({
      issue: { pointer: "/replica", rule: "other-site" },
      reason: "replica-refused",
    });
    expect(issueOf(() => placeBucket({ pinned: "alpha", replica: "alpha" }, all)).issue).toMatchObject({ pointer: "/replica", rule: "other-site" });
    expect(issueOf(() => placeBucket({ pinned: "alpha", replica: "bare" }, all)).issue).toMatchObject({ pointer: "/replica", rule: "object-storage" });
    expect(issueOf(() => placeBucket({ pinned: "alpha", replica: "nowhere" }, all)).issue).toMatchObject({ pointer: "/replica", rule: "platform" });
  });
});
