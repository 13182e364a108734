import { mkdtemp, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run, runChecked, runHere } from "./process.js";

// The same expectations for a program started by the spawner (run) and from this process
// (runHere, its fallback): what callers see must not depend on who started the program.
const NODE = process.execPath;
const script = (source: string) => ["-e", source];

describe.each([
  ["the spawner", run],
  ["this process", runHere],
])("running a program from %s", (_who, start) => {
  let dir: string;
  beforeAll(async () => {
    dir = await realpath(await mkdtemp(join(tmpdir(), "plateau-process-")));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("gives its exit code, its output as bytes and its errors as text", async () => {
    const result = await start(NODE, script("process.stdout.write(Buffer.from([0, 255, 1])); process.stderr.write('é'); process.exit(3)"));
    expect(result.code).toBe(3);
    expect([...result.stdout]).toEqual([0, 255, 1]);
    expect(result.stderr).toBe("é");
  });

  it("feeds its input, text or bytes, and passes the argument vector untouched", async () => {
    const echo = script("process.stdin.pipe(process.stdout)");
    expect((await start(NODE, echo, { input: "a line; $(rm -rf /)\n" })).stdout.toString()).toBe("a line; $(rm -rf /)\n");
    const big = Buffer.alloc(3 * 1024 * 1024, 7);
    expect((await start(NODE, echo, { input: big })).stdout.equals(big)).toBe(true);
    const args = await start(NODE, [...script("console.log(JSON.stringify(process.argv.slice(1)))"), "--", "$HOME", "a b", "'\""]);
    expect(JSON.parse(args.stdout.toString())).toEqual(["$HOME", "a b", "'\""]);
  });

  it("runs in the directory and environment asked, else in this process's", async () => {
    const where = script("console.log(process.cwd() + ' ' + process.env.PLATEAU_PROCESS_TEST)");
    expect((await start(NODE, where, { cwd: dir, env: { PLATEAU_PROCESS_TEST: "asked" } })).stdout.toString().trim()).toBe(`${dir} asked`);
    process.env.PLATEAU_PROCESS_TEST = "inherited now";
    try {
      expect((await start(NODE, where)).stdout.toString().trim()).toBe(`${process.cwd()} inherited now`);
    } finally {
      delete process.env.PLATEAU_PROCESS_TEST;
    }
  });

  it("fails with ENOENT when the program is not installed", async () => {
    await expect(start(join(dir, "no-such-program"), [])).rejects.toMatchObject({ code: "ENOENT" });
    await expect(runChecked(NODE, script("console.error('warning'); console.error('it broke'); process.exit(2)"))).rejects.toThrow(/exited with 2: it broke/);
  });

  it("kills a program that outlives its timeout (code 124), with its children when asked", async () => {
    const result = await start(NODE, script("setTimeout(() => {}, 60_000)"), { timeoutMs: 200 });
    expect(result.code).toBe(124);
    // The child of the program holds the output pipe: only killing the group ends the run.
    const grandchild = `require('child_process').spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'inherit' }); setTimeout(() => {}, 60000)`;
    const group = await start(NODE, script(grandchild), { timeoutMs: 300, killGroup: true });
    expect(group.code).toBe(124);
  });

  it("stops the program when its signal aborts, with an AbortError", async () => {
    const controller = new AbortController();
    const running = start(NODE, script("setTimeout(() => {}, 60_000)"), { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await expect(running).rejects.toMatchObject({ name: "AbortError" });
    await expect(start(NODE, [], { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: "AbortError" });
  });
});

describe("the spawner", () => {
  it("starts programs from its own process, not from this one", async () => {
    const parent = Number((await run(NODE, script("console.log(process.ppid)"))).stdout.toString());
    expect(parent).not.toBe(process.pid);
    expect(Number((await runHere(NODE, script("console.log(process.ppid)"))).stdout.toString())).toBe(process.pid);
  });

  it("fails the runs of a spawner that died, and the next run starts another", async () => {
    const spawnerPid = Number((await run(NODE, script("console.log(process.ppid)"))).stdout.toString());
    const running = run(NODE, script("setTimeout(() => {}, 60_000)"));
    await new Promise((resolve) => setTimeout(resolve, 100));
    process.kill(spawnerPid, "SIGKILL");
    await expect(running).rejects.toThrow(/spawner was killed by SIGKILL/);
    const next = Number((await run(NODE, script("console.log(process.ppid)"))).stdout.toString());
    expect(next).not.toBe(spawnerPid);
    expect(next).not.toBe(process.pid);
  });
});
