// Buckets as desired state (ADR 0030): made and removed like instances, one commit each through
// the writer, placed with a reason, counted against the project's and lab's `s3GiB` and
// `buckets` quotas; listed with what the provider counts and what the buckets' reconciler saw.
// Plateau makes nothing on a provider here: the reconciler converges providers to git, and
// NooBaa reads the ObjectBucketClaims rendered in the same commit.
import type { BucketChange, BucketCreateBody, BucketView } from "../../contracts/buckets.js";
import { personalProjectName } from "../access/policy.js";
import { ConflictError, NotFoundError } from "../errors.js";
import type { Requester } from "../identity.js";
import { API_VERSION, parseLab, parseProject, serialize, type BucketDocument, type PlatformDocument, type ProjectDocument } from "../model.js";
import type { Timers } from "../ports/clock.js";
import type { Clock } from "../ports/clock.js";
import type { CommitId, DesiredStateRepository, FileChange } from "../ports/desired-state-repository.js";
import type { ObjectStorages } from "../ports/object-storage.js";
import type { StateIndex } from "../ports/state-index.js";
import { argoBootstrapChanges, projectsOnPlatform } from "../projects/argocd-bootstrap.js";
import { isClusterPlatform, platformsAt, projectBundleChanges } from "../projects/bundle.js";
import { assertProjectName } from "../projects/names.js";
import type { RecoveryDefaults } from "../recovery/policy.js";
import type { CrdValidator } from "../render/crd-validate.js";
import { isNoobaa, objectBucketClaimChanges, objectBucketClaimRemovals } from "../render/object-bucket-claim.js";
import { renderNamespace, toManifestFiles } from "../render/render.js";
import { validateObjects } from "../render/validate.js";
import { bucketPath, bucketsDir, labPath, projectPath, renderedNamespacePath, renderedProjectBundleDir } from "../repository/layout.js";
import { requestIdOf, TRAILERS } from "../repository/trailers.js";
import type { Writer } from "../repository/writer.js";
import type { EffectiveQuota } from "../tenancy/quota.js";
import { assertBucketUnused, instancesUsingBucketAt } from "./attach.js";
import { assertBucketName } from "./names.js";
import { placeBucket } from "./place.js";
import { bucketQuotaExceeded, bucketUse, DEFAULT_BUCKET_QUOTAS, effectiveBucketQuota, type BucketQuota, type BucketQuotaDefaults } from "./quota.js";
import { bucketAt, bucketsAt, projectBucketsAt } from "./read.js";
import type { BucketStatuses } from "./statuses.js";

/** The size quota of a bucket created without one (configuration `buckets.defaultSizeGiB`). */
export const DEFAULT_BUCKET_SIZE_GIB = 10;
/** What S3 clients are told when a platform's `spec.s3` names no region. */
export const DEFAULT_S3_REGION = "us-east-1";
/** How long a provider may take to say a bucket's usage before a list shows it unknown. */
const USAGE_TIMEOUT_MS = 5000;

export interface BucketServiceDeps {
  readonly repo: DesiredStateRepository;
  readonly writer: Writer;
  readonly index: StateIndex;
  readonly clock: Clock;
  /** The providers Plateau drives (`rgw-admin`): usage and endpoints. */
  readonly objectStorages?: ObjectStorages;
  /** What the buckets' reconciler last saw. */
  readonly statuses?: BucketStatuses;
  /** The operators' CRDs: ObjectBucketClaims are checked against NooBaa's. */
  readonly crds?: CrdValidator;
  /** Bounds the providers' usage answers in lists (absent: not bounded). */
  readonly timers?: Timers;
  readonly defaultSizeGiB?: number;
  readonly quotas?: BucketQuotaDefaults;
  /** A project's quota for its hardened namespace, when a bucket is its first arrival on a cluster platform. */
  readonly projectQuotaOf?: (project: { lab: string | null; quota: ProjectDocument["spec"]["quota"] }) => EffectiveQuota;
  readonly chartRepositories?: readonly string[];
  /** The configuration's recovery defaults: a project's bundle holds its Velero Schedule by its policy (ADR 0034). */
  readonly recovery?: RecoveryDefaults;
}

export interface BucketCreateRequest extends BucketCreateBody {
  readonly project: string;
  /** The client's Idempotency-Key. */
  readonly requestId?: string;
}

export interface BucketService {
  list(project: string): Promise<BucketView[]>;
  get(project: string, name: string): Promise<BucketView>;
  create(request: BucketCreateRequest, requester: Requester): Promise<BucketChange>;
  remove(project: string, name: string, requester: Requester): Promise<BucketChange>;
}

export const bucketRef = (project: string, name: string): string => `${project}/${name}`;

export function createBucketService(deps: BucketServiceDeps): BucketService {
  const { repo, index, writer, clock } = deps;
  const quotas = deps.quotas ?? DEFAULT_BUCKET_QUOTAS;
  const defaultSizeGiB = deps.defaultSizeGiB ?? DEFAULT_BUCKET_SIZE_GIB;

  async function headOrFail(): Promise<CommitId> {
    const head = await repo.head();
    if (!head) throw new ConflictError("the desired-state repository has not been initialized", { reason: "repository-not-initialized" });
    return head;
  }

  async function projectAt(head: CommitId, project: string): Promise<ProjectDocument | undefined> {
    const text = await repo.readFile(head, projectPath(project));
    return text === undefined ? undefined : parseProject(text, projectPath(project));
  }

  /** What the provider counts, or null when it cannot say (not made yet, noobaa, unreachable, too slow): a list never fails for it. */
  async function usageOf(platform: PlatformDocument | undefined, name: string): Promise<BucketView["usage"]> {
    if (!platform || isNoobaa(platform) || !deps.objectStorages) return null;
    const asked = (async () => {
      const storage = await deps.objectStorages?.storageFor(platform.metadata.name);
      const usage = await storage?.usage(name);
      return usage ? { bytes: usage.bytes, objects: usage.objects } : null;
    })().catch(() => null);
    if (!deps.timers) return asked;
    let cancel = () => {};
    const late = new Promise<null>((resolve) => (cancel = deps.timers?.after(USAGE_TIMEOUT_MS, () => resolve(null)) ?? cancel));
    return Promise.race([asked, late]).finally(() => cancel());
  }

  async function endpointOf(platform: PlatformDocument | undefined): Promise<BucketView["endpoint"]> {
    if (!platform) return null;
    const storage = isNoobaa(platform) ? undefined : await deps.objectStorages?.storageFor(platform.metadata.name).catch(() => undefined);
    if (storage) return { url: storage.endpoint.url, region: storage.endpoint.region, pathStyle: storage.endpoint.pathStyle };
    const s3 = platform.spec.s3;
    // Path-style works against every provider without a wildcard DNS name and certificate.
    return s3?.endpoint ? { url: s3.endpoint.replace(/\/+$/, ""), region: s3.region ?? DEFAULT_S3_REGION, pathStyle: true } : null;
  }

  async function viewOf(bucket: BucketDocument, platforms: readonly PlatformDocument[]): Promise<BucketView> {
    const platform = platforms.find((candidate) => candidate.metadata.name === bucket.placement.platform);
    const noobaa = isNoobaa(platform);
    const seen = noobaa ? undefined : deps.statuses?.get(bucket.placement.platform, bucket.metadata.name);
    const replica =
      seen?.replica ??
      (bucket.spec.replica
        ? { platform: bucket.spec.replica.platform, state: noobaa ? ("unknown" as const) : ("pending" as const), checkedAt: null }
        : undefined);
    const [usage, endpoint] = await Promise.all([usageOf(platform, bucket.metadata.name), endpointOf(platform)]);
    return {
      name: bucket.metadata.name,
      project: bucket.metadata.project,
      platform: bucket.placement.platform,
      placementReason: bucket.placement.reason,
      provider: platform?.spec.s3?.provider ?? "rgw-admin",
      quota: { sizeGiB: bucket.spec.quota.sizeGiB, objects: bucket.spec.quota.objects ?? null },
      versioning: bucket.spec.versioning ?? false,
      expireDays: bucket.spec.expireDays ?? null,
      createdAt: bucket.metadata.createdAt,
      createdBy: bucket.metadata.createdBy,
      usage,
      status: noobaa || !platform ? "unknown" : (seen?.status ?? "pending"),
      ...(seen?.message ? { message: seen.message } : !platform ? { message: `platform ${bucket.placement.platform} is no longer declared` } : {}),
      ...(replica ? { replica: { ...replica, ...(replica.behind ? { behind: { ...replica.behind } } : {}) } } : {}),
      endpoint,
    };
  }

  async function view(head: CommitId, project: string, name: string): Promise<BucketView> {
    const bucket = await bucketAt(repo, head, project, name);
    if (!bucket) throw new NotFoundError("bucket", bucketRef(project, name));
    return viewOf(bucket, await platformsAt(repo, head));
  }

  /** The project's and its lab's bucket quotas against what git holds: the first one a new bucket of `sizeGiB` would exceed. */
  async function checkQuota(head: CommitId, project: ProjectDocument, sizeGiB: number): Promise<void> {
    const all = await bucketsAt(repo, head);
    const name = project.metadata.name;
    const own = all.filter((bucket) => bucket.metadata.project === name);
    const lab = project.spec.lab;
    const projectDefaults = lab ? quotas.project : quotas.personal;
    const overProject = bucketQuotaExceeded("project", name, effectiveBucketQuota(project.spec.quota, projectDefaults), bucketUse(own), sizeGiB);
    if (overProject) throw overProject;
    if (!lab) return;
    const labProjects = new Set((await index.listProjects()).filter((candidate) => candidate.lab === lab).map((candidate) => candidate.name));
    labProjects.add(name);
    const labText = await repo.readFile(head, labPath(lab));
    const labQuota: BucketQuota = effectiveBucketQuota(labText === undefined ? undefined : parseLab(labText, labPath(lab)).spec.quota, quotas.lab);
    const overLab = bucketQuotaExceeded("lab", lab, labQuota, bucketUse(all.filter((bucket) => labProjects.has(bucket.metadata.project))), sizeGiB);
    if (overLab) throw overLab;
  }

  /** How many instances the project has on each platform (a bucket goes where its computations are). */
  async function instancesByPlatform(project: string): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const instance of await index.listInstances({ project })) counts.set(instance.platform, (counts.get(instance.platform) ?? 0) + 1);
    return counts;
  }

  /**
   * The project's own files a bucket needs: its file, for a personal project's first use; and,
   * on a cluster platform where it has no namespace yet, its hardened namespace and the Argo CD
   * bootstrap naming it, as a first launch there writes them (the claim lives in that namespace).
   */
  async function projectChanges(head: CommitId, project: ProjectDocument, exists: boolean, platform: PlatformDocument): Promise<FileChange[]> {
    const changes: FileChange[] = exists ? [] : [{ path: projectPath(project.metadata.name), content: serialize(project) }];
    if (!isClusterPlatform(platform) || !isNoobaa(platform)) return changes;
    const name = platform.metadata.name;
    const projectName = project.metadata.name;
    if ((await repo.readFile(head, renderedNamespacePath(name, projectName))) === undefined) {
      const objects = renderNamespace(projectName);
      validateObjects(objects);
      changes.push({ path: renderedNamespacePath(name, projectName), content: toManifestFiles(objects)[0]?.content ?? "" });
    }
    if ((await repo.listDirectory(head, renderedProjectBundleDir(name, projectName))).length === 0 && deps.projectQuotaOf) {
      const quota = deps.projectQuotaOf({ lab: project.spec.lab ?? null, quota: project.spec.quota ?? {} });
      changes.push(
        ...projectBundleChanges(project, platform, quota, { ...(deps.recovery ? { recovery: deps.recovery } : {}), ...(deps.crds ? { crds: deps.crds } : {}) }),
      );
      const projects = [...new Set([...(await projectsOnPlatform(repo, head, name)), projectName])].sort();
      changes.push(
        ...argoBootstrapChanges({
          platform,
          projects,
          chartRepositories: deps.chartRepositories ?? [],
          ...(deps.crds ? { crds: deps.crds } : {}),
          platforms: await platformsAt(repo, head),
        }),
      );
    }
    return changes;
  }

  const trailersOf = (action: string, ref: string, platform: string, requestId: string | undefined) => ({
    [TRAILERS.action]: action,
    [TRAILERS.bucket]: ref,
    [TRAILERS.platform]: platform,
    ...(requestId ? { [TRAILERS.requestId]: requestId } : {}),
  });

  async function replayed(head: CommitId, project: string, name: string, commit: CommitId): Promise<BucketChange> {
    const bucket = await bucketAt(repo, head, project, name);
    if (!bucket) {
      throw new ConflictError(
        `this request (its Idempotency-Key) already created bucket ${bucketRef(project, name)} in commit ${commit.slice(0, 12)}, which has since been removed; send a new key to create it again`,
        { reason: "request-replayed-removed", params: { target: bucketRef(project, name), commit: commit.slice(0, 12) } },
      );
    }
    return { bucket: await viewOf(bucket, await platformsAt(repo, head)), commit };
  }

  return {
    async list(project) {
      assertProjectName(project);
      const head = await repo.head();
      // An operator may ask about any name: a project that does not exist is 404, not an empty list.
      if (!head || !(await projectAt(head, project))) throw new NotFoundError("project", project);
      const [buckets, platforms] = await Promise.all([projectBucketsAt(repo, head, project), platformsAt(repo, head)]);
      return Promise.all(buckets.map((bucket) => viewOf(bucket, platforms)));
    },

    async get(project, name) {
      assertProjectName(project);
      assertBucketName("/bucket", name);
      return view(await headOrFail(), project, name);
    },

    async create(request, requester) {
      const { project } = request;
      assertProjectName(project);
      assertBucketName("/name", request.name);
      const ref = bucketRef(project, request.name);
      const id = requestIdOf(request.requestId, { person: requester.login, operation: "bucket-create", target: ref });
      const earlier = id ? await index.findRequest(id) : undefined;
      if (earlier) return replayed(await headOrFail(), project, request.name, earlier.commit);

      const { commit, result } = await writer.write<{ earlier: CommitId } | { created: true }>(async (head) => {
        const again = id ? await index.findRequest(id) : undefined;
        if (again) return { commit: null, result: { earlier: again.commit } };
        if (!head) throw new ConflictError("the desired-state repository has not been initialized", { reason: "repository-not-initialized" });
        const now = clock.now().toISOString();
        const existing = await projectAt(head, project);
        // Only a personal project is made by its first use (the authorization layer allows no other).
        if (!existing && project !== personalProjectName(requester.login)) throw new NotFoundError("project", project);
        const document: ProjectDocument = existing ?? {
          apiVersion: API_VERSION,
          kind: "Project",
          metadata: { name: project, createdAt: now, createdBy: requester.login },
          spec: { title: requester.login, personal: requester.login },
        };
        // S3 names are one namespace per provider: a name any project has is refused, whoever has it.
        const taken = (await bucketsAt(repo, head)).find((bucket) => bucket.metadata.name === request.name);
        if (taken) {
          const own = taken.metadata.project === project;
          throw new ConflictError(
            own
              ? `bucket ${ref} already exists; choose another name or remove it first`
              : `the bucket name ${request.name} is taken (S3 names are shared by every project): choose another name`,
            { reason: "bucket-name-taken", params: { name: request.name, project } },
          );
        }
        const platforms = await platformsAt(repo, head);
        // A platform's backup bucket is Plateau's own (ADR 0034): no project may take its name.
        if (platforms.some((platform) => platform.spec.backups?.bucket === request.name))
          throw new ConflictError(`the bucket name ${request.name} is taken (S3 names are shared by every project): choose another name`, {
            reason: "bucket-name-taken",
            params: { name: request.name, project },
          });
        const placement = placeBucket(
          {
            ...(request.platform !== undefined ? { pinned: request.platform } : {}),
            ...(request.replica !== undefined ? { replica: request.replica } : {}),
            ...(document.spec.tiers ? { tiers: document.spec.tiers } : {}),
          },
          platforms,
          await instancesByPlatform(project),
        );
        const sizeGiB = request.sizeGiB ?? defaultSizeGiB;
        await checkQuota(head, document, sizeGiB);
        const bucket: BucketDocument = {
          apiVersion: API_VERSION,
          kind: "Bucket",
          metadata: { name: request.name, project, createdAt: now, createdBy: requester.login },
          spec: {
            quota: { sizeGiB, ...(request.objects !== undefined ? { objects: request.objects } : {}) },
            ...(request.versioning !== undefined ? { versioning: request.versioning } : {}),
            ...(request.expireDays !== undefined ? { expireDays: request.expireDays } : {}),
            ...(placement.replica ? { replica: { platform: placement.replica } } : {}),
          },
          placement: { platform: placement.platform, reason: placement.reason },
        };
        const platform = platforms.find((candidate) => candidate.metadata.name === placement.platform) as PlatformDocument;
        const replicaPlatform = platforms.find((candidate) => candidate.metadata.name === placement.replica);
        return {
          commit: {
            author: requester,
            message: `create bucket ${ref} on ${placement.platform}\n\nRequested by ${requester.login}. Placement: ${placement.reason}.`,
            trailers: trailersOf("bucket-create", ref, placement.platform, id),
            changes: [
              ...(await projectChanges(head, document, existing !== undefined, platform)),
              // A noobaa replica's claim lives in the project's namespace on its platform too.
              ...(replicaPlatform ? await projectChanges(head, document, true, replicaPlatform) : []),
              { path: bucketPath(project, request.name), content: serialize(bucket) },
              ...objectBucketClaimChanges(bucket, platforms, deps.crds),
            ],
          },
          result: { created: true },
        };
      });
      if ("earlier" in result) return replayed(await headOrFail(), project, request.name, result.earlier);
      return { bucket: await view(await headOrFail(), project, request.name), commit };
    },

    async remove(project, name, requester) {
      assertProjectName(project);
      assertBucketName("/bucket", name);
      const ref = bucketRef(project, name);
      const { commit, result } = await writer.write<BucketView>(async (head) => {
        const bucket = head ? await bucketAt(repo, head, project, name) : undefined;
        if (!head || !bucket) throw new NotFoundError("bucket", ref);
        // Instances attached to it would lose their data's home under them (ADR 0031).
        assertBucketUnused(project, name, await instancesUsingBucketAt(repo, head, project, name));
        // Viewed before: once removed, git no longer says what it was.
        const before = await viewOf(bucket, await platformsAt(repo, head));
        return {
          commit: {
            author: requester,
            message: `remove bucket ${ref} from ${bucket.placement.platform}\n\nRequested by ${requester.login}. Its objects are deleted with it.`,
            trailers: trailersOf("bucket-remove", ref, bucket.placement.platform, undefined),
            changes: [{ path: bucketPath(project, name), remove: true }, ...objectBucketClaimRemovals(bucket)],
          },
          result: before,
        };
      });
      return { bucket: result, commit };
    },
  };
}

/** The removal of every bucket of a project and their claims, for the commit that removes the project. */
export async function projectBucketRemovals(repo: DesiredStateRepository, head: CommitId, project: string): Promise<FileChange[]> {
  const buckets = await projectBucketsAt(repo, head, project);
  return [{ path: bucketsDir(project), remove: true }, ...buckets.flatMap((bucket) => objectBucketClaimRemovals(bucket))];
}
