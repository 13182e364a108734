/// <reference types="vite/client" />
// On four real charts of Onyxia's catalog (shared fixture, read by Vite at transform time:
// core performs no I/O, even in tests), then on small schemas for each rule.
import { issuesOf } from "../testing/fixtures.js";
import { describe, expect, it } from "vitest";
import jupyterSchema from "../../../test/fixtures/onyxia-catalog/charts/jupyter-python/values.schema.json?raw";
import jupyterValues from "../../../test/fixtures/onyxia-catalog/charts/jupyter-python/values.yaml?raw";
import { context, formOf } from "../testing/helm.js";
import { computeHelmForm } from "./form.js";
import type { JsonValue } from "./schema-node.js";
import { checkHelmValues, hiddenPointers, validatorFor } from "./values.js";

describe("computeHelmForm on Onyxia's charts", () => {
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

describe("the other extensions", () => {
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

describe("the validators of forms", () => {
  it("compiles a form once for every launch whose form differs only in the defaults the merge fills, and checks each as its own", () => {
    const form = (host: string, itemDefault: string, choices: string[]) =>
      formOf({
        host: { type: "string", default: host },
        size: { type: "string", enum: choices, default: choices[0] },
        ports: { type: "array", default: [], items: { type: "object", properties: { name: { type: "string", default: itemDefault } } } },
      }).schema;
    const first = form("a-123.example.org", "http", ["s", "m"]);
    const second = form("a-456.example.org", "http", ["s", "m"]);
    expect(validatorFor(second)).toBe(validatorFor(first));
    // The defaults the merge fills are still the form's own: each launch's host.
    expect(checkHelmValues(second, {}).host).toBe("a-456.example.org");
    // An item's defaults are filled by the validator: a form whose item defaults differ has its own.
    const other = form("a-456.example.org", "https", ["s", "m"]);
    expect(validatorFor(other)).not.toBe(validatorFor(first));
    expect(checkHelmValues(other, { ports: [{}] }).ports).toEqual([{ name: "https" }]);
    expect(checkHelmValues(first, { ports: [{}] }).ports).toEqual([{ name: "http" }]);
    // What the schema allows is part of what a validator is kept by.
    const narrower = form("a-456.example.org", "http", ["s"]);
    expect(issuesOf(() => checkHelmValues(narrower, { size: "m" }))).toEqual([expect.objectContaining({ pointer: "/values/size", rule: "enum" })]);
    expect(checkHelmValues(second, { size: "m" }).size).toBe("m");
  });
});
