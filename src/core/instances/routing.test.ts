import { describe, expect, it } from "vitest";
import type { SecretStore } from "../ports/secret-store.js";
import type { IndexedInstance, StateIndex } from "../ports/state-index.js";
import type { ObservedStatus, StatusStore } from "../ports/status-store.js";
import type { TemplateCatalog } from "../ports/template-catalog.js";
import { createRouter, parseInstanceHost } from "./routing.js";

describe("parseInstanceHost", () => {
  it("finds the instance and project of a host under the domain", () => {
    expect(parseInstanceHost("hello.demo.localhost:8080", "localhost")).toEqual({ project: "demo", instance: "hello" });
    expect(parseInstanceHost("Hello.Demo.LocalHost", "localhost")).toEqual({ project: "demo", instance: "hello" });
    expect(parseInstanceHost("app.lab.apps.example.org.", "apps.example.org")).toEqual({ project: "lab", instance: "app" });
  });

  it("ignores hosts that are not an instance's", () => {
    for (const host of [
      "localhost:8080",
      "demo.localhost",
      "a.b.c.localhost",
      "127.0.0.1:8080",
      "hello.demo.example.org",
      "x_y.demo.localhost",
      "hello.demo.localhost.evil.org",
      "",
    ]) {
      expect(parseInstanceHost(host, "localhost"), host).toBeUndefined();
    }
  });
});

describe("createRouter", () => {
  it("does not keep a route read before an invalidation that came during the read", async () => {
    const starting: ObservedStatus = {
      project: "demo",
      instance: "hello",
      platform: "local",
      phase: "starting",
      reason: "starting the pod",
      reasonCode: "starting",
      reasonParams: {},
      endpoint: null,
      appliedHash: null,
      updatedAt: "2026-01-01T00:00:00.000Z",
    };
    let status = starting;
    // The status read waits for `release` while `held`: the reconciler's change lands meanwhile.
    let held = true;
    let release = () => {};
    const statuses: Pick<StatusStore, "getStatus"> = {
      async getStatus() {
        const seen = status;
        if (held) await new Promise<void>((resolve) => (release = resolve));
        return seen;
      },
    };
    const indexed = { project: "demo", name: "hello", platform: "local", state: "running", template: "static-site" };
    const index: Pick<StateIndex, "getInstance"> = { getInstance: async () => indexed as unknown as IndexedInstance };
    const catalog: Pick<TemplateCatalog, "get"> = { get: async () => undefined };
    const router = createRouter({
      // Only what resolving a route reads is given.
      index: index as StateIndex,
      statuses: statuses as StatusStore,
      secrets: {} as SecretStore,
      catalog: catalog as TemplateCatalog,
      clock: { now: () => new Date("2026-01-01T00:00:00Z") }, // time stands still: only invalidation forgets
      random: { int: () => 0, secret: () => "s", id: () => "id" },
      platform: "local",
      domain: "localhost",
    });

    const reading = router.resolve("hello.demo.localhost");
    await new Promise((resolve) => setImmediate(resolve));
    status = { ...starting, phase: "running", reason: "", endpoint: "127.0.0.1:9999", appliedHash: "abc" };
    router.invalidate("demo", "hello");
    held = false;
    release();
    expect(await reading).toMatchObject({ kind: "unavailable", phase: "starting" });
    expect(await router.resolve("hello.demo.localhost")).toMatchObject({ kind: "upstream", endpoint: "127.0.0.1:9999" });
  });

  it("tells who waits for an instance's route when it changes, and only for that instance", async () => {
    const router = createRouter({
      index: {} as StateIndex,
      statuses: {} as StatusStore,
      secrets: {} as SecretStore,
      catalog: {} as TemplateCatalog,
      clock: { now: () => new Date("2026-01-01T00:00:00Z") },
      random: { int: () => 0, secret: () => "s", id: () => "id" },
      platform: "local",
      domain: "localhost",
    });
    const settled: string[] = [];
    const wait = (instance: string) => router.changed("demo", instance).then(() => settled.push(instance));
    const [hello, other, again] = [wait("hello"), wait("other"), wait("hello")];
    router.invalidate("demo", "hello");
    await Promise.all([hello, again]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toEqual(["hello", "hello"]);
    // A change of every route (the desired state moved) settles the others.
    router.clear();
    await other;
    expect(settled).toEqual(["hello", "hello", "other"]);
  });
});
