import { describe, expect, it } from "vitest";
import {
  buildForm,
  currentValues,
  defaultsOf,
  edit,
  fieldId,
  fieldsByPointer,
  firstInvalid,
  hasVisibleContent,
  hiddenPointers,
  parseJsonInput,
  parseLines,
  parseNumberInput,
  placeIssues,
  sliderAmount,
  sliderValue,
  submittedValues,
  validate,
  valueAt,
  withValue,
  type Edits,
  type Field,
} from "./schema-form.js";

// A built-in template's schema, as catalog/jupyter-notebook/values.schema.json writes them.
const notebook = {
  $schema: "http://json-schema.org/draft-07/schema#",
  type: "object",
  additionalProperties: false,
  title: "Jupyter notebook",
  "x-i18n": { fr: { title: "Notebook Jupyter" } },
  properties: {
    image: {
      type: "string",
      title: "Image",
      description: "Jupyter Docker Stacks image.",
      "x-i18n": { fr: { title: "Image", description: "Image des Jupyter Docker Stacks." } },
      default: "quay.io/jupyter/minimal-notebook:2024-12-09",
      pattern: "^[a-zA-Z0-9][a-zA-Z0-9._/:@-]*$",
      maxLength: 255,
    },
    size: {
      type: "string",
      title: "Size",
      "x-i18n": {
        en: { enumTitles: { small: "Small (0.5 CPU, 1 GiB)", large: "Large (2 CPU, 8 GiB)" } },
        fr: { title: "Taille", enumTitles: { small: "Petite (0,5 CPU, 1 Gio)", large: "Grande (2 CPU, 8 Gio)" } },
      },
      enum: ["small", "large"],
      default: "small",
    },
    storage: { type: "integer", title: "Storage (GiB)", "x-i18n": { fr: { title: "Stockage (Gio)" } }, default: 5, minimum: 1, maximum: 200 },
    command: { type: "array", title: "Command", default: ["npm", "start"], minItems: 1, maxItems: 3, items: { type: "string", maxLength: 10 } },
    git: {
      type: "object",
      additionalProperties: false,
      title: "Git repository",
      "x-i18n": { fr: { title: "Dépôt git" } },
      default: {},
      properties: {
        repository: { type: "string", title: "Repository URL", default: "", pattern: "^(https://[^\\s]+)?$", maxLength: 500 },
        ref: { type: "string", title: "Branch or tag", default: "main", minLength: 1, maxLength: 200 },
      },
    },
  },
};

// A chart's form as the server sends it (src/core/helm/values.ts): Onyxia's hints under x-plateau.
const chart = {
  type: "object",
  additionalProperties: false,
  properties: {
    service: {
      title: "Service",
      type: "object",
      properties: {
        version: {
          title: "Image",
          type: "string",
          enum: ["a:1", "a:2"],
          default: "a:1",
          "x-plateau": { render: "list", hidden: { pointer: "/service/custom/enabled", equals: true } },
        },
        custom: {
          title: "Custom image",
          type: "object",
          properties: {
            enabled: { title: "Use a custom image", type: "boolean", default: false },
            version: { title: "Custom image", type: "string", default: "a:1", "x-plateau": { hidden: { pointer: "/enabled", equals: false, relative: true } } },
          },
        },
      },
    },
    resources: {
      title: "Resources",
      type: "object",
      properties: {
        requests: {
          description: "Guaranteed resources",
          type: "object",
          properties: {
            cpu: {
              title: "CPU",
              type: "string",
              default: "100m",
              "x-plateau": { render: "slider", slider: { min: 50, max: 40000, step: 50, unit: "m", extremity: "down", rangeId: "cpu" } },
            },
          },
        },
        limits: {
          type: "object",
          properties: {
            cpu: {
              title: "CPU",
              type: "string",
              default: "30000m",
              "x-plateau": { render: "slider", slider: { min: 50, max: 40000, step: 50, unit: "m", extremity: "up", rangeId: "cpu" } },
            },
            "nvidia.com/gpu": { type: "string", default: "1", "x-plateau": { render: "slider", slider: { min: 1, max: 3, step: 1, unit: "" } } },
          },
        },
      },
    },
    persistence: {
      type: "object",
      properties: {
        enabled: { title: "Create a persistent volume", type: "boolean", default: true },
        size: {
          title: "Size",
          type: "string",
          default: "10Gi",
          "x-plateau": { hidden: { pointer: "/persistence/enabled", equals: false }, render: "slider", slider: { min: 1, max: 100, step: 1, unit: "Gi" } },
        },
      },
    },
    init: { type: "object", properties: { script: { title: "Script", type: "string", default: "", "x-plateau": { render: "textArea" } } } },
    security: { type: "object", properties: { password: { title: "Password", type: "string", default: "changeme", "x-plateau": { render: "password" } } } },
    ingress: { type: "object", properties: { hostname: { title: "Host", type: "string", default: "x.example.invalid", "x-plateau": { hidden: true } } } },
    region: { title: "Region", type: "string", default: "eu", "x-plateau": { readonly: true } },
    port: { title: "Port", type: "integer", default: 5000 },
    nodeSelector: { type: "object", description: "NodeSelector", default: {} },
    env: { title: "Variables", type: "array", default: [], items: { type: "object", properties: { name: { type: "string" } } } },
    email: { title: "E-mail", type: "string", default: "" },
  },
  required: ["email"],
  default: { root: "kept" },
};

const field = (form: Field, pointer: string): Field => {
  const found = fieldsByPointer(form).get(pointer);
  if (!found) throw new Error(`no field ${pointer}`);
  return found;
};

describe("a form from a built-in template's schema", () => {
  const en = buildForm(notebook, "en");
  const fr = buildForm(notebook, "fr");

  it("has a field per property, nested objects as groups, each drawn by its type", () => {
    expect(en.fields.map((f) => [f.name, f.kind])).toEqual([
      ["image", "text"],
      ["size", "select"],
      ["storage", "number"],
      ["command", "list"],
      ["git", "object"],
    ]);
    expect(field(en, "/git").fields.map((f) => f.pointer)).toEqual(["/git/repository", "/git/ref"]);
  });

  it("says titles, descriptions and choices in the person's language, in English when untranslated", () => {
    expect(field(fr, "/size").title).toBe("Taille");
    expect(field(fr, "/size").options).toEqual([
      { value: "small", label: "Petite (0,5 CPU, 1 Gio)" },
      { value: "large", label: "Grande (2 CPU, 8 Gio)" },
    ]);
    expect(field(en, "/size").options[0]?.label).toBe("Small (0.5 CPU, 1 GiB)");
    expect(field(fr, "/image").description).toBe("Image des Jupyter Docker Stacks.");
    expect(field(fr, "/git/ref").title).toBe("Branch or tag");
    expect(field(fr, "/git").title).toBe("Dépôt git");
  });

  it("starts from the defaults, nested objects made of their properties' defaults", () => {
    expect(defaultsOf(en)).toEqual({
      image: "quay.io/jupyter/minimal-notebook:2024-12-09",
      size: "small",
      storage: 5,
      command: ["npm", "start"],
      git: { repository: "", ref: "main" },
    });
  });

  it("checks each rule next to its field before anything is sent", () => {
    const values = (edits: Edits) => currentValues(defaultsOf(en), edits);
    expect(validate(en, values({}))).toEqual({});
    expect(
      validate(
        en,
        values({
          "/image": "not an image!",
          "/size": "huge",
          "/storage": 0,
          "/command": [],
          "/git/repository": "http://insecure",
          "/git/ref": "",
        }),
      ),
    ).toEqual({
      "/image": { rule: "pattern", limit: "^[a-zA-Z0-9][a-zA-Z0-9._/:@-]*$" },
      "/size": { rule: "enum" },
      "/storage": { rule: "minimum", limit: 1 },
      "/command": { rule: "minItems", limit: 1 },
      "/git/repository": { rule: "pattern", limit: "^(https://[^\\s]+)?$" },
      "/git/ref": { rule: "minLength", limit: 1 },
    });
    expect(validate(en, values({ "/storage": 201, "/image": "a".repeat(256), "/command": ["a", "b", "c", "d"] }))).toEqual({
      "/storage": { rule: "maximum", limit: 200 },
      "/image": { rule: "maxLength", limit: 255 },
      "/command": { rule: "maxItems", limit: 3 },
    });
    expect(validate(en, values({ "/storage": 2.5, "/command": ["ok", "far too long"] }))).toEqual({
      "/storage": { rule: "integer" },
      "/command": { rule: "maxLength", limit: 10, at: "/1" },
    });
    // What a number field holds when its text is not a number: the check says so.
    expect(validate(en, values({ "/storage": parseNumberInput("") }))).toEqual({ "/storage": { rule: "type", limit: "integer" } });
    expect(validate(en, values({ "/storage": parseNumberInput("12abc") }))).toEqual({ "/storage": { rule: "type", limit: "integer" } });
  });

  it("sends only what the person changed: the server applies the defaults", () => {
    const edits = edit(edit({}, "/git/repository", "https://example.org/site.git"), "/size", "large");
    const values = currentValues(defaultsOf(en), edits);
    expect(values).toMatchObject({ size: "large", git: { repository: "https://example.org/site.git", ref: "main" } });
    expect(submittedValues(en, edits, values)).toEqual({ size: "large", git: { repository: "https://example.org/site.git" } });
    // Cleared optional values are left to the server's defaults.
    expect(submittedValues(en, edit({}, "/image", undefined), values)).toEqual({});
  });

  it("places the server's objections on their fields, and keeps apart those no field shows", () => {
    const values = defaultsOf(en);
    const { byField, unplaced } = placeIssues(en, values, [
      { pointer: "/values/size", rule: "enum", message: "must be one of small, large" },
      { pointer: "/values/command/1", rule: "maxLength", message: "must NOT have more than 10 characters" },
      { pointer: "/values/git/ref", rule: "pattern", message: "must match pattern" },
      { pointer: "/values/unknown", rule: "additionalProperties", message: "is not a known value of this template" },
      { pointer: "/name", rule: "dns-label", message: "must be a DNS-1123 label" },
    ]);
    expect(byField).toEqual({
      "/size": ["must be one of small, large"],
      "/command": ["must NOT have more than 10 characters"],
      "/git/ref": ["must match pattern"],
    });
    expect(unplaced.map((issue) => issue.pointer)).toEqual(["/values/unknown", "/name"]);
  });

  it("finds the first field to correct in the order of the form", () => {
    expect(firstInvalid(en, new Set(["/git/ref", "/storage"]))).toBe("/storage");
    expect(firstInvalid(en, new Set())).toBeUndefined();
  });
});

describe("a form from a Helm chart's schema with Onyxia's hints", () => {
  const form = buildForm(chart, "en");
  const defaults = defaultsOf(form);

  it("draws each hint: slider, list, textArea, password, read-only, and JSON for what no control fits", () => {
    expect(field(form, "/service/version").kind).toBe("select");
    expect(field(form, "/resources/requests/cpu").kind).toBe("slider");
    expect(field(form, "/resources/requests/cpu").slider).toEqual({ min: 50, max: 40000, step: 50, unit: "m", extremity: "down", rangeId: "cpu" });
    expect(field(form, "/resources/limits/nvidia.com~1gpu").kind).toBe("slider");
    expect(field(form, "/init/script").kind).toBe("textArea");
    expect(field(form, "/security/password").kind).toBe("password");
    expect(field(form, "/region").readonly).toBe(true);
    expect(field(form, "/port").kind).toBe("number");
    expect(field(form, "/persistence/enabled").kind).toBe("boolean");
    expect(field(form, "/nodeSelector").kind).toBe("json");
    expect(field(form, "/env").kind).toBe("json");
    // An untitled group is titled by its description; an untitled field by its name.
    expect(field(form, "/resources/requests").title).toBe("Guaranteed resources");
    expect(field(form, "/resources/requests").description).toBe("");
    expect(field(form, "/resources/limits").title).toBe("Limits");
    expect(field(form, "/resources/limits/nvidia.com~1gpu").title).toBe("nvidia.com/gpu");
  });

  it("hides fields always, or while another value says so (absolute or relative to the field's parent)", () => {
    expect(hiddenPointers(form, defaults)).toEqual(["/service/custom/version", "/ingress/hostname"]);
    const custom = currentValues(defaults, { "/service/custom/enabled": true, "/persistence/enabled": false });
    expect(hiddenPointers(form, custom)).toEqual(["/service/version", "/persistence/size", "/ingress/hostname"]);
    expect(hasVisibleContent(field(form, "/ingress"), defaults)).toBe(false);
    expect(hasVisibleContent(field(form, "/persistence"), custom)).toBe(true);
  });

  it("keeps the root's own default members and the resolved defaults", () => {
    expect(defaults).toMatchObject({
      root: "kept",
      resources: { requests: { cpu: "100m" }, limits: { cpu: "30000m", "nvidia.com/gpu": "1" } },
      nodeSelector: {},
    });
  });

  it("checks sliders' bounds and units, and a range's lower end against its upper end", () => {
    const base = { "/email": "a@b.c" };
    expect(validate(form, currentValues(defaults, base))).toEqual({});
    expect(validate(form, currentValues(defaults, { ...base, "/resources/requests/cpu": "10m", "/resources/limits/nvidia.com~1gpu": "4" }))).toEqual({
      "/resources/requests/cpu": { rule: "minimum", limit: "50m" },
      "/resources/limits/nvidia.com~1gpu": { rule: "maximum", limit: "3" },
    });
    expect(validate(form, currentValues(defaults, { ...base, "/resources/requests/cpu": "2 cores" }))).toEqual({
      "/resources/requests/cpu": { rule: "slider", limit: "m" },
    });
    expect(validate(form, currentValues(defaults, { ...base, "/resources/requests/cpu": "4000m", "/resources/limits/cpu": "2000m" }))).toEqual({
      "/resources/requests/cpu": { rule: "sliderRange", limit: "2000m" },
    });
  });

  it("asks for required values, and leaves hidden and read-only fields to the server", () => {
    expect(validate(form, defaults)).toEqual({ "/email": { rule: "required" } });
    // Hidden while persistence is off: its value is not the person's to correct.
    const off = currentValues(defaults, { "/email": "a", "/persistence/enabled": false, "/persistence/size": "1000Gi", "/region": "elsewhere" });
    expect(validate(form, off)).toEqual({});
  });

  it("refuses JSON that does not parse where an object or a list is expected", () => {
    const values = currentValues(defaults, { "/email": "a", "/nodeSelector": parseJsonInput("{ not json"), "/env": parseJsonInput('[{"name": 1}]') });
    expect(validate(form, values)).toEqual({ "/nodeSelector": { rule: "json" }, "/env": { rule: "type", limit: "string", at: "/0/name" } });
    const closed = buildForm(
      {
        type: "object",
        properties: {
          env: { type: "array", items: { type: "object", required: ["name"], properties: { name: { type: "string" } }, additionalProperties: false } },
        },
      },
      "en",
    );
    expect(validate(closed, { env: [{ name: "A" }, { value: "b" }] })).toEqual({ "/env": { rule: "required", at: "/1/name" } });
    expect(validate(closed, { env: [{ name: "A", value: "b" }] })).toEqual({ "/env": { rule: "additionalProperties", at: "/0/value" } });
  });

  it("sends the changes of visible, editable fields only: hidden and read-only ones stay the platform's", () => {
    const edits = edit(
      edit(edit(edit({}, "/persistence/size", "20Gi"), "/persistence/enabled", false), "/region", "elsewhere"),
      "/resources/limits/cpu",
      "4000m",
    );
    const values = currentValues(defaults, edits);
    expect(submittedValues(form, edits, values)).toEqual({ persistence: { enabled: false }, resources: { limits: { cpu: "4000m" } } });
  });

  it("puts an objection about a hidden field apart, since nobody could correct it there", () => {
    const { byField, unplaced } = placeIssues(form, defaults, [
      { pointer: "/values/ingress/hostname", rule: "hidden", message: "is hidden from the form and set by the platform" },
      { pointer: "/values/resources/requests/cpu", rule: "slider-range", message: "must not be above /resources/limits/cpu" },
    ]);
    expect(byField).toEqual({ "/resources/requests/cpu": ["must not be above /resources/limits/cpu"] });
    expect(unplaced.map((issue) => issue.rule)).toEqual(["hidden"]);
  });
});

describe("values and controls", () => {
  it("reads and writes values by JSON pointer without touching the original", () => {
    const original = { a: { b: 1 }, "x/y": 2 };
    const changed = withValue(original, "/a/c", 3);
    expect(changed).toEqual({ a: { b: 1, c: 3 }, "x/y": 2 });
    expect(original).toEqual({ a: { b: 1 }, "x/y": 2 });
    expect(valueAt(changed, "/x~1y")).toBe(2);
    expect(withValue(changed, "/a/b", undefined)).toEqual({ a: { c: 3 }, "x/y": 2 });
    // A member named __proto__ stays a member, and prototypes lead nowhere.
    const odd = withValue({}, "/__proto__/polluted", true);
    expect(Object.keys(odd as object)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(valueAt({}, "/constructor")).toBeUndefined();
  });

  it("replaces what was changed inside a value when the whole value changes", () => {
    expect(edit({ "/a/b": 1, "/ab": 2 }, "/a", { c: 3 })).toEqual({ "/ab": 2, "/a": { c: 3 } });
  });

  it("turns slider positions, number text, lines and JSON into values", () => {
    expect(sliderAmount("2000m", "m")).toBe(2000);
    expect(sliderAmount("1.5Gi", "Gi")).toBe(1.5);
    expect(sliderAmount("2", "")).toBe(2);
    expect(sliderAmount("2Gi", "m")).toBeUndefined();
    expect(sliderAmount(3, undefined)).toBe(3);
    const form = buildForm(chart, "en");
    expect(sliderValue(field(form, "/resources/requests/cpu"), 250)).toBe("250m");
    expect(sliderValue(buildForm({ type: "integer", "x-plateau": { render: "slider", slider: { min: 1, max: 9 } } }, "en"), 4)).toBe(4);
    expect(parseNumberInput(" 42 ")).toBe(42);
    expect(parseNumberInput("1e3")).toBe(1000);
    expect(parseNumberInput("")).toBe("");
    expect(parseLines("python\n-m\nhttp.server\n\n", ["string"])).toEqual(["python", "-m", "http.server"]);
    expect(parseLines("a\n\nb", ["string"])).toEqual(["a", "", "b"]);
    expect(parseLines("80\nx", ["integer"])).toEqual([80, "x"]);
    expect(parseJsonInput('{"a": 1}')).toEqual({ a: 1 });
    expect(parseJsonInput("{")).toBe("{");
  });

  it("gives every field an element id of its own", () => {
    const pointers = ["/a/b", "/a-b", "/a_b", "/a.b", "/a~1b", "/nvidia.com~1gpu", "/é"];
    const ids = pointers.map((pointer) => fieldId("v", pointer));
    expect(new Set(ids).size).toBe(pointers.length);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
  });
});
