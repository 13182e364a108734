import { describe, expect, it } from "vitest";
import type { Platform } from "../../../contracts/api.js";
import { deliveryLevel, poolTotals, reclaimOfPlatform, sortPlatforms } from "./view.js";

const platform = (name: string, overrides: Partial<Platform> = {}): Platform => ({
  name,
  title: name,
  engine: "podman",
  tier: "dev",
  site: "here",
  infrastructure: "machine",
  domain: "localhost",
  flavour: "ingress",
  available: true,
  version: "5.0",
  reason: null,
  hint: null,
  instances: 0,
  pools: [],
  capacity: null,
  used: { cpu: 0, memoryGiB: 0, gpu: 0 },
  recoveryFor: null,
  delivery: null,
  ...overrides,
});

describe("platform reports", () => {
  it("reads the desired-state remote's state as fine, in progress or a problem", () => {
    expect(deliveryLevel(null)).toBe("direct");
    expect(deliveryLevel({ state: "in-sync", reason: null })).toBe("ok");
    expect(deliveryLevel({ state: "no-remote", reason: "clone it from Plateau" })).toBe("ok");
    expect(deliveryLevel({ state: "pushing", reason: null })).toBe("progress");
    expect(deliveryLevel({ state: "failing", reason: "unreachable" })).toBe("problem");
    expect(deliveryLevel({ state: "diverged", reason: "merge" })).toBe("problem");
    expect(deliveryLevel({ state: "something-new", reason: null })).toBe("problem");
  });

  it("lists platforms needing attention first", () => {
    const sorted = sortPlatforms([
      platform("a"),
      platform("b", { available: false, reason: "podman is not installed" }),
      platform("c", { delivery: { state: "failing", reason: "refused" } }),
    ]);
    expect(sorted.map((p) => p.name)).toEqual(["b", "c", "a"]);
  });

  it("multiplies a pool's per-node figures by its nodes", () => {
    expect(poolTotals({ name: "gpu", nodes: 3, cpu: 16, memoryGiB: 64, gpu: { type: "a100", count: 2 } })).toEqual({ cpu: 48, memoryGiB: 192, gpu: 6 });
    expect(poolTotals({ name: "cpu", nodes: 2, cpu: 8, memoryGiB: 32, gpu: null })).toEqual({ cpu: 16, memoryGiB: 64, gpu: 0 });
  });
});

describe("idle reclaim's dry run for one platform", () => {
  const item = (platform: string, step: "notify" | "stop" | "remove" | "cancel", cpu: number) => ({
    project: "demo",
    instance: `${platform}-${step}`,
    platform,
    state: "running" as const,
    step,
    what: step === "notify" ? ("stop" as const) : step,
    due: "2026-12-07T10:00:00.000Z",
    why: "idle 73 h",
    frees: { cpu, memoryGiB: cpu * 2, gpu: 0, storageGiB: step === "remove" ? 5 : 0 },
  });
  it("keeps the platform's items and sums what they free", () => {
    const report = {
      at: "2026-12-06T10:00:00.000Z",
      items: [item("local", "notify", 1), item("local", "remove", 0), item("local", "cancel", 0), item("cluster", "stop", 4)],
      frees: { cpu: 5, memoryGiB: 10, gpu: 0, storageGiB: 5 },
      platformsWithoutMetrics: ["old"],
      exempt: 0,
    };
    const local = reclaimOfPlatform(report, "local");
    expect(local.items.map((i) => i.step)).toEqual(["notify", "remove", "cancel"]);
    expect(local.frees).toEqual({ cpu: 1, memoryGiB: 2, gpu: 0, storageGiB: 5 });
    expect(local.withoutMetrics).toBe(false);
    expect(reclaimOfPlatform(report, "old").withoutMetrics).toBe(true);
  });
});
