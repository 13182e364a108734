// Custom resources Plateau renders (Argo CD applications, OpenShift routes, alerting rules,
// backups, buckets) are checked against the CRDs their controllers install, the way the API
// server checks them, before anything is committed. The CRDs are data (`schemas/`), read by an
// adapter; this module only compiles and applies them.
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { default as addFormats } from "ajv-formats";
import { InputError, type InputIssue } from "../errors.js";
import type { KubeObject } from "./kube.js";
import { escapePointerSegment } from "../../contracts/json.js";

/** One served version of a CRD: the `openAPIV3Schema` of `<group>/<version>` `<kind>`. */
export interface CrdSchema {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly schema: object;
}

export interface CrdValidator {
  /** True when a schema of this kind was given (Kubernetes' own kinds are validated elsewhere). */
  knows(apiVersion: string, kind: string): boolean;
  /** Throws an InputError with one issue per problem (pointer into the object, ajv keyword, a sentence naming kind and name). */
  validate(objects: readonly KubeObject[]): void;
}

type Schema = Record<string, unknown>;

/** Keywords whose value is a map of schemas, a list of schemas, or one schema (or a boolean). */
const SCHEMA_MAPS = new Set(["properties", "patternProperties"]);
const SCHEMA_LISTS = new Set(["allOf", "anyOf", "oneOf"]);
const SCHEMA_ONE = new Set(["not", "items", "additionalProperties"]);
/** Formats the API server checks and ajv is given; any other format is ignored, as the API server ignores it. */
const FORMATS = ["int32", "int64", "date-time", "byte"] as const;
const KNOWN_FORMATS = new Set<string>(FORMATS);
/** A bound on issues per object: past it, the first ones say enough. */
const MAX_ISSUES_PER_OBJECT = 20;

const DNS_SUBDOMAIN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
const DNS_LABEL = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
const LABEL_KEY = "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$";
const LABEL_VALUE = "^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$";

/**
 * CRDs leave `metadata` to the API server, which checks it as an ObjectMeta: these are the
 * rules of it that Plateau's objects can break. Other fields of ObjectMeta are let through.
 */
const OBJECT_META: Schema = {
  type: "object",
  required: ["name"],
  properties: {
    name: { type: "string", maxLength: 253, pattern: DNS_SUBDOMAIN },
    namespace: { type: "string", maxLength: 63, pattern: DNS_LABEL },
    labels: {
      type: "object",
      propertyNames: { pattern: LABEL_KEY, maxLength: 317 },
      additionalProperties: { type: "string", maxLength: 63, pattern: LABEL_VALUE },
    },
    annotations: { type: "object", additionalProperties: { type: "string" } },
  },
};

/**
 * Patterns in CRDs are Go RE2. JavaScript rejects RE2's inline flags (`^(?i)(abort|warn)?$` in
 * the PrometheusRule CRD): they become flags of the whole expression, which is exact where the
 * CRDs put them (first). Patterns that only Unicode mode rejects (identity escapes RE2 allows)
 * are compiled without it.
 */
const goRegExp = Object.assign(
  (pattern: string, unicode: string): RegExp => {
    let flags = unicode;
    const source = pattern.replace(/\(\?([ims]+)\)/g, (_match, inline: string) => {
      for (const flag of inline) if (!flags.includes(flag)) flags += flag;
      return "";
    });
    try {
      return new RegExp(source, flags);
    } catch {
      return new RegExp(source, flags.replace("u", ""));
    }
  },
  // Only read by ajv's standalone code generation, which Plateau does not use.
  { code: "goRegExp" },
);

/**
 * A CRD schema (OpenAPI v3, structural) as a JSON Schema ajv checks the way the API server does.
 * Descriptions are dropped (they are most of the bytes and ajv ignores them).
 */
function toJsonSchema(node: unknown): unknown {
  // `additionalProperties: true`, and any value that is data rather than a schema.
  if (typeof node !== "object" || node === null || Array.isArray(node)) return node;
  const source = node as Schema;
  const out: Schema = {};
  for (const [key, value] of Object.entries(source)) {
    // `anyOf: null` (Route's targetPort) is a nil list serialized by Go: absent.
    if (value === null || key === "description") continue;
    if (SCHEMA_MAPS.has(key) && typeof value === "object") {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, schema]) => [name, toJsonSchema(schema)]));
    } else if (SCHEMA_LISTS.has(key) && Array.isArray(value)) {
      out[key] = value.map(toJsonSchema);
    } else if (SCHEMA_ONE.has(key)) {
      out[key] = Array.isArray(value) ? value.map(toJsonSchema) : toJsonSchema(value);
    } else {
      out[key] = value;
    }
  }
  if (source["x-kubernetes-int-or-string"] === true) {
    delete out.type;
    if (!Array.isArray(out.anyOf)) out.anyOf = [{ type: "integer" }, { type: "string" }];
  }
  if (typeof out.format === "string" && !KNOWN_FORMATS.has(out.format)) delete out.format;
  if (source["x-kubernetes-list-type"] === "set") out.uniqueItems = true;
  // Fields a schema does not list are dropped by the API server (or refused under strict field
  // validation): either way they would not do what the manifest says, so they are refused here.
  if (out.type === "object" && out.additionalProperties === undefined && source["x-kubernetes-preserve-unknown-fields"] !== true) {
    out.additionalProperties = false;
  }
  if (out.nullable === true) {
    if (typeof out.type === "string") out.type = [out.type, "null"];
    else if (Array.isArray(out.anyOf)) out.anyOf = [...out.anyOf, { type: "null" }];
  }
  delete out.nullable;
  return out;
}

function rootSchema(crd: CrdSchema): Schema {
  const schema = toJsonSchema(crd.schema) as Schema;
  const properties = (schema.properties ?? {}) as Schema;
  const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
  return {
    ...schema,
    type: "object",
    properties: {
      ...properties,
      apiVersion: { type: "string", const: `${crd.group}/${crd.version}` },
      kind: { type: "string", const: crd.kind },
      metadata: OBJECT_META,
    },
    required: [...new Set([...required, "apiVersion", "kind", "metadata"])],
  };
}

/** `x-kubernetes-list-type: map`: no two items may have the same values of the keys. */
function uniqueListMapKeys(keys: unknown, data: unknown): boolean {
  if (!Array.isArray(keys) || !Array.isArray(data)) return true;
  const seen = new Set<string>();
  for (const item of data) {
    if (typeof item !== "object" || item === null) continue;
    const key = JSON.stringify(keys.map((name: unknown) => (item as Record<string, unknown>)[String(name)] ?? null));
    if (seen.has(key)) return false;
    seen.add(key);
  }
  return true;
}

/** Errors inside one branch of an anyOf/oneOf: reported through the anyOf's own error. */
const BRANCH = /\/(anyOf|oneOf)\/\d+\//;

function describe(error: ErrorObject, branches: readonly ErrorObject[]): string {
  const params = error.params as Record<string, unknown>;
  const parent = (error.parentSchema ?? {}) as Schema;
  switch (error.keyword) {
    case "required":
      return "is required";
    case "additionalProperties":
      return "is not a field of this kind";
    case "enum":
      return `must be one of ${(params.allowedValues as unknown[]).map((value) => JSON.stringify(value)).join(", ")}`;
    case "const":
      return `must be ${JSON.stringify(params.allowedValue)}`;
    case "pattern":
      return `must match the pattern ${String(params.pattern)}`;
    case "not": {
      // The CRDs forbid single values this way (a target port of 0 or "").
      const forbidden = error.schema as Schema;
      const values = Object.keys(forbidden).length === 1 && Array.isArray(forbidden.enum) ? forbidden.enum : undefined;
      return values ? `must not be ${values.map((value) => JSON.stringify(value)).join(" or ")}` : `must not match ${JSON.stringify(forbidden)}`;
    }
    case "x-kubernetes-list-map-keys":
      return `must not hold two items with the same ${(error.schema as string[]).join(" and ")}`;
    case "anyOf":
    case "oneOf": {
      if (parent["x-kubernetes-int-or-string"] === true) return "must be an integer or a string";
      const reasons = [...new Set(branches.map((branch) => `${branch.instancePath.slice(error.instancePath.length) || "it"} ${describe(branch, [])}`))];
      return reasons.length > 0 ? `must satisfy one of: ${reasons.slice(0, 4).join("; or ")}` : (error.message ?? "is invalid");
    }
    default:
      return error.message ?? "is invalid";
  }
}

function issuesOf(object: KubeObject, errors: readonly ErrorObject[]): InputIssue[] {
  const issues: InputIssue[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    // A `propertyNames` error only repeats the errors of the names, which come with the name.
    if (BRANCH.test(error.schemaPath) || error.keyword === "propertyNames") continue;
    const params = error.params as Record<string, unknown>;
    const field =
      error.keyword === "required"
        ? String(params.missingProperty)
        : error.keyword === "additionalProperties"
          ? String(params.additionalProperty)
          : error.propertyName;
    const pointer = field === undefined ? error.instancePath : `${error.instancePath}/${escapePointerSegment(field)}`;
    const branches = errors.filter((other) => other.schemaPath.startsWith(`${error.schemaPath}/`) && other !== error);
    const text = error.propertyName === undefined ? describe(error, branches) : `is not a valid key: it ${describe(error, branches)}`;
    const message = `${object.kind} ${object.metadata?.name ?? "(unnamed)"}: ${pointer || "/"} ${text}`;
    if (seen.has(message)) continue;
    seen.add(message);
    issues.push({ pointer, rule: error.keyword, message });
    if (issues.length >= MAX_ISSUES_PER_OBJECT) break;
  }
  return issues;
}

export function createCrdValidator(crds: readonly CrdSchema[]): CrdValidator {
  const byKey = new Map<string, CrdSchema>();
  for (const crd of crds) {
    const key = `${crd.group}/${crd.version}/${crd.kind}`;
    if (byKey.has(key)) throw new Error(`invariant violated: two CRD schemas for ${key}`);
    byKey.set(key, crd);
  }
  const ajv = new Ajv({
    strict: false, // the x-kubernetes-* keywords, and keywords such as `example` that ajv does not know
    allErrors: true,
    verbose: true, // errors carry their schema: int-or-string and list-map keys are described from it
    validateFormats: true,
    // The generated code is not optimized: that halves compilation of the large CRDs (1.2 s
    // instead of 2.5 s for ApplicationSet), and validating a few objects costs little either way.
    code: { regExp: goRegExp, optimize: false },
  });
  addFormats.default(ajv, [...FORMATS]);
  ajv.addKeyword({ keyword: "x-kubernetes-list-map-keys", type: "array", schemaType: "array", validate: uniqueListMapKeys });

  // Compiling is slow for the large CRDs (ApplicationSet): each kind is compiled the first time it is validated.
  const compiled = new Map<string, ValidateFunction>();
  const validatorFor = (key: string, crd: CrdSchema): ValidateFunction => {
    let validate = compiled.get(key);
    if (!validate) {
      try {
        validate = ajv.compile(rootSchema(crd));
      } catch (cause) {
        throw new Error(`the CRD schema of ${key} does not compile: ${(cause as Error).message}`, { cause });
      }
      compiled.set(key, validate);
    }
    return validate;
  };

  return {
    knows: (apiVersion, kind) => byKey.has(`${apiVersion}/${kind}`),
    validate(objects) {
      const issues: InputIssue[] = [];
      for (const object of objects) {
        const key = `${object.apiVersion}/${object.kind}`;
        const crd = byKey.get(key);
        if (!crd) {
          issues.push({ pointer: "", rule: "kind", message: `${key} is not a custom resource Plateau has the schema of` });
          continue;
        }
        const validate = validatorFor(key, crd);
        if (!validate(object)) issues.push(...issuesOf(object, validate.errors ?? []));
      }
      if (issues.length > 0) throw new InputError(`custom resources would not validate against their CRDs: ${issues[0]?.message}`, issues);
    },
  };
}
