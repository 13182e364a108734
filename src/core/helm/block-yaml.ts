// A fast reader for the block-style YAML that Helm writes (`helm repo index`, through Go's
// yaml encoder): indented mappings and sequences of plain, quoted or literal (`|`) scalars.
// A large repository index is megabytes of it: the `yaml` library takes half a second on
// Onyxia's 2.3 MB index, blocking the event loop, where this takes a few tens of milliseconds.
//
// It reads a strict subset and gives up (returns undefined) on anything else — flow
// collections (but `[]` and `{}`), anchors and aliases, tags, folded block scalars, comments
// after plain values, tabs, directives, several documents — so that the caller falls back to
// the `yaml` library, which then decides. Within the subset, the result equals what `yaml`
// gives with the failsafe schema: every scalar a string, an empty value "" (index-file.test.ts
// checks this on the real index, on edge cases and on generated documents).

/** What block YAML holds when every scalar is read as a string. */
export type FailsafeValue = string | FailsafeValue[] | { [key: string]: FailsafeValue };

interface Line {
  /** Columns of leading spaces. */
  indent: number;
  /** The line after its indentation (rewritten in place for `- key: value` items). */
  content: string;
}

/** Thrown inside the reader when the text leaves the subset; never escapes parseBlockYaml. */
class OutOfSubset extends Error {}

const MAX_DEPTH = 64;

/** The document as failsafe YAML, or undefined when it is not in the subset this reader knows. */
export function parseBlockYaml(text: string): FailsafeValue | null | undefined {
  // Tabs, carriage returns, control characters, a byte order mark and Unicode line separators
  // all have rules of their own in YAML: leave them to the full parser.
  // eslint-disable-next-line no-control-regex -- these characters are exactly what is refused
  if (/[\t\r\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u0085\u2028\u2029\ufeff]/.test(text)) return undefined;
  const raws = text.split("\n");
  const endsWithNewline = text.endsWith("\n");
  if (endsWithNewline) raws.pop(); // what follows the last line break is no line
  const lines: Line[] = raws.map((raw) => {
    let indent = 0;
    while (raw.charCodeAt(indent) === 32) indent++;
    return { indent, content: raw.slice(indent) };
  });
  try {
    const reader = new Reader(lines, endsWithNewline);
    const first = reader.nextSignificant();
    if (first === -1) return null;
    const value = reader.block((lines[first] as Line).indent, 0);
    if (reader.nextSignificant() !== -1) return undefined; // text left at a lower indentation than the document
    return value;
  } catch (error) {
    if (error instanceof OutOfSubset) return undefined;
    throw error;
  }
}

class Reader {
  private position = 0;

  constructor(
    private readonly lines: Line[],
    private readonly endsWithNewline: boolean,
  ) {}

  /** Skips blank and comment lines; the index of the next line with content, or -1. */
  nextSignificant(): number {
    while (this.position < this.lines.length) {
      const line = this.lines[this.position] as Line;
      if (line.content.trimEnd() === "" || line.content.startsWith("#")) {
        this.position++;
        continue;
      }
      if (line.indent === 0 && /^(---|\.\.\.)( |$)|^%/.test(line.content)) throw new OutOfSubset();
      return this.position;
    }
    return -1;
  }

  block(indent: number, depth: number): FailsafeValue {
    if (depth > MAX_DEPTH) throw new OutOfSubset();
    const line = this.lines[this.position] as Line;
    return isSequenceItem(line.content) ? this.sequence(indent, depth) : this.mapping(indent, depth);
  }

  private mapping(indent: number, depth: number): FailsafeValue {
    const entries: [string, FailsafeValue][] = [];
    const keys = new Set<string>();
    for (let at = this.nextSignificant(); at !== -1; at = this.nextSignificant()) {
      const line = this.lines[at] as Line;
      if (line.indent < indent) break;
      if (line.indent > indent) throw new OutOfSubset();
      const colon = keyEnd(line.content);
      if (colon === -1) throw new OutOfSubset();
      const key = line.content.slice(0, colon);
      // Duplicates are an error for the full parser; `__proto__` would need care with plain objects.
      if (!isPlainKey(key) || keys.has(key) || key === "__proto__") throw new OutOfSubset();
      keys.add(key);
      const rest = line.content.slice(colon + 1).trim();
      this.position++;
      entries.push([key, rest === "" ? this.nested(indent, depth, true) : this.scalar(rest, indent)]);
    }
    return Object.fromEntries(entries);
  }

  private sequence(indent: number, depth: number): FailsafeValue {
    const items: FailsafeValue[] = [];
    for (let at = this.nextSignificant(); at !== -1; at = this.nextSignificant()) {
      const line = this.lines[at] as Line;
      if (line.indent < indent) break;
      if (line.indent > indent) throw new OutOfSubset();
      // A key at the sequence's own indentation ends it: Go writes a mapping's sequences unindented.
      if (!isSequenceItem(line.content)) break;
      if (line.content === "-" || line.content.trimEnd() === "-") {
        this.position++;
        items.push(this.nested(indent, depth, false));
        continue;
      }
      const after = line.content.slice(2);
      const itemContent = after.trimStart();
      if (itemContent.startsWith("#")) throw new OutOfSubset();
      if (isSequenceItem(itemContent)) throw new OutOfSubset(); // `- - x`: nested compact sequences
      const itemIndent = indent + 2 + (after.length - itemContent.length);
      if (keyEnd(itemContent) !== -1) {
        // `- key: value`: a mapping whose first entry shares the dash's line. Read it as if the
        // entry stood on its own line at the column of its key.
        line.indent = itemIndent;
        line.content = itemContent;
        items.push(this.mapping(itemIndent, depth + 1));
      } else {
        this.position++;
        items.push(this.scalar(itemContent, indent));
      }
    }
    return items;
  }

  /** The value of `key:` or `-` with nothing after it: a block below, or "". */
  private nested(indent: number, depth: number, sameIndentSequence: boolean): FailsafeValue {
    const at = this.nextSignificant();
    if (at === -1) return "";
    const line = this.lines[at] as Line;
    if (line.indent > indent) return this.block(line.indent, depth + 1);
    if (sameIndentSequence && line.indent === indent && isSequenceItem(line.content)) return this.sequence(indent, depth + 1);
    return "";
  }

  /** A scalar (or an empty collection) starting on the current line's rest (the position is past that line). */
  private scalar(text: string, parentIndent: number): FailsafeValue {
    const first = text[0];
    if (first === '"') return this.doubleQuoted(text, parentIndent);
    if (first === "'") return singleQuoted(text);
    if (first === "|") return this.literal(text, parentIndent);
    if (text.trimEnd() === "[]" || text.trimEnd() === "{}") return text.trimEnd() === "[]" ? [] : {}; // empty collections, as Go writes them
    if (!isPlainStart(text)) throw new OutOfSubset();
    let value = checkedPlain(text);
    // Continuation lines, more indented than the parent, fold into the value with one space.
    while (this.position < this.lines.length) {
      const line = this.lines[this.position] as Line;
      if (line.content.trimEnd() === "") {
        // A blank line inside a multi-line scalar is a line break: not in the subset.
        if (this.continuesAfterBlank(parentIndent)) throw new OutOfSubset();
        break;
      }
      if (line.indent <= parentIndent) break;
      if (line.content.startsWith("#") || isSequenceItem(line.content)) throw new OutOfSubset();
      value += ` ${checkedPlain(line.content)}`;
      this.position++;
    }
    return value;
  }

  /**
   * A literal block scalar (`|`, `|-`, `|+`), as Go writes strings holding line breaks: its
   * lines, less the indentation of the first, joined by line breaks, the final ones chomped.
   */
  private literal(header: string, parentIndent: number): string {
    const chomping = /^\|([+-]?)$/.exec(header.trimEnd())?.[1];
    if (chomping === undefined) throw new OutOfSubset(); // an indentation indicator, or a comment
    const content: string[] = [];
    let indent = -1;
    while (this.position < this.lines.length) {
      const line = this.lines[this.position] as Line;
      const blank = line.content === "";
      if (blank) {
        // Spaces beyond the indentation on a blank line are content: leave that to the full parser.
        if (line.indent > (indent === -1 ? 0 : indent)) throw new OutOfSubset();
        content.push("");
        this.position++;
        continue;
      }
      if (indent === -1) {
        if (line.indent <= parentIndent) break;
        indent = line.indent;
      }
      if (line.indent < indent) break;
      content.push(`${" ".repeat(line.indent - indent)}${line.content}`);
      this.position++;
    }
    if (indent === -1) throw new OutOfSubset(); // no content: chomping rules of their own
    if (this.position === this.lines.length && !this.endsWithNewline) throw new OutOfSubset(); // no final line break to clip or keep
    let end = content.length;
    while (end > 0 && content[end - 1] === "") end--;
    const body = content.slice(0, end).join("\n");
    if (chomping === "-") return body;
    if (chomping === "") return `${body}\n`;
    return `${body}\n${"\n".repeat(content.length - end)}`;
  }

  private continuesAfterBlank(parentIndent: number): boolean {
    for (let i = this.position; i < this.lines.length; i++) {
      const line = this.lines[i] as Line;
      if (line.content.trimEnd() === "") continue;
      return line.indent > parentIndent;
    }
    return false;
  }

  private doubleQuoted(text: string, parentIndent: number): string {
    let value = "";
    let current = text.slice(1);
    for (;;) {
      const { content, closedAt, escapedBreak } = readDoubleQuoted(current);
      if (closedAt !== -1) {
        const rest = current.slice(closedAt + 1).trim();
        if (rest !== "" && !rest.startsWith("#")) throw new OutOfSubset();
        return value + content;
      }
      // A line break inside the quotes folds to a space, unless escaped; the next line's indentation is dropped.
      const line = this.lines[this.position];
      if (line === undefined || line.content.trimEnd() === "" || line.indent <= parentIndent) throw new OutOfSubset();
      value += escapedBreak ? content : `${content.replace(/ +$/, "")} `;
      current = line.content;
      this.position++;
    }
  }
}

const isSequenceItem = (content: string): boolean => content === "-" || content.startsWith("- ") || /^-\s*$/.test(content);

/** Where the key of `key: value` or `key:` ends, or -1 when the line is no such entry. */
function keyEnd(content: string): number {
  for (let i = 0; i < content.length; i++) {
    if (content.charCodeAt(i) !== 58 /* : */) continue;
    const next = content.charCodeAt(i + 1);
    if (Number.isNaN(next) || next === 32) return i;
  }
  return -1;
}

/** Keys the subset knows: plain, without indicators, colons, comments or surrounding spaces. */
function isPlainKey(key: string): boolean {
  return key !== "" && key !== "<<" && isPlainStart(key) && !key.includes(":") && !key.includes(" #") && key.trim() === key;
}

// A plain scalar may not start with an indicator; some may start one when followed by a
// non-space, which the subset leaves to the full parser.
const INDICATORS = new Set(["-", "?", ":", ",", "[", "]", "{", "}", "#", "&", "*", "!", "|", ">", "'", '"', "%", "@", "`"]);
const isPlainStart = (text: string): boolean => text !== "" && !INDICATORS.has(text[0] as string);

/** A line of a plain scalar, without trailing spaces; out of the subset when it holds a comment or a `: `. */
function checkedPlain(text: string): string {
  const value = text.trimEnd();
  if (value.includes(" #") || value.includes(": ") || value.endsWith(":")) throw new OutOfSubset();
  return value;
}

function singleQuoted(text: string): string {
  let value = "";
  for (let i = 1; i < text.length; i++) {
    const char = text[i] as string;
    if (char !== "'") {
      value += char;
      continue;
    }
    if (text[i + 1] === "'") {
      value += "'";
      i++;
      continue;
    }
    const rest = text.slice(i + 1).trim();
    if (rest !== "" && !rest.startsWith("#")) throw new OutOfSubset();
    return value;
  }
  throw new OutOfSubset(); // spans lines
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  "0": "\0",
  a: "\x07",
  b: "\b",
  t: "\t",
  n: "\n",
  v: "\v",
  f: "\f",
  r: "\r",
  e: "\x1b",
  " ": " ",
  '"': '"',
  "/": "/",
  "\\": "\\",
};
const HEX_ESCAPES: Readonly<Record<string, number>> = { x: 2, u: 4, U: 8 };

/** The content of a double-quoted scalar on one line, up to its closing quote or the end of the line. */
function readDoubleQuoted(text: string): { content: string; closedAt: number; escapedBreak: boolean } {
  let content = "";
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (char === '"') return { content, closedAt: i, escapedBreak: false };
    if (char !== "\\") {
      content += char;
      continue;
    }
    const escape = text[i + 1];
    if (escape === undefined) return { content, closedAt: -1, escapedBreak: true };
    const simple = SIMPLE_ESCAPES[escape];
    if (simple !== undefined) {
      content += simple;
      i++;
      continue;
    }
    const digits = HEX_ESCAPES[escape];
    const hex = digits === undefined ? "" : text.slice(i + 2, i + 2 + digits);
    if (digits === undefined || !new RegExp(`^[0-9a-fA-F]{${digits}}$`).test(hex)) throw new OutOfSubset();
    const code = Number.parseInt(hex, 16);
    if (code > 0x10ffff) throw new OutOfSubset();
    content += String.fromCodePoint(code);
    i += 1 + digits;
  }
  return { content, closedAt: -1, escapedBreak: false };
}
