/// <reference types="vite/client" />
// The Helm catalog service over an in-memory HelmCatalogs: Onyxia's real index and charts
// (shared fixture, read by Vite at transform time), a restricted catalog of one small chart,
// and a catalog whose repository is down.
import { describe, expect, it } from "vitest";
import indexText from "../../../test/fixtures/onyxia-catalog/index.yaml?raw";
import jupyterSchema from "../../../test/fixtures/onyxia-catalog/charts/jupyter-python/values.schema.json?raw";
import jupyterValues from "../../../test/fixtures/onyxia-catalog/charts/jupyter-python/values.yaml?raw";
import plmvshiftText from "../../../examples/community/platforms/plmvshift.yaml?raw";
import { parsePlatform } from "../model.js";
import { ConflictError, InputError, NotFoundError, UnavailableError, type InputIssue } from "../errors.js";
import type { ChartRenderer } from "../ports/chart-renderer.js";
import type { HelmCatalogs } from "../ports/helm-catalogs.js";
import { parseHelmCatalogConfig } from "./catalog-config.js";
import { parseHelmIndex, type HelmCatalogIndex, type HelmChartVersion } from "./index-file.js";
import { createHelmCatalogService, type CatalogViewer, type HelmLaunchContext } from "./service.js";

const ONYXIA = "https://inseefrlab.github.io/helm-charts-interactive-services";
const ide = parseHelmCatalogConfig({
  id: "ide",
  location: ONYXIA,
  name: { en: "Interactive services", fr: "Services interactifs" },
  highlightedCharts: ["rstudio"],
  multipleServicesMode: "maxNumber",
  maxNumberOfVersions: 3,
});
const tools = parseHelmCatalogConfig({
  id: "tools",
  location: "https://charts.example.org/tools",
  name: "Tools",
  status: "TEST",
  restrictions: [{ userAttribute: { key: "operator", matches: "true" } }],
  visible: { user: true, project: false },
});
const down = parseHelmCatalogConfig({ id: "down", location: "https://down.example.org", name: "Down" });

const version = (name: string, number: string): HelmChartVersion => ({
  name,
  version: number,
  appVersion: undefined,
  description: `${name} ${number}`,
  icon: undefined,
  home: undefined,
  keywords: ["tool"],
  urls: [`https://charts.example.org/tools/${name}-${number}.tgz`],
  created: undefined,
  digest: undefined,
  deprecated: false,
});
const toolsIndex: HelmCatalogIndex = {
  catalogId: "tools",
  generated: undefined,
  charts: [
    { name: "secretive", highlighted: false, versions: [version("secretive", "2.0.0"), version("secretive", "1.0.0")] },
    { name: "bare", highlighted: false, versions: [version("bare", "1.0.0")] },
  ],
  skipped: [],
  parser: "block",
};
const secretiveSchema = JSON.stringify({
  type: "object",
  properties: {
    password: { type: "string", render: "password", default: "changeme" },
    token: { type: "string", render: "password", default: "", "x-onyxia": { overwriteDefaultWith: "{{service.oneTimePassword}}" } },
    optional: { type: "string", render: "password", default: "" },
    replicas: { type: "integer", default: 1, minimum: 1, maximum: 3 },
    owner: { type: "string", default: "nobody", "x-onyxia": { overwriteDefaultWith: "user.idep" } },
  },
});

const catalogs: HelmCatalogs = {
  configs: [ide, tools, down],
  async index(catalogId) {
    if (catalogId === "ide") return parseHelmIndex(indexText, ide);
    if (catalogId === "tools") return toolsIndex;
    throw new UnavailableError(`the repository of catalog ${catalogId} cannot be read: connection refused`);
  },
  async files(_catalogId, chartVersion) {
    if (chartVersion.name === "jupyter-python") return { valuesSchemaJson: jupyterSchema, valuesYaml: jupyterValues };
    if (chartVersion.name === "secretive") return { valuesSchemaJson: secretiveSchema, valuesYaml: undefined };
    return { valuesSchemaJson: undefined, valuesYaml: undefined };
  },
  archive: () => Promise.reject(new Error("no archive: these tests render nothing")),
};

const service = createHelmCatalogService({ catalogs });

/** The issues of the InputError a call ends with. */
async function issuesOf(run: () => Promise<unknown>): Promise<readonly InputIssue[]> {
  const error = await run().then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(InputError);
  return (error as InputError).issues;
}
const jean: CatalogViewer = { login: "jdupont", groups: [], labs: ["imb"], operator: false };
const oscar: CatalogViewer = { login: "oscar", groups: [], labs: [], operator: true };
const personal = (login: string): HelmLaunchContext => ({ login, project: `u-${login}`, lang: "fr", randomSubdomain: "123456" });
const launching = (login: string) => ({ ...personal(login), release: "tool" });

describe("helm catalog service: browsing", () => {
  it("lists the charts of the catalogs a person may see, and says which catalogs are down", async () => {
    const forJean = await service.list(jean, { lang: "fr" });
    expect(new Set(forJean.charts.map((chart) => chart.catalog))).toEqual(new Set(["ide"]));
    expect(forJean.charts[0]).toMatchObject({ id: "ide/rstudio", highlighted: true, category: "Services interactifs", status: "PROD" });
    expect(forJean.unavailable).toEqual([{ catalog: "down", reason: "the repository of catalog down cannot be read: connection refused" }]);
    const forOscar = await service.list(oscar, { lang: "en" });
    expect(forOscar.charts.filter((chart) => chart.catalog === "tools").map((chart) => chart.id)).toEqual(["tools/secretive", "tools/bare"]);
    expect(forOscar.charts.find((chart) => chart.id === "tools/secretive")).toMatchObject({ version: "2.0.0", versions: ["2.0.0", "1.0.0"], status: "TEST" });
    expect((await service.list(oscar, { lang: "en", space: "project" })).charts.some((chart) => chart.catalog === "tools")).toBe(false);
  });

  it("gives a chart's form for this person, with the chosen version first", async () => {
    const form = await service.form({ catalog: "tools", chart: "secretive" }, oscar, personal("oscar"), "1.0.0");
    expect(form.versions).toEqual(["1.0.0", "2.0.0"]);
    expect(form.defaults).toEqual({ password: "changeme", token: "", optional: "", replicas: 1, owner: "oscar" });
    expect(form.valuesSchema).toMatchObject({ properties: { password: { "x-plateau": { render: "password" } } } });
    const jupyter = await service.form({ catalog: "ide", chart: "jupyter-python" }, jean, personal("jdupont"));
    expect(jupyter.version).toBe(jupyter.versions[0]);
    expect(jupyter.defaults).toHaveProperty("resources");
  });

  it("hides a catalog the person may not see, and says what is not offered", async () => {
    await expect(service.form({ catalog: "tools", chart: "secretive" }, jean, personal("jdupont"))).rejects.toBeInstanceOf(NotFoundError);
    await expect(service.form({ catalog: "ide", chart: "nothing" }, jean, personal("jdupont"))).rejects.toBeInstanceOf(NotFoundError);
    expect(await issuesOf(() => service.form({ catalog: "tools", chart: "secretive" }, oscar, personal("oscar"), "9.9.9"))).toEqual([
      expect.objectContaining({ pointer: "/version", rule: "offered" }),
    ]);
    expect(await issuesOf(() => service.form({ catalog: "tools", chart: "bare" }, oscar, personal("oscar")))).toEqual([
      expect.objectContaining({ pointer: "/template", rule: "values-schema" }),
    ]);
  });

  it("names the repositories Argo CD may fetch charts from", () => {
    expect(service.repositoryOf("tools")).toBe("https://charts.example.org/tools");
    expect(service.repositoryOf("nothing")).toBeUndefined();
    expect(service.repositories()).toEqual([ONYXIA, "https://charts.example.org/tools", "https://down.example.org"]);
  });
});

describe("helm catalog service: launching", () => {
  it("merges the person's values over the defaults, object by object, and checks them", async () => {
    const reference = { catalog: "tools", chart: "secretive" };
    expect(await service.defaults(reference, oscar, personal("oscar"), { replicas: 2 })).toEqual({
      password: "changeme",
      token: "",
      optional: "",
      replicas: 2,
      owner: "oscar",
    });
    const prepared = await service.prepare(reference, oscar, { ...personal("oscar"), release: "tool" }, { replicas: 3 });
    expect(prepared).toEqual({
      version: version("secretive", "2.0.0"),
      repository: "https://charts.example.org/tools",
      values: {
        password: "<path:u-oscar:tool-generated#password>",
        token: "<path:u-oscar:tool-generated#one-time-password>",
        optional: "",
        replicas: 3,
        owner: "oscar",
      },
      secrets: {},
    });
    expect(await issuesOf(() => service.prepare(reference, oscar, { ...personal("oscar"), release: "tool" }, { replicas: 4 }))).toEqual([
      expect.objectContaining({ pointer: "/values/replicas", rule: "maximum" }),
    ]);
    const nested = await service.defaults({ catalog: "ide", chart: "jupyter-python" }, jean, personal("jdupont"), { resources: { limits: { cpu: "8000m" } } });
    expect(nested.resources).toEqual({ requests: { cpu: "100m", memory: "2Gi" }, limits: { cpu: "8000m", memory: "50Gi" } });
    expect(await issuesOf(() => service.defaults(reference, oscar, personal("oscar"), ["not", "an", "object"]))).toEqual([
      expect.objectContaining({ pointer: "/values", rule: "type" }),
    ]);
  });

  it("commits passwords as placeholders to the instance's own Secret, keeping one the person typed out of the values", async () => {
    const reference = { catalog: "tools", chart: "secretive" };
    const named = { ...personal("oscar"), release: "db" };
    // The chart's own default ("changeme") is published: it becomes a generated password.
    const generated = await service.prepare(reference, oscar, named, {});
    expect(generated.values).toMatchObject({ password: "<path:u-oscar:db-generated#password>", token: "<path:u-oscar:db-generated#one-time-password>" });
    expect(generated.secrets).toEqual({});
    expect(JSON.stringify(generated.values)).not.toContain("changeme");
    // Sent back empty by a form: the same.
    expect((await service.prepare(reference, oscar, named, { password: "", token: "" })).values).toEqual(generated.values);
    // Typed: kept by Plateau under the field's key, never in the values.
    const typed = await service.prepare(reference, oscar, named, { password: "hunter2", token: "mine" });
    expect(typed.secrets).toEqual({ password: "hunter2", token: "mine" });
    expect(typed.values).toMatchObject({ password: "<path:u-oscar:db-generated#password>", token: "<path:u-oscar:db-generated#token>" });
    expect(JSON.stringify(typed.values)).not.toMatch(/hunter2|mine/);
    // An optional password left empty stays empty; a preview (no name yet) shows no password.
    expect(typed.values.optional).toBe("");
    expect((await service.form(reference, oscar, personal("oscar"))).defaults).toMatchObject({ token: "" });
  });

  it("refuses values carrying a secret reference: it could name another project's Secret", async () => {
    const reference = { catalog: "tools", chart: "secretive" };
    const named = { ...personal("oscar"), release: "db" };
    for (const [values, pointer] of [
      [{ password: "<path:genomics:wiki-generated#password>" }, "/values/password"],
      [{ owner: "x <path:genomics:wiki-generated#password> y" }, "/values/owner"],
      [{ extra: { "avp.kubernetes.io/path": "genomics:wiki-generated" } }, "/values/extra/avp.kubernetes.io~1path"],
    ] as const) {
      expect(await issuesOf(() => service.prepare(reference, oscar, named, values))).toEqual([
        expect.objectContaining({ pointer, rule: "secret-placeholder" }),
      ]);
      expect(await issuesOf(() => service.defaults(reference, oscar, named, values))).toEqual([
        expect.objectContaining({ pointer, rule: "secret-placeholder" }),
      ]);
    }
  });

  it("shows a catalog only in the space it is visible in", async () => {
    const shared = { ...personal("oscar"), project: "team" };
    await expect(service.prepare({ catalog: "tools", chart: "secretive" }, oscar, { ...shared, release: "tool" }, {})).rejects.toBeInstanceOf(NotFoundError);
    await expect(service.prepare({ catalog: "tools", chart: "secretive" }, oscar, launching("oscar"), {})).resolves.toBeDefined();
  });

  it("refuses values too deep to check before looking for the chart", async () => {
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 100; i++) deep = { deeper: deep };
    expect(await issuesOf(() => service.defaults({ catalog: "nothing", chart: "x" }, oscar, personal("oscar"), deep))).toEqual([
      expect.objectContaining({ pointer: "/values", rule: "max-depth" }),
    ]);
  });
});

describe("helm catalog service: a launch's forms", () => {
  // A schema ajv refuses (a minimum that is not a number): the form that gives placement its defaults does not
  // compile it (ajv's compile is most of a form's time); the form on the platform does, and refuses it.
  const broken = parseHelmCatalogConfig({ id: "broken", location: "https://charts.example.org/broken", name: "Broken" });
  const brokenService = createHelmCatalogService({
    catalogs: {
      configs: [broken],
      index: async () => ({ ...toolsIndex, catalogId: "broken", charts: [{ name: "odd", highlighted: false, versions: [version("odd", "1.0.0")] }] }),
      files: async () => ({
        valuesSchemaJson: JSON.stringify({ type: "object", properties: { size: { type: "integer", minimum: "one", default: 1 } } }),
        valuesYaml: undefined,
      }),
      archive: () => Promise.reject(new Error("no archive: these tests render nothing")),
    },
  });
  const reference = { catalog: "broken", chart: "odd" };

  it("gives placement the defaults without compiling the schema, and refuses the launch when ajv cannot compile it", async () => {
    expect(await brokenService.defaults(reference, oscar, personal("oscar"), {})).toEqual({ size: 1 });
    expect(await issuesOf(() => brokenService.prepare(reference, oscar, launching("oscar"), {}))).toEqual([expect.objectContaining({ rule: "schema" })]);
    expect(await issuesOf(() => brokenService.form(reference, oscar, personal("oscar")))).toEqual([expect.objectContaining({ rule: "schema" })]);
  });
});

describe("helm catalog service: how charts stop (ADR 24)", () => {
  /** Renders a Deployment with the replicas the values give; values without replicaCount are refused, as a chart failing with its defaults. */
  function setup() {
    const rendered: { chart: string; values: Readonly<Record<string, unknown>> }[] = [];
    const renderer: ChartRenderer = {
      async render(request) {
        rendered.push({ chart: new TextDecoder().decode(request.archive), values: request.values });
        if (!("replicaCount" in request.values)) throw new ConflictError("chart secretive cannot be rendered by helm template: host is required");
        const deployment = {
          apiVersion: "apps/v1",
          kind: "Deployment",
          metadata: { name: request.releaseName },
          spec: { replicas: request.values.replicaCount, template: { spec: {} } },
        };
        return { chart: "secretive-2.0.0", objects: [deployment] };
      },
    };
    const service = createHelmCatalogService({
      catalogs: { ...catalogs, archive: async (_catalog, version) => new TextEncoder().encode(version.name) },
      renderer,
    });
    return { service, rendered };
  }
  const secretive = { catalog: "tools", chart: "secretive" };

  it("says suspend for Onyxia's charts without rendering them, and nothing for a chart its own values do not render, once per digest", async () => {
    const { service, rendered } = setup();
    for (let i = 0; i < 2; i++) {
      const { charts } = await service.list(oscar, { lang: "en" });
      expect(charts.find((chart) => chart.id === "ide/jupyter-python")?.stop).toBe("suspend");
      expect(charts.find((chart) => chart.id === "tools/secretive")).not.toHaveProperty("stop");
    }
    expect(rendered.filter((render) => render.chart === "secretive")).toEqual([{ chart: "secretive", values: {} }]);
    expect(rendered.some((render) => render.chart === "jupyter-python")).toBe(false);
    expect((await service.form({ catalog: "ide", chart: "jupyter-python" }, jean, personal("jdupont"))).stop).toBe("suspend");
  });

  it("decides a launch's stop with its values: replicas when they scale it to zero, remove-on-expiry when Helm refuses them", async () => {
    const { service, rendered } = setup();
    expect(await service.stopOf(secretive, oscar, "2.0.0", { replicaCount: 2, other: 1 }, "web")).toEqual({ by: "replicas", paths: [["replicaCount"]] });
    expect(rendered).toEqual([{ chart: "secretive", values: { replicaCount: 0, other: 1 } }]);
    expect(await service.stopOf(secretive, oscar, "2.0.0", { other: 1 })).toEqual({
      by: "remove-on-expiry",
      why: "helm template refuses it with its values at 0: chart secretive cannot be rendered by helm template: host is required",
    });
  });
});

describe("the person's own values of an instance placed on a platform (what a move keeps)", () => {
  const placedSchema = JSON.stringify({
    type: "object",
    properties: {
      // Resolved from the region and a subdomain drawn at launch, in a field the person may change.
      host: { type: "string", default: "", "x-onyxia": { overwriteDefaultWith: "{{project.id}}-{{k8s.randomSubdomain}}-0.{{k8s.domain}}" } },
      // Hidden: the person could not change it, whatever it holds (here the launch's language).
      lang: { type: "string", default: "", "x-onyxia": { hidden: true, overwriteDefaultWith: "user.lang" } },
      resources: {
        type: "object",
        properties: {
          limits: { type: "object", properties: { cpu: { type: "string", default: "1", "x-onyxia": { overwriteDefaultWith: "region.resources.cpuLimit" } } } },
        },
      },
      ingressClassName: { type: "string", default: "", "x-onyxia": { overwriteDefaultWith: "{{k8s.ingressClassName}}" } },
      note: { type: "string", default: "" },
    },
  });
  const placedCatalogs: HelmCatalogs = {
    ...catalogs,
    files: async () => ({ valuesSchemaJson: placedSchema, valuesYaml: undefined }),
  };
  const service = createHelmCatalogService({ catalogs: placedCatalogs });
  const plmvshift = parsePlatform(plmvshiftText, "platforms/plmvshift.yaml");
  const at: HelmLaunchContext = { login: "alice", project: "demo", lang: "en", randomSubdomain: "other-draw-xyz", platform: plmvshift };
  const reference = { catalog: "ide", chart: "jupyter-python" };

  it("leaves out what the platform resolved (its defaults, any random subdomain, hidden fields) and keeps the rest", async () => {
    const values = {
      host: "demo-brave-noether-k3x-0.apps.plmvshift.example.org",
      lang: "fr",
      resources: { limits: { cpu: "2000m" } },
      ingressClassName: "nginx",
      note: "mine",
      extra: { kept: true },
    };
    expect((await service.ownValues(reference, jean, at, values)).values).toEqual({ note: "mine", extra: { kept: true } });
    // What differs from the platform's is the person's: their CPU, a host of their own.
    const chosen = { ...values, host: "mine.example.org", resources: { limits: { cpu: "4000m" } } };
    expect((await service.ownValues(reference, jean, at, chosen)).values).toEqual({
      host: "mine.example.org",
      resources: { limits: { cpu: "4000m" } },
      note: "mine",
      extra: { kept: true },
    });
  });

  it("keeps the instance's version while the catalog offers it, else takes the newest offered (a version no longer offered cannot be rendered)", async () => {
    const summary = (await service.list(jean, { lang: "en" })).charts.find((chart) => chart.id === "ide/jupyter-python");
    const [newest, older] = summary?.versions ?? [];
    expect(older).toBeDefined();
    expect((await service.ownValues(reference, jean, at, {}, older)).version).toBe(older);
    expect((await service.ownValues(reference, jean, at, {}, "0.0.1")).version).toBe(newest);
  });
});
