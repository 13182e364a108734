// What the command modules share over the writer: the service's dependencies, the sources,
// reading intents and platforms at the head, request ids (idempotency, ADR 14), trailers, what
// a launch asks of placement, the candidates, and the project's own files at its first launch.
import { ConflictError, NotFoundError } from "../../errors.js";
import type { Requester } from "../../identity.js";
import { API_VERSION, parseProject, serialize, type InstanceBucket, type PlatformDocument, type ProjectDocument, type RenderedInstance } from "../../model.js";
import { attachment, placementOfBucket } from "../../buckets/attach.js";
import { assertBucketName } from "../../buckets/names.js";
import { bucketAt } from "../../buckets/read.js";
import type { PlacementRequest, PlatformCandidate, PodAsk } from "../../placement/place.js";
import { isClusterPlatform, platformsAt as platformDocumentsAt, projectBundleChanges } from "../../projects/bundle.js";
import { argoBootstrapChanges, projectsOnPlatform } from "../../projects/argocd-bootstrap.js";
import { personalProjectName } from "../../access/policy.js";
import type { CommitId, FileChange } from "../../ports/desired-state-repository.js";
import type { IndexedRequest } from "../../ports/state-index.js";
import { renderNamespace, toManifestFiles } from "../../render/render.js";
import { validateObjects } from "../../render/validate.js";
import { instancePath, projectPath, renderedNamespacePath, renderedProjectBundleDir } from "../../repository/layout.js";
import { requestIdOf, TRAILERS } from "../../repository/trailers.js";
import type { PreparedChange } from "../../repository/writer.js";
import { generateName } from "../../names.js";
import { expiryEnabled, NEVER_EXPIRE } from "../expiry.js";
import { intentAt, platformAt, type InstanceReadModel } from "../read-model.js";
import type { InstanceSource, SourceRegistry } from "../sources/index.js";
import type { InstanceServiceDeps } from "../service.js";
import type { InstanceView } from "../views.js";

export type CommandContext = ReturnType<typeof createCommandContext>;

export function createCommandContext(deps: InstanceServiceDeps, sources: SourceRegistry, read: Pick<InstanceReadModel, "view">) {
  const { repo, index } = deps;
  const lifecycle = deps.lifecycle ?? NEVER_EXPIRE;
  const system: Requester = deps.system ?? { login: "plateau", name: "Plateau", email: "plateau@localhost" };

  /** Everything an instance may have rendered on a platform, whatever it is made from. */
  const renderedRemovals = (platform: string, project: string, name: string): FileChange[] =>
    sources.renderedDirs(platform, project, name).map((path) => ({ path, remove: true }));

  const bundleOptions = { ...(deps.recovery ? { recovery: deps.recovery } : {}), ...(deps.crds ? { crds: deps.crds } : {}) };

  /** The project's own files, when this is its first instance (or its first on this platform). */
  async function projectChanges(head: CommitId, project: string, platform: PlatformDocument, requester: Requester, now: string): Promise<FileChange[]> {
    const changes: FileChange[] = [];
    const existing = await repo.readFile(head, projectPath(project));
    let document: ProjectDocument;
    if (existing === undefined) {
      // Only a personal project is made by its first launch (the authorization layer allows no other).
      const personal = project === personalProjectName(requester.login);
      document = {
        apiVersion: API_VERSION,
        kind: "Project",
        metadata: { name: project, createdAt: now, createdBy: requester.login },
        spec: personal ? { title: `${requester.login}`, personal: requester.login } : { title: project },
      };
      changes.push({ path: projectPath(project), content: serialize(document) });
    } else {
      document = parseProject(existing, projectPath(project));
    }
    const name = platform.metadata.name;
    if ((await repo.readFile(head, renderedNamespacePath(name, project))) === undefined) {
      const objects = renderNamespace(project);
      validateObjects(objects);
      changes.push({ path: renderedNamespacePath(name, project), content: toManifestFiles(objects)[0]?.content ?? "" });
    }
    if (isClusterPlatform(platform) && (await repo.listDirectory(head, renderedProjectBundleDir(name, project))).length === 0) {
      const quota = deps.tenancy.quotaOf({ lab: document.spec.lab ?? null, quota: document.spec.quota ?? {} });
      changes.push(...projectBundleChanges(document, platform, quota, bundleOptions));
      // Its AppProject arrives with its namespace, in the same commit.
      const projects = [...(await projectsOnPlatform(repo, head, name)), project];
      changes.push(
        ...argoBootstrapChanges({
          platform,
          projects,
          chartRepositories: deps.chartRepositories ?? [],
          ...(deps.crds ? { crds: deps.crds } : {}),
          platforms: await platformDocumentsAt(repo, head),
        }),
      );
    }
    return changes;
  }

  /** What the instance asks of a platform: measured on any platform, since resources do not depend on it (`recorded`: what its rendering recorded, for an instance already placed). */
  async function placementRequest(
    head: CommitId,
    request: { readonly project: string; readonly name?: string; readonly platform?: string; readonly attached?: InstanceBucket },
    source: InstanceSource,
    values: Record<string, unknown>,
    recorded?: RenderedInstance,
  ): Promise<PlacementRequest> {
    const bucket = placementOfBucket(request.attached);
    const { total: asks, largestPod } = source.asks(values, { project: request.project, name: request.name ?? "placement" }, recorded);
    const text = await repo.readFile(head, projectPath(request.project));
    const project = text === undefined ? undefined : parseProject(text, projectPath(request.project));
    return {
      ...(request.platform ? { pinned: request.platform } : {}),
      asks: { cpu: asks.cpu, memoryGiB: asks.memoryGiB, gpu: asks.gpu, storageGiB: asks.storageGiB },
      largestPod,
      ...(project?.spec.tiers ? { tiers: project.spec.tiers } : {}),
      ...(bucket ? { bucket } : {}),
      ...source.placement,
    };
  }

  /** The bucket a launch attaches, as its intent records it (ADR 0031); undefined when it asks none; a refusal for one it may not. */
  async function attachmentAt(
    head: CommitId,
    request: { readonly project: string; readonly bucket?: string; readonly platform?: string },
    source: InstanceSource,
  ): Promise<InstanceBucket | undefined> {
    if (request.bucket === undefined) return undefined;
    assertBucketName("/bucket", request.bucket);
    const bucket = await bucketAt(repo, head, request.project, request.bucket);
    const platform = bucket && (await platformDocumentsAt(repo, head)).find((candidate) => candidate.metadata.name === bucket.placement.platform);
    const storage = platform?.spec.s3?.provider === "rgw-admin" ? await deps.objectStorages?.storageFor(platform.metadata.name) : undefined;
    return attachment({
      project: request.project,
      asked: request.bucket,
      bucket,
      platform,
      endpoint: storage?.endpoint,
      use: source.bucketUse,
      ...(request.platform !== undefined ? { pinned: request.platform } : {}),
    });
  }

  /** Every declared platform, with whether it can run things and what already runs there. */
  async function candidatesAt(platforms: readonly PlatformDocument[], project: string): Promise<PlatformCandidate[]> {
    const [instances, projects] = await Promise.all([index.listInstances({}), index.listProjects()]);
    const lab = projects.find((candidate) => candidate.name === project)?.lab ?? null;
    const labOf = new Map(projects.map((candidate) => [candidate.name, candidate.lab]));
    const usage = new Map<string, { used: PodAsk; projectInstances: number; labInstances: number }>();
    for (const instance of instances) {
      const entry = usage.get(instance.platform) ?? { used: { cpu: 0, memoryGiB: 0, gpu: 0 }, projectInstances: 0, labInstances: 0 };
      if (instance.state === "running") {
        const asks = await deps.tenancy.resourcesOfInstance(instance);
        entry.used = { cpu: entry.used.cpu + asks.cpu, memoryGiB: entry.used.memoryGiB + asks.memoryGiB, gpu: entry.used.gpu + asks.gpu };
      }
      if (instance.project === project) entry.projectInstances++;
      if (lab !== null && labOf.get(instance.project) === lab) entry.labInstances++;
      usage.set(instance.platform, entry);
    }
    return Promise.all(
      platforms.map(async (platform) => {
        const available = await deps.engines.get(platform)?.availability();
        return {
          platform,
          supported: available !== undefined,
          available: available?.available ?? false,
          unavailableReason: available?.reason,
          ...(usage.get(platform.metadata.name) ?? {}),
        };
      }),
    );
  }

  async function uniqueName(head: CommitId, project: string): Promise<string> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const name = generateName((n) => deps.random.int(n));
      if ((await repo.readFile(head, instancePath(project, name))) === undefined) return name;
    }
    throw new ConflictError("could not generate a free instance name; give one with --name", { reason: "no-free-name" });
  }

  const trailersOf = (action: string, ref: string, platform: string, requestId: string | undefined) => ({
    [TRAILERS.action]: action,
    [TRAILERS.instance]: ref,
    [TRAILERS.platform]: platform,
    ...(requestId ? { [TRAILERS.requestId]: requestId } : {}),
  });

  /** The id a request is published and found under: a digest of who asks, what, about what, and the key (ADR 14). */
  const idOf = (key: string | undefined, requester: Requester, operation: string, target: string) =>
    requestIdOf(key, { person: requester.login, operation, target });

  /**
   * The commit that already carried this request, if any. Asked before a change, and again in
   * the writer's critical section (the index then at the head): of concurrent requests with
   * one key, the first commits and the others answer its result.
   */
  const committed = async (id: string | undefined): Promise<IndexedRequest | undefined> => (id ? index.findRequest(id) : undefined);

  async function answerOf(request: IndexedRequest): Promise<{ commit: CommitId; instance: InstanceView | null }> {
    const [project = "", name = ""] = request.target.split("/");
    const instance = await read.view(project, name).catch((error: unknown) => {
      if (error instanceof NotFoundError) return null;
      throw error;
    });
    return { commit: request.commit, instance };
  }

  /** What a request committed before answers: its commit, and its instance as it is now (null once removed). */
  async function replay(id: string | undefined): Promise<{ commit: CommitId; instance: InstanceView | null } | undefined> {
    const request = await committed(id);
    return request && answerOf(request);
  }

  /**
   * A change to one instance made at most once per request id: a replay answers the first
   * commit's result, looked for before and again inside the writer's critical section (ADR 14);
   * otherwise `prepare` says what to commit (null: nothing to change). Answers the instance as it is now.
   */
  async function changeOnce(
    id: string | undefined,
    project: string,
    name: string,
    prepare: (head: CommitId | null) => Promise<PreparedChange<undefined>["commit"]>,
  ): Promise<{ commit: CommitId | null; instance: InstanceView | null }> {
    const replayed = await replay(id);
    if (replayed) return replayed;
    const { commit, result: earlier } = await deps.writer.write<IndexedRequest | undefined>(async (head) => {
      const earlier = await committed(id);
      if (earlier) return { commit: null, result: earlier };
      return { commit: await prepare(head), result: undefined };
    });
    if (earlier) return answerOf(earlier);
    return { commit, instance: await read.view(project, name) };
  }

  return {
    deps,
    sources,
    view: read.view,
    lifecycle,
    expiring: expiryEnabled(lifecycle),
    system,
    intentAt: (head: CommitId | null, project: string, name: string) => intentAt(repo, head, project, name),
    platformAt: (head: CommitId, name: string) => platformAt(repo, head, name),
    platformsAt: (head: CommitId) => platformDocumentsAt(repo, head),
    renderedRemovals,
    projectChanges,
    placementRequest,
    attachmentAt,
    candidatesAt,
    uniqueName,
    trailersOf,
    idOf,
    committed,
    answerOf,
    replay,
    changeOnce,
  };
}
