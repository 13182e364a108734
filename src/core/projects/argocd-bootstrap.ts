// The Argo CD bootstrap of each cluster platform as files of the desired-state repository
// (`rendered/<platform>/argocd/`): written in the same commit as a project's first arrival on
// the platform, and repaired by a commit of its own whenever it differs from what the
// platform's settings, its projects and the catalogs say (an operator's merge request changed
// `platforms/<name>.yaml`, a crash between two commits, a new Helm catalog).
import { parseProject, type PlatformDocument } from "../model.js";
import { DEFAULT_RECOVERY_DEFAULTS, recoveryPolicyOf, type RecoveryDefaults } from "../recovery/policy.js";
import { veleroSchedule } from "../render/velero.js";
import type { CommitId, DesiredStateRepository, FileChange } from "../ports/desired-state-repository.js";
import { renderArgoBootstrap, type ArgoCdSettings } from "../render/argocd.js";
import type { CrdValidator } from "../render/crd-validate.js";
import { toManifestFiles } from "../render/render.js";
import { validateObjects } from "../render/validate.js";
import { ALERTS_SEGMENT, projectPath, renderedArgoDir, renderedPlatformDir, renderedProjectBundleDir } from "../repository/layout.js";
import type { Person } from "../ports/desired-state-repository.js";
import { TRAILERS } from "../repository/trailers.js";
import type { Writer } from "../repository/writer.js";
import { isClusterPlatform, platformsAt } from "./bundle.js";

export const DEFAULT_TARGET_REVISION = "main";
/** The cluster Argo CD itself runs in, as Argo CD names it. */
export const IN_CLUSTER = "https://kubernetes.default.svc";

/** What Argo CD reads on this platform, or undefined for a platform without Argo CD settings. */
export function argoSettingsOf(platform: PlatformDocument): ArgoCdSettings | undefined {
  const argocd = platform.spec.argocd;
  if (!isClusterPlatform(platform) || !argocd) return undefined;
  return {
    namespace: argocd.namespace,
    repoURL: argocd.repoURL,
    targetRevision: argocd.targetRevision ?? DEFAULT_TARGET_REVISION,
    destinationServer: argocd.destinationServer ?? IN_CLUSTER,
  };
}

export interface BootstrapInput {
  readonly platform: PlatformDocument;
  /** The projects with a namespace on the platform. */
  readonly projects: readonly string[];
  readonly chartRepositories: readonly string[];
  readonly crds?: CrdValidator;
  /** Every platform declared: where backups are stored and whose each platform sees (Velero, ADR 0034). */
  readonly platforms: readonly PlatformDocument[];
}

/** The bootstrap's files, replacing the directory; validated against the real Argo CD CRDs first. Empty without Argo CD settings. */
export function argoBootstrapChanges(input: BootstrapInput): FileChange[] {
  const argocd = argoSettingsOf(input.platform);
  if (!argocd) return [];
  const objects = renderArgoBootstrap({
    platform: input.platform,
    argocd,
    projects: input.projects,
    chartRepositories: input.chartRepositories,
    platforms: input.platforms,
  });
  validateObjects(objects, input.crds);
  const dir = renderedArgoDir(input.platform.metadata.name);
  return [{ path: dir, remove: true }, ...toManifestFiles(objects).map((file) => ({ path: `${dir}/${file.name}`, content: file.content }))];
}

/** The projects that have a directory on the platform (instances, namespace, bundle), sorted. */
export async function projectsOnPlatform(repo: DesiredStateRepository, head: CommitId, platform: string): Promise<string[]> {
  const argoDir = renderedArgoDir(platform).split("/").at(-1);
  return (await repo.listDirectory(head, renderedPlatformDir(platform)))
    .filter((entry) => entry.type === "tree" && entry.name !== argoDir && entry.name !== ALERTS_SEGMENT)
    .map((entry) => entry.name)
    .sort();
}

/**
 * The changes that make the platform's bootstrap what it should be at this head, or an empty
 * list when it already is (compared file by file, so no commit is made for nothing).
 */
export async function bootstrapRepairs(
  repo: DesiredStateRepository,
  head: CommitId,
  platform: PlatformDocument,
  options: { chartRepositories: readonly string[]; crds?: CrdValidator; platforms?: readonly PlatformDocument[] },
): Promise<FileChange[]> {
  const name = platform.metadata.name;
  const dir = renderedArgoDir(name);
  const existing = await repo.listDirectory(head, dir);
  if (!argoSettingsOf(platform)) return existing.length > 0 ? [{ path: dir, remove: true }] : [];
  const platforms = options.platforms ?? (await platformsAt(repo, head));
  const wanted = argoBootstrapChanges({ platform, projects: await projectsOnPlatform(repo, head, name), ...options, platforms }).filter(
    (change): change is Extract<FileChange, { content: string }> => "content" in change,
  );
  const same =
    existing.length === wanted.length &&
    (await Promise.all(wanted.map(async (file) => (await repo.readFile(head, file.path)) === file.content))).every(Boolean);
  return same ? [] : [{ path: dir, remove: true }, ...wanted];
}

/**
 * The changes that make the Velero Schedules of the platform's project bundles what the
 * platform and the projects' policies say at this head (ADR 0034): a project's own change
 * renders its bundle whole, but an operator's merge that gives a platform `spec.backups` (or
 * takes it away) changes no project. Only the Schedule files are touched; a project whose file
 * does not read is left as it is (what reads the projects reports it).
 */
export async function scheduleRepairs(
  repo: DesiredStateRepository,
  head: CommitId,
  platform: PlatformDocument,
  options: { recovery: RecoveryDefaults; crds?: CrdValidator },
): Promise<FileChange[]> {
  if (!isClusterPlatform(platform)) return [];
  const name = platform.metadata.name;
  const changes: FileChange[] = [];
  for (const project of await projectsOnPlatform(repo, head, name)) {
    const dir = renderedProjectBundleDir(name, project);
    const entries = await repo.listDirectory(head, dir);
    // No bundle: the project's first arrival renders it whole, its Schedule with it.
    if (entries.length === 0) continue;
    const existing = entries.filter((entry) => entry.type === "blob" && entry.name.startsWith("schedule-"));
    const text = await repo.readFile(head, projectPath(project));
    if (text === undefined) continue;
    let schedule;
    try {
      const document = parseProject(text, projectPath(project));
      schedule = veleroSchedule({ project: document, platform, policy: recoveryPolicyOf(document, options.recovery) });
    } catch {
      continue;
    }
    const wanted = schedule ? toManifestFiles([schedule])[0] : undefined;
    if (schedule) validateObjects([schedule], options.crds);
    for (const entry of existing) if (entry.name !== wanted?.name) changes.push({ path: `${dir}/${entry.name}`, remove: true });
    if (wanted && (await repo.readFile(head, `${dir}/${wanted.name}`)) !== wanted.content)
      changes.push({ path: `${dir}/${wanted.name}`, content: wanted.content });
  }
  return changes;
}

/**
 * One commit (or none) that makes every cluster platform's bootstrap what it should be.
 * Run at start-up and after picking up others' commits: idempotent, so a crash anywhere converges.
 */
export async function repairArgoBootstraps(deps: {
  readonly repo: DesiredStateRepository;
  readonly writer: Writer;
  readonly author: Person;
  readonly chartRepositories: readonly string[];
  readonly crds?: CrdValidator;
  /** The configuration's recovery defaults: the bundles' Velero Schedules follow the platforms' `spec.backups` too. */
  readonly recovery?: RecoveryDefaults;
}): Promise<CommitId | null> {
  const options = { chartRepositories: deps.chartRepositories, ...(deps.crds ? { crds: deps.crds } : {}) };
  const { commit } = await deps.writer.write(async (head) => {
    if (!head) return { commit: null, result: undefined };
    const changes: FileChange[] = [];
    const repaired: string[] = [];
    const platforms = await platformsAt(deps.repo, head);
    for (const platform of platforms) {
      const platformChanges = [
        ...(await bootstrapRepairs(deps.repo, head, platform, { ...options, platforms })),
        ...(await scheduleRepairs(deps.repo, head, platform, {
          recovery: deps.recovery ?? DEFAULT_RECOVERY_DEFAULTS,
          ...(deps.crds ? { crds: deps.crds } : {}),
        })),
      ];
      if (platformChanges.length > 0) repaired.push(platform.metadata.name);
      changes.push(...platformChanges);
    }
    if (changes.length === 0) return { commit: null, result: undefined };
    return {
      commit: {
        author: deps.author,
        message: `render the Argo CD bootstrap of ${repaired.join(", ")}\n\nIt (or its projects' Velero Schedules) differed from what the platform's settings, its projects and the catalogs say.`,
        trailers: { [TRAILERS.action]: "render-bootstrap", [TRAILERS.platform]: repaired.join(",") },
        changes,
      },
      result: undefined,
    };
  });
  return commit;
}
