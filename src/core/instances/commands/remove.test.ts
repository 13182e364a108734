import { describe, expect, it } from "vitest";
import { alice, instanceHarness } from "../../../../test/support/instances.js";
import { NotFoundError } from "../../errors.js";

describe("instance commands: remove", () => {
  it("removes the intent and everything rendered of it, whatever it is made from, in one commit", async () => {
    const h = await instanceHarness();
    await h.service.launch({ template: "static-site", project: "demo", name: "site", platform: "plmshift" }, alice);
    await h.service.launch({ template: "ide/jupyter", project: "demo", name: "notebook", platform: "plmshift" }, alice);
    const site = await h.service.remove("demo", "site", alice);
    expect(site.instance).toBeNull();
    expect((await h.repo.log({ limit: 1 }))[0]).toMatchObject({ id: site.commit, subject: "remove demo/site" });
    await h.service.remove("demo", "notebook", alice, "remove-key");
    expect(await h.read("projects/demo/instances/site.yaml")).toBeUndefined();
    expect(await h.files("rendered/plmshift/demo/site")).toEqual([]);
    expect(await h.files("rendered/plmshift/demo/_helm")).toEqual([]);
    expect(await h.service.list({ project: "demo" })).toEqual([]);
  });

  it("answers a retry with its first commit, and refuses an instance that does not exist", async () => {
    const h = await instanceHarness();
    await h.service.launch({ template: "static-site", project: "demo", name: "site", platform: "local" }, alice);
    const first = await h.service.remove("demo", "site", alice, "remove-key");
    expect(await h.service.remove("demo", "site", alice, "remove-key")).toEqual({ commit: first.commit, instance: null });
    await expect(h.service.remove("demo", "site", alice)).rejects.toThrow(NotFoundError);
  });
});
