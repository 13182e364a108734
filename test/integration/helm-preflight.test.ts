// The chart preflight with the real Helm: a launch of a chart of the real Onyxia catalog is
// rendered as Argo CD will render it (`helm template` on the archive its repository serves),
// and what it creates is checked against the platform it is placed on (examples/community:
// PLMshift is OpenShift, PLMvshift Kubernetes) before anything is committed.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHelmTemplateRenderer } from "../../src/adapters/helm/helm-template.js";
import { ConflictError } from "../../src/core/errors.js";
import { parseHelmCatalogConfig } from "../../src/core/helm/catalog-config.js";
import { parseInstance, parsePlatform, serialize } from "../../src/core/model.js";
import { instancePath } from "../../src/core/repository/layout.js";
import { ALL_FIXTURE_CHARTS, startChartRepository, type ChartRepositoryServer } from "../support/chart-repository.js";
import { helmUnavailable, TEST_HELM } from "../support/helm.js";
import { everythingCommitted } from "../support/committed.js";
import { loadJsonSchemas } from "../../src/adapters/schemas/crd-files.js";
import { helmPlateau } from "../support/helm-plateau.js";
import { alice } from "../support/plateau.js";

const platformFile = (name: string) =>
  parsePlatform(readFileSync(join(import.meta.dirname, "..", "..", "examples", "community", "platforms", `${name}.yaml`), "utf8"), `platforms/${name}.yaml`);
const viewer = { login: "alice", groups: ["lab:imb"], labs: ["imb"], operator: false };

const skip = helmUnavailable();
let repository: ChartRepositoryServer;
const renderer = createHelmTemplateRenderer({ command: TEST_HELM });
beforeAll(async () => {
  repository = await startChartRepository({ charts: ALL_FIXTURE_CHARTS });
});
afterAll(async () => {
  await renderer.close();
  await repository.close();
});

/** The operator's schemas of examples/community (`helm.schemasDir`): Spark charts get the role edit instead of admin. */
const communitySchemas = () => loadJsonSchemas(join(import.meta.dirname, "..", "..", "examples", "community", "helm-schemas"));

async function plateauOn(platform: string, helmSchemas?: Readonly<Record<string, unknown>>) {
  const composed = await helmPlateau(
    [parseHelmCatalogConfig({ id: "ide", location: repository.location, name: "IDE" })],
    [platformFile(platform)],
    renderer,
    helmSchemas,
  );
  await composed.plateau.services.projects.create({ name: "demo", lab: "imb" }, alice);
  await composed.plateau.services.projects.setQuota("demo", { cpu: 64, memoryGiB: 256, gpu: 2, instances: 20, storageGiB: 500 }, alice);
  return composed;
}

describe.skipIf(skip)("chart launches checked before they are committed", () => {
  // What the real charts do with their defaults. rstudio's init container `make-secrets-writable`
  // states no securityContext and its values cannot give it one: Pod Security `restricted` on a
  // Kubernetes namespace rejects its pod, while OpenShift's restricted-v2 fills it in.
  const refusedWithDefaults: Record<string, Record<string, RegExp>> = {
    plmvshift: Object.fromEntries(
      ["rstudio", "rstudio-r-python-julia", "rstudio-sparkr"].map((chart) => [
        chart,
        new RegExp(`StatefulSet/${chart}: init container make-secrets-writable: allowPrivilegeEscalation must be false .*\\[pod-security\\]`),
      ]),
    ),
  };
  for (const platform of ["plmshift", "plmvshift"]) {
    it(`checks every chart of the catalog with its defaults on ${platform}, committing those its rules admit`, async () => {
      const { plateau, repo } = await plateauOn(platform, await communitySchemas());
      const refused: string[] = [];
      for (const chart of ALL_FIXTURE_CHARTS) {
        // A GPU chart needs a platform with a GPU pool (placement says so before any rendering).
        if (chart.includes("gpu") && platform === "plmvshift") continue;
        const head = await repo.head();
        const launched = plateau.services.instances.launch({ template: `ide/${chart}`, project: "demo", name: chart, viewer }, alice);
        const refusal = refusedWithDefaults[platform]?.[chart];
        const outcome = await launched.then(
          (result) => result.instance.name,
          (error: unknown) => `${chart}: ${String(error)}`,
        );
        if (outcome !== chart) refused.push(outcome);
        // Removed at once: each chart is checked alone against the project's quota (the GPU charts ask one each).
        else await plateau.services.instances.remove("demo", chart, alice);
        if (refusal) {
          expect(outcome).toMatch(refusal);
          expect(await repo.head()).toBe(head);
        }
      }
      expect(refused.filter((line) => !Object.keys(refusedWithDefaults[platform] ?? {}).some((chart) => line.startsWith(`${chart}:`)))).toEqual([]);
      // No launch published a password: every chart's password fields hold placeholders to its own Secret (ADR 0022).
      const committed = await everythingCommitted(repo);
      expect(committed).not.toContain("changeme");
      expect(committed).toContain(`<path:demo:jupyter-python-generated#one-time-password>`);
    });
  }

  it("checks every chart of the catalog at a large size on plmshift, and every GPU chart with 2 GPUs on its GPU pool", async () => {
    const { plateau, repo } = await plateauOn("plmshift", await communitySchemas());
    const large = { requests: { cpu: "4000m", memory: "16Gi" }, limits: { cpu: "8000m", memory: "64Gi" } };
    for (const chart of ALL_FIXTURE_CHARTS) {
      const gpu = chart.includes("gpu");
      const resources = gpu ? { ...large, limits: { ...large.limits, "nvidia.com/gpu": "2" } } : large;
      const launched = await plateau.services.instances.launch(
        { template: `ide/${chart}`, project: "demo", name: chart, viewer, values: { resources } },
        alice,
      );
      const intent = parseInstance((await repo.readFile((await repo.head()) ?? "", instancePath("demo", chart))) ?? "", chart);
      // What the rendered pods ask is what quotas count: the sizes asked, the GPUs on the GPU pool with its toleration.
      expect(intent.spec.rendered?.largestPod, chart).toEqual({ cpu: 4, memoryGiB: 16, gpu: gpu ? 2 : 0 });
      if (gpu) expect(intent.spec.values, chart).toMatchObject({ tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }] });
      expect(launched.instance.name).toBe(chart);
      await plateau.services.instances.remove("demo", chart, alice);
    }
  });

  it("checks a start on its platform as it is now: rules tightened while it was stopped refuse it, and nothing is committed", async () => {
    const { plateau, repo } = await plateauOn("plmshift", await communitySchemas());
    await plateau.services.instances.launch({ template: "ide/rstudio", project: "demo", name: "rs", viewer }, alice);
    await plateau.services.instances.stop("demo", "rs", alice);
    // The operators taint PLMshift's CPU nodes (reserved from now on; the region gives the pods launched after it the toleration): rstudio's committed pod has none.
    const original = (await repo.readFile((await repo.head()) ?? "", "platforms/plmshift.yaml")) ?? "";
    const tainted = parsePlatform(original, "platforms/plmshift.yaml");
    const pools = tainted.spec.pools ?? [];
    expect(pools.map((pool) => pool.name)).toContain("general");
    const reserved = {
      ...tainted,
      spec: {
        ...tainted.spec,
        pools: pools.map((pool) => (pool.gpu ? pool : { ...pool, taints: [{ key: "reserved", effect: "NoSchedule" as const }] })),
      },
    };
    const operator = { name: "oscar", email: "oscar@example.org" };
    const edit = async (text: string) =>
      repo.commit({
        parent: await repo.head(),
        author: operator,
        message: "platforms: plmshift",
        trailers: {},
        changes: [{ path: "platforms/plmshift.yaml", content: text }],
      });
    await edit(serialize(reserved));
    const head = await repo.head();
    await expect(plateau.services.instances.start("demo", "rs", alice)).rejects.toThrow(/StatefulSet\/rs-rstudio: .*\[(toleration|node-selection)\]/);
    expect(await repo.head()).toBe(head);
    // As it was, it starts.
    await edit(original);
    expect((await plateau.services.instances.start("demo", "rs", alice)).instance?.state).toBe("running");
  });

  it("refuses the Spark charts' own default role (admin) without the operator's schema, naming the rule", async () => {
    const { plateau, repo } = await plateauOn("plmshift");
    const head = await repo.head();
    await expect(plateau.services.instances.launch({ template: "ide/jupyter-pyspark", project: "demo", name: "spark", viewer }, alice)).rejects.toThrow(
      /RoleBinding\/spark-jupyter-pyspark: binds ClusterRole admin.*\[rbac\]/,
    );
    expect(await repo.head()).toBe(head);
  });

  it("refuses a launch the cluster would refuse, naming the object, the rule and what to change, and commits nothing", async () => {
    const composed = await plateauOn("plmvshift");
    const head = await composed.repo.head();
    // A memory limit 32 times the request: the project's LimitRange allows 8 (ADR 0021).
    const refused = await composed.plateau.services.instances
      .launch(
        {
          template: "ide/jupyter-python",
          project: "demo",
          name: "greedy",
          viewer,
          values: { resources: { requests: { memory: "1Gi" }, limits: { memory: "32Gi" } } },
        },
        alice,
      )
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConflictError);
    expect((refused as ConflictError).reason).toBe("chart-refused");
    expect((refused as Error).message).toMatch(/StatefulSet\/greedy|Deployment\/greedy/);
    expect((refused as Error).message).toMatch(/limit-ratio/);
    expect(await composed.repo.head()).toBe(head);
  });
});
