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
import plmvshiftText from "../../../examples/community/platforms/plmvshift.yaml?raw";
import { parsePlatform, type PlatformDocument } from "../model.js";
import { regionContextOf } from "../platforms/region.js";
import { context, formOf } from "../testing/helm.js";
import { toYaml } from "../yaml.js";
import { computeHelmForm } from "./form.js";
import { checkHelmValues } from "./values.js";

const plmvshift = parsePlatform(plmvshiftText, "platforms/plmvshift.yaml");

const charts = [
  ["jupyter-python", jupyterSchema, jupyterValues],
  ["jupyter-pytorch-gpu", pytorchSchema, pytorchValues],
  ["rstudio", rstudioSchema, rstudioValues],
  ["vscode-python", vscodeSchema, vscodeValues],
] as const;

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
});

describe("values.yaml read once per text", () => {
  it("gives each form its own defaults: changing one form's changes no other's", () => {
    const valuesYaml = "service:\n  image:\n    version: inseefrlab/onyxia-jupyter-python:py3.12\n  tags: [a, b]\n";
    const properties = { service: { type: "object", properties: { image: { type: "object" }, tags: { type: "array" } } } };
    const first = formOf(properties, { valuesYaml });
    ((first.defaults.service as Record<string, Record<string, unknown>>).image as Record<string, unknown>).version = "changed";
    ((first.defaults.service as Record<string, unknown[]>).tags as unknown[]).push("c");
    const second = formOf(properties, { valuesYaml });
    expect(second.defaults).toEqual({ service: { image: { version: "inseefrlab/onyxia-jupyter-python:py3.12" }, tags: ["a", "b"] } });
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

  it("gives the region's init script and its checksum to the charts that read them ({{k8s.initScriptCheckSum}}), empty where the region has none", () => {
    const sum = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    const platform = structuredClone(plmvshift);
    platform.spec.region = { ...platform.spec.region, initScriptCheckSum: sum };
    const onPlatform = (region: PlatformDocument) => {
      const { k8s, region: own } = regionContextOf(parsePlatform(toYaml(region), "platforms/plmvshift.yaml"));
      return computeHelmForm({
        valuesSchema: vscodeSchema,
        valuesYaml: vscodeValues,
        context: { ...context, k8s: { ...k8s, domain: k8s.domain as string, randomSubdomain: "482913" }, region: own },
      }).defaults;
    };
    expect(onPlatform(platform)).toMatchObject({ init: { regionInit: plmvshift.spec.region?.initScript, regionInitCheckSum: sum } });
    expect(onPlatform(plmvshift)).toMatchObject({ init: { regionInit: plmvshift.spec.region?.initScript, regionInitCheckSum: "" } });
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
});
