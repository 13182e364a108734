// A chart's values.schema.json and values.yaml → the launch form of a Helm service and its
// default values, the way Onyxia computes them, then the check of what a person submits.
//
// Onyxia's extensions, as onyxia-web reads them (web/src/core/usecases/launcher/decoupledLogic:
// computeHelmValues, resolveXOnyxiaValueReference, resolveEnum, validateValueAgainstJSONSchema,
// computeRootFormFieldGroup) and onyxia-api applies them (JsonSchemaResolutionService):
// - `x-onyxia.overwriteDefaultWith`: the default comes from the launch context — a path
//   (`user.idep`, `a["b.c"][0]`), a template (`{{project.id}}-{{k8s.domain}}`), or an array or
//   object whose strings with `{{…}}` are templates. When it resolves to nothing, or to a value
//   the field refuses even after Onyxia's approximations ("true" → true, 2 → "2"), the schema's
//   default is kept. An array of objects is mapped item by item, each item's properties
//   defaulting to `{{<property>}}` of the item.
// - Where a default comes from, in Onyxia's order: `const`; an object with `properties` is made
//   of its properties' defaults (its own default and overwriteDefaultWith are not used); then
//   overwriteDefaultWith; then `default`; then values.yaml at the same place; then, for an
//   array, `minItems` copies of its item's default.
// - `listEnum` and `x-onyxia.overwriteListEnumWith` (then `enum`): the options of a select; the
//   value must be one of them, as Onyxia's text editor has it (they become `enum`).
// - `x-onyxia.overwriteSchemaWith`: the operator's schema of that name replaces the whole
//   node (a name Plateau is not given leaves the chart's own; Onyxia also has built-in ones).
// - `hidden` (true, or `{ value, path, isPathRelative }`: hidden while the value at that path —
//   `/`-separated, relative to the field's parent when isPathRelative — equals `value`) and
//   `x-onyxia.hidden`; `x-onyxia.readonly`; `render` (slider, list, textArea, password) with
//   `sliderMin/Max/Step/Unit`, `sliderExtremity`, `sliderRangeId`, and
//   `x-onyxia.useRegionSliderConfig` taking a slider's bounds from `region.sliders.<name>`.
//
// The form is a JSON Schema (draft 7) without Onyxia's keywords: what clients need is under
// `x-plateau` (PlateauHints), every node's `default` is the resolved one, and an object with
// `properties` accepts no other property unless it says so — as Onyxia's text editor, and
// so that values.yaml's other settings (security contexts, service accounts…) stay the chart's.
// Nothing from a chart is executed: templates are substitutions of context values.
import { controlCharacterIssues } from "../catalog/values.js";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { default as addFormats } from "ajv-formats";
import { InputError, type InputIssue } from "../errors.js";
import { fromYaml } from "../yaml.js";
import type { HiddenCondition, PlateauHints, SliderHint } from "../../contracts/form-hints.js";
import { deepEqual, escapePointerSegment, isRecord, unescapePointerSegment } from "../../contracts/json.js";

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * What Plateau knows when a person launches a service, as Onyxia's `XOnyxiaContext`: the
 * paths of `overwriteDefaultWith` read it. Charts also read `git`, `vault`, `service`
 * (`oneTimePassword`), `packageRepositoryInjection`, `ai`…: any other member is passed on.
 */
export interface HelmValuesContext {
  readonly user: {
    /** The login. */
    readonly idep: string;
    readonly name: string;
    readonly email: string;
    readonly password?: string;
    readonly ip?: string;
    readonly lang: string;
    readonly darkMode?: boolean;
    readonly [key: string]: unknown;
  };
  readonly project: { readonly id: string; readonly basename: string; readonly [key: string]: unknown };
  readonly k8s: {
    readonly domain: string;
    readonly randomSubdomain: string;
    readonly ingressClassName?: string;
    readonly ingress?: boolean;
    readonly route?: boolean;
    readonly useCertManager?: boolean;
    readonly certManagerClusterIssuer?: string;
    readonly initScriptUrl?: string;
    readonly [key: string]: unknown;
  };
  readonly region: {
    readonly resources?: {
      readonly cpuRequest?: string;
      readonly cpuLimit?: string;
      readonly memoryRequest?: string;
      readonly memoryLimit?: string;
      readonly disk?: string;
      readonly gpu?: string;
    };
    readonly sliders?: Readonly<
      Record<string, { readonly sliderMin?: number; readonly sliderMax?: number; readonly sliderStep?: number; readonly sliderUnit?: string }>
    >;
    readonly defaultNetworkPolicy?: boolean;
    readonly nodeSelector?: Readonly<Record<string, unknown>>;
    readonly tolerations?: readonly unknown[];
    readonly startupProbe?: Readonly<Record<string, unknown>>;
    readonly [key: string]: unknown;
  };
  readonly s3?: Readonly<Record<string, unknown>>;
  readonly [key: string]: unknown;
}

export type { HiddenCondition, PlateauHints, SliderHint };

/** A form: its JSON Schema and the default values (also the schema's root `default`). */
export interface HelmForm {
  readonly schema: Readonly<Record<string, unknown>>;
  readonly defaults: Record<string, JsonValue>;
}

export interface HelmFormInput {
  /** The chart's values.schema.json, as text or parsed. */
  readonly valuesSchema: string | Readonly<Record<string, unknown>>;
  /** The chart's values.yaml: defaults where the schema has none. */
  readonly valuesYaml?: string;
  readonly context: HelmValuesContext;
  /** The operator's schemas for `x-onyxia.overwriteSchemaWith`, by name (`ide/resources.json`). */
  readonly schemas?: Readonly<Record<string, unknown>>;
}

type Schema = Record<string, unknown>;
/** A path in the values: property names, and ITEM for "any item of an array". */
type Path = readonly (string | typeof ITEM)[];
const ITEM = null;

const MAX_DEPTH = 64;
const ONYXIA_KEYWORDS = new Set([
  "x-onyxia",
  "hidden",
  "render",
  "listEnum",
  "sliderMin",
  "sliderMax",
  "sliderStep",
  "sliderUnit",
  "sliderExtremity",
  "sliderExtremitySemantic",
  "sliderRangeId",
  "form",
  "x-plateau",
]);
const SCHEMA_MAPS = ["properties", "patternProperties", "dependencies"] as const;
const SCHEMA_LISTS = ["allOf", "anyOf", "oneOf"] as const;
const SCHEMA_SINGLES = ["additionalProperties", "additionalItems", "contains", "propertyNames", "not", "if", "then", "else"] as const;

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

/**
 * The form of a chart for a person and place: its schema with Onyxia's extensions resolved
 * and the default values. Throws an InputError when the chart's schema is unusable (not JSON,
 * an external or recursive `$ref`, a schema ajv cannot compile).
 */
export function computeHelmForm(input: HelmFormInput): HelmForm {
  const raw = typeof input.valuesSchema === "string" ? parseJson(input.valuesSchema) : structuredClone(input.valuesSchema);
  if (!isRecord(raw)) throw InputError.field("", "type", "values.schema.json must be a JSON Schema object");
  const prepared = prepare(raw, raw, input.schemas ?? {}, "", 0, []);
  const yaml = input.valuesYaml === undefined ? undefined : fromYaml(input.valuesYaml, "values.yaml");
  const { schema, value } = compute(prepared, isRecord(yaml) ? yaml : undefined, input.context as unknown as Schema, [], 0);
  delete schema.$schema;
  delete schema.definitions;
  delete schema.$defs;
  const defaults = isRecord(value) ? (value as Record<string, JsonValue>) : {};
  schema.default = defaults;
  validatorFor(schema);
  return { schema, defaults };
}

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
  if (!validate(values)) {
    for (const error of validate.errors ?? []) {
      // anyOf/oneOf repeat their branches' errors; keep what points at a cause.
      if (error.keyword === "anyOf" || error.keyword === "oneOf" || error.keyword === "if") continue;
      issues.push(issueFromAjv(error));
    }
  }
  ruleIssues(schema, values, options, issues);
  if (issues.length > 0) {
    const unique = issues.filter((issue, i) => issues.findIndex((other) => other.pointer === issue.pointer && other.rule === issue.rule) === i);
    const first = unique[0] as InputIssue;
    const more = unique.length > 1 ? ` (and ${unique.length - 1} more)` : "";
    throw new InputError(`invalid values: ${first.pointer} ${first.message} [${first.rule}]${more}`, unique);
  }
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

/**
 * Resolves an `overwriteDefaultWith` (or `overwriteListEnumWith`) expression against a
 * context, as Onyxia does; undefined when a path it names is missing.
 */
export function resolveOnyxiaReference(expression: unknown, context: Readonly<Record<string, unknown>>): JsonValue | undefined {
  if (typeof expression === "string") {
    const whole = /^\{\{([^}]+)\}\}$/.exec(expression);
    if (whole) return lookup(whole[1] as string, context);
    if (expression.includes("{{")) return substitute(expression, context);
    return lookup(expression, context);
  }
  if (typeof expression === "number" || typeof expression === "boolean" || expression === null) return expression;
  if (Array.isArray(expression) || isRecord(expression)) return resolveNested(expression, context, 0);
  return undefined;
}

// ——— preparing the schema: references and the operator's schemas ———

function prepare(node: Schema, root: Schema, schemas: Readonly<Record<string, unknown>>, pointer: string, depth: number, expanding: readonly string[]): Schema {
  if (depth > MAX_DEPTH) throw InputError.field(pointer, "depth", "values.schema.json is nested too deeply");
  const name = isRecord(node["x-onyxia"]) ? node["x-onyxia"].overwriteSchemaWith : undefined;
  if (depth > 0 && typeof name === "string" && Object.hasOwn(schemas, name)) {
    if (expanding.includes(`schema:${name}`)) throw InputError.field(pointer, "overwriteSchemaWith", `the schema "${name}" replaces a part of itself`);
    const replacement = structuredClone(schemas[name]);
    if (!isRecord(replacement)) throw InputError.field(pointer, "overwriteSchemaWith", `the operator's schema "${name}" is not a JSON Schema object`);
    // The replacement is a document of its own: its references are to itself.
    return prepare(replacement, replacement, schemas, pointer, depth + 1, [...expanding, `schema:${name}`]);
  }
  if (typeof node.$ref === "string") {
    const ref = node.$ref;
    if (!ref.startsWith("#")) throw InputError.field(`${pointer}/$ref`, "$ref", `only references within the schema are followed, not ${ref}`);
    if (expanding.includes(`ref:${ref}`)) throw InputError.field(`${pointer}/$ref`, "$ref", `${ref} refers to itself`);
    const target = valueAt(root, decodeURIComponent(ref.slice(1)));
    if (!isRecord(target)) throw InputError.field(`${pointer}/$ref`, "$ref", `${ref} names nothing in the schema`);
    const { $ref: _ignored, ...siblings } = node;
    // As onyxia-api merges them: the target's keywords over the reference's siblings.
    return prepare({ ...siblings, ...structuredClone(target) }, root, schemas, pointer, depth + 1, [...expanding, `ref:${ref}`]);
  }
  const out: Schema = {};
  for (const [key, value] of Object.entries(node)) if (key !== "definitions" && key !== "$defs") setOwn(out, key, value); // references are inlined
  const child = (value: unknown, at: string) => (isRecord(value) ? prepare(value, root, schemas, at, depth + 1, expanding) : value);
  for (const key of SCHEMA_MAPS) {
    const map = node[key];
    if (!isRecord(map)) continue;
    // Values become plain objects along the way (ajv's defaults, merges): a member named __proto__ would be their prototype.
    if (key === "properties" && Object.hasOwn(map, "__proto__"))
      throw InputError.field(`${pointer}/properties/__proto__`, "property-name", "__proto__ cannot name a value");
    out[key] = Object.fromEntries(Object.entries(map).map(([name, value]) => [name, child(value, `${pointer}/${key}/${escapePointerSegment(name)}`)]));
  }
  for (const key of SCHEMA_LISTS) {
    const list = node[key];
    if (Array.isArray(list)) out[key] = list.map((value, i) => child(value, `${pointer}/${key}/${i}`));
  }
  for (const key of SCHEMA_SINGLES) if (isRecord(node[key])) out[key] = child(node[key], `${pointer}/${key}`);
  if (Array.isArray(node.items)) out.items = node.items.map((value, i) => child(value, `${pointer}/items/${i}`));
  else if (isRecord(node.items)) out.items = child(node.items, `${pointer}/items`);
  return out;
}

// ——— computing the form ———

interface Computed {
  readonly schema: Schema;
  readonly value: JsonValue | undefined;
}

/**
 * The node's form schema and default. `closed`: on the path of the values themselves (not in
 * a combinator's branch), where an object's `properties` are all the object may hold.
 */
function compute(node: Schema, yaml: unknown, context: Schema, path: Path, depth: number, closed = true): Computed {
  if (depth > MAX_DEPTH) throw InputError.field(pathPointer(path), "depth", "values.schema.json is nested too deeply");
  const onyxia = isRecord(node["x-onyxia"]) ? node["x-onyxia"] : {};
  const slider = sliderOf(node, onyxia, context);
  const options = optionsOf(node, context);
  const out: Schema = {};
  for (const [key, value] of Object.entries(node)) if (!ONYXIA_KEYWORDS.has(key)) setOwn(out, key, value);

  // Subschemas, with their own defaults and hints.
  const childValues: [string, JsonValue][] = [];
  if (isRecord(node.properties)) {
    const properties: Schema = {};
    for (const [name, child] of Object.entries(node.properties)) {
      if (!isRecord(child)) {
        setOwn(properties, name, child); // a boolean schema
        continue;
      }
      const computed = compute(child, isRecord(yaml) && Object.hasOwn(yaml, name) ? yaml[name] : undefined, context, [...path, name], depth + 1, closed);
      setOwn(properties, name, computed.schema);
      if (computed.value !== undefined) childValues.push([name, computed.value]);
    }
    out.properties = properties;
    if (closed) out.additionalProperties ??= false;
  }
  // Items are values too; other subschemas (combinators, additionalProperties…) only get their hints.
  const items = (child: unknown): unknown => (isRecord(child) ? compute(child, undefined, context, [...path, ITEM], depth + 1, closed).schema : child);
  const branch = (child: unknown): unknown => (isRecord(child) ? compute(child, undefined, context, [...path, ITEM], depth + 1, false).schema : child);
  if (Array.isArray(node.items)) out.items = node.items.map(items);
  else if (isRecord(node.items)) out.items = items(node.items);
  for (const key of SCHEMA_SINGLES) if (key !== "additionalProperties" || isRecord(node[key])) out[key] = branch(node[key]);
  for (const key of SCHEMA_LISTS) if (Array.isArray(node[key])) out[key] = (node[key] as unknown[]).map(branch);
  for (const key of ["patternProperties", "dependencies"] as const) {
    const map = node[key];
    if (isRecord(map)) out[key] = Object.fromEntries(Object.entries(map).map(([name, child]) => [name, branch(child)]));
  }
  for (const key of Object.keys(out)) if (out[key] === undefined) delete out[key];

  const value = defaultValue(node, onyxia, yaml, context, path, childValues, depth);
  if (value === undefined) delete out.default;
  else out.default = value;
  if (options !== undefined) out.enum = options;

  const hints = hintsFor(node, onyxia, path, slider, options);
  if (Object.keys(hints).length > 0) out["x-plateau"] = hints;
  return { schema: out, value };
}

function defaultValue(
  node: Schema,
  onyxia: Schema,
  yaml: unknown,
  context: Schema,
  path: Path,
  childValues: [string, JsonValue][],
  depth: number,
): JsonValue | undefined {
  if (node.const !== undefined) return node.const as JsonValue;
  const types = typesOf(node);
  if (types?.includes("object") && isRecord(node.properties)) return Object.fromEntries(childValues);

  if (onyxia.overwriteDefaultWith !== undefined) {
    let resolved = resolveOnyxiaReference(onyxia.overwriteDefaultWith, context);
    if (Array.isArray(resolved) && types?.includes("array")) resolved = mapItems(node, resolved, context, path, depth) ?? resolved;
    const conformed = resolved === undefined ? undefined : conform(node, resolved, context, 0);
    if (conformed !== undefined) return conformed;
  }
  if (node.default !== undefined && deepEqual(conform(node, node.default, context, 0), node.default)) return node.default as JsonValue;
  if (yaml !== undefined) {
    const conformed = conform(node, yaml, context, 0);
    if (conformed !== undefined && deepEqual(conformed, yaml)) return conformed;
  }
  if (types?.includes("array")) {
    const minItems = typeof node.minItems === "number" ? node.minItems : 0;
    if (minItems === 0) return [];
    const item = isRecord(node.items) ? compute(node.items, undefined, context, [...path, ITEM], depth + 1).value : undefined;
    return item === undefined ? undefined : Array.from({ length: Math.min(minItems, 1000) }, () => structuredClone(item));
  }
  return undefined;
}

/** Onyxia's mapping of an array of objects from the context: each item's properties default to `{{<property>}}` of the item. */
function mapItems(node: Schema, resolved: JsonValue[], context: Schema, path: Path, depth: number): JsonValue[] | undefined {
  const items = node.items;
  if (!isRecord(items) || !isRecord(items.properties) || !typesOf(items)?.includes("object")) return undefined;
  const template = structuredClone(items);
  for (const [name, property] of Object.entries(template.properties as Schema)) {
    if (!isRecord(property)) continue;
    const onyxia = isRecord(property["x-onyxia"]) ? property["x-onyxia"] : {};
    property["x-onyxia"] = { ...onyxia, overwriteDefaultWith: onyxia.overwriteDefaultWith ?? `{{${name}}}` };
  }
  const mapped: JsonValue[] = [];
  for (const item of resolved) {
    if (!isRecord(item)) return undefined;
    // The item's members shadow the context's, as Onyxia's Proxy does.
    const value = compute(template, undefined, { ...context, ...item }, [...path, ITEM], depth + 1).value;
    if (value === undefined) return undefined;
    mapped.push(value);
  }
  return mapped;
}

function hintsFor(node: Schema, onyxia: Schema, path: Path, slider: SliderHint | undefined, options: JsonValue[] | undefined): PlateauHints {
  const hints: { -readonly [K in keyof PlateauHints]: PlateauHints[K] } = {};
  const hidden = node.hidden;
  if (hidden === true || onyxia.hidden === true) hints.hidden = true;
  else if (isRecord(hidden) && typeof hidden.path === "string") {
    const segments = hidden.path.split("/").filter((segment) => segment !== "");
    const relative = hidden.isPathRelative === true;
    const base = relative ? path.slice(0, -1) : [];
    const equals = (hidden.value ?? null) as JsonValue;
    // Under an array's items the field's place is not one pointer: the condition stays relative.
    hints.hidden = base.includes(ITEM) ? { pointer: pathPointer(segments), equals, relative: true } : { pointer: pathPointer([...base, ...segments]), equals };
  }
  if (onyxia.readonly === true) hints.readonly = true;
  if (options !== undefined) hints.render = "list";
  else if (slider !== undefined) hints.render = "slider";
  else if (node.render === "textArea" || node.render === "password") hints.render = node.render;
  if (slider !== undefined) hints.slider = slider;
  return hints;
}

/** The slider of a field: its own bounds, or the region's when it names a region slider. */
function sliderOf(node: Schema, onyxia: Schema, context: Schema): SliderHint | undefined {
  const region = isRecord(context.region) ? context.region : {};
  const named = typeof onyxia.useRegionSliderConfig === "string" && isRecord(region.sliders) ? region.sliders[onyxia.useRegionSliderConfig] : undefined;
  const fromRegion = isRecord(named) ? named : {};
  const pick = (key: string): unknown => (fromRegion[key] !== undefined ? fromRegion[key] : node[key]);
  const min = pick("sliderMin");
  const max = pick("sliderMax");
  if (typeof min !== "number" || typeof max !== "number") return undefined;
  const step = pick("sliderStep");
  const unit = pick("sliderUnit");
  const extremity = node.sliderExtremity;
  return {
    min,
    max,
    ...(typeof step === "number" ? { step } : {}),
    ...(typeof unit === "string" ? { unit } : {}),
    ...(extremity === "down" || extremity === "up" ? { extremity } : {}),
    ...(typeof node.sliderExtremitySemantic === "string" ? { extremitySemantic: node.sliderExtremitySemantic } : {}),
    ...(typeof node.sliderRangeId === "string" ? { rangeId: node.sliderRangeId } : {}),
  };
}

/** The options of a select: overwriteListEnumWith, else listEnum, else enum (Onyxia's resolveEnum). */
function optionsOf(node: Schema, context: Schema): JsonValue[] | undefined {
  const onyxia = isRecord(node["x-onyxia"]) ? node["x-onyxia"] : {};
  if (onyxia.overwriteListEnumWith !== undefined) {
    const resolved = resolveOnyxiaReference(onyxia.overwriteListEnumWith, context);
    if (Array.isArray(resolved)) {
      const options = resolved.flatMap((option) => conformType(node, option, context, 0) ?? []);
      if (options.length > 0) return options;
    }
  }
  for (const key of ["listEnum", "enum"] as const) {
    const list = node[key];
    if (!Array.isArray(list) || list.length === 0) continue;
    if (list.every((option) => deepEqual(conformType(node, option, context, 0), option))) return list as JsonValue[];
  }
  return undefined;
}

// ——— Onyxia's light validation, with its "reasonable approximations" ———

/** The value as the field takes it (approximated: "true" → true, 2 → "2"…), or undefined when it does not fit. */
function conform(node: Schema, value: unknown, context: Schema, depth: number): JsonValue | undefined {
  const result = conformType(node, value, context, depth);
  if (result === undefined) return undefined;
  const options = optionsOf(node, context);
  if (options !== undefined && !options.some((option) => deepEqual(option, result))) return undefined;
  return result;
}

function conformType(node: Schema, value: unknown, context: Schema, depth: number): JsonValue | undefined {
  if (depth > MAX_DEPTH || value === undefined) return undefined;
  if (node.const !== undefined) return deepEqual(value, node.const) ? (value as JsonValue) : undefined;
  const types = typesOf(node);
  if (types === undefined) return isJson(value, 0) ? value : undefined;
  if (value === null && types.includes("null")) return null;
  const natural = jsonType(value);
  const target = types.includes(natural) ? natural : natural === "integer" && types.includes("number") ? "number" : types.find((type) => type !== "null");
  const onyxia = isRecord(node["x-onyxia"]) ? node["x-onyxia"] : {};
  const slider = sliderOf(node, onyxia, context);
  switch (target) {
    case "string": {
      const text =
        typeof value === "string" ? value : typeof value === "number" || typeof value === "boolean" ? String(value) : value === null ? "" : undefined;
      return text !== undefined && stringFits(node, text, slider) ? text : undefined;
    }
    case "boolean": {
      if (typeof value === "boolean") return value;
      if (typeof value === "number") return value !== 0;
      if (value === null) return false;
      if (typeof value !== "string") return undefined;
      const lower = value.toLowerCase();
      if (["true", "yes", "1", "on"].includes(lower)) return true;
      if (["false", "no", "0", "off"].includes(lower)) return false;
      return undefined;
    }
    case "number":
    case "integer": {
      const number =
        typeof value === "number"
          ? value
          : typeof value === "boolean"
            ? Number(value)
            : value === null
              ? 0
              : typeof value === "string" && value.trim() !== ""
                ? Number(value)
                : NaN;
      return Number.isFinite(number) && numberFits(node, number, target === "integer", slider) ? number : undefined;
    }
    case "array": {
      if (!Array.isArray(value)) return undefined;
      if ((typeof node.minItems === "number" && value.length < node.minItems) || (typeof node.maxItems === "number" && value.length > node.maxItems))
        return undefined;
      if (!isRecord(node.items)) return isJson(value, 0) ? value : undefined;
      const items: JsonValue[] = [];
      for (const item of value) {
        const conformed = conform(node.items, item, context, depth + 1);
        if (conformed === undefined) return undefined;
        items.push(conformed);
      }
      return items;
    }
    case "object": {
      if (!isRecord(value)) return undefined;
      if (!isRecord(node.properties)) return isJson(value, 0) ? value : undefined;
      const entries: [string, JsonValue][] = [];
      for (const [name, child] of Object.entries(node.properties)) {
        if (!Object.hasOwn(value, name)) return undefined; // Onyxia wants every property
        const conformed = isRecord(child) ? conform(child, value[name], context, depth + 1) : isJson(value[name], 0) ? value[name] : undefined;
        if (conformed === undefined) return undefined;
        entries.push([name, conformed]);
      }
      // Other members are dropped (Onyxia's approximation), unless the schema lets objects have them.
      if (node.additionalProperties !== undefined && node.additionalProperties !== false) {
        for (const [name, member] of Object.entries(value)) if (!Object.hasOwn(node.properties, name) && isJson(member, 0)) entries.push([name, member]);
      }
      return Object.fromEntries(entries);
    }
    default:
      return undefined;
  }
}

function stringFits(node: Schema, text: string, slider: SliderHint | undefined): boolean {
  if (typeof node.pattern === "string") {
    const pattern = regexOf(node.pattern);
    if (pattern === undefined || !pattern.test(text)) return false;
  }
  const length = [...text].length;
  if (typeof node.minLength === "number" && length < node.minLength) return false;
  if (typeof node.maxLength === "number" && length > node.maxLength) return false;
  if (slider?.unit !== undefined) {
    const amount = sliderAmount(text, slider.unit);
    if (amount === undefined || amount < slider.min || amount > slider.max) return false;
  }
  return true;
}

function numberFits(node: Schema, number: number, integer: boolean, slider: SliderHint | undefined): boolean {
  if (integer && !Number.isInteger(number)) return false;
  if (typeof node.minimum === "number" && number < node.minimum) return false;
  if (typeof node.maximum === "number" && number > node.maximum) return false;
  if (typeof node.exclusiveMinimum === "number" && number <= node.exclusiveMinimum) return false;
  if (typeof node.exclusiveMaximum === "number" && number >= node.exclusiveMaximum) return false;
  if (slider !== undefined && (number < slider.min || number > slider.max)) return false;
  return true;
}

/** The number of a slider's value (`2000m` with unit `m` → 2000), or undefined. */
function sliderAmount(text: string, unit: string): number | undefined {
  if (!text.endsWith(unit)) return undefined;
  const digits = text.slice(0, text.length - unit.length);
  if (!/^[0-9]+(\.[0-9]+)?$/.test(digits)) return undefined;
  return Number(digits);
}

const regexes = new Map<string, RegExp | undefined>();
function regexOf(pattern: string): RegExp | undefined {
  if (!regexes.has(pattern)) {
    let regex: RegExp | undefined;
    try {
      regex = new RegExp(pattern, "u");
    } catch {
      regex = undefined; // ajv refuses the schema when it compiles it
    }
    if (regexes.size > 10_000) regexes.clear();
    regexes.set(pattern, regex);
  }
  return regexes.get(pattern);
}

// ——— references into the context ———

/** A path as Onyxia writes them: `a.b`, `a[0]`, `a["b.c"]`, `a['b']`; undefined when malformed. */
function parsePath(path: string): (string | number)[] | undefined {
  const segments: (string | number)[] = [];
  const text = path.trim();
  let i = 0;
  while (i < text.length) {
    if (text[i] === "[") {
      const close = text.indexOf("]", i);
      if (close === -1) return undefined;
      const inside = text.slice(i + 1, close);
      const quoted = /^"([^"]*)"$|^'([^']*)'$/.exec(inside);
      if (/^[0-9]+$/.test(inside)) segments.push(Number(inside));
      else if (quoted) segments.push((quoted[1] ?? quoted[2]) as string);
      else return undefined;
      i = close + 1;
      if (text[i] === ".") i++;
      continue;
    }
    let end = i;
    while (end < text.length && text[end] !== "." && text[end] !== "[") end++;
    const name = text.slice(i, end);
    if (name === "") return undefined;
    segments.push(name);
    i = end < text.length && text[end] === "." ? end + 1 : end;
  }
  return segments.length > 0 ? segments : undefined;
}

/** The value at a path of the context: own members only, so that `constructor` or `__proto__` lead nowhere. */
function lookup(path: string, context: Readonly<Record<string, unknown>>): JsonValue | undefined {
  const segments = parsePath(path);
  if (segments === undefined) return undefined;
  let current: unknown = context;
  for (const segment of segments) {
    if (typeof segment === "number") {
      if (!Array.isArray(current) || segment >= current.length) return undefined;
      current = current[segment];
    } else {
      if (!isRecord(current) || !Object.hasOwn(current, segment)) return undefined;
      current = current[segment];
    }
  }
  return isJson(current, 0) ? structuredClone(current) : undefined;
}

function substitute(template: string, context: Readonly<Record<string, unknown>>): string | undefined {
  let missing = false;
  const result = template.replace(/\{\{([^}]+)\}\}/g, (_match, path: string) => {
    const value = lookup(path, context);
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return String(value);
    missing = true;
    return "";
  });
  return missing ? undefined : result;
}

/** Arrays and objects: their strings with `{{…}}` are templates, the rest is kept as written. */
function resolveNested(value: unknown, context: Readonly<Record<string, unknown>>, depth: number): JsonValue | undefined {
  if (depth > MAX_DEPTH) return undefined;
  if (typeof value === "string") return value.includes("{{") ? resolveOnyxiaReference(value, context) : value;
  if (Array.isArray(value)) {
    const items: JsonValue[] = [];
    for (const item of value) {
      const resolved = resolveNested(item, context, depth + 1);
      if (resolved === undefined) return undefined;
      items.push(resolved);
    }
    return items;
  }
  if (isRecord(value)) {
    const entries: [string, JsonValue][] = [];
    for (const [name, item] of Object.entries(value)) {
      const resolved = resolveNested(item, context, depth + 1);
      if (resolved === undefined) return undefined;
      entries.push([name, resolved]);
    }
    return Object.fromEntries(entries);
  }
  return isJson(value, 0) ? value : undefined;
}

// ——— checking submitted values ———

function validatorFor(schema: Readonly<Record<string, unknown>>): ValidateFunction {
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

function issueFromAjv(error: ErrorObject): InputIssue {
  const params = error.params as Record<string, unknown>;
  // Point at the offending property itself rather than its parent object.
  const extra = error.keyword === "additionalProperties" ? `/${escapePointerSegment(String(params.additionalProperty))}` : "";
  const missing = error.keyword === "required" ? `/${escapePointerSegment(String(params.missingProperty))}` : "";
  const pointer = `/values${error.instancePath}${extra}${missing}`;
  let message = error.message ?? "is invalid";
  if (error.keyword === "enum") message = `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
  if (error.keyword === "additionalProperties") message = "is not a value of this chart's form";
  if (error.keyword === "required") message = "is required";
  return { pointer, rule: error.keyword, message };
}

// ——— small helpers ———

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw InputError.field("", "json", `values.schema.json is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function typesOf(node: Schema): string[] | undefined {
  if (typeof node.type === "string") return [node.type];
  if (Array.isArray(node.type)) return node.type.filter((type): type is string => typeof type === "string");
  // Onyxia infers a type from `const`; properties and items say it too.
  if (node.const !== undefined) return [jsonType(node.const)];
  if (isRecord(node.properties)) return ["object"];
  if (node.items !== undefined) return ["array"];
  return undefined;
}

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function isJson(value: unknown, depth: number): value is JsonValue {
  if (depth > MAX_DEPTH) return false;
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((item) => isJson(item, depth + 1));
  if (isRecord(value)) return Object.values(value).every((item) => isJson(item, depth + 1));
  return false;
}

/** Sets a member even when its name is `__proto__`: names come from charts. */
function setOwn(object: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
}

function pathPointer(path: Path): string {
  return path.map((segment) => `/${segment === ITEM ? "-" : escapePointerSegment(segment)}`).join("");
}

/** The value at a JSON pointer (`/service/image/version`), own members only, or undefined. */
function valueAt(document: unknown, pointer: string): unknown {
  if (pointer === "") return document;
  let current: unknown = document;
  for (const raw of pointer.split("/").slice(1)) {
    const segment = unescapePointerSegment(raw);
    if (Array.isArray(current) && /^(0|[1-9][0-9]*)$/.test(segment)) current = current[Number(segment)];
    else if (isRecord(current) && Object.hasOwn(current, segment)) current = current[segment];
    else return undefined;
  }
  return current;
}
