import { describe, expect, it } from "vitest";
import { issuesOf } from "../testing/fixtures.js";
import { webWithDatabase } from "../testing/fixtures.js";
import { resolveValues, valueAt } from "./values.js";

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

  it("refuses values that are not an object", () => {
    expect(issuesOf(() => resolveValues(webWithDatabase, []))).toEqual([expect.objectContaining({ pointer: "/values", rule: "type" })]);
  });

  it("reads values at JSON pointers", () => {
    expect(valueAt({ a: { "b/c": 1 } }, "/a/b~1c")).toBe(1);
    expect(valueAt({ a: 1 }, "/a/b")).toBeUndefined();
    expect(valueAt({}, "/constructor")).toBeUndefined();
  });
});
