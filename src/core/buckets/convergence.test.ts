import { describe, expect, it } from "vitest";
import { API_VERSION, type BucketDocument } from "../model.js";
import { bucketSettings, bucketsOnPlatform, planBucketConvergence } from "./convergence.js";

const bucket = (name: string, project: string, platform: string, spec: Partial<BucketDocument["spec"]> = {}): BucketDocument => ({
  apiVersion: API_VERSION,
  kind: "Bucket",
  metadata: { name, project, createdAt: "2026-03-01T09:00:00Z", createdBy: "alice" },
  spec: { quota: { sizeGiB: 1.5 }, ...spec },
  placement: { platform, reason: "test" },
});

describe("the buckets a platform must hold", () => {
  it("are those placed there and the replicas there, with the quota in bytes", () => {
    const buckets = [
      bucket("b-data", "demo", "local", { quota: { sizeGiB: 2, objects: 10 }, versioning: true, expireDays: 7 }),
      bucket("a-rep", "demo", "far", { replica: { platform: "local" } }),
      bucket("elsewhere", "demo", "far"),
    ];
    expect(bucketsOnPlatform("local", buckets)).toEqual([
      { name: "a-rep", project: "demo", quota: { bytes: 1610612736 }, versioning: false },
      { name: "b-data", project: "demo", quota: { bytes: 2147483648, objects: 10 }, versioning: true, expireDays: 7 },
    ]);
    expect(bucketSettings(bucket("x-y", "p", "local")).quota.bytes).toBe(1.5 * 1024 ** 3);
  });
});

describe("a convergence plan", () => {
  const desired = [bucketSettings(bucket("kept", "demo", "local")), bucketSettings(bucket("new", "demo", "local"))];

  it("ensures what git has, removes what it no longer has, and removes projects that are gone with their buckets", () => {
    const plan = planBucketConvergence({
      desired,
      provided: [
        { name: "kept", project: "demo" },
        { name: "old", project: "demo" },
        { name: "gone-1", project: "gone" },
      ],
      liveProjects: new Set(["demo"]),
      knownProjects: new Set(["demo", "keys-only"]),
    });
    expect(plan).toEqual({ projects: ["demo"], ensure: desired, remove: ["old"], removeProjects: ["gone", "keys-only"] });
  });

  it("removes a bucket another live project holds under a name git gives this one", () => {
    const plan = planBucketConvergence({
      desired,
      provided: [{ name: "new", project: "other" }],
      liveProjects: new Set(["demo", "other"]),
      knownProjects: new Set(),
    });
    expect(plan.remove).toEqual(["new"]);
    expect(plan.removeProjects).toEqual([]);
  });

  it("does nothing but ensure when the provider is as git says", () => {
    const plan = planBucketConvergence({
      desired,
      provided: [
        { name: "kept", project: "demo" },
        { name: "new", project: "demo" },
      ],
      liveProjects: new Set(["demo"]),
      knownProjects: new Set(["demo"]),
    });
    expect(plan.remove).toEqual([]);
    expect(plan.removeProjects).toEqual([]);
  });
});
