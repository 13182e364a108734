// Output for people: aligned tables, short times, colour only on a terminal.
import { DISPLAY_CONTROLS } from "../contracts/text.js";
export interface Output {
  line(text?: string): void;
  error(text: string): void;
  readonly color: boolean;
  /** Width of the terminal, when there is one. */
  readonly columns?: number;
  /**
   * What a step that takes a while is doing (reading a chart, committing), on one line of the
   * terminal that the next step replaces; undefined clears it. Absent when stderr is not a
   * terminal: scripts and pipes get only the result.
   */
  progress?(text: string | undefined): void;
}

interface Stream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): unknown;
}

export function terminalOutput(
  streams: { stdout: Stream; stderr: Stream; env: Record<string, string | undefined> } = { stdout: process.stdout, stderr: process.stderr, env: process.env },
): Output {
  const { stdout, stderr, env } = streams;
  const color = stdout.isTTY === true && env.NO_COLOR === undefined;
  // Back to the line's start and clear it (CR, then erase the line: ECMA-48 EL 2).
  const clear = "\r\u001b[2K";
  return {
    color,
    ...(stdout.isTTY ? { columns: stdout.columns } : {}),
    line: (text = "") => stdout.write(`${forTerminal(text)}\n`),
    error: (text) => stderr.write(`${forTerminal(text)}\n`),
    ...(stderr.isTTY ? { progress: (text: string | undefined) => void stderr.write(text === undefined ? clear : `${clear}${forTerminal(text)}`) } : {}),
  };
}

/**
 * Every line the CLI writes, made safe for a terminal: text from others (chart titles of
 * third-party catalogs, values, events, the audit log) may carry escape sequences that set
 * the window's title, rewrite the screen or reorder it. Only the colours this CLI paints
 * (SGR sequences), line breaks and tabs pass; every other control is written out.
 */
export const forTerminal = (text: string): string =>
  text.replace(TERMINAL_UNSAFE, (match) => (match === "\n" || match === "\t" || match.length > 1 ? match : escaped(match)));

const DISPLAY_CONTROL = new RegExp(`[${DISPLAY_CONTROLS}]`, "g");
// Our own colours first, so that their escape is not taken for a lone control.
const TERMINAL_UNSAFE = new RegExp(`\\x1b\\[[0-9;]*m|[${DISPLAY_CONTROLS}]`, "g");

const escaped = (c: string) => `\\u{${c.charCodeAt(0).toString(16)}}`;

const ANSI = { green: 32, red: 31, yellow: 33, dim: 2, bold: 1, cyan: 36 } as const;
export const paint = (output: Output, style: keyof typeof ANSI, text: string): string => (output.color ? `\x1b[${ANSI[style]}m${text}\x1b[0m` : text);

export function phaseColor(phase: string): keyof typeof ANSI {
  if (phase === "running") return "green";
  if (phase === "failed") return "red";
  if (phase === "stopped" || phase === "stopping") return "dim";
  return "yellow";
}

/** Columns padded to their widest cell; the last column is never padded. */
export function table(headers: string[], rows: string[][]): string[] {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => visible(row[i] ?? "").length)));
  const render = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell + " ".repeat(Math.max(0, (widths[i] ?? 0) - visible(cell).length))))
      .join("  ")
      .trimEnd();
  return [render(headers), ...rows.map(render)];
}

// eslint-disable-next-line no-control-regex
const visible = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, "");

/**
 * Text the server keeps from others, as a terminal should show it: C0 and C1 controls (escape
 * sequences that clear the screen or set the title), line separators and bidirectional controls
 * are written out (`\u{1b}`), never obeyed. The audit log records what people sent, refused or not.
 */
export const printable = (text: string): string => text.replace(DISPLAY_CONTROL, escaped);

/** "3 min ago", "2 h ago", or the date. */
export function ago(iso: string | null, now = Date.now()): string {
  if (!iso) return "-";
  const seconds = Math.round((now - Date.parse(iso)) / 1000);
  if (seconds < 60) return `${Math.max(seconds, 0)} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`;
  return iso.slice(0, 10);
}

const DAY = 86_400;

/** "in 40 min", "in 5 h", "in 3 days"; "expired" once passed. */
export function until(iso: string, now = Date.now()): string {
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  if (seconds <= 0) return "expired";
  if (seconds < 3600) return `in ${Math.max(1, Math.round(seconds / 60))} min`;
  if (seconds < 2 * DAY) return `in ${Math.round(seconds / 3600)} h`;
  return `in ${Math.round(seconds / DAY)} days`;
}

/** `2026-03-31 09:00 UTC`. */
export const utc = (iso: string): string => `${new Date(iso).toISOString().slice(0, 16).replace("T", " ")} UTC`;

/** An instance expiring within this many days is marked. */
export const EXPIRING_DAYS = 3;

interface Expiring {
  readonly state: "running" | "stopped";
  readonly expiresAt: string | null;
  /** What its expiry does (the API's Instance): `remove` for a chart that nothing scales to zero (ADR 24); absent: it stops. */
  readonly expiry?: "stop" | "remove";
}

/** What `plateau ls` says of an instance's expiry, and in which colour: one its expiry removes says "removed". */
export function expiryCell(instance: Expiring, now = Date.now()): { text: string; style?: "yellow" | "red" | "dim" } {
  if (instance.expiresAt === null) return { text: "never", style: "dim" };
  const left = Date.parse(instance.expiresAt) - now;
  // A stopped instance does not expire; one stopped by its expiry says so.
  if (instance.state === "stopped") return left <= 0 ? { text: `expired ${instance.expiresAt.slice(0, 10)}`, style: "dim" } : { text: "-" };
  const removed = instance.expiry === "remove";
  if (left <= 0) return { text: removed ? "expired, being removed" : "expired", style: "red" };
  const soon = left < EXPIRING_DAYS * DAY * 1000;
  // Its data goes with it: marked from afar, not only in its last days.
  if (removed) return { text: `removed ${until(instance.expiresAt, now)}`, style: soon ? "red" : "yellow" };
  return { text: until(instance.expiresAt, now), ...(soon ? { style: "yellow" as const } : {}) };
}

/** What `plateau status` says of an instance's expiry, with what to do. */
export function expiryLine(instance: Expiring & { readonly project: string; readonly name: string }, now = Date.now()): string {
  const ref = `${instance.project}/${instance.name}`;
  if (instance.expiresAt === null) return "never";
  const passed = Date.parse(instance.expiresAt) <= now;
  if (instance.state === "stopped") {
    return passed
      ? `expired on ${utc(instance.expiresAt)}: Plateau stopped it (its data is kept); plateau start ${ref} runs it again`
      : `does not expire while stopped; starting it gives it a fresh expiry`;
  }
  if (instance.expiry === "remove") {
    // It cannot be stopped (ADR 24): its expiry deletes it and its data, which people must read before the day.
    return passed
      ? `${utc(instance.expiresAt)} (expired: Plateau removes it, its data with it, at its next check)`
      : `${utc(instance.expiresAt)} (${until(instance.expiresAt, now)}): then removed, its data with it (it cannot be stopped); plateau renew ${ref} keeps it longer`;
  }
  if (passed) return `${utc(instance.expiresAt)} (expired: Plateau stops it at its next check)`;
  return `${utc(instance.expiresAt)} (${until(instance.expiresAt, now)}); plateau renew ${ref} keeps it longer`;
}

/** How a chart stops (ADR 24), as `plateau catalog` says it. */
export type ChartStopKind = "suspend" | "replicas" | "remove-on-expiry";

/** The STOP column of `plateau catalog`: built-in templates and most charts stop; some are only removed. */
export function stopCell(stop: ChartStopKind | undefined, template = false): string {
  if (template || stop === "suspend" || stop === "replicas") return "stops";
  return stop === "remove-on-expiry" ? "removed on expiry" : "-";
}

/** What `plateau catalog <catalog>/<chart>` says of how it stops, and what it means. */
export function stopLine(stop: ChartStopKind | undefined): string {
  switch (stop) {
    case "suspend":
      return "stops with global.suspend (scaled to zero, data kept)";
    case "replicas":
      return "stops by its replica values at 0 (scaled to zero, data kept)";
    case "remove-on-expiry":
      return "cannot be stopped, only removed: when it expires, Plateau removes it, its data with it (plateau renew keeps it longer)";
    default:
      return "unknown (the server cannot tell)";
  }
}
