import { describe, expect, it } from "vitest";
import { selectorText, tolerationsText } from "./pool.js";

describe("the pool a chart's pod lands on, as the placement panel writes it", () => {
  it("writes the node selector and the taints tolerated as Kubernetes does", () => {
    const pool = {
      name: "vgpu",
      gpu: { type: "A100-20C", count: 4 },
      nodeSelector: { "nvidia.com/gpu.present": "true", zone: "a" },
      tolerations: [
        { key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" },
        { key: "dedicated", operator: "Equal", value: "gpu", effect: "NoExecute" },
        { operator: "Exists" },
        // Exists tolerates any value: one written beside it is not the taint's.
        { key: "zone", operator: "Exists", value: "a", effect: "NoSchedule" },
      ],
    };
    expect(selectorText(pool)).toBe("nvidia.com/gpu.present=true, zone=a");
    expect(tolerationsText(pool)).toBe("nvidia.com/gpu:NoSchedule, dedicated=gpu:NoExecute, *, zone:NoSchedule");
    expect(selectorText({ ...pool, nodeSelector: {} })).toBe("");
    expect(tolerationsText({ ...pool, tolerations: [] })).toBe("");
  });
});
