// Output for people: aligned tables, short times, colour only on a terminal.
export interface Output {
  line(text?: string): void;
  error(text: string): void;
  readonly color: boolean;
  /** Width of the terminal, when there is one. */
  readonly columns?: number;
}

export function terminalOutput(): Output {
  const color = process.stdout.isTTY === true && process.env.NO_COLOR === undefined;
  return {
    color,
    ...(process.stdout.isTTY ? { columns: process.stdout.columns } : {}),
    line: (text = "") => process.stdout.write(`${text}\n`),
    error: (text) => process.stderr.write(`${text}\n`),
  };
}

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

/** "3 min ago", "2 h ago", or the date. */
export function ago(iso: string | null, now = Date.now()): string {
  if (!iso) return "-";
  const seconds = Math.round((now - Date.parse(iso)) / 1000);
  if (seconds < 60) return `${Math.max(seconds, 0)} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`;
  return iso.slice(0, 10);
}
