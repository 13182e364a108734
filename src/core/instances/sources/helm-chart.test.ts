import { describe, expect, it } from "vitest";
import { clusterPlatform, testCrds } from "../../../../test/support/plateau.js";
import { CHART_REPOSITORY, fakeHelm } from "../../../../test/support/instances.js";
import { ConflictError, InputError, NotFoundError } from "../../errors.js";
import { API_VERSION, type InstanceDocument, type InstanceState } from "../../model.js";
import { createCrdValidator } from "../../render/crd-validate.js";
import { localPlatform } from "../../testing/fixtures.js";
import { fromYaml } from "../../yaml.js";
import { helmChartSource, suspendable } from "./helm-chart.js";
import type { ChartStop } from "../../helm/stop-strategy.js";
import type { InstanceSource, SourceDeps } from "./source.js";

const cluster = clusterPlatform({ argocd: { url: "https://argocd.example.org", namespace: "openshift-gitops", repoURL: "https://git.example.org/state.git" } });
const requester = { login: "alice", name: "alice", email: "alice@example.org" };

const depsOf = (helm: SourceDeps["helm"]): SourceDeps => ({
  catalog: { list: async () => [], get: async () => undefined },
  random: { int: () => 0, secret: (n) => "s".repeat(n), id: () => "id" },
  urlOf: ({ instance, project, domain }) => `https://${instance}.${project}.${domain}/`,
  ...(helm ? { helm } : {}),
});

async function setup() {
  const helm = fakeHelm();
  const deps: SourceDeps = {
    catalog: { list: async () => [], get: async () => undefined },
    random: { int: () => 0, secret: (n) => "s".repeat(n), id: () => "id" },
    urlOf: ({ instance, project, domain }) => `https://${instance}.${project}.${domain}/`,
    helm,
    // The real CRD of Argo CD's Application: every rendered object is checked.
    crds: createCrdValidator(await testCrds()),
  };
  return { helm, kind: helmChartSource(deps) };
}

const intent = (values: Record<string, unknown>, state: InstanceState = "running"): InstanceDocument => ({
  apiVersion: API_VERSION,
  kind: "Instance",
  metadata: { name: "notebook", project: "demo", createdAt: "2026-03-01T09:00:00.000Z", createdBy: "alice" },
  spec: { template: "ide/jupyter", templateVersion: "1.4.2", state, values },
  placement: { platform: "plmshift", reason: "test" },
});

describe("instance sources: Helm charts", () => {
  it("claims <catalog>/<chart> ids only, and opens charts of catalogs it knows", async () => {
    const { kind } = await setup();
    expect(kind.claims("ide/jupyter")).toBe(true);
    expect(kind.claims("static-site")).toBe(false);
    expect(await kind.open("ide/jupyter")).toMatchObject({ kind: "helm-chart", id: "ide/jupyter", placement: { helm: true } });
    await expect(kind.open("other/jupyter")).rejects.toThrow(NotFoundError);
    await expect(kind.open("other/jupyter")).rejects.toThrow('catalog "other" not found');
    await expect(kind.open("ide/not a chart")).rejects.toThrow(InputError);
  });

  it("asks the catalog for values: its defaults before placement, then prepared for the platform", async () => {
    const { kind, helm } = await setup();
    const source = await kind.open("ide/jupyter");
    const launch = { request: { template: "ide/jupyter", project: "demo", values: { persistence: { enabled: false } }, lang: "fr" }, requester };
    const values = await source.launchValues(launch);
    expect(values).toMatchObject({ persistence: { enabled: false }, global: { suspend: false } });
    expect(helm.contexts[0]).toMatchObject({ login: "alice", project: "demo", lang: "fr" });
    expect(helm.contexts[0]).not.toHaveProperty("platform");
    const placed = await source.placed({ ...launch, request: { ...launch.request, name: "notebook", version: "1.0.0" } }, values, cluster);
    expect(placed).toMatchObject({ template: "ide/jupyter", templateVersion: "1.0.0", values: { persistence: { enabled: false } } });
    expect(helm.contexts[1]).toMatchObject({ platform: cluster });
  });

  it("asks what its values say: requests, and storage when persistence is enabled", async () => {
    const { kind } = await setup();
    const source = await kind.open("ide/jupyter");
    const asks = source.asks(
      { resources: { requests: { cpu: "500m", memory: "2Gi" } }, persistence: { enabled: true, size: "10Gi" } },
      { project: "demo", name: "x" },
    );
    expect(asks).toEqual({ total: { cpu: 0.5, memoryGiB: 2, gpu: 0, instances: 1, storageGiB: 10 }, largestPod: { cpu: 0.5, memoryGiB: 2, gpu: 0 } });
  });

  it("renders an Argo CD Application under the platform's Helm directory, and refuses a platform without Argo CD", async () => {
    const { kind } = await setup();
    const source = await kind.open("ide/jupyter");
    const values = { resources: { requests: { cpu: "1" } }, global: { suspend: true } };
    const rendered = source.render(intent(values, "stopped"), cluster);
    expect(rendered.changes[0]).toEqual({ path: "rendered/plmshift/demo/_helm/notebook", remove: true });
    // Its Application, and no Restore (ADR 0034): that directory emptied.
    expect(rendered.changes).toHaveLength(3);
    expect(rendered.changes[2]).toEqual({ path: "rendered/plmshift/demo/_recovery/notebook", remove: true });
    const file = rendered.changes[1];
    const application = fromYaml(file && "content" in file ? file.content : "", "application") as { kind: string; spec: { source: Record<string, unknown> } };
    expect(application.kind).toBe("Application");
    expect(application.spec.source).toMatchObject({ repoURL: CHART_REPOSITORY, chart: "jupyter", targetRevision: "1.4.2" });
    // Stopped, it still holds its place (and its volumes), but no CPU.
    expect(rendered.asks).toMatchObject({ cpu: 0, instances: 1 });
    expect(() => source.render(intent(values), localPlatform)).toThrow(ConflictError);
    expect(() => source.render(intent(values), localPlatform)).toThrow("platform local has no Argo CD: it cannot run the Helm chart ide/jupyter");
    expect(kind.renderedDir("*", "demo", "notebook")).toBe("rendered/*/demo/_helm/notebook");
  });

  it("stops and starts with global.suspend, keeping its version; without it, it cannot be stopped (so it does not expire)", async () => {
    const { kind } = await setup();
    const source = await kind.open("ide/jupyter");
    const values = { global: { suspend: false, other: 1 }, x: 1 };
    expect(source.onExpiry(intent(values).spec)).toBe("stop");
    expect(await source.withState(intent(values).spec, "stopped", "demo/notebook")).toEqual({ values: { global: { suspend: true, other: 1 }, x: 1 } });
    expect(await source.withState(intent(values).spec, "running", "demo/notebook")).toEqual({ values: { global: { suspend: false, other: 1 }, x: 1 } });
    const plain = { global: { other: 1 } };
    expect(source.onExpiry(intent(plain).spec)).toBe("never");
    expect(suspendable({ global: ["suspend"] })).toBe(false);
    await expect(source.withState(intent(plain).spec, "stopped", "demo/notebook")).rejects.toThrow(
      "demo/notebook is a Helm chart without global.suspend: it cannot be stopped, only removed",
    );
  });

  it("records at launch how the catalog says it stops (nothing for global.suspend)", async () => {
    const { kind, helm } = await setup();
    const launch = { request: { template: "ide/jupyter", project: "demo", name: "notebook", values: {} }, requester };
    const stops: Record<string, ChartStop> = {
      suspend: { by: "suspend" },
      replicas: { by: "replicas", paths: [["replicaCount"]] },
      remove: { by: "remove-on-expiry", why: "DaemonSet/agent runs on every node" },
    };
    for (const [name, stop] of Object.entries(stops)) {
      const source = (await helmChartSource({ ...depsOf(helm), helm: { ...helm, stopOf: async () => stop } }).open("ide/jupyter")) as InstanceSource;
      const placed = await source.placed(launch, {}, cluster);
      expect({ name, stop: placed.stop }).toEqual({ name, stop: name === "suspend" ? undefined : stop });
    }
    const source = await kind.open("ide/jupyter");
    expect((await source.placed(launch, {}, cluster)).stop).toBeUndefined();
  });

  it("stops by its replica values, keeping what they were, and starts with them again", async () => {
    const { kind } = await setup();
    const source = await kind.open("ide/jupyter");
    const running: InstanceDocument["spec"] = {
      ...intent({ replicaCount: 2, db: { primary: { other: 1 } } }).spec,
      stop: { by: "replicas", paths: [["db", "primary", "replicaCount"], ["extra", "replicas"], ["replicaCount"]] },
    };
    expect(source.onExpiry(running)).toBe("stop");
    const stopped = await source.withState(running, "stopped", "demo/notebook");
    expect(stopped).toEqual({
      values: { replicaCount: 0, db: { primary: { other: 1, replicaCount: 0 } }, extra: { replicas: 0 } },
      stop: {
        by: "replicas",
        paths: [["db", "primary", "replicaCount"], ["extra", "replicas"], ["replicaCount"]],
        restore: [{ path: ["db", "primary", "replicaCount"] }, { path: ["extra"] }, { path: ["replicaCount"], value: 2 }],
      },
    });
    const started = await source.withState({ ...running, ...stopped, state: "stopped" }, "running", "demo/notebook");
    expect(started).toEqual({
      values: { replicaCount: 2, db: { primary: { other: 1 } } },
      stop: { by: "replicas", paths: [["db", "primary", "replicaCount"], ["extra", "replicas"], ["replicaCount"]] },
    });
  });

  it("refuses to stop what nothing scales to zero, naming why; its expiry removes it", async () => {
    const { kind } = await setup();
    const source = await kind.open("ide/jupyter");
    const spec: InstanceDocument["spec"] = { ...intent({ a: 1 }).spec, stop: { by: "remove-on-expiry", why: "DaemonSet/agent runs on every node" } };
    expect(source.onExpiry(spec)).toBe("remove");
    const refusal = await source.withState(spec, "stopped", "demo/notebook").catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ConflictError);
    expect(refusal).toMatchObject({
      reason: "not-stoppable",
      message: "demo/notebook is a Helm chart that cannot be stopped, only removed (its expiry removes it): DaemonSet/agent runs on every node",
    });
  });

  it("moves with its values as they are, and is reached at its address", async () => {
    const { kind } = await setup();
    const source = await kind.open("ide/jupyter");
    expect(await source.moved(intent({ a: 1 }).spec)).toEqual({ values: { a: 1 } });
    expect(source.address({ platform: "plmshift", domain: "apps.example.org", project: "demo", instance: "notebook" })).toBe(
      "https://notebook.demo.apps.example.org/",
    );
  });

  describe("what its rendering recorded (spec.rendered)", () => {
    const rendered = { requests: { cpu: 3, memoryGiB: 6, gpu: 1, storageGiB: 20 }, largestPod: { cpu: 2, memoryGiB: 4, gpu: 1 }, host: "db.demo.example.org" };
    const convention = { resources: { requests: { cpu: "100m", memory: "256Mi" } }, global: { suspend: false } };
    const recorded = (state: InstanceState = "running"): InstanceDocument => {
      const base = intent(convention, state);
      return { ...base, spec: { ...base.spec, rendered } };
    };
    const at = { platform: "plmshift", domain: "apps.example.org", project: "demo", instance: "notebook" };

    it("is what the preparation rendered, kept in the placed spec", async () => {
      const { kind } = await setup();
      const source = await kind.open("ide/db");
      const launch = { request: { template: "ide/db", project: "demo", name: "db", values: { host: "db.example.org" } }, requester };
      const placed = await source.placed(launch, await source.launchValues(launch), cluster);
      expect(placed.rendered).toEqual({
        requests: { cpu: 1.5, memoryGiB: 3, gpu: 0, storageGiB: 8 },
        largestPod: { cpu: 1, memoryGiB: 2, gpu: 0 },
        host: "db.example.org",
      });
      const jupyter = await kind.open("ide/jupyter");
      expect(await jupyter.placed({ ...launch, request: { ...launch.request, template: "ide/jupyter" } }, {}, cluster)).not.toHaveProperty("rendered");
    });

    it("counts for quotas and placement instead of the values' convention, running or stopped; without it, the convention", async () => {
      const { kind } = await setup();
      const source = await kind.open("ide/jupyter");
      expect(source.render(recorded(), cluster).asks).toEqual({ cpu: 3, memoryGiB: 6, gpu: 1, instances: 1, storageGiB: 20 });
      expect(source.render(recorded("stopped"), cluster).asks).toEqual({ cpu: 0, memoryGiB: 0, gpu: 0, instances: 1, storageGiB: 20 });
      expect(source.render(intent(convention), cluster).asks).toEqual({ cpu: 0.1, memoryGiB: 0.25, gpu: 0, instances: 1, storageGiB: 0 });
      const placed = (spec: InstanceDocument["spec"]) => ({
        project: "demo",
        name: "notebook",
        template: spec.template,
        values: spec.values,
        state: spec.state,
        rendered: spec.rendered,
      });
      expect(await kind.placedAsks(placed(recorded().spec))).toEqual({ cpu: 3, memoryGiB: 6, gpu: 1, instances: 1, storageGiB: 20 });
      expect(await kind.placedAsks(placed(recorded("stopped").spec))).toEqual({ cpu: 0, memoryGiB: 0, gpu: 0, instances: 1, storageGiB: 20 });
      expect(await kind.placedAsks(placed(intent(convention).spec))).toEqual({ cpu: 0.1, memoryGiB: 0.25, gpu: 0, instances: 1, storageGiB: 0 });
      // Placement of a placed instance (a move): its largest rendered pod must fit a node.
      expect(source.asks(convention, { project: "demo", name: "notebook" }, rendered)).toEqual({
        total: { cpu: 3, memoryGiB: 6, gpu: 1, instances: 1, storageGiB: 20 },
        largestPod: { cpu: 2, memoryGiB: 4, gpu: 1 },
      });
    });

    it("gives its address: the rendered host, none when it renders no Route nor Ingress, the platform's without a record; a move carries it", async () => {
      const { kind } = await setup();
      const source = await kind.open("ide/jupyter");
      expect(source.address(at, recorded().spec)).toBe("https://db.demo.example.org/");
      const { host: _host, ...hostless } = rendered;
      expect(source.address(at, { rendered: hostless })).toBeNull();
      expect(source.address(at, intent(convention).spec)).toBe("https://notebook.demo.apps.example.org/");
      expect(await source.moved(recorded().spec)).toEqual({ values: convention, rendered });
    });
  });
});
