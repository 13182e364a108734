import { parseAllDocuments, stringify } from "yaml";
import { readYaml, YAML_PARSE_OPTIONS } from "../contracts/yaml.js";
import { InputError } from "./errors.js";

/**
 * The only way Plateau writes YAML: from objects, with sorted keys, no anchors, no line
 * folding, so that the same object always gives the same bytes and a value can never change
 * the structure of the document (no text templating anywhere).
 */
export function toYaml(value: unknown): string {
  return stringify(value, {
    sortMapEntries: true,
    aliasDuplicateObjects: false,
    lineWidth: 0,
    minContentWidth: 0,
    indent: 2,
    version: "1.2",
  });
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
