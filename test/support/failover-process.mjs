// A Plateau process for the failover crash test (test/e2e/failover-crash.test.ts): the real
// composition (the built dist/, as `plateau up` runs it: no TypeScript to compile at each of
// the many restarts) over a real git repository on disk, the example community's platforms,
// Velero's backups as the recovery site shows them (arranged, the same in every process), on a
// clock that does not move, so that a run killed and run again writes what a run never killed writes.
//   node test/support/failover-process.mjs <git dir> setup      three projects' instances on plmapps
//   node test/support/failover-process.mjs <git dir> failover   prints `start`, then `done <report>`
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

const root = join(import.meta.dirname, "..", "..");
const dist = (path) => import(join(root, "dist", path));
const [{ createGitRepository, initRepository }, { createMemoryEngine }, { createMemoryStore }, { createStaticCatalog, loadTemplates }] = await Promise.all([
  dist("adapters/git/git-repository.js"),
  dist("adapters/memory/memory-engine.js"),
  dist("adapters/memory/memory-store.js"),
  dist("adapters/catalog/file-catalog.js"),
]);
const [{ cryptoRandom, systemClock, systemTimers }, { loadCrds }, { parsePlatform }, { localPlatformDocument }] = await Promise.all([
  dist("adapters/system/system.js"),
  dist("adapters/schemas/crd-files.js"),
  dist("core/model.js"),
  dist("core/platforms/service.js"),
]);
const [{ silentLogger }, { noTelemetry }, { createScheduler }, { composePlateau }, { defaultClaimMapping }, { compileClaimMapping }] = await Promise.all([
  dist("core/ports/logger.js"),
  dist("core/ports/telemetry.js"),
  dist("core/scheduler/scheduler.js"),
  dist("main/compose.js"),
  dist("core/access/claim-mapping.js"),
  dist("core/access/claims.js"),
]);

const [dir, mode] = process.argv.slice(2);
if (!dir || (mode !== "setup" && mode !== "failover")) throw new Error("usage: failover-process.mjs <git dir> setup|failover");

const NOW = "2026-12-06T12:00:00.000Z";
const clock = { now: () => new Date(NOW) };
const ago = (hours) => new Date(Date.parse(NOW) - hours * 3_600_000).toISOString();
const arranged = {
  physics: [{ name: "physics-20261206070000", project: "physics", phase: "Completed", startedAt: ago(5), completedAt: ago(4.9) }],
  astro: [{ name: "astro-20261206100000", project: "astro", phase: "Completed", startedAt: ago(2), completedAt: ago(1.9) }],
};
const clusterBackups = {
  backupsFor: async (platform) => (platform === "plmopp" ? { list: async (project) => arranged[project] ?? [], request: async () => undefined } : undefined),
};

const platformsDir = join(root, "examples", "community", "platforms");
const community = await Promise.all(
  (await readdir(platformsDir))
    .filter((file) => file.endsWith(".yaml"))
    .sort()
    .map(async (file) => parsePlatform(await readFile(join(platformsDir, file), "utf8"), file)),
);

await initRepository({ dir });
const repo = createGitRepository({ dir, clock });
// As test/support/plateau.ts composes (with its settings); no reconciler is started.
const plateau = composePlateau(
  {
    repo,
    ...createMemoryStore(),
    catalog: createStaticCatalog(await loadTemplates(join(root, "catalog"))),
    engines: new Map([
      ["podman", createMemoryEngine()],
      ["argocd", createMemoryEngine()],
    ]),
    clock,
    random: cryptoRandom,
    logger: silentLogger,
    telemetry: noTelemetry,
    identityProviders: [],
    scheduler: createScheduler({ clock: systemClock, timers: systemTimers, random: cryptoRandom, logger: silentLogger }),
    clusterBackups,
  },
  {
    platforms: [localPlatformDocument("localhost"), ...community],
    system: { login: "plateau", name: "Plateau", email: "plateau@localhost" },
    urlOf: ({ instance, project, domain }) => `http://${instance}.${project}.${domain}:8080/`,
    reconcileIntervalMs: 60_000,
    reconcileConcurrency: 1,
    lifecycle: { expiryDays: 30, renewDays: 30, maxDays: 365 },
    tenancy: {
      personalQuota: { cpu: 2, memoryGiB: 8, gpu: 0, instances: 5, storageGiB: 20 },
      projectQuota: { cpu: 8, memoryGiB: 32, gpu: 0, instances: 20, storageGiB: 200 },
      labQuota: { cpu: 32, memoryGiB: 128, gpu: 2, instances: 100, storageGiB: 1000 },
      labProjectLimit: 10,
    },
    claims: compileClaimMapping(defaultClaimMapping()),
    sessions: { idleMinutes: 120, absoluteHours: 12 },
    tokens: { defaultDays: 90, maxDays: 365 },
    crds: await loadCrds(join(root, "schemas")),
  },
);
await plateau.start({ reconcile: false });
const alice = { login: "alice", name: "alice", email: "alice@example.org" };
const oscar = { login: "oscar", name: "oscar", email: "oscar@example.org" };

if (mode === "setup") {
  for (const project of ["physics", "astro", "bio"]) {
    await plateau.services.projects.create({ name: project, lab: "imb", title: project }, alice);
    await plateau.services.projects.setTiers(project, ["institutional"], oscar);
  }
  for (const [project, name] of [
    ["physics", "wiki"],
    ["physics", "notes"],
    ["astro", "site"],
    ["bio", "lab"],
  ]) {
    await plateau.services.instances.launch({ template: "static-site", project, name, platform: "plmapps" }, alice);
  }
  process.stdout.write("ready\n");
} else {
  process.stdout.write("start\n");
  const report = await plateau.services.failover.failover("plmapps", "the Paris site is flooded", oscar, { key: "flood-crash" });
  process.stdout.write(`done ${JSON.stringify(report)}\n`);
}
repo.close();
process.exit(0);
