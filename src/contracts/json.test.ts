import { describe, expect, it } from "vitest";
import { deepEqual, escapePointerSegment, isRecord, pointerSegments, unescapePointerSegment } from "./json.js";

describe("JSON pointers and values", () => {
  it("escapes and reads segments as RFC 6901 says, in the order that keeps ~01 apart from /", () => {
    expect(escapePointerSegment("a/b~c")).toBe("a~1b~0c");
    expect(unescapePointerSegment("~01")).toBe("~1");
    for (const segment of ["", "~", "/", "~1", "~0", "a/~b", "__proto__"]) expect(unescapePointerSegment(escapePointerSegment(segment))).toBe(segment);
    expect(pointerSegments("")).toEqual([]);
    expect(pointerSegments("/a~1b/~0/")).toEqual(["a/b", "~", ""]);
  });

  it("tells objects from arrays and null, and compares values member by member", () => {
    expect([isRecord({}), isRecord([]), isRecord(null), isRecord("x")]).toEqual([true, false, false, false]);
    expect(deepEqual({ a: [1, { b: 2 }], c: null }, { c: null, a: [1, { b: 2 }] })).toBe(true);
    expect(deepEqual({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(deepEqual([1, 2], [2, 1])).toBe(false);
    expect(deepEqual({ length: 0 }, [])).toBe(false);
  });
});
