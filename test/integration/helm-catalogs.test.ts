// Helm catalogs compatible with Onyxia's, end to end over a real HTTP chart repository built
// from the real Onyxia charts: listing, forms, and launching a chart onto a cluster platform
// as an Argo CD Application with a Helm source, checked against the real CRD before the commit.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseHelmCatalogConfig } from "../../src/core/helm/catalog-config.js";
import { createCrdValidator } from "../../src/core/render/crd-validate.js";
import type { KubeObject } from "../../src/core/render/kube.js";
import { instancePath, renderedArgoDir, renderedHelmInstanceDir } from "../../src/core/repository/layout.js";
import { fromYaml } from "../../src/core/yaml.js";
import { helmApplicationValues } from "../../src/core/render/argocd.js";
import { startChartRepository, type ChartRepositoryServer } from "../support/chart-repository.js";
import { helmPlateau } from "../support/helm-plateau.js";
import { alice, clusterPlatform, testCrds } from "../support/plateau.js";

const cluster = clusterPlatform({
  title: "PLMshift",
  pools: [{ name: "general", nodes: 4, cpu: 32, memoryGiB: 128 }],
  argocd: { url: "https://argocd.example.org", namespace: "openshift-gitops", repoURL: "https://git.example.org/desired-state.git" },
});
const viewer = { login: "alice", groups: ["lab:imb"], labs: ["imb"], operator: false };
const elsewhere = { login: "bob", groups: ["lab:lmbp"], labs: ["lmbp"], operator: false };

let repository: ChartRepositoryServer;
beforeAll(async () => {
  repository = await startChartRepository();
});
afterAll(async () => repository.close());

async function plateau() {
  const composed = await helmPlateau(
    [
      parseHelmCatalogConfig({
        id: "ide",
        location: repository.location,
        name: { en: "Interactive services", fr: "Services interactifs" },
        highlightedCharts: ["rstudio"],
      }),
      parseHelmCatalogConfig({
        id: "imb-only",
        location: repository.location,
        name: "IMB",
        restrictions: [{ userAttribute: { key: "groups", matches: "lab:imb" } }],
      }),
    ],
    [cluster],
  );
  await composed.plateau.services.projects.create({ name: "demo", lab: "imb" }, alice);
  return composed;
}

const launch = (p: Awaited<ReturnType<typeof plateau>>["plateau"], values?: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  p.services.instances.launch({ template: "ide/jupyter-python", project: "demo", name: "notebook", viewer, ...(values ? { values } : {}), ...extra }, alice);

describe("Helm catalogs", () => {
  it("lists every chart of the catalogs a person may see, highlighted first, and hides restricted catalogs from others", async () => {
    const { plateau: p } = await plateau();
    const mine = await p.services.charts.list(viewer, { lang: "fr" });
    expect(mine.unavailable).toEqual([]);
    expect(mine.charts.filter((chart) => chart.catalog === "ide").map((chart) => chart.chart)).toEqual([
      "rstudio",
      "jupyter-python",
      "jupyter-pytorch-gpu",
      "vscode-python",
    ]);
    expect(mine.charts.find((chart) => chart.id === "ide/rstudio")).toMatchObject({ highlighted: true, category: "Services interactifs", status: "PROD" });
    expect(mine.charts.some((chart) => chart.catalog === "imb-only")).toBe(true);
    const theirs = await p.services.charts.list(elsewhere, { lang: "en" });
    expect(theirs.charts.some((chart) => chart.catalog === "imb-only")).toBe(false);
    await expect(
      p.services.instances.launch({ template: "imb-only/jupyter-python", project: "demo", name: "x", viewer: elsewhere }, alice),
    ).rejects.toMatchObject({ name: "NotFoundError" });
  });

  it("gives each chart's form, with render hints and defaults that validate", async () => {
    const { plateau: p } = await plateau();
    for (const chart of ["jupyter-python", "jupyter-pytorch-gpu", "rstudio", "vscode-python"]) {
      const form = await p.services.charts.form({ catalog: "ide", chart }, viewer, { login: "alice", project: "demo", lang: "en", randomSubdomain: "abc" });
      expect(form.defaults).toHaveProperty("resources");
      expect(JSON.stringify(form.valuesSchema)).toContain('"x-plateau"');
    }
  });

  it("launches a chart on a cluster platform as an Argo CD Application with a Helm source, valid against the real CRD, in one commit", async () => {
    const { plateau: p, repo } = await plateau();
    const result = await launch(p, { resources: { requests: { cpu: "1000m", memory: "4Gi" } } });
    expect(result.placement.platform).toBe("plmshift");
    expect(result.placement.excluded).toEqual([expect.objectContaining({ platform: "local", reason: expect.stringContaining("runs no Helm charts") })]);
    const head = (await repo.head()) ?? "";
    const dir = renderedHelmInstanceDir("plmshift", "demo", "notebook");
    const [file] = await repo.listDirectory(head, dir);
    const application = fromYaml((await repo.readFile(head, `${dir}/${file?.name}`)) ?? "", "application") as KubeObject & { spec: Record<string, never> };
    createCrdValidator(await testCrds()).validate([application]);
    expect(application).toMatchObject({
      kind: "Application",
      metadata: { name: "demo.notebook", namespace: "openshift-gitops" },
      spec: {
        project: "plateau-demo",
        destination: { namespace: "demo" },
        // Its values hold the password's placeholder: rendered through argocd-vault-plugin (ADR 0022).
        source: {
          path: dir,
          plugin: {
            name: "plateau-helm-avp",
            env: expect.arrayContaining([
              { name: "CHART", value: "jupyter-python" },
              { name: "RELEASE", value: "notebook" },
              { name: "CHART_REPOSITORY", value: repository.location },
            ]),
          },
        },
      },
    });
    const values = helmApplicationValues(application);
    expect(values).toMatchObject({ resources: { requests: { cpu: "1000m", memory: "4Gi" } } });
    // The commit also brought the project's namespace, bundle and AppProject; the intent names the chart and its version.
    const changed = (await repo.changedPaths(null, result.commit ?? "", "rendered/plmshift")).map((change) => change.path);
    expect(changed).toContain(`${renderedArgoDir("plmshift")}/appproject-plateau-demo.yaml`);
    const intent = (await repo.readFile(head, instancePath("demo", "notebook"))) ?? "";
    expect(intent).toContain("template: ide/jupyter-python");
    // It can be stopped (global.suspend): it expires like any instance.
    expect(intent).toMatch(/^ {2}expiresAt: \S+Z$/m);
    // Its values count against the quota: 1 core, 4 GiB.
    const usage = await p.services.tenancy.report("demo");
    expect(usage.project.used).toMatchObject({ cpu: 1, memoryGiB: 4, instances: 1 });
  });

  it("stops and starts a chart through global.suspend, and removes its Application", async () => {
    const { plateau: p, repo } = await plateau();
    await launch(p);
    const dir = renderedHelmInstanceDir("plmshift", "demo", "notebook");
    const valuesAt = async () => {
      const head = (await repo.head()) ?? "";
      const [file] = await repo.listDirectory(head, dir);
      return helmApplicationValues(fromYaml((await repo.readFile(head, `${dir}/${file?.name}`)) ?? "", "application")) as Record<string, { suspend?: boolean }>;
    };
    await p.services.instances.stop("demo", "notebook", alice);
    expect((await valuesAt()).global?.suspend).toBe(true);
    expect((await p.services.tenancy.report("demo")).project.used.cpu).toBe(0);
    await p.services.instances.start("demo", "notebook", alice);
    expect((await valuesAt()).global?.suspend).toBe(false);
    await p.services.instances.remove("demo", "notebook", alice);
    expect(await repo.listDirectory((await repo.head()) ?? "", dir)).toEqual([]);
  });

  it("refuses bad values, a typed password and a version not offered, naming the field, and commits nothing", async () => {
    const { plateau: p, repo } = await plateau();
    const before = await repo.head();
    await expect(launch(p, { resources: { requests: { cpu: 12 } } })).rejects.toMatchObject({
      issues: expect.arrayContaining([expect.objectContaining({ pointer: "/values/resources/requests/cpu" })]),
    });
    await expect(launch(p, { userPreferences: { password: "hunter2-hunter2" } })).rejects.toMatchObject({ name: "InputError" });
    await expect(launch(p, undefined, { version: "0.0.0-nope" })).rejects.toMatchObject({ issues: [expect.objectContaining({ pointer: "/version" })] });
    await expect(p.services.instances.launch({ template: "nope/jupyter-python", project: "demo", viewer }, alice)).rejects.toMatchObject({
      name: "NotFoundError",
    });
    expect(await repo.head()).toBe(before);
  });

  it("keeps offering a catalog's charts while its repository is down", async () => {
    const { plateau: p } = await plateau();
    expect((await p.services.charts.list(viewer, { lang: "en" })).charts.length).toBeGreaterThan(0);
    await repository.down();
    try {
      // The index read before is still used (within its refresh period, and after it, as a fallback).
      expect((await p.services.charts.list(viewer, { lang: "en" })).charts.length).toBeGreaterThan(0);
    } finally {
      await repository.up();
    }
  });
});
