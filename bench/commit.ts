// B1: our commit (git fast-import, no work tree) vs the git CLI doing the same change in a
// work tree (`git add -A && git commit`), on repositories holding 2,000 and 20,000 instances.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createGitRepository, gitEnvironment, initRepository } from "../src/adapters/git/git-repository.js";
import { run, runChecked } from "../src/adapters/process.js";
import { systemClock } from "../src/adapters/system/system.js";
import type { FileChange } from "../src/core/ports/desired-state-repository.js";
import { median, ms, ratio, timed, type Row } from "./stats.js";

const PER_PROJECT = 100;
const author = { name: "Bench", email: "bench@example.org" };

function instanceFiles(i: number, revision: number): { path: string; content: string }[] {
  const project = `p${Math.floor(i / PER_PROJECT)}`;
  const name = `i${i}`;
  const intent = `apiVersion: plateau.io/v1\nkind: Instance\nmetadata:\n  name: ${name}\n  project: ${project}\nspec:\n  template: static-site\n  revision: ${revision}\n  values:\n    image: docker.io/nginxinc/nginx-unprivileged:1.27-alpine\n    size: small\n`;
  const deployment = `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n  namespace: ${project}\nspec:\n  replicas: 1\n  template:\n    metadata:\n      annotations:\n        revision: "${revision}"\n`;
  return [
    { path: `projects/${project}/instances/${name}.yaml`, content: intent },
    { path: `rendered/local/${project}/${name}/deployment-${name}.yaml`, content: deployment },
    {
      path: `rendered/local/${project}/${name}/service-${name}.yaml`,
      content: `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\n  namespace: ${project}\n`,
    },
    {
      path: `rendered/local/${project}/${name}/ingress-${name}.yaml`,
      content: `apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: ${name}\n  namespace: ${project}\n`,
    },
  ];
}

/** A repository with `count` instances, written in one fast-import run (setup, not measured). */
async function seed(dir: string, count: number): Promise<void> {
  await initRepository({ dir });
  const repo = createGitRepository({ dir, clock: systemClock });
  const changes: FileChange[] = [];
  for (let i = 0; i < count; i++) changes.push(...instanceFiles(i, 0));
  await repo.commit({ parent: null, author, message: `seed ${count} instances`, trailers: {}, changes });
  await runChecked("git", ["gc", "--quiet"], { env: gitEnvironment(dir) });
  repo.close();
}

interface Measured {
  oursMs: number;
  gitMs: number;
}

async function measure(count: number, changed: number, repetitions: number, log: (line: string) => void): Promise<Measured> {
  const base = await mkdtemp(join(tmpdir(), "plateau-bench-b1-"));
  try {
    const bare = join(base, "state.git");
    await seed(bare, count);
    const repo = createGitRepository({ dir: bare, clock: systemClock });
    const worktree = join(base, "worktree");
    const env = { PATH: process.env.PATH, HOME: base, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null", LC_ALL: "C" };
    await runChecked("git", ["clone", "--quiet", bare, worktree], { env });
    await runChecked("git", ["-C", worktree, "status", "--short"], { env }); // a warm index, as in daily use
    const ours: number[] = [];
    const git: number[] = [];
    let revision = 0;
    for (let r = 0; r < repetitions; r++) {
      // The same kind of change for both: N instances get a new revision of their intent and deployment.
      revision++;
      const oursChanges = Array.from({ length: changed }, (_, k) => instanceFiles((k * 7919 + r) % count, revision).slice(0, 2)).flat();
      ours.push(
        await timed(async () =>
          repo.commit({ parent: await repo.head(), author, message: `change ${changed}`, trailers: { "Plateau-Action": "bench" }, changes: oursChanges }),
        ),
      );
      revision++;
      const gitChanges = Array.from({ length: changed }, (_, k) => instanceFiles((k * 7919 + r) % count, revision).slice(0, 2)).flat();
      git.push(
        await timed(async () => {
          for (const file of gitChanges) await writeFile(join(worktree, file.path), file.content);
          await runChecked("git", ["-C", worktree, "add", "-A"], { env });
          const result = await run(
            "git",
            ["-C", worktree, "-c", "user.name=Bench", "-c", "user.email=bench@example.org", "-c", "gc.auto=0", "commit", "--quiet", "-m", `change ${changed}`],
            { env },
          );
          if (result.code !== 0) throw new Error(result.stderr);
        }),
      );
    }
    repo.close();
    const result = { oursMs: median(ours), gitMs: median(git) };
    log(`  B1 ${count} instances, ${changed} changed: ours ${ms(result.oursMs)} ms, git CLI ${ms(result.gitMs)} ms (median of ${repetitions})`);
    return result;
  } finally {
    await rm(base, { recursive: true, force: true, maxRetries: 5 });
  }
}

export async function benchCommit(log: (line: string) => void): Promise<Row[]> {
  const rows: Row[] = [];
  const small = await measure(2_000, 1, 15, log);
  const results = new Map<number, Measured>();
  for (const [changed, repetitions] of [
    [1, 15],
    [100, 7],
    [1000, 3],
  ] as const)
    results.set(changed, await measure(20_000, changed, repetitions, log));
  for (const [changed, result] of results) {
    const value = result.oursMs / result.gitMs;
    rows.push({
      name: `B1 commit, ${changed} of 20,000 instances changed`,
      ours: `${ms(result.oursMs)} ms`,
      baseline: `${ms(result.gitMs)} ms (git add -A && git commit)`,
      ratio: ratio(value),
      target: "≤ 1.5×",
      met: value <= 1.5,
    });
  }
  const one = results.get(1) as Measured;
  const growth = one.oursMs / small.oursMs;
  rows.push({
    name: "B1 commit of 1 instance: 20,000 vs 2,000 instances",
    ours: `${ms(one.oursMs)} ms`,
    baseline: `${ms(small.oursMs)} ms (ours at 2,000)`,
    ratio: ratio(growth),
    target: "≤ 2×",
    met: growth <= 2,
  });
  return rows;
}
