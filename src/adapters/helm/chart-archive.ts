// A Helm chart archive (`<name>-<version>.tgz`: a gzip-compressed tar with everything under
// `<name>/`) → the three files Plateau reads: Chart.yaml, values.yaml, values.schema.json.
// Archives come from repositories on the network: nothing is written to disk, links are
// ignored, and an archive with a path escaping its directory, or bigger than the limit once
// decompressed, is refused as a whole.
import { gunzipSync } from "node:zlib";
import { InputError } from "../../core/errors.js";

/** What Plateau needs of a chart; values.yaml and values.schema.json are optional in Helm. */
export interface ChartArchiveFiles {
  /** The chart's directory in the archive, its name. */
  readonly name: string;
  readonly chartYaml: string;
  readonly valuesYaml: string | undefined;
  readonly valuesSchemaJson: string | undefined;
}

export interface ReadChartArchiveOptions {
  /** The chart the archive must hold (its top directory). */
  readonly name?: string;
  /** The most bytes read, compressed and decompressed alike (default 50 MB). */
  readonly maxBytes?: number;
}

export const DEFAULT_MAX_ARCHIVE_BYTES = 50 * 1024 * 1024;

const BLOCK = 512;
const WANTED = new Set(["Chart.yaml", "values.yaml", "values.schema.json"]);

/** Reads a chart archive, or throws an InputError (rule `archive`, `archive-path` or `archive-size`). */
export function readChartArchive(archive: Buffer, options: ReadChartArchiveOptions = {}): ChartArchiveFiles {
  const tar = untarred(archive, options.maxBytes ?? DEFAULT_MAX_ARCHIVE_BYTES);
  const files = new Map<string, string>();
  let top: string | undefined = options.name;
  for (const entry of tarEntries(tar)) {
    const segments = checkedPath(entry.path);
    if (segments.length === 0) continue;
    top ??= segments[0];
    if (segments[0] !== top) throw refused("archive", `${entry.path} is outside the chart's directory ${top}/`);
    // Only the chart's own files: not those of its subcharts (`<name>/charts/<dep>/values.yaml`).
    const file = segments.length === 2 ? (segments[1] as string) : undefined;
    if (entry.type === "file" && file !== undefined && WANTED.has(file)) {
      if (files.has(file)) throw refused("archive", `${entry.path} appears twice`);
      files.set(file, decodeUtf8(entry.content, entry.path));
    }
  }
  const chartYaml = files.get("Chart.yaml");
  if (top === undefined || chartYaml === undefined) throw refused("archive", `no ${top ?? "<chart>"}/Chart.yaml in the archive`);
  return { name: top, chartYaml, valuesYaml: files.get("values.yaml"), valuesSchemaJson: files.get("values.schema.json") };
}

/**
 * Every regular file of a chart archive as path segments and content, for writing it out
 * (the renderer extracts archives for `helm template`): same limits and path checks as above,
 * links and other special entries skipped.
 */
export function chartArchiveFiles(archive: Buffer, maxBytes = DEFAULT_MAX_ARCHIVE_BYTES): { segments: string[]; content: Buffer }[] {
  const tar = untarred(archive, maxBytes);
  const files: { segments: string[]; content: Buffer }[] = [];
  for (const entry of tarEntries(tar)) {
    const segments = checkedPath(entry.path);
    if (entry.type === "file" && segments.length > 0) files.push({ segments, content: entry.content });
  }
  return files;
}

/** The tar inside a gzip-compressed archive, both sizes held to the limit. */
function untarred(archive: Buffer, maxBytes: number): Buffer {
  if (archive.length > maxBytes) throw refused("archive-size", `the archive is larger than ${maxBytes} bytes`);
  if (archive.length < 2 || archive[0] !== 0x1f || archive[1] !== 0x8b) throw refused("archive", "not a gzip-compressed archive");
  try {
    // Decompression stops at the limit: a small archive can expand a thousandfold.
    return gunzipSync(archive, { maxOutputLength: maxBytes });
  } catch (error) {
    if (error instanceof RangeError || (error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") {
      throw refused("archive-size", `the archive holds more than ${maxBytes} bytes`);
    }
    throw refused("archive", `not a valid gzip stream: ${(error as Error).message}`);
  }
}

interface TarEntry {
  readonly path: string;
  readonly type: "file" | "directory" | "other";
  readonly content: Buffer;
}

/** The entries of a tar (ustar, with pax and GNU long names), checked as read. */
function* tarEntries(tar: Buffer): Generator<TarEntry> {
  let offset = 0;
  let longName: string | undefined;
  let paxPath: string | undefined;
  while (offset + BLOCK <= tar.length) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0)) return; // the end-of-archive blocks
    if (!checksumMatches(header)) throw refused("archive", `corrupt tar header at byte ${offset}`);
    const size = octal(header.subarray(124, 136));
    const flag = String.fromCharCode(header[156] as number);
    const start = offset + BLOCK;
    const end = start + size;
    if (size < 0 || end > tar.length) throw refused("archive", `truncated entry at byte ${offset}`);
    const content = tar.subarray(start, end);
    offset = start + Math.ceil(size / BLOCK) * BLOCK;

    if (flag === "L") {
      longName = content.toString("utf8").replace(/\0.*$/s, "");
      continue;
    }
    if (flag === "x") {
      paxPath = paxRecords(content).get("path") ?? paxPath;
      continue;
    }
    if (flag === "g") continue; // global pax attributes: nothing Plateau needs

    const name = field(header.subarray(0, 100));
    const magic = header.subarray(257, 262).toString("latin1");
    const prefix = magic === "ustar" ? field(header.subarray(345, 500)) : "";
    const path = paxPath ?? longName ?? (prefix ? `${prefix}/${name}` : name);
    longName = undefined;
    paxPath = undefined;
    const type = flag === "0" || flag === "\0" || flag === "7" ? "file" : flag === "5" ? "directory" : "other";
    yield { path, type, content };
  }
}

/** The path's segments; a path escaping the archive refuses the whole archive. */
function checkedPath(path: string): string[] {
  if (path.startsWith("/") || path.startsWith("\\") || /^[A-Za-z]:/.test(path)) throw refused("archive-path", `${path}: absolute paths are refused`);
  const segments = path.split(/[/\\]/).filter((segment) => segment !== "" && segment !== ".");
  if (segments.includes("..")) throw refused("archive-path", `${path}: paths with .. are refused`);
  return segments;
}

function checksumMatches(header: Buffer): boolean {
  const expected = octal(header.subarray(148, 156));
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : (header[i] as number);
  return sum === expected;
}

/** A numeric field: octal text, or big-endian base 256 when the high bit is set (GNU, for sizes over 8 GB). */
function octal(bytes: Buffer): number {
  if (((bytes[0] as number) & 0x80) !== 0) {
    let value = 0;
    for (let i = 1; i < bytes.length; i++) value = value * 256 + (bytes[i] as number);
    return value;
  }
  const text = bytes.toString("latin1").replace(/\0.*$/s, "").trim();
  return text === "" ? 0 : /^[0-7]+$/.test(text) ? Number.parseInt(text, 8) : -1;
}

const field = (bytes: Buffer): string => bytes.toString("utf8").replace(/\0.*$/s, "");

/** pax extended header records: `<length> <key>=<value>\n`. */
function paxRecords(content: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let offset = 0;
  while (offset < content.length) {
    const space = content.indexOf(0x20, offset);
    if (space === -1) break;
    const length = Number(content.subarray(offset, space).toString("latin1"));
    if (!Number.isInteger(length) || length <= 0 || offset + length > content.length) throw refused("archive", "corrupt pax header");
    const record = content.subarray(space + 1, offset + length - 1).toString("utf8");
    const equals = record.indexOf("=");
    if (equals > 0) records.set(record.slice(0, equals), record.slice(equals + 1));
    offset += length;
  }
  return records;
}

function decodeUtf8(content: Buffer, path: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(content);
  } catch {
    throw refused("archive", `${path} is not UTF-8 text`);
  }
}

const refused = (rule: string, message: string): InputError => InputError.field("", rule, `chart archive: ${message}`);
