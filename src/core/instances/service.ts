// The instance lifecycle: launch, stop, start, renew, expire, remove, and what users read about instances.
// Each change is exactly one commit in the desired-state repository (or none when nothing
// changes); engines make it so.
import { assertValuesBounded, resolveValues } from "../catalog/values.js";
import { catalogRegistries, checkImageValues } from "../catalog/images.js";
import type { Template } from "../catalog/template.js";
import { ConflictError, InputError, NotFoundError } from "../errors.js";
import { assertName, generateName } from "../names.js";
import {
  API_VERSION,
  parseInstance,
  parsePlatform,
  parseProject,
  serialize,
  type InstanceDocument,
  type InstanceState,
  type PlatformDocument,
  type ProjectDocument,
} from "../model.js";
import { place, type Placement, type PlacementPolicy, type PlacementRequest, type PlatformCandidate, type PodAsk } from "../placement/place.js";
import { localPlatformDocument } from "../platforms/service.js";
import type { Clock, Random } from "../ports/clock.js";
import type { CommitId, CommitInfo, DesiredStateRepository, FileChange } from "../ports/desired-state-repository.js";
import type { Engine, EngineAvailability, LogOptions } from "../ports/engine.js";
import type { IndexedRequest, StateIndex } from "../ports/state-index.js";
import type { InstanceEvent, ObservedStatus, StatusStore } from "../ports/status-store.js";
import type { TemplateCatalog } from "../ports/template-catalog.js";
import { renderInstance, renderNamespace, toManifestFiles } from "../render/render.js";
import { validateObjects } from "../render/validate.js";
import type { CrdValidator } from "../render/crd-validate.js";
import {
  HELM_SEGMENT,
  instancePath,
  platformPath,
  projectPath,
  renderedHelmInstanceDir,
  renderedInstanceDir,
  renderedNamespacePath,
  renderedProjectBundleDir,
} from "../repository/layout.js";
import { isClusterPlatform, platformsAt as platformDocumentsAt, projectBundleChanges } from "../projects/bundle.js";
import { argoBootstrapChanges, argoSettingsOf, projectsOnPlatform } from "../projects/argocd-bootstrap.js";
import { isChartReference, parseChartReference } from "../helm/chart-reference.js";
import { helmResources } from "../helm/resources.js";
import type { CatalogViewer, HelmCatalogService } from "../helm/service.js";
import { renderHelmApplication } from "../render/argocd.js";
import { requestIdOf, TRAILERS } from "../repository/trailers.js";
import type { Writer } from "../repository/writer.js";
import { toView, type InstanceView } from "./views.js";
import { day, expiredInstances, expiryEnabled, isExpired, launchExpiry, NEVER_EXPIRE, renewedExpiry, startExpiry, type LifecycleSettings } from "./expiry.js";
import type { Requester } from "../identity.js";
import { assertProjectName } from "../projects/names.js";
import { personalProjectName } from "../access/policy.js";
import { largestPod, resourcesOf, type Resources } from "../tenancy/quota.js";
import type { Tenancy } from "../tenancy/service.js";

export interface LaunchRequest {
  /** A built-in template id, or `<catalog>/<chart>` for a chart of a Helm catalog. */
  readonly template: string;
  /** A chart's version (default: the newest offered); built-in templates have one version. */
  readonly version?: string;
  /** Who launches, for a Helm catalog's restrictions (default: the requester, in no group). */
  readonly viewer?: CatalogViewer;
  /** The language of texts a chart computes (default en). */
  readonly lang?: string;
  readonly project: string;
  readonly name?: string;
  readonly values?: unknown;
  /** Pin the instance to this platform. */
  readonly platform?: string;
  /**
   * The client's idempotency key: a retry by the same person, of a launch in the same project,
   * with the same key returns the first result. Never published: commits carry a digest.
   */
  readonly requestId?: string;
}

export interface LaunchResult {
  readonly instance: InstanceView;
  readonly commit: CommitId | null;
  readonly placement: Placement;
  /** True when this answers a retry of a request already committed. */
  readonly replayed: boolean;
}

export interface ChangeResult {
  readonly instance: InstanceView | null;
  /** Null when the repository already said so: nothing was committed. */
  readonly commit: CommitId | null;
}

export interface RenewRequest {
  /** Days to add (default: the configuration's renewDays); the expiry may not go beyond maxDays from now. */
  readonly days?: number;
}

/** What one pass of the expiry sweep did. */
export interface ExpiryReport {
  /** The instances stopped because they expired, with their commit. */
  readonly expired: readonly { readonly instance: string; readonly commit: CommitId }[];
  /** Those that could not be stopped (a Helm chart without global.suspend…), and why: tried again next pass. */
  readonly failed: readonly { readonly instance: string; readonly reason: string }[];
}

export interface HistoryEntry {
  readonly commit: CommitId;
  readonly at: string;
  readonly author: string;
  readonly action: string;
  readonly subject: string;
}

/** One commit's change to an instance: its intent file and rendered manifests, as a unified diff. */
export interface InstanceDiff extends HistoryEntry {
  readonly patch: string;
  /** True when the patch was cut at MAX_PATCH_BYTES (at a line's end). */
  readonly truncated: boolean;
}

/** Enough for any change a person reads; a bound on what one request makes the server hold and send. */
export const MAX_PATCH_BYTES = 256 * 1024;
const COMMIT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

export interface InstanceAddress {
  readonly platform: string;
  readonly domain: string;
  readonly project: string;
  readonly instance: string;
}

export interface EngineRegistry {
  /** The engine of a platform, if this Plateau has one for its kind. */
  get(platform: PlatformDocument): Engine | undefined;
}

export interface InstanceServiceDeps {
  readonly repo: DesiredStateRepository;
  readonly writer: Writer;
  readonly index: StateIndex;
  readonly statuses: StatusStore;
  readonly catalog: TemplateCatalog;
  readonly engines: EngineRegistry;
  readonly clock: Clock;
  readonly random: Random;
  /** The public URL of an instance on a platform (depends on how the platform is reached). */
  readonly urlOf: (address: InstanceAddress) => string;
  /** Quotas, checked at launch and start. */
  readonly tenancy: Pick<Tenancy, "check" | "quotaOf" | "resourcesOfInstance">;
  readonly placementPolicy?: PlacementPolicy;
  /** The real CRDs of the operators' kinds Plateau renders (Route…): every object is checked before the commit. */
  readonly crds?: CrdValidator;
  /** The Helm repositories of the catalogs: the AppProjects of cluster platforms allow them as sources. */
  readonly chartRepositories?: readonly string[];
  /** The Helm catalogs, when the configuration has any. */
  readonly helm?: HelmCatalogService;
  /** How long instances run before Plateau stops them, and how far they may be renewed (default: they never expire). */
  readonly lifecycle?: LifecycleSettings;
  /** The author of the commits Plateau makes by itself (stopping an expired instance). */
  readonly system?: Requester;
  /**
   * The registries images named by values may come from (docs/configuration.md, images);
   * default: those of the catalog's own images, and podman's local images (`localhost/`).
   */
  readonly imageRegistries?: readonly string[];
}

/** Resources do not depend on the platform: any document renders what an instance asks. */
const ASKS_PLATFORM = localPlatformDocument("placement.invalid");

export function createInstanceService(deps: InstanceServiceDeps) {
  const { repo, writer, index, statuses, catalog, clock } = deps;
  const lifecycle = deps.lifecycle ?? NEVER_EXPIRE;
  const expiring = expiryEnabled(lifecycle);
  const system: Requester = deps.system ?? { login: "plateau", name: "Plateau", email: "plateau@localhost" };
  const views = new Map<string, { instances: unknown; statuses: unknown; platforms: unknown; views: InstanceView[] }>();
  const single = new WeakMap<object, { status: unknown; platform: unknown; view: InstanceView }>();

  async function template(id: string): Promise<Template> {
    const found = await catalog.get(id);
    if (!found) throw new NotFoundError("template", id);
    return found;
  }

  const platformsAt = (head: CommitId) => platformDocumentsAt(repo, head);

  async function platformAt(head: CommitId, name: string): Promise<PlatformDocument> {
    const text = await repo.readFile(head, platformPath(name));
    if (text === undefined)
      throw new ConflictError(`platform "${name}" is no longer declared in the desired-state repository`, {
        reason: "platform-undeclared",
        params: { platform: name },
      });
    return parsePlatform(text, platformPath(name));
  }

  async function availability(platform: PlatformDocument): Promise<EngineAvailability | undefined> {
    return deps.engines.get(platform)?.availability();
  }

  async function intentAt(head: CommitId | null, project: string, name: string): Promise<InstanceDocument> {
    const text = head ? await repo.readFile(head, instancePath(project, name)) : undefined;
    if (text === undefined) throw new NotFoundError("instance", `${project}/${name}`);
    return parseInstance(text, instancePath(project, name));
  }

  /** What an instance is made from: a built-in template, or a chart of a Helm catalog. */
  type Source =
    | { readonly kind: "template"; readonly template: Template }
    | { readonly kind: "chart"; readonly id: string; readonly chart: string; readonly repository: string };

  async function sourceOf(id: string): Promise<Source> {
    if (!isChartReference(id)) return { kind: "template", template: await template(id) };
    const reference = parseChartReference(id);
    const repository = deps.helm?.repositoryOf(reference.catalog);
    if (!repository) throw new NotFoundError("catalog", reference.catalog);
    return { kind: "chart", id, chart: reference.chart, repository };
  }

  /** The intent's rendered files on its platform (replacing what was there), and what they ask of it. */
  function rendered(intent: InstanceDocument, source: Source, platform: PlatformDocument): { changes: FileChange[]; asks: Resources } {
    const { project, name } = intent.metadata;
    if (source.kind === "chart") {
      const argocd = argoSettingsOf(platform);
      if (!argocd)
        throw new ConflictError(`platform ${platform.metadata.name} has no Argo CD: it cannot run the Helm chart ${source.id}`, {
          reason: "platform-without-argocd",
          params: { platform: platform.metadata.name, chart: source.id },
        });
      const application = renderHelmApplication({
        platform,
        argocd,
        project,
        instance: name,
        chart: { repository: source.repository, chart: source.chart, version: intent.spec.templateVersion },
        values: intent.spec.values,
      });
      validateObjects([application], deps.crds);
      const dir = renderedHelmInstanceDir(platform.metadata.name, project, name);
      return {
        changes: [{ path: dir, remove: true }, ...toManifestFiles([application]).map((file) => ({ path: `${dir}/${file.name}`, content: file.content }))],
        asks: helmResources(intent.spec.values, intent.spec.state === "running").total,
      };
    }
    const objects = renderInstance({
      template: source.template,
      values: intent.spec.values,
      project,
      instance: name,
      state: intent.spec.state,
      platform,
      url: deps.urlOf({ platform: platform.metadata.name, domain: platform.spec.domain, project, instance: name }),
    });
    validateObjects(objects, deps.crds);
    const dir = renderedInstanceDir(platform.metadata.name, project, name);
    return {
      changes: [{ path: dir, remove: true }, ...toManifestFiles(objects).map((file) => ({ path: `${dir}/${file.name}`, content: file.content }))],
      asks: resourcesOf(objects, intent.spec.state === "running"),
    };
  }

  /** Everything an instance may have rendered on a platform, whatever it is made from. */
  const renderedRemovals = (platform: string, project: string, name: string): FileChange[] => [
    { path: renderedInstanceDir(platform, project, name), remove: true },
    { path: renderedHelmInstanceDir(platform, project, name), remove: true },
  ];

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
      changes.push(...projectBundleChanges(document, platform, quota));
      // Its AppProject arrives with its namespace, in the same commit.
      const projects = [...(await projectsOnPlatform(repo, head, name)), project];
      changes.push(...argoBootstrapChanges({ platform, projects, chartRepositories: deps.chartRepositories ?? [], ...(deps.crds ? { crds: deps.crds } : {}) }));
    }
    return changes;
  }

  /** What the instance asks of a platform: rendered on any platform, since resources do not depend on it. */
  async function placementRequest(head: CommitId, request: LaunchRequest, source: Source, values: Record<string, unknown>): Promise<PlacementRequest> {
    let asks: PlacementRequest["asks"];
    let pod: PlacementRequest["largestPod"];
    if (source.kind === "chart") {
      const measured = helmResources(values, true);
      asks = measured.total;
      pod = measured.largestPod;
    } else {
      const objects = renderInstance({
        template: source.template,
        values,
        project: request.project,
        instance: request.name ?? "placement",
        state: "running",
        platform: ASKS_PLATFORM,
        url: "http://placement.invalid/",
      });
      asks = resourcesOf(objects, true);
      pod = largestPod(objects);
    }
    const text = await repo.readFile(head, projectPath(request.project));
    const project = text === undefined ? undefined : parseProject(text, projectPath(request.project));
    return {
      ...(request.platform ? { pinned: request.platform } : {}),
      asks: { cpu: asks.cpu, memoryGiB: asks.memoryGiB, gpu: asks.gpu, storageGiB: asks.storageGiB },
      largestPod: pod,
      ...(project?.spec.tiers ? { tiers: project.spec.tiers } : {}),
      ...(source.kind === "chart" ? { helm: true } : {}),
    };
  }

  /** Who launches a chart, and where (for its form's computed defaults). */
  function chartContext(request: LaunchRequest, requester: Requester, platform?: PlatformDocument) {
    return {
      viewer: request.viewer ?? { login: requester.login, groups: [], labs: [], operator: false },
      context: {
        login: requester.login,
        project: request.project,
        lang: request.lang ?? "en",
        randomSubdomain: generateName((n) => deps.random.int(n)),
        ...(platform ? { platform } : {}),
      },
    };
  }

  /** A launch's values: a template's resolved, or a chart's defaults with the person's values over them (checked once placed). */
  let catalogImageRegistries: Promise<readonly string[]> | undefined;
  /** Values that would make a platform pull from anywhere are refused before anything is committed. */
  async function checkImages(template: Template, values: Record<string, unknown>): Promise<Record<string, unknown>> {
    const registries = deps.imageRegistries ?? (await (catalogImageRegistries ??= deps.catalog.list().then(catalogRegistries)));
    checkImageValues(template, values, registries);
    return values;
  }

  async function launchValues(request: LaunchRequest, source: Source, requester: Requester): Promise<Record<string, unknown>> {
    if (source.kind === "template") return checkImages(source.template, resolveValues(source.template, request.values ?? {}));
    const { viewer, context } = chartContext(request, requester);
    return (deps.helm as HelmCatalogService).defaults(parseChartReference(source.id), viewer, context, request.values, request.version);
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
        const available = await availability(platform);
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

  async function view(project: string, name: string): Promise<InstanceView> {
    const instance = await index.getInstance(project, name);
    if (!instance) throw new NotFoundError("instance", `${project}/${name}`);
    const [status, platform] = await Promise.all([statuses.getStatus(project, name), index.getPlatform(instance.platform)]);
    // Unchanged inputs (kept by the caching stores) give the very same view.
    const memo = single.get(instance);
    if (memo && memo.status === status && memo.platform === platform) return memo.view;
    const url = platform ? deps.urlOf({ platform: platform.name, domain: platform.domain, project, instance: name }) : null;
    const result = toView(instance, status, url, expiring);
    single.set(instance, { status, platform, view: result });
    return result;
  }

  /** The id a request is published and found under: a digest of who asks, what, about what, and the key (ADR 14). */
  const idOf = (key: string | undefined, requester: Requester, operation: string, target: string) =>
    requestIdOf(key, { person: requester.login, operation, target });

  /**
   * The commit that already carried this request, if any. Asked before a change, and again in
   * the writer's critical section (the index then at the head): of concurrent requests with
   * one key, the first commits and the others answer its result.
   */
  const committed = async (id: string | undefined): Promise<IndexedRequest | undefined> => (id ? index.findRequest(id) : undefined);

  /** What a request committed before answers: its commit, and its instance as it is now (null once removed). */
  async function replay(id: string | undefined): Promise<{ commit: CommitId; instance: InstanceView | null } | undefined> {
    const request = await committed(id);
    return request && answerOf(request);
  }

  async function answerOf(request: IndexedRequest): Promise<{ commit: CommitId; instance: InstanceView | null }> {
    const [project = "", name = ""] = request.target.split("/");
    const instance = await view(project, name).catch((error: unknown) => {
      if (error instanceof NotFoundError) return null;
      throw error;
    });
    return { commit: request.commit, instance };
  }

  /** A launch already committed under this request id: its instance as it is now; a conflict once it was removed. */
  async function launchReplayed(earlier: IndexedRequest): Promise<LaunchResult> {
    const { commit, instance } = await answerOf(earlier);
    if (!instance) {
      throw new ConflictError(
        `this request (its Idempotency-Key) already launched ${earlier.target} in commit ${commit.slice(0, 12)}, which has since been removed; send a new key to launch again`,
        { reason: "request-replayed-removed", params: { target: earlier.target, commit: commit.slice(0, 12) } },
      );
    }
    return {
      instance,
      commit,
      replayed: true,
      placement: { platform: instance.platform, reason: instance.placementReason, reasons: [], candidates: [], excluded: [] },
    };
  }

  /**
   * The intent with another state, and its files: lifecycle changes re-render with the
   * catalog's current version of a template (a chart keeps its version). A start gives it a
   * fresh expiry; a stop keeps the one it has (it says when an expired instance expired).
   */
  async function changeState(head: CommitId, intent: InstanceDocument, state: InstanceState) {
    const { project, name } = intent.metadata;
    const source = await sourceOf(intent.spec.template);
    const platform = await platformAt(head, intent.placement.platform);
    const { expiresAt: current, ...spec } = intent.spec;
    const expiresAt = state === "running" ? startExpiry(current, clock.now(), lifecycle) : current;
    // Starting pulls images again: an instance from before the allow-list may not start with a refused one (stopping always works).
    const resolve = (template: Template) => {
      const values = resolveValues(template, intent.spec.values);
      return state === "running" ? checkImages(template, values) : values;
    };
    const next: InstanceDocument = {
      ...intent,
      spec: {
        ...spec,
        state,
        ...(source.kind === "template"
          ? { templateVersion: source.template.spec.version, values: await resolve(source.template) }
          : { values: suspended(intent.spec.values, state !== "running", `${project}/${name}`) }),
        ...(expiresAt !== undefined ? { expiresAt } : {}),
      },
    };
    const { changes, asks } = rendered(next, source, platform);
    return { next, platform, asks, changes: [{ path: instancePath(project, name), content: serialize(next) }, ...changes] };
  }

  async function setState(project: string, name: string, state: InstanceState, requester: Requester, key?: string): Promise<ChangeResult> {
    assertName("/project", project);
    assertName("/name", name);
    const verb = state === "running" ? "start" : "stop";
    const id = idOf(key, requester, verb, `${project}/${name}`);
    const replayed = await replay(id);
    if (replayed) return replayed;
    const { commit, result: earlier } = await writer.write<IndexedRequest | undefined>(async (head) => {
      const earlier = await committed(id);
      if (earlier) return { commit: null, result: earlier };
      const intent = await intentAt(head, project, name);
      if (intent.spec.state === state || !head) return { commit: null, result: undefined };
      const { platform, asks, changes } = await changeState(head, intent, state);
      if (state === "running") await deps.tenancy.check(head, project, asks, { project, name });
      return {
        commit: {
          author: requester,
          message: `${verb} ${project}/${name}\n\nRequested by ${requester.login}.`,
          trailers: trailersOf(verb, `${project}/${name}`, platform.metadata.name, id),
          changes,
        },
        result: undefined,
      };
    });
    if (earlier) return answerOf(earlier);
    return { commit, instance: await view(project, name) };
  }

  /**
   * Stops one expired instance, as Plateau: checked again against the head, so that a sweep
   * run twice (or after a crash, or racing a renewal) commits once, or not at all.
   */
  async function expireOne(project: string, name: string): Promise<CommitId | null> {
    const { commit } = await writer.write(async (head) => {
      const intent = await intentAt(head, project, name).catch((error: unknown) => {
        if (error instanceof NotFoundError) return undefined;
        throw error;
      });
      if (!head || !intent || intent.spec.state !== "running" || !isExpired(intent.spec.expiresAt, clock.now())) return { commit: null, result: undefined };
      const { platform, changes } = await changeState(head, intent, "stopped");
      const ref = `${project}/${name}`;
      const fresh = lifecycle.expiryDays as number;
      return {
        commit: {
          author: system,
          message:
            `expire ${ref}\n\n` +
            `It expired on ${day(intent.spec.expiresAt as string)}: Plateau stopped it; its data is kept.\n` +
            `Start it again with \`plateau start ${ref}\` or from the portal: it then runs for ${fresh} more day${fresh === 1 ? "" : "s"} ` +
            `(and \`plateau renew ${ref}\` keeps it running longer).`,
          trailers: trailersOf("expire", ref, platform.metadata.name, undefined),
          changes,
        },
        result: undefined,
      };
    });
    return commit;
  }

  return {
    /**
     * Where a launch would go and why, without launching (`plateau place --dry-run`), and what
     * it would count against quotas: forms show the cost before anyone confirms.
     */
    async placement(request: Omit<LaunchRequest, "requestId">, requester: Requester): Promise<Placement & { readonly asks: Resources }> {
      assertProjectName(request.project);
      assertValuesBounded(request.values);
      const source = await sourceOf(request.template);
      const values = await launchValues(request, source, requester);
      const head = await repo.head();
      if (!head) throw new ConflictError("the desired-state repository has not been initialized", { reason: "repository-not-initialized" });
      const asked = await placementRequest(head, request, source, values);
      const placement = place(asked, await candidatesAt(await platformsAt(head), request.project), deps.placementPolicy);
      const asks = asked.asks ?? { cpu: 0, memoryGiB: 0, gpu: 0, storageGiB: 0 };
      return { ...placement, asks: { cpu: asks.cpu, memoryGiB: asks.memoryGiB, gpu: asks.gpu, instances: 1, storageGiB: asks.storageGiB } };
    },

    async launch(request: LaunchRequest, requester: Requester): Promise<LaunchResult> {
      assertProjectName(request.project);
      if (request.name !== undefined) assertName("/name", request.name);
      const id = idOf(request.requestId, requester, "launch", request.project);
      const replayed = await committed(id);
      if (replayed) return launchReplayed(replayed);
      assertValuesBounded(request.values);
      const source = await sourceOf(request.template);
      const values = await launchValues(request, source, requester);

      const { commit, result } = await writer.write<{ name: string; placement: Placement } | { earlier: IndexedRequest }>(async (head) => {
        // Checked again one writer at a time, with the index at the head: of concurrent
        // launches with one key, the first commits and the others answer its instance.
        const earlier = await committed(id);
        if (earlier) return { commit: null, result: { earlier } };
        if (!head) throw new ConflictError("the desired-state repository has not been initialized", { reason: "repository-not-initialized" });
        const name = request.name ?? (await uniqueName(head, request.project));
        if ((await repo.readFile(head, instancePath(request.project, name))) !== undefined) {
          throw new ConflictError(`instance ${request.project}/${name} already exists; choose another name or remove it first`, {
            reason: "name-taken",
            params: { project: request.project, name },
          });
        }
        const platforms = await platformsAt(head);
        const placement = place(await placementRequest(head, request, source, values), await candidatesAt(platforms, request.project), deps.placementPolicy);
        const platform = platforms.find((p) => p.metadata.name === placement.platform) as PlatformDocument;
        const time = clock.now();
        const now = time.toISOString();
        let spec: InstanceDocument["spec"];
        if (source.kind === "template") {
          spec = { template: source.template.spec.id, templateVersion: source.template.spec.version, state: "running", values };
        } else {
          // The form again, now that the platform is known (its domain, ingress class…), and the values checked against it.
          const { viewer, context } = chartContext(request, requester, platform);
          const prepared = await (deps.helm as HelmCatalogService).prepare(parseChartReference(source.id), viewer, context, request.values, request.version);
          spec = { template: source.id, templateVersion: prepared.version.version, state: "running", values: prepared.values };
        }
        // What cannot be stopped cannot expire: a chart without global.suspend runs until it is removed.
        const expiresAt = source.kind === "chart" && !suspendable(spec.values) ? undefined : launchExpiry(time, lifecycle);
        if (expiresAt !== undefined) spec = { ...spec, expiresAt };
        const intent: InstanceDocument = {
          apiVersion: API_VERSION,
          kind: "Instance",
          metadata: { name, project: request.project, createdAt: now, createdBy: requester.login },
          spec,
          placement: { platform: placement.platform, reason: placement.reason },
        };
        const ref = `${request.project}/${name}`;
        const { changes, asks } = rendered(intent, source, platform);
        await deps.tenancy.check(head, request.project, asks);
        return {
          commit: {
            author: requester,
            message: `launch ${ref} (${spec.template} ${spec.templateVersion}) on ${placement.platform}\n\nRequested by ${requester.login}. Placement: ${placement.reason}.`,
            trailers: trailersOf("launch", ref, placement.platform, id),
            changes: [
              ...(await projectChanges(head, request.project, platform, requester, now)),
              { path: instancePath(request.project, name), content: serialize(intent) },
              ...changes,
            ],
          },
          result: { name, placement },
        };
      });
      if ("earlier" in result) return launchReplayed(result.earlier);
      return { instance: await view(request.project, result.name), commit, placement: result.placement, replayed: false };
    },

    stop: (project: string, name: string, requester: Requester, key?: string) => setState(project, name, "stopped", requester, key),
    start: (project: string, name: string, requester: Requester, key?: string) => setState(project, name, "running", requester, key),

    /**
     * Keeps a running instance longer: one commit moving its expiry `days` (default renewDays)
     * past the current one, or past now if it has passed, never beyond maxDays from now. No
     * commit for an instance that never expires. A stopped instance is refused: it does not
     * run, so it does not expire, and starting it gives it a fresh expiry.
     */
    async renew(project: string, name: string, request: RenewRequest, requester: Requester, key?: string): Promise<ChangeResult> {
      assertName("/project", project);
      assertName("/name", name);
      if (request.days !== undefined && (!Number.isInteger(request.days) || request.days < 1)) {
        throw InputError.field("/days", "minimum", "must be a whole number of days, at least 1");
      }
      const ref = `${project}/${name}`;
      const id = idOf(key, requester, "renew", ref);
      const replayed = await replay(id);
      if (replayed) return replayed;
      const { commit, result: earlier } = await writer.write<IndexedRequest | undefined>(async (head) => {
        const earlier = await committed(id);
        if (earlier) return { commit: null, result: earlier };
        const intent = await intentAt(head, project, name);
        const current = intent.spec.expiresAt;
        if (!head || !expiring || current === undefined) return { commit: null, result: undefined };
        if (intent.spec.state !== "running") {
          throw new ConflictError(
            `${ref} is stopped: it does not expire while it does not run. Start it (plateau start ${ref}): it then runs for ${lifecycle.expiryDays} days`,
            { reason: "stopped-does-not-expire", params: { instance: ref, days: lifecycle.expiryDays ?? 0 } },
          );
        }
        const renewal = renewedExpiry(current, clock.now(), request.days, lifecycle);
        if (!renewal.changed) return { commit: null, result: undefined };
        const next: InstanceDocument = { ...intent, spec: { ...intent.spec, expiresAt: renewal.expiresAt } };
        const why = renewal.capped ? ` (shortened to the limit: ${lifecycle.maxDays} days from now)` : "";
        return {
          commit: {
            author: requester,
            message: `renew ${ref} until ${day(renewal.expiresAt)}\n\nRequested by ${requester.login}. It was to expire on ${day(current)}${why}.`,
            trailers: trailersOf("renew", ref, intent.placement.platform, id),
            changes: [{ path: instancePath(project, name), content: serialize(next) }],
          },
          result: undefined,
        };
      });
      if (earlier) return answerOf(earlier);
      return { commit, instance: await view(project, name) };
    },

    /**
     * Stops every running instance whose expiry has come: one commit each, authored by
     * Plateau, saying when it expired and how to start it again. Safe to run at any time, as
     * often as wanted, and again after a crash: what is already stopped is left alone.
     */
    async expireDue(): Promise<ExpiryReport> {
      if (!expiring) return { expired: [], failed: [] };
      const due = expiredInstances(await index.listInstances({}), clock.now());
      const expired: { instance: string; commit: CommitId }[] = [];
      const failed: { instance: string; reason: string }[] = [];
      // One at a time, each its own commit: one that cannot be stopped blocks no other.
      for (const instance of due) {
        const ref = `${instance.project}/${instance.name}`;
        try {
          const commit = await expireOne(instance.project, instance.name);
          if (commit) expired.push({ instance: ref, commit });
        } catch (error) {
          failed.push({ instance: ref, reason: (error as Error).message });
        }
      }
      return { expired, failed };
    },

    /**
     * Re-places an instance on another platform in one commit: its intent names the new
     * platform, its manifests leave the old one and appear on the new one (with the project's
     * namespace there). The target must pass every constraint of placement. Data on volumes
     * does not move with it: that is the recovery plan's business.
     */
    async move(project: string, name: string, to: string, requester: Requester, key?: string): Promise<ChangeResult & { placement: Placement }> {
      assertName("/project", project);
      assertName("/name", name);
      assertName("/platform", to);
      const id = idOf(key, requester, "move", `${project}/${name}`);
      const moved = async (earlier: IndexedRequest) => {
        const replayed = await answerOf(earlier);
        const instance = replayed.instance;
        return {
          ...replayed,
          placement: { platform: instance?.platform ?? to, reason: instance?.placementReason ?? "", reasons: [], candidates: [], excluded: [] },
        };
      };
      const replayed = await committed(id);
      if (replayed) return moved(replayed);
      const { commit, result } = await writer.write<Placement | { earlier: IndexedRequest }>(async (head) => {
        const earlier = await committed(id);
        if (earlier) return { commit: null, result: { earlier } };
        const intent = await intentAt(head, project, name);
        if (!head) throw new ConflictError("the desired-state repository has not been initialized", { reason: "repository-not-initialized" });
        const source = await sourceOf(intent.spec.template);
        const values = source.kind === "template" ? await checkImages(source.template, resolveValues(source.template, intent.spec.values)) : intent.spec.values;
        const platforms = await platformsAt(head);
        // Pinned to the target: only the target is checked (what the instance uses where it is does not count there).
        const placement = place(
          await placementRequest(head, { template: intent.spec.template, project, name, values, platform: to }, source, values),
          await candidatesAt(platforms, project),
          deps.placementPolicy,
        );
        if (placement.platform === intent.placement.platform) return { commit: null, result: placement };
        const target = platforms.find((p) => p.metadata.name === placement.platform) as PlatformDocument;
        const from = intent.placement.platform;
        const next: InstanceDocument = {
          ...intent,
          spec: { ...intent.spec, ...(source.kind === "template" ? { templateVersion: source.template.spec.version } : {}), values },
          placement: { platform: target.metadata.name, reason: `moved from ${from} by ${requester.login}` },
        };
        const ref = `${project}/${name}`;
        return {
          commit: {
            author: requester,
            message: `move ${ref} from ${from} to ${target.metadata.name}\n\nRequested by ${requester.login}. Data on its volumes stays on ${from}.`,
            trailers: trailersOf("move", ref, target.metadata.name, id),
            changes: [
              ...(await projectChanges(head, project, target, requester, clock.now().toISOString())),
              { path: instancePath(project, name), content: serialize(next) },
              ...renderedRemovals(from, project, name),
              ...rendered(next, source, target).changes,
            ],
          },
          result: placement,
        };
      });
      if ("earlier" in result) return moved(result.earlier);
      return { commit, instance: await view(project, name), placement: result };
    },

    async remove(project: string, name: string, requester: Requester, key?: string): Promise<ChangeResult> {
      assertName("/project", project);
      assertName("/name", name);
      const id = idOf(key, requester, "remove", `${project}/${name}`);
      const replayed = await committed(id);
      if (replayed) return { commit: replayed.commit, instance: null };
      const { commit, result: earlier } = await writer.write<IndexedRequest | undefined>(async (head) => {
        const earlier = await committed(id);
        if (earlier) return { commit: null, result: earlier };
        const intent = await intentAt(head, project, name);
        const platform = intent.placement.platform;
        return {
          commit: {
            author: requester,
            message: `remove ${project}/${name}\n\nRequested by ${requester.login}. Its workload and its data are removed from ${platform}.`,
            trailers: trailersOf("remove", `${project}/${name}`, platform, id),
            changes: [{ path: instancePath(project, name), remove: true }, ...renderedRemovals(platform, project, name)],
          },
          result: undefined,
        };
      });
      return { commit: earlier?.commit ?? commit, instance: null };
    },

    get: (project: string, name: string) => {
      assertName("/project", project);
      assertName("/name", name);
      return view(project, name);
    },

    async list(filter: { project?: string; platform?: string; projects?: readonly string[] }): Promise<InstanceView[]> {
      if (filter.project !== undefined) assertName("/project", filter.project);
      const [instances, allStatuses, platforms] = await Promise.all([
        index.listInstances(filter),
        statuses.listStatuses({ project: filter.project, platform: filter.platform }),
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
        const url = platform ? deps.urlOf({ platform: platform.name, domain: platform.domain, project: instance.project, instance: instance.name }) : null;
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
      const platform = await platformAt(head as CommitId, instance.platform);
      const engine = deps.engines.get(platform);
      if (!engine)
        throw new ConflictError(`no engine for platform ${platform.metadata.name}`, { reason: "no-engine", params: { platform: platform.metadata.name } });
      return engine.logs(project, name, options);
    },
  };
}

export type InstanceService = ReturnType<typeof createInstanceService>;

/**
 * A chart stopped or started: Onyxia's charts scale to zero with `global.suspend` and keep
 * their volumes. A chart without it cannot be stopped, only removed.
 */
function suspended(values: Record<string, unknown>, suspend: boolean, ref: string): Record<string, unknown> {
  if (!suspendable(values))
    throw new ConflictError(`${ref} is a Helm chart without global.suspend: it cannot be stopped, only removed`, {
      reason: "not-stoppable",
      params: { instance: ref },
    });
  return { ...values, global: { ...(values.global as object), suspend } };
}

function suspendable(values: Record<string, unknown>): boolean {
  const global = values.global;
  return typeof global === "object" && global !== null && !Array.isArray(global) && "suspend" in global;
}

/** The files of an instance in the repository: its intent and what is rendered of it on any platform. */
function instanceFiles(project: string, instance: string): string[] {
  return [instancePath(project, instance), `rendered/*/${project}/${instance}`, `rendered/*/${project}/${HELM_SEGMENT}/${instance}`];
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
