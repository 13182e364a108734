// B13: Plateau's reverse proxy (`http://<instance>.<project>.localhost:<port>/`, a signed-in
// member's instance-host cookie) vs the same requests straight to the instance. The instance is
// a tiny node:http server with a WebSocket echo (`ws`, as the proxy test's), in a worker thread
// of its own (a pod is another process); its address reaches the proxy as in production: a
// launch committed to git, indexed in SQLite, applied by the reconciler through an engine in
// memory that reports the instance running at that address. The load runs in another worker:
// autocannon for HTTP, and for WebSocket N clients each sending its next message when the echo
// of the previous one arrives. Rounds alternate direct and proxied runs; medians are reported.
import { createRequire } from "node:module";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, request, type Server } from "node:http";
import { connect } from "node:net";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import autocannon from "autocannon";
import { createGitRepository, initRepository } from "../src/adapters/git/git-repository.js";
import { createMemoryEngine } from "../src/adapters/memory/memory-engine.js";
import { openSqlite } from "../src/adapters/sql/database.js";
import { createSqlStore } from "../src/adapters/sql/sql-store.js";
import { systemClock } from "../src/adapters/system/system.js";
import { sha256 } from "../src/core/access/context.js";
import type { Engine, ObservedUnit } from "../src/core/ports/engine.js";
import { silentLogger } from "../src/core/ports/logger.js";
import type { UserIdentity } from "../src/core/ports/access-store.js";
import { buildApp, type App } from "../src/server/app.js";
import { INSTANCE_COOKIE } from "../src/server/cookies.js";
import { createInstanceGate } from "../src/server/instance-gate.js";
import { createMetrics } from "../src/server/metrics.js";
import { createProxy } from "../src/server/proxy.js";
import { PEOPLE } from "../test/support/app.js";
import { alice, memoryPlateau } from "../test/support/plateau.js";
import { median, ms, ratio, type Row } from "./stats.js";

const PROJECT = "bench";
const INSTANCE = "web";
const BODY = "hello from the instance\n";
const CONNECTIONS = 10;
const WS_CLIENTS = 10;

const number = (name: string, fallback: number): number => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};

// The instance, in a worker thread: plain CommonJS, so that it needs no TypeScript loader.
const INSTANCE_CODE = `
const { createServer } = require("node:http");
const { parentPort, workerData } = require("node:worker_threads");
const { WebSocketServer } = require(workerData.ws);
const server = createServer((req, res) => {
  req.resume();
  req.on("end", () => res.writeHead(200, { "content-type": "text/plain", "content-length": Buffer.byteLength(workerData.body) }).end(workerData.body));
});
new WebSocketServer({ server }).on("connection", (socket) => socket.on("message", (data, binary) => socket.send(data, { binary })));
server.listen(0, "127.0.0.1", () => parentPort.postMessage(server.address().port));
`;

// WebSocket load, in a worker thread: each client sends its next message when the previous one's echo arrives.
const WS_LOAD_CODE = `
const { parentPort, workerData } = require("node:worker_threads");
const { WebSocket } = require(workerData.ws);
const { url, headers, clients, seconds } = workerData;
const latencies = [];
let errors = 0;
const message = "x".repeat(64);
const one = () => new Promise((resolve) => {
  const socket = new WebSocket(url, { headers, perMessageDeflate: false });
  let sent = 0n;
  let deadline = 0;
  const next = () => { sent = process.hrtime.bigint(); socket.send(message); };
  socket.on("open", () => { deadline = Date.now() + seconds * 1000; next(); });
  socket.on("message", (data) => {
    if (String(data) !== message) errors++;
    latencies.push(Number(process.hrtime.bigint() - sent) / 1e6);
    if (Date.now() < deadline) next(); else { socket.close(); resolve(); }
  });
  socket.on("error", () => { errors++; resolve(); });
  socket.on("unexpected-response", (_req, res) => { errors++; res.resume(); resolve(); });
});
const started = Date.now();
Promise.all(Array.from({ length: clients }, one)).then(() => parentPort.postMessage({ latencies, errors, seconds: (Date.now() - started) / 1000 }));
`;

interface Load {
  readonly rate: number;
  readonly p50: number;
  readonly p99: number;
}

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

function inWorker<T>(code: string, data: unknown): { worker: Worker; first: Promise<T> } {
  const worker = new Worker(code, { eval: true, workerData: data });
  const first = new Promise<T>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  return { worker, first };
}

async function httpLoad(url: string, headers: Record<string, string>, seconds: number): Promise<Load> {
  const result = await autocannon({ url, headers, connections: CONNECTIONS, workers: 1, duration: seconds });
  const failed = result.errors + result.timeouts + result.non2xx;
  if (failed > 0 || result.requests.total === 0) throw new Error(`${url}: ${failed} failed requests of ${result.requests.total}`);
  return { rate: result.requests.total / result.duration, p50: result.latency.p50, p99: result.latency.p99 };
}

async function wsLoad(ws: string, url: string, headers: Record<string, string>, seconds: number): Promise<Load> {
  const { worker, first } = inWorker<{ latencies: number[]; errors: number; seconds: number }>(WS_LOAD_CODE, {
    ws,
    url,
    headers,
    clients: WS_CLIENTS,
    seconds,
  });
  try {
    const result = await first;
    if (result.errors > 0 || result.latencies.length === 0) throw new Error(`${url}: ${result.errors} WebSocket errors, ${result.latencies.length} echoes`);
    const sorted = result.latencies.sort((a, b) => a - b);
    return { rate: sorted.length / result.seconds, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
  } finally {
    await worker.terminate();
  }
}

/** GET `path` on Plateau's port with `host`: the status and the instance cookie it sets, if any. */
function get(port: number, host: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; cookie?: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, headers: { host, ...headers } }, (res) => {
      res.resume();
      const found = new RegExp(`${INSTANCE_COOKIE}=[A-Za-z0-9_.~-]+`).exec((res.headers["set-cookie"] ?? []).join("\n"))?.[0];
      res.on("end", () => resolve({ status: res.statusCode ?? 0, ...(found ? { cookie: found } : {}) }));
    });
    req.on("error", reject);
    req.end();
  });
}

/**
 * The least a proxy in this process can do: node:http forwarding each request to the instance
 * and piping the answer back, and upgrades piped both ways; no access check, no routing, no
 * header rewriting. A reference: what the thread hop alone costs on this machine.
 */
function bareProxy(endpoint: string): Server {
  const [host, port] = endpoint.split(":");
  const server = createServer((req, res) => {
    const upstream = request({ host, port: Number(port), method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  server.on("upgrade", (req, socket, head: Buffer) => {
    const upstream = connect(Number(port), host, () => {
      const lines = [`${req.method ?? "GET"} ${req.url ?? "/"} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i] ?? ""}: ${req.rawHeaders[i + 1] ?? ""}`);
      upstream.write(`${lines.join("\r\n")}\r\n\r\n`);
      if (head.length > 0) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on("error", () => socket.destroy());
    socket.on("error", () => upstream.destroy());
  });
  return server;
}

export async function benchProxy(log: (line: string) => void): Promise<Row[]> {
  const seconds = number("PLATEAU_BENCH_SECONDS", 5);
  const rounds = Math.max(1, Math.round(number("PLATEAU_BENCH_ROUNDS", 3)));
  const ws = createRequire(import.meta.url).resolve("ws");
  const base = await mkdtemp(join(tmpdir(), "plateau-bench-b13-"));
  const instance = inWorker<number>(INSTANCE_CODE, { ws, body: BODY });
  let app: App | undefined;
  const closers: (() => Promise<unknown> | void)[] = [];
  try {
    const endpoint = `127.0.0.1:${await instance.first}`;
    // The engine runs the instance at the worker's address (the memory engine picks ports of its own).
    const memory = createMemoryEngine();
    const at = (unit: ObservedUnit): ObservedUnit => (unit.endpoint ? { ...unit, endpoint } : unit);
    const engine: Engine = {
      ...memory,
      apply: async (unit, options) => at(await memory.apply(unit, options)),
      observe: async () => (await memory.observe()).map(at),
    };
    const database = await openSqlite(join(base, "plateau.sqlite"));
    closers.push(() => database.close());
    const store = createSqlStore(database.db, systemClock);
    const dir = join(base, "state.git");
    await initRepository({ dir });
    const repo = createGitRepository({ dir, clock: systemClock });
    closers.push(() => repo.close());
    const { plateau, adapters, reconciler } = await memoryPlateau({ ...store, repo, engines: new Map([["podman", engine]]) }, [], {
      proxied: { platform: "local", domain: "localhost" },
    });
    closers.push(() => plateau.stop());
    const router = plateau.router;
    if (!router) throw new Error("the Plateau serves no proxied platform");
    const identity: UserIdentity = {
      issuer: "https://idp.test",
      subject: "sub-alice",
      login: "alice",
      name: "alice",
      email: "alice@example.org",
      ...PEOPLE.alice,
    };
    const user = await adapters.access.upsertUser(identity, new Date().toISOString());
    await plateau.services.projects.create({ name: PROJECT, lab: "imb", title: "Bench" }, alice);
    await plateau.services.instances.launch({ template: "static-site", project: PROJECT, name: INSTANCE }, alice);
    await reconciler.reconcileOnce();

    let origin = "http://localhost";
    const access = plateau.services.access;
    const findProject = (name: string) => plateau.services.projects.find(name);
    const gate = createInstanceGate({ access, findProject, publicOrigin: () => origin, instancesOrigin: () => origin, domain: "localhost", router });
    // Counted as `plateau up` counts them (idle reclaim and usage).
    const counted = new Map<string, number>();
    const requests = { count: (project: string, name: string) => counted.set(`${project}/${name}`, (counted.get(`${project}/${name}`) ?? 0) + 1) };
    app = await buildApp({
      services: plateau.services,
      proxy: createProxy(router, silentLogger, gate, "localhost", { requests }),
      proxiedDomain: "localhost",
      metrics: createMetrics(),
      publicOrigin: () => origin,
      limits: { signInPerMinute: 100, tokenCreationPerMinute: 100, launchPerMinute: 100, bouncePerMinute: 100 },
      clock: systemClock,
      readiness: { repository: async () => void (await repo.head()) },
      version: "bench",
    });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const port = (app.server.address() as AddressInfo).port;
    origin = `http://localhost:${port}`;
    const host = `${INSTANCE}.${PROJECT}.localhost:${port}`;

    // Alice's browser: a session of Plateau, the bounce's ticket traded on the instance's host for that host's cookie.
    const browserSession = "bench-browser-session-of-alice-0123456789abcdef";
    const now = new Date();
    await adapters.access.createSession({
      idHash: sha256(browserSession),
      userId: user.id,
      csrfToken: "csrf",
      provider: "embedded",
      idToken: null,
      createdAt: now.toISOString(),
      lastSeenAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + 3_600_000).toISOString(),
      parentHash: null,
      instanceHost: null,
    });
    const ticket = await access.issueProxyTicket(browserSession, host, "/");
    const traded = await get(port, host, `/__plateau/auth?ticket=${ticket}`);
    if (traded.status !== 303 || !traded.cookie) throw new Error(`the ticket was answered ${traded.status}, without the instance's cookie`);
    const proxied = { host, cookie: traded.cookie };
    const check = await get(port, host, "/", proxied);
    if (check.status !== 200) throw new Error(`the instance answered ${check.status} through the proxy`);
    if ((await get(port, host, "/")).status !== 303) throw new Error("the proxy let an anonymous request through");

    const bare = bareProxy(endpoint);
    closers.push(() => new Promise((done) => bare.close(done)));
    await new Promise<void>((done) => bare.listen(0, "127.0.0.1", done));
    const barePort = (bare.address() as AddressInfo).port;

    const sides = [
      { label: "direct", http: `http://${endpoint}/`, ws: `ws://${endpoint}/socket`, headers: { host: endpoint } },
      { label: "proxy", http: `http://127.0.0.1:${port}/`, ws: `ws://127.0.0.1:${port}/socket`, headers: { ...proxied, origin: `http://${host}` } },
      { label: "bare node:http proxy", http: `http://127.0.0.1:${barePort}/`, ws: `ws://127.0.0.1:${barePort}/socket`, headers: { host: endpoint } },
    ];
    const results = { http: sides.map(() => [] as Load[]), ws: sides.map(() => [] as Load[]) };
    // Warm-up, not counted: connections, JIT, the router's and the sessions' caches.
    for (const side of sides) {
      await httpLoad(side.http, side.headers, 1);
      await wsLoad(ws, side.ws, side.headers, 1);
    }
    for (let round = 0; round < rounds; round++) {
      for (const kind of ["http", "ws"] as const) {
        // Each round alternates the order, so that neither side always runs after the other.
        const order = round % 2 === 0 ? [0, 1, 2] : [2, 1, 0];
        for (const i of order) {
          const side = sides[i];
          if (!side) continue;
          const measured = kind === "http" ? await httpLoad(side.http, side.headers, seconds) : await wsLoad(ws, side.ws, side.headers, seconds);
          results[kind][i]?.push(measured);
          log(
            `  B13 round ${round + 1}/${rounds}, ${kind === "http" ? "HTTP" : "WebSocket"} ${side.label}: ${measured.rate.toFixed(0)}/s, p50 ${ms(measured.p50)} ms, p99 ${ms(measured.p99)} ms`,
          );
        }
      }
    }
    if ((counted.get(`${PROJECT}/${INSTANCE}`) ?? 0) === 0) throw new Error("the proxy counted no request");

    const rows: Row[] = [];
    for (const kind of ["http", "ws"] as const) {
      const [direct = [], through = [], bareRuns = []] = results[kind];
      const value = median(through.map((run, round) => run.rate / (direct[round]?.rate ?? Number.NaN)));
      const summary = (runs: Load[]) => ({
        rate: median(runs.map((run) => run.rate)),
        p50: median(runs.map((run) => run.p50)),
        p99: median(runs.map((run) => run.p99)),
      });
      const ours = summary(through);
      const baseline = summary(direct);
      const added = median(through.map((run, round) => run.p99 - (direct[round]?.p99 ?? Number.NaN)));
      const unit = kind === "http" ? "req/s" : "messages/s";
      const met = kind === "http" ? value >= 0.7 && added <= 2 : true;
      const show = (load: ReturnType<typeof summary>) => `${load.rate.toFixed(0)} ${unit}, p50 ${ms(load.p50)} ms, p99 ${ms(load.p99)} ms`;
      const reference = summary(bareRuns);
      const bareValue = median(bareRuns.map((run, round) => run.rate / (direct[round]?.rate ?? Number.NaN)));
      log(
        `  B13 ${kind}: through the proxy ${show(ours)}; direct ${show(baseline)}; ${ratio(value)}, p99 added ${ms(added)} ms; bare node:http proxy ${show(reference)}, ${ratio(bareValue)}`,
      );
      rows.push({
        name:
          kind === "http"
            ? `B13 proxy: HTTP GET of a small body, ${CONNECTIONS} connections, member's instance cookie`
            : `B13 proxy: WebSocket echo, ${WS_CLIENTS} clients each sending its next message on the echo`,
        ours: `${show(ours)} (p99 added ${ms(added)} ms)`,
        baseline: `${show(baseline)} (straight to the instance)`,
        ratio: ratio(value),
        target: kind === "http" ? "≥ 0.70×, p99 added ≤ 2 ms" : "-",
        met,
      });
      rows.push({
        name: `B13 reference: the same ${kind === "http" ? "requests" : "echoes"} through a bare node:http proxy in Plateau's process (no access check, no routing)`,
        ours: show(reference),
        baseline: `${show(baseline)} (straight to the instance)`,
        ratio: ratio(bareValue),
        target: "-",
        met: true,
      });
    }
    return rows;
  } finally {
    await app?.close();
    for (const close of closers.reverse()) await close();
    await instance.worker.terminate();
    await rm(base, { recursive: true, force: true, maxRetries: 5 });
  }
}
