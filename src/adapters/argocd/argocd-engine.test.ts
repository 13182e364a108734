import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { DesiredUnit, Engine } from "../../core/ports/engine.js";
import { planReconcile } from "../../core/reconcile/plan.js";
import type { KubeObject } from "../../core/render/kube.js";
import { fakeApplication, startFakeArgoCd, type FakeApplicationParams, type FakeArgoCd } from "../../../test/support/fake-argocd.js";
import { createArgoCdClient } from "./argocd-client.js";
import { createArgoCdEngine } from "./argocd-engine.js";

const PLATFORM = "plmshift";
const C1 = "1".repeat(40);
const C2 = "2".repeat(40);
const CHART = { repoURL: "https://charts.example.org/onyxia", chart: "jupyter-python", version: "2.1.0" };

/** Tree hashes of the desired-state repository, by commit and path. */
const TREES: Record<string, string> = {
  [`${C1}:rendered/plmshift/demo/web`]: "tree-web-1",
  [`${C2}:rendered/plmshift/demo/web`]: "tree-web-2",
  [`${C1}:rendered/plmshift/demo/notebook`]: "tree-nb-1",
  [`${C2}:rendered/plmshift/demo/notebook`]: "tree-nb-2",
  [`${C1}:rendered/plmshift/demo/_helm/jupyter`]: "tree-jupyter-1",
  [`${C2}:rendered/plmshift/demo/_helm/jupyter`]: "tree-jupyter-2",
};

const app = (params: Omit<FakeApplicationParams, "platform">) => fakeApplication({ platform: PLATFORM, ...params });
const helmInstances = (revision: string | undefined, params: Partial<FakeApplicationParams> = {}, resources: Record<string, string> = {}) =>
  app({
    name: "plateau-helm-instances",
    path: "rendered/plmshift",
    ...(revision ? { revision, sync: "Synced", health: "Healthy" } : {}),
    resources: Object.entries(resources).map(([name, status]) => ({
      group: "argoproj.io",
      version: "v1alpha1",
      kind: "Application",
      namespace: "argocd",
      name,
      status,
    })),
    ...params,
  });
const deployment = (replicas = 1): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "demo" },
  spec: { replicas },
});
const unit = (instance: string, hash: string, objects: KubeObject[] = [deployment()]): DesiredUnit => ({ project: "demo", instance, hash, objects });
const applyOptions = (secrets: Record<string, Record<string, string>> = {}) => ({ secrets, progress: () => {} });

describe("Argo CD engine against a fake held to Argo CD's API description", () => {
  let fake: FakeArgoCd;
  let engine: Engine;
  let clock: number;
  let hashCalls: string[];
  const secretCalls: string[] = [];

  const makeEngine = (token: string, extra: Partial<Parameters<typeof createArgoCdEngine>[0]> = {}) =>
    createArgoCdEngine({
      platform: PLATFORM,
      client: createArgoCdClient({ url: fake.url, token, timeoutMs: 2000 }),
      appNamespace: "argocd",
      hashOf: async (commit, path) => {
        hashCalls.push(`${commit.slice(0, 1)}:${path}`);
        return TREES[`${commit}:${path}`];
      },
      tokenSource: "PLATEAU_ARGOCD_PLMSHIFT_TOKEN",
      secrets: {
        put: async (namespace, name, data) => void secretCalls.push(`put ${namespace}/${name} ${Object.keys(data).join(",")}`),
        remove: async (namespace, name) => void secretCalls.push(`remove ${namespace}/${name}`),
      },
      syncDeadlineMs: 60_000,
      now: () => clock,
      ...extra,
    });

  beforeEach(async () => {
    fake = await startFakeArgoCd();
    clock = 1_000_000;
    hashCalls = [];
    secretCalls.length = 0;
    engine = makeEngine(fake.token);
  });

  afterEach(async () => {
    await fake.close();
    expect(fake.violations).toEqual([]);
  });

  describe("availability", () => {
    it("is available with Argo CD's version", async () => {
      expect(await engine.availability()).toEqual({ available: true, version: "Argo CD v3.6.0+37ee009" });
    });

    it("says Argo CD is down, and how to check, then available again", async () => {
      await fake.down();
      const down = await engine.availability();
      expect(down.available).toBe(false);
      expect(down.reason).toMatch(/^Argo CD at http:\/\/127\.0\.0\.1:\d+ is unreachable/);
      expect(down.hint).toBe(`check that Plateau reaches Argo CD at ${fake.url} (spec.argocd.url)`);
      await fake.up();
      expect((await engine.availability()).available).toBe(true);
    });

    it("says the token is refused, and where to set it", async () => {
      const refused = await makeEngine("wrong-token").availability();
      expect(refused).toEqual({
        available: false,
        reason: `Argo CD at ${fake.url} answers but refused the token`,
        hint: "set a valid Argo CD API token in PLATEAU_ARGOCD_PLMSHIFT_TOKEN (see docs/argocd.md)",
      });
    });

    it("says Argo CD is too slow", async () => {
      fake.slow(300);
      const slow = await makeEngine(fake.token, { client: createArgoCdClient({ url: fake.url, token: fake.token, timeoutMs: 50 }) }).availability();
      expect(slow.available).toBe(false);
      expect(slow.reason).toMatch(/did not answer within 50 ms/);
      fake.slow(0);
    });
  });

  describe("observe", () => {
    it("maps the platform's instance Applications to units, with the hash of what Argo CD compared", async () => {
      fake.setApplications([
        app({
          project: "demo",
          instance: "web",
          revision: C1,
          sync: "Synced",
          health: "Healthy",
          operation: { phase: "Succeeded" },
          externalURLs: ["http://web.demo.apps.example.org", "https://web.demo.apps.example.org"],
        }),
        app({ project: "demo", instance: "notebook", revision: C2, sync: "OutOfSync", health: "Healthy", operation: { phase: "Running" } }),
        app({ project: "demo", instance: "fresh" }), // generated, never compared
        app({
          project: "demo",
          instance: "broken",
          revision: C1,
          sync: "Synced",
          health: "Degraded",
          healthMessage: "Back-off restarting failed container",
          path: "rendered/plmshift/demo/web",
        }),
        app({ project: "demo", instance: "leaving", revision: C1, sync: "Synced", health: "Healthy", deleting: true }),
        fakeApplication({ platform: "plmapps", project: "demo", instance: "elsewhere", revision: C1, sync: "Synced", health: "Healthy" }),
        app({ name: "plateau-bootstrap", path: "rendered/plmshift/argocd", revision: C1, sync: "Synced", health: "Healthy" }),
      ]);
      const units = await engine.observe();
      const byInstance = Object.fromEntries(units.map((u) => [u.instance, u]));
      expect(Object.keys(byInstance).sort()).toEqual(["broken", "fresh", "notebook", "web"]);
      expect(byInstance.web).toEqual({
        project: "demo",
        instance: "web",
        hash: "tree-web-1",
        phase: "running",
        reason: "",
        endpoint: "https://web.demo.apps.example.org",
      });
      expect(byInstance.notebook).toEqual({
        project: "demo",
        instance: "notebook",
        hash: "tree-nb-2",
        phase: "starting",
        reason: "Argo CD is applying revision 2222222",
        endpoint: null,
      });
      expect(byInstance.fresh).toMatchObject({ hash: null, phase: "starting", reason: "Argo CD has not compared it with git yet" });
      expect(byInstance.broken).toMatchObject({ hash: "tree-web-1", phase: "failed", reason: "Degraded: Back-off restarting failed container" });
      // Listed with the platform's selector, in Argo CD's namespace.
      const list = fake.requests.find((r) => r.operation === "ApplicationService_List");
      expect(Object.fromEntries(list?.query ?? [])).toEqual({ selector: "plateau.io/platform=plmshift", appNamespace: "argocd" });
    });

    it("hashes each commit and path once", async () => {
      fake.setApplications([app({ project: "demo", instance: "web", revision: C1, sync: "Synced", health: "Healthy" })]);
      await engine.observe();
      await engine.observe();
      expect(hashCalls).toEqual(["1:rendered/plmshift/demo/web"]);
    });

    it("reports no hash for a revision the repository does not have", async () => {
      fake.setApplications([app({ project: "demo", instance: "web", revision: "f".repeat(40), sync: "Synced", health: "Healthy" })]);
      expect(await engine.observe()).toEqual([
        {
          project: "demo",
          instance: "web",
          hash: null,
          phase: "starting",
          reason: "Argo CD is at revision fffffff, which Plateau's repository does not hold (yet)",
          endpoint: null,
        },
      ]);
    });

    it("hashes a Helm instance's Application file at the revision the Helm instances' Application applied", async () => {
      fake.setApplications([
        helmInstances(C2, {}, { "demo.jupyter": "Synced" }),
        app({ project: "demo", instance: "jupyter", chart: CHART, revision: "2.1.0", sync: "Synced", health: "Healthy", operation: { phase: "Succeeded" } }),
      ]);
      expect(await engine.observe()).toEqual([{ project: "demo", instance: "jupyter", hash: "tree-jupyter-2", phase: "running", reason: "", endpoint: null }]);
    });

    it("reports a Helm instance starting while its Application file is being applied", async () => {
      fake.setApplications([
        helmInstances(C2, { sync: "OutOfSync", operation: { phase: "Running" } }, { "demo.jupyter": "OutOfSync" }),
        app({ project: "demo", instance: "jupyter", chart: CHART, revision: "2.0.0", sync: "Synced", health: "Healthy" }),
      ]);
      expect(await engine.observe()).toEqual([
        { project: "demo", instance: "jupyter", hash: "tree-jupyter-2", phase: "starting", reason: "Argo CD is applying revision 2222222", endpoint: null },
      ]);
    });

    it("reports a Helm instance starting, without a hash, while the Helm instances were never synced", async () => {
      fake.setApplications([
        helmInstances(undefined),
        app({ project: "demo", instance: "jupyter", chart: CHART, revision: "2.1.0", sync: "Synced", health: "Healthy" }),
      ]);
      expect(await engine.observe()).toEqual([
        {
          project: "demo",
          instance: "jupyter",
          hash: null,
          phase: "starting",
          reason: expect.stringMatching(/waiting for Argo CD|not compared/),
          endpoint: null,
        },
      ]);
    });
  });

  describe("apply", () => {
    it("asks Argo CD to look now, and reports the unit once Argo CD has synced its revision", async () => {
      fake.setApplications([app({ project: "demo", instance: "web", revision: C1, sync: "Synced", health: "Healthy", operation: { phase: "Succeeded" } })]);
      fake.onRefresh(
        (current) => app({ project: "demo", instance: "web", revision: C2, sync: "Synced", health: "Healthy", operation: { phase: "Succeeded" } }) ?? current,
      );
      const result = await engine.apply(unit("web", "tree-web-2"), applyOptions());
      expect(result).toEqual({ project: "demo", instance: "web", hash: "tree-web-2", phase: "running", reason: "", endpoint: null });
      expect(fake.refreshes).toEqual([{ name: "demo.web", type: "normal" }]);
      const get = fake.requests.find((r) => r.operation === "ApplicationService_Get");
      expect(Object.fromEntries(get?.query ?? [])).toEqual({ appNamespace: "argocd", projects: "plateau-demo", refresh: "normal" });
    });

    it("reports Argo CD applying the revision as starting, with the revision's hash", async () => {
      fake.setApplications([app({ project: "demo", instance: "web", revision: C1, sync: "Synced", health: "Healthy" })]);
      fake.onRefresh(() => app({ project: "demo", instance: "web", revision: C2, sync: "OutOfSync", health: "Healthy", operation: { phase: "Running" } }));
      expect(await engine.apply(unit("web", "tree-web-2"), applyOptions())).toMatchObject({
        hash: "tree-web-2",
        phase: "starting",
        reason: "Argo CD is applying revision 2222222",
      });
    });

    it("waits for Argo CD without a loop of applies, then fails past the deadline", async () => {
      fake.setApplications([app({ project: "demo", instance: "web", revision: C1, sync: "Synced", health: "Healthy" })]);
      const waiting = await engine.apply(unit("web", "tree-web-2"), applyOptions());
      expect(waiting).toEqual({
        project: "demo",
        instance: "web",
        hash: "tree-web-2",
        phase: "starting",
        reason: "waiting for Argo CD to sync revision tree-web-2",
        endpoint: null,
      });
      // The reconciler plans from this answer at once (its cache): nothing to do until the next observation.
      const desired = [{ project: "demo", instance: "web", hash: "tree-web-2", running: true }];
      const quiet = planReconcile({ desired, observed: [waiting], busy: new Set(), backoff: new Map(), now: clock, declarative: true });
      expect(quiet.actions).toEqual([]);
      expect(quiet.statuses[0]).toMatchObject({ phase: "starting", reason: "waiting for Argo CD to sync revision tree-web-2" });
      // The next observation tells the truth, and the plan nudges Argo CD again.
      const observed = await engine.observe();
      expect(planReconcile({ desired, observed, busy: new Set(), backoff: new Map(), now: clock, declarative: true }).actions).toEqual([
        { kind: "apply", project: "demo", instance: "web", hash: "tree-web-2" },
      ]);
      clock += 30_000;
      expect((await engine.apply(unit("web", "tree-web-2"), applyOptions())).phase).toBe("starting");
      clock += 31_000;
      await expect(engine.apply(unit("web", "tree-web-2"), applyOptions())).rejects.toThrow(
        "Argo CD has not taken revision tree-web-2 in hand after 1 min (the Application demo.web is at revision 1111111); check that Argo CD sees the repository's latest commit",
      );
      await expect(engine.apply(unit("new", "tree-new"), applyOptions())).resolves.toMatchObject({ phase: "starting" });
      clock += 61_000;
      await expect(engine.apply(unit("new", "tree-new"), applyOptions())).rejects.toThrow(
        "(the Application demo.new does not exist: is the ApplicationSet generating it?)",
      );
    });

    it("waits for the ApplicationSet to generate a new instance's Application", async () => {
      const result = await engine.apply(unit("new", "tree-new"), applyOptions());
      expect(result).toMatchObject({ hash: "tree-new", phase: "starting", reason: "waiting for Argo CD to create the Application demo.new" });
      expect(fake.refreshes).toEqual([]);
    });

    it("fails (for the reconciler to back off) when the revision is there but broken", async () => {
      fake.setApplications([
        app({ project: "demo", instance: "web", revision: C2, sync: "Synced", health: "Degraded", healthMessage: "Back-off restarting failed container" }),
      ]);
      await expect(engine.apply(unit("web", "tree-web-2"), applyOptions())).rejects.toThrow("Degraded: Back-off restarting failed container");
    });

    it("fails at once when Argo CD cannot read git", async () => {
      fake.setApplications([
        app({
          project: "demo",
          instance: "web",
          revision: C1,
          sync: "Unknown",
          health: "Missing",
          conditions: [{ type: "ComparisonError", message: "rpc error: repository not found" }],
        }),
      ]);
      await expect(engine.apply(unit("web", "tree-web-2"), applyOptions())).rejects.toThrow("Argo CD cannot read it from git: rpc error: repository not found");
    });

    it("reports a stopped rendering's Application as Argo CD does (the reconciler says stopped)", async () => {
      fake.setApplications([app({ project: "demo", instance: "web", revision: C2, sync: "Synced", health: "Healthy" })]);
      const result = await engine.apply(unit("web", "tree-web-2", [deployment(0)]), applyOptions());
      expect(result).toMatchObject({ hash: "tree-web-2", phase: "running" });
      const plan = planReconcile({
        desired: [{ project: "demo", instance: "web", hash: "tree-web-2", running: false }],
        observed: [result],
        busy: new Set(),
        backoff: new Map(),
        now: clock,
        declarative: true,
      });
      expect(plan.statuses[0]).toMatchObject({ phase: "stopped", appliedHash: "tree-web-2" });
    });

    it("refreshes the Helm instances' Application for a Helm instance", async () => {
      fake.setApplications([
        helmInstances(C1, {}, { "demo.jupyter": "Synced" }),
        app({ project: "demo", instance: "jupyter", chart: CHART, revision: "2.1.0", sync: "Synced", health: "Healthy" }),
      ]);
      fake.onRefresh((current) =>
        (current.metadata as { name: string }).name === "plateau-helm-instances" ? helmInstances(C2, {}, { "demo.jupyter": "Synced" }) : undefined,
      );
      const helmUnit = unit("jupyter", "tree-jupyter-2", [
        { apiVersion: "argoproj.io/v1alpha1", kind: "Application", metadata: { name: "demo.jupyter", namespace: "argocd" }, spec: { source: CHART } },
      ]);
      expect(await engine.apply(helmUnit, applyOptions())).toMatchObject({ hash: "tree-jupyter-2", phase: "running" });
      expect(fake.refreshes).toEqual([{ name: "plateau-helm-instances", type: "normal" }]);
      const get = fake.requests.find((r) => r.operation === "ApplicationService_Get");
      expect(get?.query.get("projects")).toBe("plateau");
    });

    it("hands the generated secrets over before asking Argo CD, and removes them with the instance", async () => {
      fake.setApplications([app({ project: "demo", instance: "web", revision: C2, sync: "Synced", health: "Healthy" })]);
      await engine.apply(unit("web", "tree-web-2"), applyOptions({ "web-generated": { password: "s3cr3t", token: "t" } }));
      await engine.remove("demo", "web");
      expect(secretCalls).toEqual(["put demo/web-generated password,token", "remove demo/web-generated"]);
      await engine.stop("demo", "web"); // nothing to do: declarative
    });

    it("refuses an instance needing secrets when the platform has no Kubernetes API for them", async () => {
      const withoutSecrets = makeEngine(fake.token, { secrets: undefined });
      await expect(withoutSecrets.apply(unit("web", "tree-web-2"), applyOptions({ "web-generated": { password: "x" } }))).rejects.toThrow(/no Kubernetes API/);
    });
  });

  it("streams the logs of an instance through Argo CD", async () => {
    fake.setApplications([app({ project: "demo", instance: "web", revision: C1, sync: "Synced", health: "Healthy" })]);
    fake.setLogs("demo.web", ["GET / 200", "GET /favicon.ico 404"]);
    let text = "";
    for await (const chunk of engine.logs("demo", "web", { follow: false, tail: 100 })) text += chunk;
    expect(text).toBe("GET / 200\nGET /favicon.ico 404\n");
    const request = fake.requests.at(-1);
    expect(Object.fromEntries(request?.query ?? [])).toEqual({
      appNamespace: "argocd",
      project: "plateau-demo",
      namespace: "demo",
      follow: "false",
      tailLines: "100",
    });
  });

  it("is declarative: the reconciler applies stops", () => {
    expect(engine.declarative).toBe(true);
  });
});
