// Onyxia's light validation of a field, with its "reasonable approximations" ("true" → true,
// 2 → "2"): whether a default from the context or values.yaml fits the field, and the field's
// options (selects) and slider bounds, which both the form and the validation read.
import type { SliderHint } from "../../contracts/form-hints.js";
import { deepEqual, isRecord } from "../../contracts/json.js";
import { resolveOnyxiaReference } from "./references.js";
import { isJson, jsonType, MAX_DEPTH, typesOf, type JsonValue, type Schema } from "./schema-node.js";

/**
 * The slider of a field: its own bounds, or the region's when it names a region slider
 * (`x-onyxia.useRegionSliderConfig`), as Onyxia: the platform's bounds replace the chart's, so
 * a chart's 40000m CPU slider on a region whose cpu slider ends at 16000m ends there too.
 */
export function sliderOf(node: Schema, onyxia: Schema, context: Schema): SliderHint | undefined {
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
export function optionsOf(node: Schema, context: Schema): JsonValue[] | undefined {
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

/** The value as the field takes it (approximated: "true" → true, 2 → "2"…), or undefined when it does not fit. */
export function conform(node: Schema, value: unknown, context: Schema, depth: number): JsonValue | undefined {
  const result = conformType(node, value, context, depth);
  if (result === undefined) return undefined;
  const options = optionsOf(node, context);
  if (options !== undefined && !options.some((option) => deepEqual(option, result))) return undefined;
  return result;
}

export function conformType(node: Schema, value: unknown, context: Schema, depth: number): JsonValue | undefined {
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
export function sliderAmount(text: string, unit: string): number | undefined {
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
