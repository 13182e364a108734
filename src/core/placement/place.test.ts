import { describe, expect, it } from "vitest";
import { InputError, NotFoundError } from "../errors.js";
import { localPlatform, openshiftPlatform } from "../testing/fixtures.js";
import { place } from "./place.js";

const local = { platform: localPlatform, available: true, supported: true };

describe("place", () => {
  it("chooses the only eligible platform and explains the exclusion of the others", () => {
    const placement = place({}, [local, { platform: openshiftPlatform, available: true, supported: false }]);
    expect(placement.platform).toBe("local");
    expect(placement.reason).toBe("the only eligible platform");
    expect(placement.excluded).toEqual([
      { platform: "okd", code: "no-engine", params: { engine: "argocd" }, reason: "no engine for argocd platforms in this Plateau" },
    ]);
    expect(placement.reasons).toEqual([{ code: "only-eligible", params: {} }]);
    // Capacity unknown (one machine, no pools): neither preferred nor avoided.
    expect(placement.candidates).toEqual([{ platform: "local", score: 6, scores: { availability: 1, capacity: 0.5, affinity: 0, spread: 1 } }]);
  });

  it("places on an unavailable platform, saying it will run later", () => {
    const placement = place({}, [{ ...local, available: false, unavailableReason: "podman not found" }]);
    expect(placement.platform).toBe("local");
    expect(placement.reason).toContain("podman not found");
    expect(placement.reasons).toEqual([
      { code: "only-eligible", params: {} },
      { code: "unavailable", params: { reason: "podman not found" } },
    ]);
  });

  it("prefers available platforms", () => {
    const other = { platform: { ...localPlatform, metadata: { name: "aaa" } }, available: false, supported: true };
    expect(place({}, [other, local]).platform).toBe("local");
  });

  it("honours a pinned platform, and refuses an unknown one", () => {
    const other = { platform: { ...localPlatform, metadata: { name: "other" } }, available: true, supported: true };
    const placement = place({ pinned: "other" }, [local, other]);
    expect(placement.platform).toBe("other");
    expect(placement.excluded).toEqual([{ platform: "local", code: "not-pinned", params: { pinned: "other" }, reason: "not the requested platform (other)" }]);
    expect(placement.reasons).toEqual([{ code: "pinned", params: {} }]);
    expect(() => place({ pinned: "nowhere" }, [local])).toThrow(NotFoundError);
  });

  it("fails with the reasons when nothing is eligible", () => {
    expect(() => place({}, [{ platform: openshiftPlatform, available: true, supported: false }])).toThrow(InputError);
    expect(() => place({}, [])).toThrow(/no platform is declared/);
    expect(() => place({}, [])).toThrow(expect.objectContaining({ reason: "no-eligible-platform" }));
    expect(() => place({ pinned: "local" }, [local], { strategy: "least-allocated", allowPinning: false })).toThrow(
      expect.objectContaining({ reason: "pinning-not-allowed" }),
    );
  });

  it("says each exclusion and the choice as codes with their values, beside the sentence", () => {
    const pools = [{ name: "cpu", nodes: 2, cpu: 8, memoryGiB: 32 }];
    const argocd = { url: "https://argocd.example.org", namespace: "argocd", repoURL: "https://git.example.org/state.git" };
    const platform = (name: string, spec: object) => ({
      platform: { ...openshiftPlatform, metadata: { name }, spec: { ...openshiftPlatform.spec, argocd, ...spec } },
      available: true,
      supported: true,
    });
    const placement = place({ asks: { cpu: 4, memoryGiB: 8, gpu: 0, storageGiB: 0 }, largestPod: { cpu: 4, memoryGiB: 8, gpu: 0 } }, [
      platform("a", { pools }),
      platform("b", { pools }),
      platform("c", { pools }),
      platform("gpu", { pools: [{ name: "small", nodes: 1, cpu: 2, memoryGiB: 4 }] }),
      platform("inst", { pools, tier: "institutional" }),
      platform("dr", { pools, tier: "recovery", recoveryFor: "a" }),
    ]);
    expect(placement.reasons).toEqual([{ code: "highest-score", params: { count: 3, ...placement.candidates[0]?.scores } }]);
    expect(placement.excluded.map(({ platform, code, params }) => ({ platform, code, params }))).toEqual([
      { platform: "gpu", code: "no-pool-fits", params: { cpu: 4, memoryGiB: 8, gpu: 0, gpuType: "", pools: 1 } },
      { platform: "inst", code: "tier", params: { tier: "institutional", tiers: "experimental" } },
      { platform: "dr", code: "recovery-only", params: { recoveryFor: "a" } },
    ]);
    const full = place({ asks: { cpu: 12, memoryGiB: 8, gpu: 0, storageGiB: 0 }, helm: true }, [
      { ...platform("a", { pools }), used: { cpu: 6, memoryGiB: 0, gpu: 0 } },
      platform("b", { pools }),
      { ...local, platform: { ...localPlatform, metadata: { name: "local" } } },
    ]);
    expect(full.excluded.map(({ platform, code, params }) => ({ platform, code, params }))).toEqual([
      { platform: "a", code: "full", params: { resource: "cpu", unit: "cores", free: 10, capacity: 16, asked: 12 } },
      { platform: "local", code: "no-helm", params: { engine: "podman" } },
    ]);
  });
});
