// Running external programs (git, podman): always an argument vector, never a shell line,
// so no value can be interpreted by a shell. Programs are started by the spawner, a small
// child process (spawner-child.mjs, ADR 0020): starting them from Plateau itself blocked its
// event loop ~15 ms each (a fork copies the page tables of a process of a few hundred MB).
import { fork, spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { fileURLToPath } from "node:url";

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

/** Runs a program to its end, through the spawner (or from this process if the spawner cannot start). */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const spawner = theSpawner();
  return spawner ? spawner.run(command, args, options) : runHere(command, args, options);
}

/** Runs a program started from this process (the spawner's fallback, and what it does in its own process). */
export function runHere(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
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

interface Spawner {
  run(command: string, args: readonly string[], options: RunOptions): Promise<RunResult>;
}

type SpawnerReply =
  | { readonly id: number; readonly type: "exit"; readonly code: number; readonly stdout: Uint8Array; readonly stderr: Uint8Array }
  | { readonly id: number; readonly type: "error"; readonly error: { message: string; code?: string; errno?: number; syscall?: string; path?: string } }
  | { readonly id: number; readonly type: "aborted" };

const SPAWNER_PATH = fileURLToPath(new URL("./spawner-child.mjs", import.meta.url));
/** The spawner of this process: started on first use, again after it died; null when it cannot start. */
let spawner: Spawner | null | undefined;

function theSpawner(): Spawner | null {
  if (spawner === undefined) spawner = startSpawner();
  return spawner;
}

const abortError = (): Error => Object.assign(new Error("The operation was aborted"), { name: "AbortError", code: "ABORT_ERR" });
const bytes = (data: Uint8Array): Buffer => Buffer.from(data.buffer, data.byteOffset, data.byteLength);

function startSpawner(): Spawner | null {
  let child: ChildProcess;
  try {
    // No execArgv: the spawner needs no loader, profiler or inspector of ours, and stays small.
    child = fork(SPAWNER_PATH, [], { execArgv: [], serialization: "advanced", stdio: ["ignore", "ignore", "inherit", "ipc"] });
  } catch {
    return null;
  }
  const pending = new Map<number, { resolve: (result: RunResult) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  // The spawner keeps Plateau alive only while it runs something for it.
  const hold = (held: boolean) => {
    if (held) {
      child.ref();
      child.channel?.ref();
    } else {
      child.unref();
      child.channel?.unref();
    }
  };
  hold(false);
  child.on("message", (reply: SpawnerReply) => {
    const waiting = pending.get(reply.id);
    if (!waiting) return;
    pending.delete(reply.id);
    if (pending.size === 0) hold(false);
    if (reply.type === "exit") waiting.resolve({ code: reply.code, stdout: bytes(reply.stdout), stderr: bytes(reply.stderr).toString("utf8") });
    else if (reply.type === "aborted") waiting.reject(abortError());
    else waiting.reject(Object.assign(new Error(reply.error.message), reply.error));
  });
  const gone = (why: string) => {
    if (spawner === self) spawner = undefined; // the next run starts another
    for (const waiting of pending.values()) waiting.reject(new Error(`the spawner ${why} while a program ran; it may or may not have finished`));
    pending.clear();
  };
  child.on("exit", (code, signal) => gone(signal ? `was killed by ${signal}` : `exited with ${code}`));
  child.on("error", () => gone("failed"));

  const self: Spawner = {
    run(command, args, options) {
      if (options.signal?.aborted) return Promise.reject(abortError());
      const id = nextId++;
      return new Promise<RunResult>((resolve, reject) => {
        const onAbort = () => child.send({ type: "abort", id });
        options.signal?.addEventListener("abort", onAbort, { once: true });
        const settle =
          <T>(then: (value: T) => void) =>
          (value: T) => {
            options.signal?.removeEventListener("abort", onAbort);
            then(value);
          };
        pending.set(id, { resolve: settle(resolve), reject: settle(reject) });
        hold(true);
        child.send({
          type: "run",
          id,
          command,
          args: [...args],
          // What a program started here would get: this process's environment and directory now.
          env: options.env ?? process.env,
          cwd: options.cwd ?? process.cwd(),
          input: options.input ?? "",
          timeoutMs: options.timeoutMs,
          killGroup: options.killGroup ?? false,
        });
      });
    },
  };
  return self;
}
