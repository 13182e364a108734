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
import { parsePlatform } from "../../src/core/model.js";
import { ALL_FIXTURE_CHARTS, startChartRepository, type ChartRepositoryServer } from "../support/chart-repository.js";
import { helmUnavailable, TEST_HELM } from "../support/helm.js";
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

async function plateauOn(platform: string) {
  const composed = await helmPlateau([parseHelmCatalogConfig({ id: "ide", location: repository.location, name: "IDE" })], [platformFile(platform)], renderer);
  await composed.plateau.services.projects.create({ name: "demo", lab: "imb" }, alice);
  await composed.plateau.services.projects.setQuota("demo", { cpu: 64, memoryGiB: 256, gpu: 2, instances: 20, storageGiB: 500 }, alice);
  return composed;
}

describe.skipIf(skip)("chart launches checked before they are committed", () => {
  // What the real charts do with their defaults. rstudio's init container `make-secrets-writable`
  // states no securityContext and its values cannot give it one: Pod Security `restricted` on a
  // Kubernetes namespace rejects its pod, while OpenShift's restricted-v2 fills it in.
  const refusedWithDefaults: Record<string, Record<string, RegExp>> = {
    plmvshift: { rstudio: /StatefulSet\/rstudio: init container make-secrets-writable: allowPrivilegeEscalation must be false .*\[pod-security\]/ },
  };
  for (const platform of ["plmshift", "plmvshift"]) {
    it(`checks every chart of the catalog with its defaults on ${platform}, committing those its rules admit`, async () => {
      const { plateau, repo } = await plateauOn(platform);
      for (const chart of ALL_FIXTURE_CHARTS) {
        // A GPU chart needs a platform with a GPU pool (placement says so before any rendering).
        if (chart.includes("gpu") && platform === "plmvshift") continue;
        const head = await repo.head();
        const launched = plateau.services.instances.launch({ template: `ide/${chart}`, project: "demo", name: chart, viewer }, alice);
        const refusal = refusedWithDefaults[platform]?.[chart];
        if (refusal) {
          await expect(launched).rejects.toThrow(refusal);
          expect(await repo.head()).toBe(head);
        } else expect((await launched).instance.name).toBe(chart);
      }
    });
  }

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
