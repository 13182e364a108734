// `plateau up` stops expired instances by itself: at start-up (what expired while it was down)
// and every lifecycle.checkSeconds, one commit each in the real git repository, and nothing
// more when it is started again. Time is a fake clock moved by the test: each check runs when
// the clock reaches it, and the scheduler's idle() says when it is done. (Which instances are
// expired is decided in src/core/instances/expiry.ts; renewals are in lifecycle.test.ts.)
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { createGitRepository } from "../../src/adapters/git/git-repository.js";
import { parseInstance, serialize } from "../../src/core/model.js";
import { createFakeClock } from "../../src/core/testing/fake-clock.js";
import { loadConfig, paths } from "../../src/main/config.js";
import { startPlateau, type RunningPlateau } from "../../src/main/up.js";
import { alice } from "../support/plateau.js";

const dirs: string[] = [];
const running: RunningPlateau[] = [];
const clock = createFakeClock(new Date());

afterAll(async () => {
  for (const plateau of running) await plateau.close();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function start(dir: string): Promise<RunningPlateau> {
  const config = loadConfig({
    env: {},
    cwd: dir,
    overrides: {
      // No local S3 server (ADR 0032): this test has no buckets.
      localS3: { enabled: false },
      listen: { port: 0 },
      podman: { command: "/nonexistent/podman" },
      lifecycle: { checkSeconds: 1 },
      logLevel: "silent",
    },
  });
  const plateau = await startPlateau(config, pino({ level: "silent" }), { clock });
  running.push(plateau);
  return plateau;
}

/** Moves the clock by `ms`, then waits for the runs that started (checks commit to real git). */
const tick = async (plateau: RunningPlateau, ms: number) => {
  await clock.advance(ms);
  await plateau.scheduler.idle();
};

const stop = async (plateau: RunningPlateau) => {
  await plateau.close();
  running.splice(running.indexOf(plateau), 1);
};

describe("the expiry check of plateau up", () => {
  it("stops at start-up what expired while it was down, then what expires while it runs; once", async () => {
    const dir = await mkdtemp(join(tmpdir(), "plateau-expiry-"));
    dirs.push(dir);
    const first = await start(dir);
    const instances = first.plateau.services.instances;
    for (const name of ["old", "soon", "later"]) await instances.launch({ template: "static-site", project: "u-alice", name }, alice);
    expect((await instances.get("u-alice", "old")).expiresAt).toMatch(/Z$/);
    await stop(first);

    // While it is down: "old" expired yesterday, "soon" expires in two seconds (both set by an operator's commit).
    const repo = createGitRepository({ dir: paths(loadConfig({ env: {}, cwd: dir })).repository, clock });
    const head = (await repo.head()) as string;
    const changes = [];
    for (const [name, expiresAt] of [
      ["old", new Date(clock.now().getTime() - 86_400_000)],
      ["soon", new Date(clock.now().getTime() + 2000)],
    ] as const) {
      const path = `projects/u-alice/instances/${name}.yaml`;
      const intent = parseInstance((await repo.readFile(head, path)) as string, path);
      changes.push({ path, content: serialize({ ...intent, spec: { ...intent.spec, expiresAt: expiresAt.toISOString() } }) });
    }
    await repo.commit({ parent: head, author: { name: "oscar", email: "oscar@example.org" }, message: "expiries for a test", trailers: {}, changes });
    repo.close();

    const second = await start(dir);
    const subjects = async () => (await second.plateau.services.instances.history({ project: "u-alice" }, 100)).map((entry) => entry.subject);
    // The check at start-up.
    await second.scheduler.idle();
    expect(await subjects()).toContain("expire u-alice/old");
    expect(await subjects()).not.toContain("expire u-alice/soon");
    // One check a second (lifecycle.checkSeconds): "soon" is stopped by the one at its expiry, not before.
    await tick(second, 1000);
    expect(await subjects()).not.toContain("expire u-alice/soon");
    await tick(second, 1000);
    expect(await subjects()).toContain("expire u-alice/soon");
    const view = (name: string) => second.plateau.services.instances.get("u-alice", name);
    expect((await view("old")).state).toBe("stopped");
    expect((await view("soon")).state).toBe("stopped");
    expect((await view("later")).state).toBe("running");
    const history = await second.plateau.services.instances.history({ project: "u-alice", instance: "old" }, 1);
    expect(history[0]).toMatchObject({ action: "expire", author: "Plateau" });
    await stop(second);

    // Started again: nothing more to stop, nothing committed twice.
    const third = await start(dir);
    const before = (await third.plateau.services.instances.history({}, 1))[0]?.commit;
    // The check at start-up and the next one.
    await third.scheduler.idle();
    await tick(third, 1000);
    expect((await third.plateau.services.instances.history({}, 1))[0]?.commit).toBe(before);
    const expiries = (await third.plateau.services.instances.history({ project: "u-alice" }, 100)).filter((entry) => entry.action === "expire");
    expect(expiries).toHaveLength(2);
  });
});
