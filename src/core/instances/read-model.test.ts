import { describe, expect, it } from "vitest";
import { alice, instanceHarness } from "../../../test/support/instances.js";
import { ConflictError, InputError, NotFoundError } from "../errors.js";
import { createCachedIndex, createCachedStatuses } from "../index/cached-index.js";
import type { Engine } from "../ports/engine.js";
import { createInstanceReadModel, MAX_PATCH_BYTES, truncatePatch } from "./read-model.js";
import { createSourceRegistry } from "./sources/index.js";

/** A read model over the harness's stores, cached as the composition caches them, with one instance of each source. */
async function setup() {
  const h = await instanceHarness();
  const site = await h.service.launch({ template: "static-site", project: "demo", name: "site", platform: "local" }, alice);
  const notebook = await h.service.launch({ template: "ide/jupyter", project: "demo", name: "notebook", platform: "plmshift" }, alice);
  const statuses = createCachedStatuses(h.statuses);
  const logs: Pick<Engine, "logs"> = {
    async *logs(project, instance) {
      yield `${project}/${instance}: hello`;
    },
  };
  const read = createInstanceReadModel({
    repo: h.repo,
    index: createCachedIndex(h.index),
    statuses,
    engines: { get: (platform) => (platform.metadata.name === "local" ? (logs as Engine) : undefined) },
    urlOf: ({ instance, project, domain }) => `https://${instance}.${project}.${domain}/`,
    expiring: true,
    renderedDirs: createSourceRegistry({
      catalog: { list: async () => [], get: async () => undefined },
      random: { int: () => 0, secret: () => "", id: () => "" },
      urlOf: () => "",
    }).renderedDirs,
  });
  return { h, read, statuses, site, notebook };
}

const status = (instance: string, phase: "running" | "stopped") => ({
  project: "demo",
  instance,
  platform: "local",
  phase,
  reason: "",
  reasonCode: "reported" as const,
  reasonParams: { reason: "" },
  appliedHash: null,
  endpoint: null,
  updatedAt: "2026-03-01T09:00:00.000Z",
});

describe("the instances' read model", () => {
  it("lists and gets views with their address and expiry, the same objects while nothing changes", async () => {
    const { read, statuses } = await setup();
    const list = await read.list({ project: "demo" });
    expect(list.map((view) => [view.name, view.url, view.expiresAt])).toEqual([
      ["notebook", "https://notebook.demo.apps.math.example.org/", "2026-03-31T09:00:00.000Z"],
      ["site", "https://site.demo.localhost/", "2026-03-31T09:00:00.000Z"],
    ]);
    expect(await read.list({ project: "demo" })).toBe(list);
    const view = await read.get("demo", "site");
    expect(await read.get("demo", "site")).toBe(view);
    await statuses.setStatus(status("site", "running"));
    expect(await read.list({ project: "demo" })).not.toBe(list);
    expect(await read.get("demo", "site")).not.toBe(view);
    await expect(read.get("demo", "gone")).rejects.toThrow(NotFoundError);
    await expect(read.list({ project: "Not A Name" })).rejects.toThrow(InputError);
  });

  it("says what each instance's expiry does, from the index: a chart that nothing scales to zero is removed, others stop", async () => {
    const { h, read } = await setup();
    // Without volumes: the project's storage quota holds the notebook's already.
    const values = { persistence: { enabled: false } };
    await h.service.launch({ template: "ide/daemon", project: "demo", name: "agent", platform: "plmshift", values }, alice);
    await h.service.launch({ template: "ide/scaled", project: "demo", name: "web", platform: "plmshift", values }, alice);
    expect((await read.list({ project: "demo" })).map((view) => [view.name, view.expiry])).toEqual([
      ["agent", "remove"],
      ["notebook", "stop"],
      ["site", "stop"],
      ["web", "stop"],
    ]);
    expect(await read.get("demo", "agent")).toMatchObject({ expiresAt: "2026-03-31T09:00:00.000Z", expiry: "remove" });
    expect(await read.get("demo", "agent")).not.toHaveProperty("stopBy");
  });

  it("says what the platform observed and the instance's events", async () => {
    const { read, statuses } = await setup();
    await expect(read.observed("demo", "site")).rejects.toThrow('status of instance "demo/site" not found');
    await statuses.setStatus(status("site", "running"));
    expect(await read.observed("demo", "site")).toMatchObject({ phase: "running" });
    await statuses.addEvent({ project: "demo", instance: "site", at: "2026-03-01T09:00:01.000Z", kind: "starting", params: {}, message: "started" });
    expect((await read.events("demo", "site")).map((event) => event.message)).toEqual(["started"]);
    await expect(read.events("demo", "gone")).rejects.toThrow(NotFoundError);
  });

  it("gives an instance's history and each commit's diff, whatever source rendered it", async () => {
    const { h, read, site, notebook } = await setup();
    await h.service.stop("demo", "notebook", alice);
    expect((await read.history({ project: "demo", instance: "notebook" })).map((entry) => entry.action)).toEqual(["stop", "launch"]);
    expect((await read.history({ project: "demo" })).map((entry) => entry.subject)).toEqual([
      "stop demo/notebook",
      expect.stringMatching(/^launch demo\/notebook/),
      expect.stringMatching(/^launch demo\/site/),
    ]);
    await expect(read.history({ instance: "site" })).rejects.toThrow(InputError);
    const diff = await read.diff("demo", "notebook", notebook.commit as string);
    expect(diff).toMatchObject({ action: "launch", author: "alice", truncated: false });
    expect(diff.patch).toContain("rendered/plmshift/demo/_helm/notebook/");
    expect(diff.patch).not.toContain("rendered/local/demo/site/");
    await expect(read.diff("demo", "notebook", site.commit as string)).rejects.toThrow(NotFoundError);
    await expect(read.diff("demo", "notebook", "abc")).rejects.toThrow("is not a commit id");
  });

  it("streams logs from the engine of the instance's platform, and says when there is none", async () => {
    const { read } = await setup();
    const lines: string[] = [];
    for await (const line of await read.logs("demo", "site", { follow: false, tail: 10 })) lines.push(line);
    expect(lines).toEqual(["demo/site: hello"]);
    await expect(read.logs("demo", "notebook", { follow: false, tail: 10 })).rejects.toThrow(ConflictError);
    await expect(read.logs("demo", "notebook", { follow: false, tail: 10 })).rejects.toThrow("no engine for platform plmshift");
  });

  it("cuts a patch after a whole line, within the bound", () => {
    expect(truncatePatch("a\nb\n", 10)).toEqual({ patch: "a\nb\n", truncated: false });
    expect(truncatePatch("ab\ncd\nef", 7)).toEqual({ patch: "ab\ncd\n", truncated: true });
    expect(truncatePatch("é".repeat(10), 5)).toEqual({ patch: "", truncated: true });
    expect(MAX_PATCH_BYTES).toBe(256 * 1024);
  });
});
