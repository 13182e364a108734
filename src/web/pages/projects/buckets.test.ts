import { describe, expect, it } from "vitest";
import {
  bucketCreateBody,
  bucketNameProblem,
  bucketsInMotion,
  bucketUsage,
  canAttachBucket,
  emptyBucketFields,
  formatBytes,
  GIB,
  sortedBuckets,
} from "./buckets.js";
import { bucketMessages } from "./buckets-text.js";

describe("a project's buckets on its page", () => {
  it("checks the name by S3's rules before sending, each broken rule with its own words in both languages", () => {
    expect(bucketNameProblem("climate-data")).toBeUndefined();
    expect(bucketNameProblem("")).toBe("name.empty");
    expect(bucketNameProblem("ab")).toBe("name.length");
    expect(bucketNameProblem("a".repeat(64))).toBe("name.length");
    expect(bucketNameProblem("Climate")).toBe("name.characters");
    expect(bucketNameProblem("climate.data")).toBe("name.characters");
    expect(bucketNameProblem("-climate")).toBe("name.edges");
    expect(bucketNameProblem("xn--climate")).toBe("name.reserved-prefix");
    expect(bucketNameProblem("climate-s3alias")).toBe("name.reserved-suffix");
    for (const problem of ["name.empty", "name.length", "name.characters", "name.edges", "name.reserved-prefix", "name.reserved-suffix"] as const) {
      expect(bucketMessages.en[problem]).toBeTruthy();
      expect(bucketMessages.fr[problem]).toBeTruthy();
    }
  });

  it("sends only what was chosen, numbers as numbers; refuses sizes and expiries out of the contract's bounds", () => {
    expect(bucketCreateBody({ ...emptyBucketFields, name: "reads" })).toEqual({ body: { name: "reads" } });
    expect(bucketCreateBody({ name: "reads", sizeGiB: " 2,5 ", platform: "local", versioning: true, expireDays: "30", replica: "okd" })).toEqual({
      body: { name: "reads", sizeGiB: 2.5, platform: "local", versioning: true, expireDays: 30, replica: "okd" },
    });
    expect(bucketCreateBody({ ...emptyBucketFields, name: "Reads", sizeGiB: "ten", expireDays: "1.5" })).toEqual({
      problems: { name: "name.characters", sizeGiB: "size.number", expireDays: "expiry.integer" },
    });
    expect(bucketCreateBody({ ...emptyBucketFields, name: "reads", sizeGiB: "0", expireDays: "0" })).toEqual({
      problems: { sizeGiB: "size.range", expireDays: "expiry.range" },
    });
    expect(bucketCreateBody({ ...emptyBucketFields, name: "reads", sizeGiB: "1000001", expireDays: "36501" })).toEqual({
      problems: { sizeGiB: "size.range", expireDays: "expiry.range" },
    });
    expect(bucketCreateBody({ ...emptyBucketFields, name: "reads", platform: "local", replica: "local" })).toEqual({
      problems: { replica: "replica.same-platform" },
    });
  });

  it("shows usage in GiB of the quota with the objects, nothing when the server does not know it", () => {
    expect(bucketUsage({ usage: { bytes: 3 * GIB, objects: 12 }, quota: { sizeGiB: 10, objects: null } })).toEqual({
      usedGiB: 3,
      limitGiB: 10,
      objects: 12,
      objectLimit: null,
    });
    expect(bucketUsage({ usage: null, quota: { sizeGiB: 10, objects: 5 } })).toBeUndefined();
    expect(formatBytes(1536 * 1024 * 1024, "en")).toBe("1.5 GiB");
    expect(formatBytes(1536 * 1024 * 1024, "fr")).toBe("1,5 Gio");
    expect(formatBytes(12, "fr")).toBe("12 o");
  });

  it("reads the list again soon while a bucket or its replica is being made, and shows it by name", () => {
    expect(bucketsInMotion([{ status: "ready" }, { status: "pending" }])).toBe(true);
    expect(bucketsInMotion([{ status: "ready", replica: { platform: "okd", state: "pending", checkedAt: null } }])).toBe(true);
    expect(bucketsInMotion([{ status: "ready" }, { status: "failed" }])).toBe(false);
    expect(sortedBuckets([{ name: "b" }, { name: "a" }]).map((b) => b.name)).toEqual(["a", "b"]);
  });

  it("offers to attach a bucket only to templates that say they can use one", () => {
    expect(canAttachBucket({ id: "jupyter-notebook", s3: true })).toBe(true);
    expect(canAttachBucket({ id: "static-site", s3: false })).toBe(false);
    expect(canAttachBucket({ id: "chart-form" })).toBe(false);
    expect(canAttachBucket(undefined)).toBe(false);
  });
});
