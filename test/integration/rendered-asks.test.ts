// Quotas count what a chart's rendered pods ask, and an instance is reached at the host its
// rendered Route or Ingress says, with the real Helm: charts of the Onyxia fixture catalog
// (jupyter-python, rstudio, jupyter-pyspark and its Spark UI, a GPU chart on PLMshift's GPU
// pool) and a minimal database chart (test/fixtures/charts/plain-db) whose values'
// `resources` say less than its pods ask and that renders no Route nor Ingress. The
// expectation is computed here from `helm template`'s output, run apart from Plateau on the
// values the intent committed, with a reading of pods written for this test.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments, parse } from "yaml";
import { createHelmTemplateRenderer } from "../../src/adapters/helm/helm-template.js";
import { QuotaExceededError } from "../../src/core/errors.js";
import { parseHelmCatalogConfig } from "../../src/core/helm/catalog-config.js";
import { parseInstance, parsePlatform, type InstanceDocument } from "../../src/core/model.js";
import { instancePath } from "../../src/core/repository/layout.js";
import { packFixtureChart, startChartRepository, type ChartRepositoryServer } from "../support/chart-repository.js";
import { helmUnavailable, TEST_HELM } from "../support/helm.js";
import { helmPlateau } from "../support/helm-plateau.js";
import { alice } from "../support/plateau.js";

const platformFile = (name: string) =>
  parsePlatform(readFileSync(join(import.meta.dirname, "..", "..", "examples", "community", "platforms", `${name}.yaml`), "utf8"), `platforms/${name}.yaml`);
const viewer = { login: "alice", groups: ["lab:imb"], labs: ["imb"], operator: false };
const CHARTS = ["jupyter-python", "rstudio", "jupyter-pyspark", "jupyter-pytorch-gpu", "plain-db"];

const skip = helmUnavailable();
let repository: ChartRepositoryServer;
let work: string;
const renderer = createHelmTemplateRenderer({ command: TEST_HELM });
const archives = new Map<string, string>();
beforeAll(async () => {
  if (skip) return;
  repository = await startChartRepository({ charts: CHARTS });
  work = await mkdtemp(join(tmpdir(), "plateau-rendered-asks-"));
  for (const chart of CHARTS) {
    const file = join(work, `${chart}.tgz`);
    await writeFile(file, await packFixtureChart(chart));
    archives.set(chart, file);
  }
});
afterAll(async () => {
  await renderer.close();
  await repository?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

async function plateauOn(platforms: readonly string[], quota = { cpu: 64, memoryGiB: 256, gpu: 2, instances: 20, storageGiB: 500 }) {
  const composed = await helmPlateau(
    [parseHelmCatalogConfig({ id: "ide", location: repository.location, name: "IDE" })],
    platforms.map(platformFile),
    renderer,
  );
  await composed.plateau.services.projects.create({ name: "demo", lab: "imb" }, alice);
  await composed.plateau.services.projects.setQuota("demo", quota, alice);
  return composed;
}

// ---------------------------------------------------------------- the expectation, read apart

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- reading Helm's output as it comes
const SUFFIX: Record<string, number> = { m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };
function amount(value: unknown): number {
  const match = /^([0-9.]+)(m|k|M|G|Ki|Mi|Gi|Ti)?$/.exec(String(value));
  if (!match) throw new Error(`quantity this test does not read: ${String(value)}`);
  return Number(match[1]) * (SUFFIX[match[2] ?? ""] as number);
}
/** The project's LimitRange gives a container without a request 100m and 256Mi (render/project-bundle.ts DEFAULT_CONTAINER_LIMITS). */
const DEFAULT_REQUEST = { cpu: 0.1, memory: 256 * 1024 ** 2, gpu: 0 };

/** What `helm template` prints for an instance, as Argo CD would render it: the intent's values, its name as the release. */
async function helmTemplate(intent: InstanceDocument, chart: string, openshift: boolean): Promise<Json[]> {
  const values = join(work, `${intent.metadata.name}-values.json`);
  await writeFile(values, JSON.stringify(intent.spec.values));
  const args = ["template", intent.metadata.name, archives.get(chart) as string, "--namespace", "demo", "--values", values];
  if (openshift) args.push("--api-versions", "route.openshift.io/v1");
  const text = execFileSync(TEST_HELM, args, { encoding: "utf8", env: { PATH: process.env.PATH ?? "", HOME: work } });
  return parseAllDocuments(text)
    .map((document) => document.toJS() as Json | null)
    .filter((object): object is Json => object !== null && !String(object.metadata?.annotations?.["helm.sh/hook"] ?? "").includes("test"));
}

/** Requests of every pod × replicas (a pod: its containers together, or its largest init container), storage of every claim. */
function expectedUse(objects: readonly Json[]) {
  const use = { cpu: 0, memoryGiB: 0, gpu: 0, storageGiB: 0 };
  for (const object of objects) {
    if (object.kind === "PersistentVolumeClaim") use.storageGiB += amount(object.spec.resources.requests.storage) / 1024 ** 3;
    const pod = object.kind === "Pod" ? object.spec : ["Deployment", "StatefulSet"].includes(object.kind) ? object.spec.template.spec : undefined;
    if (!pod) continue;
    const replicas = object.kind === "Pod" ? 1 : (object.spec.replicas ?? 1);
    for (const [resource, kube] of [
      ["cpu", "cpu"],
      ["memory", "memory"],
      ["gpu", "nvidia.com/gpu"],
    ] as const) {
      const ask = (container: Json) => {
        const stated = container.resources?.requests?.[kube] ?? container.resources?.limits?.[kube];
        return stated === undefined ? DEFAULT_REQUEST[resource] : amount(stated);
      };
      const main = (pod.containers ?? []).reduce((sum: number, container: Json) => sum + ask(container), 0);
      const init = Math.max(0, ...(pod.initContainers ?? []).map(ask));
      const each = Math.max(main, init);
      const key = resource === "memory" ? "memoryGiB" : resource;
      use[key] += (resource === "memory" ? each / 1024 ** 3 : each) * replicas;
    }
    if (object.kind === "StatefulSet")
      for (const claim of object.spec.volumeClaimTemplates ?? [])
        use.storageGiB += (amount(claim.spec.resources.requests.storage) / 1024 ** 3) * Math.max(replicas, 1);
  }
  return use;
}

/** Every host the objects route to, Routes' and Ingresses', by object name. */
function hostsOf(objects: readonly Json[]): string[] {
  return objects
    .filter((object) => object.kind === "Route" || object.kind === "Ingress")
    .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0))
    .flatMap((object) => (object.kind === "Route" ? [object.spec.host] : (object.spec.rules ?? []).map((rule: Json) => rule.host)))
    .filter((host): host is string => typeof host === "string");
}

const close = (actual: object, expected: Record<string, number>) => {
  for (const [key, value] of Object.entries(expected)) expect((actual as Record<string, number>)[key], key).toBeCloseTo(value, 6);
};

describe.skipIf(skip)("quotas count what the rendered pods ask; the address is the rendered host", () => {
  it("counts exactly the sum of the rendered pods' requests of every chart launched, and gives each the host its Route or Ingress renders", async () => {
    const { plateau, repo } = await plateauOn(["plmshift", "plmvshift"]);
    const launches: { chart: string; platform: string; name?: string; values?: Json }[] = [
      { chart: "jupyter-python", platform: "plmshift" },
      { chart: "jupyter-python", platform: "plmvshift", name: "jupyter-k8s" },
      { chart: "rstudio", platform: "plmshift" },
      // Its Spark UI routed too; its role as a project member's (admin is the chart's default, and a chart may not grant it).
      { chart: "jupyter-pyspark", platform: "plmvshift", values: { kubernetes: { role: "edit" }, spark: { ui: true } } },
      { chart: "jupyter-pytorch-gpu", platform: "plmshift" },
      { chart: "plain-db", platform: "plmvshift" },
    ];
    const sum = { cpu: 0, memoryGiB: 0, gpu: 0, storageGiB: 0 };
    let sawGpu = false;
    let sawTwoRoutes = false;
    for (const launch of launches) {
      const name = launch.name ?? launch.chart;
      const result = await plateau.services.instances.launch(
        { template: `ide/${launch.chart}`, project: "demo", name, platform: launch.platform, viewer, ...(launch.values ? { values: launch.values } : {}) },
        alice,
      );
      const intent = parseInstance((await repo.readFile((await repo.head()) as string, instancePath("demo", name))) ?? "", name);
      const objects = await helmTemplate(intent, launch.chart, launch.platform === "plmshift");
      const expected = expectedUse(objects);
      for (const key of Object.keys(sum) as (keyof typeof sum)[]) sum[key] += expected[key];
      sawGpu ||= expected.gpu > 0;
      const used = (await plateau.services.tenancy.report("demo")).project.used;
      close(used, sum);
      expect(used.instances).toBe(launches.indexOf(launch) + 1);
      // The address: the first host by object name, or none (and no URL) when nothing routes to it.
      const hosts = hostsOf(objects);
      sawTwoRoutes ||= hosts.length > 1;
      expect(result.instance.url).toBe(hosts[0] === undefined ? null : `https://${hosts[0]}/`);
      expect((await plateau.services.instances.get("demo", name)).url).toBe(result.instance.url);
      if (launch.chart === "plain-db") expect(result.instance.url).toBeNull();
      else expect(hosts.length).toBeGreaterThan(0);
    }
    // What the test means to cover did happen: a GPU asked, a chart routing to more than one host (the Spark UI).
    expect(sawGpu).toBe(true);
    expect(sawTwoRoutes).toBe(true);
  });

  it("refuses a chart whose pods ask more than the quota leaves, though its values' resources fit, committing nothing", async () => {
    const { plateau, repo } = await plateauOn(["plmvshift"], { cpu: 1, memoryGiB: 256, gpu: 0, instances: 20, storageGiB: 500 });
    const values = parse(await readFile(join(import.meta.dirname, "..", "fixtures", "charts", "plain-db", "values.yaml"), "utf8")) as Json;
    // By the values' convention, 100m of the project's one CPU.
    expect(values.resources.requests.cpu).toBe("100m");
    const head = await repo.head();
    const refused = await plateau.services.instances
      .launch({ template: "ide/plain-db", project: "demo", name: "db", platform: "plmvshift", viewer }, alice)
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(QuotaExceededError);
    expect((refused as Error).message).toBe("project demo quota exceeded for cpu: asked 1.6 cores, 1 of 1 cores remain (0 in use)");
    expect(await repo.head()).toBe(head);
  });
});
