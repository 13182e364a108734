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
  const values = structuredClone(input) as Record<string, JsonValue>;
  const issues: InputIssue[] = [];
  controlCharacterIssues(values, "/values", issues);
  const validate = validatorFor(schema);
  if (!validate(values)) issues.push(...ajvIssues(validate.errors, "/values", "is not a value of this chart's form"));
  ruleIssues(schema, values, options, issues);
  throwIssues("invalid values", issues);
  return values;
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

/** The compiled validator of a form (compiled once per schema object); an InputError when ajv cannot compile it. */
export function validatorFor(schema: Readonly<Record<string, unknown>>): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    try {
      validate = ajv.compile(schema);
    } catch (error) {
      throw InputError.field("", "schema", `values.schema.json cannot be used: ${error instanceof Error ? error.message : String(error)}`);
    }
    compiled.set(schema, validate);
  }
  return validate;
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
