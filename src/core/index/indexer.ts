// The index is a projection of the repository: after any commit (ours, an operator's merge
// request, a revert), `sync` brings it to the head by reading only what changed since the
// commit it reflects. The same path rebuilds it from nothing, so the database can always be
// dropped and recreated from git, and a crash between a commit and its indexing heals here.
import { DEFAULT_PROJECT_TIERS, parseInstance, parsePlatform, parseProject } from "../model.js";
import { classifyPath } from "../repository/layout.js";
import type { CommitId, DesiredStateRepository } from "../ports/desired-state-repository.js";
import type { Logger } from "../ports/logger.js";
import type { IndexDelta, IndexedInstance, IndexedPlatform, IndexedProject, IndexedRequest, StateIndex } from "../ports/state-index.js";
import { TRAILERS } from "../repository/trailers.js";
import type { IndexChanges } from "./cached-index.js";

/** How many files the indexer asks the repository for at once. */
const READ_BATCH = 256;

export interface SyncResult {
  readonly commit: CommitId | null;
  readonly changedPaths: number;
  readonly full: boolean;
}

export interface Indexer {
  /** Brings the index to the repository's head. */
  sync(): Promise<SyncResult>;
}

export function createIndexer(deps: { repo: DesiredStateRepository; index: StateIndex; logger: Logger }): Indexer {
  const { repo, index, logger } = deps;

  async function syncOnce(): Promise<SyncResult> {
    const head = await repo.head();
    const indexed = await index.indexedCommit();
    if (head === indexed || head === null) return { commit: head, changedPaths: 0, full: false };

    let full = indexed === null;
    let changes = full ? [] : await changedDesiredState(repo, indexed, head).catch(() => ((full = true), []));
    if (full) changes = await changedDesiredState(repo, null, head);

    const delta = {
      commit: head,
      reset: full,
      platforms: { upsert: [] as IndexedPlatform[], remove: [] as string[] },
      projects: { upsert: [] as IndexedProject[], remove: [] as string[] },
      instances: { upsert: [] as IndexedInstance[], remove: [] as { project: string; name: string }[] },
      requests: [] as IndexedRequest[],
    } satisfies IndexDelta;

    // Files are asked for a batch at a time: the repository answers a batch in about one round
    // trip (git cat-file pipelines them), where one read after another costs a round trip each
    // (a rebuild of 20,000 instances reads 20,000 files).
    const texts: (string | undefined)[] = [];
    for (let start = 0; start < changes.length; start += READ_BATCH) {
      const batch = changes.slice(start, start + READ_BATCH);
      texts.push(
        ...(await Promise.all(
          batch.map((change) => (change.change === "removed" || !classifyPath(change.path) ? undefined : repo.readFile(head, change.path))),
        )),
      );
    }

    for (const [i, change] of changes.entries()) {
      const target = classifyPath(change.path);
      if (!target) continue;
      const text = texts[i];
      try {
        if (target.kind === "platform") {
          if (text === undefined) delta.platforms.remove.push(target.platform);
          else delta.platforms.upsert.push(platformRow(parsePlatform(text, change.path), target.platform));
        } else if (target.kind === "project") {
          if (text === undefined) delta.projects.remove.push(target.project);
          else delta.projects.upsert.push(projectRow(parseProject(text, change.path), target.project));
        } else {
          const key = { project: target.project, name: target.instance };
          if (text === undefined) delta.instances.remove.push(key);
          else delta.instances.upsert.push(instanceRow(parseInstance(text, change.path), target.project, target.instance));
        }
      } catch (error) {
        // A file edited by hand that breaks the rules is reported and left out of the index;
        // what it described is no longer served until it is fixed.
        logger.warn({ path: change.path, error: (error as Error).message }, "desired-state file ignored: it does not follow the rules");
        if (target.kind === "instance") delta.instances.remove.push({ project: target.project, name: target.instance });
        if (target.kind === "project") delta.projects.remove.push(target.project);
        if (target.kind === "platform") delta.platforms.remove.push(target.platform);
      }
    }

    for (const commit of await repo.log({ from: head, until: full ? null : indexed, limit: full ? 5000 : 1000 })) {
      const id = commit.trailers[TRAILERS.requestId];
      const target = commit.trailers[TRAILERS.instance] ?? commit.trailers[TRAILERS.bucket] ?? commit.trailers[TRAILERS.project] ?? "";
      if (id) delta.requests.push({ id, commit: commit.id, target });
    }

    await index.apply(delta);
    if (full) logger.info({ commit: head, paths: changes.length }, "index rebuilt from the desired-state repository");
    return { commit: head, changedPaths: changes.length, full };
  }

  // Runs one after another: each call sees every commit made before it was called.
  let queue: Promise<unknown> = Promise.resolve();
  return {
    sync() {
      const next = queue.then(syncOnce);
      queue = next.catch(() => undefined);
      return next;
    },
  };
}

/** The files of the desired state (platforms and projects) that differ between two commits. */
async function changedDesiredState(repo: DesiredStateRepository, from: CommitId | null, to: CommitId) {
  const [platforms, projects] = await Promise.all([repo.changedPaths(from, to, "platforms"), repo.changedPaths(from, to, "projects")]);
  return [...platforms, ...projects];
}

/** What a move of the index from one commit to another changes in it, read from the repository's diff alone (ADR 44). */
export async function indexChangesBetween(repo: DesiredStateRepository, from: CommitId, to: CommitId): Promise<IndexChanges> {
  const changes = { instances: [] as { project: string; name: string }[], projects: false, platforms: false };
  for (const { path } of await changedDesiredState(repo, from, to)) {
    const target = classifyPath(path);
    if (target?.kind === "instance") changes.instances.push({ project: target.project, name: target.instance });
    else if (target?.kind === "project") changes.projects = true;
    else if (target?.kind === "platform") changes.platforms = true;
  }
  return changes;
}

function platformRow(document: ReturnType<typeof parsePlatform>, name: string): IndexedPlatform {
  if (document.metadata.name !== name) throw new Error(`metadata.name "${document.metadata.name}" does not match the file name`);
  const spec = document.spec;
  return {
    name,
    title: spec.title,
    engine: spec.engine,
    tier: spec.tier,
    site: spec.site,
    infrastructure: spec.infrastructure.provider ? `${spec.infrastructure.type}/${spec.infrastructure.provider}` : spec.infrastructure.type,
    domain: spec.domain,
    flavour: spec.flavour,
  };
}

function projectRow(document: ReturnType<typeof parseProject>, name: string): IndexedProject {
  if (document.metadata.name !== name) throw new Error(`metadata.name "${document.metadata.name}" does not match the directory name`);
  return {
    name,
    title: document.spec.title,
    createdAt: document.metadata.createdAt,
    createdBy: document.metadata.createdBy,
    lab: document.spec.lab ?? null,
    personal: document.spec.personal ?? null,
    members: document.spec.members ?? [],
    quota: document.spec.quota ?? {},
    tiers: [...(document.spec.tiers ?? DEFAULT_PROJECT_TIERS)],
  };
}

function instanceRow(document: ReturnType<typeof parseInstance>, project: string, name: string): IndexedInstance {
  if (document.metadata.name !== name || document.metadata.project !== project) {
    throw new Error(`metadata (${document.metadata.project}/${document.metadata.name}) does not match the path`);
  }
  return {
    project,
    name,
    template: document.spec.template,
    templateVersion: document.spec.templateVersion,
    platform: document.placement.platform,
    state: document.spec.state,
    values: document.spec.values,
    placementReason: document.placement.reason,
    createdAt: document.metadata.createdAt,
    createdBy: document.metadata.createdBy,
    expiresAt: document.spec.expiresAt ?? null,
    ...(document.spec.rendered ? { rendered: document.spec.rendered } : {}),
    ...(document.spec.stop ? { stopBy: document.spec.stop.by } : {}),
  };
}
