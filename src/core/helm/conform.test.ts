import { describe, expect, it } from "vitest";
import { conform, optionsOf, sliderAmount, sliderOf } from "./conform.js";

const context = { region: { sliders: { cpu: { sliderMin: 100, sliderMax: 8000, sliderStep: 100, sliderUnit: "m" } } }, sizes: ["s", "m"] };

describe("Onyxia's approximations of a value to its field", () => {
  it("turns scalars into the field's type where Onyxia does", () => {
    expect(conform({ type: "boolean" }, "yes", context, 0)).toBe(true);
    expect(conform({ type: "boolean" }, "off", context, 0)).toBe(false);
    expect(conform({ type: "boolean" }, "maybe", context, 0)).toBeUndefined();
    expect(conform({ type: "string" }, 2, context, 0)).toBe("2");
    expect(conform({ type: "string" }, null, context, 0)).toBe("");
    expect(conform({ type: "integer" }, "3", context, 0)).toBe(3);
    expect(conform({ type: "integer" }, "3.5", context, 0)).toBeUndefined();
    expect(conform({ type: ["null", "number"] }, null, context, 0)).toBeNull();
  });

  it("refuses what the field's bounds, pattern or options refuse", () => {
    expect(conform({ type: "number", minimum: 1, maximum: 3 }, 4, context, 0)).toBeUndefined();
    expect(conform({ type: "string", pattern: "^[a-z]+$" }, "Abc", context, 0)).toBeUndefined();
    expect(conform({ type: "string", maxLength: 2 }, "abc", context, 0)).toBeUndefined();
    expect(conform({ type: "string", enum: ["a", "b"] }, "c", context, 0)).toBeUndefined();
    expect(conform({ type: "string", enum: ["a", "b"] }, "b", context, 0)).toBe("b");
  });

  it("wants every property of an object and drops the others unless the schema allows them", () => {
    const node = { type: "object", properties: { a: { type: "integer" } } };
    expect(conform(node, { a: "1", b: 2 }, context, 0)).toEqual({ a: 1 });
    expect(conform(node, { b: 2 }, context, 0)).toBeUndefined();
    expect(conform({ ...node, additionalProperties: true }, { a: 1, b: 2 }, context, 0)).toEqual({ a: 1, b: 2 });
  });
});

describe("a field's slider and options", () => {
  it("takes a slider's bounds from the region when the field names a region slider", () => {
    expect(sliderOf({ sliderMin: 1, sliderMax: 2, "x-onyxia": {} }, { useRegionSliderConfig: "cpu" }, context)).toEqual({
      min: 100,
      max: 8000,
      step: 100,
      unit: "m",
    });
    expect(sliderOf({ sliderMin: 1, sliderMax: 2, sliderUnit: "Gi" }, {}, context)).toEqual({ min: 1, max: 2, unit: "Gi" });
    expect(sliderOf({ sliderMin: 1 }, {}, context)).toBeUndefined();
  });

  it("reads a slider's amount only with its unit", () => {
    expect(sliderAmount("2000m", "m")).toBe(2000);
    expect(sliderAmount("2.5Gi", "Gi")).toBe(2.5);
    expect(sliderAmount("2000", "m")).toBeUndefined();
    expect(sliderAmount("-1m", "m")).toBeUndefined();
  });

  it("takes options from the context first, then listEnum, then enum", () => {
    expect(optionsOf({ type: "string", "x-onyxia": { overwriteListEnumWith: "sizes" }, listEnum: ["x"] }, context)).toEqual(["s", "m"]);
    expect(optionsOf({ type: "string", listEnum: ["x", "y"], enum: ["z"] }, context)).toEqual(["x", "y"]);
    expect(optionsOf({ type: "string", enum: ["z"] }, context)).toEqual(["z"]);
    expect(optionsOf({ type: "string" }, context)).toBeUndefined();
  });
});
