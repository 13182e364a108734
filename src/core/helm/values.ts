// The check of the values a person submits for a Helm chart, against the form's schema
// (form.ts) and Plateau's rules that JSON Schema cannot say: readonly and hidden fields, slider
// bounds, and the two ends of a range.
import { ajvIssues, controlCharacterIssues, throwIssues } from "../catalog/values.js";
import { Ajv, type ValidateFunction } from "ajv";
import { default as addFormats } from "ajv-formats";
import { InputError, type InputIssue } from "../errors.js";
import type { HiddenCondition, PlateauHints } from "../../contracts/form-hints.js";
import { deepEqual, escapePointerSegment, isRecord } from "../../contracts/json.js";
import { sliderAmount } from "./conform.js";
import { MAX_DEPTH, valueAt, type JsonValue, type Schema } from "./schema-node.js";

const ajv = new Ajv({
  allErrors: true,
  useDefaults: true,
  coerceTypes: false,
  strict: false, // charts carry keywords ajv does not know (x-plateau, title…)
  validateFormats: true,
  logger: false, // an unknown format is ignored, not printed
});
addFormats.default(ajv);
const compiled = new WeakMap<object, ValidateFunction>();

export interface CheckHelmValuesOptions {
  /**
   * Fields always hidden (`hidden: true`, `x-onyxia.hidden`) keep their defaults too, as
   * readonly ones. Onyxia lets its text editor change them; they often hold what the platform
   * decides (ingress hostnames and class, tolerations, network policies).
   */
  readonly lockHidden?: boolean;
}

/**
 * The values to install: the person's values over the form's defaults, checked against the
 * form's schema and Plateau's rules (readonly fields, slider bounds, a range's lower end not
 * above its upper end). Throws an InputError listing each problem, by pointer under `/values`.
 */
export function checkHelmValues(schema: Readonly<Record<string, unknown>>, input: unknown, options: CheckHelmValuesOptions = {}): Record<string, JsonValue> {
  if (!isRecord(input)) throw InputError.field("/values", "type", "must be an object");
  // The form's defaults under the person's values, object by object (what ajv's defaults would fill, and what the cached validator leaves to this).
  const values = mergeOver(isRecord(schema.default) ? schema.default : {}, input) as Record<string, JsonValue>;
  const issues: InputIssue[] = [];
  controlCharacterIssues(values, "/values", issues);
  const validate = validatorFor(schema);
  if (!validate(values)) issues.push(...ajvIssues(validate.errors, "/values", "is not a value of this chart's form"));
  ruleIssues(schema, values, options, issues);
  throwIssues("invalid values", issues);
  return values;
}

/** `over` merged onto a copy of `base`, object by object (arrays and scalars replace). */
export function mergeOver(base: unknown, over: unknown): unknown {
  if (!isRecord(base) || !isRecord(over)) return structuredClone(over);
  const out: Record<string, unknown> = structuredClone(base);
  for (const [key, value] of Object.entries(over)) {
    // Defined, not assigned: a key `__proto__` is a field (refused by the schema), never the object's prototype.
    Object.defineProperty(out, key, {
      value: Object.hasOwn(base, key) ? mergeOver(base[key], value) : structuredClone(value),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/** The pointers of the fields a form hides for these values (the outermost ones: what they hold is hidden with them). */
export function hiddenPointers(schema: Readonly<Record<string, unknown>>, values: unknown): string[] {
  const hidden: string[] = [];
  const walk = (node: unknown, value: unknown, pointer: string, depth: number): void => {
    if (!isRecord(node) || depth > MAX_DEPTH) return;
    const condition = hintsOf(node).hidden;
    if (condition === true || (condition !== undefined && deepEqual(conditionValue(condition, values, pointer), condition.equals))) {
      hidden.push(pointer);
      return;
    }
    forEachChild(node, value, pointer, (child, childValue, childPointer) => walk(child, childValue, childPointer, depth + 1));
  };
  walk(schema, values, "", 0);
  return hidden;
}

/**
 * The compiled validator of a form; an InputError when ajv cannot compile it. Compiling is
 * most of a launch's own time, and each launch's form is a new schema (its defaults hold the
 * launch's host names, its instance's placeholders…), so validators are kept by what they
 * check: the schema without the defaults ajv never uses. The values checked are the form's
 * defaults with the person's merged in object by object, so a property ajv could fill is
 * there already — except in the items of an array the person gave, whose defaults stay.
 */
export function validatorFor(schema: Readonly<Record<string, unknown>>): ValidateFunction {
  let validate = compiled.get(schema);
  if (validate) return validate;
  const checked = withoutMergedDefaults(schema);
  const key = JSON.stringify(checked);
  validate = byContent.get(key);
  if (validate)
    byContent.delete(key); // kept as the most recent
  else {
    try {
      validate = ajv.compile(checked);
    } catch (error) {
      throw InputError.field("", "schema", `values.schema.json cannot be used: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  byContent.set(key, validate);
  if (byContent.size > MAX_VALIDATORS) byContent.delete(byContent.keys().next().value as string);
  compiled.set(schema, validate);
  return validate;
}

/** How many validators are kept by content (a form per chart version, platform, pool and person's context). */
const MAX_VALIDATORS = 64;
const byContent = new Map<string, ValidateFunction>();

/** Keywords holding schemas by name, a list of schemas, or one schema: where defaults are looked for (never in data: enum, const). */
const SCHEMA_MAPS = new Set(["properties", "patternProperties", "definitions", "$defs"]);
const SCHEMA_LISTS = new Set(["allOf", "anyOf", "oneOf"]);
const SCHEMA_ONE = new Set(["additionalProperties", "not", "if", "then", "else", "propertyNames", "contains"]);

/** The schema without the `default`s outside `items` (those the merge of the form's defaults already filled in), nor Plateau's hints. */
function withoutMergedDefaults(node: Readonly<Record<string, unknown>>, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const strip = (value: unknown) => (isRecord(value) && depth < MAX_DEPTH * 4 ? withoutMergedDefaults(value, depth + 1) : value);
  for (const [key, value] of Object.entries(node)) {
    if (key === "default" || key === "x-plateau") continue;
    // An item's defaults fill what an item the person added lacks: `items` is kept whole.
    if (SCHEMA_MAPS.has(key) && isRecord(value)) out[key] = Object.fromEntries(Object.entries(value).map(([name, child]) => [name, strip(child)]));
    else if (SCHEMA_LISTS.has(key) && Array.isArray(value)) out[key] = value.map(strip);
    else if (SCHEMA_ONE.has(key)) out[key] = strip(value);
    else out[key] = value;
  }
  return out;
}

/** Plateau's rules, which JSON Schema cannot say: readonly fields, sliders, and ranges. */
function ruleIssues(schema: Readonly<Record<string, unknown>>, values: unknown, options: CheckHelmValuesOptions, issues: InputIssue[]): void {
  const ends = new Map<string, { down?: { pointer: string; amount: number }; up?: { pointer: string; amount: number } }>();
  const walk = (node: unknown, value: unknown, pointer: string, depth: number): void => {
    if (!isRecord(node) || depth > MAX_DEPTH || value === undefined) return;
    const hints = hintsOf(node);
    // What the form set there; in an item the person added, what the item's schema says.
    const expected = valueAt(schema.default, pointer) ?? node.default;
    if (expected !== undefined && !deepEqual(value, expected)) {
      if (hints.readonly) issues.push({ pointer: `/values${pointer}`, rule: "readonly", message: "is set by the platform and cannot be changed" });
      else if (options.lockHidden && hints.hidden === true) {
        issues.push({ pointer: `/values${pointer}`, rule: "hidden", message: "is hidden from the form and set by the platform" });
        return; // what it holds is locked with it
      }
    }
    const slider = hints.slider;
    if (slider !== undefined && (typeof value === "number" || typeof value === "string")) {
      const amount = typeof value === "number" ? value : slider.unit === undefined ? undefined : sliderAmount(value, slider.unit);
      const unit = slider.unit ?? "";
      if (typeof value === "string" && slider.unit !== undefined && amount === undefined) {
        issues.push({ pointer: `/values${pointer}`, rule: "slider", message: `must be a number followed by "${unit}"` });
      } else if (amount !== undefined && (amount < slider.min || amount > slider.max)) {
        issues.push({ pointer: `/values${pointer}`, rule: "slider", message: `must be between ${slider.min}${unit} and ${slider.max}${unit}` });
      } else if (amount !== undefined && slider.rangeId !== undefined && slider.extremity !== undefined) {
        // The two ends of a range sit side by side: resources/requests/cpu and resources/limits/cpu.
        const key = `${slider.rangeId} ${pointer.split("/").slice(0, -2).join("/")}`;
        ends.set(key, { ...ends.get(key), [slider.extremity]: { pointer, amount } });
      }
    }
    forEachChild(node, value, pointer, (child, childValue, childPointer) => walk(child, childValue, childPointer, depth + 1));
  };
  walk(schema, values, "", 0);
  for (const { down, up } of ends.values()) {
    if (down !== undefined && up !== undefined && down.amount > up.amount) {
      issues.push({ pointer: `/values${down.pointer}`, rule: "slider-range", message: `must not be above ${up.pointer}` });
    }
  }
}

function forEachChild(node: Schema, value: unknown, pointer: string, visit: (child: unknown, value: unknown, pointer: string) => void): void {
  if (isRecord(node.properties) && isRecord(value)) {
    for (const [name, child] of Object.entries(node.properties))
      if (Object.hasOwn(value, name)) visit(child, value[name], `${pointer}/${escapePointerSegment(name)}`);
  }
  if (isRecord(node.items) && Array.isArray(value)) value.forEach((item, i) => visit(node.items, item, `${pointer}/${i}`));
}

function conditionValue(condition: HiddenCondition, values: unknown, fieldPointer: string): unknown {
  if (!condition.relative) return valueAt(values, condition.pointer);
  const parent = fieldPointer.split("/").slice(0, -1).join("/");
  return valueAt(values, `${parent}${condition.pointer}`);
}

const hintsOf = (node: Schema): PlateauHints => (isRecord(node["x-plateau"]) ? (node["x-plateau"] as PlateauHints) : {});
