// Reading YAML that people write (the CLI's values files, configuration, templates): one
// document, refusing syntax errors, duplicate keys and alias bombs. Core turns a problem into
// its InputError; the CLI does the same. Pure: the `yaml` library only.
import { parseDocument } from "yaml";

export const YAML_PARSE_OPTIONS = { version: "1.2", uniqueKeys: true, maxAliasCount: 50, prettyErrors: false } as const;

/** The value of one YAML document, or its problem in one line. */
export function readYaml(text: string): { readonly value: unknown } | { readonly problem: string } {
  const document = parseDocument(text, YAML_PARSE_OPTIONS);
  const error = document.errors[0];
  if (error) return { problem: error.message.split("\n")[0] ?? "invalid YAML" };
  try {
    return { value: document.toJS({ maxAliasCount: 50 }) };
  } catch (cause) {
    return { problem: (cause as Error).message };
  }
}
