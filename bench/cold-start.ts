// B15: a cold start over a desired-state repository of 20,000 instances in 1,500 projects on
// the local platform: the index rebuilt from nothing (the indexer over a fresh SQLite, and a
// fresh PostgreSQL when one can be started), then the reconciler's first pass up to its plan
// (the real reconciler, over the repository, with an engine in memory that reports nothing
// running, or every instance running at its revision). Baseline: `git ls-tree -r <head>` of
// the same tree, spawned, its output read, in the same rounds.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createGitRepository, gitEnvironment } from "../src/adapters/git/git-repository.js";
import { createMemoryEngine } from "../src/adapters/memory/memory-engine.js";
import { runChecked } from "../src/adapters/process.js";
import { openPostgres, openSqlite, type OpenDatabase } from "../src/adapters/sql/database.js";
import { createSqlStore } from "../src/adapters/sql/sql-store.js";
import { cryptoRandom, systemClock, systemTimers } from "../src/adapters/system/system.js";
import { createIndexer } from "../src/core/index/indexer.js";
import type { ObservedUnit } from "../src/core/ports/engine.js";
import { commitFleet, fleetChanges, fleetTemplateFiles } from "./fleet-files.js";
import { silentLogger } from "../src/core/ports/logger.js";
import { noTelemetry } from "../src/core/ports/telemetry.js";
import { createReconciler } from "../src/core/reconcile/reconciler.js";
import { createScheduler } from "../src/core/scheduler/scheduler.js";
import { createTestDatabase, startPostgres } from "../test/support/postgres.js";
import { median, ratio, type Row } from "./stats.js";

const PROJECTS = 1_500;

const count = (name: string, fallback: number): number => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? Math.round(value) : fallback;
};

/** The repository: `instances` instances dealt to PROJECTS projects, one commit written by fast-import, then packed. */
async function seed(dir: string, instances: number, log: (line: string) => void): Promise<{ head: string; units: ObservedUnit[] }> {
  const projects = Math.min(PROJECTS, instances);
  const changes = fleetChanges(await fleetTemplateFiles(), projects, instances);
  const head = await commitFleet(dir, changes, `${instances} instances in ${projects} projects`);
  const repo = createGitRepository({ dir, clock: systemClock });
  // What every instance's workload would report if it ran its revision: the hash of its rendered directory.
  const units: ObservedUnit[] = [];
  for (const project of await repo.listDirectory(head, "rendered/local")) {
    if (project.type !== "tree") continue;
    for (const entry of await repo.listDirectory(head, `rendered/local/${project.name}`)) {
      if (entry.type === "tree" && entry.name !== "_project")
        units.push({ project: project.name, instance: entry.name, hash: entry.hash, phase: "running", reason: "", endpoint: "127.0.0.1:1" });
    }
  }
  repo.close();
  if (units.length !== instances) throw new Error(`the repository renders ${units.length} instances, not ${instances}`);
  log(`  B15 repository: ${changes.length} files, ${instances} instances in ${projects} projects`);
  return { head, units };
}

/** `git ls-tree -r <head>`, its whole output read: what reading the tree costs git itself. */
async function lsTree(dir: string, head: string): Promise<number> {
  const start = performance.now();
  const out = await runChecked("git", ["ls-tree", "-r", head], { env: gitEnvironment(dir) });
  const elapsed = performance.now() - start;
  if (out.length === 0) throw new Error("git ls-tree wrote nothing");
  return elapsed;
}

interface ColdStart {
  readonly indexMs: number;
  readonly planMs: number;
}

/** The index rebuilt from nothing into `database`, then the reconciler's first pass until its plan is made. */
async function coldStart(dir: string, database: OpenDatabase, observed: readonly ObservedUnit[], instances: number): Promise<ColdStart> {
  const store = createSqlStore(database.db, systemClock);
  const repo = createGitRepository({ dir, clock: systemClock });
  try {
    const indexStart = performance.now();
    const synced = await createIndexer({ repo, index: store.index, logger: silentLogger }).sync();
    const indexMs = performance.now() - indexStart;
    if (!synced.full) throw new Error("the index was not rebuilt from nothing");
    const listed = await store.index.listInstances({});
    if (listed.length !== instances) throw new Error(`the index holds ${listed.length} instances, not ${instances}`);

    // The memory engine, its observation replaced by what the run asks for.
    const memory = createMemoryEngine();
    const engine = { ...memory, observe: async () => [...observed] };
    let planned: (pending: number) => void = () => {};
    const plan = new Promise<number>((resolve) => (planned = resolve));
    const scheduler = createScheduler({ clock: systemClock, timers: systemTimers, random: cryptoRandom, logger: silentLogger });
    const reconciler = createReconciler({
      platform: "local",
      engine,
      repo,
      statuses: store.statuses,
      secrets: store.secrets,
      clock: systemClock,
      random: cryptoRandom,
      logger: silentLogger,
      // The pass says how many units differ right after planning and scheduling: the end of the measure.
      telemetry: { ...noTelemetry, pendingChanges: (_platform, pending) => planned(pending) },
      scheduler,
      intervalMs: 3_600_000,
    });
    const planStart = performance.now();
    reconciler.start();
    const pending = await plan;
    const planMs = performance.now() - planStart;
    await reconciler.stop();
    const expected = observed.length === 0 ? instances : 0;
    if (pending !== expected) throw new Error(`the first plan has ${pending} pending units, not ${expected}`);
    return { indexMs, planMs };
  } finally {
    repo.close();
  }
}

export async function benchColdStart(log: (line: string) => void): Promise<Row[]> {
  const instances = count("PLATEAU_BENCH_B15_INSTANCES", 20_000);
  const rounds = count("PLATEAU_BENCH_B15_ROUNDS", 2);
  const base = await mkdtemp(join(tmpdir(), "plateau-bench-b15-"));
  const postgres = await startPostgres();
  if ("skipped" in postgres) log(`  B15 PostgreSQL: ${postgres.skipped}`);
  try {
    const dir = join(base, "state.git");
    const { head, units } = await seed(dir, instances, log);
    const kinds = [
      { label: "nothing running", observed: [] as ObservedUnit[] },
      { label: "everything running", observed: units },
    ];
    const databases: { label: string; open: (round: number) => Promise<OpenDatabase> }[] = [
      { label: "SQLite", open: (round) => openSqlite(join(base, `index-${round}-${Math.random().toString(36).slice(2)}.sqlite`)) },
      ...("url" in postgres ? [{ label: "PostgreSQL", open: async () => openPostgres(await createTestDatabase(postgres.url)) }] : []),
    ];
    const baseline: number[] = [];
    const measured = new Map<string, ColdStart[]>();
    await lsTree(dir, head); // warm: the pack in the page cache for both sides
    for (let round = 0; round < rounds; round++) {
      for (const database of databases) {
        for (const kind of kinds) {
          baseline.push(await lsTree(dir, head));
          const opened = await database.open(round);
          try {
            const result = await coldStart(dir, opened, kind.observed, instances);
            const key = `${database.label}, ${kind.label}`;
            measured.set(key, [...(measured.get(key) ?? []), result]);
            log(
              `  B15 round ${round + 1}/${rounds}, ${key}: index ${(result.indexMs / 1000).toFixed(2)} s, first plan ${(result.planMs / 1000).toFixed(2)} s; ls-tree ${(baseline.at(-1) ?? 0).toFixed(0)} ms`,
            );
          } finally {
            await opened.close();
          }
        }
      }
    }
    const lsTreeMs = median(baseline);
    const seconds = (value: number) => `${(value / 1000).toFixed(2)} s`;
    const rows: Row[] = [];
    const what = `${instances.toLocaleString("en")} instances, ${Math.min(PROJECTS, instances).toLocaleString("en")} projects`;
    const baselineText = `${lsTreeMs.toFixed(0)} ms (git ls-tree -r, median of ${baseline.length})`;
    for (const [key, results] of measured) {
      const database = key.split(",")[0] ?? key;
      // The index is the same whatever the engine runs: one row per database, from every round of it.
      const index = median([...measured].filter(([other]) => other.startsWith(`${database},`)).flatMap(([, all]) => all.map((result) => result.indexMs)));
      const plan = median(results.map((result) => result.planMs));
      const total = median(results.map((result) => result.indexMs + result.planMs));
      log(`  B15 ${key}: index ${seconds(index)}, first plan ${seconds(plan)}, total ${seconds(total)}; ls-tree ${lsTreeMs.toFixed(0)} ms`);
      if (key.endsWith("nothing running"))
        rows.push({
          name: `B15 cold start, ${what}: index rebuilt (${database})`,
          ours: seconds(index),
          baseline: baselineText,
          ratio: ratio(index / lsTreeMs),
          target: "-",
          met: true,
        });
      rows.push(
        {
          name: `B15 cold start, ${what}: first plan (${key})`,
          ours: seconds(plan),
          baseline: baselineText,
          ratio: ratio(plan / lsTreeMs),
          target: "-",
          met: true,
        },
        {
          name: `B15 cold start, ${what}: total (${key})`,
          ours: seconds(total),
          baseline: baselineText,
          ratio: ratio(total / lsTreeMs),
          target: "-",
          met: true,
        },
      );
    }
    return rows;
  } finally {
    if ("url" in postgres) await postgres.stop();
    await rm(base, { recursive: true, force: true, maxRetries: 5 });
  }
}
