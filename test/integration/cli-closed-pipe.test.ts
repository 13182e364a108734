// The real `plateau` command whose reader goes away early (`plateau ls | head -1`): it ends
// quietly, with the status git and coreutils have there (141: killed by SIGPIPE, as the shell
// reports it), never a stack trace. Enough instances that `ls` writes more than a pipe holds
// (64 KiB on Linux): the command is still writing when the reader has gone.
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../src/adapters/process.js";
import { alice } from "../support/plateau.js";
import { memoryApp } from "../support/app.js";
import { BIN } from "../support/server.js";
import { TEST_SETTINGS } from "../support/plateau.js";

const INSTANCES = 600;
const PIPE_BUFFER = 64 * 1024;

let fixture: Awaited<ReturnType<typeof memoryApp>>;
let server: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  const many = { ...TEST_SETTINGS.tenancy.projectQuota, instances: INSTANCES, cpu: 1000, memoryGiB: 1000 };
  fixture = await memoryApp({ tenancy: { ...TEST_SETTINGS.tenancy, projectQuota: many, labQuota: many } });
  const viewer = { login: "alice", groups: ["lab:imb"], labs: ["imb"], operator: false };
  for (let i = 0; i < INSTANCES; i++) {
    // Long names make long lines: fewer launches fill the pipe.
    const name = `instance-${String(i).padStart(4, "0")}-of-a-long-list`;
    await fixture.plateau.services.instances.launch({ template: "static-site", project: "demo", name, viewer }, alice);
  }
  server = await fixture.app.listen({ host: "127.0.0.1", port: 0 });
  env = { ...process.env, PLATEAU_TOKEN: await fixture.tokenOf("alice"), PLATEAU_CREDENTIALS: "/nonexistent", NO_COLOR: "1" };
}, 600_000);

afterAll(async () => {
  await fixture?.app.close();
  await fixture?.plateau.stop();
});

describe("plateau on a closed pipe", () => {
  it("writes more than a pipe holds when nobody closes it", async () => {
    const all = await run(process.execPath, [BIN, "--server", server, "ls", "--project", "demo"], { env });
    expect(all.code).toBe(0);
    expect(all.stdout.length).toBeGreaterThan(PIPE_BUFFER);
  });

  it("ends quietly with 141 under `| head -1`, in a shell that reports the pipeline's failure", async () => {
    const script = `set -o pipefail; "$NODE" "$BIN" --server "$SERVER" ls --project demo | head -1`;
    const result = await run("bash", ["-c", script], { env: { ...env, NODE: process.execPath, BIN, SERVER: server } });
    expect(result.stderr).toBe("");
    expect(result.stdout.toString()).toMatch(/^INSTANCE\s+TEMPLATE\s+STATUS/);
    expect(result.stdout.toString().split("\n")).toHaveLength(2);
    expect(result.code).toBe(141);
  });

  it("ends quietly for a reader that closes after its first line, JSON too", async () => {
    for (const args of [
      ["ls", "--project", "demo"],
      ["ls", "--project", "demo", "--json"],
    ]) {
      const child = spawn(process.execPath, [BIN, "--server", server, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      const firstLine = await new Promise<string>((resolve) => {
        let seen = "";
        child.stdout.on("data", (chunk: Buffer) => {
          seen += chunk.toString();
          const end = seen.indexOf("\n");
          if (end >= 0) {
            child.stdout.destroy();
            resolve(seen.slice(0, end));
          }
        });
      });
      const status = await new Promise<{ code: number | null; signal: string | null }>((resolve) =>
        child.on("close", (code, signal) => resolve({ code, signal })),
      );
      expect(firstLine.length).toBeGreaterThan(0);
      expect(stderr, args.join(" ")).toBe("");
      expect(status, args.join(" ")).toEqual({ code: 141, signal: null });
    }
  });
});
