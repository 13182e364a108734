import { describe, expect, it } from "vitest";
import { costLines, quotaWarnings } from "./cost.js";

const resources = (cpu: number, memoryGiB: number, gpu: number, instances: number, storageGiB: number) => ({ cpu, memoryGiB, gpu, instances, storageGiB });

describe("what a launch costs in quota", () => {
  it("adds the launch to what is used, says where it would exceed, and shows GPUs only where there are some", () => {
    const use = { quota: resources(2, 4, 0, 3, 10), used: resources(1.5, 1, 0, 2, 10) };
    expect(costLines(use, resources(0.5, 4, 0, 1, 5))).toEqual([
      { resource: "cpu", used: 1.5, asked: 0.5, limit: 2, exceeds: false },
      { resource: "memoryGiB", used: 1, asked: 4, limit: 4, exceeds: true },
      { resource: "instances", used: 2, asked: 1, limit: 3, exceeds: false },
      { resource: "storageGiB", used: 10, asked: 5, limit: 10, exceeds: true },
    ]);
    // Before the launch is worked out: what is used only.
    expect(costLines(use, undefined).every((line) => line.asked === 0 && !line.exceeds)).toBe(true);
    expect(costLines({ quota: resources(8, 32, 2, 20, 200), used: resources(0, 0, 0, 0, 0) }, resources(1, 1, 1, 1, 0)).map((line) => line.resource)).toContain(
      "gpu",
    );
  });

  it("does not call an exact fit an excess, whatever the decimals", () => {
    const use = { quota: resources(0.3, 1, 0, 1, 0), used: resources(0.1, 0, 0, 0, 0) };
    expect(costLines(use, resources(0.2, 0, 0, 1, 0)).find((line) => line.resource === "cpu")?.exceeds).toBe(false);
  });
});

describe("what the quota panel warns of", () => {
  const use = { quota: resources(8, 32, 0, 20, 200), used: resources(0, 0, 0, 0, 0) };
  const scopes = [
    { kind: "project" as const, name: "genomics", use },
    { kind: "lab" as const, name: "imb", use: { quota: resources(32, 128, 2, 100, 1000), used: resources(0, 0, 0, 0, 0) } },
  ];
  const block = { code: "project-quota" as const, params: { name: "genomics", resource: "gpu", asked: 1, limit: 0, needed: 1, option: "gpu" } };

  it("puts the server's block first and does not say the same excess twice", () => {
    const warnings = quotaWarnings(scopes, resources(4, 40, 1, 1, 0), block);
    expect(warnings.block).toBe(block);
    // GPU is the block's; memory is over too, worked out here.
    expect(warnings.over.map(({ scope, line }) => `${scope.kind}:${line.resource}`)).toEqual(["project:memoryGiB"]);
  });

  it("says each excess itself while the server has not answered or when it fits", () => {
    expect(quotaWarnings(scopes, resources(4, 16, 1, 1, 0), undefined).over.map(({ line }) => line.resource)).toEqual(["gpu"]);
    expect(quotaWarnings(scopes, resources(4, 16, 0, 1, 0), null)).toEqual({ block: undefined, over: [] });
  });
});
