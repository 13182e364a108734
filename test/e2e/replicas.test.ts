// Three replicas of Plateau on one PostgreSQL and one forge (ADR 0040). The leader is killed
// (SIGKILL) again and again while people launch, stop and remove instances through any
// replica: every request is answered, or retried with its idempotency key on another replica;
// no request is committed twice; a new leader comes within a bounded time; and in the end the
// forge's repository, the shared index, every replica's clone and what podman runs agree.
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { run } from "../../src/adapters/process.js";
import { startGitHttpServer, type GitHttpServer } from "../support/git-http-server.js";
import { createTestDatabase, startPostgres } from "../support/postgres.js";
import { cleanPodmanProject, podmanUnavailable } from "../support/podman.js";
import { expectPodmanConverged, randomOperation, type Operation } from "../support/churn.js";
import { seededRandom } from "../support/random.js";
import { git, startServer, writeConfig, type ServerProcess } from "../support/server.js";

const postgres = await startPostgres();
afterAll(async () => {
  if ("url" in postgres) await postgres.stop();
});
if ("skipped" in postgres && process.env.PLATEAU_REQUIRE_POSTGRES === "1") throw new Error(`PostgreSQL is required: ${postgres.skipped}`);
const unavailable = (await podmanUnavailable()) ?? ("skipped" in postgres ? `no PostgreSQL: ${postgres.skipped}` : undefined);
const KILLS = Number(process.env.PLATEAU_REPLICA_KILLS ?? 20);
const SEED = Number(process.env.PLATEAU_REPLICA_SEED ?? Date.now() % 1_000_000);
const PROJECT = "replicas";
/** Shared by the replicas of one installation, as a copied data directory would be (ADR 0015). */
const INSTALLATION = "rpl0test00";
/** Correctness, not speed: a leader check every second, so a new leader comes in seconds; this is ten times that and more. */
const NEW_LEADER_BOUND_MS = 30_000;

interface Replica {
  readonly id: string;
  readonly dataDir: string;
  server: ServerProcess | undefined;
}

describe.skipIf(unavailable)("several replicas", () => {
  it(`lose nothing when the leader is killed ${KILLS} times (seed ${SEED})`, { timeout: 1_800_000 }, async () => {
    const next = seededRandom(SEED);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
    await cleanPodmanProject(PROJECT);
    const dir = await mkdtemp(join(tmpdir(), "plateau-replicas-"));
    const forgeDir = join(dir, "forge", "state.git");
    await mkdir(forgeDir, { recursive: true });
    await run("git", ["init", "--quiet", "--bare", "--initial-branch=main", forgeDir]);
    const forge: GitHttpServer = await startGitHttpServer({ dir: forgeDir });
    const databaseUrl = await createTestDatabase("url" in postgres ? postgres.url : "");
    const database = new pg.Client({ connectionString: databaseUrl });
    await database.connect();
    const config = await writeConfig(
      dir,
      [
        "podman:\n  stopTimeoutSeconds: 0",
        "reconcile:\n  intervalSeconds: 0.5\n  concurrency: 2",
        "localMetrics:\n  enabled: false",
        `remote:\n  url: ${forge.url}\n  pollSeconds: 5`,
        "replication:\n  enabled: true\n  leaderCheckSeconds: 1\n  lockTimeoutSeconds: 20",
        "",
      ].join("\n"),
    );
    const replicas: Replica[] = ["r1", "r2", "r3"].map((id) => ({ id, dataDir: join(dir, id), server: undefined }));
    const start = async (replica: Replica) => {
      await mkdir(replica.dataDir, { recursive: true });
      await writeFile(join(replica.dataDir, "installation-id"), `${INSTALLATION}\n`);
      replica.server = await startServer({
        dataDir: replica.dataDir,
        config,
        env: { PLATEAU_DATABASE_URL: databaseUrl, PLATEAU_REPLICA_ID: replica.id },
      });
    };
    const leader = async (): Promise<{ replicaId: string; epoch: number } | undefined> => {
      const row = (await database.query<{ replica_id: string; epoch: number }>("select replica_id, epoch from replication_leader")).rows[0];
      return row ? { replicaId: row.replica_id, epoch: Number(row.epoch) } : undefined;
    };
    let token = "";
    const live = () => replicas.filter((replica) => replica.server !== undefined);

    /** Sends to any live replica; a connection that fails or a 503 is retried on another with the same key, as a client does. */
    async function send(operation: Operation): Promise<number> {
      const deadline = Date.now() + 120_000;
      for (;;) {
        const server = pick(live()).server;
        const status = server
          ? await fetch(`${server.url}/api/v1${operation.path}`, {
              method: operation.method,
              headers: {
                authorization: `Bearer ${token}`,
                "idempotency-key": operation.key,
                ...(operation.body ? { "content-type": "application/json" } : {}),
              },
              body: operation.body ? JSON.stringify(operation.body) : undefined,
            }).then(
              async (response) => (await response.text(), response.status),
              () => 0,
            )
          : 0;
        if (status !== 0 && status !== 503) return status;
        stats.retried++;
        if (Date.now() > deadline) throw new Error(`no replica answered ${operation.method} ${operation.path} in 2 minutes`);
        await new Promise((resolve) => setTimeout(resolve, 100 + next() * 200));
      }
    }

    const stats = { sent: 0, retried: 0, leaderChanges: [] as number[] };
    try {
      for (const replica of replicas) await start(replica);
      token = await (replicas[0]?.server as ServerProcess).actAs("alice");
      const created = await send({ method: "POST", path: "/projects", body: { name: PROJECT, lab: "imb" }, key: randomUUID(), name: PROJECT });
      expect(created).toBe(201);
      const statuses: number[] = [];
      let sequence = 0;

      for (let kill = 0; kill < KILLS; kill++) {
        const server = pick(live()).server as ServerProcess;
        const instances = (
          (await (await fetch(`${server.url}/api/v1/instances?project=${PROJECT}`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
            items: { name: string; state: string }[];
          }
        ).items;
        const operations: Operation[] = [];
        for (let k = 0; k < 2 + Math.floor(next() * 3); k++) operations.push(randomOperation(PROJECT, instances, next, () => `r${sequence++}`));
        stats.sent += operations.length;
        const answers = Promise.all(operations.map(send));
        // Most kills land while requests are handled (lock, commit, push, index), the others while the leader applies them.
        await new Promise((resolve) => setTimeout(resolve, next() < 0.7 ? next() * 300 : 300 + next() * 1500));
        const before = await leader();
        const victim = replicas.find((replica) => replica.id === before?.replicaId);
        expect(victim?.server, `the leader ${before?.replicaId} is one of the replicas`).toBeDefined();
        await victim?.server?.kill();
        const killedAt = Date.now();
        (victim as Replica).server = undefined;
        // Another replica takes over within the bound.
        for (;;) {
          const now = await leader();
          if (now && now.epoch > (before?.epoch ?? 0) && now.replicaId !== before?.replicaId) break;
          expect(Date.now() - killedAt, "a new leader within the bound").toBeLessThan(NEW_LEADER_BOUND_MS);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        stats.leaderChanges.push(Date.now() - killedAt);
        statuses.push(...(await answers));
        await start(victim as Replica);
      }

      // Every request was answered: done, or refused for what it asked (the instance gone meanwhile).
      for (const status of statuses) expect([200, 201, 202, 404, 409]).toContain(status);
      await checkAgreement();
      const commits = (await git(forgeDir, "rev-list", "--count", "main")).trim();
      const changes = [...stats.leaderChanges].sort((a, b) => a - b);
      console.info(
        `[replicas] seed ${SEED}: ${KILLS} leaders killed, ${stats.sent} requests, ${stats.retried} retries, ${commits} commits; ` +
          `new leader after ${changes[0]}–${changes.at(-1)} ms (median ${changes[Math.floor(changes.length / 2)]} ms)`,
      );
      if (KILLS >= 10) expect(stats.retried).toBeGreaterThan(0); // kills did land during requests
    } finally {
      await Promise.all(live().map((replica) => replica.server?.kill()));
      await database.end();
      await forge.close();
      await cleanPodmanProject(PROJECT);
      await rm(dir, { recursive: true, force: true });
    }

    /** The forge, the index, each clone and podman agree, and no request was committed twice. */
    async function checkAgreement(): Promise<void> {
      const head = (await git(forgeDir, "rev-parse", "main")).trim();
      const fsck = await run("git", ["--git-dir", forgeDir, "fsck", "--strict", "--no-progress"]);
      expect(fsck.code, `git fsck: ${fsck.stderr}`).toBe(0);
      const ids = (await git(forgeDir, "log", "--format=%(trailers:key=Plateau-Request-Id,valueonly)", "main")).split("\n").filter(Boolean);
      expect(ids.length, "no request committed twice").toBe(new Set(ids).size);
      const inRepository = new Map<string, string>();
      const files = (await git(forgeDir, "ls-tree", "-r", "--name-only", "main", "projects"))
        .split("\n")
        .filter((path) => /^projects\/[^/]+\/instances\/[^/]+\.yaml$/.test(path));
      for (const file of files) {
        const [, project, , name] = file.replace(/\.yaml$/, "").split("/");
        inRepository.set(`${project}/${name}`, /state: (\w+)/.exec(await git(forgeDir, "show", `main:${file}`))?.[1] ?? "?");
      }
      const indexed = (await database.query<{ value: string }>("select value from meta where key = 'indexed_commit'")).rows[0]?.value;
      expect(indexed, "the shared index reflects the forge's head").toBe(head);
      for (const replica of live()) {
        const server = replica.server as ServerProcess;
        // A replica's cache of the index follows the shared index at its next refresh (2 s).
        let listed = new Map<string, string>();
        for (let attempt = 0; attempt < 100; attempt++) {
          const answer = (await (await fetch(`${server.url}/api/v1/instances`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
            items: { project: string; name: string; state: string }[];
          };
          listed = new Map(answer.items.map((i) => [`${i.project}/${i.name}`, i.state]));
          if (JSON.stringify([...listed].sort()) === JSON.stringify([...inRepository].sort())) break;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        expect(listed, `${replica.id} lists what the forge holds`).toEqual(inRepository);
        // Each clone follows the shared index within a refresh.
        let clone = "";
        for (let attempt = 0; attempt < 100 && clone !== head; attempt++) {
          clone = (await git(join(replica.dataDir, "state.git"), "rev-parse", "main")).trim();
          if (clone !== head) await new Promise((resolve) => setTimeout(resolve, 100));
        }
        expect(clone, `${replica.id}'s clone is at the forge's head`).toBe(head);
      }
      // Exactly one replica says it leads, the one the database names.
      let roles: string[] = [];
      const named = (await leader())?.replicaId;
      for (let attempt = 0; attempt < 50; attempt++) {
        roles = await Promise.all(
          live().map(async (replica) => {
            const health = (await (await fetch(`${replica.server?.url}/readyz`)).json()) as { replica?: { id: string; role: string } };
            return `${health.replica?.id}:${health.replica?.role}`;
          }),
        );
        if (roles.filter((role) => role.endsWith(":leader")).length === 1) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(
        roles.filter((role) => role.endsWith(":leader")),
        "one leader, the one recorded",
      ).toEqual([`${named}:leader`]);
      // Podman runs exactly the running instances, at their rendered revision.
      await expectPodmanConverged(forgeDir, PROJECT);
    }
  });
});

if (unavailable) describe.skip(`several replicas (${unavailable})`, () => it("needs podman and PostgreSQL", () => {}));
