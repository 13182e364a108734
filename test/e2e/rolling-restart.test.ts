// A rolling restart of three replicas under load, behind a balancer that follows their
// readiness as a Kubernetes Service does: each replica in turn gets SIGTERM, drains, exits and
// starts again, while people read and write through the balancer. Not one request may fail
// (ADR 0040, ADR 0042): readiness turns false first, in-flight requests finish, and writes
// keep going through the replicas left, one commit each.
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { run } from "../../src/adapters/process.js";
import { startBalancer } from "../support/balancer.js";
import { startGitHttpServer } from "../support/git-http-server.js";
import { createTestDatabase, startPostgres } from "../support/postgres.js";
import { git, startServer, writeConfig, type ServerProcess } from "../support/server.js";

const postgres = await startPostgres();
afterAll(async () => {
  if ("url" in postgres) await postgres.stop();
});
if ("skipped" in postgres && process.env.PLATEAU_REQUIRE_POSTGRES === "1") throw new Error(`PostgreSQL is required: ${postgres.skipped}`);
const unavailable = "skipped" in postgres ? postgres.skipped : undefined;

describe.skipIf(unavailable)("a rolling restart", () => {
  it("of three replicas under load fails no request", { timeout: 600_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), "plateau-rolling-"));
    const forgeDir = join(dir, "forge", "state.git");
    await mkdir(forgeDir, { recursive: true });
    await run("git", ["init", "--quiet", "--bare", "--initial-branch=main", forgeDir]);
    const forge = await startGitHttpServer({ dir: forgeDir });
    const databaseUrl = await createTestDatabase("url" in postgres ? postgres.url : "");
    const config = await writeConfig(
      dir,
      [
        "platforms:\n  local:\n    enabled: false",
        "localMetrics:\n  enabled: false",
        `remote:\n  url: ${forge.url}\n  pollSeconds: 5`,
        "replication:\n  enabled: true\n  leaderCheckSeconds: 1",
        // The balancer checks readiness every 200 ms: a second of drain is five checks.
        "shutdown:\n  drainSeconds: 1\n  graceSeconds: 10",
        "tenancy:\n  labProjectLimit: 10000",
        "",
      ].join("\n"),
    );
    const ids = ["r1", "r2", "r3"];
    const servers = new Map<string, ServerProcess>();
    const balancer = await startBalancer();
    const start = async (id: string) => {
      servers.set(id, await startServer({ dataDir: join(dir, id), config, env: { PLATEAU_DATABASE_URL: databaseUrl, PLATEAU_REPLICA_ID: id } }));
      balancer.setBackends([...servers.values()].map((server) => server.url));
    };
    const failures: string[] = [];
    const created: string[] = [];
    let requests = 0;
    let loading = true;
    try {
      for (const id of ids) await start(id);
      const token = await (servers.get("r1") as ServerProcess).actAs("alice");
      while (balancer.ready().length < 3) await new Promise((resolve) => setTimeout(resolve, 50));

      // People reading (lists, their own page) and writing (a project each, with its key).
      const worker = async (n: number) => {
        for (let i = 0; loading; i++) {
          const write = i % 5 === 4;
          const name = `roll-${n}-${i}`;
          const response = await fetch(`${balancer.url}/api/v1/${write ? "projects" : i % 2 ? "projects" : "me"}`, {
            method: write ? "POST" : "GET",
            headers: {
              authorization: `Bearer ${token}`,
              ...(write ? { "content-type": "application/json", "idempotency-key": randomUUID() } : {}),
            },
            ...(write ? { body: JSON.stringify({ name, lab: "imb" }) } : {}),
          }).then(
            async (answer) => ({ status: answer.status, body: await answer.text() }),
            (error: unknown) => ({ status: 0, body: String((error as Error).cause ?? error) }),
          );
          requests++;
          if (response.status !== (write ? 201 : 200)) failures.push(`${write ? "POST" : "GET"} → ${response.status} ${response.body.slice(0, 200)}`);
          else if (write) created.push(name);
        }
      };
      const workers = [0, 1, 2, 3].map(worker);

      for (const id of ids) {
        await (servers.get(id) as ServerProcess).stop();
        servers.delete(id);
        balancer.setBackends([...servers.values()].map((server) => server.url));
        await start(id);
        while (balancer.ready().length < 3) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      loading = false;
      await Promise.all(workers);

      expect(failures, `${failures.length} of ${requests} requests failed`).toEqual([]);
      expect(created.length).toBeGreaterThan(0);
      // Each project written once, all of them on the forge.
      const subjects = (await git(forgeDir, "log", "--format=%(trailers:key=Plateau-Request-Id,valueonly)", "main")).split("\n").filter(Boolean);
      expect(subjects.length).toBe(new Set(subjects).size);
      const projects = (await git(forgeDir, "ls-tree", "--name-only", "main", "projects/")).split("\n").map((path) => path.replace(/^projects\//, ""));
      for (const name of created) expect(projects).toContain(name);
      console.info(`[rolling restart] ${requests} requests through the balancer, ${created.length} projects created, 0 failed`);
    } finally {
      loading = false;
      await Promise.all([...servers.values()].map((server) => server.kill()));
      await balancer.close();
      await forge.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

if (unavailable) describe.skip(`a rolling restart (${unavailable})`, () => it("needs PostgreSQL", () => {}));
