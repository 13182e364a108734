// Logs: JSON lines (pino) for machines; in a terminal, one readable line per event.
import { pino, type Logger as PinoLogger } from "pino";
import { Writable } from "node:stream";

const LEVELS: Record<number, string> = { 10: "trace", 20: "debug", 30: "info", 40: "warn", 50: "error", 60: "fatal" };
const COLORS: Record<string, string> = { warn: "\x1b[33m", error: "\x1b[31m", fatal: "\x1b[31m", debug: "\x1b[2m", trace: "\x1b[2m" };

function humanStream(out: NodeJS.WritableStream, color: boolean): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n").filter(Boolean)) {
        try {
          const { level, time, msg, pid: _pid, hostname: _host, ...fields } = JSON.parse(line) as Record<string, unknown>;
          const name = LEVELS[level as number] ?? "info";
          const clock = new Date(time as number).toTimeString().slice(0, 8);
          const extra = Object.entries(fields)
            .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`)
            .join(" ");
          const text = `${clock} ${name.padEnd(5)} ${String(msg ?? "")}${extra ? `  ${extra}` : ""}`;
          out.write(color && COLORS[name] ? `${COLORS[name]}${text}\x1b[0m\n` : `${text}\n`);
        } catch {
          out.write(`${line}\n`);
        }
      }
      done();
    },
  });
}

/**
 * Whether logs are written for people: `PLATEAU_LOG_FORMAT=text` or `json` decides; otherwise
 * a terminal on either output means a person watches `plateau up` (its banner goes to
 * standard output, its logs to standard error), and JSON lines between banner lines help nobody.
 */
export function logsForPeople(format: string | undefined, terminal: { readonly stdout: boolean; readonly stderr: boolean }): boolean {
  if (format === "text") return true;
  if (format === "json") return false;
  return terminal.stdout || terminal.stderr;
}

export function createLogger(level: string, human: boolean): PinoLogger {
  if (!human) return pino({ level });
  return pino({ level }, humanStream(process.stderr, process.stderr.isTTY === true));
}
