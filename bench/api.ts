// B4: API overhead. GET one instance, and the list of a project's 50 instances, authenticated
// with an API token and answered from the store, vs a bare Fastify hello-world, both loaded by
// autocannon on loopback in the same run, in rounds that alternate them. The load runs in a
// worker thread, so that the client does not share the servers' event loop.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { fastify } from "fastify";
import { pino } from "pino";
import { loadConfig } from "../src/main/config.js";
import { startPlateau, type RunningPlateau } from "../src/main/up.js";
import { createToken, signIn, TEST_ACCOUNTS } from "../test/support/sign-in.js";
import { median, ms, ratio, type Row } from "./stats.js";

const INSTANCES = 50;
const seconds = (name: string, fallback: number): number => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};

interface Load {
  readonly rps: number;
  readonly p99: number;
}

/** Requests per second (over the run) and p99 latency (ms) of GET `url`, after an optional warm-up. */
async function load(url: string, headers: Record<string, string>, warm: boolean): Promise<Load> {
  const options = { url, headers, connections: 10, workers: 1 };
  if (warm) await autocannon({ ...options, duration: seconds("PLATEAU_BENCH_WARMUP_SECONDS", 1) }); // not counted
  const result = await autocannon({ ...options, duration: seconds("PLATEAU_BENCH_SECONDS", 5) });
  const failed = result.errors + result.timeouts + result.non2xx;
  if (failed > 0 || result.requests.total === 0) throw new Error(`${url}: ${failed} failed requests of ${result.requests.total}`);
  return { rps: result.requests.total / result.duration, p99: result.latency.p99 };
}

export async function benchApi(log: (line: string) => void): Promise<Row[]> {
  const rounds = Math.max(1, Math.round(seconds("PLATEAU_BENCH_ROUNDS", 2)));
  const base = await mkdtemp(join(tmpdir(), "plateau-bench-b4-"));
  const hello = fastify({ logger: false });
  hello.get("/hello", async () => ({ hello: "world" }));
  let running: RunningPlateau | undefined;
  try {
    await hello.listen({ host: "127.0.0.1", port: 0 });
    const helloPort = (hello.server.address() as { port: number }).port;
    // Launches are committed and indexed; with no podman to run them, nothing else happens.
    const config = loadConfig({
      env: {},
      cwd: base,
      overrides: {
        dataDir: join(base, "data"),
        listen: { host: "127.0.0.1", port: 0 },
        podman: { command: join(base, "no-podman") },
        identity: { embedded: { accounts: TEST_ACCOUNTS } },
        tenancy: { projectQuota: { instances: 100, cpu: 1000, memoryGiB: 1000, storageGiB: 100_000 } },
        rateLimits: { launchPerMinute: 10_000 },
        logLevel: "error",
      },
    });
    running = await startPlateau(config, pino({ level: "error" }));
    const alice = TEST_ACCOUNTS.find((account) => account.login === "alice");
    if (!alice) throw new Error("no alice among the test accounts");
    const token = await createToken(await signIn(running.url, alice.login, alice.password), { name: "bench" });
    const auth = { authorization: `Bearer ${token}` };
    const api = `http://127.0.0.1:${running.port}/api/v1`;
    const post = async (path: string, body: unknown): Promise<void> => {
      const response = await fetch(`${api}${path}`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify(body) });
      if (response.status >= 300) throw new Error(`POST ${path} answered ${response.status}: ${await response.text()}`);
    };
    await post("/projects", { name: "bench", lab: "imb" });
    for (let i = 0; i < INSTANCES; i++) await post("/projects/bench/instances", { template: "static-site", name: `site-${i}`, values: { size: "small" } });
    const listed = (await (await fetch(`${api}/projects/bench/instances`, { headers: auth })).json()) as { items: unknown[] };
    if (listed.items.length !== INSTANCES) throw new Error(`the project lists ${listed.items.length} instances, not ${INSTANCES}`);

    // Rounds alternate the baseline and ours, so that a busy neighbour weighs on both alike;
    // each round's ratio is against the baseline of the same round, and the median is kept.
    const targets = [
      { name: "bare Fastify hello-world", label: "hello-world", url: `http://127.0.0.1:${helloPort}/hello`, headers: {} },
      { name: "B4 API: GET one instance (token, store)", label: "GET one", url: `${api}/projects/bench/instances/site-7`, headers: auth, target: 0.6 },
      {
        name: `B4 API: GET a list of ${INSTANCES} instances (token, store)`,
        label: `GET list of ${INSTANCES}`,
        url: `${api}/projects/bench/instances`,
        headers: auth,
        target: 0.4,
      },
      // What any answer of Plateau costs before its route's own work: the security headers,
      // routing among all routes, the metrics; no token, no store. The ceiling of the rows above.
      { name: "B4 reference: GET /healthz (public: no token, no store)", label: "GET /healthz", url: `http://127.0.0.1:${running.port}/healthz`, headers: {} },
    ];
    const loads = targets.map(() => [] as Load[]);
    for (let round = 0; round < rounds; round++) {
      for (const [i, target] of targets.entries()) {
        const measured = await load(target.url, target.headers, round === 0);
        loads[i]?.push(measured);
        log(`  B4 round ${round + 1}/${rounds}, ${target.label}: ${measured.rps.toFixed(0)} req/s, p99 ${ms(measured.p99)} ms`);
      }
    }
    const [baseline = [], ...ours] = loads;
    const summary = (runs: Load[]) => ({ rps: median(runs.map((run) => run.rps)), p99: median(runs.map((run) => run.p99)) });
    const hello0 = summary(baseline);
    return targets.slice(1).map(({ name, target }, i) => {
      const runs = ours[i] ?? [];
      const value = median(runs.map((run, round) => run.rps / (baseline[round]?.rps ?? Number.NaN)));
      const measured = summary(runs);
      const verdict = target === undefined ? "a reference, no target" : `target ≥ ${target * 100}%: ${value >= target ? "met" : "below target"}`;
      log(`  ${name}: ${measured.rps.toFixed(0)} req/s, p99 ${ms(measured.p99)} ms, ${(value * 100).toFixed(0)}% of the hello-world's throughput (${verdict})`);
      return {
        name,
        ours: `${measured.rps.toFixed(0)} req/s, p99 ${ms(measured.p99)} ms`,
        baseline: `${hello0.rps.toFixed(0)} req/s, p99 ${ms(hello0.p99)} ms (bare Fastify hello-world)`,
        ratio: ratio(value),
        target: target === undefined ? "-" : `≥ ${target.toFixed(2)}×`,
        met: target === undefined || value >= target,
      };
    });
  } finally {
    await running?.close();
    await hello.close();
    await rm(base, { recursive: true, force: true, maxRetries: 5 });
  }
}
