// A failover survives kill -9 at any point (ADR 0034): a Plateau process over a real git
// repository is killed (SIGKILL) at random points of a failover of plmapps, again and again;
// after each kill the repository is sound and holds at most one failover commit, and running
// the failover again with the same idempotency key ends where a run never killed ends: one
// failover commit, the same tree, the same report.
import { spawn } from "node:child_process";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "../../src/adapters/process.js";
import { seededRandom } from "../support/random.js";
import { git } from "../support/server.js";

const KILLS = Number(process.env.PLATEAU_FAILOVER_KILLS ?? 20);
const SEED = Number(process.env.PLATEAU_CRASH_SEED ?? Date.now() % 1_000_000);
const SCRIPT = join(import.meta.dirname, "..", "support", "failover-process.mjs");

interface Run {
  /** The report it printed, when it finished. */
  readonly report?: unknown;
  readonly killed: boolean;
  /** From `start` to `done` (or to the kill), in ms. */
  readonly ms: number;
  readonly output: string;
}

/** Runs the process; `killAfter(ms)` once it prints `start` decides when it is killed (undefined: never). */
function plateau(dir: string, mode: "setup" | "failover", killAfter?: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT, dir, mode], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    let started = 0;
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (started === 0 && output.includes("start\n")) {
        started = Date.now();
        if (killAfter !== undefined)
          setTimeout(() => {
            if (child.exitCode === null) child.kill("SIGKILL");
          }, killAfter);
      }
    });
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      const ms = started ? Date.now() - started : 0;
      if (signal === "SIGKILL") return resolve({ killed: true, ms, output });
      if (code !== 0) return reject(new Error(`the failover process exited with ${code}:\n${output}`));
      const done = /^done (.*)$/m.exec(output)?.[1];
      resolve({ killed: false, ms, output, ...(done ? { report: JSON.parse(done) as unknown } : {}) });
    });
  });
}

const failoverCommits = async (dir: string) =>
  (await git(dir, "log", "--format=%(trailers:key=Plateau-Action,valueonly)", "main")).split("\n").filter((action) => action.trim() === "failover").length;

describe("failover after kill -9", () => {
  it(`converges after ${KILLS} kills at random points (seed ${SEED})`, { timeout: 1_800_000 }, async () => {
    const next = seededRandom(SEED);
    const dir = await mkdtemp(join(tmpdir(), "plateau-failover-crash-"));
    try {
      const setup = join(dir, "setup.git");
      await plateau(setup, "setup");
      // A run never killed, from the same repository: the end state every other run must reach.
      const reference = join(dir, "reference.git");
      await cp(setup, reference, { recursive: true });
      const clean = await plateau(reference, "failover");
      expect(clean.report).toBeDefined();
      expect(await failoverCommits(reference)).toBe(1);
      const referenceTree = (await git(reference, "rev-parse", "main^{tree}")).trim();

      const crashed = join(dir, "crashed.git");
      await cp(setup, crashed, { recursive: true });
      const setupHead = (await git(setup, "rev-parse", "main")).trim();
      /** Restarted and run to its end with the same key: the same state as the run never killed. */
      const converged = async () => {
        const last = await plateau(crashed, "failover");
        expect(last.report).toEqual(clean.report);
        expect(await failoverCommits(crashed)).toBe(1);
        expect((await git(crashed, "rev-parse", "main^{tree}")).trim()).toBe(referenceTree);
      };
      // Kills land anywhere from the failover's first step to a little after its commit. While
      // no commit is there, the next run is killed again; once it is, a run to the end must
      // converge, then the repository goes back to before the failover for the next kills.
      const window = Math.max(50, clean.ms * 1.3);
      let kills = 0;
      let afterCommit = 0;
      let cycles = 0;
      for (let round = 0; kills < KILLS && round < KILLS * 4; round++) {
        const attempt = await plateau(crashed, "failover", Math.floor(next() * window));
        const fsck = await run("git", ["--git-dir", crashed, "fsck", "--strict", "--no-progress"]);
        expect(fsck.code, `git fsck: ${fsck.stderr}`).toBe(0);
        const commits = await failoverCommits(crashed);
        expect(commits).toBeLessThanOrEqual(1);
        if (attempt.killed) kills++;
        if (commits === 0) continue;
        if (attempt.killed) {
          afterCommit++;
          await converged();
        } else {
          // Not killed: this run itself restarted after the kills and went to the end.
          expect(attempt.report).toEqual(clean.report);
          expect((await git(crashed, "rev-parse", "main^{tree}")).trim()).toBe(referenceTree);
        }
        cycles++;
        await run("git", ["--git-dir", crashed, "update-ref", "refs/heads/main", setupHead]);
      }
      expect(kills).toBe(KILLS);
      await converged();
      console.info(`[failover-crash] seed ${SEED}: ${kills} kills (${afterCommit} after the commit), ${cycles + 1} convergences, failover ${clean.ms} ms`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
