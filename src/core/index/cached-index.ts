// Projects and platforms are read on every request (authorization asks who the members of a
// project are) and change only when the index does. This index keeps them in memory and
// forgets them whenever a delta is applied: the index is only ever changed through `apply`,
// by this process's indexer, so what it answers is never older than the index itself.
import type { IndexedPlatform, IndexedProject, StateIndex } from "../ports/state-index.js";

export function createCachedIndex(index: StateIndex): StateIndex {
  let projects: Promise<Map<string, IndexedProject>> | undefined;
  let platforms: Promise<IndexedPlatform[]> | undefined;
  let generation = 0;

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
    indexedCommit: () => index.indexedCommit(),
    async apply(delta) {
      generation++;
      projects = undefined;
      platforms = undefined;
      try {
        await index.apply(delta);
      } finally {
        generation++;
        projects = undefined;
        platforms = undefined;
      }
    },
    listInstances: (filter) => index.listInstances(filter),
    getInstance: (project, name) => index.getInstance(project, name),
    findRequest: (id) => index.findRequest(id),
    async listProjects() {
      return [...(await projectMap()).values()].map((project) => structuredClone(project));
    },
    async getProject(name) {
      const project = (await projectMap()).get(name);
      return project && structuredClone(project);
    },
    async listPlatforms() {
      return (await platformList()).map((platform) => ({ ...platform }));
    },
    async getPlatform(name) {
      const platform = (await platformList()).find((candidate) => candidate.name === name);
      return platform && { ...platform };
    },
  };
}
