// Values resolution: the user's values, checked against the template's JSON Schema
// (draft 7) with its defaults applied. Pure: the same input gives the same values or the
// same InputError, which names each field by JSON pointer and the rule it broke.
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { default as addFormats } from "ajv-formats";
import { InputError, type InputIssue } from "../errors.js";
import type { Template } from "./template.js";
import { escapePointerSegment, unescapePointerSegment } from "../../contracts/json.js";

const ajv = new Ajv({
  allErrors: true,
  useDefaults: true,
  coerceTypes: false,
  strict: false, // catalogs carry UI keywords (x-onyxia, x-plateau…) that ajv does not know
  validateFormats: true,
});
addFormats.default(ajv);

const compiled = new WeakMap<object, ValidateFunction>();

function validatorFor(template: Template): ValidateFunction {
  let validate = compiled.get(template.valuesSchema);
  if (!validate) {
    validate = ajv.compile(template.valuesSchema);
    compiled.set(template.valuesSchema, validate);
  }
  return validate;
}

/**
 * How deep and how large values may be. Forms produce a few levels and a few kilobytes; the
 * bounds keep what one request makes Plateau walk, validate, render and commit small, and no
 * walk over values recurses deeper than this.
 */
export const VALUES_LIMITS = { depth: 32, entries: 10_000, bytes: 128 * 1024 } as const;

/**
 * Refuses values nested deeper than VALUES_LIMITS.depth, with more than `entries` members and
 * items in all, or larger than `bytes` as JSON: an InputError on `pointer`. It walks without
 * recursion, so values nested thousands of levels deep are refused, not a stack overflow.
 */
export function assertValuesBounded(values: unknown, pointer = "/values"): void {
  const pending: { value: unknown; depth: number }[] = [{ value: values, depth: 1 }];
  let entries = 0;
  while (pending.length > 0) {
    const { value, depth } = pending.pop() as { value: unknown; depth: number };
    if (typeof value !== "object" || value === null) continue;
    if (depth > VALUES_LIMITS.depth) throw InputError.field(pointer, "max-depth", `nested deeper than ${VALUES_LIMITS.depth} levels`);
    const children = Array.isArray(value) ? (value as unknown[]) : Object.values(value);
    entries += children.length;
    if (entries > VALUES_LIMITS.entries) {
      throw InputError.field(pointer, "max-entries", `more than ${VALUES_LIMITS.entries} members and items in all`);
    }
    for (const child of children) pending.push({ value: child, depth: depth + 1 });
  }
  // Bounded in depth, JSON.stringify cannot overflow the stack.
  const bytes = new TextEncoder().encode(JSON.stringify(values) ?? "").length;
  if (bytes > VALUES_LIMITS.bytes) throw InputError.field(pointer, "max-bytes", `larger than ${VALUES_LIMITS.bytes / 1024} KiB as JSON (${Math.ceil(bytes / 1024)} KiB)`);
}

/** Values are JSON data; refuse NUL and other control characters no program argument can carry. */
export function controlCharacterIssues(value: unknown, pointer: string, issues: InputIssue[]): void {
  if (typeof value === "string") {
    // Tabs and line breaks are legitimate (a multi-line description, a script); NUL and the rest are not.
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(value)) {
      issues.push({ pointer, rule: "no-control-characters", message: "must not contain NUL or other control characters" });
    }
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => controlCharacterIssues(item, `${pointer}/${i}`, issues));
  } else if (typeof value === "object" && value !== null) {
    for (const [key, item] of Object.entries(value)) controlCharacterIssues(item, `${pointer}/${escapePointerSegment(key)}`, issues);
  }
}


/**
 * The issues of ajv's errors (`allErrors`), by pointer under `prefix`: an unknown or missing
 * property is pointed at itself, not at its object, an unknown one said to be `unknownProperty`
 * ("is not a known value of this template"). anyOf/oneOf/if repeat their branches' errors:
 * only what points at a cause is kept. Shared by templates' and Helm charts' values.
 */
export function ajvIssues(errors: readonly ErrorObject[] | null | undefined, prefix: string, unknownProperty: string): InputIssue[] {
  const issues: InputIssue[] = [];
  for (const error of errors ?? []) {
    if (error.keyword === "anyOf" || error.keyword === "oneOf" || error.keyword === "if") continue;
    const params = error.params as Record<string, unknown>;
    const extra = error.keyword === "additionalProperties" ? `/${escapePointerSegment(String(params.additionalProperty))}` : "";
    const missing = error.keyword === "required" ? `/${escapePointerSegment(String(params.missingProperty))}` : "";
    const pointer = `${prefix}${error.instancePath}${extra}${missing}`;
    let message = error.message ?? "is invalid";
    if (error.keyword === "enum") message = `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
    if (error.keyword === "additionalProperties") message = unknownProperty;
    if (error.keyword === "required") message = "is required";
    issues.push({ pointer, rule: error.keyword, message });
  }
  return issues;
}

/**
 * Throws the InputError of a check's issues, if there are any: each pointer and rule once, the
 * first one in the message (`<summary>: /values/x must … [rule] (and 2 more)`).
 */
export function throwIssues(summary: string, issues: readonly InputIssue[]): void {
  if (issues.length === 0) return;
  const unique = issues.filter((issue, i) => issues.findIndex((other) => other.pointer === issue.pointer && other.rule === issue.rule) === i);
  const first = unique[0] as InputIssue;
  const more = unique.length > 1 ? ` (and ${unique.length - 1} more)` : "";
  throw new InputError(`${summary}: ${first.pointer} ${first.message} [${first.rule}]${more}`, unique);
}

/**
 * Returns the complete values (defaults applied) or throws an InputError listing every
 * problem, each with a pointer under `/values`.
 */
export function resolveValues(template: Template, input: unknown): Record<string, unknown> {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw InputError.field("/values", "type", "must be an object");
  }
  assertValuesBounded(input);
  const values = structuredClone(input) as Record<string, unknown>;
  const issues: InputIssue[] = [];
  controlCharacterIssues(values, "/values", issues);
  const validate = validatorFor(template);
  if (!validate(values)) issues.push(...ajvIssues(validate.errors, "/values", "is not a known value of this template"));
  throwIssues(`invalid values for ${template.spec.id}`, issues);
  return values;
}

/** The value at a JSON pointer (`/git/repository`), or undefined. */
export function valueAt(values: unknown, pointer: string): unknown {
  let current: unknown = values;
  for (const raw of pointer.split("/").slice(1)) {
    const segment = unescapePointerSegment(raw);
    if (typeof current !== "object" || current === null || !Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/** Whether a conditional item of a template is included: `when` set and `unless` not set. */
export function included(item: { when?: string; unless?: string }, values: unknown): boolean {
  return (!item.when || isSet(valueAt(values, item.when))) && (!item.unless || !isSet(valueAt(values, item.unless)));
}

/** Truthiness of `when`: present and not empty. */
export function isSet(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === "" || value === 0) return false;
  if (Array.isArray(value)) return value.length > 0;
  return true;
}
