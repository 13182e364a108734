// Running external programs (git, podman): always an argument vector, never a shell line,
// so no value can be interpreted by a shell.
import { spawn, type SpawnOptions } from "node:child_process";

export interface RunResult {
  readonly code: number;
  readonly stdout: Buffer;
  readonly stderr: string;
}

export interface RunOptions {
  readonly input?: string | Buffer;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly signal?: AbortSignal;
  /** Kill the process after this many milliseconds (the result then has code 124). */
  readonly timeoutMs?: number;
  /**
   * Run it as the leader of its own process group and kill the whole group at the timeout:
   * git fetch and push hand the transfer to a child (git-remote-http, ssh) that shares their
   * output pipes, so killing git alone would leave the child and the pipes open.
   */
  readonly killGroup?: boolean;
}

class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly code: number,
    readonly stderr: string,
  ) {
    super(`${command} exited with ${code}: ${lastLine(stderr)}`);
    this.name = "CommandError";
  }
}

/** The last meaningful line of a program's error output (podman prints warnings first). */
export function lastLine(text: string): string {
  const lines = text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith("failed to connect to syslog"));
  return lines.at(-1) ?? "(no output)";
}

export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const spawnOptions: SpawnOptions = {
      stdio: ["pipe", "pipe", "pipe"],
      env: options.env,
      cwd: options.cwd,
      signal: options.signal,
      detached: options.killGroup ?? false,
    };
    const child = spawn(command, args, spawnOptions);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    const timer = options.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          if (options.killGroup && child.pid) {
            try {
              process.kill(-child.pid, "SIGKILL");
            } catch {
              child.kill("SIGKILL"); // the group is already gone: only the leader may remain
            }
          } else child.kill("SIGKILL");
        }, options.timeoutMs)
      : undefined;
    child.stdout?.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: timedOut ? 124 : (code ?? 1), stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr).toString("utf8") });
    });
    // A program that exits before reading its input must not crash us with EPIPE.
    child.stdin?.on("error", () => {});
    child.stdin?.end(options.input ?? "");
  });
}

/** Runs and returns stdout, or throws a CommandError naming the program and its last error line. */
export async function runChecked(command: string, args: readonly string[], options: RunOptions = {}): Promise<Buffer> {
  const result = await run(command, args, options);
  if (result.code !== 0) throw new CommandError(`${command} ${args[0] ?? ""}`.trim(), result.code, result.stderr);
  return result.stdout;
}
