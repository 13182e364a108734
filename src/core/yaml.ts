import { parseAllDocuments, parseDocument } from "yaml";
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

const PARSE_OPTIONS = { version: "1.2", uniqueKeys: true, maxAliasCount: 50, prettyErrors: false } as const;

/** Parses one YAML document, refusing syntax errors, duplicate keys and alias bombs. */
export function fromYaml(text: string, source: string): unknown {
  const document = parseDocument(text, PARSE_OPTIONS);
  const error = document.errors[0];
  if (error) throw InputError.field("", "yaml", `${source}: ${error.message.split("\n")[0] ?? "invalid YAML"}`);
  try {
    return document.toJS({ maxAliasCount: 50 });
  } catch (cause) {
    throw InputError.field("", "yaml", `${source}: ${(cause as Error).message}`);
  }
}

/** Parses a multi-document stream (used by tests and by engines reading rendered files). */
export function fromYamlStream(text: string, source: string): unknown[] {
  return parseAllDocuments(text, PARSE_OPTIONS).flatMap((document) => {
    if ("errors" in document && document.errors[0]) {
      throw InputError.field("", "yaml", `${source}: ${document.errors[0].message.split("\n")[0] ?? "invalid YAML"}`);
    }
    const value: unknown = document.toJS({ maxAliasCount: 50 });
    return value === null || value === undefined ? [] : [value];
  });
}
