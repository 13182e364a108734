// B17: what one launch costs Plateau in a large installation. The same launches (the instance
// service: intent, placement, quotas, render, one commit, the index brought to it) in a
// repository of 20,000 instances in 1,500 projects, and in one holding only the projects: the
// ratio says how much of a launch grows with the fleet. A launch holds the write lock (ADR 40),
// so its cost is the installation's write throughput. Git and SQLite are real; the platform is
// the local one with an engine in memory (nothing runs).
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createGitRepository } from "../src/adapters/git/git-repository.js";
import { openSqlite } from "../src/adapters/sql/database.js";
import { createSqlStore } from "../src/adapters/sql/sql-store.js";
import { systemClock } from "../src/adapters/system/system.js";
import { alice, memoryPlateau } from "../test/support/plateau.js";
import { commitFleet, fleetChanges, fleetProject, fleetTemplateFiles } from "./fleet-files.js";
import { median, ms, ratio, type Row } from "./stats.js";

const PROJECTS = 1_500;

/** Quotas no launch of the run reaches: the lab of every project holds thousands of instances. */
const ROOMY = {
  personalQuota: { cpu: 1e6, memoryGiB: 1e6, gpu: 0, instances: 1e6, storageGiB: 1e6 },
  projectQuota: { cpu: 1e6, memoryGiB: 1e6, gpu: 0, instances: 1e6, storageGiB: 1e6 },
  labQuota: { cpu: 1e6, memoryGiB: 1e6, gpu: 0, instances: 1e6, storageGiB: 1e6 },
  labProjectLimit: 10_000,
};

const count = (name: string, fallback: number): number => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? Math.round(value) : fallback;
};

/** A repository of PROJECTS projects (alice owns each) and `instances` instances dealt to them, in one commit. */
async function seed(dir: string, instances: number): Promise<void> {
  await commitFleet(dir, fleetChanges(await fleetTemplateFiles(), PROJECTS, instances), `${instances} instances in ${PROJECTS} projects`);
}

/** Plateau over the seeded repository and a fresh SQLite index (built at start), then `launches` launches timed one by one. */
async function launches(base: string, label: string, instances: number, launches: number): Promise<number[]> {
  const dir = join(base, `${label}.git`);
  await seed(dir, instances);
  const database = await openSqlite(join(base, `${label}.sqlite`));
  const repo = createGitRepository({ dir, clock: systemClock });
  const { plateau, adapters } = await memoryPlateau({ repo, ...createSqlStore(database.db, systemClock) }, [], { tenancy: ROOMY });
  try {
    const indexed = await adapters.index.listInstances({});
    if (indexed.length !== instances) throw new Error(`the index holds ${indexed.length} instances, not ${instances}`);
    const profile = process.env.PLATEAU_BENCH_B17_PROFILE && instances > 0 ? new Session() : undefined;
    if (profile) {
      profile.connect();
      await profile.post("Profiler.enable");
      await profile.post("Profiler.start");
    }
    const times: number[] = [];
    for (let k = 0; k < launches; k++) {
      const project = fleetProject((k * 7) % PROJECTS);
      const start = performance.now();
      await plateau.services.instances.launch({ template: "static-site", project, name: `b17-${k}` }, alice);
      times.push(performance.now() - start);
    }
    if (profile) {
      const { profile: written } = await profile.post("Profiler.stop");
      await writeFile(process.env.PLATEAU_BENCH_B17_PROFILE as string, JSON.stringify(written));
    }
    return times;
  } finally {
    await plateau.stop();
    repo.close();
    await database.close();
  }
}

export async function benchLaunchAtScale(log: (line: string) => void): Promise<Row[]> {
  const instances = count("PLATEAU_BENCH_B17_INSTANCES", 20_000);
  const rounds = count("PLATEAU_BENCH_B17_LAUNCHES", 30);
  const base = await mkdtemp(join(tmpdir(), "plateau-bench-b17-"));
  try {
    const empty = await launches(base, "empty", 0, rounds);
    log(`  B17 no instance: launch median ${ms(median(empty))} ms over ${rounds}`);
    const fleet = await launches(base, "fleet", instances, rounds);
    log(`  B17 ${instances} instances: launch median ${ms(median(fleet))} ms over ${rounds}`);
    // The first launches warm caches (templates, the catalog): the steady state is what counts.
    const steady = (times: number[]) => median(times.slice(Math.min(5, times.length - 1)));
    return [
      {
        name: `B17 a launch in an installation of ${instances.toLocaleString("en")} instances in ${PROJECTS.toLocaleString("en")} projects (git, SQLite)`,
        ours: `${ms(steady(fleet))} ms`,
        baseline: `${ms(steady(empty))} ms (the same launches, the same projects, no instance)`,
        ratio: ratio(steady(fleet) / steady(empty)),
        target: "-",
        met: true,
      },
    ];
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}
