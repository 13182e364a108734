import { describe, expect, it } from "vitest";
import { alice, bucketSource, instanceHarness } from "../../../test/support/instances.js";
import type { InstanceService } from "./service.js";
import { INSTANCE_SOURCES } from "./sources/index.js";

const METHODS: readonly (keyof InstanceService)[] = [
  "placement",
  "launch",
  "secrets",
  "stop",
  "start",
  "renew",
  "expireDue",
  "idleStep",
  "stoppable",
  "keep",
  "move",
  "resize",
  "restore",
  "recover",
  "planRecovery",
  "remove",
  "get",
  "list",
  "observed",
  "events",
  "history",
  "diff",
  "logs",
];

describe("the instance service", () => {
  it("composes every command and query of InstanceService, and nothing else", async () => {
    const { service } = await instanceHarness();
    expect(Object.keys(service).sort()).toEqual([...METHODS].sort());
    for (const method of METHODS) expect(typeof service[method]).toBe("function");
  });

  it("runs a lifecycle end to end: launch, stop, start, renew, move, remove, with one commit each", async () => {
    const h = await instanceHarness();
    await h.service.launch({ template: "static-site", project: "demo", name: "site", platform: "local" }, alice);
    await h.service.stop("demo", "site", alice);
    await h.service.start("demo", "site", alice);
    await h.service.renew("demo", "site", { days: 5 }, alice);
    await h.service.move("demo", "site", "spare", alice);
    expect(await h.service.get("demo", "site")).toMatchObject({ platform: "spare", state: "running", expiresAt: "2026-04-05T09:00:00.000Z" });
    await h.service.remove("demo", "site", alice);
    expect((await h.service.history({ project: "demo", instance: "site" })).map((entry) => entry.action)).toEqual([
      "remove",
      "move",
      "renew",
      "start",
      "stop",
      "launch",
    ]);
  });

  it("picks each instance's source from the registry: a source given in its dependencies needs no edit of the service", async () => {
    const h = await instanceHarness({ sources: [bucketSource, ...INSTANCE_SOURCES] });
    await h.service.launch({ template: "bucket-photos", project: "demo", name: "photos", values: { sizeGiB: 2 }, platform: "local" }, alice);
    await h.service.launch({ template: "static-site", project: "demo", name: "site", platform: "local" }, alice);
    await h.service.launch({ template: "ide/jupyter", project: "demo", name: "notebook" }, alice);
    expect(await h.files("rendered/local/demo/_bucket")).toEqual(["rendered/local/demo/_bucket/photos/bucket.json"]);
    expect((await h.files("rendered/local/demo/site")).length).toBeGreaterThan(1);
    expect((await h.service.list({ project: "demo" })).map((view) => view.template)).toEqual(["ide/jupyter", "bucket-photos", "static-site"]);
    // Without it, the same id is a built-in template the catalog does not have.
    const plain = await instanceHarness();
    await expect(plain.service.launch({ template: "bucket-photos", project: "demo", name: "photos" }, alice)).rejects.toThrow(
      'template "bucket-photos" not found',
    );
  });
});
