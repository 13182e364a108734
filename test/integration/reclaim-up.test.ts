// `plateau up` runs idle reclaim by itself when `reclaim.enabled`: at start-up and every
// reclaim.checkSeconds, one commit per step in the real git repository, its notice kept in
// SQLite; started again, it commits nothing twice. A real VictoriaMetrics says what is idle;
// the time is a fake clock. (What the steps are: idle-reclaim.test.ts.)
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { createGitRepository } from "../../src/adapters/git/git-repository.js";
import { parsePlatform, serialize } from "../../src/core/model.js";
import { createFakeClock } from "../../src/core/testing/fake-clock.js";
import { loadConfig, paths } from "../../src/main/config.js";
import { startPlateau, type RunningPlateau } from "../../src/main/up.js";
import { alice } from "../support/plateau.js";
import { idleSeries } from "../support/idle-series.js";
import { startVictoriaMetrics } from "../support/victoria-metrics.js";

const HOUR = 3_600_000;
const T0 = Date.now() - 3 * 24 * HOUR - ((Date.now() - 3 * 24 * HOUR) % HOUR);
const started = await startVictoriaMetrics();

describe.skipIf("skipped" in started)("the reclaim task of plateau up", () => {
  if ("skipped" in started) return;
  const vm = started;
  const dirs: string[] = [];
  const running: RunningPlateau[] = [];
  const clock = createFakeClock(new Date(T0 - 100 * HOUR));

  afterAll(async () => {
    for (const plateau of running) await plateau.close();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    await vm.stop();
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
        reclaim: { enabled: true, checkSeconds: 60 },
        logLevel: "silent",
      },
    });
    const plateau = await startPlateau(config, pino({ level: "silent" }), { clock });
    running.push(plateau);
    return plateau;
  }
  const stop = async (plateau: RunningPlateau) => {
    await plateau.close();
    running.splice(running.indexOf(plateau), 1);
  };

  it("announces at start-up what is idle, once, however often it runs or restarts", async () => {
    const dir = await mkdtemp(join(tmpdir(), "plateau-reclaim-"));
    dirs.push(dir);
    const first = await start(dir);
    await first.plateau.services.instances.launch({ template: "static-site", project: "u-alice", name: "sleepy" }, alice);
    await first.plateau.services.instances.launch({ template: "static-site", project: "u-alice", name: "busy" }, alice);
    await stop(first);
    // The local platform gets its metrics (an operator's commit), and the metrics their series.
    const repo = createGitRepository({ dir: paths(loadConfig({ env: {}, cwd: dir })).repository, clock });
    const head = (await repo.head()) as string;
    const platform = parsePlatform((await repo.readFile(head, "platforms/local.yaml")) as string, "platforms/local.yaml");
    await repo.commit({
      parent: head,
      author: { name: "oscar", email: "oscar@example.org" },
      message: "metrics of the local platform",
      trailers: {},
      changes: [{ path: "platforms/local.yaml", content: serialize({ ...platform, spec: { ...platform.spec, metrics: { url: vm.url } } }) }],
    });
    repo.close();
    await vm.importSeries(
      idleSeries(
        [
          { project: "u-alice", instance: "sleepy", fromHours: 100, busy: (h) => h > 60 },
          { project: "u-alice", instance: "busy", fromHours: 100, busy: () => true },
        ],
        T0,
      ),
    );
    clock.set(new Date(T0));

    const second = await start(dir);
    await second.scheduler.idle();
    const steps = async (plateau: RunningPlateau) =>
      (await plateau.plateau.services.instances.history({ project: "u-alice" }, 100)).filter((entry) => entry.action.startsWith("idle-"));
    expect((await steps(second)).map((entry) => entry.subject)).toEqual([expect.stringMatching(/^idle: stop u-alice\/sleepy on /)]);
    await clock.advance(60_000);
    await second.scheduler.idle();
    expect(await steps(second)).toHaveLength(1);
    expect((await second.plateau.services.notifications?.list("alice"))?.map((notice) => notice.kind)).toEqual(["idle-stop-planned"]);
    await stop(second);

    const third = await start(dir);
    await third.scheduler.idle();
    expect(await steps(third)).toHaveLength(1);
    expect(await third.plateau.services.notifications?.list("alice")).toHaveLength(1);
  });
});
