// `--set a.b=value` and `--values file.yaml` into the values of a launch. Types come from the
// template's JSON Schema, so `--set storage=10` sends the number 10; the server still checks all.
import { readFileSync } from "node:fs";
import { InputError } from "../core/errors.js";
import { readYaml } from "../contracts/yaml.js";

type Schema = { type?: string | string[]; properties?: Record<string, Schema> };

function schemaAt(schema: Schema, path: string[]): Schema | undefined {
  let current: Schema | undefined = schema;
  for (const key of path) current = current?.properties?.[key];
  return current;
}

export function coerce(text: string, schema: Schema | undefined, pointer: string): unknown {
  const type = Array.isArray(schema?.type) ? schema?.type.find((t) => t !== "null") : schema?.type;
  switch (type) {
    case "integer":
    case "number": {
      const value = Number(text);
      if (text.trim() === "" || !Number.isFinite(value) || (type === "integer" && !Number.isInteger(value)))
        throw InputError.field(pointer, "type", `must be ${type === "integer" ? "an integer" : "a number"}, got "${text}"`);
      return value;
    }
    case "boolean":
      if (["true", "yes", "1"].includes(text)) return true;
      if (["false", "no", "0"].includes(text)) return false;
      throw InputError.field(pointer, "type", `must be true or false, got "${text}"`);
    case "array":
    case "object":
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw InputError.field(pointer, "type", `must be JSON (${type}), got "${text}"`);
      }
    default:
      return text;
  }
}

export function buildValues(options: { set: readonly string[]; valuesFile?: string; schema: Schema }): Record<string, unknown> {
  let values: Record<string, unknown> = {};
  if (options.valuesFile) {
    let text: string;
    try {
      text = readFileSync(options.valuesFile, "utf8");
    } catch (error) {
      throw InputError.field("--values", "readable", `cannot read ${options.valuesFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    const read = readYaml(text);
    if ("problem" in read) throw InputError.field("", "yaml", `${options.valuesFile}: ${read.problem}`);
    const parsed = read.value;
    if (parsed !== null && (typeof parsed !== "object" || Array.isArray(parsed)))
      throw InputError.field("--values", "type", `${options.valuesFile} must hold a mapping of values`);
    values = (parsed as Record<string, unknown> | null) ?? {};
  }
  for (const assignment of options.set) {
    const equals = assignment.indexOf("=");
    if (equals <= 0) throw InputError.field("--set", "format", `"${assignment}" must be key=value (nested keys with dots: git.repository=https://…)`);
    const path = assignment.slice(0, equals).split(".");
    if (path.some((key) => key === "" || key === "__proto__" || key === "constructor" || key === "prototype"))
      throw InputError.field("--set", "format", `"${assignment.slice(0, equals)}" is not a valid key`);
    const pointer = `/values/${path.join("/")}`;
    const value = coerce(assignment.slice(equals + 1), schemaAt(options.schema, path), pointer);
    let target = values;
    for (const key of path.slice(0, -1)) {
      const next = target[key];
      if (typeof next !== "object" || next === null || Array.isArray(next)) target[key] = {};
      target = target[key] as Record<string, unknown>;
    }
    target[path.at(-1) as string] = value;
  }
  return values;
}
