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
import { median, ms, ratio, type Row } from "./stats.js";

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

export async function benchLaunch(log: (line: string) => void, repetitions = 11): Promise<Row[]> {
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
  const ours: number[] = [];
  const beforePodman: number[] = [];
  const inOtherPodmanCalls: number[] = [];
  const baseline: number[] = [];
  const trace = { play: [] as number[], afterPlay: [] as number[], basePlay: [] as number[], baseAfter: [] as number[] };

  /** One Plateau; with `traced`, podman runs through the timestamping shim (which slows it a little). */
  async function session(traced: boolean, count: number): Promise<void> {
    const dataDir = join(base, traced ? "traced" : "data");
    const config = loadConfig({
      env: {},
      cwd: base,
      overrides: {
        dataDir,
        listen: { port: 0 },
        podman: { command: traced ? shim : "podman", stopTimeoutSeconds: 0 },
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
      for (let r = 0; r < count; r++) {
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
        await until200(running.port, `${name}.bench.localhost`, token);
        const servedAt = Date.now();
        const elapsed = performance.now() - t0;
        if (traced) {
          const calls = await shimCalls(shimLog);
          const play = calls.find((call) => call.args.startsWith("kube play"));
          if (process.env.PLATEAU_BENCH_TRACE)
            for (const call of calls) log(`    +${ms(call.start - startedAt)} ms (${ms(call.end - call.start)} ms) podman ${call.args}`);
          if (play) {
            trace.play.push(play.end - play.start);
            trace.afterPlay.push(servedAt - play.end);
            beforePodman.push(play.start - startedAt);
            inOtherPodmanCalls.push(
              calls.filter((call) => call.end <= play.start && call.start >= startedAt).reduce((sum, call) => sum + (call.end - call.start), 0),
            );
          }
        } else {
          ours.push(elapsed);
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
          const t1 = performance.now();
          // On podman's default network (ours first makes the project's network when the project has no pod).
          const played = await run("podman", ["kube", "play", "--quiet", "--network", "podman", file]);
          if (played.code !== 0) throw new Error(`podman kube play failed: ${played.stderr}`);
          const t2 = performance.now();
          await until200(port, "localhost");
          baseline.push(performance.now() - t1);
          trace.basePlay.push(t2 - t1);
          trace.baseAfter.push(performance.now() - t2);
          await cleanPodmanProject("baseline");
        }
        await fetch(`${running.url}/api/v1/projects/bench/instances/${name}`, { method: "DELETE", headers: auth });
        for (let i = 0; i < 200 && (await fetch(`${running.url}/api/v1/projects/bench/instances/${name}/status`, { headers: auth })).status !== 404; i++)
          await sleep(50);
      }
    } finally {
      await running.close();
      await cleanPodmanProject("bench");
      await cleanPodmanProject("baseline");
    }
  }

  try {
    await session(false, repetitions);
    await session(true, 5);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
  log(
    `  B7 medians: ours kube play ${ms(median(trace.play))} ms then ${ms(median(trace.afterPlay))} ms to the first 200; podman alone kube play ${ms(median(trace.basePlay))} ms then ${ms(median(trace.baseAfter))} ms`,
  );
  const oursMs = median(ours);
  const baselineMs = median(baseline);
  const before = median(beforePodman);
  const podmanBefore = median(inOtherPodmanCalls);
  log(
    `  B7 launch: ours ${ms(oursMs)} ms, podman alone ${ms(baselineMs)} ms (median of ${repetitions}); traced runs: ${ms(before)} ms before kube play, of which ${ms(podmanBefore)} ms in other podman calls`,
  );
  const own = before - podmanBefore;
  return [
    {
      name: "B7 launch → first 200 through the proxy",
      ours: `${ms(oursMs)} ms`,
      baseline: `${ms(baselineMs)} ms (podman kube play → first 200)`,
      ratio: ratio(oursMs / baselineMs),
      target: "≤ 1.3×",
      met: oursMs / baselineMs <= 1.3,
    },
    {
      name: "B7 our own work before podman runs the pod",
      ours: `${ms(own)} ms`,
      baseline: `${ms(before)} ms until kube play (${ms(podmanBefore)} ms in podman checks)`,
      ratio: "-",
      target: "≤ 100 ms",
      met: own <= 100,
    },
  ];
}
