import { describe, expect, it } from "vitest";
import { alice, instanceHarness } from "../../../../test/support/instances.js";
import { ConflictError, NotFoundError } from "../../errors.js";
import { parseInstance } from "../../model.js";
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
});
