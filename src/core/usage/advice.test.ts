import { describe, expect, it } from "vitest";
import { adviceOf, cpuQuantity, memoryQuantity, MIB, roundUpTo } from "./advice.js";

describe("right-sizing advice", () => {
  it("is the 95th percentile plus 20 %, rounded up to 50m and 64 MiB", () => {
    // 0.5 core × 1.2 = 600m; 1000 MiB × 1.2 = 1200 MiB → 1216 MiB
    const advice = adviceOf({ cores: 0.5, bytes: 1000 * MIB }, { cores: 2, bytes: 4096 * MIB });
    expect(advice).toMatchObject({ cpuMillicores: 600, memoryMiB: 1216, current: { cpuMillicores: 2000, memoryMiB: 4096 } });
    expect(advice.saving).toEqual({ cores: 1.4, memoryGiB: 2.8125, coreHoursPerMonth: 1008, gibHoursPerMonth: 2025 });
  });

  it("never advises below the floor, and says when an instance needs more", () => {
    expect(adviceOf({ cores: 0, bytes: 0 }, { cores: 1, bytes: 1024 * MIB })).toMatchObject({ cpuMillicores: 100, memoryMiB: 128 });
    const more = adviceOf({ cores: 1, bytes: 1024 * MIB }, { cores: 0.5, bytes: 512 * MIB });
    expect(more.cpuMillicores).toBe(1200);
    expect(more.saving.cores).toBe(-0.7);
  });

  it("forgets the float noise of divisions when rounding up", () => {
    expect(roundUpTo(600.0000000001, 50)).toBe(600);
    expect(roundUpTo(600.01, 50)).toBe(650);
    expect(roundUpTo(0.35 * 1000 * 1.2, 50)).toBe(450);
  });

  it("writes Kubernetes quantities", () => {
    expect([cpuQuantity(250), cpuQuantity(2000), memoryQuantity(1536), memoryQuantity(2048)]).toEqual(["250m", "2", "1536Mi", "2Gi"]);
  });
});
