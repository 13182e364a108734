// B14: a national community's load on loopback. 7,000 people with API tokens in the shared
// PostgreSQL, 1,500 projects and 20,000 instances in the desired-state repository on a local
// forge, and `plateau up` replicas (ADR 0040) serving a mix shaped like a national service:
// mostly reads (who am I, my projects, my instances, a project's instances, an instance and its
// status), a few writes (launches, stops, removals, each with an idempotency key). Measured in
// the same run: a bare Fastify hello-world, one replica straight, one replica behind the
// balancer, three replicas behind the balancer (test/support/balancer.ts, as a Kubernetes
// Service); each replica's memory at the end of its load; and the time from the leader's
// SIGKILL to the next commit answered (a launch retried through the balancer with its key).
//
// The instances are on the local platform with no podman behind it (as B4): commits and
// renders happen, nothing runs. Proxy traffic is left out (see bench/README.md).
import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { createInterface } from "node:readline";
import { join } from "node:path";
import { fastify } from "fastify";
import pg from "pg";
import { sha256, TOKEN_PREFIX } from "../src/core/access/context.js";
import { createGitRepository } from "../src/adapters/git/git-repository.js";
import { openPostgres } from "../src/adapters/sql/database.js";
import { createSqlStore } from "../src/adapters/sql/sql-store.js";
import type { Database } from "../src/adapters/sql/schema.js";
import { systemClock } from "../src/adapters/system/system.js";
import { createIndexer } from "../src/core/index/indexer.js";
import type { FileChange } from "../src/core/ports/desired-state-repository.js";
import { commitFleet, fleetInstance, fleetProject, fleetTemplateFiles, named, TEMPLATE_INSTANCE } from "./fleet-files.js";
import { silentLogger } from "../src/core/ports/logger.js";
import buildPlateau from "../test/support/build.js";
import { startGitHttpServer, type GitHttpServer } from "../test/support/git-http-server.js";
import { createTestDatabase, startPostgres } from "../test/support/postgres.js";
import { startServer, writeConfig, type ServerProcess } from "../test/support/server.js";
import type { LoadPlan, LoadResult, LoadUser } from "./b14-load.js";
import { ms, ratio, type Row } from "./stats.js";

const LABS = ["imb", "lmbp", "lab-c", "lab-d", "lab-e", "lab-f", "lab-g", "lab-h", "lab-i", "lab-j"];
const MEMBERS_PER_PROJECT = 5;
const WRITE_SHARE = Number(process.env.PLATEAU_BENCH_B14_WRITE_PERCENT ?? 4) / 100;
/** Shared by the replicas of one installation, as a copied data directory would be (ADR 0015). */
const INSTALLATION = "b14bench00";

const count = (name: string, fallback: number): number => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? Math.round(value) : fallback;
};

const projectName = fleetProject;
const instanceName = fleetInstance;
const login = (u: number) => `u${String(u).padStart(5, "0")}`;

interface Community {
  readonly users: number;
  readonly projects: number;
  readonly instances: number;
}

/** Who is in project p: an owner and editors, dealt so that every person has a project (the first ones two). */
const membersOf = (community: Community, p: number): number[] =>
  Array.from({ length: MEMBERS_PER_PROJECT }, (_, k) => (p * MEMBERS_PER_PROJECT + k) % community.users);

function projectFile(community: Community, p: number): FileChange {
  const members = membersOf(community, p)
    .map((u, k) => ({ login: login(u), role: k === 0 ? "owner" : "editor" }))
    .sort((a, b) => (a.login < b.login ? -1 : 1));
  const lines = [
    "apiVersion: plateau.io/v1",
    "kind: Project",
    "metadata:",
    "  createdAt: 2026-01-05T09:00:00.000Z",
    `  createdBy: ${login(membersOf(community, p)[0] ?? 0)}`,
    `  name: ${projectName(p)}`,
    "spec:",
    `  lab: ${LABS[p % LABS.length]}`,
    "  members:",
    ...members.flatMap((member) => [`    - login: ${member.login}`, `      role: ${member.role}`]),
    `  title: Project ${p}`,
    "",
  ];
  return { path: `projects/${projectName(p)}/project.yaml`, content: lines.join("\n") };
}

/** The forge's repository: every project and instance in one commit written by fast-import, then packed. */
async function seedRepository(dir: string, community: Community): Promise<string> {
  const template = await fleetTemplateFiles({ size: "small" });
  // Each project's file is written below, with its members.
  const files = { ...template, project: template.project.filter((file) => !file.path.endsWith("project.yaml")) };
  const changes: FileChange[] = [...files.shared];
  for (let p = 0; p < community.projects; p++) {
    changes.push(projectFile(community, p), ...named(files.project, projectName(p), TEMPLATE_INSTANCE, login(membersOf(community, p)[0] ?? 0)));
  }
  for (let i = 0; i < community.instances; i++) {
    const p = i % community.projects;
    changes.push(...named(files.instance, projectName(p), instanceName(i), login(membersOf(community, p)[i % MEMBERS_PER_PROJECT] ?? 0)));
  }
  return commitFleet(dir, changes, `${community.instances} instances in ${community.projects} projects`);
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const secret = (length: number) => [...randomBytes(length)].map((byte) => ALPHABET[byte % ALPHABET.length]).join("");

/**
 * The community in the shared database, as sign-ins and token creation would leave it (users,
 * then one API token each, stored as its SHA-256), written in batches; and the index of the
 * forge's head built once, as the first replica would at its start.
 */
async function seedDatabase(url: string, forgeDir: string, community: Community): Promise<string[]> {
  const opened = await openPostgres(url); // migrates
  try {
    const { db } = opened;
    const now = new Date().toISOString();
    const expires = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const labsOf = new Map<number, Set<string>>();
    for (let p = 0; p < community.projects; p++)
      for (const u of membersOf(community, p)) labsOf.set(u, (labsOf.get(u) ?? new Set()).add(LABS[p % LABS.length] ?? "imb"));
    const tokens: string[] = [];
    for (let start = 0; start < community.users; start += 500) {
      const users: Database["users"][] = [];
      const records: Database["tokens"][] = [];
      for (let u = start; u < Math.min(community.users, start + 500); u++) {
        const id = randomUUID();
        const labs = [...(labsOf.get(u) ?? [])].sort();
        users.push({
          id,
          issuer: "https://sso.bench.invalid",
          subject: login(u),
          login: login(u),
          name: `Person ${u}`,
          email: `${login(u)}@bench.invalid`,
          groups_json: JSON.stringify(labs.map((lab) => `lab:${lab}`)),
          labs_json: JSON.stringify(labs),
          lab_admin_json: "[]",
          operator: 0,
          created_at: now,
          last_sign_in_at: now,
        });
        const token = `${TOKEN_PREFIX}${secret(43)}`;
        tokens.push(token);
        records.push({
          id: randomUUID(),
          user_id: id,
          name: "bench",
          hash: sha256(token),
          prefix: token.slice(0, TOKEN_PREFIX.length + 4),
          projects_json: null,
          write: 1,
          created_at: now,
          expires_at: expires,
          last_used_at: null,
          revoked_at: null,
        });
      }
      await db.insertInto("users").values(users).execute();
      await db.insertInto("tokens").values(records).execute();
    }
    const repo = createGitRepository({ dir: forgeDir, clock: systemClock });
    try {
      const synced = await createIndexer({ repo, index: createSqlStore(db, systemClock).index, logger: silentLogger }).sync();
      if (!synced.full) throw new Error("the index was not built from nothing");
    } finally {
      repo.close();
    }
    return tokens;
  } finally {
    await opened.close();
  }
}

/** One load, from its own process. */
async function load(plan: LoadPlan): Promise<LoadResult> {
  const child = spawn(process.execPath, ["--import", "tsx", new URL("./b14-load.ts", import.meta.url).pathname], { stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
  child.stdin.end(JSON.stringify(plan));
  const code = await new Promise<number>((resolve) => child.once("exit", (status) => resolve(status ?? 1)));
  if (code !== 0) throw new Error(`the load generator exited with ${code}: ${err.slice(-2000)}`);
  return JSON.parse(out) as LoadResult;
}

interface BalancerProcess {
  readonly url: string;
  readonly pid: number | undefined;
  setBackends(urls: readonly string[]): Promise<void>;
  ready(): Promise<readonly string[]>;
  close(): Promise<void>;
}

/** test/support/balancer.ts in its own process (bench/b14-balancer.ts). */
async function startBalancerProcess(): Promise<BalancerProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", new URL("./b14-balancer.ts", import.meta.url).pathname], { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const nextLine = async () => {
    const line = await lines.next();
    if (line.done) throw new Error("the balancer exited");
    return line.value;
  };
  const url = await nextLine();
  const ask = async (message: unknown) => {
    child.stdin.write(`${JSON.stringify(message)}\n`);
    return JSON.parse(await nextLine()) as string[];
  };
  return {
    url,
    pid: child.pid,
    setBackends: async (urls) => void (await ask(urls)),
    ready: () => ask(null),
    async close() {
      child.stdin.end();
      await exited;
    },
  };
}

/** CPU time (user + system) a process has used, in seconds (USER_HZ is 100 on Linux). */
async function cpuSeconds(pid: number | undefined): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Resident memory of a process (VmRSS), in MiB. */
async function rssMiB(pid: number | undefined): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) / 1024;
}

const rate = (result: LoadResult) => result.requests / result.seconds;
const reads = (result: LoadResult) => Object.entries(result.operations).filter(([name]) => name.startsWith("GET"));
const writesOf = (result: LoadResult) => Object.entries(result.operations).filter(([name]) => !name.startsWith("GET"));
/** Reads answered other than 200 (404 for a status: nothing observed yet), and writes answered 5xx or not at all. */
const failuresOf = (result: LoadResult) =>
  reads(result).reduce((sum, [name, op]) => sum + op.count - (op.statuses["200"] ?? 0) - (name.includes("status") ? (op.statuses["404"] ?? 0) : 0), 0) +
  writesOf(result).reduce((sum, [, op]) => sum + op.failed, 0);

function describe(label: string, result: LoadResult, log: (line: string) => void): void {
  const writes = writesOf(result).reduce((sum, [, op]) => sum + op.count, 0);
  log(
    `  B14 ${label}: ${rate(result).toFixed(0)} req/s over ${result.seconds.toFixed(1)} s, ${result.requests} requests (${writes} writes), ${failuresOf(result)} failed`,
  );
  for (const [name, op] of Object.entries(result.operations))
    log(
      `    ${name}: ${op.count} (${(op.count / result.seconds).toFixed(1)}/s), p50 ${ms(op.p50)} ms, p99 ${ms(op.p99)} ms, statuses ${JSON.stringify(op.statuses)}`,
    );
}

export async function benchCommunity(log: (line: string) => void): Promise<Row[]> {
  const community: Community = {
    users: count("PLATEAU_BENCH_B14_USERS", 7_000),
    projects: count("PLATEAU_BENCH_B14_PROJECTS", 1_500),
    instances: count("PLATEAU_BENCH_B14_INSTANCES", 20_000),
  };
  const seconds = count("PLATEAU_BENCH_B14_SECONDS", 30);
  const profiles = process.env.PLATEAU_BENCH_B14_PROFILE_DIR;
  const connections = Math.min(count("PLATEAU_BENCH_B14_CONNECTIONS", 200), community.users);
  const postgres = await startPostgres();
  if ("skipped" in postgres) {
    log(`  B14 skipped: ${postgres.skipped}`);
    return [];
  }
  const base = await mkdtemp(join(tmpdir(), "plateau-bench-b14-"));
  const replicas: { id: string; dataDir: string; server?: ServerProcess }[] = ["r1", "r2", "r3"].map((id) => ({ id, dataDir: join(base, id) }));
  const hello = fastify({ logger: false });
  hello.get("/hello", async () => ({ hello: "world" }));
  let forge: GitHttpServer | undefined;
  let balancer: BalancerProcess | undefined;
  let database: pg.Client | undefined;
  try {
    // The replicas are `plateau up` processes: they run dist/, built here from the tree under test.
    let started = performance.now();
    await buildPlateau();
    log(`  B14 built dist/ and the portal (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    const forgeDir = join(base, "forge", "state.git");
    await mkdir(forgeDir, { recursive: true });
    started = performance.now();
    const head = await seedRepository(forgeDir, community);
    log(
      `  B14 repository: ${community.instances} instances in ${community.projects} projects, one commit ${head.slice(0, 12)} (${((performance.now() - started) / 1000).toFixed(1)} s)`,
    );
    forge = await startGitHttpServer({ dir: forgeDir });
    const databaseUrl = await createTestDatabase(postgres.url);
    started = performance.now();
    const tokens = await seedDatabase(databaseUrl, forgeDir, community);
    log(`  B14 database: ${community.users} people with a token each, the index built (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    database = new pg.Client({ connectionString: databaseUrl });
    await database.connect();

    // The virtual users: `connections` people spread over the community, each with their projects and those projects' instances.
    const projectsOf = new Map<number, number[]>();
    for (let p = 0; p < community.projects; p++) for (const u of membersOf(community, p)) projectsOf.set(u, [...(projectsOf.get(u) ?? []), p]);
    const instancesOf = (p: number) => {
      const names: string[] = [];
      for (let i = p; i < community.instances; i += community.projects) names.push(instanceName(i));
      return names;
    };
    const users: LoadUser[] = Array.from({ length: connections }, (_, k) => {
      const u = Math.floor((k * community.users) / connections);
      return {
        token: tokens[u] ?? "",
        projects: (projectsOf.get(u) ?? []).map((p) => ({ name: projectName(p), instances: instancesOf(p) })),
      };
    }).filter((user) => user.projects.length > 0 && user.projects.every((project) => project.instances.length > 0));

    const config = await writeConfig(
      base,
      [
        `podman:\n  command: ${join(base, "no-podman")}`,
        "localMetrics:\n  enabled: false",
        `remote:\n  url: ${forge.url}\n  pollSeconds: 30`,
        "replication:\n  enabled: true",
        // The community's instances fill its labs: quotas would refuse every launch.
        "tenancy:",
        ...["projectQuota", "labQuota"].map(
          (quota) => `  ${quota}:\n    cpu: 1000000\n    memoryGiB: 1000000\n    instances: 1000000\n    storageGiB: 1000000`,
        ),
        "rateLimits:\n  launchPerMinute: 100000",
        "logLevel: warn",
        "",
      ].join("\n"),
    );
    const start = async (replica: (typeof replicas)[number]) => {
      await mkdir(replica.dataDir, { recursive: true });
      await writeFile(join(replica.dataDir, "installation-id"), `${INSTALLATION}\n`);
      const at = performance.now();
      replica.server = await startServer({
        dataDir: replica.dataDir,
        config,
        env: {
          PLATEAU_DATABASE_URL: databaseUrl,
          PLATEAU_REPLICA_ID: replica.id,
          PLATEAU_LOG_LEVEL: "warn",
          // A CPU profile of each replica, written when it stops (the killed leader writes none).
          ...(profiles ? { NODE_OPTIONS: `--require ${join(profiles, "profile.cjs")}` } : {}),
        },
      });
      log(`  B14 replica ${replica.id} ready in ${((performance.now() - at) / 1000).toFixed(1)} s`);
    };
    // --cpu-prof is refused in NODE_OPTIONS: the inspector's profiler, started by a preloaded script, written at exit.
    if (profiles)
      await writeFile(
        join(profiles, "profile.cjs"),
        [
          // Only `plateau up` itself, not the processes it starts (they inherit NODE_OPTIONS).
          'if (process.argv.includes("up")) {',
          'const inspector = require("node:inspector");',
          "const session = new inspector.Session();",
          "session.connect();",
          'session.post("Profiler.enable", () => session.post("Profiler.start"));',
          'process.on("exit", () => session.post("Profiler.stop", (error, result) => {',
          `  if (!error) require("node:fs").writeFileSync(${JSON.stringify(profiles)} + "/" + process.env.PLATEAU_REPLICA_ID + ".cpuprofile", JSON.stringify(result.profile));`,
          "}));",
          "}",
          "",
        ].join("\n"),
      );
    const [r1, r2, r3] = replicas as [(typeof replicas)[number], (typeof replicas)[number], (typeof replicas)[number]];
    await start(r1);
    const r1Server = r1.server as ServerProcess;

    // The community is what the replica serves: a person's projects, and a project's instances.
    const first = users[0] as LoadUser;
    const auth = { authorization: `Bearer ${first.token}` };
    const mine = (await (await fetch(`${r1Server.url}/api/v1/projects`, { headers: auth })).json()) as { items: { name: string }[] };
    if (mine.items.map((item) => item.name).join() !== first.projects.map((project) => project.name).join())
      throw new Error(`the first person sees the projects ${JSON.stringify(mine.items.map((item) => item.name))}, not ${JSON.stringify(first.projects)}`);
    const firstProject = first.projects[0] as LoadUser["projects"][number];
    const listed = (await (await fetch(`${r1Server.url}/api/v1/projects/${firstProject.name}/instances`, { headers: auth })).json()) as { items: unknown[] };
    if (listed.items.length !== firstProject.instances.length)
      throw new Error(`${firstProject.name} lists ${listed.items.length} instances, not ${firstProject.instances.length}`);

    await hello.listen({ host: "127.0.0.1", port: 0 });
    const helloUrl = `http://127.0.0.1:${(hello.server.address() as { port: number }).port}`;
    const plan = (target: string | string[], prefix: string): LoadPlan => ({ targets: [target].flat(), users, seconds, writeShare: WRITE_SHARE, prefix });

    log(`  B14 load: ${users.length} virtual users for ${seconds} s per phase, ${WRITE_SHARE * 100}% writes`);
    await load({ ...plan(helloUrl, "w"), seconds: Math.min(5, seconds), hello: true }); // warm-up, not counted
    const helloResult = await load({ ...plan(helloUrl, "h"), hello: true });
    describe("bare Fastify hello-world", helloResult, log);
    await load({ ...plan(r1Server.url, "w"), seconds: Math.min(5, seconds), writeShare: 0 }); // warm-up (caches, JIT), not counted
    const one = await load(plan(r1Server.url, "a"));
    const oneRss = await rssMiB(r1Server.child.pid);
    describe("1 replica", one, log);

    balancer = await startBalancerProcess();
    await balancer.setBackends([r1Server.url]);
    while ((await balancer.ready()).length < 1) await new Promise((resolve) => setTimeout(resolve, 50));
    const oneBalanced = await load(plan(balancer.url, "b"));
    describe("1 replica behind the balancer", oneBalanced, log);

    await start(r2);
    await start(r3);
    await balancer.setBackends(replicas.map((replica) => replica.server?.url ?? ""));
    while ((await balancer.ready()).length < 3) await new Promise((resolve) => setTimeout(resolve, 50));
    await load({ ...plan(balancer.url, "w"), seconds: Math.min(5, seconds), writeShare: 0 }); // the new replicas warmed up as the first was, not counted
    const cpuBefore = await Promise.all([balancer.pid, ...replicas.map((replica) => replica.server?.child.pid)].map(cpuSeconds));
    const cpuFrom = performance.now();
    const three = await load(plan(balancer.url, "c"));
    const cpuWall = (performance.now() - cpuFrom) / 1000;
    const cpuAfter = await Promise.all([balancer.pid, ...replicas.map((replica) => replica.server?.child.pid)].map(cpuSeconds));
    const cores = cpuAfter.map((after, i) => (after - (cpuBefore[i] ?? 0)) / cpuWall);
    log(
      `  B14 CPU during the 3-replica load (cores): balancer ${cores[0]?.toFixed(2)}, replicas ${cores
        .slice(1)
        .map((value) => value.toFixed(2))
        .join(", ")}`,
    );
    describe("3 replicas behind the balancer", three, log);
    // The same replicas, each person sent straight to one of them (as clients spread by DNS would): the replicas' own scaling, without the balancer's cost.
    const threeStraight = await load(
      plan(
        replicas.map((replica) => replica.server?.url ?? ""),
        "d",
      ),
    );
    describe("3 replicas, people spread straight over them", threeStraight, log);
    const threeRss = await Promise.all(replicas.map((replica) => rssMiB(replica.server?.child.pid)));
    log(`  B14 memory (VmRSS): 1 replica ${oneRss.toFixed(0)} MiB; 3 replicas ${threeRss.map((value) => value.toFixed(0)).join(", ")} MiB`);

    // The leader killed, a launch sent at once through the balancer, retried with its key until a replica commits it.
    const leaderRow = (await database.query<{ replica_id: string }>("select replica_id from replication_leader")).rows[0];
    const victim = replicas.find((replica) => replica.id === leaderRow?.replica_id);
    if (!victim?.server) throw new Error(`the leader ${leaderRow?.replica_id} is not one of the replicas`);
    const key = randomUUID();
    const killedAt = performance.now();
    const killed = victim.server.kill();
    let attempts = 0;
    let status = 0;
    for (;;) {
      attempts++;
      status = await fetch(`${balancer.url}/api/v1/projects/${firstProject.name}/instances`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json", "idempotency-key": key },
        body: JSON.stringify({ template: "static-site", name: "after-leader-loss", values: { size: "small" } }),
      }).then(
        async (response) => (await response.text(), response.status),
        () => 0,
      );
      if (status !== 0 && status !== 502 && status !== 503) break;
      if (performance.now() - killedAt > 120_000) throw new Error("no commit answered within 2 minutes of the leader's loss");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const committedMs = performance.now() - killedAt;
    if (status !== 201 && status !== 202) throw new Error(`the launch after the leader's loss answered ${status}`);
    await killed;
    victim.server = undefined;
    let newLeaderMs = Number.NaN;
    for (;;) {
      const row = (await database.query<{ replica_id: string }>("select replica_id from replication_leader")).rows[0];
      if (row && row.replica_id !== victim.id) {
        newLeaderMs = performance.now() - killedAt;
        break;
      }
      if (performance.now() - killedAt > 120_000) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    log(
      `  B14 leader ${victim.id} killed: next commit answered after ${committedMs.toFixed(0)} ms (${attempts} attempts, ${status}); new leader after ${newLeaderMs.toFixed(0)} ms`,
    );
    // Every replica left lists the launch (its project's list was read, so kept, during the load) within a refresh or two.
    const listing = async (server: ServerProcess) =>
      (
        (await (await fetch(`${server.url}/api/v1/projects/${firstProject.name}/instances`, { headers: auth })).json()) as { items: { name: string }[] }
      ).items.map((item) => item.name);
    const seenBy = new Map<string, number>();
    const live = replicas.filter((replica) => replica.server !== undefined);
    while (performance.now() - killedAt < committedMs + 15_000 && seenBy.size < live.length) {
      for (const replica of live)
        if (!seenBy.has(replica.id) && (await listing(replica.server as ServerProcess)).includes("after-leader-loss"))
          seenBy.set(replica.id, performance.now() - killedAt);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const stale = live.filter((replica) => !seenBy.has(replica.id)).map((replica) => replica.id);
    log(
      `  B14 the launch listed by ${[...seenBy].map(([id, at]) => `${id} ${at.toFixed(0)} ms after the kill`).join(", ") || "no replica"}${stale.length > 0 ? `; NOT listed by ${stale.join(", ")} 15 s after its answer` : ""}`,
    );

    // Rows: each a ratio against a baseline of this run.
    const summary = (result: LoadResult) => {
      const p = (which: "p50" | "p99") => Math.max(...reads(result).map(([, op]) => op[which]));
      const launch = result.operations["POST launch"];
      return `${rate(result).toFixed(0)} req/s; slowest read p50 ${ms(p("p50"))} / p99 ${ms(p("p99"))} ms; launch p50 ${launch ? ms(launch.p50) : "-"} ms; ${failuresOf(result)} failed`;
    };
    const what = `${community.users.toLocaleString("en")} people, ${community.projects.toLocaleString("en")} projects, ${community.instances.toLocaleString("en")} instances, ${users.length} concurrent users, ${WRITE_SHARE * 100}% writes`;
    const rows: Row[] = [
      {
        name: `B14 community (${what}): 1 replica, throughput`,
        ours: summary(one),
        baseline: `${rate(helloResult).toFixed(0)} req/s (bare Fastify hello-world, same users and connections)`,
        ratio: ratio(rate(one) / rate(helloResult)),
        target: "-",
        met: true,
      },
      {
        name: "B14 community: 1 replica behind the balancer, throughput",
        ours: summary(oneBalanced),
        baseline: `${rate(one).toFixed(0)} req/s (1 replica, straight)`,
        ratio: ratio(rate(oneBalanced) / rate(one)),
        target: "-",
        met: true,
      },
      {
        name: "B14 community: 3 replicas behind the balancer, throughput (scaling)",
        ours: `${summary(three)}; CPU: balancer ${cores[0]?.toFixed(2)} core, replicas ${cores
          .slice(1)
          .map((value) => value.toFixed(2))
          .join(" + ")}`,
        baseline: `${rate(oneBalanced).toFixed(0)} req/s (1 replica behind the balancer); ${rate(one).toFixed(0)} req/s straight`,
        ratio: `${ratio(rate(three) / rate(oneBalanced))} (${ratio(rate(three) / rate(one))} vs straight)`,
        target: "-",
        met: true,
      },
      {
        name: "B14 community: 3 replicas, people spread straight over them (no balancer), throughput (scaling)",
        ours: summary(threeStraight),
        baseline: `${rate(one).toFixed(0)} req/s (1 replica, straight)`,
        ratio: ratio(rate(threeStraight) / rate(one)),
        target: "-",
        met: true,
      },
    ];
    for (const [name, op] of Object.entries(three.operations)) {
      const single = oneBalanced.operations[name];
      if (!single) continue;
      rows.push({
        name: `B14 community: ${name}, p50 / p99 behind the balancer`,
        ours: `3 replicas: ${ms(op.p50)} / ${ms(op.p99)} ms (${(op.count / three.seconds).toFixed(1)}/s)`,
        baseline: `1 replica: ${ms(single.p50)} / ${ms(single.p99)} ms (${(single.count / oneBalanced.seconds).toFixed(1)}/s)`,
        ratio: `${ratio(op.p50 / single.p50)} / ${ratio(op.p99 / single.p99)}`,
        target: "-",
        met: true,
      });
    }
    const launchP50 = three.operations["POST launch"]?.p50 ?? Number.NaN;
    rows.push(
      {
        name: "B14 community: memory (VmRSS) per replica at the end of the load",
        ours: `3 replicas: ${threeRss.map((value) => `${value.toFixed(0)}`).join(", ")} MiB`,
        baseline: `1 replica: ${oneRss.toFixed(0)} MiB`,
        ratio: ratio(Math.max(...threeRss) / oneRss),
        target: "-",
        met: true,
      },
      {
        name: "B14 community: leader killed (SIGKILL) → next commit answered (a launch retried through the balancer with its key)",
        ours: `${committedMs.toFixed(0)} ms (${attempts} attempts); new leader after ${newLeaderMs.toFixed(0)} ms`,
        baseline: `${ms(launchP50)} ms (a launch's p50 under the 3-replica load)`,
        ratio: ratio(committedMs / launchP50),
        target: "-",
        met: true,
      },
    );
    return rows;
  } finally {
    await Promise.all(replicas.map((replica) => (profiles ? replica.server?.stop() : replica.server?.kill())));
    await balancer?.close();
    await hello.close();
    await database?.end();
    await forge?.close();
    await postgres.stop();
    await rm(base, { recursive: true, force: true, maxRetries: 5 });
  }
}
