/// <reference types="vite/client" />
// On four real charts of Onyxia's catalog (shared fixture, read by Vite at transform time:
// core performs no I/O, even in tests), then on small schemas for each rule.
import { Ajv } from "ajv";
import { issuesOf } from "../testing/fixtures.js";
import { describe, expect, it } from "vitest";
import jupyterSchema from "../../../test/fixtures/onyxia-catalog/charts/jupyter-python/values.schema.json?raw";
import jupyterValues from "../../../test/fixtures/onyxia-catalog/charts/jupyter-python/values.yaml?raw";
import pytorchSchema from "../../../test/fixtures/onyxia-catalog/charts/jupyter-pytorch-gpu/values.schema.json?raw";
import pytorchValues from "../../../test/fixtures/onyxia-catalog/charts/jupyter-pytorch-gpu/values.yaml?raw";
import rstudioSchema from "../../../test/fixtures/onyxia-catalog/charts/rstudio/values.schema.json?raw";
import rstudioValues from "../../../test/fixtures/onyxia-catalog/charts/rstudio/values.yaml?raw";
import vscodeSchema from "../../../test/fixtures/onyxia-catalog/charts/vscode-python/values.schema.json?raw";
import vscodeValues from "../../../test/fixtures/onyxia-catalog/charts/vscode-python/values.yaml?raw";
import { checkHelmValues, computeHelmForm, hiddenPointers, resolveOnyxiaReference, type HelmValuesContext, type JsonValue } from "./values.js";

const charts = [
  ["jupyter-python", jupyterSchema, jupyterValues],
  ["jupyter-pytorch-gpu", pytorchSchema, pytorchValues],
  ["rstudio", rstudioSchema, rstudioValues],
  ["vscode-python", vscodeSchema, vscodeValues],
] as const;

/** What Plateau would know when Jean launches a service in his own project. */
const context: HelmValuesContext = {
  user: { idep: "jdupont", name: "Jean Dupont", email: "jean.dupont@univ-rennes.fr", lang: "fr", darkMode: false, ip: "192.0.2.10" },
  project: { id: "user-jdupont", basename: "jdupont" },
  k8s: {
    domain: "lab.example.org",
    randomSubdomain: "482913",
    ingressClassName: "nginx",
    ingress: true,
    route: false,
    useCertManager: false,
    certManagerClusterIssuer: "",
    initScriptUrl: "https://lab.example.org/onyxia-init.sh",
  },
  region: {
    resources: { cpuRequest: "100m", cpuLimit: "4000m", memoryRequest: "2Gi", memoryLimit: "16Gi", disk: "20Gi", gpu: "1" },
    defaultNetworkPolicy: true,
    nodeSelector: { "lab.example.org/pool": "interactive" },
    tolerations: [{ key: "interactive", operator: "Exists", effect: "NoSchedule" }],
    from: [],
    startupProbe: { failureThreshold: 30 },
  },
  s3: {
    AWS_ACCESS_KEY_ID: "AKIAEXAMPLE",
    AWS_SECRET_ACCESS_KEY: "secret",
    AWS_SESSION_TOKEN: "token",
    AWS_DEFAULT_REGION: "us-east-1",
    AWS_S3_ENDPOINT: "s3.lab.example.org",
    pathStyleAccess: true,
    workingDirectoryPath: "jdupont/",
  },
  git: { name: "Jean Dupont", email: "jean.dupont@univ-rennes.fr", credentials_cache_duration: 3600, token: "" },
  service: { oneTimePassword: "k2f9q1x7" },
  ai: {
    enabled: true,
    activeProvider: {
      id: "p1",
      name: "Lab LLM",
      provider: "openai",
      apiBase: "https://llm.lab.example.org/v1",
      apiKey: "k",
      selectedModel: "m2",
      models: ["m1", "m2"],
    },
    providers: [
      { id: "p1", name: "Lab LLM", provider: "openai", apiBase: "https://llm.lab.example.org/v1", apiKey: "k", selectedModel: "m2", models: ["m1", "m2"] },
      { id: "p2", name: "Other", provider: "ollama", apiBase: "http://ollama:11434", apiKey: "", selectedModel: "x", models: ["x"] },
    ],
  },
};

/** A form from an inline schema with Onyxia's keywords. */
const formOf = (properties: Record<string, unknown>, extra: Partial<Parameters<typeof computeHelmForm>[0]> = {}) =>
  computeHelmForm({ valuesSchema: { type: "object", properties }, context, ...extra });

describe("computeHelmForm on Onyxia's charts", () => {
  it.each(charts)("computes defaults of %s that its own schema accepts", (_name, schemaText, valuesYaml) => {
    const { schema, defaults } = computeHelmForm({ valuesSchema: schemaText, valuesYaml, context });
    // The chart's schema as written, by another validator instance (Onyxia's keywords ignored).
    const validate = new Ajv({ strict: false, allErrors: true }).compile(JSON.parse(schemaText) as object);
    expect(validate(defaults), JSON.stringify(validate.errors)).toBe(true);
    // And the form's: the defaults are the values installed when the person changes nothing.
    expect(checkHelmValues(schema, defaults)).toEqual(defaults);
    expect(checkHelmValues(schema, {})).toEqual(defaults);
    expect(schema.default).toEqual(defaults);
  });

  it("fills the defaults from the context, as Onyxia would", () => {
    const { defaults } = computeHelmForm({ valuesSchema: jupyterSchema, valuesYaml: jupyterValues, context });
    expect(defaults).toMatchObject({
      resources: { requests: { cpu: "100m", memory: "2Gi" }, limits: { cpu: "4000m", memory: "16Gi" } },
      persistence: { enabled: true, size: "20Gi" },
      init: { regionInit: "https://lab.example.org/onyxia-init.sh" },
      s3: { accessKeyId: "AKIAEXAMPLE", endpoint: "s3.lab.example.org", pathStyleAccess: true, workingDirectoryPath: "jdupont/" },
      git: { name: "Jean Dupont", cache: "3600" }, // a number, approximated to the string the field wants
      security: { password: "k2f9q1x7", networkPolicy: { enabled: true, from: [] } },
      nodeSelector: { "lab.example.org/pool": "interactive" },
      tolerations: [{ key: "interactive", operator: "Exists", effect: "NoSchedule" }],
      ingress: {
        enabled: true,
        hostname: "user-jdupont-482913-0.lab.example.org",
        userHostname: "user-jdupont-482913-user.lab.example.org",
        ingressClassName: "nginx",
      },
      userPreferences: { language: "fr", darkMode: false },
      ai: { enabled: true, activeProvider: { id: "p1", selectedModel: "m2", models: ["m1", "m2"] } },
    });
    // Missing from the context: the schema's default, else values.yaml (vault.token has no default).
    expect(defaults).toMatchObject({ vault: { token: "", url: "" }, repository: { pipRepository: "" }, userPreferences: { aiAssistant: { enabled: false } } });
    // An object with properties is made of its properties' defaults: region.startupProbe is not used (as in Onyxia).
    expect(defaults.startupProbe).toEqual({ failureThreshold: 60, initialDelaySeconds: 10, periodSeconds: 10, successThreshold: 1, timeoutSeconds: 2 });
  });

  it("maps an array of objects from the context item by item", () => {
    const { defaults } = computeHelmForm({ valuesSchema: jupyterSchema, valuesYaml: jupyterValues, context });
    expect((defaults.ai as { providers: unknown }).providers).toEqual((context.ai as { providers: unknown }).providers);
  });

  it("keeps the schema's default when the context's value does not fit the field", () => {
    const region = { ...context.region, resources: { ...context.region.resources, disk: "500Gi", cpuLimit: "4" } };
    const { defaults } = computeHelmForm({ valuesSchema: jupyterSchema, valuesYaml: jupyterValues, context: { ...context, region } });
    expect(defaults).toMatchObject({ persistence: { size: "10Gi" }, resources: { limits: { cpu: "30000m" } } }); // above the slider's 100Gi; no unit
  });

  it("takes a slider's bounds from the region when the field names a region slider", () => {
    const region = { ...context.region, sliders: { gpu: { sliderMin: 0, sliderMax: 8, sliderStep: 1, sliderUnit: "" } } };
    const { schema, defaults } = computeHelmForm({ valuesSchema: pytorchSchema, valuesYaml: pytorchValues, context: { ...context, region } });
    const gpu = ((schema.properties as Record<string, { properties: Record<string, { properties: Record<string, Record<string, unknown>> }> }>).resources
      ?.properties.limits?.properties ?? {})["nvidia.com/gpu"];
    expect(gpu?.["x-plateau"]).toEqual({ render: "slider", slider: { min: 0, max: 8, step: 1, unit: "" } });
    expect((defaults.resources as { limits: Record<string, unknown> }).limits["nvidia.com/gpu"]).toBe("1");
    expect(issuesOf(() => checkHelmValues(schema, { resources: { limits: { "nvidia.com/gpu": "9" } } }))).toEqual([
      expect.objectContaining({ pointer: "/values/resources/limits/nvidia.com~1gpu", rule: "slider" }),
    ]);
  });

  it("gives clients Onyxia's hints under x-plateau, without Onyxia's keywords", () => {
    const { schema } = computeHelmForm({ valuesSchema: jupyterSchema, valuesYaml: jupyterValues, context });
    const properties = schema.properties as Record<string, Record<string, unknown>>;
    const cpu = ((properties.resources?.properties as Record<string, Record<string, unknown>>).requests?.properties as Record<string, Record<string, unknown>>)
      .cpu;
    expect(cpu).toEqual({
      description: "Guaranteed CPU allocation",
      title: "CPU",
      type: "string",
      default: "100m",
      "x-plateau": {
        render: "slider",
        slider: { min: 50, max: 40000, step: 50, unit: "m", extremity: "down", extremitySemantic: "guaranteed", rangeId: "cpu" },
      },
    });
    const role = (properties.kubernetes?.properties as Record<string, Record<string, unknown>>).role;
    expect(role).toMatchObject({
      enum: ["view", "edit", "admin"],
      default: "view",
      "x-plateau": { render: "list", hidden: { pointer: "/kubernetes/enabled", equals: false } },
    });
    const password = (properties.security?.properties as Record<string, Record<string, unknown>>).password;
    expect(password?.["x-plateau"]).toEqual({ render: "password" });
    const withoutHints = JSON.stringify(schema, (key, value: unknown) => (key === "x-plateau" ? undefined : value));
    expect(withoutHints).not.toMatch(/x-onyxia|listEnum|sliderMin|sliderUnit|"hidden"|"render"|"form"/);
    expect(schema.$schema).toBeUndefined();
    expect(properties.service?.additionalProperties).toBe(false);
    expect(properties.nodeSelector?.additionalProperties).toEqual({ type: "string" });
  });

  it("names a bad value by its pointer", () => {
    const { schema } = computeHelmForm({ valuesSchema: jupyterSchema, valuesYaml: jupyterValues, context });
    expect(issuesOf(() => checkHelmValues(schema, { kubernetes: { role: "cluster-admin" } }))).toEqual([
      expect.objectContaining({ pointer: "/values/kubernetes/role", rule: "enum", message: 'must be one of "view", "edit", "admin"' }),
    ]);
    expect(issuesOf(() => checkHelmValues(schema, { service: { image: { pullPolicy: "Sometimes" } }, serviceAccount: { create: true } }))).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ pointer: "/values/service/image/pullPolicy", rule: "enum" }),
        expect.objectContaining({ pointer: "/values/serviceAccount", rule: "additionalProperties" }),
      ]),
    );
    expect(issuesOf(() => checkHelmValues(schema, { resources: { requests: { cpu: "8000m" }, limits: { cpu: "2000m" } } }))).toEqual([
      expect.objectContaining({ pointer: "/values/resources/requests/cpu", rule: "slider-range" }),
    ]);
    expect(issuesOf(() => checkHelmValues(schema, { resources: { limits: { memory: "2Ti" } } }))).toEqual([
      expect.objectContaining({ pointer: "/values/resources/limits/memory", rule: "slider", message: 'must be a number followed by "Gi"' }),
    ]);
    expect(issuesOf(() => checkHelmValues(schema, { extraEnvVars: [{ name: "BAD NAME" }] }))).toEqual([
      expect.objectContaining({ pointer: "/values/extraEnvVars/0/name", rule: "pattern" }),
    ]);
    expect(issuesOf(() => checkHelmValues(schema, { init: { personalInit: "a\u0000b" } }))).toEqual([
      expect.objectContaining({ pointer: "/values/init/personalInit", rule: "no-control-characters" }),
    ]);
    expect(issuesOf(() => checkHelmValues(schema, []))).toEqual([expect.objectContaining({ pointer: "/values", rule: "type" })]);
  });

  it("merges the person's values over the defaults", () => {
    const { schema, defaults } = computeHelmForm({ valuesSchema: jupyterSchema, valuesYaml: jupyterValues, context });
    const values = checkHelmValues(schema, { resources: { limits: { cpu: "8000m" } }, extraEnvVars: [{ name: "FOO" }] });
    expect(values.resources).toEqual({ requests: { cpu: "100m", memory: "2Gi" }, limits: { cpu: "8000m", memory: "16Gi" } });
    expect(values.extraEnvVars).toEqual([{ name: "FOO", value: "" }]);
    expect(values.s3).toEqual(defaults.s3);
  });

  it("says which fields are hidden for the values", () => {
    const { schema, defaults } = computeHelmForm({ valuesSchema: jupyterSchema, valuesYaml: jupyterValues, context });
    const hidden = hiddenPointers(schema, defaults);
    expect(hidden).toContain("/service/image/custom/version"); // custom.enabled is false (relative path)
    expect(hidden).not.toContain("/service/image/version");
    expect(hidden).toContain("/ingress/hostname"); // x-onyxia.hidden
    expect(hidden).not.toContain("/kubernetes/role");
    const custom = checkHelmValues(schema, { service: { image: { custom: { enabled: true } } }, kubernetes: { enabled: false } });
    const after = hiddenPointers(schema, custom);
    expect(after).toContain("/service/image/version"); // absolute path
    expect(after).not.toContain("/service/image/custom/version");
    expect(after).toContain("/kubernetes/role");
  });
});

describe("overwriteDefaultWith", () => {
  it("reads a path, a template, or keeps the schema's default when a path is missing", () => {
    const { defaults } = formOf({
      login: { type: "string", default: "nobody", "x-onyxia": { overwriteDefaultWith: "user.idep" } },
      braced: { type: "string", default: "nobody", "x-onyxia": { overwriteDefaultWith: "{{user.idep}}" } },
      host: { type: "string", default: "x", "x-onyxia": { overwriteDefaultWith: "{{project.id}}-{{k8s.randomSubdomain}}.{{k8s.domain}}" } },
      missing: { type: "string", default: "kept", "x-onyxia": { overwriteDefaultWith: "user.nothing" } },
      missingInTemplate: { type: "string", default: "kept", "x-onyxia": { overwriteDefaultWith: "{{project.id}}.{{k8s.nothing}}" } },
      list: { type: "array", items: { type: "string" }, default: [], "x-onyxia": { overwriteDefaultWith: ["fixed", "{{user.email}}"] } },
      object: { type: "object", default: {}, "x-onyxia": { overwriteDefaultWith: { owner: "{{user.idep}}", plain: "user.idep" } } },
      count: { type: "integer", default: 0, "x-onyxia": { overwriteDefaultWith: "region.resources.gpu" } },
      flag: { type: "boolean", default: false, "x-onyxia": { overwriteDefaultWith: "{{s3.pathStyleAccess}}" } },
    });
    expect(defaults).toEqual({
      login: "jdupont",
      braced: "jdupont",
      host: "user-jdupont-482913.lab.example.org",
      missing: "kept",
      missingInTemplate: "kept",
      list: ["fixed", "jean.dupont@univ-rennes.fr"],
      object: { owner: "jdupont", plain: "user.idep" },
      count: 1,
      flag: true,
    });
  });

  it("resolves paths as Onyxia writes them, and only the context's own members", () => {
    const data = { a: { "b.c": { d: 42 }, list: ["x", { y: "yes" }] } };
    expect(resolveOnyxiaReference('a["b.c"].d', data)).toBe(42);
    expect(resolveOnyxiaReference("a['b.c'].d", data)).toBe(42);
    expect(resolveOnyxiaReference("a.list[1].y", data)).toBe("yes");
    expect(resolveOnyxiaReference("{{a.list[0]}}-{{a.list[1].y}}", data)).toBe("x-yes");
    expect(resolveOnyxiaReference("{{a.list}}-suffix", data)).toBeUndefined(); // a list cannot go in a string
    expect(resolveOnyxiaReference("a.constructor", data)).toBeUndefined();
    expect(resolveOnyxiaReference("a.__proto__", data)).toBeUndefined();
    expect(resolveOnyxiaReference("a.list[9]", data)).toBeUndefined();
    expect(resolveOnyxiaReference(["{{a.missing}}"], data)).toBeUndefined();
    expect(resolveOnyxiaReference(7, data)).toBe(7);
  });

  it("takes a select's options from the context, and a default among them", () => {
    const groups = { ...context, user: { ...context.user, groups: ["lab-imb", "gpu"] } };
    const { schema, defaults } = formOf(
      {
        group: { type: "string", default: "", listEnum: [""], "x-onyxia": { overwriteDefaultWith: "user.groups[0]", overwriteListEnumWith: "user.groups" } },
        notListed: { type: "string", default: "b", listEnum: ["a", "c"] },
      },
      { context: groups },
    );
    expect(defaults).toEqual({ group: "lab-imb" }); // notListed: its default is not an option, and nothing else gives one
    const properties = schema.properties as Record<string, Record<string, unknown>>;
    expect(properties.group?.enum).toEqual(["lab-imb", "gpu"]);
    expect(issuesOf(() => checkHelmValues(schema, { group: "lab-other" }))).toEqual([expect.objectContaining({ pointer: "/values/group", rule: "enum" })]);
  });
});

describe("the other extensions", () => {
  it("replaces a part of the schema with the operator's schema of that name", () => {
    const role = { type: "object", properties: { enabled: { type: "boolean", const: true }, role: { type: "string", const: "view" } } };
    const { schema, defaults } = computeHelmForm({ valuesSchema: jupyterSchema, valuesYaml: jupyterValues, context, schemas: { "ide/role.json": role } });
    expect(defaults.kubernetes).toEqual({ enabled: true, role: "view" });
    expect(issuesOf(() => checkHelmValues(schema, { kubernetes: { role: "admin" } }))).toEqual([
      expect.objectContaining({ pointer: "/values/kubernetes/role", rule: "const" }),
    ]);
    // A name the operator did not give keeps the chart's own part.
    expect(computeHelmForm({ valuesSchema: jupyterSchema, valuesYaml: jupyterValues, context, schemas: {} }).defaults.kubernetes).toEqual({
      enabled: true,
      role: "view",
    });
    expect(
      issuesOf(() =>
        formOf(
          { a: { type: "object", "x-onyxia": { overwriteSchemaWith: "loop.json" } } },
          { schemas: { "loop.json": { type: "object", properties: { b: { "x-onyxia": { overwriteSchemaWith: "loop.json" } } } } } },
        ),
      ),
    ).toEqual([expect.objectContaining({ pointer: "/properties/a/properties/b", rule: "overwriteSchemaWith" })]);
  });

  it("keeps readonly fields at their default", () => {
    const { schema, defaults } = formOf({ owner: { type: "string", "x-onyxia": { overwriteDefaultWith: "user.idep", readonly: true } } });
    expect(defaults).toEqual({ owner: "jdupont" });
    expect(checkHelmValues(schema, { owner: "jdupont" })).toEqual({ owner: "jdupont" });
    expect(issuesOf(() => checkHelmValues(schema, { owner: "someone-else" }))).toEqual([
      expect.objectContaining({ pointer: "/values/owner", rule: "readonly" }),
    ]);
    // In arrays: the items the form set keep their values, the items the person adds their schema's default.
    const { schema: list } = formOf({
      mounts: {
        type: "array",
        default: [{ owner: "lab" }],
        items: { type: "object", properties: { owner: { type: "string", default: "me", "x-onyxia": { readonly: true } } } },
      },
    });
    expect(checkHelmValues(list, { mounts: [{ owner: "lab" }, { owner: "me" }, {}] })).toEqual({
      mounts: [{ owner: "lab" }, { owner: "me" }, { owner: "me" }],
    });
    expect(issuesOf(() => checkHelmValues(list, { mounts: [{ owner: "me" }, { owner: "lab" }] }))).toEqual([
      expect.objectContaining({ pointer: "/values/mounts/0/owner", rule: "readonly" }),
      expect.objectContaining({ pointer: "/values/mounts/1/owner", rule: "readonly" }),
    ]);
  });

  it("locks fields always hidden when asked", () => {
    const { schema } = computeHelmForm({ valuesSchema: jupyterSchema, valuesYaml: jupyterValues, context });
    const values = { ingress: { hostname: "someone-else.lab.example.org" }, tolerations: [] };
    expect(checkHelmValues(schema, values).ingress).toMatchObject({ hostname: "someone-else.lab.example.org" }); // Onyxia's semantics
    expect(issuesOf(() => checkHelmValues(schema, values, { lockHidden: true }))).toEqual([
      expect.objectContaining({ pointer: "/values/ingress/hostname", rule: "hidden" }),
      expect.objectContaining({ pointer: "/values/tolerations", rule: "hidden" }),
    ]);
    expect(checkHelmValues(schema, { kubernetes: { role: "edit" } }, { lockHidden: true }).kubernetes).toEqual({ enabled: true, role: "edit" });
  });

  it("hides fields under conditions, also within array items", () => {
    const { schema } = formOf({
      always: { type: "string", default: "", hidden: true },
      mounts: {
        type: "array",
        default: [],
        items: {
          type: "object",
          properties: {
            enabled: { type: "boolean", default: false },
            path: { type: "string", default: "/data", hidden: { value: false, path: "enabled", isPathRelative: true } },
          },
        },
      },
    });
    const path = ((schema.properties as Record<string, { items: { properties: Record<string, Record<string, unknown>> } }>).mounts?.items.properties ?? {})
      .path;
    expect(path?.["x-plateau"]).toEqual({ hidden: { pointer: "/enabled", equals: false, relative: true } });
    expect(
      hiddenPointers(schema, {
        always: "",
        mounts: [
          { enabled: true, path: "/a" },
          { enabled: false, path: "/b" },
        ],
      }),
    ).toEqual(["/always", "/mounts/1/path"]);
  });

  it("follows references within the schema and refuses others", () => {
    const { defaults } = computeHelmForm({
      valuesSchema: { type: "object", definitions: { size: { type: "string", default: "small" } }, properties: { size: { $ref: "#/definitions/size" } } },
      context,
    });
    expect(defaults).toEqual({ size: "small" });
    expect(issuesOf(() => formOf({ a: { $ref: "https://example.org/schema.json" } }))).toEqual([
      expect.objectContaining({ pointer: "/properties/a/$ref", rule: "$ref" }),
    ]);
    expect(
      issuesOf(() =>
        computeHelmForm({
          valuesSchema: {
            type: "object",
            definitions: { a: { type: "object", properties: { a: { $ref: "#/definitions/a" } } } },
            properties: { a: { $ref: "#/definitions/a" } },
          },
          context,
        }),
      ),
    ).toEqual([expect.objectContaining({ rule: "$ref" })]);
  });

  it("fills an array of minItems items with its item's default", () => {
    const { defaults } = formOf({ ports: { type: "array", minItems: 2, items: { type: "integer", default: 8080 } } });
    expect(defaults).toEqual({ ports: [8080, 8080] });
  });

  it("refuses what is not a JSON Schema", () => {
    expect(issuesOf(() => computeHelmForm({ valuesSchema: "{", context }))).toEqual([expect.objectContaining({ rule: "json" })]);
    expect(issuesOf(() => computeHelmForm({ valuesSchema: "[]", context }))).toEqual([expect.objectContaining({ rule: "type" })]);
    expect(issuesOf(() => formOf({ a: { type: "string", pattern: "(" } }))).toEqual([expect.objectContaining({ rule: "schema" })]);
  });

  it("never takes an object's prototype from a chart or a person", () => {
    expect(issuesOf(() => computeHelmForm({ valuesSchema: '{"type":"object","properties":{"__proto__":{"type":"string","default":"x"}}}', context }))).toEqual([
      expect.objectContaining({ pointer: "/properties/__proto__", rule: "property-name" }),
    ]);
    const { schema } = formOf({ a: { type: "object", additionalProperties: { type: "string" } } });
    expect(issuesOf(() => checkHelmValues(schema, JSON.parse('{"__proto__": {"polluted": "yes"}}') as Record<string, JsonValue>))).toEqual([
      expect.objectContaining({ pointer: "/values/__proto__", rule: "additionalProperties" }),
    ]);
    const values = checkHelmValues(schema, JSON.parse('{"a": {"__proto__": "y"}}') as Record<string, JsonValue>);
    expect(Object.getPrototypeOf(values.a)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
