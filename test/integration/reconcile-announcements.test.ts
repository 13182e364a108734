// The reconciler writes an apply's status and events while the engine works (a launch need not
// wait for those writes): they still land in order, and a failure is the last word even when
// the writes are slower than the engine.
import { describe, expect, it } from "vitest";
import { createMemoryEngine } from "../../src/adapters/memory/memory-engine.js";
import { createMemoryStore } from "../../src/adapters/memory/memory-store.js";
import type { Engine } from "../../src/core/ports/engine.js";
import type { StatusStore } from "../../src/core/ports/status-store.js";
import { alice, memoryPlateau } from "../support/plateau.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the reconciler's announcements", () => {
  it("land in order, before the failure of an engine faster than the status store", async () => {
    const memory = createMemoryEngine();
    // Says what it does, then fails at once.
    const engine: Engine = {
      ...memory,
      async apply(_unit, options) {
        options.progress("pulling image example.org/nope:1", "pulling", { image: "example.org/nope:1" });
        throw new Error("image example.org/nope:1 could not be pulled");
      },
    };
    const store = createMemoryStore();
    // Every status write takes a while: the engine's failure comes before they are done.
    const statuses: StatusStore = {
      ...store.statuses,
      async setStatus(status) {
        await sleep(20);
        await store.statuses.setStatus(status);
      },
    };
    const { plateau, reconciler } = await memoryPlateau({ ...store, statuses, engines: new Map([["podman", engine]]) });
    await plateau.services.instances.launch({ template: "static-site", project: "demo", name: "broken" }, alice);
    await reconciler.reconcileOnce();
    await sleep(100); // a write still pending would land meanwhile

    const view = await plateau.services.instances.get("demo", "broken");
    expect(view.phase).toBe("failed");
    expect(view.reason).toContain("could not be pulled");
    const messages = (await plateau.services.instances.events("demo", "broken")).map((event) => event.message);
    const applying = messages.findIndex((message) => message.startsWith("applying revision"));
    const pulling = messages.indexOf("pulling image example.org/nope:1");
    const failed = messages.findIndex((message) => message.startsWith("apply failed"));
    expect(applying).toBeGreaterThanOrEqual(0);
    expect(pulling).toBeGreaterThanOrEqual(0);
    expect(failed).toBeGreaterThanOrEqual(0);
    // Events are listed newest first or oldest first: either way, in the order they happened.
    const order = [applying, pulling, failed];
    expect([order, [...order].reverse()]).toContainEqual([...order].sort((a, b) => a - b));
  });

  it("reports a status write that fails while the engine works as the apply's failure, without ending the process", async () => {
    const memory = createMemoryEngine();
    const engine: Engine = {
      ...memory,
      async apply(unit, options) {
        await sleep(50); // the failed write is long done meanwhile
        return memory.apply(unit, options);
      },
    };
    const store = createMemoryStore();
    const statuses: StatusStore = {
      ...store.statuses,
      async setStatus(status) {
        if (status.phase === "starting") throw new Error("the database is unreachable");
        await store.statuses.setStatus(status);
      },
    };
    const { plateau, reconciler } = await memoryPlateau({ ...store, statuses, engines: new Map([["podman", engine]]) });
    await plateau.services.instances.launch({ template: "static-site", project: "demo", name: "unlucky" }, alice);
    await reconciler.reconcileOnce();
    const view = await plateau.services.instances.get("demo", "unlucky");
    expect(view.phase).toBe("failed");
    expect(view.reason).toContain("the database is unreachable");
  });
});
