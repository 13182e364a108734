// Regions end to end: a GPU chart of the real Onyxia catalog launched on the community's
// PLMshift (examples/community/platforms/plmshift.yaml) is committed as an Argo CD
// Application whose values carry the vGPU pool's node selector and toleration, the platform's
// Route, network policy and securityContext; a CPU chart lands on the general pool, without them.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseHelmCatalogConfig } from "../../src/core/helm/catalog-config.js";
import { parsePlatform } from "../../src/core/model.js";
import { renderedHelmInstanceDir } from "../../src/core/repository/layout.js";
import { fromYaml } from "../../src/core/yaml.js";
import { helmApplicationValues } from "../../src/core/render/argocd.js";
import { startChartRepository, type ChartRepositoryServer } from "../support/chart-repository.js";
import { helmPlateau } from "../support/helm-plateau.js";
import { alice } from "../support/plateau.js";

const file = join(import.meta.dirname, "..", "..", "examples", "community", "platforms", "plmshift.yaml");
const plmshift = parsePlatform(readFileSync(file, "utf8"), "platforms/plmshift.yaml");
const viewer = { login: "alice", groups: ["lab:imb"], labs: ["imb"], operator: false };

let repository: ChartRepositoryServer;
beforeAll(async () => {
  repository = await startChartRepository();
});
afterAll(async () => repository.close());

async function plateau() {
  const composed = await helmPlateau([parseHelmCatalogConfig({ id: "ide", location: repository.location, name: "IDE" })], [plmshift]);
  await composed.plateau.services.projects.create({ name: "demo", lab: "imb" }, alice);
  await composed.plateau.services.projects.setQuota("demo", { cpu: 32, memoryGiB: 64, gpu: 1 }, alice);
  return composed;
}

async function committedValues(composed: Awaited<ReturnType<typeof plateau>>, name: string): Promise<Record<string, unknown>> {
  const head = (await composed.repo.head()) ?? "";
  const dir = renderedHelmInstanceDir("plmshift", "demo", name);
  const [entry] = await composed.repo.listDirectory(head, dir);
  return helmApplicationValues(fromYaml((await composed.repo.readFile(head, `${dir}/${entry?.name}`)) ?? "", "application")) ?? {};
}

describe("Helm charts on a platform's region", () => {
  it("commits a GPU chart with the vGPU pool's node selector and toleration, and the platform's Route and securityContext", async () => {
    const composed = await plateau();
    const launch = (template: string, name: string) =>
      composed.plateau.services.instances.launch({ template, project: "demo", name, viewer, values: { resources: { limits: { cpu: "2000m" } } } }, alice);
    await launch("ide/jupyter-pytorch-gpu", "torch");
    const gpu = await committedValues(composed, "torch");
    expect(gpu).toMatchObject({
      nodeSelector: { "nvidia.com/gpu.present": "true" },
      tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
      route: { enabled: true },
      ingress: { enabled: false },
      openshiftSCC: { enabled: false },
      security: { networkPolicy: { enabled: true } },
      resources: { limits: { "nvidia.com/gpu": "1", memory: "8Gi" } },
      securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, runAsNonRoot: true },
      podSecurityContext: { fsGroup: null, runAsNonRoot: true },
    });
    await launch("ide/jupyter-python", "notebook");
    const cpu = await committedValues(composed, "notebook");
    expect(cpu.tolerations).toEqual([]);
    expect(cpu.nodeSelector).toEqual({});
    expect(cpu.securityContext).toMatchObject({ runAsNonRoot: true });
  });
});
