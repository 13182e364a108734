import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../core/errors.js";
import { buildValues } from "./values.js";

const schema = {
  type: "object",
  properties: {
    image: { type: "string" },
    storage: { type: "integer" },
    debug: { type: "boolean" },
    git: { type: "object", properties: { repository: { type: "string" } } },
  },
};

describe("buildValues", () => {
  it("types --set values from the template's schema, nested with dots", () => {
    expect(buildValues({ set: ["image=x:1", "storage=10", "debug=true", "git.repository=https://e.org/a=b", "other=5"], schema })).toEqual({
      image: "x:1",
      storage: 10,
      debug: true,
      git: { repository: "https://e.org/a=b" },
      other: "5",
    });
  });

  it("merges --set over a values file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "plateau-values-"));
    await writeFile(join(dir, "v.yaml"), "image: a:1\ngit:\n  repository: https://x\n");
    expect(buildValues({ set: ["image=b:2"], valuesFile: join(dir, "v.yaml"), schema })).toEqual({ image: "b:2", git: { repository: "https://x" } });
  });

  it("refuses what cannot be a value, naming it", () => {
    expect(() => buildValues({ set: ["storage=ten"], schema })).toThrow(/\/values\/storage: must be an integer/);
    expect(() => buildValues({ set: ["noequals"], schema })).toThrow(InputError);
    expect(() => buildValues({ set: ["__proto__.x=1"], schema })).toThrow(/not a valid key/);
    expect(() => buildValues({ set: [], valuesFile: "/nonexistent.yaml", schema })).toThrow(/cannot read/);
  });

  it("refuses a values file that is not safe YAML, naming the file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "plateau-values-"));
    await writeFile(join(dir, "twice.yaml"), "image: a:1\nimage: b:2\n");
    expect(() => buildValues({ set: [], valuesFile: join(dir, "twice.yaml"), schema })).toThrow(/twice\.yaml: .*[Uu]nique|twice\.yaml: .*duplicate/);
  });
});
