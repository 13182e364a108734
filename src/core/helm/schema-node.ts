// What the helm modules share about a schema node and the values it describes: the JSON
// value type, paths into values, and small readers that never follow a prototype.
import { escapePointerSegment, isRecord, unescapePointerSegment } from "../../contracts/json.js";

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export type Schema = Record<string, unknown>;
/** A path in the values: property names, and ITEM for "any item of an array". */
export type Path = readonly (string | typeof ITEM)[];
export const ITEM = null;

/** Deeper schemas and values are refused or left alone: charts are not trusted to be shallow. */
export const MAX_DEPTH = 64;

export function typesOf(node: Schema): string[] | undefined {
  if (typeof node.type === "string") return [node.type];
  if (Array.isArray(node.type)) return node.type.filter((type): type is string => typeof type === "string");
  // Onyxia infers a type from `const`; properties and items say it too.
  if (node.const !== undefined) return [jsonType(node.const)];
  if (isRecord(node.properties)) return ["object"];
  if (node.items !== undefined) return ["array"];
  return undefined;
}

export function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

export function isJson(value: unknown, depth: number): value is JsonValue {
  if (depth > MAX_DEPTH) return false;
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((item) => isJson(item, depth + 1));
  if (isRecord(value)) return Object.values(value).every((item) => isJson(item, depth + 1));
  return false;
}

/** Sets a member even when its name is `__proto__`: names come from charts. */
export function setOwn(object: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
}

export function pathPointer(path: Path): string {
  return path.map((segment) => `/${segment === ITEM ? "-" : escapePointerSegment(segment)}`).join("");
}

/** The value at a JSON pointer (`/service/image/version`), own members only, or undefined. */
export function valueAt(document: unknown, pointer: string): unknown {
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
