// Projects, platforms and lists of instances are read on every request (authorization asks
// who the members of a project are; the portal polls lists) and change only when the index
// does. This index keeps them in memory and forgets them whenever a delta is applied: the
// index is only ever changed through `apply`, by this process's indexer, so what it answers
// is never older than the index itself. Answers are shared: callers treat them as read-only,
// as their types say. Several replicas share one index (ADR 40): another one may move it, so
// asking the indexed commit (each replica's refresh does, every few seconds) forgets all when
// it is not the one last seen (ADR 43).
import type { IndexedInstance, IndexedPlatform, IndexedProject, InstanceFilter, StateIndex } from "../ports/state-index.js";
import type { ObservedStatus, StatusStore } from "../ports/status-store.js";
import type { Clock } from "../ports/clock.js";

const LISTS_KEPT = 1000;

export function createCachedIndex(index: StateIndex): StateIndex {
  let projects: Promise<Map<string, IndexedProject>> | undefined;
  let platforms: Promise<IndexedPlatform[]> | undefined;
  const lists = new Map<string, Promise<IndexedInstance[]>>();
  const instances = new Map<string, Promise<IndexedInstance | undefined>>();
  let generation = 0;
  let seenCommit: string | null | undefined;
  const forget = () => {
    generation++;
    projects = undefined;
    platforms = undefined;
    lists.clear();
    instances.clear();
  };

  function load<T>(read: () => Promise<T>, keep: (value: Promise<T>) => void): Promise<T> {
    const started = generation;
    const value = read();
    // A read that raced with an `apply` may hold the old state: it answers its caller, but is not kept.
    value.then(
      () => {
        if (generation === started) keep(value);
      },
      () => undefined,
    );
    return value;
  }

  const projectMap = () =>
    projects ??
    load(
      async () => new Map((await index.listProjects()).map((project) => [project.name, project])),
      (value) => (projects = value),
    );
  const platformList = () =>
    platforms ??
    load(
      () => index.listPlatforms(),
      (value) => (platforms = value),
    );

  return {
    ...index,
    async indexedCommit() {
      const commit = await index.indexedCommit();
      if (seenCommit !== undefined && commit !== seenCommit) forget();
      seenCommit = commit;
      return commit;
    },
    async apply(delta) {
      forget();
      try {
        await index.apply(delta);
      } finally {
        forget();
      }
    },
    listInstances(filter: InstanceFilter) {
      const key = JSON.stringify([filter.project ?? null, filter.platform ?? null, filter.projects ?? null]);
      const cached = lists.get(key);
      if (cached) return cached;
      return load(
        () => index.listInstances(filter),
        (value) => {
          if (lists.size >= LISTS_KEPT) lists.clear();
          lists.set(key, value);
        },
      );
    },
    getInstance(project, name) {
      const key = `${project}/${name}`;
      const cached = instances.get(key);
      if (cached) return cached;
      return load(
        () => index.getInstance(project, name),
        (value) => {
          if (instances.size >= LISTS_KEPT * 10) instances.clear();
          instances.set(key, value);
        },
      );
    },
    findRequest: (id) => index.findRequest(id),
    async listProjects() {
      return [...(await projectMap()).values()];
    },
    async getProject(name) {
      return (await projectMap()).get(name);
    },
    listPlatforms: () => platformList(),
    async getPlatform(name) {
      return (await platformList()).find((candidate) => candidate.name === name);
    },
  };
}

/**
 * Observed statuses, with lists kept in memory until a status changes. Reconcilers and
 * services share this one wrapper, so every change goes through it and forgets the lists.
 * When other replicas write the same store (their reconcilers run on the leader, ADR 40),
 * `maxAgeMs` bounds how long an answer is kept (ADR 43).
 */
export function createCachedStatuses(statuses: StatusStore, shared?: { readonly clock: Clock; readonly maxAgeMs: number }): StatusStore {
  const lists = new Map<string, Promise<ObservedStatus[]>>();
  const single = new Map<string, Promise<ObservedStatus | undefined>>();
  let generation = 0;
  const forget = () => {
    generation++;
    lists.clear();
    single.clear();
  };
  // Shared: everything kept is forgotten at once, maxAgeMs after the first of it was kept.
  let keptSince = 0;
  /** The answer kept under `key`, or read now — and kept unless a change raced with the read. */
  function remembered<T>(map: Map<string, Promise<T>>, key: string, read: () => Promise<T>): Promise<T> {
    if (shared) {
      const now = shared.clock.now().getTime();
      if (now - keptSince >= shared.maxAgeMs || now < keptSince) {
        forget();
        keptSince = now;
      }
    }
    const cached = map.get(key);
    if (cached) return cached;
    const started = generation;
    const value = read();
    value.then(
      () => {
        if (generation !== started) return;
        if (map.size >= LISTS_KEPT * 10) map.clear();
        map.set(key, value);
      },
      () => undefined,
    );
    return value;
  }
  return {
    async setStatus(status) {
      forget();
      try {
        await statuses.setStatus(status);
      } finally {
        forget();
      }
    },
    getStatus: (project, instance) => remembered(single, `${project}/${instance}`, () => statuses.getStatus(project, instance)),
    listStatuses: (filter) => remembered(lists, JSON.stringify([filter.project ?? null, filter.platform ?? null]), () => statuses.listStatuses(filter)),
    async deleteStatus(project, instance) {
      forget();
      try {
        await statuses.deleteStatus(project, instance);
      } finally {
        forget();
      }
    },
    addEvent: (event) => statuses.addEvent(event),
    listEvents: (project, instance, limit) => statuses.listEvents(project, instance, limit),
  };
}
