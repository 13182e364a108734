// Launch forms generated from a values JSON Schema (draft 7): the fields to show, their values,
// the checks made before anything is sent, and where the server's objections belong. Pure
// logic, without React, so that it is tested on its own; schema-form-view.tsx draws it.
//
// Two sources write these schemas. Built-in templates (catalog/*/values.schema.json) give
// English `title`/`description` and their translations under `x-i18n.<lang>`, with
// `x-i18n.<lang>.enumTitles` naming the choices of an enum. Helm charts' forms arrive with
// Onyxia's extensions already resolved by the server (src/core/helm/values.ts): `enum` holds
// the options of a list, every node's `default` is the resolved one, and render hints live
// under `x-plateau` — `hidden` (true, or hidden while the value at a pointer equals a value),
// `readonly`, `render` (slider, list, textArea, password) and `slider` (bounds, step, unit,
// the two ends of a range).
import type { Language } from "../i18n.js";

import type { HiddenCondition, JsonValue, SliderHint } from "../../contracts/form-hints.js";
import { deepEqual, escapePointerSegment, isRecord, unescapePointerSegment } from "../../contracts/json.js";

export type { HiddenCondition, JsonValue, SliderHint };
type Schema = Readonly<Record<string, unknown>>;

/**
 * How a field is drawn. `list` is an array of strings or numbers, one per line; `json` is
 * what no control fits (arrays of objects, free-form objects), edited as JSON text.
 */
export type FieldKind = "object" | "text" | "textArea" | "password" | "number" | "boolean" | "select" | "slider" | "list" | "json";

export interface FieldOption {
  readonly value: JsonValue;
  readonly label: string;
}

export interface Field {
  /** JSON pointer of the field in the values ("" for the whole form). */
  readonly pointer: string;
  /** The property's name ("" for the whole form). */
  readonly name: string;
  readonly kind: FieldKind;
  readonly schema: Schema;
  /** The JSON types the schema allows, `null` aside (empty: any). */
  readonly types: readonly string[];
  /** In the person's language; the property's name when the schema gives no title. */
  readonly title: string;
  readonly description: string;
  readonly required: boolean;
  readonly readonly: boolean;
  readonly hidden: true | HiddenCondition | undefined;
  readonly options: readonly FieldOption[];
  readonly slider: SliderHint | undefined;
  /** The properties of an object, in the schema's order. */
  readonly fields: readonly Field[];
}

const record = (value: unknown): Record<string, unknown> => (isRecord(value) ? value : {});
const MAX_DEPTH = 64;

// ——— pointers and values ———

export const childPointer = (parent: string, name: string): string => `${parent}/${escapePointerSegment(name)}`;
export const parentPointer = (pointer: string): string => pointer.slice(0, Math.max(0, pointer.lastIndexOf("/")));
const segmentsOf = (pointer: string): string[] => (pointer === "" ? [] : pointer.split("/").slice(1).map(unescapePointerSegment));
/** `pointer` is `ancestor` or lies inside it. */
export const within = (pointer: string, ancestor: string): boolean => pointer === ancestor || pointer.startsWith(`${ancestor}/`);

/** The value at a JSON pointer, own members only (names come from charts: `__proto__` leads nowhere). */
export function valueAt(document: unknown, pointer: string): unknown {
  let current: unknown = document;
  for (const segment of segmentsOf(pointer)) {
    if (Array.isArray(current) && /^(0|[1-9][0-9]*)$/.test(segment)) current = current[Number(segment)];
    else if (isRecord(current) && Object.hasOwn(current, segment)) current = current[segment];
    else return undefined;
  }
  return current;
}

/** A copy of `document` with the value at `pointer` replaced (undefined: removed), objects created on the way. */
export function withValue(document: JsonValue | undefined, pointer: string, value: JsonValue | undefined): JsonValue | undefined {
  const segments = segmentsOf(pointer);
  const set = (node: JsonValue | undefined, depth: number): JsonValue | undefined => {
    if (depth === segments.length) return value;
    const segment = segments[depth] as string;
    const base: Record<string, JsonValue> = isRecord(node) ? { ...(node as Record<string, JsonValue>) } : {};
    const next = set(Object.hasOwn(base, segment) ? base[segment] : undefined, depth + 1);
    if (next === undefined) delete base[segment];
    // defineProperty: a member named __proto__ stays a member.
    else Object.defineProperty(base, segment, { value: next, enumerable: true, writable: true, configurable: true });
    return base;
  };
  return set(document, 0);
}

// ——— the fields of a schema ———

/** Text of a node in the person's language: `x-i18n.<lang>.<key>`, then the node's own (possibly `{en, fr}`), then English. */
function localizedText(node: Schema, key: "title" | "description", language: Language): string | undefined {
  const i18n = record(node["x-i18n"]);
  const own = record(i18n[language])[key];
  if (typeof own === "string" && own !== "") return own;
  const base = node[key];
  if (typeof base === "string") return base;
  if (isRecord(base)) {
    const text = base[language] ?? base.en;
    if (typeof text === "string") return text;
  }
  const english = record(i18n.en)[key];
  return typeof english === "string" ? english : undefined;
}

function optionLabel(node: Schema, value: JsonValue, index: number, language: Language): string {
  const i18n = record(node["x-i18n"]);
  const key = typeof value === "string" ? value : JSON.stringify(value);
  for (const lang of [language, "en"]) {
    const title = record(record(i18n[lang]).enumTitles)[key];
    if (typeof title === "string") return title;
  }
  const names = node.enumNames;
  if (Array.isArray(names) && typeof names[index] === "string") return names[index];
  return typeof value === "string" ? value : JSON.stringify(value);
}

export function typesOf(node: Schema): string[] {
  const type = node.type;
  const listed = typeof type === "string" ? [type] : Array.isArray(type) ? type.filter((t): t is string => typeof t === "string") : [];
  const types = listed.filter((t) => t !== "null");
  if (types.length > 0) return types;
  // As Onyxia: properties and items say the type too.
  if (isRecord(node.properties)) return ["object"];
  if (node.items !== undefined) return ["array"];
  return [];
}

function hintsOf(node: Schema): { hidden?: unknown; readonly?: unknown; render?: unknown; slider?: unknown } {
  return record(node["x-plateau"]);
}

function hiddenOf(node: Schema): true | HiddenCondition | undefined {
  const hidden = hintsOf(node).hidden;
  if (hidden === true) return true;
  if (isRecord(hidden) && typeof hidden.pointer === "string") {
    return { pointer: hidden.pointer, equals: (hidden.equals ?? null) as JsonValue, ...(hidden.relative === true ? { relative: true as const } : {}) };
  }
  return undefined;
}

function sliderOf(node: Schema): SliderHint | undefined {
  const slider = hintsOf(node).slider;
  if (!isRecord(slider) || typeof slider.min !== "number" || typeof slider.max !== "number") return undefined;
  return {
    min: slider.min,
    max: slider.max,
    ...(typeof slider.step === "number" && slider.step > 0 ? { step: slider.step } : {}),
    ...(typeof slider.unit === "string" ? { unit: slider.unit } : {}),
    ...(slider.extremity === "down" || slider.extremity === "up" ? { extremity: slider.extremity } : {}),
    ...(typeof slider.extremitySemantic === "string" ? { extremitySemantic: slider.extremitySemantic } : {}),
    ...(typeof slider.rangeId === "string" ? { rangeId: slider.rangeId } : {}),
  };
}

function kindOf(node: Schema, types: readonly string[], slider: SliderHint | undefined): FieldKind {
  const render = hintsOf(node).render;
  const single = types.length === 1 ? types[0] : undefined;
  if (slider !== undefined && (single === "string" || single === "number" || single === "integer")) return "slider";
  if (Array.isArray(node.enum) && node.enum.length > 0) return "select";
  if (single === "object" && isRecord(node.properties)) return "object";
  if (single === "string") return render === "password" ? "password" : render === "textArea" ? "textArea" : "text";
  if (single === "number" || single === "integer") return "number";
  if (single === "boolean") return "boolean";
  if (single === "array" && isRecord(node.items)) {
    const item = node.items;
    const itemTypes = typesOf(item);
    if (itemTypes.length === 1 && ["string", "number", "integer"].includes(itemTypes[0] as string) && !Array.isArray(item.enum)) return "list";
  }
  return "json";
}

/** An untitled property's name as a title: a plain word gets a capital (`persistence`), anything else stays as written (`nvidia.com/gpu`). */
const humanized = (name: string): string => (/^[a-z]+$/.test(name) ? `${name.charAt(0).toUpperCase()}${name.slice(1)}` : name);

/** The form of a values schema, in the person's language. */
export function buildForm(schema: Schema, language: Language): Field {
  const build = (node: Schema, name: string, pointer: string, required: boolean, depth: number): Field => {
    const types = typesOf(node);
    const slider = sliderOf(node);
    const kind = depth > MAX_DEPTH ? "json" : kindOf(node, types, slider);
    const requiredNames = new Set(Array.isArray(node.required) ? node.required.filter((n): n is string => typeof n === "string") : []);
    const fields =
      kind === "object"
        ? Object.entries(record(node.properties))
            .filter((entry): entry is [string, Record<string, unknown>] => isRecord(entry[1]))
            .map(([child, childNode]) => build(childNode, child, childPointer(pointer, child), requiredNames.has(child), depth + 1))
        : [];
    const options = Array.isArray(node.enum) ? (node.enum as JsonValue[]).map((value, i) => ({ value, label: optionLabel(node, value, i, language) })) : [];
    const title = localizedText(node, "title", language);
    const description = localizedText(node, "description", language) ?? "";
    return {
      pointer,
      name,
      kind,
      schema: node,
      types,
      // Onyxia's charts often describe a group without titling it: its description is its title then.
      title: title || (kind === "object" && description ? description : humanized(name)),
      description: title || kind !== "object" ? description : "",
      required,
      readonly: hintsOf(node).readonly === true || node.const !== undefined,
      hidden: hiddenOf(node),
      options,
      slider,
      fields,
    };
  };
  return build(schema, "", "", true, 0);
}

/** Every field by pointer (the form itself at ""). */
export function fieldsByPointer(form: Field): ReadonlyMap<string, Field> {
  const map = new Map<string, Field>();
  const walk = (field: Field) => {
    map.set(field.pointer, field);
    field.fields.forEach(walk);
  };
  walk(form);
  return map;
}

// ——— values: defaults, edits, what is sent ———

/** The values the form starts with: the schema's defaults, nested objects made of their properties' defaults. */
export function defaultsOf(field: Field): JsonValue | undefined {
  const own = field.schema.default === undefined ? undefined : (structuredClone(field.schema.default) as JsonValue);
  if (field.kind !== "object") return own;
  let value: JsonValue | undefined = isRecord(own) ? own : {};
  for (const child of field.fields) {
    const childDefault = defaultsOf(child);
    if (childDefault !== undefined) value = withValue(value, `/${escapePointerSegment(child.name)}`, childDefault);
  }
  return value;
}

/** What the person changed, by pointer: undefined removes the value (the server's default applies). */
export type Edits = Readonly<Record<string, JsonValue | undefined>>;

/** Records a change; a whole value replaces whatever was changed inside it before. */
export function edit(edits: Edits, pointer: string, value: JsonValue | undefined): Edits {
  const next: Record<string, JsonValue | undefined> = {};
  for (const [at, old] of Object.entries(edits)) if (!within(at, pointer)) next[at] = old;
  next[pointer] = value;
  return next;
}

/** The values shown: the defaults with the person's changes, outer ones first. */
export function currentValues(defaults: JsonValue | undefined, edits: Edits): JsonValue {
  let values = defaults ?? {};
  for (const pointer of Object.keys(edits).sort()) values = withValue(values, pointer, edits[pointer]) ?? {};
  return values;
}

/** Whether the field is hidden for these values (its own condition only; see `hiddenPointers` for its parents'). */
export function isHidden(field: Field, values: unknown): boolean {
  const hidden = field.hidden;
  if (hidden === undefined) return false;
  if (hidden === true) return true;
  const target = hidden.relative ? `${parentPointer(field.pointer)}${hidden.pointer}` : hidden.pointer;
  return deepEqual(valueAt(values, target), hidden.equals);
}

/** The outermost hidden fields for these values: what they hold is hidden with them. */
export function hiddenPointers(form: Field, values: unknown): string[] {
  const hidden: string[] = [];
  const walk = (field: Field) => {
    if (isHidden(field, values)) hidden.push(field.pointer);
    else field.fields.forEach(walk);
  };
  walk(form);
  return hidden;
}

/**
 * The values to send: only what the person changed in fields they can see and edit. The
 * server applies the defaults itself — and for a chart, computes them again for the platform
 * it chooses (its domain, its ingress class), so sending the preview's defaults of hidden
 * fields would be refused as changes to fields set by the platform.
 */
export function submittedValues(form: Field, edits: Edits, values: unknown): Record<string, JsonValue> {
  const fields = fieldsByPointer(form);
  const hidden = hiddenPointers(form, values);
  let out: JsonValue | undefined = {};
  for (const pointer of Object.keys(edits).sort()) {
    const value = edits[pointer];
    const field = fields.get(pointer);
    if (value === undefined || !field || field.readonly || pointer === "") continue;
    if (hidden.some((h) => within(pointer, h))) continue;
    out = withValue(out, pointer, value);
  }
  return isRecord(out) ? (out as Record<string, JsonValue>) : {};
}

// ——— what the controls read and write ———

/** The number of a slider's value (`2000m` with unit `m` → 2000), or undefined when it is not one. */
export function sliderAmount(value: unknown, unit: string | undefined): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value !== "string") return undefined;
  const suffix = unit ?? "";
  if (!value.endsWith(suffix)) return undefined;
  const digits = value.slice(0, value.length - suffix.length);
  return /^-?[0-9]+(\.[0-9]+)?$/.test(digits) ? Number(digits) : undefined;
}

/** A slider's position as the field's value: a number, or the number and its unit as text. */
export function sliderValue(field: Field, amount: number): JsonValue {
  return field.types.includes("string") ? `${amount}${field.slider?.unit ?? ""}` : amount;
}

/** A number field's text: the number, or the text itself when it is not one (the check then says so). */
export function parseNumberInput(text: string): JsonValue {
  const trimmed = text.trim();
  if (trimmed === "") return "";
  const number = Number(trimmed);
  return Number.isFinite(number) ? number : text;
}

/** A list typed one item per line; empty lines at the end are the next item being typed, not items. */
export function parseLines(text: string, itemTypes: readonly string[]): JsonValue[] {
  const lines = text.split("\n").map((line) => line.replace(/\r$/, ""));
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  const numeric = itemTypes.includes("number") || itemTypes.includes("integer");
  return lines.map((line) => (numeric ? parseNumberInput(line) : line));
}

export const formatLines = (value: unknown): string =>
  Array.isArray(value) ? value.map((item) => (typeof item === "string" ? item : JSON.stringify(item))).join("\n") : "";

/** JSON typed by the person; text that is not JSON is kept as text, which the check refuses. */
export function parseJsonInput(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return text;
  }
}

// ——— checking before sending ———

export type Rule =
  | "required"
  | "type"
  | "integer"
  | "enum"
  | "const"
  | "pattern"
  | "minLength"
  | "maxLength"
  | "minimum"
  | "maximum"
  | "exclusiveMinimum"
  | "exclusiveMaximum"
  | "multipleOf"
  | "minItems"
  | "maxItems"
  | "uniqueItems"
  | "additionalProperties"
  | "slider"
  | "sliderRange"
  | "json";

/** A broken rule: `limit` is the bound, pattern or expected type; `at` where inside the value (`/1`: a list's second item). */
export interface FieldError {
  readonly rule: Rule;
  readonly limit?: string | number;
  readonly at?: string;
}

export type FieldErrors = Readonly<Record<string, FieldError>>;

function jsonTypeMatches(type: string, value: unknown): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "boolean":
      return typeof value === "boolean";
    case "array":
      return Array.isArray(value);
    case "object":
      return isRecord(value);
    case "null":
      return value === null;
    default:
      return true;
  }
}

const regexes = new Map<string, RegExp | null>();
/** Patterns as ajv reads them (`u`); one the browser cannot compile is left to the server. */
function regexOf(pattern: string): RegExp | null {
  let regex = regexes.get(pattern);
  if (regex === undefined) {
    try {
      regex = new RegExp(pattern, "u");
    } catch {
      regex = null;
    }
    if (regexes.size > 1000) regexes.clear();
    regexes.set(pattern, regex);
  }
  return regex;
}

/** The first rule of `node` that `value` breaks, as JSON Schema draft 7 says (the subset forms need). */
export function checkValue(node: Schema, value: unknown): FieldError | undefined {
  const listed = typeof node.type === "string" ? [node.type] : Array.isArray(node.type) ? node.type.filter((t): t is string => typeof t === "string") : [];
  if (listed.length > 0 && !listed.some((type) => jsonTypeMatches(type, value))) {
    if (listed.includes("integer") && typeof value === "number") return { rule: "integer" };
    return { rule: "type", limit: listed.find((type) => type !== "null") ?? "null" };
  }
  if (node.const !== undefined && !deepEqual(node.const, value)) return { rule: "const", limit: JSON.stringify(node.const) };
  if (Array.isArray(node.enum) && node.enum.length > 0 && !node.enum.some((option) => deepEqual(option, value))) return { rule: "enum" };
  if (typeof value === "string") {
    const length = [...value].length; // code points, as JSON Schema counts
    if (typeof node.minLength === "number" && length < node.minLength) return { rule: "minLength", limit: node.minLength };
    if (typeof node.maxLength === "number" && length > node.maxLength) return { rule: "maxLength", limit: node.maxLength };
    if (typeof node.pattern === "string") {
      const regex = regexOf(node.pattern);
      if (regex && !regex.test(value)) return { rule: "pattern", limit: node.pattern };
    }
  }
  if (typeof value === "number") {
    if (typeof node.minimum === "number" && value < node.minimum) return { rule: "minimum", limit: node.minimum };
    if (typeof node.maximum === "number" && value > node.maximum) return { rule: "maximum", limit: node.maximum };
    if (typeof node.exclusiveMinimum === "number" && value <= node.exclusiveMinimum) return { rule: "exclusiveMinimum", limit: node.exclusiveMinimum };
    if (typeof node.exclusiveMaximum === "number" && value >= node.exclusiveMaximum) return { rule: "exclusiveMaximum", limit: node.exclusiveMaximum };
    if (typeof node.multipleOf === "number" && node.multipleOf > 0) {
      const quotient = value / node.multipleOf;
      if (Math.abs(quotient - Math.round(quotient)) > 1e-9) return { rule: "multipleOf", limit: node.multipleOf };
    }
  }
  if (Array.isArray(value)) {
    if (typeof node.minItems === "number" && value.length < node.minItems) return { rule: "minItems", limit: node.minItems };
    if (typeof node.maxItems === "number" && value.length > node.maxItems) return { rule: "maxItems", limit: node.maxItems };
    if (node.uniqueItems === true && value.some((item, i) => value.findIndex((other) => deepEqual(other, item)) !== i)) return { rule: "uniqueItems" };
    if (isRecord(node.items)) {
      const items = node.items;
      for (const [i, item] of value.entries()) {
        const problem = checkValue(items, item);
        if (problem) return { ...problem, at: `/${i}${problem.at ?? ""}` };
      }
    }
  }
  if (isRecord(value)) {
    const properties = record(node.properties);
    if (Array.isArray(node.required)) {
      for (const name of node.required)
        if (typeof name === "string" && !Object.hasOwn(value, name)) return { rule: "required", at: `/${escapePointerSegment(name)}` };
    }
    for (const [name, member] of Object.entries(value)) {
      const child = Object.hasOwn(properties, name) ? properties[name] : node.additionalProperties;
      if (child === false) return { rule: "additionalProperties", at: `/${escapePointerSegment(name)}` };
      if (!isRecord(child)) continue;
      const problem = checkValue(child, member);
      if (problem) return { ...problem, at: `/${escapePointerSegment(name)}${problem.at ?? ""}` };
    }
  }
  return undefined;
}

function checkField(field: Field, value: unknown): FieldError | undefined {
  // Text that did not parse as JSON, in a field that wants an object or a list.
  if (field.kind === "json" && typeof value === "string" && field.types.length > 0 && !field.types.includes("string")) return { rule: "json" };
  const slider = field.slider;
  if (field.kind === "slider" && slider !== undefined) {
    const unit = slider.unit ?? "";
    const amount = sliderAmount(value, slider.unit);
    if (amount === undefined) return typeof value === "string" ? { rule: "slider", limit: unit } : { rule: "type", limit: field.types[0] ?? "number" };
    if (amount < slider.min) return { rule: "minimum", limit: `${slider.min}${unit}` };
    if (amount > slider.max) return { rule: "maximum", limit: `${slider.max}${unit}` };
  }
  return checkValue(field.schema, value);
}

/**
 * What the person must correct before sending, by pointer: each visible, editable field's
 * first broken rule, and a range's lower end above its upper end (requests above limits), as
 * the server checks them. Hidden and read-only fields keep what the server gives them.
 */
export function validate(form: Field, values: unknown): FieldErrors {
  const errors: Record<string, FieldError> = {};
  const ends = new Map<string, { down?: { pointer: string; amount: number }; up?: { pointer: string; amount: number; text: string } }>();
  const visit = (field: Field, value: unknown) => {
    if (isHidden(field, values) || field.readonly) return;
    const empty = value === undefined || (value === "" && field.types.includes("string"));
    if (empty && field.required) {
      errors[field.pointer] = { rule: "required" };
      return;
    }
    if (value === undefined) return;
    if (field.kind === "object") {
      if (!isRecord(value)) {
        errors[field.pointer] = { rule: "type", limit: "object" };
        return;
      }
      for (const child of field.fields) visit(child, Object.hasOwn(value, child.name) ? value[child.name] : undefined);
      return;
    }
    const problem = checkField(field, value);
    if (problem) {
      errors[field.pointer] = problem;
      return;
    }
    const slider = field.slider;
    const amount = sliderAmount(value, slider?.unit);
    if (slider?.rangeId !== undefined && slider.extremity !== undefined && amount !== undefined) {
      // The two ends sit side by side: resources/requests/cpu and resources/limits/cpu.
      const key = `${slider.rangeId} ${parentPointer(parentPointer(field.pointer))}`;
      const end = slider.extremity === "down" ? { down: { pointer: field.pointer, amount } } : { up: { pointer: field.pointer, amount, text: String(value) } };
      ends.set(key, { ...ends.get(key), ...end });
    }
  };
  visit(form, values);
  for (const { down, up } of ends.values()) {
    if (down && up && down.amount > up.amount) errors[down.pointer] ??= { rule: "sliderRange", limit: up.text };
  }
  return errors;
}

// ——— the server's objections ———

export interface ServerIssue {
  readonly pointer: string;
  readonly rule: string;
  readonly message: string;
}

/**
 * The server's issues about values (`/values/size`) placed on the fields that show them: an
 * issue inside a field drawn as one control (an item of a list) goes to that field; one
 * about a field the person cannot see, or about the whole form, stays apart to be shown above.
 */
export function placeIssues(
  form: Field,
  values: unknown,
  issues: readonly ServerIssue[],
  prefix = "/values",
): { byField: Readonly<Record<string, string[]>>; unplaced: ServerIssue[] } {
  const fields = fieldsByPointer(form);
  const hidden = hiddenPointers(form, values);
  const byField: Record<string, string[]> = {};
  const unplaced: ServerIssue[] = [];
  for (const issue of issues) {
    let pointer = within(issue.pointer, prefix) ? issue.pointer.slice(prefix.length) : undefined;
    while (pointer !== undefined && pointer !== "" && !fields.has(pointer)) pointer = parentPointer(pointer);
    if (pointer === undefined || pointer === "" || hidden.some((h) => within(pointer as string, h))) {
      unplaced.push(issue);
      continue;
    }
    (byField[pointer] ??= []).push(issue.message);
  }
  return { byField, unplaced };
}

/** The first field with a problem, in the order of the form: where keyboard focus goes after a refused submit. */
export function firstInvalid(form: Field, pointers: ReadonlySet<string>): string | undefined {
  const walk = (field: Field): string | undefined => {
    if (pointers.has(field.pointer) && field.pointer !== "") return field.pointer;
    for (const child of field.fields) {
      const found = walk(child);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return walk(form);
}

/**
 * An element id for a field, one per pointer: pointers hold `/`, `.`, `~` and anything a chart
 * names, which CSS selectors and test scripts trip on. Letters and digits stay, `/` becomes
 * `-`, every other character `_<hex>_`.
 */
export const fieldId = (prefix: string, pointer: string): string =>
  `${prefix}${pointer.replace(/[^A-Za-z0-9]/g, (c) => (c === "/" ? "-" : `_${c.codePointAt(0)?.toString(16) ?? ""}_`))}`;

/** Whether any part of the field is visible: groups whose every field is hidden are not drawn. */
export function hasVisibleContent(field: Field, values: unknown): boolean {
  if (isHidden(field, values)) return false;
  if (field.kind !== "object") return true;
  return field.fields.some((child) => hasVisibleContent(child, values));
}
