// Projects, platforms and lists of instances are read on every request (authorization asks
// who the members of a project are; the portal polls lists; every launch weighs the fleet's
// usage) and change only when the index does. This index keeps them in memory: the index is
// only ever changed through `apply`, by this process's indexer, so what it answers is never
// older than the index itself. A delta of a few instances patches what is kept (the changed
// instances read back from the index, the unchanged ones the very same objects, so that what
// callers remember by identity holds: ADR 44); a larger one, or a rebuild, forgets it all.
// Answers are shared: callers treat them as read-only, as their types say. Several replicas
// share one index (ADR 40): another one may move it, so asking the indexed commit (each
// replica's refresh does, every few seconds) forgets all when it is not the one last seen (ADR 43).
import type { CommitId } from "../ports/desired-state-repository.js";
import type { IndexedInstance, IndexedPlatform, IndexedProject, InstanceFilter, StateIndex } from "../ports/state-index.js";
import type { ObservedStatus, StatusStore } from "../ports/status-store.js";
import type { Clock } from "../ports/clock.js";

const LISTS_KEPT = 1000;
/** A delta changing more instances than this is applied by forgetting: reading lists again is then cheaper than patching them. */
const PATCHED_AT_MOST = 100;

const instanceKey = (instance: { readonly project: string; readonly name: string }) => `${instance.project}/${instance.name}`;

const matches = (instance: IndexedInstance, filter: InstanceFilter): boolean =>
  (filter.project === undefined || instance.project === filter.project) &&
  (filter.projects === undefined || filter.projects.includes(instance.project)) &&
  (filter.platform === undefined || instance.platform === filter.platform);

const before = (a: IndexedInstance, b: IndexedInstance): boolean => a.project < b.project || (a.project === b.project && a.name < b.name);

/**
 * A list with the changed instances as they now are (undefined: removed): replaced in place,
 * dropped, or inserted in order. The very same array when none of them concerns it.
 */
export function patchedList(
  list: readonly IndexedInstance[],
  filter: InstanceFilter,
  changed: ReadonlyMap<string, IndexedInstance | undefined>,
): IndexedInstance[] {
  let patched: IndexedInstance[] | undefined;
  for (const [key, now] of changed) {
    const current = patched ?? list;
    const at = current.findIndex((instance) => instanceKey(instance) === key);
    const keep = now !== undefined && matches(now, filter);
    if (at < 0 && !keep) continue;
    patched ??= [...list];
    if (at >= 0 && keep) patched[at] = now;
    else if (at >= 0) patched.splice(at, 1);
    else {
      let low = 0;
      let high = patched.length;
      while (low < high) {
        const middle = (low + high) >> 1;
        if (before(patched[middle] as IndexedInstance, now as IndexedInstance)) low = middle + 1;
        else high = middle;
      }
      patched.splice(low, 0, now as IndexedInstance);
    }
  }
  return patched ?? (list as IndexedInstance[]);
}

/** What moved in the index between two commits, as the repository says: the instances, and whether projects or platforms did. */
export interface IndexChanges {
  readonly instances: readonly { readonly project: string; readonly name: string }[];
  readonly projects: boolean;
  readonly platforms: boolean;
}

export interface CachedIndexOptions {
  /**
   * What changed between two commits (ADR 44): with it, a replica whose shared index another
   * replica moved patches what it keeps instead of forgetting it all; undefined: forget.
   */
  readonly changedBetween?: (from: CommitId, to: CommitId) => Promise<IndexChanges | undefined>;
}

export function createCachedIndex(index: StateIndex, options: CachedIndexOptions = {}): StateIndex {
  let projects: Promise<Map<string, IndexedProject>> | undefined;
  let platforms: Promise<IndexedPlatform[]> | undefined;
  const lists = new Map<string, { readonly filter: InstanceFilter; readonly value: Promise<IndexedInstance[]> }>();
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
  /** What is kept now, to be patched once the index has moved. */
  const keptNow = () => ({ lists: [...lists], instances: [...instances], projects, platforms });

  /**
   * What was kept before the index moved, patched with the changed instances as the index now
   * answers them; nothing when too much changed, or when anything else moved meanwhile.
   */
  async function patch(kept: ReturnType<typeof keptNow>, changes: IndexChanges): Promise<void> {
    const refs = new Map(changes.instances.map((ref) => [instanceKey(ref), ref]));
    if (refs.size > PATCHED_AT_MOST) return;
    const started = generation;
    const changed = new Map(await Promise.all([...refs].map(async ([key, ref]) => [key, await index.getInstance(ref.project, ref.name)] as const)));
    const listed = await Promise.all(kept.lists.map(async ([key, { filter, value }]) => [key, filter, await value.catch(() => undefined)] as const));
    if (generation !== started) return;
    for (const [key, filter, list] of listed)
      if (list && !lists.has(key)) lists.set(key, { filter, value: Promise.resolve(patchedList(list, filter, changed)) });
    for (const [key, instance] of kept.instances) if (!changed.has(key) && !instances.has(key)) instances.set(key, instance);
    for (const [key, instance] of changed) instances.set(key, Promise.resolve(instance));
    if (!changes.projects) projects ??= kept.projects;
    if (!changes.platforms) platforms ??= kept.platforms;
  }

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

  /** Another replica moved the shared index: patch what is kept with what changed, or forget it. */
  async function moved(from: CommitId | null, to: CommitId | null): Promise<void> {
    const kept = keptNow();
    forget();
    if (from === null || to === null || !options.changedBetween) return;
    const changes = await options.changedBetween(from, to).catch(() => undefined);
    if (changes) await patch(kept, changes);
  }

  return {
    ...index,
    async indexedCommit() {
      const commit = await index.indexedCommit();
      const seen = seenCommit;
      seenCommit = commit;
      if (seen !== undefined && commit !== seen) await moved(seen, commit);
      return commit;
    },
    async apply(delta) {
      const kept = keptNow();
      forget();
      try {
        await index.apply(delta);
      } finally {
        forget();
      }
      // Reads raced with the change are not kept (`load`); this commit is the one now seen.
      seenCommit = delta.commit;
      if (delta.reset) return;
      const touches = (part: { readonly upsert: readonly unknown[]; readonly remove: readonly unknown[] }) => part.upsert.length + part.remove.length > 0;
      await patch(kept, {
        instances: [...delta.instances.upsert, ...delta.instances.remove],
        projects: touches(delta.projects),
        platforms: touches(delta.platforms),
      });
    },
    listInstances(filter: InstanceFilter) {
      const key = JSON.stringify([filter.project ?? null, filter.platform ?? null, filter.projects ?? null]);
      const cached = lists.get(key);
      if (cached) return cached.value;
      return load(
        () => index.listInstances(filter),
        (value) => {
          if (lists.size >= LISTS_KEPT) lists.clear();
          lists.set(key, { filter, value });
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
    listStatuses: (filter) =>
      remembered(lists, JSON.stringify([filter.project ?? null, filter.platform ?? null, filter.projects ?? null]), () => statuses.listStatuses(filter)),
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
