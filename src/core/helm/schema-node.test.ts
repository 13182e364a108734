import { describe, expect, it } from "vitest";
import { ITEM, isJson, pathPointer, setOwn, typesOf, valueAt } from "./schema-node.js";

describe("schema nodes and values", () => {
  it("infers a node's types as Onyxia does", () => {
    expect(typesOf({ type: "string" })).toEqual(["string"]);
    expect(typesOf({ type: ["null", "integer", 3] })).toEqual(["null", "integer"]);
    expect(typesOf({ const: 2 })).toEqual(["integer"]);
    expect(typesOf({ properties: {} })).toEqual(["object"]);
    expect(typesOf({ items: {} })).toEqual(["array"]);
    expect(typesOf({})).toBeUndefined();
  });

  it("reads values at pointers through own members only", () => {
    const document = { a: [{ "b/c": 1 }], "x~y": 2 };
    expect(valueAt(document, "/a/0/b~1c")).toBe(1);
    expect(valueAt(document, "/x~0y")).toBe(2);
    expect(valueAt(document, "")).toBe(document);
    expect(valueAt(document, "/a/01")).toBeUndefined();
    expect(valueAt(document, "/constructor")).toBeUndefined();
  });

  it("writes paths as pointers, any item as -", () => {
    expect(pathPointer(["a", ITEM, "b/c"])).toBe("/a/-/b~1c");
  });

  it("sets a member named __proto__ as data, never as the prototype", () => {
    const object: Record<string, unknown> = {};
    setOwn(object, "__proto__", { polluted: true });
    expect(Object.getPrototypeOf(object)).toBe(Object.prototype);
    expect(Object.keys(object)).toEqual(["__proto__"]);
  });

  it("knows JSON values", () => {
    expect(isJson({ a: [1, "x", null, true] }, 0)).toBe(true);
    expect(isJson({ a: Number.NaN }, 0)).toBe(false);
    expect(isJson({ a: undefined }, 0)).toBe(false);
  });
});
