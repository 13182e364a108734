// B12d: a drill's own overhead beyond its restores (ADR 0034). A drill of the local platform with
// the real podman engine copies INSTANCES backed-up instances of the test web template (restore,
// start, answer, remove each); the ratio is the drill's wall time ÷ the sum of its instances'
// restores (each from the start of its restore to its copy answering, the RTOs of its report),
// in the same run: what finding the instances and their backups, rendering the copies, removing
// them and storing the report add. The volumes are backed up and restored by the podman
// VolumeBackups on a real Ceph RGW (test/support/ceph-rgw.ts).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHttpProbe } from "../src/adapters/http-probe.js";
import { createPodmanEngine } from "../src/adapters/podman/podman-engine.js";
import { createPodmanVolumeBackups } from "../src/adapters/podman/volume-backups.js";
import { createS3Client } from "../src/adapters/s3/client.js";
import { run } from "../src/adapters/process.js";
import { parseProject, serialize } from "../src/core/model.js";
import { silentLogger } from "../src/core/ports/logger.js";
import { projectPath } from "../src/core/repository/layout.js";
import { startCephRgw } from "../test/support/ceph-rgw.js";
import { cleanPodmanProject, podmanUnavailable } from "../test/support/podman.js";
import { memoryPlateau } from "../test/support/plateau.js";
import { median, ratio, showSpread, spread, type Row } from "./stats.js";

const INSTANCES = Number(process.env.PLATEAU_BENCH_DRILL_INSTANCES ?? 3);
const ROUNDS = Number(process.env.PLATEAU_BENCH_DRILL_ROUNDS ?? 3);
const PROJECT = "bench-drill";
const TARGET = 1.5;

export async function benchDrillOverhead(log: (line: string) => void): Promise<Row[]> {
  const missing = await podmanUnavailable().catch((error: unknown) => (error as Error).message);
  if (missing) {
    log(`  B12d skipped: ${missing}`);
    return [];
  }
  const rgw = await startCephRgw({ memstoreBytes: 128 * 1024 * 1024 });
  if ("skipped" in rgw) {
    log(`  B12d skipped: ${rgw.skipped}`);
    return [];
  }
  const runtimeDir = await mkdtemp(join(tmpdir(), "plateau-bench-drill-"));
  const engine = createPodmanEngine({ runtimeDir, installation: "benchdrill", stopTimeoutSeconds: 0, startupTimeoutMs: 60_000, logger: silentLogger });
  const backups = createPodmanVolumeBackups({
    installation: "benchdrill",
    platform: "local",
    s3: createS3Client({ endpoint: rgw.endpoint, region: rgw.region, credentials: rgw }),
    endpoint: rgw.endpoint,
    bucket: "plateau-bench-drill",
    logger: silentLogger,
  });
  const scratches: string[] = [];
  const { plateau, repo, reconciler } = await memoryPlateau({
    engines: new Map([["podman", engine]]),
    volumeBackups: { backupsFor: async (platform) => (platform === "local" ? backups : undefined) },
    answers: createHttpProbe(),
  });
  try {
    await cleanPodmanProject(PROJECT);
    const owner = { login: "alice", name: "alice", email: "alice@users.plateau.invalid" };
    await plateau.services.projects.create({ name: PROJECT, lab: "imb" }, owner);
    const head = await repo.head();
    const project = parseProject((await repo.readFile(head ?? "", projectPath(PROJECT))) ?? "", PROJECT);
    await repo.commit({
      parent: head,
      author: { name: "bench", email: "bench@example.org" },
      message: "backed up",
      trailers: {},
      changes: [{ path: projectPath(PROJECT), content: serialize({ ...project, spec: { ...project.spec, recovery: { backups: true } } }) }],
    });
    await plateau.refresh();
    for (let i = 0; i < INSTANCES; i++)
      await plateau.services.instances.launch({ template: "test-web", project: PROJECT, name: `web${i}`, platform: "local" }, owner);
    await reconciler.reconcileOnce();
    for (let i = 0; i < INSTANCES; i++) await backups.backup(PROJECT, `web${i}`, { id: `20261201t000000z-b${i}`, takenAt: new Date(Date.now() - 3600_000) });
    const ratios: number[] = [];
    const walls: number[] = [];
    const restores: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const started = performance.now();
      const report = await plateau.services.drills.run("local", {
        progress: (line) => process.env.PLATEAU_BENCH_TRACE && log(`    ${line.at} ${line.instance} ${line.message}`),
      });
      const wall = (performance.now() - started) / 1000;
      scratches.push(report.scratchProject);
      const answered = report.instances.filter((one) => one.answered).length;
      if (answered !== INSTANCES) throw new Error(`the drill's copies did not all answer: ${JSON.stringify(report.instances)}`);
      const sum = report.instances.reduce((total, one) => total + (one.rtoSeconds ?? 0), 0);
      walls.push(wall * 1000);
      restores.push(sum * 1000);
      ratios.push(wall / sum);
      log(`  round ${round + 1}: drill ${wall.toFixed(2)} s, restores ${sum.toFixed(2)} s, ${ratio(wall / sum)}`);
    }
    const value = median(ratios);
    return [
      {
        name: `B12d a drill of ${INSTANCES} instances (podman): wall time ÷ its restores`,
        ours: `${showSpread(spread(walls))} ms`,
        baseline: `${showSpread(spread(restores))} ms (its restores: restore → answering, summed)`,
        ratio: ratio(value),
        target: `≤ ${TARGET}×`,
        met: value <= TARGET,
      },
    ];
  } finally {
    await plateau.stop();
    for (const project of [PROJECT, ...scratches]) await cleanPodmanProject(project).catch(() => undefined);
    await run("podman", ["volume", "prune", "-f", "--filter", "label=plateau.io/installation=benchdrill"]).catch(() => undefined);
    await rm(runtimeDir, { recursive: true, force: true });
    await rgw.stop();
  }
}
