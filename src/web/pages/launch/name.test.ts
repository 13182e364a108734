import { describe, expect, it } from "vitest";
import { NAME_MAX_LENGTH, nameProblem } from "./name.js";

describe("the instance name as typed", () => {
  it("accepts nothing (Plateau chooses) and DNS-label names", () => {
    expect(nameProblem("")).toBeUndefined();
    expect(nameProblem("a")).toBeUndefined();
    expect(nameProblem("my-notebook-2")).toBeUndefined();
    expect(nameProblem("x".repeat(NAME_MAX_LENGTH))).toBeUndefined();
  });

  it("says what is wrong: the length first, then the letters", () => {
    expect(nameProblem("x".repeat(NAME_MAX_LENGTH + 1))).toBe("nameLength");
    for (const name of ["My-notebook", "2nd", "-a", "a-", "a_b", "é"]) expect(nameProblem(name), name).toBe("namePattern");
  });
});
