import { describe, expect, it } from "vitest";
import { resolveOnyxiaReference } from "./references.js";

describe("overwriteDefaultWith", () => {
  it("resolves paths as Onyxia writes them, and only the context's own members", () => {
    const data = { a: { "b.c": { d: 42 }, list: ["x", { y: "yes" }] } };
    expect(resolveOnyxiaReference('a["b.c"].d', data)).toBe(42);
    expect(resolveOnyxiaReference("a['b.c'].d", data)).toBe(42);
    expect(resolveOnyxiaReference("a.list[1].y", data)).toBe("yes");
    expect(resolveOnyxiaReference("{{a.list[0]}}-{{a.list[1].y}}", data)).toBe("x-yes");
    expect(resolveOnyxiaReference("{{a.list}}-suffix", data)).toBeUndefined(); // a list cannot go in a string
    expect(resolveOnyxiaReference("a.constructor", data)).toBeUndefined();
    expect(resolveOnyxiaReference("a.__proto__", data)).toBeUndefined();
    expect(resolveOnyxiaReference("a.list[9]", data)).toBeUndefined();
    expect(resolveOnyxiaReference(["{{a.missing}}"], data)).toBeUndefined();
    expect(resolveOnyxiaReference(7, data)).toBe(7);
  });
});
