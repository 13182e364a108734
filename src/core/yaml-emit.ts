// The YAML that Plateau writes, emitted directly from plain data (maps, arrays, strings,
// numbers, booleans, null) instead of through the `yaml` library's document model, which builds
// a node per value and a context object per pair before writing a byte: rendering spent most of
// its time there (benchmark B2).
//
// The output is byte for byte what `yaml.stringify` writes with the options Plateau has always
// used (sorted keys, no aliases, no line folding, two-space indentation, YAML 1.2 core schema),
// because those bytes are committed: a different spelling of the same value would show as a
// change in every repository. Each rule below is the library's (yaml 2.x, `stringifyString`,
// `stringifyPair`, `stringifyCollection`, `stringifyNumber`), kept to the options we use; the
// property test in yaml-emit.test.ts compares both on generated values, strings made of every
// character YAML treats specially.
//
// One departure: the library writes some literal blocks that YAML reads back as another string
// (a line of only spaces, ` \n`, loses its spaces; a block at the top of a document). Those
// blocks, rare enough to check, are read back here, and written double-quoted when they would
// not give the same string: bytes differ from the library's only where its bytes were wrong.

import { parse } from "yaml";

const STEP = "  ";

/** Characters that force double quotes (escapes): C0 and C1 controls but tab and line feed, DEL, lone surrogates. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be escaped
const NEEDS_ESCAPES = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u{D800}-\u{DFFF}]/u;
/** What a plain scalar may not be: an indicator first, `- `, `: `, ` #`, a trailing space or colon… */
const NOT_PLAIN = /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;
const DOCUMENT_MARKER = /^(%|---|\.\.\.)/m;
/** Plain text the core schema reads as something other than a string: null, booleans, integers, floats. */
const NOT_A_STRING = [
  /^(?:~|[Nn]ull|NULL)?$/,
  /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/,
  /^0o[0-7]+$/,
  /^[-+]?[0-9]+$/,
  /^0x[0-9a-fA-F]+$/,
  /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/,
];
/** The only plain words made of letters that the core schema does not read as strings. */
const WORDS = new Set(["null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE"]);
/** A line of only spaces or tabs: literal blocks with one may not read back as written. */
const BLANK_LINE = /(?:^|\n)[\t ]+(?:\n|$)/;
const BLOCK_END_NEWLINES = /(^|(?<!\n))\n+(?!\n|$)/g;

/** One YAML document (ending in a line feed) for a value. */
export function emitYaml(value: unknown): string {
  return `${emit(value, "", true)}\n`;
}

/** A value at `indent` (the indentation of what it contains), as it follows `key: ` or `- `. */
function emit(value: unknown, indent: string, root = false): string {
  switch (typeof value) {
    case "string":
      return scalar(value, indent, false, root);
    case "number":
      return number(value);
    case "boolean":
      return value ? "true" : "false";
    case "bigint":
      return String(value);
    case "undefined":
      return "null";
    case "object":
      if (value === null) return "null";
      if (Array.isArray(value)) return sequence(value, indent);
      return unusual(value, indent, root) ?? mapping(value as Record<string, unknown>, indent);
    default:
      throw new TypeError(`YAML: cannot write a ${typeof value}`);
  }
}

/** What the library makes of objects that are not plain: `toJSON` first, boxed primitives, sets; maps refused. */
function unusual(value: object, indent: string, root: boolean): string | undefined {
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") return emit((value as { toJSON: () => unknown }).toJSON(), indent, root);
  if (value instanceof String || value instanceof Number || value instanceof Boolean) return emit(value.valueOf(), indent, root);
  if (value instanceof Map) throw new TypeError("YAML: write plain objects, not Maps");
  if (Symbol.iterator in value) return sequence([...(value as Iterable<unknown>)], indent);
  return undefined;
}

function sequence(items: readonly unknown[], indent: string): string {
  if (items.length === 0) return "[]";
  const inner = indent + STEP;
  let text = `- ${emit(items[0], inner)}`;
  for (let i = 1; i < items.length; i++) text += `\n${indent}- ${emit(items[i], inner)}`;
  return text;
}

function mapping(object: Record<string, unknown>, indent: string): string {
  const keys = Object.keys(object).filter((key) => object[key] !== undefined);
  if (keys.length === 0) return "{}";
  // Plain string order (UTF-16 code units), as the library's sortMapEntries compares keys.
  keys.sort();
  let text = "";
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    if (i > 0) text += `\n${indent}`;
    text += pair(key, object[key], indent);
  }
  return text;
}

function pair(key: string, value: unknown, indent: string): string {
  const inner = indent + STEP;
  let head = scalar(key, inner, true, false);
  // A key longer than 1024 characters cannot be implicit: `? key` then `: value`.
  const explicit = head.length > 1024;
  head = explicit ? `? ${head}\n${indent}:` : `${head}:`;
  const text = emit(value, inner);
  const collection = !explicit && typeof value === "object" && value !== null && isCollection(value);
  // A non-empty collection starts on the next line; an empty one is written `{}` or `[]` after the key.
  return collection && text !== "{}" && text !== "[]" ? `${head}\n${inner}${text}` : `${head} ${text}`;
}

/** Whether the library writes this object as a collection (not turned into a scalar by `toJSON` or unboxing). */
function isCollection(value: object): boolean {
  if (Array.isArray(value)) return true;
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") {
    const json: unknown = (value as { toJSON: () => unknown }).toJSON();
    return typeof json === "object" && json !== null;
  }
  return !(value instanceof String || value instanceof Number || value instanceof Boolean);
}

function number(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? ".nan" : value < 0 ? "-.inf" : ".inf";
  return Object.is(value, -0) ? "-0" : JSON.stringify(value);
}

/** Whether a string is letters first, then only letters, digits and `_./-`: plain unless it is a keyword. */
function simple(value: string): boolean {
  const first = value.charCodeAt(0);
  if (!((first >= 97 && first <= 122) || (first >= 65 && first <= 90))) return false;
  for (let i = 1; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 45 && c <= 57) || c === 95)) return false; // 45-57: - . / 0-9
  }
  return true;
}

/** A string as a key (`implicitKey`) or a value at `indent`, plain when YAML would read it back as the same string. */
function scalar(value: string, indent: string, implicitKey: boolean, root: boolean): string {
  if (simple(value)) return WORDS.has(value) ? `"${value}"` : value;
  if (NEEDS_ESCAPES.test(value)) return doubleQuoted(value, indent, implicitKey);
  const multiLine = value.includes("\n");
  if (implicitKey && multiLine) return quoted(value, indent, implicitKey);
  if (NOT_PLAIN.test(value)) return implicitKey || !multiLine ? quoted(value, indent, implicitKey) : block(value, indent, false);
  if (!implicitKey && multiLine) return block(value, indent, false);
  if (DOCUMENT_MARKER.test(value)) {
    if (indent === "") return block(value, indent, root);
    if (implicitKey && indent === STEP) return quoted(value, indent, implicitKey);
  }
  for (const test of NOT_A_STRING) if (test.test(value)) return quoted(value, indent, implicitKey);
  return value;
}

/** Single quotes when the text has double quotes and no single ones; double quotes otherwise. */
function quoted(value: string, indent: string, implicitKey: boolean): string {
  return value.includes('"') && !value.includes("'") ? singleQuoted(value, indent, implicitKey) : doubleQuoted(value, indent, implicitKey);
}

function singleQuoted(value: string, indent: string, implicitKey: boolean): string {
  if ((implicitKey && value.includes("\n")) || /[ \t]\n|\n[ \t]/.test(value)) return doubleQuoted(value, indent, implicitKey);
  const lines = indent || (DOCUMENT_MARKER.test(value) ? STEP : "");
  return `'${value.replace(/'/g, "''").replace(/\n+/g, `$&\n${lines}`)}'`;
}

/** Double quotes: JSON's escapes in YAML's spelling; line breaks of long values written as folded lines. */
function doubleQuoted(value: string, indent: string, implicitKey: boolean): string {
  const json = JSON.stringify(value);
  const lines = indent || (DOCUMENT_MARKER.test(value) ? STEP : "");
  let text = "";
  let start = 0;
  for (let i = 0, ch = json[i]; ch; ch = json[++i]) {
    if (ch === " " && json[i + 1] === "\\" && json[i + 2] === "n") {
      // A space before a line break is escaped, or folding would eat it.
      text += `${json.slice(start, i)}\\ `;
      i += 1;
      start = i;
      ch = "\\";
    }
    if (ch !== "\\") continue;
    switch (json[i + 1]) {
      case "u": {
        text += json.slice(start, i);
        const code = json.substr(i + 2, 4);
        text += ESCAPES[code] ?? (code.startsWith("00") ? `\\x${code.slice(2)}` : json.substr(i, 6));
        i += 5;
        start = i + 1;
        break;
      }
      case "n":
        if (implicitKey || json[i + 2] === '"' || json.length < 40) {
          i += 1;
        } else {
          // A line break written as a folded line: the first break is eaten by folding.
          text += `${json.slice(start, i)}\n\n`;
          while (json[i + 2] === "\\" && json[i + 3] === "n" && json[i + 4] !== '"') {
            text += "\n";
            i += 2;
          }
          text += lines;
          // A space after a line break is escaped, or folding would eat it.
          if (json[i + 2] === " ") text += "\\";
          i += 1;
          start = i + 1;
        }
        break;
      default:
        i += 1;
    }
  }
  return start ? text + json.slice(start) : json;
}

const ESCAPES: Readonly<Record<string, string>> = {
  "0000": "\\0",
  "0007": "\\a",
  "000b": "\\v",
  "001b": "\\e",
  "0085": "\\N",
  "00a0": "\\_",
  "2028": "\\L",
  "2029": "\\P",
};

/** A literal block scalar (`|`), with chomping and indentation indicators as the text needs. */
function block(value: string, indent: string, forceIndent: boolean): string {
  // A block cannot end in whitespace after its last line break.
  if (/\n[\t ]+$/.test(value)) return quoted(value, indent, false);
  const lines = indent || (forceIndent || DOCUMENT_MARKER.test(value) ? STEP : "");
  let endStart = value.length;
  while (endStart > 0) {
    const ch = value[endStart - 1];
    if (ch !== "\n" && ch !== "\t" && ch !== " ") break;
    endStart--;
  }
  let end = value.substring(endStart);
  const endBreak = end.indexOf("\n");
  const chomp = endBreak === -1 ? "-" : value === end || endBreak !== end.length - 1 ? "+" : "";
  let body = value;
  if (end) {
    body = body.slice(0, -end.length);
    if (end.endsWith("\n")) end = end.slice(0, -1);
    end = end.replace(BLOCK_END_NEWLINES, `$&${lines}`);
  }
  let startWithSpace = false;
  let startEnd = 0;
  let startBreak = -1;
  for (; startEnd < body.length; ++startEnd) {
    const ch = body[startEnd];
    if (ch === " ") startWithSpace = true;
    else if (ch === "\n") startBreak = startEnd;
    else break;
  }
  let start = body.substring(0, startBreak < startEnd ? startBreak + 1 : startEnd);
  if (start) {
    body = body.substring(start.length);
    start = start.replace(/\n+/g, `$&${lines}`);
  }
  const header = (startWithSpace ? (lines ? "2" : "1") : "") + chomp;
  const text = `|${header}\n${lines}${start}${body.replace(/\n+/g, `$&${lines}`)}${end}`;
  return (indent === "" || BLANK_LINE.test(value)) && !readsBack(text, value, indent) ? doubleQuoted(value, indent, false) : text;
}

/** Whether a block written at `indent`, after `key: ` or `- ` at two spaces less, reads back as `value`. */
function readsBack(text: string, value: string, indent: string): boolean {
  try {
    const document = indent === "" ? `${text}\n` : `${" ".repeat(indent.length - STEP.length)}x: ${text}\n`;
    const read: unknown = parse(document, { version: "1.2" });
    return indent === "" ? read === value : (read as { x?: unknown } | null)?.x === value;
  } catch {
    return false;
  }
}
