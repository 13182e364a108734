import { parseAllDocuments } from "yaml";
import { readYaml, YAML_PARSE_OPTIONS } from "../contracts/yaml.js";
import { InputError } from "./errors.js";
import { emitYaml } from "./yaml-emit.js";

/**
 * The only way Plateau writes YAML: from objects, with sorted keys, no anchors, no line
 * folding, so that the same object always gives the same bytes and a value can never change
 * the structure of the document (no text templating anywhere). Written by our own emitter
 * (yaml-emit.ts), byte-identical to `yaml.stringify` with the options Plateau has always used
 * (kept as the emitter's test oracle in yaml-emit.test.ts) and several times faster.
 */
export function toYaml(value: unknown): string {
  return emitYaml(value);
}

/** Parses one YAML document, refusing syntax errors, duplicate keys and alias bombs. */
export function fromYaml(text: string, source: string): unknown {
  const read = readYaml(text);
  if ("problem" in read) throw InputError.field("", "yaml", `${source}: ${read.problem}`);
  return read.value;
}

/** Parses a multi-document stream (used by tests and by engines reading rendered files). */
export function fromYamlStream(text: string, source: string): unknown[] {
  return parseAllDocuments(text, YAML_PARSE_OPTIONS).flatMap((document) => {
    if ("errors" in document && document.errors[0]) {
      throw InputError.field("", "yaml", `${source}: ${document.errors[0].message.split("\n")[0] ?? "invalid YAML"}`);
    }
    const value: unknown = document.toJS({ maxAliasCount: 50 });
    return value === null || value === undefined ? [] : [value];
  });
}
