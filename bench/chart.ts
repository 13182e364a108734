// B10: a chart launch with its preflight (form, archive, `helm template`, checks, commit) vs the
// same `helm template` run alone. Ours: `ide/jupyter-python` with its defaults launched on the
// community's Kubernetes platform plmvshift, in a Plateau over in-memory adapters (repository,
// store, engines) with the real Helm renderer and a local chart repository, as
// test/integration/helm-preflight.test.ts builds it. Baseline: `helm template` of the same
// archive with the same values file, started as the adapter starts Helm (process.ts `run`).
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHelmCatalogs } from "../src/adapters/helm/helm-catalogs.js";
import { createHelmTemplateRenderer } from "../src/adapters/helm/helm-template.js";
import { createMemoryEngine } from "../src/adapters/memory/memory-engine.js";
import { run } from "../src/adapters/process.js";
import { systemClock } from "../src/adapters/system/system.js";
import { parseHelmCatalogConfig } from "../src/core/helm/catalog-config.js";
import type { HelmCatalogs } from "../src/core/ports/helm-catalogs.js";
import { parsePlatform } from "../src/core/model.js";
import { launchFindings } from "../src/core/helm/launch-preflight.js";
import type { ChartRenderer, ChartRenderRequest, RenderedChart } from "../src/core/ports/chart-renderer.js";
import { silentLogger } from "../src/core/ports/logger.js";
import { PACKAGE_ROOT } from "../src/main/config.js";
import { startChartRepository } from "../test/support/chart-repository.js";
import { helmUnavailable, TEST_HELM } from "../test/support/helm.js";
import { alice, memoryPlateau, TEST_SETTINGS } from "../test/support/plateau.js";
import { ms, ratio, showSpread, spread, type Row } from "./stats.js";

const REPETITIONS = Number(process.env.PLATEAU_BENCH_CHART_RUNS ?? 15);
const WARM_UP = 2;
const TARGET = 1.5;
const PROJECT = "bench";
const viewer = { login: "alice", groups: ["lab:imb"], labs: ["imb"], operator: false };

/** Where a launch spends its time: the renderer's and the catalog's calls, timed around them. */
interface Phases {
  files: number;
  archive: number;
  render: number;
}

export async function benchChart(log: (line: string) => void): Promise<Row[]> {
  const unavailable = helmUnavailable();
  if (unavailable) {
    log(`  B10 skipped: ${unavailable}`);
    return [];
  }
  const repository = await startChartRepository();
  const renderer = createHelmTemplateRenderer({ command: TEST_HELM });
  const work = await mkdtemp(join(tmpdir(), "plateau-bench-chart-"));
  try {
    const phases: Phases = { files: 0, archive: 0, render: 0 };
    const add = async <T>(phase: keyof Phases, promise: Promise<T>): Promise<T> => {
      const start = performance.now();
      try {
        return await promise;
      } finally {
        phases[phase] += performance.now() - start;
      }
    };
    let lastRequest: ChartRenderRequest | undefined;
    let lastRendered: RenderedChart | undefined;
    // The renderer and the catalogs as given to Plateau, each call timed (and the render's request kept for the baseline).
    const timedRenderer: ChartRenderer = {
      render: (request) => {
        lastRequest = request;
        return add(
          "render",
          renderer.render(request).then((rendered) => (lastRendered = rendered)),
        );
      },
    };
    const catalogs = createHelmCatalogs({
      configs: [parseHelmCatalogConfig({ id: "ide", location: repository.location, name: "IDE" })],
      clock: systemClock,
      logger: silentLogger,
    });
    const timedCatalogs: HelmCatalogs = {
      configs: catalogs.configs,
      index: (id) => catalogs.index(id),
      files: (id, version) => add("files", catalogs.files(id, version)),
      archive: (id, version) => add("archive", catalogs.archive(id, version)),
    };
    const platform = parsePlatform(
      readFileSync(join(PACKAGE_ROOT, "examples", "community", "platforms", "plmvshift.yaml"), "utf8"),
      "platforms/plmvshift.yaml",
    );
    const total = REPETITIONS + WARM_UP;
    const { plateau } = await memoryPlateau(
      {
        engines: new Map([
          ["podman", createMemoryEngine()],
          ["argocd", createMemoryEngine()],
        ]),
        helmCatalogs: timedCatalogs,
        chartRenderer: timedRenderer,
      },
      [platform],
      // Room for every launch: the quotas are not what is measured.
      { tenancy: { ...TEST_SETTINGS.tenancy, labQuota: { cpu: 1000, memoryGiB: 4000, gpu: 0, instances: 1000, storageGiB: 100_000 } } },
    );
    await plateau.services.projects.create({ name: PROJECT, lab: "imb" }, alice);
    await plateau.services.projects.setQuota(PROJECT, { cpu: 1000, memoryGiB: 4000, gpu: 0, instances: total + 5, storageGiB: 100_000 }, alice);

    // The baseline's Helm: homes in private folders, as the adapter gives them, so that no user configuration is read.
    const homes = join(work, "home");
    for (const home of ["cache", "config", "data"]) await mkdir(join(homes, home), { recursive: true });
    const env = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: work,
      HELM_CACHE_HOME: join(homes, "cache"),
      HELM_CONFIG_HOME: join(homes, "config"),
      HELM_DATA_HOME: join(homes, "data"),
      HELM_PLUGINS: join(homes, "data", "plugins"),
      HELM_REGISTRY_CONFIG: join(homes, "config", "registry.json"),
      HELM_REPOSITORY_CONFIG: join(homes, "config", "repositories.yaml"),
      HELM_REPOSITORY_CACHE: join(homes, "cache", "repository"),
    };

    const ours: number[] = [];
    const baseline: number[] = [];
    const ratios: number[] = [];
    const outside: number[] = [];
    const checks: number[] = [];
    const split = { files: [] as number[], archive: [] as number[], render: [] as number[] };
    for (let i = 0; i < total; i++) {
      phases.files = phases.archive = phases.render = 0;
      lastRequest = undefined;
      const name = `jupyter-${i}`;
      const start = performance.now();
      await plateau.services.instances.launch({ template: "ide/jupyter-python", project: PROJECT, name, viewer }, alice);
      const mine = performance.now() - start;
      const request = lastRequest as ChartRenderRequest | undefined;
      if (!request) throw new Error("B10: the launch rendered no chart (no renderer given to the Helm catalog service?)");
      if ((request.apiVersions ?? []).length > 0 || request.kubeVersion) throw new Error("B10: the baseline passes no API or Kubernetes version");

      // The same archive and values, a fresh release name: `helm template` alone.
      const archivePath = join(work, `chart-${i}.tgz`);
      const valuesPath = join(work, `values-${i}.json`);
      await writeFile(archivePath, request.archive);
      await writeFile(valuesPath, JSON.stringify(request.values));
      const args = ["template", `baseline-${i}`, archivePath, "--namespace", request.namespace, "--values", valuesPath];
      const baseStart = performance.now();
      const result = await run(TEST_HELM, args, { cwd: work, env, timeoutMs: 60_000 });
      const theirs = performance.now() - baseStart;
      if (result.code !== 0) throw new Error(`B10: helm template failed: ${result.stderr.toString()}`);
      // The preflight's checks alone, on the objects the launch rendered (its renderer answering them at once; the platform's default pool).
      const rendered = lastRendered as RenderedChart | undefined;
      if (!rendered) throw new Error("B10: the launch's render gave no objects");
      const checkStart = performance.now();
      const findings = await launchFindings({
        renderer: { render: async () => rendered },
        archive: request.archive,
        chart: "ide/jupyter-python",
        release: name,
        project: PROJECT,
        values: request.values,
        platform,
      });
      const checked = performance.now() - checkStart;
      if (findings.length > 0) throw new Error(`B10: the preflight found ${findings.length} problems in a launch it admitted`);
      if (i < WARM_UP) continue;
      checks.push(checked);
      ours.push(mine);
      baseline.push(theirs);
      ratios.push(mine / theirs);
      outside.push(mine - phases.render);
      split.files.push(phases.files);
      split.archive.push(phases.archive);
      split.render.push(phases.render);
    }

    const o = spread(ours);
    const b = spread(baseline);
    const r = spread(ratios);
    log(`  ours ${showSpread(o)} ms, helm template alone ${showSpread(b)} ms, ratio ${showSpread(r, ratio)}`);
    log(
      `  inside ours: render (helm template on the extracted archive) ${showSpread(spread(split.render))} ms, ` +
        `chart files for the forms (values.schema.json, values.yaml) ${showSpread(spread(split.files))} ms, archive ${showSpread(spread(split.archive))} ms, ` +
        `everything but the render (forms, placement, values check, preflight checks, commit) ${showSpread(spread(outside))} ms, ` +
        `of which the preflight's checks of the rendered objects ${showSpread(spread(checks))} ms`,
    );
    return [
      {
        name: "B10 chart launch with its preflight (jupyter-python, plmvshift)",
        ours: `${showSpread(o)} ms`,
        baseline: `${showSpread(b)} ms (helm template alone)`,
        ratio: showSpread(r, ratio),
        target: `≤ ${ratio(TARGET)} (median)`,
        met: r.median <= TARGET,
      },
      {
        name: "B10 our own work beside helm template",
        ours: `${showSpread(spread(outside))} ms`,
        baseline: `${ms(spread(split.render).median)} ms in helm template (inside the launch)`,
        ratio: "-",
        target: "-",
        met: true,
      },
    ];
  } finally {
    await renderer.close();
    await repository.close();
    await rm(work, { recursive: true, force: true });
  }
}
