// Two replicas' caches over one shared store (ADR 40, 43): what one replica changed, the other
// answers too — the index once its refresh has asked the indexed commit, the statuses (written
// by the leader's reconcilers) within the age they are kept.
import { describe, expect, it } from "vitest";
import { createMemoryStore } from "./memory-store.js";
import { createCachedIndex, createCachedStatuses } from "../../core/index/cached-index.js";
import { emptyDelta } from "../../core/ports/store.contract.js";
import type { IndexedProject } from "../../core/ports/state-index.js";
import type { ObservedStatus } from "../../core/ports/status-store.js";

const project = (name: string, members: IndexedProject["members"]): IndexedProject => ({
  name,
  title: name,
  createdAt: "t",
  createdBy: "bob",
  lab: "imb",
  personal: null,
  members,
  quota: {},
  tiers: [],
});

const status = (phase: ObservedStatus["phase"]): ObservedStatus => ({
  project: "demo",
  instance: "a",
  platform: "local",
  phase,
  reason: "",
  reasonCode: "reported",
  reasonParams: { reason: "" },
  appliedHash: null,
  endpoint: null,
  updatedAt: "2026-01-01T00:00:00.000Z",
});

describe("caches of two replicas over one store", () => {
  it("the index: a replica that did not apply a change forgets what it kept once the shared commit moved", async () => {
    const store = createMemoryStore();
    const a = createCachedIndex(store.index);
    const b = createCachedIndex(store.index);
    await a.apply({ ...emptyDelta("c1"), projects: { upsert: [project("demo", [{ login: "bob", role: "owner" }])], remove: [] } });
    expect(await b.indexedCommit()).toBe("c1");
    expect((await b.getProject("demo"))?.members).toEqual([{ login: "bob", role: "owner" }]);
    // A removes bob from the project; B's refresh finds the shared index at the head and applies nothing.
    await a.apply({ ...emptyDelta("c2"), projects: { upsert: [project("demo", [{ login: "alice", role: "owner" }])], remove: [] } });
    expect(await b.indexedCommit()).toBe("c2");
    expect((await b.getProject("demo"))?.members).toEqual([{ login: "alice", role: "owner" }]);
    expect((await b.listProjects()).map((p) => p.members)).toEqual([[{ login: "alice", role: "owner" }]]);
  });

  it("statuses: a replica's answer is kept at most maxAgeMs when another replica writes them", async () => {
    const store = createMemoryStore();
    let now = Date.parse("2026-12-01T09:00:00.000Z");
    const clock = { now: () => new Date(now) };
    const leader = createCachedStatuses(store.statuses);
    const follower = createCachedStatuses(store.statuses, { clock, maxAgeMs: 1000 });
    await leader.setStatus(status("starting"));
    expect((await follower.getStatus("demo", "a"))?.phase).toBe("starting");
    expect((await follower.listStatuses({ project: "demo" })).map((s) => s.phase)).toEqual(["starting"]);
    await leader.setStatus(status("running"));
    now += 999;
    expect((await follower.getStatus("demo", "a"))?.phase).toBe("starting");
    now += 1;
    expect((await follower.getStatus("demo", "a"))?.phase).toBe("running");
    expect((await follower.listStatuses({ project: "demo" })).map((s) => s.phase)).toEqual(["running"]);
  });
});
