// Every built-in template, checked as data: the rules of docs/catalog.md, its rendering
// with default and hostile values, and what the engines accept.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Template } from "../../core/catalog/template.js";
import { resolveValues } from "../../core/catalog/values.js";
import { catalogRegistries, checkImageValues } from "../../core/catalog/images.js";
import { InputError } from "../../core/errors.js";
import type { KubeObject } from "../../core/render/kube.js";
import { renderInstance, toManifestStream } from "../../core/render/render.js";
import { validateObjects } from "../../core/render/validate.js";
import { localPlatform, openshiftPlatform } from "../../core/testing/fixtures.js";
import { fromYamlStream } from "../../core/yaml.js";
import { adaptForPodman } from "../podman/adapt.js";
import { loadTemplates } from "./file-catalog.js";

const CATALOG = join(import.meta.dirname, "..", "..", "..", "catalog");
const templates = await loadTemplates(CATALOG);
const REQUIRED = ["static-site", "jupyter-notebook", "rstudio", "shiny", "wordpress", "python-web", "node-web", "php-web"];

type Schema = Record<string, unknown> & { properties?: Record<string, Schema>; type?: string };

function properties(schema: Schema, path = ""): [string, Schema][] {
  return Object.entries(schema.properties ?? {}).flatMap(([name, child]) => [[`${path}/${name}`, child] as [string, Schema], ...properties(child, `${path}/${name}`)]);
}

const render = (template: Template, values: Record<string, unknown>, platform = localPlatform) =>
  renderInstance({ template, values: resolveValues(template, values), project: "demo", instance: "app", state: "running", platform, url: "http://app.demo.localhost:8080/" });

function setAt(values: Record<string, unknown>, pointer: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(values);
  const parts = pointer.split("/").slice(1);
  let current: Record<string, unknown> = copy;
  for (const part of parts.slice(0, -1)) current = (current[part] ??= {}) as Record<string, unknown>;
  current[parts.at(-1) as string] = value;
  return copy;
}

const shape = (objects: KubeObject[]) => objects.map((object) => `${object.kind}/${object.metadata.name}:${JSON.stringify(keys(object))}`);
function keys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(keys);
  if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, typeof v === "object" ? keys(v) : typeof v]));
  return typeof value;
}

describe("built-in catalog", () => {
  it("pulls its images from Docker Hub and Quay only: with localhost, the default allow-list of image registries", () => {
    expect(catalogRegistries(templates)).toEqual(["docker.io", "localhost", "quay.io"]);
    for (const template of templates) expect(() => checkImageValues(template, resolveValues(template, {}), catalogRegistries(templates))).not.toThrow();
  });

  it("has every template the community needs", () => {
    expect(templates.map((t) => t.spec.id)).toEqual(expect.arrayContaining(REQUIRED));
  });

  describe.each(templates.map((template) => [template.spec.id, template] as const))("%s", (_id, template) => {
    const schema = template.valuesSchema as Schema;

    it("describes its values with JSON Schema draft 7, bilingual, bounded, closed", () => {
      expect(schema.$schema).toBe("http://json-schema.org/draft-07/schema#");
      expect(schema.type).toBe("object");
      expect(schema.additionalProperties).toBe(false);
      for (const [pointer, property] of properties(schema)) {
        const where = `${template.spec.id}${pointer}`;
        expect(typeof property.title, `${where} title`).toBe("string");
        expect(typeof property.description, `${where} description`).toBe("string");
        const fr = (property["x-i18n"] as { fr?: { title?: string; description?: string } } | undefined)?.fr;
        expect(typeof fr?.title, `${where} x-i18n.fr.title`).toBe("string");
        expect(typeof fr?.description, `${where} x-i18n.fr.description`).toBe("string");
        expect(property.default, `${where} default`).toBeDefined();
        if (property.type === "object") expect(property.additionalProperties, `${where} additionalProperties`).toBe(false);
        if (property.type === "string" && !property.enum) expect(typeof property.maxLength, `${where} maxLength`).toBe("number");
        if (property.type === "integer" || property.type === "number") {
          expect(typeof property.minimum, `${where} minimum`).toBe("number");
          expect(typeof property.maximum, `${where} maximum`).toBe("number");
        }
      }
    });

    it("has an image value defaulting to the upstream image, and small, medium and large sizes", () => {
      expect(typeof schema.properties?.image?.default).toBe("string");
      expect(schema.properties?.size?.enum).toEqual(["small", "medium", "large"]);
      expect(Object.keys(template.spec.sizes).sort()).toEqual(["large", "medium", "small"]);
    });

    it("keeps data that must survive a restart on a persistent volume", () => {
      if (template.spec.id === "static-site") return; // its content comes from the image or git
      expect(template.spec.components.some((component) => component.volumes?.some((volume) => volume.persistent))).toBe(true);
    });

    it("renders valid Kubernetes objects that meet the restricted profile, for every size", () => {
      for (const size of ["small", "medium", "large"]) {
        for (const platform of [localPlatform, openshiftPlatform]) {
          const objects = render(template, { size }, platform);
          validateObjects(objects);
          for (const object of objects.filter((o) => o.kind === "Deployment")) {
            const pod = (object as unknown as { spec: { template: { spec: Record<string, unknown> } } }).spec.template.spec;
            expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
            for (const container of [...(pod.containers as Record<string, unknown>[]), ...((pod.initContainers as Record<string, unknown>[] | undefined) ?? [])]) {
              expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
            }
            for (const volume of pod.volumes as Record<string, unknown>[]) {
              expect(Object.keys(volume).filter((key) => key !== "name").every((key) => ["persistentVolumeClaim", "emptyDir", "secret", "configMap"].includes(key))).toBe(true);
            }
          }
        }
      }
    });

    it("is accepted by the podman engine", () => {
      const objects = render(template, {});
      const secrets: Record<string, Record<string, string>> = template.spec.secrets?.length ? { "app-generated": Object.fromEntries(template.spec.secrets.map((s) => [s.name, "x"])) } : {};
      const plan = adaptForPodman({ installation: "test1234", project: "demo", instance: "app", hash: "h", objects, secrets, hostPort: 40000 });
      expect(plan.exposedPort).toBeDefined();
    });

    it("never lets a value change the documents' count or keys", () => {
      const defaults = resolveValues(template, {});
      const baseline = shape(fromYamlStream(toManifestStream(render(template, {})), "baseline") as KubeObject[]);
      const hostile = ["a\nb: c", "---\nkind: Secret", "key: value", "!!js/function x", "&a [*a]", "{x: 1}", "- item", "x".repeat(10_000), "a\u0000b", "' \" \\", "https://example.org/x.git\n--upload-pack=touch /tmp/pwned"];
      for (const [pointer, property] of properties(schema)) {
        if (property.type !== "string" || property.enum) continue;
        for (const value of hostile) {
          const values = setAt(defaults, pointer, value);
          let objects: KubeObject[];
          try {
            objects = render(template, values);
          } catch (error) {
            expect(error, `${template.spec.id}${pointer}=${JSON.stringify(value).slice(0, 40)}`).toBeInstanceOf(InputError);
            continue;
          }
          const parsed = fromYamlStream(toManifestStream(objects), "fuzz") as KubeObject[];
          // Conditional parts may appear when a value becomes set; compare with the same toggles.
          const expected = shape(fromYamlStream(toManifestStream(render(template, setAt(defaults, pointer, "https://x.example/y"))), "toggle") as KubeObject[]);
          expect([baseline, expected], `${template.spec.id}${pointer}`).toContainEqual(shape(parsed));
        }
      }
    });
  });
});
