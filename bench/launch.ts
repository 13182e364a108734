// B7: a launch through Plateau (request → first HTTP 200 through its proxy) vs podman alone
// (`podman kube play` of the same pod file → first 200 on its port). A shim around podman
// timestamps each of its runs, to tell our own work from podman's.
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { run } from "../src/adapters/process.js";
import { freeLoopbackPort } from "../src/adapters/net.js";
import { loadConfig } from "../src/main/config.js";
import { startPlateau } from "../src/main/up.js";
import { buildTestImage, cleanPodmanProject, TEST_IMAGE } from "../test/support/podman.js";
import { createToken, signIn, TEST_ACCOUNTS } from "../test/support/sign-in.js";
import { ms, ratio, showSpread, spread, type Row } from "./stats.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function status(port: number, host: string, token?: string): Promise<number> {
  return new Promise((resolve) => {
    const headers = { host, ...(token ? { authorization: `Bearer ${token}` } : {}) };
    const req = request({ host: "127.0.0.1", port, path: "/", headers, timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", () => resolve(0));
    req.on("timeout", () => req.destroy());
    req.end();
  });
}

async function until200(port: number, host: string, token?: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await status(port, host, token)) !== 200) {
    if (Date.now() > deadline) throw new Error(`no 200 from ${host} on port ${port}`);
    await sleep(5);
  }
}

interface ShimCall {
  start: number;
  end: number;
  args: string;
}

async function shimCalls(log: string): Promise<ShimCall[]> {
  const text = await readFile(log, "utf8").catch(() => "");
  const starts = new Map<string, number>();
  const calls: ShimCall[] = [];
  for (const line of text.split("\n").filter(Boolean)) {
    const [id, phase, time, ...args] = line.split(" ");
    if (phase === "start") starts.set(id as string, Number(time) / 1e6);
    else calls.push({ start: starts.get(id as string) ?? 0, end: Number(time) / 1e6, args: args.join(" ") });
  }
  return calls.sort((a, b) => a.start - b.start);
}

/** One repetition: ours and podman alone, one after the other. Phases only when traced. */
interface Pair {
  readonly ours: number;
  readonly baseline: number;
  readonly traced?: {
    /** Ours: until the API answered 202, until kube play started (less the podman calls before it), kube play, after it → first 200. */
    readonly accepted: number;
    readonly beforePlay: number;
    readonly podmanBefore: number;
    readonly play: number;
    readonly afterPlay: number;
    /** Podman alone: kube play, after it → first 200. */
    readonly basePlay: number;
    readonly baseAfter: number;
  };
}

export async function benchLaunch(log: (line: string) => void, repetitions = 21, tracedRepetitions = 7): Promise<Row[]> {
  const missing = await run("podman", ["version"]).then(
    (r) => (r.code === 0 ? undefined : r.stderr),
    () => "podman is not installed",
  );
  if (missing) {
    log(`  B7 skipped: ${missing}`);
    return [];
  }
  const imageProblem = await buildTestImage();
  if (imageProblem) {
    log(`  B7 skipped: ${imageProblem}`);
    return [];
  }
  const base = await mkdtemp(join(tmpdir(), "plateau-bench-b7-"));
  const shimLog = join(base, "podman-calls.log");
  const shim = join(base, "podman-shim.sh");
  await writeFile(
    shim,
    `#!/bin/sh\nid=$$\necho "$id start $(date +%s%N) $*" >> ${shimLog}\npodman "$@"\nrc=$?\necho "$id end $(date +%s%N) $*" >> ${shimLog}\nexit $rc\n`,
  );
  await chmod(shim, 0o755);
  await cleanPodmanProject("bench");
  await cleanPodmanProject("baseline");
  const verbose = Boolean(process.env.PLATEAU_BENCH_TRACE);

  /**
   * One Plateau, `count` repetitions after a first one that is not counted (it makes the
   * project's network, and warms the JIT and podman's caches, on both sides). With `traced`,
   * podman runs through the timestamping shim on both sides (which slows it a little).
   */
  async function session(traced: boolean, count: number): Promise<Pair[]> {
    const pairs: Pair[] = [];
    const podman = traced ? shim : "podman";
    const dataDir = join(base, traced ? "traced" : "data");
    const config = loadConfig({
      env: {},
      cwd: base,
      overrides: {
        dataDir,
        listen: { port: 0 },
        podman: { command: podman, stopTimeoutSeconds: 0 },
        identity: { embedded: { accounts: TEST_ACCOUNTS } },
        rateLimits: { launchPerMinute: 10_000 },
        logLevel: "warn",
      },
    });
    const running = await startPlateau(config, pino({ level: "warn" }));
    // Alice signs in (through the embedded provider) and owns the lab project the launches go to.
    const token = await createToken(await signIn(`http://localhost:${running.port}`, "alice"));
    const auth = { authorization: `Bearer ${token}` };
    const created = await fetch(`${running.url}/api/v1/projects`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ name: "bench", lab: "imb" }),
    });
    if (created.status !== 201) throw new Error(`project creation answered ${created.status}: ${await created.text()}`);
    try {
      for (let r = 0; r <= count; r++) {
        const name = `${traced ? "t" : "b"}${r}`;
        await writeFile(shimLog, "");
        const startedAt = Date.now();
        const t0 = performance.now();
        const response = await fetch(`${running.url}/api/v1/projects/bench/instances`, {
          method: "POST",
          headers: { ...auth, "content-type": "application/json" },
          body: JSON.stringify({ template: "static-site", name, values: { image: TEST_IMAGE } }),
        });
        if (response.status !== 202) throw new Error(`launch answered ${response.status}: ${await response.text()}`);
        const acceptedAt = Date.now();
        await until200(running.port, `${name}.bench.localhost`, token);
        const servedAt = Date.now();
        const ours = performance.now() - t0;
        const calls = traced ? await shimCalls(shimLog) : [];

        // Podman alone, with the very pod file our engine played (renamed, on another port).
        const installation = (await readFile(join(dataDir, "installation-id"), "utf8")).trim();
        const podFile = await readFile(join(dataDir, "run", `plateau-${installation}.bench.${name}.yaml`), "utf8");
        const port = await freeLoopbackPort();
        const own = podFile
          .replaceAll(`plateau-${installation}.bench.${name}`, `plateau-${installation}.baseline.${name}`)
          .replace(/hostPort: \d+/, `hostPort: ${port}`)
          .replaceAll("plateau.io/project: bench", "plateau.io/project: baseline");
        const file = join(base, `baseline-${name}.yaml`);
        await writeFile(file, own);
        let t1 = performance.now();
        // On podman's default network (ours first makes the project's network when the project has no pod).
        let played = await run(podman, ["kube", "play", "--quiet", "--network", "podman", file]);
        if (played.code !== 0) {
          // Other podman users of this machine (tests cleaning up) may remove the pod being played: once more, timed anew.
          log(`    podman kube play failed, played again: ${played.stderr.trim().split("\n").at(-1) ?? ""}`);
          await cleanPodmanProject("baseline");
          t1 = performance.now();
          played = await run(podman, ["kube", "play", "--quiet", "--network", "podman", file]);
        }
        if (played.code !== 0) throw new Error(`podman kube play failed: ${played.stderr}`);
        const t2 = performance.now();
        await until200(port, "localhost");
        const t3 = performance.now();
        const baseline = t3 - t1;
        await cleanPodmanProject("baseline");

        const play = calls.find((call) => call.args.startsWith("kube play"));
        if (traced && !play) throw new Error("the traced launch ran no kube play");
        const pair: Pair = play
          ? {
              ours,
              baseline,
              traced: {
                accepted: acceptedAt - startedAt,
                beforePlay: play.start - startedAt,
                podmanBefore: calls.filter((call) => call.end <= play.start && call.start >= startedAt).reduce((sum, call) => sum + (call.end - call.start), 0),
                play: play.end - play.start,
                afterPlay: servedAt - play.end,
                basePlay: t2 - t1,
                baseAfter: t3 - t2,
              },
            }
          : { ours, baseline };
        if (verbose) {
          log(`    ${r === 0 ? "warm-up " : ""}${name}: ours ${ms(ours)} ms, podman alone ${ms(baseline)} ms (${ratio(ours / baseline)})`);
          if (pair.traced) {
            const t = pair.traced;
            for (const call of calls) log(`      +${ms(call.start - startedAt)} ms (${ms(call.end - call.start)} ms) podman ${call.args}`);
            log(
              `      ours: 202 at +${ms(t.accepted)} ms, kube play at +${ms(t.beforePlay)} ms, ${ms(t.play)} ms, then ${ms(t.afterPlay)} ms to the first 200; podman alone: kube play ${ms(t.basePlay)} ms, then ${ms(t.baseAfter)} ms`,
            );
          }
        }
        if (r > 0) pairs.push(pair);
        await fetch(`${running.url}/api/v1/projects/bench/instances/${name}`, { method: "DELETE", headers: auth });
        for (let i = 0; i < 200 && (await fetch(`${running.url}/api/v1/projects/bench/instances/${name}/status`, { headers: auth })).status !== 404; i++)
          await sleep(50);
      }
    } finally {
      await running.close();
      await cleanPodmanProject("bench");
      await cleanPodmanProject("baseline");
    }
    return pairs;
  }

  let timed: Pair[];
  let traced: Pair[];
  try {
    timed = await session(false, repetitions);
    traced = await session(true, tracedRepetitions);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
  const phases = traced.flatMap((pair) => (pair.traced ? [pair.traced] : []));
  const of = (pick: (t: NonNullable<Pair["traced"]>) => number) => showSpread(spread(phases.map(pick)));
  log(
    `  B7 phases (traced, median (min–max) of ${phases.length}): ours 202 at ${of((t) => t.accepted)} ms, kube play starts at ${of((t) => t.beforePlay)} ms (${of((t) => t.podmanBefore)} ms of it in podman calls), kube play ${of((t) => t.play)} ms, then ${of((t) => t.afterPlay)} ms to the first 200`,
  );
  log(`  B7 phases, podman alone: kube play ${of((t) => t.basePlay)} ms, then ${of((t) => t.baseAfter)} ms to the first 200`);
  const ours = spread(timed.map((pair) => pair.ours));
  const baseline = spread(timed.map((pair) => pair.baseline));
  // Each repetition's ratio: both sides ran one after the other, under the same load.
  const ratios = spread(timed.map((pair) => pair.ours / pair.baseline));
  log(
    `  B7 launch, median (min–max) of ${timed.length}: ours ${showSpread(ours)} ms, podman alone ${showSpread(baseline)} ms, ratio ${showSpread(ratios, ratio)} (ratio of the medians ${ratio(ours.median / baseline.median)})`,
  );
  const own = spread(phases.map((t) => t.beforePlay - t.podmanBefore));
  const before = spread(phases.map((t) => t.beforePlay));
  const podmanBefore = spread(phases.map((t) => t.podmanBefore));
  return [
    {
      name: "B7 launch → first 200 through the proxy",
      ours: `${showSpread(ours)} ms`,
      baseline: `${showSpread(baseline)} ms (podman kube play → first 200)`,
      ratio: showSpread(ratios, ratio),
      target: "≤ 1.15× (median)",
      met: ratios.median <= 1.15,
    },
    {
      name: "B7 our own work before podman runs the pod",
      ours: `${showSpread(own)} ms`,
      baseline: `${ms(before.median)} ms until kube play (${ms(podmanBefore.median)} ms in podman checks)`,
      ratio: "-",
      target: "≤ 40 ms (median)",
      met: own.median <= 40,
    },
  ];
}
