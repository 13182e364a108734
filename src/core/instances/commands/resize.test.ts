import { describe, expect, it } from "vitest";
import { InputError, ConflictError } from "../../errors.js";
import type { Template } from "../../catalog/template.js";
import { chartValuesResized, resizeTargetOf, sizeFor, templateSizes } from "./resize.js";

const template = {
  spec: {
    id: "wordpress",
    sizes: {
      small: { main: { cpu: "250m", memory: "256Mi" }, db: { cpu: "250m", memory: "256Mi" } },
      medium: { main: { cpu: "500m", memory: "512Mi" }, db: { cpu: "500m", memory: "512Mi" } },
      large: { main: { cpu: "1", memory: "1Gi" }, db: { cpu: "1", memory: "1Gi" } },
    },
  },
} as unknown as Template;

describe("resizing", () => {
  it("reads quantities, naming the field and the rule of what it refuses", () => {
    expect(resizeTargetOf({ cpu: "1.5", memory: "2Gi" })).toEqual({ cpuMillicores: 1500, memoryMiB: 2048 });
    expect(resizeTargetOf({ memory: "300Mi" })).toEqual({ memoryMiB: 300 });
    const issue = (input: { cpu?: string; memory?: string }) => {
      try {
        resizeTargetOf(input);
      } catch (error) {
        return (error as InputError).issues[0];
      }
      return undefined;
    };
    expect(issue({ cpu: "lots" })).toMatchObject({ pointer: "/cpu", rule: "quantity" });
    expect(issue({ cpu: "1m" })).toMatchObject({ pointer: "/cpu", rule: "range" });
    expect(issue({ memory: "2Pi" })).toMatchObject({ pointer: "/memory", rule: "range" });
    expect(issue({})).toMatchObject({ pointer: "/cpu", rule: "required" });
  });

  it("chooses a template's smallest size that gives what is asked, counting every component", () => {
    expect(templateSizes(template).map((s) => [s.name, s.cpuMillicores, s.memoryMiB])).toEqual([
      ["small", 500, 512],
      ["medium", 1000, 1024],
      ["large", 2000, 2048],
    ]);
    expect(sizeFor(template, "large", { cpuMillicores: 300, memoryMiB: 384 }, "demo/wp")).toBe("small");
    // Memory not asked: the current size's stays.
    expect(sizeFor(template, "large", { cpuMillicores: 300 }, "demo/wp")).toBe("large");
    expect(sizeFor(template, "small", { cpuMillicores: 700 }, "demo/wp")).toBe("medium");
    expect(() => sizeFor(template, "small", { cpuMillicores: 4000 }, "demo/wp")).toThrow(InputError);
  });

  it("sets a chart's resources.requests, and refuses a chart without them", () => {
    const full = { resources: { requests: { cpu: "2", memory: "8Gi" }, limits: { cpu: "4" } }, service: { image: "x" } };
    expect(chartValuesResized({ service: { image: "x" } }, full, { cpuMillicores: 250, memoryMiB: 1536 }, "demo/j")).toEqual({
      service: { image: "x" },
      resources: { requests: { cpu: "250m", memory: "2Gi" } },
    });
    expect(() => chartValuesResized({}, { persistence: {} }, { cpuMillicores: 250 }, "demo/pg")).toThrow(ConflictError);
    // Written in the chart's units (Onyxia's sliders: CPU in m, memory in whole Gi, rounded up).
    const onyxia = { resources: { requests: { cpu: "100m", memory: "2Gi" } } };
    expect(chartValuesResized({}, onyxia, { cpuMillicores: 2000, memoryMiB: 1536 }, "demo/j")).toEqual({
      resources: { requests: { cpu: "2000m", memory: "2Gi" } },
    });
  });
});
