import { describe, expect, it } from "vitest";
import { alice, bucketSource, fakeHelm, instanceHarness } from "../../../../test/support/instances.js";
import { NotFoundError } from "../../errors.js";
import { webWithDatabase } from "../../testing/fixtures.js";
import { createSourceRegistry, INSTANCE_SOURCES, type SourceDeps } from "./index.js";

const deps: SourceDeps = {
  catalog: { list: async () => [webWithDatabase], get: async (id) => (id === webWithDatabase.spec.id ? webWithDatabase : undefined) },
  random: { int: () => 0, secret: (n) => "s".repeat(n), id: () => "id" },
  urlOf: ({ instance, project, domain }) => `https://${instance}.${project}.${domain}/`,
  helm: fakeHelm(),
};

describe("the registry of instance sources", () => {
  it("picks the source that claims an id: charts for <catalog>/<chart>, built-in templates for the rest", async () => {
    const registry = createSourceRegistry(deps);
    expect(registry.kinds.map((kind) => kind.kind)).toEqual(["helm-chart", "template"]);
    expect((await registry.sourceFor("ide/jupyter")).kind).toBe("helm-chart");
    expect((await registry.sourceFor("web-db")).kind).toBe("template");
    await expect(registry.sourceFor("static-site")).rejects.toThrow(NotFoundError);
  });

  it("says every directory an instance may have rendered, whatever it is made from", () => {
    expect(createSourceRegistry(deps).renderedDirs("local", "demo", "site")).toEqual([
      "rendered/local/demo/_helm/site",
      "rendered/local/demo/site",
      "rendered/local/demo/_recovery/site",
    ]);
    expect(createSourceRegistry(deps, [bucketSource, ...INSTANCE_SOURCES]).renderedDirs("*", "demo", "site")).toContain("rendered/*/demo/_bucket/site");
  });

  it("answers not found when no source claims an id", async () => {
    const registry = createSourceRegistry(deps, [bucketSource]);
    await expect(registry.sourceFor("web-db")).rejects.toThrow('template "web-db" not found');
    expect((await registry.sourceFor("bucket-data")).kind).toBe("bucket");
  });

  it("says what an instance already placed counts against quotas, as the kind that claims it says, even when its source is gone", async () => {
    const registry = createSourceRegistry(deps);
    const stopped = { project: "demo", name: "x", state: "stopped" as const };
    const chartValues = { resources: { requests: { cpu: "1" } }, persistence: { enabled: true, size: "5Gi" } };
    // A chart of a catalog no longer configured still asks what its values say (stopped: its volume).
    expect(await registry.asksOf({ ...stopped, template: "gone/chart", values: chartValues })).toEqual({
      cpu: 0,
      memoryGiB: 0,
      gpu: 0,
      instances: 1,
      storageGiB: 5,
    });
    expect(await registry.asksOf({ ...stopped, state: "running", template: "gone/chart", values: chartValues })).toMatchObject({ cpu: 1, storageGiB: 5 });
    const placeOnly = { cpu: 0, memoryGiB: 0, gpu: 0, instances: 1, storageGiB: 0 };
    expect(await registry.asksOf({ ...stopped, template: "static-site", values: {} })).toEqual(placeOnly);
    expect(await createSourceRegistry(deps, [bucketSource]).asksOf({ ...stopped, template: "web-db", values: {} })).toEqual(placeOnly);
  });

  it("takes a third source with no edit of the instance service: launched, counted, stopped, moved, listed and removed", async () => {
    const h = await instanceHarness({ sources: [bucketSource, ...INSTANCE_SOURCES] });
    const launched = await h.service.launch({ template: "bucket-data", project: "demo", name: "data", values: { sizeGiB: 3 }, platform: "local" }, alice);
    expect(launched.instance).toMatchObject({ template: "bucket-data", platform: "local", state: "running" });
    expect(JSON.parse((await h.read("rendered/local/demo/_bucket/data/bucket.json")) ?? "{}")).toEqual({
      sizeGiB: 3,
      state: "running",
      address: "http://data.demo.localhost:8080/",
    });
    // What it asks is checked against the project's quota (20 GiB of storage by default).
    await expect(h.service.launch({ template: "bucket-data", project: "demo", name: "more", values: { sizeGiB: 25 } }, alice)).rejects.toThrow(
      "project demo quota exceeded for storageGiB",
    );
    // The bucket already placed counts too (tenancy asks the registry): 3 + 18 GiB is over the 20.
    await expect(h.service.launch({ template: "bucket-data", project: "demo", name: "more", values: { sizeGiB: 18 } }, alice)).rejects.toThrow(
      "project demo quota exceeded for storageGiB",
    );
    expect((await h.service.placement({ template: "bucket-data", project: "demo", values: { sizeGiB: 2 } }, alice)).asks).toMatchObject({
      storageGiB: 2,
      cpu: 0,
    });

    await h.service.stop("demo", "data", alice);
    expect(JSON.parse((await h.read("rendered/local/demo/_bucket/data/bucket.json")) ?? "{}")).toMatchObject({ frozen: true, state: "stopped" });
    await h.service.move("demo", "data", "spare", alice);
    expect(await h.files("rendered/local/demo")).toEqual(["rendered/local/demo/namespace.yaml"]);
    expect(await h.files("rendered/spare/demo")).toEqual(["rendered/spare/demo/_bucket/data/bucket.json", "rendered/spare/demo/namespace.yaml"]);
    // Placed again as a launch is, it stays stopped there.
    expect(JSON.parse((await h.read("rendered/spare/demo/_bucket/data/bucket.json")) ?? "{}")).toMatchObject({ sizeGiB: 3, frozen: true, state: "stopped" });
    expect((await h.service.history({ project: "demo", instance: "data" })).map((entry) => entry.action)).toEqual(["move", "stop", "launch"]);

    await h.service.remove("demo", "data", alice);
    expect(await h.files("rendered/spare/demo")).toEqual(["rendered/spare/demo/namespace.yaml"]);
    expect(await h.service.list({ project: "demo" })).toEqual([]);
  });
});
