import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import type { InputError } from "../errors.js";
import { issuesOf } from "../testing/fixtures.js";
import { webWithDatabase } from "../testing/fixtures.js";
import { ajvIssues, assertValuesBounded, resolveValues, throwIssues, valueAt, VALUES_LIMITS } from "./values.js";

describe("resolveValues", () => {
  it("applies defaults", () => {
    expect(resolveValues(webWithDatabase, {})).toEqual({ image: "web:1", size: "small", greeting: "hello", git: "", extraArgs: [], storage: 5 });
  });

  it("does not modify its input", () => {
    const input = { greeting: "x" };
    resolveValues(webWithDatabase, input);
    expect(input).toEqual({ greeting: "x" });
  });

  it("names each field by JSON pointer and the rule it broke", () => {
    expect(issuesOf(() => resolveValues(webWithDatabase, { size: "huge", storage: 0, colour: "red" }))).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ pointer: "/values/size", rule: "enum", message: 'must be one of "small", "large"' }),
        expect.objectContaining({ pointer: "/values/storage", rule: "minimum" }),
        expect.objectContaining({ pointer: "/values/colour", rule: "additionalProperties" }),
      ]),
    );
    expect(issuesOf(() => resolveValues(webWithDatabase, { storage: "5" }))).toEqual([expect.objectContaining({ pointer: "/values/storage", rule: "type" })]);
  });

  it("refuses NUL and control characters", () => {
    expect(issuesOf(() => resolveValues(webWithDatabase, { greeting: "a\u0000b" }))).toEqual([expect.objectContaining({ pointer: "/values/greeting", rule: "no-control-characters" })]);
    expect(resolveValues(webWithDatabase, { greeting: "two\nlines\tok" }).greeting).toBe("two\nlines\tok");
  });

  it("refuses values nested too deep, too many or too large, without recursing (an InputError, never a RangeError)", () => {
    const nested = (depth: number, leaf: unknown = {}) => {
      let value: unknown = leaf;
      for (let i = 1; i < depth; i++) value = { a: value };
      return value;
    };
    // Deeper than any stack: refused all the same.
    for (const depth of [33, 2_000, 200_000]) {
      expect(issuesOf(() => resolveValues(webWithDatabase, nested(depth))), String(depth)).toEqual([
        { pointer: "/values", rule: "max-depth", message: "nested deeper than 32 levels" },
      ]);
    }
    // 32 levels of objects and arrays are within the bound.
    expect(() => assertValuesBounded(nested(32))).not.toThrow();
    expect(() => assertValuesBounded({ a: [[[nested(29)]]] })).toThrow(/nested deeper than 32 levels/);
    expect(() => assertValuesBounded({ a: [[nested(29)]] })).not.toThrow();
    const many = Object.fromEntries(Array.from({ length: VALUES_LIMITS.entries + 1 }, (_, i) => [`k${i}`, i]));
    expect(issuesOf(() => assertValuesBounded(many))).toEqual([expect.objectContaining({ pointer: "/values", rule: "max-entries" })]);
    expect(issuesOf(() => assertValuesBounded({ a: Array.from({ length: VALUES_LIMITS.entries }, () => 0), b: 1 }))).toEqual([
      expect.objectContaining({ rule: "max-entries" }),
    ]);
    expect(issuesOf(() => assertValuesBounded({ text: "é".repeat(VALUES_LIMITS.bytes / 2) }))).toEqual([
      expect.objectContaining({ pointer: "/values", rule: "max-bytes" }),
    ]);
    expect(() => assertValuesBounded({ text: "x".repeat(VALUES_LIMITS.bytes / 2) })).not.toThrow();
    expect(() => assertValuesBounded(undefined)).not.toThrow();
  });

  it("refuses values that are not an object", () => {
    expect(issuesOf(() => resolveValues(webWithDatabase, []))).toEqual([expect.objectContaining({ pointer: "/values", rule: "type" })]);
  });

  it("reads values at JSON pointers", () => {
    expect(valueAt({ a: { "b/c": 1 } }, "/a/b~1c")).toBe(1);
    expect(valueAt({ a: 1 }, "/a/b")).toBeUndefined();
    expect(valueAt({}, "/constructor")).toBeUndefined();
  });
});

describe("issues of a values check", () => {
  const validate = new Ajv({ allErrors: true }).compile({
    type: "object",
    properties: { size: { enum: ["small", "large"] }, name: { anyOf: [{ type: "string" }, { type: "null" }] } },
    required: ["size"],
    additionalProperties: false,
  });

  it("points at the property an error is about, says the allowed values, and leaves out combinators' repetitions", () => {
    validate({ size: "huge", name: 3, "a/b": 1 });
    expect(ajvIssues(validate.errors, "/values", "is not known here")).toEqual([
      { pointer: "/values/a~1b", rule: "additionalProperties", message: "is not known here" },
      { pointer: "/values/size", rule: "enum", message: 'must be one of "small", "large"' },
      { pointer: "/values/name", rule: "type", message: "must be string" },
      { pointer: "/values/name", rule: "type", message: "must be null" },
    ]);
    validate({});
    expect(ajvIssues(validate.errors, "", "x")).toEqual([{ pointer: "/size", rule: "required", message: "is required" }]);
  });

  it("throws each pointer and rule once, the first one in the message", () => {
    expect(() => throwIssues("invalid values", [])).not.toThrow();
    const issue = (pointer: string, rule: string) => ({ pointer, rule, message: "is wrong" });
    try {
      throwIssues("invalid values for x", [issue("/values/a", "type"), issue("/values/a", "type"), issue("/values/b", "enum")]);
      expect.unreachable();
    } catch (error) {
      expect((error as InputError).message).toBe("invalid values for x: /values/a is wrong [type] (and 1 more)");
      expect((error as InputError).issues).toEqual([issue("/values/a", "type"), issue("/values/b", "enum")]);
    }
  });
});
