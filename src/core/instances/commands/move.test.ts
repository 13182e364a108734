import { describe, expect, it } from "vitest";
import { alice, instanceHarness } from "../../../../test/support/instances.js";
import { parseInstance, serialize } from "../../model.js";
import { instancePath } from "../../repository/layout.js";

describe("instance commands: move", () => {
  it("moves a built-in template in one commit: its files leave the old platform and appear on the new one, with the namespace", async () => {
    const h = await instanceHarness();
    await h.service.launch({ template: "static-site", project: "demo", name: "site", platform: "local" }, alice);
    const rendered = (await h.files("rendered/local/demo/site")).map((path) => path.replace("rendered/local/", ""));
    const moved = await h.service.move("demo", "site", "spare", alice, "move-key");
    expect(moved).toMatchObject({ placement: { platform: "spare" }, instance: { platform: "spare" } });
    expect(await h.files("rendered/local/demo")).toEqual(["rendered/local/demo/namespace.yaml"]);
    expect((await h.files("rendered/spare/demo/site")).map((path) => path.replace("rendered/spare/", ""))).toEqual(rendered);
    expect(await h.read("rendered/spare/demo/namespace.yaml")).toContain("kind: Namespace");
    expect(parseInstance((await h.read(instancePath("demo", "site"))) ?? "", "site").placement).toEqual({
      platform: "spare",
      reason: "moved from local by alice",
    });
    expect((await h.repo.log({ limit: 1 }))[0]?.subject).toBe("move demo/site from local to spare");
    // A retry answers the first move; moving where it already is commits nothing.
    expect(await h.service.move("demo", "site", "spare", alice, "move-key")).toMatchObject({ commit: moved.commit });
    expect(await h.service.move("demo", "site", "spare", alice)).toMatchObject({ commit: null });
  });

  it("re-resolves a built-in template's values with the catalog's current version", async () => {
    const h = await instanceHarness();
    await h.service.launch({ template: "static-site", project: "demo", name: "site", platform: "local" }, alice);
    const intent = parseInstance((await h.read(instancePath("demo", "site"))) ?? "", "site");
    // An intent written by an older Plateau: an older version, a value left to its default.
    const { size: _size, ...older } = intent.spec.values;
    await h.repo.commit({
      parent: await h.head(),
      author: { name: "Operator", email: "op@example.org" },
      message: "an older intent",
      trailers: {},
      changes: [{ path: instancePath("demo", "site"), content: serialize({ ...intent, spec: { ...intent.spec, templateVersion: "0.0.1", values: older } }) }],
    });
    await h.service.move("demo", "site", "spare", alice);
    expect(parseInstance((await h.read(instancePath("demo", "site"))) ?? "", "site").spec).toMatchObject({
      templateVersion: intent.spec.templateVersion,
      values: intent.spec.values,
    });
  });

  it("moves a chart between platforms with Argo CD, its values and version unchanged, and refuses a platform without", async () => {
    const h = await instanceHarness();
    await h.service.launch({ template: "ide/jupyter", project: "demo", name: "notebook", platform: "plmshift", version: "1.0.0" }, alice);
    const before = parseInstance((await h.read(instancePath("demo", "notebook"))) ?? "", "notebook").spec;
    await h.service.move("demo", "notebook", "plmshift-2", alice);
    expect(await h.files("rendered/plmshift/demo/_helm")).toEqual([]);
    expect(await h.files("rendered/plmshift-2/demo/_helm/notebook")).toHaveLength(1);
    expect(parseInstance((await h.read(instancePath("demo", "notebook"))) ?? "", "notebook").spec).toEqual(before);
    await expect(h.service.move("demo", "notebook", "local", alice)).rejects.toThrow(/runs no Helm charts/);
  });

  it("carries what a chart's rendering recorded, as its source says, and drops a record the source does not carry", async () => {
    const h = await instanceHarness();
    await h.service.launch({ template: "ide/db", project: "demo", name: "db", platform: "plmshift", values: { host: "db.example.org" } }, alice);
    const before = parseInstance((await h.read(instancePath("demo", "db"))) ?? "", "db").spec;
    expect(before.rendered).toMatchObject({ host: "db.example.org" });
    const moved = await h.service.move("demo", "db", "plmshift-2", alice);
    expect(parseInstance((await h.read(instancePath("demo", "db"))) ?? "", "db").spec).toEqual(before);
    expect(moved.instance?.url).toBe("https://db.example.org/");
    // A built-in template's source carries no record: one written by hand there does not survive a move.
    await h.service.launch({ template: "static-site", project: "demo", name: "site", platform: "local" }, alice);
    const site = parseInstance((await h.read(instancePath("demo", "site"))) ?? "", "site");
    await h.repo.commit({
      parent: await h.head(),
      author: { name: "Operator", email: "op@example.org" },
      message: "a record by hand",
      trailers: {},
      changes: [{ path: instancePath("demo", "site"), content: serialize({ ...site, spec: { ...site.spec, rendered: before.rendered } }) }],
    });
    await h.service.move("demo", "site", "spare", alice);
    expect(parseInstance((await h.read(instancePath("demo", "site"))) ?? "", "site").spec).not.toHaveProperty("rendered");
  });
});
