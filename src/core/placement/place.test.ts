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
    expect(placement.excluded).toEqual([{ platform: "okd", reason: "no engine for argocd platforms in this Plateau" }]);
    // Capacity unknown (one machine, no pools): neither preferred nor avoided.
    expect(placement.candidates).toEqual([{ platform: "local", score: 6, scores: { availability: 1, capacity: 0.5, affinity: 0, spread: 1 } }]);
  });

  it("places on an unavailable platform, saying it will run later", () => {
    const placement = place({}, [{ ...local, available: false, unavailableReason: "podman not found" }]);
    expect(placement.platform).toBe("local");
    expect(placement.reason).toContain("podman not found");
  });

  it("prefers available platforms", () => {
    const other = { platform: { ...localPlatform, metadata: { name: "aaa" } }, available: false, supported: true };
    expect(place({}, [other, local]).platform).toBe("local");
  });

  it("honours a pinned platform, and refuses an unknown one", () => {
    const other = { platform: { ...localPlatform, metadata: { name: "other" } }, available: true, supported: true };
    const placement = place({ pinned: "other" }, [local, other]);
    expect(placement.platform).toBe("other");
    expect(placement.excluded).toEqual([{ platform: "local", reason: "not the requested platform (other)" }]);
    expect(() => place({ pinned: "nowhere" }, [local])).toThrow(NotFoundError);
  });

  it("fails with the reasons when nothing is eligible", () => {
    expect(() => place({}, [{ platform: openshiftPlatform, available: true, supported: false }])).toThrow(InputError);
    expect(() => place({}, [])).toThrow(/no platform is declared/);
  });
});
