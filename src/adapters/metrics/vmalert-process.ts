// The local platform's alert evaluator: Debian's vmalert as a child process of `plateau up`,
// reading the labs' rules file Plateau writes (the same groups as the clusters' VMRules),
// querying the local VictoriaMetrics, and posting what fires to Plateau's own receiver
// (Alertmanager API v2) with basic auth. The password is in a file (0600), never on the
// command line where `ps` would show it. Absent binary: Plateau says so and keeps working.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { freeLoopbackPort } from "../net.js";
import { endsWithThisProcess, processesWithArgument, terminate } from "./victoria-metrics-process.js";

export const VMALERT_BINARY = "/usr/bin/vmalert";
/** The user vmalert presents to the receiver (the password is the secret). */
export const VMALERT_NOTIFIER_USER = "vmalert";

export interface VmalertParams {
  readonly binary?: string;
  /** A directory of Plateau's own where the rules file and the notifier's password live. */
  readonly dir: string;
  /** The local VictoriaMetrics (its Prometheus API's base). */
  readonly datasourceUrl: string;
  /** The receiver's base: vmalert adds `/api/v2/alerts` (`http://127.0.0.1:8080/api/v1/alerts/hook`). */
  readonly notifierUrl: string;
  readonly notifierPassword: string;
  /** The first rules file (vmalertRulesFile). */
  readonly rules: string;
  /** How often rules are evaluated (default 30s, a Go duration). */
  readonly evaluationInterval?: string;
  /** Where the alerts' source links point (Plateau's public URL). */
  readonly externalUrl?: string;
}

export interface VmalertProcess {
  /** vmalert's own HTTP API (its `/api/v1/alerts` lists what fires). */
  readonly url: string;
  /** Replaces the rules and makes vmalert read them again (SIGHUP): after a lab's or a project's change. */
  updateRules(rules: string): Promise<void>;
  stop(): Promise<void>;
}

export type VmalertStart = VmalertProcess | { readonly skipped: string };

async function writeAtomically(path: string, content: string, mode: number): Promise<void> {
  const temporary = `${path}.tmp`;
  await writeFile(temporary, content, { mode });
  await chmod(temporary, mode);
  await rename(temporary, path);
}

export async function startVmalert(params: VmalertParams): Promise<VmalertStart> {
  const binary = params.binary ?? VMALERT_BINARY;
  if (!existsSync(binary))
    return { skipped: `${binary} is not installed (apt-get install victoria-metrics): the local platform's lab alerts are not evaluated` };
  await mkdir(params.dir, { recursive: true, mode: 0o700 });
  const rulesFile = join(params.dir, "lab-alerts.yaml");
  const passwordFile = join(params.dir, "notifier-password");
  await writeAtomically(rulesFile, params.rules, 0o600);
  await writeAtomically(passwordFile, params.notifierPassword, 0o600);
  const port = await freeLoopbackPort();
  const url = `http://127.0.0.1:${port}`;
  const args = [
    `-rule=${rulesFile}`,
    `-datasource.url=${params.datasourceUrl}`,
    `-notifier.url=${params.notifierUrl}`,
    `-notifier.basicAuth.username=${VMALERT_NOTIFIER_USER}`,
    `-notifier.basicAuth.passwordFile=${passwordFile}`,
    `-evaluationInterval=${params.evaluationInterval ?? "30s"}`,
    `-httpListenAddr=127.0.0.1:${port}`,
    "-loggerLevel=ERROR",
    ...(params.externalUrl ? [`-external.url=${params.externalUrl}`] : []),
  ];
  // One left by a Plateau killed with -9 would evaluate (and post) forever: found by its rules file, which is this data directory's.
  for (const pid of await processesWithArgument(`-rule=${rulesFile}`)) await terminate(pid, 2000);
  const child: ChildProcess = spawn(binary, args, { stdio: ["ignore", "ignore", "pipe"] });
  endsWithThisProcess(child);
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  for (let attempt = 0; ; attempt++) {
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (attempt > 200 || child.exitCode !== null) {
      child.kill("SIGKILL");
      throw new Error(`vmalert did not start: ${stderr.trim().split("\n").at(-1) ?? ""}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url,
    async updateRules(rules) {
      await writeAtomically(rulesFile, rules, 0o600);
      child.kill("SIGHUP");
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = new Promise((resolve) => setTimeout(resolve, 5000).unref());
      await Promise.race([exited, timer]);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
}
