// The references of `x-onyxia.overwriteDefaultWith` and `overwriteListEnumWith` into the
// launch context, as Onyxia resolves them: a path (`user.idep`, `a["b.c"][0]`), a template
// (`{{project.id}}-{{k8s.domain}}`), or an array or object whose strings with `{{…}}` are
// templates. Nothing is executed: templates are substitutions of context values.
import { isRecord } from "../../contracts/json.js";
import { isJson, MAX_DEPTH, type JsonValue } from "./schema-node.js";

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
