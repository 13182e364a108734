// Crashes lose nothing: the server is killed (SIGKILL) at random points during launches,
// stops and removals, again and again; after each restart the repository is intact, the index
// equals it, no request was committed twice, and what runs converges to what is rendered.
import { seededRandom } from "../support/random.js";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "../../src/adapters/process.js";
import { cleanPodmanProject, podmanUnavailable } from "../support/podman.js";
import { expectPodmanConverged, randomOperation, type Operation } from "../support/churn.js";
import { git, startServer, writeConfig, type ServerProcess } from "../support/server.js";

const unavailable = await podmanUnavailable();
const KILLS = Number(process.env.PLATEAU_CRASH_KILLS ?? 50);
const PROJECT = "crash";
const SEED = Number(process.env.PLATEAU_CRASH_SEED ?? Date.now() % 1_000_000);

let token = "";
const authorization = () => ({ authorization: `Bearer ${token}` });

async function send(server: ServerProcess, operation: Operation): Promise<number> {
  const response = await fetch(`${server.url}/api/v1${operation.path}`, {
    method: operation.method,
    headers: { ...authorization(), "idempotency-key": operation.key, ...(operation.body ? { "content-type": "application/json" } : {}) },
    body: operation.body ? JSON.stringify(operation.body) : undefined,
  });
  await response.text();
  return response.status;
}

describe.skipIf(unavailable)("crash safety", () => {
  it(`survives ${KILLS} kills at random points (seed ${SEED})`, { timeout: 1_800_000 }, async () => {
    const next = seededRandom(SEED);
    await cleanPodmanProject(PROJECT);
    const dir = await mkdtemp(join(tmpdir(), "plateau-crash-"));
    const dataDir = join(dir, "data");
    const repository = join(dataDir, "state.git");
    const config = await writeConfig(dir, "podman:\n  stopTimeoutSeconds: 0\nreconcile:\n  intervalSeconds: 0.5\n  concurrency: 2\n");
    let unanswered: Operation[] = [];
    let sequence = 0;
    let kills = 0;
    const stats = { sent: 0, lostInCrash: 0, convergenceChecks: 0 };

    /** The repository is sound, the index equals it, and no request was committed twice. */
    async function checkRepository(server: ServerProcess): Promise<void> {
      const fsck = await run("git", ["--git-dir", repository, "fsck", "--strict", "--no-progress"]);
      expect(fsck.code, `git fsck: ${fsck.stderr}`).toBe(0);
      const files = (await git(repository, "ls-tree", "-r", "--name-only", "main", "projects"))
        .split("\n")
        .filter((path) => /^projects\/[^/]+\/instances\/[^/]+\.yaml$/.test(path));
      const inRepository = new Map<string, string>();
      for (const file of files) {
        const [, project, , name] = file.replace(/\.yaml$/, "").split("/");
        const state = /state: (\w+)/.exec(await git(repository, "show", `main:${file}`))?.[1] ?? "?";
        inRepository.set(`${project}/${name}`, state);
      }
      const listed = (await (await fetch(`${server.url}/api/v1/instances`, { headers: authorization() })).json()) as {
        items: { project: string; name: string; state: string }[];
      };
      expect(new Map(listed.items.map((i) => [`${i.project}/${i.name}`, i.state]))).toEqual(inRepository);
      const ids = (await git(repository, "log", "--format=%(trailers:key=Plateau-Request-Id,valueonly)", "main")).split("\n").filter(Boolean);
      expect(ids.length).toBe(new Set(ids).size);
      const launches = (await git(repository, "log", "--format=%s", "main")).split("\n").filter((subject) => subject.startsWith("launch "));
      expect(launches.length).toBe(new Set(launches).size);
    }

    try {
      for (let round = 0; round <= KILLS; round++) {
        const server = await startServer({ dataDir, config });
        if (round === 0) {
          // Alice signs in once; her token and her lab's project survive every crash.
          token = await server.actAs("alice");
          const created = await fetch(`${server.url}/api/v1/projects`, {
            method: "POST",
            headers: { ...authorization(), "content-type": "application/json" },
            body: JSON.stringify({ name: PROJECT, lab: "imb" }),
          });
          expect(created.status).toBe(201);
        }
        await checkRepository(server);
        // Requests whose answer was lost in the crash are retried with their key: no double effect.
        for (const operation of unanswered) expect([202, 404, 409]).toContain(await send(server, operation));
        stats.lostInCrash += unanswered.length;
        unanswered = [];
        await checkRepository(server);
        if (round === KILLS || round % 10 === 9) {
          await expectPodmanConverged(repository, PROJECT);
          stats.convergenceChecks++;
        }
        if (round === KILLS) {
          await server.stop();
          break;
        }

        const instances = (
          (await (await fetch(`${server.url}/api/v1/instances?project=${PROJECT}`, { headers: authorization() })).json()) as {
            items: { name: string; state: string }[];
          }
        ).items;
        const operations: Operation[] = [];
        for (let k = 0; k < 1 + Math.floor(next() * 3); k++) operations.push(randomOperation(PROJECT, instances, next, () => `c${sequence++}`));
        stats.sent += operations.length;
        const answers = operations.map((operation) =>
          send(server, operation).then(
            () => true,
            () => false,
          ),
        );
        // Most kills land while the requests are handled (commit, indexing), the others while
        // the platform applies them (podman half way through a kube play or a removal).
        await new Promise((resolve) => setTimeout(resolve, next() < 0.7 ? next() * 120 : 120 + next() * 700));
        await server.kill();
        kills++;
        const answered = await Promise.all(answers);
        unanswered = operations.filter((_, i) => !answered[i]);
      }
      expect(kills).toBe(KILLS);
      const commits = (await git(repository, "rev-list", "--count", "main")).trim();
      console.info(
        `[crash] seed ${SEED}: ${kills} kills, ${stats.sent} requests, ${stats.lostInCrash} answers lost in a crash and retried, ${commits} commits, ${stats.convergenceChecks} convergence checks`,
      );
      expect(stats.lostInCrash).toBeGreaterThan(0); // the kills did land during requests
    } finally {
      await cleanPodmanProject(PROJECT);
      await rm(dir, { recursive: true, force: true });
    }
  });
});

if (unavailable) describe.skip(`crash safety (${unavailable})`, () => it("needs podman", () => {}));
