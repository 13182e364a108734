// A real `plateau up` process and the real `plateau` command, for end-to-end tests.
import { spawn, type ChildProcess } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { run } from "../../src/adapters/process.js";
import { freeLoopbackPort } from "../../src/adapters/net.js";
import { createToken, identityConfig, signIn, type SignedInBrowser, type TestLogin } from "./sign-in.js";

export const BIN = new URL("../../bin/plateau.js", import.meta.url).pathname;

export interface ServerProcess {
  readonly url: string;
  /** The origin browsers use (the embedded provider's issuer lives under it). */
  readonly origin: string;
  readonly port: number;
  /** The API token `cli(server, …)` sends; set by `actAs`. */
  token?: string;
  /** Signs in (through the embedded provider) and makes an API token the CLI will use. */
  actAs(login: TestLogin): Promise<string>;
  signIn(login: TestLogin): Promise<SignedInBrowser>;
  readonly child: ChildProcess;
  output(): string;
  /** Graceful stop (SIGTERM). */
  stop(): Promise<void>;
  /** A crash. */
  kill(): Promise<void>;
}

/**
 * Writes plateau.yaml, with the test community's accounts unless the config sets an identity,
 * and without the local S3 server unless it sets `localS3` (a Ceph cluster per test, and left
 * running by the crash test's kills, would cost seconds each; ADR 32).
 */
export async function writeConfig(dir: string, config: string): Promise<string> {
  const file = join(dir, "plateau.yaml");
  const withS3 = config.includes("localS3:") ? config : `${config}${config === "" || config.endsWith("\n") ? "" : "\n"}localS3:\n  enabled: false\n`;
  await writeFile(file, withS3.includes("identity:") ? withS3 : `${withS3}${identityConfig()}`);
  return file;
}

export async function startServer(options: { dataDir: string; config: string; port?: number; env?: NodeJS.ProcessEnv }): Promise<ServerProcess> {
  const port = options.port ?? (await freeLoopbackPort());
  const child = spawn(process.execPath, [BIN, "up", "--port", String(port), "--data-dir", options.dataDir, "--config", options.config], {
    env: { ...process.env, PLATEAU_LOG_FORMAT: "text", PLATEAU_LOG_LEVEL: "info", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // Generous: a loaded machine (three replicas, a CI run) starts slowly; a server that never answers still fails.
  const readyBy = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`plateau up exited with ${child.exitCode}:\n${output}`);
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > readyBy) {
      child.kill("SIGKILL");
      throw new Error(`plateau up did not become ready:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  // The banner follows readiness by a few milliseconds.
  for (let attempt = 0; attempt < 100 && !output.includes("is up"); attempt++) await new Promise((resolve) => setTimeout(resolve, 20));
  const origin = `http://localhost:${port}`;
  const tokens = new Map<string, string>();
  const server: ServerProcess = {
    url,
    origin,
    port,
    async signIn(login) {
      return signIn(origin, login);
    },
    async actAs(login) {
      const known = tokens.get(login) ?? (await createToken(await signIn(origin, login)));
      tokens.set(login, known);
      server.token = known;
      return known;
    },
    child,
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      // A server that does not exit after SIGTERM is a bug: fail with its output, do not hang.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const stuck = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), 20_000)));
      const timedOut = await Promise.race([exited.then(() => false), stuck]);
      clearTimeout(timer);
      if (timedOut) {
        child.kill("SIGKILL");
        await exited;
        throw new Error(`plateau up did not exit within 20 s of SIGTERM:\n${output.slice(-2000)}`);
      }
    },
    async kill() {
      if (child.exitCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
  return server;
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `plateau` against a server, with its current token (see `actAs`). */
export async function cli(server: string | Pick<ServerProcess, "url" | "token">, ...args: string[]): Promise<CliResult> {
  const url = typeof server === "string" ? server : server.url;
  const token = typeof server === "string" ? undefined : server.token;
  const result = await run(process.execPath, [BIN, "--server", url, ...args], {
    env: { ...process.env, NO_COLOR: "1", PLATEAU_PROJECT: "", PLATEAU_TOKEN: token ?? "", PLATEAU_CREDENTIALS: "/nonexistent/plateau-credentials.json" },
  });
  return { code: result.code, stdout: result.stdout.toString("utf8"), stderr: result.stderr };
}

/** GET through Plateau's proxy with the instance's host name (and an API token, members only). */
export async function viaProxy(port: number, host: string, path = "/", token?: string): Promise<{ status: number; body: string }> {
  const { request } = await import("node:http");
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path, headers: { host, ...(token ? { authorization: `Bearer ${token}` } : {}) } }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", () => resolve({ status: 0, body: "" }));
    req.end();
  });
}

export const git = async (dir: string, ...args: string[]) => (await run("git", ["--git-dir", dir, ...args])).stdout.toString("utf8");
