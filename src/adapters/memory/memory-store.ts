// In-memory index, status and secret stores for fast tests; they pass the same contract
// suites as the SQL store (src/core/ports/*.contract.ts).
import type { AccessStore } from "../../core/ports/access-store.js";
import { createMemoryAccessStore } from "./memory-access-store.js";
import type { SecretStore } from "../../core/ports/secret-store.js";
import type { IndexedInstance, IndexedPlatform, IndexedProject, IndexedRequest, StateIndex } from "../../core/ports/state-index.js";
import type { InstanceEvent, ObservedStatus, StatusStore } from "../../core/ports/status-store.js";

const key = (project: string, name: string) => `${project}/${name}`;
const byKey = <T>(map: Map<string, T>) => [...map.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, value]) => value);

export function createMemoryStore(): { index: StateIndex; statuses: StatusStore; secrets: SecretStore; access: AccessStore } {
  let commit: string | null = null;
  const platforms = new Map<string, IndexedPlatform>();
  const projects = new Map<string, IndexedProject>();
  const instances = new Map<string, IndexedInstance>();
  const requests = new Map<string, IndexedRequest>();
  const statusMap = new Map<string, ObservedStatus>();
  const events = new Map<string, InstanceEvent[]>();
  const secretMap = new Map<string, Map<string, string>>();

  const index: StateIndex = {
    async indexedCommit() {
      return commit;
    },
    async apply(delta) {
      if (delta.reset) {
        platforms.clear();
        projects.clear();
        instances.clear();
      }
      for (const name of delta.platforms.remove) platforms.delete(name);
      for (const platform of delta.platforms.upsert) platforms.set(platform.name, structuredClone(platform));
      for (const name of delta.projects.remove) projects.delete(name);
      for (const project of delta.projects.upsert) projects.set(project.name, structuredClone(project));
      for (const { project, name } of delta.instances.remove) instances.delete(key(project, name));
      for (const instance of delta.instances.upsert) instances.set(key(instance.project, instance.name), structuredClone(instance));
      for (const request of delta.requests) requests.set(request.id, { ...request });
      commit = delta.commit;
    },
    async listPlatforms() {
      return byKey(platforms).map((p) => structuredClone(p));
    },
    async getPlatform(name) {
      const platform = platforms.get(name);
      return platform && structuredClone(platform);
    },
    async listProjects() {
      return byKey(projects).map((p) => structuredClone(p));
    },
    async getProject(name) {
      const project = projects.get(name);
      return project && structuredClone(project);
    },
    async listInstances(filter) {
      return byKey(instances)
        .filter(
          (i) =>
            (!filter.project || i.project === filter.project) &&
            (!filter.projects || filter.projects.includes(i.project)) &&
            (!filter.platform || i.platform === filter.platform),
        )
        .map((i) => structuredClone(i));
    },
    async getInstance(project, name) {
      const instance = instances.get(key(project, name));
      return instance && structuredClone(instance);
    },
    async findRequest(id) {
      const request = requests.get(id);
      return request && { ...request };
    },
  };

  const statuses: StatusStore = {
    async setStatus(status) {
      statusMap.set(key(status.project, status.instance), { ...status });
    },
    async getStatus(project, instance) {
      const status = statusMap.get(key(project, instance));
      return status && { ...status };
    },
    async listStatuses(filter) {
      return byKey(statusMap).filter(
        (s) =>
          (!filter.project || s.project === filter.project) &&
          (!filter.projects || filter.projects.includes(s.project)) &&
          (!filter.platform || s.platform === filter.platform),
      );
    },
    async deleteStatus(project, instance) {
      statusMap.delete(key(project, instance));
      events.delete(key(project, instance));
    },
    async addEvent(event) {
      const list = events.get(key(event.project, event.instance)) ?? [];
      list.push({ ...event });
      events.set(key(event.project, event.instance), list.slice(-200));
    },
    async listEvents(project, instance, limit) {
      return (events.get(key(project, instance)) ?? []).slice(-limit);
    },
  };

  const secrets: SecretStore = {
    async ensure(project, instance, names, generate) {
      const map = secretMap.get(key(project, instance)) ?? new Map<string, string>();
      for (const name of names) if (!map.has(name)) map.set(name, generate());
      if (map.size > 0) secretMap.set(key(project, instance), map);
      return Object.fromEntries(names.map((name) => [name, map.get(name) as string]));
    },
    async put(project, instance, values) {
      if (Object.keys(values).length === 0) return;
      const map = secretMap.get(key(project, instance)) ?? new Map<string, string>();
      for (const [name, value] of Object.entries(values)) map.set(name, value);
      secretMap.set(key(project, instance), map);
    },
    async read(project, instance) {
      return Object.fromEntries([...(secretMap.get(key(project, instance)) ?? new Map<string, string>())].sort(([a], [b]) => (a < b ? -1 : 1)));
    },
    async remove(project, instance) {
      secretMap.delete(key(project, instance));
    },
    async owners() {
      return [...secretMap.keys()].sort().map((k) => {
        const [project = "", instance = ""] = k.split("/");
        return { project, instance };
      });
    },
  };

  return { index, statuses, secrets, access: createMemoryAccessStore() };
}
