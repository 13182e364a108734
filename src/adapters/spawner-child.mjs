// The spawner: a small process that starts programs on Plateau's behalf (see process.ts and
// ADR 0020). Starting a program forks the process that starts it, and a fork copies that
// process's page tables while its event loop waits: from Plateau (a few hundred MB) each start
// blocked every request for about 15 ms, from this process (a bare Node) about 1 ms.
// Plain JavaScript with no dependency, so that it starts as fast as Node itself, from the
// sources as from dist/. It speaks only to its parent, over the IPC channel.
import { spawn } from "node:child_process";

/** @type {Map<number, { child: import("node:child_process").ChildProcess; aborted: boolean }>} */
const running = new Map();

/** @param {{ id: number; command: string; args: string[]; env: NodeJS.ProcessEnv; cwd: string; input: Uint8Array | string; timeoutMs: number | undefined; killGroup: boolean }} request */
function start(request) {
  const reply = (/** @type {object} */ message) => {
    running.delete(request.id);
    if (process.connected) process.send?.({ id: request.id, ...message });
  };
  let child;
  try {
    child = spawn(request.command, request.args, { stdio: ["pipe", "pipe", "pipe"], env: request.env, cwd: request.cwd, detached: request.killGroup });
  } catch (error) {
    reply({ type: "error", error: errorFields(error) });
    return;
  }
  const entry = { child, aborted: false };
  running.set(request.id, entry);
  /** @type {Buffer[]} */
  const stdout = [];
  /** @type {Buffer[]} */
  const stderr = [];
  let timedOut = false;
  const kill = () => {
    if (request.killGroup && child.pid) {
      try {
        process.kill(-child.pid, "SIGKILL");
        return;
      } catch {
        // the group is already gone: only the leader may remain
      }
    }
    child.kill("SIGKILL");
  };
  const timer = request.timeoutMs
    ? setTimeout(() => {
        timedOut = true;
        kill();
      }, request.timeoutMs)
    : undefined;
  child.stdout.on("data", (chunk) => stdout.push(chunk));
  child.stderr.on("data", (chunk) => stderr.push(chunk));
  child.on("error", (error) => {
    clearTimeout(timer);
    reply({ type: "error", error: errorFields(error) });
  });
  child.on("close", (code) => {
    clearTimeout(timer);
    if (entry.aborted) reply({ type: "aborted" });
    else reply({ type: "exit", code: timedOut ? 124 : (code ?? 1), stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr) });
  });
  // A program that exits before reading its input must not crash the spawner with EPIPE.
  child.stdin.on("error", () => {});
  child.stdin.end(request.input);
}

/** What a start failure says (ENOENT when the program is not installed), as plain data. */
function errorFields(/** @type {unknown} */ error) {
  const { message, code, errno, syscall, path } = /** @type {NodeJS.ErrnoException} */ (error);
  return { message, code, errno, syscall, path };
}

process.on("message", (/** @type {{ type: string; id: number }} */ message) => {
  if (message.type === "run") start(/** @type {any} */ (message));
  else if (message.type === "abort") {
    const entry = running.get(message.id);
    if (entry) {
      entry.aborted = true;
      entry.child.kill("SIGTERM"); // what spawn's `signal` option sends
    }
  }
});
// Plateau is gone (stopped, or killed): nothing is left to answer to.
process.on("disconnect", () => process.exit(0));
