// Contracts of the database-backed ports: StateIndex, StatusStore and SecretStore. Every
// adapter (SQLite, PostgreSQL, memory) passes them.
import { describe, expect, it } from "vitest";
import type { SecretStore } from "./secret-store.js";
import type { AccessStore } from "./access-store.js";
import { describeAccessStoreContract } from "./access-store.contract.js";
import type { IndexDelta, IndexedInstance, IndexedProject, StateIndex } from "./state-index.js";
import type { ObservedStatus, StatusStore } from "./status-store.js";

export interface Stores {
  readonly index: StateIndex;
  readonly statuses: StatusStore;
  readonly secrets: SecretStore;
  readonly access: AccessStore;
}

/** A lab project with members by login and by group, and a quota of its own. */
const LAB_PROJECT: IndexedProject = {
  name: "lab",
  title: "Lab",
  createdAt: "t",
  createdBy: "bob",
  lab: "imb",
  personal: null,
  members: [
    { login: "bob", role: "owner" },
    { group: "lab:imb", role: "viewer" },
  ],
  quota: { cpu: 4, memoryGiB: 8.5 },
  tiers: ["experimental", "institutional"],
};

/** A delta that changes nothing but the commit the index reflects. */
export const emptyDelta = (commit: string): IndexDelta => ({
  commit,
  reset: false,
  platforms: { upsert: [], remove: [] },
  projects: { upsert: [], remove: [] },
  instances: { upsert: [], remove: [] },
  requests: [],
});

const instance = (project: string, name: string, extra: Partial<IndexedInstance> = {}): IndexedInstance => ({
  project,
  name,
  template: "static-site",
  templateVersion: "1.0.0",
  platform: "local",
  state: "running",
  values: { image: "x", nested: { a: [1, "é"] } },
  placementReason: "only platform",
  createdAt: "2026-01-01T00:00:00.000Z",
  createdBy: "alice",
  expiresAt: null,
  ...extra,
});

export function describeStoreContract(name: string, create: () => Promise<Stores>): void {
  describeAccessStoreContract(name, async () => (await create()).access);
  describe(`StateIndex contract: ${name}`, () => {
    it("starts with no indexed commit and nothing in it", async () => {
      const { index } = await create();
      expect(await index.indexedCommit()).toBeNull();
      expect(await index.listInstances({})).toEqual([]);
      expect(await index.getInstance("demo", "x")).toBeUndefined();
    });

    it("applies deltas with their commit, and answers queries", async () => {
      const { index } = await create();
      await index.apply({
        ...emptyDelta("c1"),
        platforms: {
          upsert: [
            {
              name: "local",
              title: "This machine",
              engine: "podman",
              tier: "experimental",
              site: "local",
              infrastructure: "local",
              domain: "localhost",
              flavour: "kubernetes",
            },
          ],
          remove: [],
        },
        projects: {
          upsert: [
            { name: "demo", title: "Demo", createdAt: "t", createdBy: "alice", lab: null, personal: "alice", members: [], quota: {}, tiers: ["experimental"] },
            LAB_PROJECT,
          ],
          remove: [],
        },
        instances: { upsert: [instance("demo", "b"), instance("demo", "a"), instance("lab", "c", { platform: "other" })], remove: [] },
        requests: [{ id: "req-1", commit: "c1", target: "demo/a" }],
      });
      expect(await index.indexedCommit()).toBe("c1");
      expect((await index.listInstances({})).map((i) => `${i.project}/${i.name}`)).toEqual(["demo/a", "demo/b", "lab/c"]);
      expect((await index.listInstances({ project: "demo" })).map((i) => i.name)).toEqual(["a", "b"]);
      expect((await index.listInstances({ platform: "other" })).map((i) => i.name)).toEqual(["c"]);
      expect(await index.getInstance("demo", "a")).toEqual(instance("demo", "a"));
      expect((await index.listProjects()).map((p) => p.name)).toEqual(["demo", "lab"]);
      expect(await index.getProject("lab")).toEqual(LAB_PROJECT);
      expect((await index.listInstances({ projects: ["lab"] })).map((i) => i.name)).toEqual(["c"]);
      expect(await index.listInstances({ projects: [] })).toEqual([]);
      expect((await index.getPlatform("local"))?.engine).toBe("podman");
      expect(await index.findRequest("req-1")).toEqual({ id: "req-1", commit: "c1", target: "demo/a" });
      expect(await index.findRequest("req-2")).toBeUndefined();

      await index.apply({
        ...emptyDelta("c2"),
        projects: { upsert: [], remove: ["lab"] },
        instances: {
          upsert: [instance("demo", "a", { state: "stopped", expiresAt: "2026-02-01T00:00:00.000Z" })],
          remove: [{ project: "lab", name: "c" }],
        },
      });
      expect(await index.indexedCommit()).toBe("c2");
      expect(await index.getInstance("demo", "a")).toEqual(instance("demo", "a", { state: "stopped", expiresAt: "2026-02-01T00:00:00.000Z" }));
      expect((await index.listInstances({ project: "demo" })).find((i) => i.name === "a")?.expiresAt).toBe("2026-02-01T00:00:00.000Z");
      expect(await index.getInstance("lab", "c")).toBeUndefined();
      expect(await index.getProject("lab")).toBeUndefined();
    });

    it("keeps what an instance's rendering recorded, and its absence", async () => {
      const { index } = await create();
      const rendered = {
        requests: { cpu: 1.5, memoryGiB: 0.75, gpu: 1, storageGiB: 8 },
        largestPod: { cpu: 1, memoryGiB: 0.5, gpu: 1 },
        host: "db.example.org",
      };
      await index.apply({ ...emptyDelta("c1"), instances: { upsert: [instance("demo", "a", { rendered }), instance("demo", "b")], remove: [] } });
      expect(await index.getInstance("demo", "a")).toEqual(instance("demo", "a", { rendered }));
      expect((await index.listInstances({ project: "demo" })).map((i) => i.rendered)).toEqual([rendered, undefined]);
      expect(await index.getInstance("demo", "b")).not.toHaveProperty("rendered");
      await index.apply({ ...emptyDelta("c2"), instances: { upsert: [instance("demo", "a")], remove: [] } });
      expect(await index.getInstance("demo", "a")).toEqual(instance("demo", "a"));
    });

    it("keeps how an instance's intent says it stops, and its absence", async () => {
      const { index } = await create();
      await index.apply({
        ...emptyDelta("c1"),
        instances: {
          upsert: [instance("demo", "a", { stopBy: "remove-on-expiry" }), instance("demo", "b", { stopBy: "replicas" }), instance("demo", "c")],
          remove: [],
        },
      });
      expect(await index.getInstance("demo", "a")).toEqual(instance("demo", "a", { stopBy: "remove-on-expiry" }));
      expect((await index.listInstances({ project: "demo" })).map((i) => i.stopBy)).toEqual(["remove-on-expiry", "replicas", undefined]);
      expect(await index.getInstance("demo", "c")).not.toHaveProperty("stopBy");
      await index.apply({ ...emptyDelta("c2"), instances: { upsert: [instance("demo", "a")], remove: [] } });
      expect(await index.getInstance("demo", "a")).toEqual(instance("demo", "a"));
    });

    it("rebuilds from scratch on reset", async () => {
      const { index } = await create();
      await index.apply({ ...emptyDelta("c1"), instances: { upsert: [instance("demo", "a")], remove: [] } });
      await index.apply({ ...emptyDelta("c9"), reset: true, instances: { upsert: [instance("demo", "z")], remove: [] } });
      expect((await index.listInstances({})).map((i) => i.name)).toEqual(["z"]);
    });
  });

  describe(`StatusStore contract: ${name}`, () => {
    const status = (extra: Partial<ObservedStatus> = {}): ObservedStatus => ({
      project: "demo",
      instance: "a",
      platform: "local",
      phase: "starting",
      reason: "pulling image",
      reasonCode: "pulling",
      reasonParams: { image: "nginx:1.27" },
      appliedHash: null,
      endpoint: null,
      updatedAt: "2026-01-01T00:00:00.000Z",
      ...extra,
    });

    it("keeps the latest status of each instance", async () => {
      const { statuses } = await create();
      await statuses.setStatus(status());
      await statuses.setStatus(status({ phase: "running", reason: "", appliedHash: "abc", endpoint: "127.0.0.1:1234" }));
      await statuses.setStatus(status({ instance: "b", platform: "other" }));
      expect(await statuses.getStatus("demo", "a")).toEqual(status({ phase: "running", reason: "", appliedHash: "abc", endpoint: "127.0.0.1:1234" }));
      expect((await statuses.listStatuses({})).map((s) => s.instance)).toEqual(["a", "b"]);
      expect((await statuses.listStatuses({ platform: "other" })).map((s) => s.instance)).toEqual(["b"]);
      await statuses.setStatus(status({ project: "other", instance: "c" }));
      await statuses.setStatus(status({ project: "demo-2", instance: "d" }));
      expect((await statuses.listStatuses({ projects: ["demo", "other"] })).map((s) => `${s.project}/${s.instance}`)).toEqual(["demo/a", "demo/b", "other/c"]);
      expect(await statuses.listStatuses({ projects: [] })).toEqual([]);
      expect((await statuses.listStatuses({ projects: ["demo"], platform: "other" })).map((s) => s.instance)).toEqual(["b"]);
      await statuses.deleteStatus("demo", "a");
      expect(await statuses.getStatus("demo", "a")).toBeUndefined();
    });

    it("keeps each status's reason code and values beside its sentence", async () => {
      const { statuses } = await create();
      await statuses.setStatus(status());
      expect(await statuses.getStatus("demo", "a")).toMatchObject({ reason: "pulling image", reasonCode: "pulling", reasonParams: { image: "nginx:1.27" } });
      const retry = { reason: "boom (next attempt in 4s)", reasonCode: "retry-scheduled", reasonParams: { reason: "boom", seconds: 4 } } as const;
      await statuses.setStatus(status({ phase: "failed", ...retry }));
      expect(await statuses.getStatus("demo", "a")).toMatchObject(retry);
      expect((await statuses.listStatuses({ project: "demo" }))[0]).toMatchObject(retry);
    });

    it("keeps events in order, latest last, and bounded", async () => {
      const { statuses } = await create();
      for (let i = 0; i < 250; i++) await statuses.addEvent({ project: "demo", instance: "a", at: `t${i}`, kind: "other", params: {}, message: `m${i}` });
      await statuses.addEvent({ project: "demo", instance: "b", at: "t", kind: "other", params: {}, message: "other" });
      const latest = await statuses.listEvents("demo", "a", 3);
      expect(latest.map((e) => e.message)).toEqual(["m247", "m248", "m249"]);
      expect((await statuses.listEvents("demo", "a", 1000)).length).toBeLessThanOrEqual(201);
      await statuses.deleteStatus("demo", "a");
      expect(await statuses.listEvents("demo", "a", 10)).toEqual([]);
      expect(await statuses.listEvents("demo", "b", 10)).toHaveLength(1);
    });

    it("keeps each event's kind and values beside its message", async () => {
      const { statuses } = await create();
      const pulling = {
        project: "demo",
        instance: "a",
        at: "t1",
        kind: "pulling",
        params: { image: "nginx:1.27" },
        message: "pulling image nginx:1.27",
      } as const;
      const failed = {
        project: "demo",
        instance: "a",
        at: "t2",
        kind: "action-failed",
        params: { action: "apply", reason: "exit 1" },
        message: "apply failed: exit 1",
      } as const;
      await statuses.addEvent(pulling);
      await statuses.addEvent(failed);
      expect(await statuses.listEvents("demo", "a", 10)).toEqual([pulling, failed]);
    });
  });

  describe(`SecretStore contract: ${name}`, () => {
    it("generates each secret once and returns the same value afterwards", async () => {
      const { secrets } = await create();
      let n = 0;
      const generate = () => `secret-${++n}`;
      const first = await secrets.ensure("demo", "a", ["db", "token"], generate);
      expect(Object.keys(first).sort()).toEqual(["db", "token"]);
      const again = await secrets.ensure("demo", "a", ["db", "token", "extra"], generate);
      expect(again.db).toBe(first.db);
      expect(again.token).toBe(first.token);
      expect(again.extra).toMatch(/^secret-/);
      expect(await secrets.ensure("demo", "a", ["db"], generate)).toEqual({ db: first.db });
      expect(await secrets.ensure("demo", "b", [], generate)).toEqual({});
    });

    it("gives the same values to concurrent callers", async () => {
      const { secrets } = await create();
      let n = 0;
      const results = await Promise.all([1, 2, 3].map(() => secrets.ensure("demo", "c", ["db"], () => `v${++n}`)));
      expect(new Set(results.map((r) => r.db)).size).toBe(1);
    });

    it("keeps a chosen secret over a generated one, and reads every secret of an instance", async () => {
      const { secrets } = await create();
      await secrets.ensure("demo", "a", ["db"], () => "generated");
      await secrets.put("demo", "a", { db: "chosen", "security.password": "mine" });
      expect(await secrets.ensure("demo", "a", ["db", "security.password"], () => "other")).toEqual({ db: "chosen", "security.password": "mine" });
      expect(await secrets.read("demo", "a")).toEqual({ db: "chosen", "security.password": "mine" });
      expect(Object.keys(await secrets.read("demo", "a"))).toEqual(["db", "security.password"]);
      expect(await secrets.read("demo", "b")).toEqual({});
      await secrets.put("demo", "b", {});
      expect(await secrets.owners()).toEqual([{ project: "demo", instance: "a" }]);
    });

    it("forgets the secrets of a removed instance and lists owners", async () => {
      const { secrets } = await create();
      await secrets.ensure("demo", "a", ["db"], () => "x");
      await secrets.ensure("lab", "b", ["db"], () => "y");
      expect(await secrets.owners()).toEqual([
        { project: "demo", instance: "a" },
        { project: "lab", instance: "b" },
      ]);
      await secrets.remove("demo", "a");
      expect(await secrets.owners()).toEqual([{ project: "lab", instance: "b" }]);
      expect(await secrets.ensure("demo", "a", ["db"], () => "new")).toEqual({ db: "new" });
    });
  });
}
