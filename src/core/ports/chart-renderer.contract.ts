// The contract of the ChartRenderer, on the real Onyxia charts of the fixture catalog
// (src/adapters/helm/helm-template.test.ts runs it against a real Helm). The fixture hands
// the archives in: core reads no file, even in tests.
import { describe, expect, it } from "vitest";
import { ConflictError, InputError } from "../errors.js";
import type { ChartRenderer, ChartRenderRequest, RenderedObject } from "./chart-renderer.js";

export interface ChartRendererFixture {
  readonly renderer: ChartRenderer;
  /** jupyter-python as its repository serves it: templates, and library-chart under `charts/`. */
  readonly jupyterPython: Uint8Array;
  /** jupyter-python packed without its dependency, and library-chart packed on its own. */
  readonly jupyterPythonAlone: Uint8Array;
  readonly libraryChart: Uint8Array;
  /** jupyter-python with a template that fails (`.Values.nope.deeper` on a missing key). */
  readonly brokenTemplate: Uint8Array;
  /**
   * A chart `capabilities` whose one template renders a ConfigMap `<release>-capabilities` with
   * data `route` ("yes" when `.Capabilities.APIVersions.Has "route.openshift.io/v1"`), `kube`
   * (`.Capabilities.KubeVersion.Version`) and `namespace` (`.Release.Namespace`), followed by
   * an empty document.
   */
  readonly capabilities: Uint8Array;
}

const kinds = (objects: readonly RenderedObject[]) => objects.map((object) => object.kind);
const find = (objects: readonly RenderedObject[], kind: string) => objects.filter((object) => object.kind === kind);

/** The first container of the chart's workload. */
function mainContainer(objects: readonly RenderedObject[]): Record<string, unknown> {
  const workload = objects.find((object) => object.kind === "StatefulSet" || object.kind === "Deployment");
  const spec = workload?.spec as { template?: { spec?: { containers?: Record<string, unknown>[] } } } | undefined;
  const container = spec?.template?.spec?.containers?.[0];
  if (!container) throw new Error("no workload container rendered");
  return container;
}

export function describeChartRendererContract(name: string, create: () => Promise<ChartRendererFixture>): void {
  describe(`ChartRenderer contract: ${name}`, () => {
    const request = (fixture: ChartRendererFixture, overrides: Partial<ChartRenderRequest> = {}): ChartRenderRequest => ({
      archive: fixture.jupyterPython,
      releaseName: "nb",
      namespace: "u-alice",
      values: {},
      ...overrides,
    });

    it("renders jupyter-python with its defaults: a StatefulSet and its Service, neither Ingress nor Route", async () => {
      const fixture = await create();
      const rendered = await fixture.renderer.render(request(fixture));
      expect(rendered.chart).toBe("jupyter-python-2.5.2");
      expect(kinds(rendered.objects)).toEqual(expect.arrayContaining(["StatefulSet", "Service", "ServiceAccount", "Secret"]));
      expect(kinds(rendered.objects)).not.toContain("Ingress");
      expect(kinds(rendered.objects)).not.toContain("Route");
      for (const object of rendered.objects) {
        expect(object.apiVersion).toMatch(/^[a-z0-9./]+$/);
        expect(object.metadata.name).toMatch(/./);
      }
      // The release name is the instance's: every name derives from it.
      expect(find(rendered.objects, "StatefulSet")[0]?.metadata.name).toBe("nb-jupyter-python");
    });

    it("renders an Ingress or a Route as the values ask, with the host given", async () => {
      const fixture = await create();
      const ingress = await fixture.renderer.render(request(fixture, { values: { ingress: { enabled: true, hostname: "nb.apps.example.org" } } }));
      const [rule] = (find(ingress.objects, "Ingress")[0]?.spec as { rules?: { host?: string }[] } | undefined)?.rules ?? [];
      expect(rule?.host).toBe("nb.apps.example.org");
      expect(kinds(ingress.objects)).not.toContain("Route");
      const route = await fixture.renderer.render(
        request(fixture, { values: { route: { enabled: true, hostname: "nb.apps.example.org" } }, apiVersions: ["route.openshift.io/v1"] }),
      );
      const routes = find(route.objects, "Route");
      expect(routes[0]?.apiVersion).toBe("route.openshift.io/v1");
      expect((routes[0]?.spec as { host?: string } | undefined)?.host).toBe("nb.apps.example.org");
      expect(kinds(route.objects)).not.toContain("Ingress");
    });

    it("renders the values given: resources change the container's", async () => {
      const fixture = await create();
      const small = await fixture.renderer.render(
        request(fixture, { values: { resources: { requests: { cpu: "250m", memory: "1Gi" }, limits: { cpu: "1", memory: "3Gi" } } } }),
      );
      expect(mainContainer(small.objects).resources).toEqual({ requests: { cpu: "250m", memory: "1Gi" }, limits: { cpu: "1", memory: "3Gi" } });
      const defaults = await fixture.renderer.render(request(fixture));
      expect(mainContainer(defaults.objects).resources).not.toEqual(mainContainer(small.objects).resources);
    });

    it("passes the API versions, the Kubernetes version and the namespace the platform offers, and drops empty documents", async () => {
      const fixture = await create();
      const plain = await fixture.renderer.render({ archive: fixture.capabilities, releaseName: "x", namespace: "u-bob", values: {} });
      expect(plain.objects).toHaveLength(1);
      expect(plain.objects[0]).toMatchObject({ kind: "ConfigMap", metadata: { name: "x-capabilities" }, data: { route: "no", namespace: "u-bob" } });
      const openshift = await fixture.renderer.render({
        archive: fixture.capabilities,
        releaseName: "x",
        namespace: "u-bob",
        values: {},
        apiVersions: ["route.openshift.io/v1"],
        kubeVersion: "1.31.4",
      });
      expect(openshift.objects[0]).toMatchObject({ data: { route: "yes", kube: "v1.31.4" } });
    });

    it("renders a chart packed without its dependency when the dependency's archive is given", async () => {
      const fixture = await create();
      const rendered = await fixture.renderer.render(request(fixture, { archive: fixture.jupyterPythonAlone, dependencies: [fixture.libraryChart] }));
      const whole = await fixture.renderer.render(request(fixture));
      expect(rendered.objects).toEqual(whole.objects);
    });

    it("refuses values that the chart's values.schema.json refuses, naming the chart and the field", async () => {
      const fixture = await create();
      const error = await fixture.renderer.render(request(fixture, { values: { service: { image: { version: 42 } } } })).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).message).toMatch(/jupyter-python-2\.5\.2.*values\.schema\.json/);
      expect((error as InputError).issues).toEqual([
        { pointer: "/values/service/image/version", rule: "values.schema.json", message: "got number, want string" },
      ]);
    });

    it("refuses a chart whose template fails, naming the chart and Helm's message", async () => {
      const fixture = await create();
      const error = await fixture.renderer.render(request(fixture, { archive: fixture.brokenTemplate })).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ConflictError);
      expect((error as ConflictError).message).toMatch(/^chart jupyter-python-2\.5\.2 cannot be rendered by helm template: .*broken\.yaml.*nil pointer/);
    });
  });
}
