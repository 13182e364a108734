import { describe, expect, it } from "vitest";
import { quotaBlock } from "./quota-block.js";

const gpu = { scope: "project" as const, name: "genomics", resource: "gpu", unit: "GPU", asked: 1, used: 0, limit: 0, remaining: 0 };

describe("which quota blocks a launch, and who can raise it how", () => {
  it("names a lab project's quota, the amount that would fit, and the lab admin's command", () => {
    expect(quotaBlock(gpu, false)).toEqual({
      code: "project-quota",
      params: { ...gpu, needed: 1, option: "gpu" },
      reason: "project genomics has 0 GPU (0 in use) and this launch needs 1 more: a lab admin can raise it with `plateau projects quota genomics --gpu 1`",
    });
  });

  it("adds the launch to what is used, in the command's option and units", () => {
    const memory = { scope: "project" as const, name: "demo", resource: "memoryGiB", unit: "GiB", asked: 16, used: 20, limit: 32, remaining: 12 };
    expect(quotaBlock(memory, false).params).toMatchObject({ needed: 36, option: "memory" });
    expect(quotaBlock(memory, false).reason).toContain("`plateau projects quota demo --memory 36`");
    // Binary fractions do not show as 0.30000000000000004.
    expect(quotaBlock({ ...memory, resource: "cpu", unit: "cores", used: 0.1, asked: 0.2, limit: 0.25 }, false).params.needed).toBe(0.3);
  });

  it("sends a personal project to the operators, and a lab's quota to its file", () => {
    expect(quotaBlock({ ...gpu, name: "u-alice" }, true)).toMatchObject({
      code: "personal-quota",
      reason: expect.stringContaining("a platform operator can raise it with `plateau projects quota u-alice --gpu 1`"),
    });
    const lab = quotaBlock({ ...gpu, scope: "lab", name: "imb", used: 2, limit: 2 }, false);
    expect(lab).toMatchObject({ code: "lab-quota", params: { needed: 3 } });
    expect(lab.reason).toBe("lab imb has 2 GPU (2 in use) and this launch needs 1 more: a platform operator can raise it in labs/imb.yaml (spec.quota.gpu: 3)");
  });
});
