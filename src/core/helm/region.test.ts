/// <reference types="vite/client" />
// Charts launched on a platform get its region, as on Onyxia: the real Onyxia charts (test
// fixtures) on the community's example platforms — the region's defaults and slider bounds,
// the GPU pool's node selector and toleration, the platform's custom values with their
// precedence, and a preview form before any platform is chosen.
import { describe, expect, it } from "vitest";
import indexText from "../../../test/fixtures/onyxia-catalog/index.yaml?raw";
import jupyterSchema from "../../../test/fixtures/onyxia-catalog/charts/jupyter-python/values.schema.json?raw";
import jupyterValues from "../../../test/fixtures/onyxia-catalog/charts/jupyter-python/values.yaml?raw";
import pytorchSchema from "../../../test/fixtures/onyxia-catalog/charts/jupyter-pytorch-gpu/values.schema.json?raw";
import pytorchValues from "../../../test/fixtures/onyxia-catalog/charts/jupyter-pytorch-gpu/values.yaml?raw";
import plmshiftText from "../../../examples/community/platforms/plmshift.yaml?raw";
import plmvshiftText from "../../../examples/community/platforms/plmvshift.yaml?raw";
import { InputError, type InputIssue } from "../errors.js";
import { parsePlatform, type PlatformDocument } from "../model.js";
import type { HelmCatalogs } from "../ports/helm-catalogs.js";
import { parseHelmCatalogConfig } from "./catalog-config.js";
import { parseHelmIndex } from "./index-file.js";
import { createHelmCatalogService, type CatalogViewer, type HelmLaunchContext } from "./service.js";

const ide = parseHelmCatalogConfig({ id: "ide", location: "https://inseefrlab.github.io/helm-charts-interactive-services", name: "IDE" });
const catalogs: HelmCatalogs = {
  configs: [ide],
  index: async () => parseHelmIndex(indexText, ide),
  async files(_catalogId, chart) {
    if (chart.name === "jupyter-python") return { valuesSchemaJson: jupyterSchema, valuesYaml: jupyterValues };
    if (chart.name === "jupyter-pytorch-gpu") return { valuesSchemaJson: pytorchSchema, valuesYaml: pytorchValues };
    return { valuesSchemaJson: undefined, valuesYaml: undefined };
  },
  archive: () => Promise.reject(new Error("no archive: these tests render nothing")),
};
const service = createHelmCatalogService({ catalogs });
const plmshift = parsePlatform(plmshiftText, "platforms/plmshift.yaml");
const plmvshift = parsePlatform(plmvshiftText, "platforms/plmvshift.yaml");
const jean: CatalogViewer = { login: "jdupont", groups: [], labs: [], operator: false };
const on = (platform?: PlatformDocument): HelmLaunchContext & { release: string } => ({
  login: "jdupont",
  project: "imb-climate",
  lang: "fr",
  randomSubdomain: "482913",
  release: "notebook",
  ...(platform ? { platform } : {}),
});
const jupyter = { catalog: "ide", chart: "jupyter-python" };
const pytorch = { catalog: "ide", chart: "jupyter-pytorch-gpu" };

type Node = { properties?: Record<string, Node>; "x-plateau"?: { slider?: { min: number; max: number } }; default?: unknown };
const nodeAt = (schema: unknown, ...path: string[]): Node | undefined =>
  path.reduce<Node | undefined>((node, name) => node?.properties?.[name], schema as Node);

async function issuesOf(run: () => Promise<unknown>): Promise<readonly InputIssue[]> {
  const error = await run().then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(InputError);
  return (error as InputError).issues;
}

describe("a chart's form on a platform: the region's defaults and bounds", () => {
  it("takes resources, network policy, exposure and init script from the region (Kubernetes, ingress class)", async () => {
    const form = await service.form(jupyter, jean, on(plmvshift));
    expect(form.defaults).toMatchObject({
      resources: { requests: { cpu: "100m", memory: "2Gi" }, limits: { cpu: "2000m", memory: "8Gi" } },
      persistence: { size: "10Gi" },
      security: { networkPolicy: { enabled: true, from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } }] } },
      ingress: { enabled: true, ingressClassName: "nginx", hostname: "imb-climate-482913-0.apps.plmvshift.example.org" },
      route: { enabled: false },
      init: { regionInit: "https://plmlab.math.cnrs.example.org/plateau/init/-/raw/main/onyxia-init.sh" },
    });
    const openshift = await service.form(jupyter, jean, on(plmshift));
    expect(openshift.defaults).toMatchObject({ ingress: { enabled: false }, route: { enabled: true }, openshiftSCC: { enabled: false } });
  });

  it("caps the chart's sliders at the region's maxima, and refuses a value above them", async () => {
    const form = await service.form(jupyter, jean, on(plmvshift));
    expect(nodeAt(form.valuesSchema, "resources", "limits", "cpu")?.["x-plateau"]?.slider).toMatchObject({ min: 50, max: 16000 }); // the chart's: 40000
    expect(nodeAt(form.valuesSchema, "resources", "limits", "memory")?.["x-plateau"]?.slider).toMatchObject({ min: 1, max: 64 }); // the chart's: 200
    expect(await issuesOf(() => service.prepare(jupyter, jean, on(plmvshift), { resources: { limits: { memory: "100Gi" } } }))).toEqual([
      expect.objectContaining({ pointer: "/values/resources/limits/memory", rule: "slider" }),
    ]);
  });

  it("keeps the chart's own defaults and bounds in a preview, before a platform is chosen", async () => {
    const form = await service.form(jupyter, jean, on());
    expect(form.defaults).toMatchObject({ resources: { limits: { cpu: "30000m", memory: "50Gi" } }, security: { networkPolicy: { enabled: false } } });
    expect(nodeAt(form.valuesSchema, "resources", "limits", "cpu")?.["x-plateau"]?.slider).toMatchObject({ max: 40000 });
    expect(form.defaults).not.toHaveProperty("securityContext");
  });
});

describe("a chart launched on a platform: its pool and the platform's custom values", () => {
  it("puts a GPU chart on the GPU pool, with the pool's node selector and toleration in the values the chart reads", async () => {
    const prepared = await service.prepare(pytorch, jean, on(plmshift), {});
    expect(prepared.pool).toBe("vgpu");
    expect(prepared.values.nodeSelector).toEqual({ "nvidia.com/gpu.present": "true" });
    expect(prepared.values.tolerations).toEqual([{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }]);
    // The toleration is the platform's: a person cannot take it off.
    expect(await issuesOf(() => service.prepare(pytorch, jean, on(plmshift), { tolerations: [] }))).toEqual([
      expect.objectContaining({ pointer: "/values/tolerations", rule: "hidden" }),
    ]);
    const cpu = await service.prepare(jupyter, jean, on(plmshift), {});
    expect(cpu.pool).toBe("general");
    expect(cpu.values.tolerations).toEqual([]);
  });

  it("merges the custom values: under the person's where the form lets them choose, over everything where it does not", async () => {
    const platform = structuredClone(plmvshift);
    const customValues = {
      ...platform.spec.region?.customValues,
      service: { image: { pullPolicy: "Always" } }, // a field of the form: a default
      userPreferences: { language: "en" }, // a hidden field: the platform's
      kubernetes: { enabled: "not a boolean" }, // refused by the field: ignored, as a context default would be
    };
    platform.spec.region = { ...platform.spec.region, customValues };
    const chosen = await service.prepare(jupyter, jean, on(platform), { service: { image: { pullPolicy: "Never" } } });
    expect((chosen.values.service as { image: { pullPolicy: string } }).image.pullPolicy).toBe("Never");
    const defaulted = await service.prepare(jupyter, jean, on(platform), {});
    expect((defaulted.values.service as { image: { pullPolicy: string } }).image.pullPolicy).toBe("Always");
    expect(defaulted.values.userPreferences).toMatchObject({ language: "en" }); // the person's lang is fr
    expect(defaulted.values.kubernetes).toMatchObject({ enabled: true });
    // What the chart's form does not declare is imposed on the committed values, as written.
    expect(defaulted.values.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(defaulted.values.podSecurityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    // …and a person cannot set it: the form has no such field.
    expect(await issuesOf(() => service.prepare(jupyter, jean, on(platform), { securityContext: { privileged: true } }))).toEqual([
      expect.objectContaining({ pointer: "/values/securityContext", rule: "additionalProperties" }),
    ]);
  });

  it("keeps null in the custom values, so that Helm removes the chart's own value (fsGroup on OpenShift)", async () => {
    const prepared = await service.prepare(jupyter, jean, on(plmshift), {});
    expect(prepared.values.podSecurityContext).toEqual({ fsGroup: null, runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
  });
});
