// A project's hardened namespace on each cluster platform it runs on, as files of the
// desired-state repository: rendered when the project first lands on the platform, and
// again whenever its members or quota change, so the cluster always enforces what git says.
import { parsePlatform, type PlatformDocument, type ProjectDocument } from "../model.js";
import type { CommitId, DesiredStateRepository, FileChange } from "../ports/desired-state-repository.js";
import { renderProjectBundle } from "../render/project-bundle.js";
import type { CrdValidator } from "../render/crd-validate.js";
import { DEFAULT_RECOVERY_DEFAULTS, type RecoveryDefaults } from "../recovery/policy.js";
import { toManifestFiles } from "../render/render.js";
import { validateObjects } from "../render/validate.js";
import { renderedProjectBundleDir } from "../repository/layout.js";
import type { EffectiveQuota } from "../tenancy/quota.js";

/** Clusters (driven through Argo CD) enforce quotas, network policies and role bindings; podman on one machine does not. */
export const isClusterPlatform = (platform: PlatformDocument): boolean => platform.spec.engine === "argocd";

/** What a bundle's rendering takes besides the project and its quota: the recovery defaults (its Velero Schedule), the operators' CRDs. */
export interface BundleOptions {
  readonly recovery?: RecoveryDefaults;
  readonly crds?: CrdValidator;
}

/**
 * The bundle's files, replacing what was there; validated against the Kubernetes schemas (and
 * Velero's CRD for its Schedule, when the CRDs are given) first.
 */
export function projectBundleChanges(project: ProjectDocument, platform: PlatformDocument, quota: EffectiveQuota, options: BundleOptions = {}): FileChange[] {
  const objects = renderProjectBundle({ project, quota, platform, recovery: options.recovery ?? DEFAULT_RECOVERY_DEFAULTS });
  validateObjects(objects, options.crds);
  const dir = renderedProjectBundleDir(platform.metadata.name, project.metadata.name);
  return [{ path: dir, remove: true }, ...toManifestFiles(objects).map((file) => ({ path: `${dir}/${file.name}`, content: file.content }))];
}

/** Every platform declared at this head (`platforms/*.yaml`). */
export async function platformsAt(repo: DesiredStateRepository, head: CommitId): Promise<PlatformDocument[]> {
  const documents: PlatformDocument[] = [];
  for (const entry of await repo.listDirectory(head, "platforms")) {
    if (entry.type !== "blob" || !entry.name.endsWith(".yaml")) continue;
    const text = await repo.readFile(head, `platforms/${entry.name}`);
    if (text !== undefined) documents.push(parsedPlatform(text, `platforms/${entry.name}`));
  }
  return documents;
}

/**
 * Platform files change rarely and are read at every launch: each text is parsed once. A copy
 * is returned each time, so that no caller can change what the next one reads.
 */
const parsedPlatforms = new Map<string, PlatformDocument>();
function parsedPlatform(text: string, source: string): PlatformDocument {
  const key = `${source}\u0000${text}`;
  let document = parsedPlatforms.get(key);
  if (!document) {
    document = parsePlatform(text, source);
    parsedPlatforms.set(key, document);
    if (parsedPlatforms.size > 256) parsedPlatforms.delete(parsedPlatforms.keys().next().value as string);
  }
  return structuredClone(document);
}

/** The cluster platforms where the project's bundle is already rendered, at this head. */
export async function platformsWithBundle(repo: DesiredStateRepository, head: CommitId, project: string): Promise<PlatformDocument[]> {
  const found: PlatformDocument[] = [];
  for (const platform of await platformsAt(repo, head)) {
    if (!isClusterPlatform(platform)) continue;
    if ((await repo.listDirectory(head, renderedProjectBundleDir(platform.metadata.name, project))).length > 0) found.push(platform);
  }
  return found;
}
