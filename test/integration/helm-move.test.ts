// A chart moved to another platform takes the new platform's region and keeps what the person
// chose, with the real Helm and the real Onyxia catalog: jupyter-python from the community's
// PLMshift (OpenShift: a Route, restricted-v2's securityContext, OpenShift's ingress namespace)
// to PLMvshift (Kubernetes: an nginx Ingress, a securityContext the restricted profile admits),
// a GPU chart from PLMshift's vGPU pool to another GPU pool, and the preflight run on the new
// platform before anything is committed (rstudio, admitted on OpenShift, is refused on Kubernetes).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHelmTemplateRenderer } from "../../src/adapters/helm/helm-template.js";
import { ConflictError } from "../../src/core/errors.js";
import { parseHelmCatalogConfig } from "../../src/core/helm/catalog-config.js";
import { parseInstance, parsePlatform, type PlatformDocument } from "../../src/core/model.js";
import { helmApplicationValues } from "../../src/core/render/argocd.js";
import { instancePath, renderedHelmInstanceDir } from "../../src/core/repository/layout.js";
import { fromYaml, toYaml } from "../../src/core/yaml.js";
import { startChartRepository, type ChartRepositoryServer } from "../support/chart-repository.js";
import { helmUnavailable, TEST_HELM } from "../support/helm.js";
import { helmPlateau } from "../support/helm-plateau.js";
import { alice } from "../support/plateau.js";

const platformFile = (name: string) =>
  parsePlatform(readFileSync(join(import.meta.dirname, "..", "..", "examples", "community", "platforms", `${name}.yaml`), "utf8"), `platforms/${name}.yaml`);
const plmshift = platformFile("plmshift");
const plmvshift = platformFile("plmvshift");
/** PLMvshift with a GPU pool the region says nothing of: its labels select it, a toleration of its taint lets pods in. */
const gpuvshift: PlatformDocument = parsePlatform(
  toYaml({
    ...plmvshift,
    metadata: { name: "gpuvshift" },
    spec: {
      ...plmvshift.spec,
      domain: "apps.gpuvshift.example.org",
      pools: [
        ...(plmvshift.spec.pools ?? []),
        {
          name: "a100",
          nodes: 2,
          cpu: 32,
          memoryGiB: 192,
          gpu: { type: "A100", count: 4 },
          labels: { "nvidia.com/gpu.product": "A100-SXM4-40GB" },
          taints: [{ key: "nvidia.com/gpu", value: "a100", effect: "NoSchedule" }],
        },
      ],
    },
  }),
  "platforms/gpuvshift.yaml",
);
const viewer = { login: "alice", groups: ["lab:imb"], labs: ["imb"], operator: false };

const skip = helmUnavailable();
let repository: ChartRepositoryServer;
const renderer = createHelmTemplateRenderer({ command: TEST_HELM });
// A repository per test: Node's keep-alive agent may reuse a socket the previous test's server
// side is closing after 5 idle seconds (ECONNRESET), which is not what these tests are about.
beforeEach(async () => {
  repository = await startChartRepository();
});
afterEach(async () => repository.close());
afterAll(async () => renderer.close());

async function plateau() {
  const composed = await helmPlateau(
    [parseHelmCatalogConfig({ id: "ide", location: repository.location, name: "IDE" })],
    [plmshift, plmvshift, gpuvshift],
    renderer,
  );
  await composed.plateau.services.projects.create({ name: "demo", lab: "imb" }, alice);
  await composed.plateau.services.projects.setQuota("demo", { cpu: 64, memoryGiB: 256, gpu: 2, instances: 20, storageGiB: 500 }, alice);
  return composed;
}
type Composed = Awaited<ReturnType<typeof plateau>>;

/** The values of the Application committed for an instance on a platform (none: no Application there). */
async function committedValues(composed: Composed, platform: string, name: string): Promise<Record<string, unknown> | undefined> {
  const head = (await composed.repo.head()) ?? "";
  const dir = renderedHelmInstanceDir(platform, "demo", name);
  const [entry] = await composed.repo.listDirectory(head, dir);
  if (!entry) return undefined;
  // A chart whose values hold secret placeholders goes through argocd-vault-plugin (ADR 0022): its values are in the plugin's environment.
  return helmApplicationValues(fromYaml((await composed.repo.readFile(head, `${dir}/${entry.name}`)) ?? "", "application")) ?? undefined;
}

/** Values without the host names, which hold a subdomain drawn at random at each launch. */
function withoutHosts(values: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(values) as { ingress?: Record<string, unknown>; route?: Record<string, unknown> };
  for (const expose of [copy.ingress, copy.route]) {
    delete expose?.hostname;
    delete expose?.userHostname;
  }
  return copy;
}

describe.skipIf(skip)("a chart moved to another platform", () => {
  it("takes the new platform's Ingress, network policy and securityContext, and keeps the person's own values", async () => {
    const composed = await plateau();
    const { instances } = composed.plateau.services;
    // What alice chose: more CPU than the region gives by default, and her own init script.
    const own = { resources: { limits: { cpu: "4000m" } }, init: { personalInit: "https://example.org/alice/init.sh" } };
    await instances.launch({ template: "ide/jupyter-python", project: "demo", name: "notebook", platform: "plmshift", viewer, values: own }, alice);
    expect(await committedValues(composed, "plmshift", "notebook")).toMatchObject({
      route: { enabled: true, hostname: expect.stringMatching(/\.apps\.math\.cnrs\.example\.org$/) },
      ingress: { enabled: false },
      podSecurityContext: { fsGroup: null },
    });

    await instances.move("demo", "notebook", "plmvshift", alice, undefined, viewer);
    expect(await committedValues(composed, "plmshift", "notebook")).toBeUndefined();
    const moved = await committedValues(composed, "plmvshift", "notebook");
    expect(moved).toMatchObject({
      route: { enabled: false },
      ingress: { enabled: true, ingressClassName: "nginx", hostname: expect.stringMatching(/^demo-[a-z0-9-]+-0\.apps\.plmvshift\.example\.org$/) },
      security: { networkPolicy: { enabled: true, from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } }] } },
      podSecurityContext: { fsGroup: 1000, runAsGroup: 1000 },
      resources: { limits: { cpu: "4000m" } },
      init: { personalInit: "https://example.org/alice/init.sh" },
    });
    // Its password is still its own Secret's (ADR 0022): the same placeholder as before the move.
    expect(moved).toMatchObject({ security: { password: "<path:demo:notebook-generated#one-time-password>" } });
    // Exactly what a launch of alice's values on PLMvshift commits, but for the random host names and the instance its passwords belong to.
    await instances.launch({ template: "ide/jupyter-python", project: "demo", name: "fresh", platform: "plmvshift", viewer, values: own }, alice);
    const ownSecret = (values: Record<string, unknown> | undefined) =>
      JSON.parse(JSON.stringify(values ?? {}).replaceAll("demo:fresh-generated#", "demo:notebook-generated#")) as Record<string, unknown>;
    expect(withoutHosts(moved ?? {})).toEqual(withoutHosts(ownSecret(await committedValues(composed, "plmvshift", "fresh"))));
    const head = (await composed.repo.head()) ?? "";
    expect(parseInstance((await composed.repo.readFile(head, instancePath("demo", "notebook"))) ?? "", "notebook").spec.values).toEqual(moved);
  });

  it("moves a GPU chart from PLMshift's vGPU pool to another platform's GPU pool with that pool's node selector and toleration", async () => {
    const composed = await plateau();
    const { instances } = composed.plateau.services;
    await instances.launch({ template: "ide/jupyter-pytorch-gpu", project: "demo", name: "torch", platform: "plmshift", viewer }, alice);
    expect(await committedValues(composed, "plmshift", "torch")).toMatchObject({
      nodeSelector: { "nvidia.com/gpu.present": "true" },
      tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
    });
    await instances.move("demo", "torch", "gpuvshift", alice, undefined, viewer);
    const moved = await committedValues(composed, "gpuvshift", "torch");
    expect(moved?.nodeSelector).toEqual({ "nvidia.com/gpu.product": "A100-SXM4-40GB" });
    expect(moved?.tolerations).toEqual([{ key: "nvidia.com/gpu", operator: "Equal", value: "a100", effect: "NoSchedule" }]);
    expect(moved).toMatchObject({ resources: { limits: { "nvidia.com/gpu": "1" } }, ingress: { enabled: true }, route: { enabled: false } });
  });

  it("runs the preflight on the new platform: a chart its rules refuse there is not moved, and nothing is committed", async () => {
    const composed = await plateau();
    const { instances } = composed.plateau.services;
    await instances.launch({ template: "ide/rstudio", project: "demo", name: "rstudio", platform: "plmshift", viewer }, alice);
    const head = await composed.repo.head();
    const refused = await instances.move("demo", "rstudio", "plmvshift", alice, undefined, viewer).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConflictError);
    expect((refused as ConflictError).reason).toBe("chart-refused");
    expect((refused as Error).message).toMatch(/make-secrets-writable: allowPrivilegeEscalation must be false/);
    expect(await composed.repo.head()).toBe(head);
  });
});
