// `helm template` with the real Helm binary (tools/helm/helm, fetched from the npm registry at
// install time) on the fixture catalog's charts, packed as their repository serves them.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UnavailableError } from "../../core/errors.js";
import { describeChartRendererContract, type ChartRendererFixture } from "../../core/ports/chart-renderer.contract.js";
import { FIXTURE_CHART_SOURCES_DIR, packFixtureChart } from "../../../test/support/chart-repository.js";
import { helmUnavailable, TEST_HELM } from "../../../test/support/helm.js";
import { run, type RunOptions } from "../process.js";
import { createHelmTemplateRenderer, type HelmTemplateRenderer } from "./helm-template.js";

const unavailable = helmUnavailable();

/** A directory packed as a chart archive (`<name>/…`). */
async function pack(dir: string, name: string): Promise<Buffer> {
  const out = await mkdtemp(join(tmpdir(), "plateau-pack-"));
  try {
    execFileSync("tar", ["-czf", join(out, "chart.tgz"), "-C", dir, name]);
    return await readFile(join(out, "chart.tgz"));
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

async function archives(): Promise<Omit<ChartRendererFixture, "renderer">> {
  const scratch = await mkdtemp(join(tmpdir(), "plateau-helm-fixture-"));
  try {
    const capabilities = join(scratch, "capabilities");
    await mkdir(join(capabilities, "templates"), { recursive: true });
    await writeFile(join(capabilities, "Chart.yaml"), "apiVersion: v2\nname: capabilities\nversion: 0.1.0\n");
    await writeFile(
      join(capabilities, "templates", "configmap.yaml"),
      [
        "apiVersion: v1",
        "kind: ConfigMap",
        "metadata:",
        "  name: {{ .Release.Name }}-capabilities",
        "data:",
        `  route: {{ if .Capabilities.APIVersions.Has "route.openshift.io/v1" }}"yes"{{ else }}"no"{{ end }}`,
        "  kube: {{ .Capabilities.KubeVersion.Version | quote }}",
        "  namespace: {{ .Release.Namespace | quote }}",
        "---",
        "# nothing here: an empty document",
        "",
      ].join("\n"),
    );
    return {
      jupyterPython: await packFixtureChart("jupyter-python"),
      jupyterPythonAlone: await pack(FIXTURE_CHART_SOURCES_DIR, "jupyter-python"),
      libraryChart: await pack(FIXTURE_CHART_SOURCES_DIR, "library-chart"),
      brokenTemplate: await packFixtureChart("jupyter-python", (dir) => writeFile(join(dir, "templates", "broken.yaml"), "value: {{ .Values.nope.deeper }}\n")),
      capabilities: await pack(scratch, "capabilities"),
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

describe.skipIf(unavailable !== undefined)("helm template (real Helm)", () => {
  let fixture: Omit<ChartRendererFixture, "renderer">;
  const renderers: HelmTemplateRenderer[] = [];
  beforeAll(async () => {
    fixture = await archives();
  });
  afterAll(async () => {
    for (const renderer of renderers) await renderer.close();
  });
  const counted = (params: { cacheDir?: string } = {}) => {
    const runs: { args: readonly string[]; options: RunOptions }[] = [];
    const renderer = createHelmTemplateRenderer({
      command: TEST_HELM,
      ...params,
      run: (command, args, options) => {
        runs.push({ args, options });
        return run(command, args, options);
      },
    });
    renderers.push(renderer);
    return { renderer, runs };
  };

  describeChartRendererContract("helm template", async () => ({ ...fixture, renderer: counted().renderer }));

  it("renders the same request once: the cache answers identical objects without running Helm again", async () => {
    const { renderer, runs } = counted();
    const values = { resources: { limits: { cpu: "1", memory: "2Gi" } }, ingress: { enabled: true } };
    const first = await renderer.render({ archive: fixture.jupyterPython, releaseName: "nb", namespace: "u-alice", values });
    // The same values with their keys in another order, and the API versions in another order.
    const again = await renderer.render({
      archive: fixture.jupyterPython,
      releaseName: "nb",
      namespace: "u-alice",
      values: { ingress: { enabled: true }, resources: { limits: { memory: "2Gi", cpu: "1" } } },
    });
    expect(runs).toHaveLength(1);
    expect(again).toEqual(first);
    expect(Object.isFrozen(again.objects[0]?.metadata)).toBe(true);
    // Anything else that changes the output renders again: values, namespace, release, API versions.
    await renderer.render({ archive: fixture.jupyterPython, releaseName: "nb", namespace: "u-alice", values: {} });
    await renderer.render({ archive: fixture.jupyterPython, releaseName: "nb", namespace: "u-bob", values: {} });
    await renderer.render({ archive: fixture.jupyterPython, releaseName: "nb2", namespace: "u-bob", values: {} });
    await renderer.render({ archive: fixture.jupyterPython, releaseName: "nb2", namespace: "u-bob", values: {}, apiVersions: ["route.openshift.io/v1"] });
    expect(runs).toHaveLength(5);
  });

  it("keeps Helm to private folders: values in a file, its homes and working folder under its own, removed after", async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), "plateau-helm-cache-"));
    try {
      const { renderer, runs } = counted({ cacheDir });
      await renderer.render({
        archive: fixture.jupyterPython,
        releaseName: "nb",
        namespace: "u-alice",
        values: { marker: "a-value-never-on-the-command-line" },
      });
      await renderer.render({ archive: fixture.jupyterPython, releaseName: "nb", namespace: "u-alice", values: { marker: "another" } });
      expect(runs).toHaveLength(2);
      for (const { args, options } of runs) {
        expect(args.join(" ")).not.toMatch(/a-value-never|another/);
        expect(options.cwd?.startsWith(cacheDir)).toBe(true);
        for (const variable of ["HELM_CACHE_HOME", "HELM_CONFIG_HOME", "HELM_DATA_HOME", "HOME"])
          expect(options.env?.[variable]?.startsWith(cacheDir)).toBe(true);
        expect(options.timeoutMs).toBeGreaterThan(0);
      }
      // The archive is extracted once (by digest); the render folders are gone.
      expect((await readdir(cacheDir)).sort()).toEqual(["charts", "home"]);
      expect(await readdir(join(cacheDir, "charts"))).toHaveLength(1);
    } finally {
      await rm(cacheDir, { recursive: true, force: true });
    }
  });

  it("removes the folder it made when closed", async () => {
    const { renderer, runs } = counted();
    await renderer.render({ archive: fixture.capabilities, releaseName: "x", namespace: "n", values: {} });
    const folder = runs[0]?.options.env?.HELM_DATA_HOME?.replace(/\/home\/data$/, "") ?? "";
    expect(existsSync(folder)).toBe(true);
    await renderer.close();
    expect(existsSync(folder)).toBe(false);
  });

  it("renders each of the fixture catalog's 21 charts with its defaults, as its repository would serve it", async () => {
    const { renderer } = counted();
    const charts = (await readdir(FIXTURE_CHART_SOURCES_DIR)).filter((name) => name !== "library-chart").sort();
    expect(charts).toHaveLength(21);
    for (const chart of charts) {
      const rendered = await renderer.render({ archive: await packFixtureChart(chart), releaseName: "svc", namespace: "u-alice", values: {} });
      expect(rendered.chart, chart).toMatch(new RegExp(`^${chart}-\\d+\\.\\d+\\.\\d+$`));
      const kinds = rendered.objects.map((object) => object.kind);
      expect(kinds, chart).toContain("Service");
      expect(
        kinds.filter((kind) => kind === "StatefulSet" || kind === "Deployment"),
        chart,
      ).toHaveLength(1);
    }
  }, 120_000);

  it("says Helm is unavailable when its command cannot run", async () => {
    const renderer = createHelmTemplateRenderer({ command: "/nonexistent/helm" });
    renderers.push(renderer);
    const error = await renderer.render({ archive: fixture.capabilities, releaseName: "x", namespace: "n", values: {} }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as Error).message).toMatch(/helm \(\/nonexistent\/helm\) cannot run to render chart capabilities-0\.1\.0/);
  });
});
