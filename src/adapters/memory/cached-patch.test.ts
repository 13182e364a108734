// The caching index patches what it keeps when a delta changes a few instances (ADR 44): what it
// answers is still exactly what the index answers, and the unchanged instances are the very
// objects it answered before, so that what callers remember by identity (each instance's
// resources, the views) survives a launch in a large fleet.
import { describe, expect, it } from "vitest";
import { createMemoryStore } from "./memory-store.js";
import { createCachedIndex } from "../../core/index/cached-index.js";
import { emptyDelta } from "../../core/ports/store.contract.js";
import type { IndexDelta, IndexedInstance, IndexedProject, InstanceFilter } from "../../core/ports/state-index.js";
import { indexChangesBetween } from "../../core/index/indexer.js";
import { seededRandom } from "../../../test/support/random.js";
import { alice, memoryPlateau } from "../../../test/support/plateau.js";

const instance = (project: string, name: string, platform = "local", state: IndexedInstance["state"] = "running"): IndexedInstance => ({
  project,
  name,
  template: "static-site",
  templateVersion: "1.0.0",
  platform,
  state,
  values: { size: name.length },
  placementReason: "",
  createdAt: "t",
  createdBy: "bob",
  expiresAt: null,
});

const project = (name: string, title = name): IndexedProject => ({
  name,
  title,
  createdAt: "t",
  createdBy: "bob",
  lab: "imb",
  personal: null,
  members: [{ login: "bob", role: "owner" }],
  quota: {},
  tiers: [],
});

const upserting = (commit: string, instances: IndexedInstance[]): IndexDelta => ({ ...emptyDelta(commit), instances: { upsert: instances, remove: [] } });

describe("the caching index, patched by small deltas", () => {
  it("answers the unchanged instances as the very objects it answered before a launch", async () => {
    const store = createMemoryStore();
    const cached = createCachedIndex(store.index);
    await cached.apply({ ...upserting("c1", [instance("a", "one"), instance("b", "two")]), projects: { upsert: [project("a")], remove: [] } });
    const [one, two] = await cached.listInstances({});
    const [ofB] = await cached.listInstances({ project: "b" });
    const projects = await cached.listProjects();
    const got = await cached.getInstance("b", "two");
    await cached.apply(upserting("c2", [instance("a", "three")]));
    expect(await cached.indexedCommit()).toBe("c2");
    const after = await cached.listInstances({});
    expect(after.map((i) => i.name)).toEqual(["one", "three", "two"]);
    expect(after[0]).toBe(one);
    expect(after[2]).toBe(two);
    // A list the change does not concern is the same array; projects were not touched.
    expect((await cached.listInstances({ project: "b" }))[0]).toBe(ofB);
    expect(await cached.listProjects()).toEqual(projects);
    expect(await cached.getInstance("b", "two")).toBe(got);
  });

  it("answers what the index answers after any sequence of deltas, small, large and rebuilds (seeded)", async () => {
    const next = seededRandom(4417);
    const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)] as T;
    const store = createMemoryStore();
    const cached = createCachedIndex(store.index);
    const projects = ["a", "b", "c", "d-e", "de"];
    const names = ["x", "y", "z", "x-1", "x1"];
    const filters: InstanceFilter[] = [{}, { project: "a" }, { projects: ["b", "d-e"] }, { platform: "local" }, { platform: "plmshift" }, { projects: [] }];
    for (let step = 0; step < 300; step++) {
      const size = next() < 0.05 ? 150 : 1 + Math.floor(next() * 3);
      const upsert = Array.from({ length: size }, () => instance(pick(projects), pick(names), pick(["local", "plmshift"]), pick(["running", "stopped"])));
      const remove = next() < 0.4 ? [{ project: pick(projects), name: pick(names) }] : [];
      await cached.apply({
        ...emptyDelta(`c${step}`),
        reset: next() < 0.03,
        instances: { upsert: upsert.filter((u) => !remove.some((r) => r.project === u.project && r.name === u.name)), remove },
        projects: { upsert: next() < 0.1 ? [project(pick(projects), `t${step}`)] : [], remove: [] },
      });
      for (const filter of filters)
        expect(await cached.listInstances(filter), `step ${step}, ${JSON.stringify(filter)}`).toEqual(await store.index.listInstances(filter));
      expect(await cached.listProjects()).toEqual(await store.index.listProjects());
      const [p, n] = [pick(projects), pick(names)];
      expect(await cached.getInstance(p, n)).toEqual(await store.index.getInstance(p, n));
    }
  });

  it("forgets what it patched once another replica moved the shared index", async () => {
    const store = createMemoryStore();
    const mine = createCachedIndex(store.index);
    const other = createCachedIndex(store.index);
    await mine.apply(upserting("c1", [instance("a", "one")]));
    expect((await mine.listInstances({})).map((i) => i.state)).toEqual(["running"]);
    await other.apply(upserting("c2", [instance("a", "one", "local", "stopped")]));
    expect(await mine.indexedCommit()).toBe("c2");
    expect((await mine.listInstances({})).map((i) => i.state)).toEqual(["stopped"]);
  });

  it("patches, on another replica, what it keeps from git's diff when the shared index moved, launches and a project's change alike", async () => {
    const { plateau, adapters, repo } = await memoryPlateau();
    try {
      const follower = createCachedIndex(adapters.index, { changedBetween: (from, to) => indexChangesBetween(repo, from, to) });
      await plateau.services.projects.create({ name: "demo", lab: "imb", title: "Demo" }, alice);
      const launch = (name: string) => plateau.services.instances.launch({ template: "static-site", project: "demo", name }, alice);
      await launch("one");
      await launch("two");
      await follower.indexedCommit();
      const [one, two] = await follower.listInstances({});
      const projects = await follower.listProjects();
      await launch("three");
      await follower.indexedCommit();
      const after = await follower.listInstances({});
      expect(after.map((i) => i.name)).toEqual(["one", "three", "two"]);
      expect(after[0]).toBe(one);
      expect(after[2]).toBe(two);
      expect(after).toEqual(await adapters.index.listInstances({}));
      expect(await follower.listProjects()).toEqual(projects);
      // A change of the project's file: its projects are read again.
      await plateau.services.projects.setMembers(
        "demo",
        [
          { login: "alice", role: "owner" },
          { login: "bob", role: "viewer" },
        ],
        alice,
      );
      await plateau.services.instances.stop("demo", "one", alice);
      await follower.indexedCommit();
      expect(await follower.listProjects()).toEqual(await adapters.index.listProjects());
      expect(await follower.listInstances({ project: "demo" })).toEqual(await adapters.index.listInstances({ project: "demo" }));
      expect((await follower.getInstance("demo", "one"))?.state).toBe("stopped");
    } finally {
      await plateau.stop();
    }
  });
});
