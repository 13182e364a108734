import { describe, expect, it } from "vitest";
import { InputError } from "../core/errors.js";
import { parseInstanceRef } from "./instance-ref.js";

describe("instance references", () => {
  it("parses project/instance references", () => {
    expect(parseInstanceRef("demo/hello")).toEqual({ project: "demo", instance: "hello" });
    expect(() => parseInstanceRef("demo")).toThrow(InputError);
    expect(() => parseInstanceRef("demo/hello/x")).toThrow(InputError);
    expect(() => parseInstanceRef("Demo/hello")).toThrow(/project/);
  });

  it("names the field, the rule and what was typed", () => {
    try {
      parseInstanceRef("demo/Bad_Name");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).message).toBe(
        "/name: \"Bad_Name\" must be a DNS-1123 label: lowercase letters, digits and '-', starting with a letter and ending with a letter or digit",
      );
      expect((error as InputError).issues).toEqual([expect.objectContaining({ pointer: "/name", rule: "dns-label" })]);
    }
    expect(() => parseInstanceRef("just-one")).toThrow('input: "just-one" must be <project>/<instance>');
  });
});
