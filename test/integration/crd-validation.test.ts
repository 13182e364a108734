// What Plateau renders for OpenShift platforms is checked against the real Route CRD before
// any commit: a Route the API server would refuse is refused here, naming the field.
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/core/errors.js";
import { renderInstance } from "../../src/core/render/render.js";
import { createCrdValidator } from "../../src/core/render/crd-validate.js";
import { validateObjects } from "../../src/core/render/validate.js";
import { resolveValues } from "../../src/core/catalog/values.js";
import { localPlatformDocument } from "../../src/core/platforms/service.js";
import type { KubeObject } from "../../src/core/render/kube.js";
import { builtInTemplates, testCrds } from "../support/plateau.js";

const openshift = { ...localPlatformDocument("apps.example.org"), metadata: { name: "okd" } };
openshift.spec = { ...openshift.spec, engine: "argocd", flavour: "openshift" };

const kubernetes = { ...localPlatformDocument("apps.example.org"), metadata: { name: "k8s" } };
kubernetes.spec = { ...kubernetes.spec, engine: "argocd", flavour: "kubernetes", ingressClass: "nginx" };

describe("rendered objects against the real CRDs", () => {
  it("renders every built-in template, stopped and running, for each flavour into objects the real schemas accept", async () => {
    const crds = createCrdValidator(await testCrds());
    for (const platform of [openshift, kubernetes]) {
      for (const template of await builtInTemplates()) {
        const required = template.spec.id === "python-web" || template.spec.id === "node-web" ? { image: "registry.example.org/app:1" } : {};
        for (const state of ["running", "stopped"] as const) {
          const objects = renderInstance({
            template,
            values: resolveValues(template, required),
            project: "demo",
            instance: "site",
            state,
            platform,
            url: "https://site.demo.apps.example.org/",
          });
          const exposed = template.spec.components.some((component) => component.expose);
          const kind = platform.spec.flavour === "openshift" ? "Route" : "Ingress";
          if (exposed)
            expect(
              objects.filter((object) => object.kind === kind),
              `${template.spec.id} on ${platform.spec.flavour}`,
            ).toHaveLength(1);
          expect(() => validateObjects(objects, crds), `${template.spec.id} ${state} on ${platform.spec.flavour}`).not.toThrow();
        }
      }
    }
  });

  it("renders every built-in template for OpenShift into objects the real Route CRD accepts", async () => {
    const crds = createCrdValidator(await testCrds());
    for (const template of await builtInTemplates()) {
      const required = template.spec.id === "python-web" || template.spec.id === "node-web" ? { image: "registry.example.org/app:1" } : {};
      const objects = renderInstance({
        template,
        values: resolveValues(template, required),
        project: "demo",
        instance: "site",
        state: "running",
        platform: openshift,
        url: "https://site.demo.apps.example.org/",
      });
      const routes = objects.filter((object) => object.kind === "Route");
      if (template.spec.components.some((component) => component.expose)) expect(routes, template.spec.id).toHaveLength(1);
      expect(() => validateObjects(objects, crds), template.spec.id).not.toThrow();
    }
  });

  it("refuses a Route the API server would refuse, naming the field", async () => {
    const crds = createCrdValidator(await testCrds());
    const route: KubeObject = {
      apiVersion: "route.openshift.io/v1",
      kind: "Route",
      metadata: { name: "site", namespace: "demo" },
      spec: { host: "site.demo.apps.example.org", to: { name: "site" }, port: { targetPort: "http" } },
    };
    try {
      validateObjects([route], crds);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).issues).toContainEqual(expect.objectContaining({ pointer: "/spec/to/kind", rule: "required" }));
    }
    // Without the CRDs (none given), a Route is left to the cluster, as before.
    expect(() => validateObjects([route])).not.toThrow();
  });
});
