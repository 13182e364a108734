// JSON values and JSON pointers (RFC 6901), read the same way by core, the CLI and the portal.
// This file imports nothing, so the portal may use it at run time.

/** A JSON object (not null, not an array). */
export const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** One segment of a JSON pointer: `~` → `~0`, `/` → `~1` (in this order). */
export const escapePointerSegment = (segment: string): string => segment.replaceAll("~", "~0").replaceAll("/", "~1");

/** The segment a pointer wrote: `~1` → `/`, then `~0` → `~` (in this order, so `~01` is `~1`). */
export const unescapePointerSegment = (segment: string): string => segment.replaceAll("~1", "/").replaceAll("~0", "~");

/** The segments of a pointer (`/a~1b/c` → `a/b`, `c`); the whole document is `""`. */
export const pointerSegments = (pointer: string): string[] => (pointer === "" ? [] : pointer.split("/").slice(1).map(unescapePointerSegment));

/** Whether two JSON values are equal: members in any order, arrays in order. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  if (isRecord(a) && isRecord(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && deepEqual(a[key], b[key]));
  }
  return false;
}
