// Text the instance page shows, prepared without the DOM: log lines assembled from a stream's
// chunks, a commit's patch read line by line, and an instance's values as rows.

/** A chunk of a stream appended to what was left of the previous one: the complete lines, and the rest. */
export function splitLines(rest: string, chunk: string): { lines: string[]; rest: string } {
  const text = rest + chunk;
  const parts = text.split("\n");
  const last = parts.pop() ?? "";
  return { lines: parts.map((line) => (line.endsWith("\r") ? line.slice(0, -1) : line)), rest: last };
}

/** The newest `max` lines: a log followed for hours must not fill the browser's memory. */
export function appendCapped(lines: readonly string[], more: readonly string[], max: number): string[] {
  const all = lines.concat(more);
  return all.length > max ? all.slice(all.length - max) : all;
}

export type DiffLineKind = "file" | "meta" | "hunk" | "add" | "del" | "context" | "note";
export interface DiffLine {
  readonly kind: DiffLineKind;
  readonly text: string;
}
export interface PatchFile {
  readonly path: string;
  readonly added: number;
  readonly removed: number;
}

/**
 * A unified diff, line by line. Hunk headers give how many lines each hunk holds, so content
 * lines are told from headers even when a line of content reads like one ("+++ x" added).
 */
export function parsePatch(patch: string): { lines: DiffLine[]; files: PatchFile[] } {
  const lines: DiffLine[] = [];
  const files: { path: string; added: number; removed: number }[] = [];
  let oldLeft = 0;
  let newLeft = 0;
  const text = patch.endsWith("\n") ? patch.slice(0, -1) : patch;
  if (text === "") return { lines, files };
  for (const line of text.split("\n")) {
    const file = files.at(-1);
    if (oldLeft > 0 || newLeft > 0) {
      if (line.startsWith("+")) {
        newLeft--;
        if (file) file.added++;
        lines.push({ kind: "add", text: line });
        continue;
      }
      if (line.startsWith("-")) {
        oldLeft--;
        if (file) file.removed++;
        lines.push({ kind: "del", text: line });
        continue;
      }
      if (line.startsWith(" ") || line === "") {
        oldLeft--;
        newLeft--;
        lines.push({ kind: "context", text: line });
        continue;
      }
    }
    if (line.startsWith("\\")) {
      lines.push({ kind: "note", text: line });
      continue;
    }
    const hunk = /^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@/.exec(line);
    if (hunk) {
      oldLeft = Number(hunk[1] ?? 1);
      newLeft = Number(hunk[2] ?? 1);
      lines.push({ kind: "hunk", text: line });
      continue;
    }
    const header = /^diff --git a\/(.*) b\/(.*)$/.exec(line);
    if (header) {
      files.push({ path: header[2] ?? header[1] ?? "", added: 0, removed: 0 });
      lines.push({ kind: "file", text: line });
      continue;
    }
    lines.push({ kind: "meta", text: line });
  }
  return { lines, files };
}

export interface ValueRow {
  /** Where the value is, e.g. `resources.cpu`. */
  readonly key: string;
  readonly value: string;
  /** A password or a token: shown only on demand. */
  readonly secret: boolean;
}

const SECRET = /pass(word|wd|phrase)?$|secret|token|credential|private.?key/i;

/** Nested values as one row each, in their order; lists stay whole (as JSON). */
export function valueRows(values: Readonly<Record<string, unknown>>, prefix = ""): ValueRow[] {
  const rows: ValueRow[] = [];
  for (const [name, value] of Object.entries(values)) {
    const key = prefix ? `${prefix}.${name}` : name;
    if (typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length > 0) {
      rows.push(...valueRows(value as Record<string, unknown>, key));
    } else {
      rows.push({ key, value: typeof value === "string" ? value : JSON.stringify(value), secret: SECRET.test(name) });
    }
  }
  return rows;
}
