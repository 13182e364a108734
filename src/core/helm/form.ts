// A chart's values.schema.json and values.yaml → the launch form of a Helm service and its
// default values, the way Onyxia computes them (the check of what a person submits is
// values.ts; the context's references, references.ts; Onyxia's approximations, conform.ts).
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
import { InputError } from "../errors.js";
import { fromYaml } from "../yaml.js";
import type { HiddenCondition, PlateauHints, SliderHint } from "../../contracts/form-hints.js";
import { deepEqual, escapePointerSegment, isRecord } from "../../contracts/json.js";
import { conform, optionsOf, sliderOf } from "./conform.js";
import { resolveOnyxiaReference } from "./references.js";
import { ITEM, MAX_DEPTH, pathPointer, setOwn, typesOf, valueAt, type JsonValue, type Path, type Schema } from "./schema-node.js";
import { validatorFor } from "./values.js";

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
    /** The SHA-256 of the init script (hex), when the region gives it. */
    readonly initScriptCheckSum?: string;
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
    /** NetworkPolicy peers allowed in besides the namespace. */
    readonly from?: readonly unknown[];
    readonly openshiftSCC?: { readonly enabled: boolean; readonly scc: string };
    /** The platform's custom values (platforms/region.ts): also merged into every chart's values. */
    readonly customValues?: Readonly<Record<string, unknown>>;
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
  /**
   * The platform's custom values (its region's `customValues`): the default of each field they
   * reach, before `overwriteDefaultWith` (the operator named that very field); a value the field
   * refuses is ignored, as a context default would be. What the form does not declare is not
   * the form's: see undeclaredValues.
   */
  readonly customValues?: Readonly<Record<string, unknown>>;
  /**
   * Whether ajv compiles the form's schema now, so that a schema it cannot use is refused here
   * (default). A launch's preview form, which only gives placement its defaults, skips it: the
   * launch's form on its platform is compiled (and refused) before anything is committed.
   */
  readonly compile?: boolean;
}

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

/**
 * The form of a chart for a person and place: its schema with Onyxia's extensions resolved
 * and the default values. Throws an InputError when the chart's schema is unusable (not JSON,
 * an external or recursive `$ref`, a schema ajv cannot compile).
 */
export function computeHelmForm(input: HelmFormInput): HelmForm {
  const raw = typeof input.valuesSchema === "string" ? parseJson(input.valuesSchema) : structuredClone(input.valuesSchema);
  if (!isRecord(raw)) throw InputError.field("", "type", "values.schema.json must be a JSON Schema object");
  const prepared = prepare(raw, raw, input.schemas ?? {}, "", 0, []);
  const yaml = input.valuesYaml === undefined ? undefined : parsedValuesYaml(input.valuesYaml);
  const { schema, value } = compute(prepared, isRecord(yaml) ? yaml : undefined, input.customValues, input.context as unknown as Schema, [], 0);
  delete schema.$schema;
  delete schema.definitions;
  delete schema.$defs;
  const defaults = isRecord(value) ? (value as Record<string, JsonValue>) : {};
  schema.default = defaults;
  if (input.compile !== false) validatorFor(schema);
  return { schema, defaults };
}

/** values.yaml texts already read, newest last: a launch computes its chart's form two or three times. */
const readValuesYaml = new Map<string, unknown>();
const MAX_READ_VALUES_YAML = 20;

/** A chart's values.yaml, parsed once per text (a copy each time: the form's defaults are built from it). */
export function parsedValuesYaml(text: string): unknown {
  let value = readValuesYaml.get(text);
  if (value === undefined) {
    value = fromYaml(text, "values.yaml");
    readValuesYaml.set(text, value);
    if (readValuesYaml.size > MAX_READ_VALUES_YAML) readValuesYaml.delete(readValuesYaml.keys().next().value as string);
  }
  return structuredClone(value);
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
function compute(node: Schema, yaml: unknown, custom: unknown, context: Schema, path: Path, depth: number, closed = true): Computed {
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
      const member = (from: unknown) => (isRecord(from) && Object.hasOwn(from, name) ? from[name] : undefined);
      const computed = compute(child, member(yaml), member(custom), context, [...path, name], depth + 1, closed);
      setOwn(properties, name, computed.schema);
      if (computed.value !== undefined) childValues.push([name, computed.value]);
    }
    out.properties = properties;
    if (closed) out.additionalProperties ??= false;
  }
  // Items are values too; other subschemas (combinators, additionalProperties…) only get their hints.
  const items = (child: unknown): unknown =>
    isRecord(child) ? compute(child, undefined, undefined, context, [...path, ITEM], depth + 1, closed).schema : child;
  const branch = (child: unknown): unknown =>
    isRecord(child) ? compute(child, undefined, undefined, context, [...path, ITEM], depth + 1, false).schema : child;
  if (Array.isArray(node.items)) out.items = node.items.map(items);
  else if (isRecord(node.items)) out.items = items(node.items);
  for (const key of SCHEMA_SINGLES) if (key !== "additionalProperties" || isRecord(node[key])) out[key] = branch(node[key]);
  for (const key of SCHEMA_LISTS) if (Array.isArray(node[key])) out[key] = (node[key] as unknown[]).map(branch);
  for (const key of ["patternProperties", "dependencies"] as const) {
    const map = node[key];
    if (isRecord(map)) out[key] = Object.fromEntries(Object.entries(map).map(([name, child]) => [name, branch(child)]));
  }
  for (const key of Object.keys(out)) if (out[key] === undefined) delete out[key];

  const value = defaultValue(node, onyxia, yaml, custom, context, path, childValues, depth);
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
  custom: unknown,
  context: Schema,
  path: Path,
  childValues: [string, JsonValue][],
  depth: number,
): JsonValue | undefined {
  if (node.const !== undefined) return node.const as JsonValue;
  const types = typesOf(node);
  if (types?.includes("object") && isRecord(node.properties)) return Object.fromEntries(childValues);

  if (custom !== undefined) {
    const conformed = conform(node, custom, context, 0);
    if (conformed !== undefined) return conformed;
  }
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
    const item = isRecord(node.items) ? compute(node.items, undefined, undefined, context, [...path, ITEM], depth + 1).value : undefined;
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
    const value = compute(template, undefined, undefined, { ...context, ...item }, [...path, ITEM], depth + 1).value;
    if (value === undefined) return undefined;
    mapped.push(value);
  }
  return mapped;
}

/**
 * The part of the platform's custom values the form does not declare (members of an object
 * whose form lists its properties and allows no others): the person cannot set them, and the
 * platform imposes them on the committed values (e.g. a `securityContext` the chart reads from
 * values.yaml but leaves out of its schema). Undefined when the form declares all of them.
 */
export function undeclaredValues(
  schema: Readonly<Record<string, unknown>>,
  customValues: Readonly<Record<string, unknown>> | undefined,
): Record<string, JsonValue> | undefined {
  const walk = (node: unknown, value: unknown, depth: number): JsonValue | undefined => {
    if (!isRecord(node) || !isRecord(value) || depth > MAX_DEPTH) return undefined;
    const properties = isRecord(node.properties) ? node.properties : undefined;
    if (!properties || node.additionalProperties !== false) return undefined; // the field takes any member: declared
    const out: Record<string, JsonValue> = {};
    for (const [name, member] of Object.entries(value)) {
      if (!Object.hasOwn(properties, name)) setOwn(out, name, structuredClone(member) as JsonValue);
      else {
        const inner = walk(properties[name], member, depth + 1);
        if (inner !== undefined) setOwn(out, name, inner);
      }
    }
    return Object.keys(out).length > 0 ? out : undefined;
  };
  return (walk(schema, customValues, 0) as Record<string, JsonValue> | undefined) ?? undefined;
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

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw InputError.field("", "json", `values.schema.json is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}
