import { describe, expect, it } from "vitest";
import { InputError } from "./errors.js";
import { assertName, generateName, isValidName, NAME_MAX_LENGTH } from "./names.js";

describe("names", () => {
  it.each(["demo", "a", "hello-world", "x1", "a-b-c9"])("accepts %s", (name) => expect(isValidName(name)).toBe(true));
  it.each(["", "Demo", "1abc", "-a", "a-", "a_b", "a.b", "é", "a b", "x".repeat(NAME_MAX_LENGTH + 1), "a\n"])("refuses %j", (name) =>
    expect(isValidName(name)).toBe(false),
  );

  it("names the field and the rule", () => {
    try {
      assertName("/name", "Bad_Name");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).issues).toEqual([expect.objectContaining({ pointer: "/name", rule: "dns-label" })]);
    }
  });

  it("generates valid, varied names", () => {
    // mulberry32: a small, well-mixed deterministic generator
    let seed = 7;
    const random = (n: number) => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
    };
    const names = new Set(Array.from({ length: 200 }, () => generateName(random)));
    expect(names.size).toBeGreaterThan(190);
    for (const name of names) expect(isValidName(name), name).toBe(true);
  });
});
