// What `helm template` printed, read as Plateau reads it: the objects a chart creates (in
// Helm's order, empty documents dropped) and, when Helm refused, a refusal naming the chart
// and Helm's own words. Pure: the adapter runs Helm, this decides what its output means.
import { ConflictError, InputError, type InputIssue } from "../errors.js";
import { fromYamlStream } from "../yaml.js";

/** One object of a rendered chart; the rest of it is kept as Helm wrote it. */
export interface RenderedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * The objects of a multi-document stream printed by `helm template`. A document that is not
 * an object with apiVersion, kind and metadata.name is refused: Argo CD would refuse it too.
 */
export function parseRenderedObjects(text: string, chart: string): RenderedObject[] {
  return fromYamlStream(text, `chart ${chart} (rendered)`).map((document, index) => {
    if (!isRecord(document)) throw new ConflictError(`chart ${chart} rendered document ${index + 1}, which is not an object`);
    const metadata = document.metadata;
    const name = isRecord(metadata) ? metadata.name : undefined;
    if (typeof document.apiVersion !== "string" || typeof document.kind !== "string" || typeof name !== "string" || !name) {
      throw new ConflictError(`chart ${chart} rendered document ${index + 1} without apiVersion, kind or metadata.name`);
    }
    return document as RenderedObject;
  });
}

/** Helm's error, as one line: from its first `Error:` line, without the hint to use --debug. */
export function helmErrorText(stderr: string): string {
  const lines = stderr
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  const first = lines.findIndex((line) => line.startsWith("Error:"));
  const message = (first >= 0 ? lines.slice(first) : lines.slice(-1))
    .filter((line) => !line.startsWith("Use --debug flag"))
    .join(" ")
    .replace(/^Error:\s*/, "");
  const text = message || "(no output)";
  return text.length > 600 ? `${text.slice(0, 600)}…` : text;
}

/**
 * Why Helm refused to render a chart, as a Plateau error: values refused by the chart's
 * values.schema.json are an input error naming each field (`/values/<pointer>`); anything
 * else (a template failing, invalid YAML out of a template) is a conflict naming the chart.
 */
export function renderRefusal(chart: string, stderr: string): InputError | ConflictError {
  const text = helmErrorText(stderr);
  if (/values don't meet the specifications of the schema/.test(stderr)) {
    const issues: InputIssue[] = [...stderr.matchAll(/^\s*- at '([^']*)': (.+)$/gm)].map((match) => ({
      pointer: `/values${match[1] === "/" ? "" : (match[1] ?? "")}`,
      rule: "values.schema.json",
      message: (match[2] ?? "").trim(),
    }));
    return new InputError(`chart ${chart} refuses these values (values.schema.json): ${text}`, issues);
  }
  return new ConflictError(`chart ${chart} cannot be rendered by helm template: ${text}`);
}
