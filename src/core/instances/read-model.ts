// What people read about instances: views (memoized while the caching index and status store
// hand back the same objects), what platforms observe, events, history, diffs and logs. It
// only reads; every change goes through the command modules (./commands).
import { ConflictError, InputError, NotFoundError } from "../errors.js";
import { renderedAddress } from "../helm/rendered-instance.js";
import { assertName } from "../names.js";
import { parseInstance, parsePlatform, type InstanceDocument, type PlatformDocument } from "../model.js";
import type { CommitId, CommitInfo, DesiredStateRepository } from "../ports/desired-state-repository.js";
import type { EngineRegistry } from "../ports/engine-registry.js";
import type { LogOptions } from "../ports/engine.js";
import type { IndexedInstance, IndexedPlatform, StateIndex } from "../ports/state-index.js";
import type { InstanceEvent, ObservedStatus, StatusStore } from "../ports/status-store.js";
import { instancePath, platformPath } from "../repository/layout.js";
import { TRAILERS } from "../repository/trailers.js";
import type { HistoryEntry, InstanceAddress, InstanceDiff } from "./types.js";
import { toView, type InstanceView } from "./views.js";

/** Enough for any change a person reads; a bound on what one request makes the server hold and send. */
export const MAX_PATCH_BYTES = 256 * 1024;
const COMMIT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

export interface ReadModelDeps {
  readonly repo: DesiredStateRepository;
  readonly index: StateIndex;
  readonly statuses: StatusStore;
  readonly engines: EngineRegistry;
  readonly urlOf: (address: InstanceAddress) => string;
  /** Whether instances expire (views then say when). */
  readonly expiring: boolean;
  /** Every directory an instance may have rendered on a platform (`*`: any), whatever it is made from. */
  readonly renderedDirs: (platform: string, project: string, instance: string) => readonly string[];
}

export interface InstanceListFilter {
  readonly project?: string;
  readonly platform?: string;
  readonly projects?: readonly string[];
}

export type InstanceReadModel = ReturnType<typeof createInstanceReadModel>;

/** A platform's document at a commit; a conflict when the repository no longer declares it. */
export async function platformAt(repo: DesiredStateRepository, head: CommitId, name: string): Promise<PlatformDocument> {
  const text = await repo.readFile(head, platformPath(name));
  if (text === undefined)
    throw new ConflictError(`platform "${name}" is no longer declared in the desired-state repository`, {
      reason: "platform-undeclared",
      params: { platform: name },
    });
  return parsePlatform(text, platformPath(name));
}

/** An instance's intent at a commit; not found when it has none. */
export async function intentAt(repo: DesiredStateRepository, head: CommitId | null, project: string, name: string): Promise<InstanceDocument> {
  const text = head ? await repo.readFile(head, instancePath(project, name)) : undefined;
  if (text === undefined) throw new NotFoundError("instance", `${project}/${name}`);
  return parseInstance(text, instancePath(project, name));
}

export function createInstanceReadModel(deps: ReadModelDeps) {
  const { repo, index, statuses, expiring } = deps;
  const views = new Map<string, { instances: unknown; statuses: unknown; platforms: unknown; views: InstanceView[] }>();
  const single = new WeakMap<object, { status: unknown; platform: unknown; view: InstanceView }>();

  /**
   * Where people reach an instance: what its rendering recorded (a chart's Route or Ingress
   * host, or none: ADR 0023), else the platform's address for it (built-in templates, intents
   * without the record).
   */
  const addressOf = (instance: IndexedInstance, platform: IndexedPlatform): string | null =>
    instance.rendered
      ? renderedAddress(instance.rendered)
      : deps.urlOf({ platform: platform.name, domain: platform.domain, project: instance.project, instance: instance.name });

  /** The files of an instance in the repository: its intent and what is rendered of it on any platform. */
  const instanceFiles = (project: string, instance: string): string[] => [instancePath(project, instance), ...deps.renderedDirs("*", project, instance)];

  async function view(project: string, name: string): Promise<InstanceView> {
    const instance = await index.getInstance(project, name);
    if (!instance) throw new NotFoundError("instance", `${project}/${name}`);
    const [status, platform] = await Promise.all([statuses.getStatus(project, name), index.getPlatform(instance.platform)]);
    // Unchanged inputs (kept by the caching stores) give the very same view.
    const memo = single.get(instance);
    if (memo && memo.status === status && memo.platform === platform) return memo.view;
    const url = platform ? addressOf(instance, platform) : null;
    const result = toView(instance, status, url, expiring);
    single.set(instance, { status, platform, view: result });
    return result;
  }

  return {
    view,

    get: (project: string, name: string) => {
      assertName("/project", project);
      assertName("/name", name);
      return view(project, name);
    },

    async list(filter: InstanceListFilter): Promise<InstanceView[]> {
      if (filter.project !== undefined) assertName("/project", filter.project);
      const [instances, allStatuses, platforms] = await Promise.all([
        index.listInstances(filter),
        statuses.listStatuses({ project: filter.project, projects: filter.projects, platform: filter.platform }),
        index.listPlatforms(),
      ]);
      // With a caching index and status store, unchanged inputs are the very same arrays: so are the views.
      const key = JSON.stringify([filter.project ?? null, filter.platform ?? null, filter.projects ?? null]);
      const memo = views.get(key);
      if (memo && memo.instances === instances && memo.statuses === allStatuses && memo.platforms === platforms) return memo.views;
      const statusOf = new Map(allStatuses.map((status) => [`${status.project}/${status.instance}`, status]));
      const platformOf = new Map(platforms.map((platform) => [platform.name, platform]));
      const result = instances.map((instance) => {
        const platform = platformOf.get(instance.platform);
        const url = platform ? addressOf(instance, platform) : null;
        return toView(instance, statusOf.get(`${instance.project}/${instance.name}`), url, expiring);
      });
      if (views.size >= 1000) views.clear();
      views.set(key, { instances, statuses: allStatuses, platforms, views: result });
      return result;
    },

    /** What the platform reports; it remains while the platform removes a removed instance. */
    async observed(project: string, name: string): Promise<ObservedStatus> {
      assertName("/project", project);
      assertName("/name", name);
      const status = await statuses.getStatus(project, name);
      if (!status) throw new NotFoundError("status of instance", `${project}/${name}`);
      return status;
    },

    async events(project: string, name: string, limit = 50): Promise<InstanceEvent[]> {
      await view(project, name);
      return statuses.listEvents(project, name, limit);
    },

    async history(filter: { project?: string; instance?: string }, limit = 50): Promise<HistoryEntry[]> {
      if (filter.project !== undefined) assertName("/project", filter.project);
      if (filter.instance !== undefined) {
        if (filter.project === undefined) throw InputError.field("/project", "required", "is required with an instance");
        assertName("/name", filter.instance);
      }
      const paths = filter.instance
        ? instanceFiles(filter.project as string, filter.instance)
        : filter.project
          ? [`projects/${filter.project}`, `rendered/*/${filter.project}`]
          : undefined;
      const commits = await repo.log({ paths, limit: Math.min(Math.max(limit, 1), 1000) });
      return commits.map(historyEntry);
    },

    /**
     * What one commit of an instance's history changed of it. Like the history, it outlives the
     * instance; a commit that is not on the branch, or did not touch this instance, is not found.
     */
    async diff(project: string, name: string, commit: string): Promise<InstanceDiff> {
      assertName("/project", project);
      assertName("/name", name);
      if (!COMMIT_ID.test(commit)) throw InputError.field("/commit", "pattern", "is not a commit id (40 or 64 hexadecimal digits)");
      const missing = () => new NotFoundError("change of instance", `${project}/${name}@${commit}`);
      const patch = await repo.diff(commit, instanceFiles(project, name));
      if (!patch) throw missing();
      const head = await repo.head();
      if (!head || !(await repo.isAncestor(commit, head))) throw missing();
      const [info] = await repo.log({ from: commit, limit: 1 });
      if (!info) throw missing();
      return { ...historyEntry(info), ...truncatePatch(patch, MAX_PATCH_BYTES) };
    },

    async logs(project: string, name: string, options: LogOptions): Promise<AsyncIterable<string>> {
      const instance = await index.getInstance(project, name);
      if (!instance) throw new NotFoundError("instance", `${project}/${name}`);
      const head = await repo.head();
      const platform = await platformAt(repo, head as CommitId, instance.platform);
      const engine = deps.engines.get(platform);
      if (!engine)
        throw new ConflictError(`no engine for platform ${platform.metadata.name}`, { reason: "no-engine", params: { platform: platform.metadata.name } });
      return engine.logs(project, name, options);
    },
  };
}

/** At most `maxBytes` of UTF-8, cut after a whole line so that no diff line is shown half. */
export function truncatePatch(patch: string, maxBytes: number): { patch: string; truncated: boolean } {
  const bytes = new TextEncoder().encode(patch);
  if (bytes.length <= maxBytes) return { patch, truncated: false };
  const head = new TextDecoder().decode(bytes.subarray(0, maxBytes));
  const end = head.lastIndexOf("\n");
  return { patch: end < 0 ? "" : head.slice(0, end + 1), truncated: true };
}

function historyEntry(commit: CommitInfo): HistoryEntry {
  return {
    commit: commit.id,
    at: commit.authoredAt,
    author: commit.author.name,
    action: commit.trailers[TRAILERS.action] ?? "change",
    subject: commit.subject,
  };
}
