import { describe, expect, it } from "vitest";
import { alice, instanceHarness } from "../../../../test/support/instances.js";
import { ConflictError } from "../../errors.js";
import { parseInstance } from "../../model.js";
import { instancePath } from "../../repository/layout.js";

const intentOf = async (h: Awaited<ReturnType<typeof instanceHarness>>, name: string) => parseInstance((await h.read(instancePath("demo", name))) ?? "", name);

describe("instance commands: stop, start, renew, expire", () => {
  it("stops and starts a built-in template by rendering it stopped; a second stop commits nothing", async () => {
    const h = await instanceHarness();
    await h.service.launch({ template: "static-site", project: "demo", name: "site", platform: "local" }, alice);
    const stopped = await h.service.stop("demo", "site", alice);
    expect(stopped.instance).toMatchObject({ state: "stopped" });
    expect((await h.repo.log({ limit: 1 }))[0]).toMatchObject({ subject: "stop demo/site", trailers: { "Plateau-Action": "stop" } });
    expect(await h.service.stop("demo", "site", alice)).toMatchObject({ commit: null });
    h.clock.advanceDays(10);
    const started = await h.service.start("demo", "site", alice);
    expect(started.commit).not.toBeNull();
    // A start gives a fresh expiry.
    expect((await intentOf(h, "site")).spec).toMatchObject({ state: "running", expiresAt: "2026-04-10T09:00:00.000Z" });
  });

  it("stops a chart through global.suspend; one without it is refused, committing nothing", async () => {
    const h = await instanceHarness();
    await h.service.launch({ template: "ide/jupyter", project: "demo", name: "notebook" }, alice);
    await h.service.stop("demo", "notebook", alice);
    expect((await intentOf(h, "notebook")).spec).toMatchObject({ state: "stopped", templateVersion: "1.4.2", values: { global: { suspend: true } } });
    await h.service.start("demo", "notebook", alice, "start-key");
    expect((await intentOf(h, "notebook")).spec.values).toMatchObject({ global: { suspend: false } });

    await h.service.launch({ template: "ide/plain", project: "demo", name: "plain" }, alice);
    const head = await h.head();
    await expect(h.service.stop("demo", "plain", alice)).rejects.toThrow(ConflictError);
    await expect(h.service.stop("demo", "plain", alice)).rejects.toThrow(
      "demo/plain is a Helm chart without global.suspend: it cannot be stopped, only removed",
    );
    expect(await h.head()).toBe(head);
  });

  it("counts a stopped chart by its rendered storage only, and checks a start against what its rendered pods ask", async () => {
    const h = await instanceHarness();
    await h.service.launch({ template: "ide/db", project: "demo", name: "db" }, alice);
    const recorded = (await intentOf(h, "db")).spec.rendered;
    await h.service.stop("demo", "db", alice);
    expect((await intentOf(h, "db")).spec.rendered).toEqual(recorded);
    expect((await h.tenancy.report("demo")).project.used).toEqual({ cpu: 0, memoryGiB: 0, gpu: 0, instances: 1, storageGiB: 8 });
    // While it is stopped, another takes 1.5 of the 2 CPUs: it cannot start again (its values would say 0.1 CPU).
    await h.service.launch({ template: "ide/db", project: "demo", name: "other" }, alice);
    const head = await h.head();
    await expect(h.service.start("demo", "db", alice)).rejects.toThrow(
      "project demo quota exceeded for cpu: asked 1.5 cores, 0.5 of 2 cores remain (1.5 in use)",
    );
    expect(await h.head()).toBe(head);
    await h.service.remove("demo", "other", alice);
    await h.service.start("demo", "db", alice);
    expect((await h.tenancy.report("demo")).project.used).toEqual({ cpu: 1.5, memoryGiB: 3, gpu: 0, instances: 1, storageGiB: 8 });
  });

  it("stops a chart without global.suspend by its replica values at 0, and starts it with them as they were (ADR 24)", async () => {
    const h = await instanceHarness();
    await h.service.launch({ template: "ide/scaled", project: "demo", name: "web" }, alice);
    const launched = (await intentOf(h, "web")).spec;
    expect(launched).toMatchObject({ values: { replicaCount: 2 }, stop: { by: "replicas", paths: [["replicaCount"]] } });
    expect(launched.expiresAt).toBeDefined();
    await h.service.stop("demo", "web", alice);
    expect((await intentOf(h, "web")).spec).toMatchObject({
      state: "stopped",
      values: { replicaCount: 0 },
      stop: { by: "replicas", restore: [{ path: ["replicaCount"], value: 2 }] },
    });
    expect((await h.repo.log({ limit: 1 }))[0]).toMatchObject({ subject: "stop demo/web" });
    await h.service.start("demo", "web", alice);
    const started = (await intentOf(h, "web")).spec;
    expect(started).toMatchObject({ state: "running", values: { replicaCount: 2 } });
    expect(started.stop).toEqual({ by: "replicas", paths: [["replicaCount"]] });
  });

  it("refuses to stop a chart nothing scales to zero, naming why; its expiry removes it, as Plateau, once (ADR 24)", async () => {
    const h = await instanceHarness();
    await h.service.launch({ template: "ide/daemon", project: "demo", name: "agent" }, alice);
    expect((await intentOf(h, "agent")).spec.expiresAt).toBeDefined();
    const head = await h.head();
    await expect(h.service.stop("demo", "agent", alice)).rejects.toMatchObject({
      reason: "not-stoppable",
      message: expect.stringContaining("DaemonSet/daemon-agent runs on every node"),
    });
    expect(await h.head()).toBe(head);
    h.clock.advanceDays(31);
    const report = await h.service.expireDue();
    expect(report).toMatchObject({ expired: [{ instance: "demo/agent" }], failed: [] });
    const [commit] = await h.repo.log({ limit: 1 });
    expect(commit).toMatchObject({ subject: "expire demo/agent", author: { name: "Plateau" }, trailers: { "Plateau-Action": "expire" } });
    expect(await h.read(instancePath("demo", "agent"))).toBeUndefined();
    expect(await h.files("rendered")).not.toContainEqual(expect.stringContaining("/demo/_helm/agent/"));
    expect(await h.service.expireDue()).toEqual({ expired: [], failed: [] });
  });

  it("renews a running instance, refuses a stopped one, and answers a retry with its first commit", async () => {
    const h = await instanceHarness();
    await h.service.launch({ template: "static-site", project: "demo", name: "site", platform: "local" }, alice);
    const renewed = await h.service.renew("demo", "site", { days: 10 }, alice, "renew-key");
    expect(renewed.instance?.expiresAt).toBe("2026-04-10T09:00:00.000Z");
    expect(await h.service.renew("demo", "site", { days: 10 }, alice, "renew-key")).toMatchObject({ commit: renewed.commit });
    await h.service.stop("demo", "site", alice);
    await expect(h.service.renew("demo", "site", {}, alice)).rejects.toThrow("demo/site is stopped: it does not expire while it does not run");
  });

  it("stops what expired, as Plateau, once; a chart that cannot be stopped never expires", async () => {
    const h = await instanceHarness();
    await h.service.launch({ template: "static-site", project: "demo", name: "site", platform: "local" }, alice);
    await h.service.launch({ template: "ide/plain", project: "demo", name: "plain" }, alice);
    await h.service.launch({ template: "ide/jupyter", project: "demo", name: "notebook" }, alice);
    expect(await h.service.expireDue()).toEqual({ expired: [], failed: [] });
    h.clock.advanceDays(31);
    const report = await h.service.expireDue();
    expect(report.expired.map((entry) => entry.instance).sort()).toEqual(["demo/notebook", "demo/site"]);
    expect(report.failed).toEqual([]);
    expect((await h.repo.log({ limit: 1 }))[0]?.author.name).toBe("Plateau");
    expect((await intentOf(h, "notebook")).spec.values).toMatchObject({ global: { suspend: true } });
    expect((await intentOf(h, "plain")).spec.state).toBe("running");
    expect(await h.service.expireDue()).toEqual({ expired: [], failed: [] });
  });
});
