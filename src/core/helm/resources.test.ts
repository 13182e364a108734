import { describe, expect, it } from "vitest";
import { helmResources } from "./resources.js";
import { parseChartReference, isChartReference } from "./chart-reference.js";

describe("what a Helm instance asks, from its values", () => {
  it("reads requests, falls back to limits, and counts GPUs and enabled persistence", () => {
    const values = {
      resources: { requests: { cpu: "500m", memory: "4Gi" }, limits: { cpu: "2", memory: "8Gi", "nvidia.com/gpu": "1" } },
      persistence: { enabled: true, size: "10Gi" },
    };
    expect(helmResources(values, true)).toEqual({
      total: { cpu: 0.5, memoryGiB: 4, gpu: 1, instances: 1, storageGiB: 10 },
      largestPod: { cpu: 0.5, memoryGiB: 4, gpu: 1 },
    });
    expect(helmResources({ resources: { limits: { cpu: "2", memory: "512Mi" } } }, true).total).toMatchObject({ cpu: 2, memoryGiB: 0.5, storageGiB: 0 });
  });

  it("keeps only storage and the place of a stopped instance, and nothing of values it cannot read", () => {
    const values = { resources: { requests: { cpu: "1", memory: "1Gi" } }, persistence: { enabled: true, size: "5Gi" } };
    expect(helmResources(values, false).total).toEqual({ cpu: 0, memoryGiB: 0, gpu: 0, instances: 1, storageGiB: 5 });
    expect(helmResources({ resources: "lots", persistence: { enabled: "yes", size: "5Gi" } }, true).total).toEqual({
      cpu: 0,
      memoryGiB: 0,
      gpu: 0,
      instances: 1,
      storageGiB: 0,
    });
    expect(helmResources({ resources: { limits: { "nvidia.com/gpu": "one" } } }, true).total.gpu).toBe(0);
  });
});

describe("chart references", () => {
  it("are <catalog>/<chart>, and only those", () => {
    expect(parseChartReference("ide/jupyter-python")).toEqual({ catalog: "ide", chart: "jupyter-python" });
    expect(isChartReference("static-site")).toBe(false);
    for (const bad of ["ide/", "/chart", "IDE/chart", "ide/a/b", "ide/-x", "ide/a b"]) {
      expect(() => parseChartReference(bad)).toThrow(/catalog/);
    }
  });
});
