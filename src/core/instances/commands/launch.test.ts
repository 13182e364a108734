import { describe, expect, it } from "vitest";
import { alice, clusterA, instanceHarness } from "../../../../test/support/instances.js";
import { ConflictError, NotFoundError, QuotaExceededError } from "../../errors.js";
import { parseInstance, serialize } from "../../model.js";
import { instancePath } from "../../repository/layout.js";

describe("instance commands: launch", () => {
  it("launches a built-in template in one commit: the project, its namespace, the intent with its expiry, and the rendered files", async () => {
    const h = await instanceHarness();
    const before = await h.head();
    const result = await h.service.launch({ template: "static-site", project: "demo", name: "site", platform: "local" }, alice);
    expect(result).toMatchObject({ replayed: false, placement: { platform: expect.any(String) } });
    expect((await h.repo.log({ limit: 2 })).map((commit) => commit.id)).toEqual([result.commit, before]);
    const platform = result.placement.platform;
    expect(await h.read("projects/demo/project.yaml")).toContain("title: demo");
    expect(await h.read(`rendered/${platform}/demo/namespace.yaml`)).toContain("kind: Namespace");
    expect((await h.files(`rendered/${platform}/demo/site`)).length).toBeGreaterThan(0);
    const intent = parseInstance((await h.read(instancePath("demo", "site"))) ?? "", "intent");
    expect(intent.spec).toMatchObject({ template: "static-site", state: "running", expiresAt: "2026-03-31T09:00:00.000Z" });
    expect(result.instance).toMatchObject({ name: "site", url: "http://site.demo.localhost:8080/" });
  });

  it("launches a Helm chart on a platform with Argo CD; one without global.suspend never expires", async () => {
    const h = await instanceHarness();
    const chart = await h.service.launch({ template: "ide/plain", project: "demo", name: "plain" }, alice);
    expect(chart.placement.platform).toMatch(/^plmshift/);
    expect(chart.placement.excluded.map((excluded) => excluded.platform).sort()).toEqual(["local", "spare"]);
    expect(await h.files(`rendered/${chart.placement.platform}/demo/_helm/plain`)).toHaveLength(1);
    const intent = parseInstance((await h.read(instancePath("demo", "plain"))) ?? "", "intent");
    expect(intent.spec).toEqual({ template: "ide/plain", templateVersion: "1.4.2", state: "running", values: expect.any(Object) });
    const suspendable = await h.service.launch({ template: "ide/jupyter", project: "demo", name: "notebook", version: "1.0.0" }, alice);
    expect(parseInstance((await h.read(instancePath("demo", "notebook"))) ?? "", "intent").spec).toMatchObject({
      templateVersion: "1.0.0",
      expiresAt: "2026-03-31T09:00:00.000Z",
    });
    expect(suspendable.instance.expiresAt).toBe("2026-03-31T09:00:00.000Z");
  });

  it("answers a retry with the first result, refuses a name taken and a template nobody has, committing nothing", async () => {
    const h = await instanceHarness();
    const first = await h.service.launch({ template: "static-site", project: "demo", name: "site", requestId: "key-1" }, alice);
    const again = await h.service.launch({ template: "static-site", project: "demo", name: "site", requestId: "key-1" }, alice);
    expect(again).toMatchObject({ replayed: true, commit: first.commit, instance: { name: "site" } });
    const head = await h.head();
    await expect(h.service.launch({ template: "static-site", project: "demo", name: "site" }, alice)).rejects.toThrow(
      "instance demo/site already exists; choose another name or remove it first",
    );
    await expect(h.service.launch({ template: "nothing", project: "demo" }, alice)).rejects.toThrow(NotFoundError);
    expect(await h.head()).toBe(head);
    await h.service.remove("demo", "site", alice);
    await expect(h.service.launch({ template: "static-site", project: "demo", name: "site", requestId: "key-1" }, alice)).rejects.toThrow(ConflictError);
  });

  it("says where a launch would go and what it asks, without launching", async () => {
    const h = await instanceHarness();
    const head = await h.head();
    const site = await h.service.placement({ template: "static-site", project: "demo", values: { size: "medium" } }, alice);
    expect(site.asks).toEqual({ cpu: 0.2, memoryGiB: 0.125, gpu: 0, instances: 1, storageGiB: 0 });
    const chart = await h.service.placement({ template: "ide/jupyter", project: "demo", platform: "plmshift" }, alice);
    expect(chart).toMatchObject({ platform: "plmshift", asks: { cpu: 0.5, memoryGiB: 2, gpu: 0, instances: 1, storageGiB: 10 } });
    await expect(h.service.placement({ template: "ide/jupyter", project: "demo", platform: "local" }, alice)).rejects.toThrow(/runs no Helm charts/);
    expect(await h.head()).toBe(head);
  });

  describe("a chart counts what its rendered pods ask, and is reached at its rendered host", () => {
    // ide/db's values say 100m and 256Mi; its rendering asks 1.5 CPU, 3 GiB and 8 GiB of storage a replica. demo's quota: 2 CPU, 8 GiB, 20 GiB.
    it("records its rendering in the intent, counts it against the quota, and has no address without a Route or Ingress", async () => {
      const h = await instanceHarness();
      const result = await h.service.launch({ template: "ide/db", project: "demo", name: "db" }, alice);
      const intent = parseInstance((await h.read(instancePath("demo", "db"))) ?? "", "intent");
      expect(intent.spec.rendered).toEqual({ requests: { cpu: 1.5, memoryGiB: 3, gpu: 0, storageGiB: 8 }, largestPod: { cpu: 1, memoryGiB: 2, gpu: 0 } });
      expect(result.instance.url).toBeNull();
      expect(result.instance).not.toHaveProperty("rendered");
      expect((await h.tenancy.report("demo")).project.used).toEqual({ cpu: 1.5, memoryGiB: 3, gpu: 0, instances: 1, storageGiB: 8 });
      // Its values would count 0.1 CPU: a second one fits by them, not by what is already placed.
      const head = await h.head();
      await expect(h.service.launch({ template: "ide/db", project: "demo", name: "db2" }, alice)).rejects.toThrow(QuotaExceededError);
      await expect(h.service.launch({ template: "ide/db", project: "demo", name: "db2" }, alice)).rejects.toThrow(
        "project demo quota exceeded for cpu: asked 1.5 cores, 0.5 of 2 cores remain (1.5 in use)",
      );
      expect(await h.head()).toBe(head);
    });

    it("refuses a launch whose rendered pods exceed the quota though its values' resources fit it, committing nothing", async () => {
      const h = await instanceHarness();
      const head = await h.head();
      await expect(h.service.launch({ template: "ide/db", project: "demo", name: "db", values: { replicas: 2 } }, alice)).rejects.toThrow(
        "project demo quota exceeded for cpu: asked 3 cores, 2 of 2 cores remain (0 in use)",
      );
      expect(await h.head()).toBe(head);
    });

    it("is reached at the host its Route or Ingress renders; an intent without the record keeps the platform's address and its values' asks", async () => {
      const h = await instanceHarness();
      const result = await h.service.launch({ template: "ide/db", project: "demo", name: "db", values: { host: "db.demo.apps.example.org" } }, alice);
      expect(result.instance.url).toBe("https://db.demo.apps.example.org/");
      expect((await h.service.list({ project: "demo" }))[0]?.url).toBe("https://db.demo.apps.example.org/");
      // Written by hand (or by an older Plateau): no record.
      const intent = parseInstance((await h.read(instancePath("demo", "db"))) ?? "", "intent");
      const { rendered: _rendered, ...spec } = intent.spec;
      await h.repo.commit({
        parent: await h.head(),
        author: { name: "Operator", email: "op@example.org" },
        message: "by hand",
        trailers: {},
        changes: [{ path: instancePath("demo", "db"), content: serialize({ ...intent, spec }) }],
      });
      await h.sync();
      const view = await h.service.get("demo", "db");
      expect(view.url).toBe(`http://db.demo.${clusterA.spec.domain}:8080/`);
      expect((await h.tenancy.report("demo")).project.used).toMatchObject({ cpu: 0.1, memoryGiB: 0.25, storageGiB: 0 });
    });
  });
});
