// One chart made deliberately wrong per rule is refused with that rule, through a real launch:
// the test chart `misfit` (test/fixtures/charts/misfit) breaks the rule its `wrong` value
// names, the real Helm renders it as Argo CD would, and the launch on a platform of
// examples/community is refused with that rule alone, committing nothing.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHelmTemplateRenderer } from "../../src/adapters/helm/helm-template.js";
import { ConflictError } from "../../src/core/errors.js";
import { parseHelmCatalogConfig } from "../../src/core/helm/catalog-config.js";
import { PREFLIGHT_RULES, type PreflightRule } from "../../src/core/helm/preflight.js";
import { parsePlatform } from "../../src/core/model.js";
import { startChartRepository, type ChartRepositoryServer } from "../support/chart-repository.js";
import { helmUnavailable, TEST_HELM } from "../support/helm.js";
import { helmPlateau } from "../support/helm-plateau.js";
import { alice } from "../support/plateau.js";

const platformFile = (name: string) =>
  parsePlatform(readFileSync(join(import.meta.dirname, "..", "..", "examples", "community", "platforms", `${name}.yaml`), "utf8"), `platforms/${name}.yaml`);
const viewer = { login: "alice", groups: ["lab:imb"], labs: ["imb"], operator: false };
const GPU = { requests: { cpu: "100m", memory: "256Mi", "nvidia.com/gpu": "1" }, limits: { cpu: "500m", memory: "512Mi", "nvidia.com/gpu": "1" } };

/**
 * Rules a launch cannot break with Plateau's own fences: the LimitRange gives every container
 * requests and limits and states no max (resources-missing, limit-max); a launch's quotas are
 * counted by tenancy (`quota-exceeded`), and the ResourceQuota caps no limits (ADR 0021).
 */
const UNREACHABLE: readonly PreflightRule[] = ["resources-missing", "limit-max", "quota-project", "quota-lab", "quota-limits"];

/** Each rule, the platform it is broken on and the values besides `wrong` (a GPU asked, for rules of the GPU pool). */
const CASES: Record<Exclude<PreflightRule, (typeof UNREACHABLE)[number]>, { platform: "plmshift" | "plmvshift"; resources?: unknown }> = {
  "kind-not-allowed": { platform: "plmvshift" },
  "cluster-scoped": { platform: "plmvshift" },
  namespace: { platform: "plmvshift" },
  rbac: { platform: "plmshift" },
  "pod-security": { platform: "plmvshift" },
  "openshift-scc": { platform: "plmshift" },
  quantity: { platform: "plmvshift" },
  "request-above-limit": { platform: "plmvshift" },
  "gpu-request-limit": { platform: "plmshift", resources: GPU },
  "limit-ratio": { platform: "plmshift" },
  "quota-count": { platform: "plmshift" },
  "gpu-pool": { platform: "plmshift" },
  "node-selection": { platform: "plmshift" },
  toleration: { platform: "plmshift", resources: GPU },
  "node-size": { platform: "plmshift" },
  "secret-placeholder": { platform: "plmvshift" },
};

const skip = helmUnavailable();
let repository: ChartRepositoryServer;
const renderer = createHelmTemplateRenderer({ command: TEST_HELM });
const plateaus = new Map<string, Awaited<ReturnType<typeof helmPlateau>>>();

beforeAll(async () => {
  if (skip) return;
  repository = await startChartRepository({ charts: ["misfit"] });
  for (const platform of ["plmshift", "plmvshift"]) {
    const composed = await helmPlateau(
      [parseHelmCatalogConfig({ id: "tests", location: repository.location, name: "Tests" })],
      [platformFile(platform)],
      renderer,
    );
    await composed.plateau.services.projects.create({ name: "demo", lab: "imb" }, alice);
    await composed.plateau.services.projects.setQuota("demo", { cpu: 64, memoryGiB: 256, gpu: 2, instances: 20, storageGiB: 500 }, alice);
    plateaus.set(platform, composed);
  }
}, 120_000);

afterAll(async () => {
  await renderer.close();
  await repository?.close();
});

const launch = (platform: string, name: string, values: Record<string, unknown>) => {
  const composed = plateaus.get(platform);
  if (!composed) throw new Error(`no Plateau on ${platform}`);
  return composed.plateau.services.instances.launch({ template: "tests/misfit", project: "demo", name, viewer, values }, alice);
};

describe.skipIf(skip)("a chart breaking one preflight rule", () => {
  it("is launched on both platforms when it breaks none", async () => {
    for (const platform of ["plmshift", "plmvshift"]) expect((await launch(platform, "fine", {})).instance.name).toBe("fine");
    // …and on the GPU pool with a GPU, with the region's selector and toleration.
    expect((await launch("plmshift", "fine-gpu", { resources: GPU })).instance.name).toBe("fine-gpu");
  });

  it("covers every rule a launch can break", () => {
    expect(new Set([...Object.keys(CASES), ...UNREACHABLE])).toEqual(new Set(PREFLIGHT_RULES));
  });

  for (const [rule, { platform, resources }] of Object.entries(CASES) as [PreflightRule, { platform: string; resources?: unknown }][]) {
    it(`is refused with ${rule} on ${platform}, naming it alone, and nothing is committed`, async () => {
      const composed = plateaus.get(platform);
      const head = await composed?.repo.head();
      const refused = await launch(platform, `wrong-${rule.replace(/[^a-z]/g, "")}`.slice(0, 30), { wrong: rule, ...(resources ? { resources } : {}) }).catch(
        (error: unknown) => error,
      );
      expect(refused, String(refused)).toBeInstanceOf(ConflictError);
      expect((refused as ConflictError).reason).toBe("chart-refused");
      const named = [...(refused as Error).message.matchAll(/\[([a-z-]+)\]/g)].map((match) => match[1]);
      expect([...new Set(named)], (refused as Error).message).toEqual([rule]);
      expect(await composed?.repo.head()).toBe(head);
    });
  }
});
