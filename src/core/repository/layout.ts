// Where each piece of desired state lives in the repository (the v1 layout of
// docs/architecture). Every path Plateau reads or writes is built or parsed here.

export const platformPath = (platform: string): string => `platforms/${platform}.yaml`;
export const projectPath = (project: string): string => `projects/${project}/project.yaml`;
/** A lab's share and project limit (optional: the configuration's defaults apply without it). */
export const labPath = (lab: string): string => `labs/${lab}.yaml`;
export const instancePath = (project: string, instance: string): string => `projects/${project}/instances/${instance}.yaml`;
export const renderedPlatformDir = (platform: string): string => `rendered/${platform}`;
export const renderedProjectDir = (platform: string, project: string): string => `rendered/${platform}/${project}`;
export const renderedNamespacePath = (platform: string, project: string): string => `rendered/${platform}/${project}/namespace.yaml`;
export const renderedInstanceDir = (platform: string, project: string, instance: string): string => `rendered/${platform}/${project}/${instance}`;
/**
 * A project's hardened namespace on a cluster platform (quota, limits, network policies, role
 * bindings). `_project` can never be an instance's name (names start with a letter).
 */
export const renderedProjectBundleDir = (platform: string, project: string): string => `rendered/${platform}/${project}/_project`;

/**
 * The labs' alerts on a cluster platform: one VMRule file per lab, in the namespace the
 * platform names (`spec.metrics.rulesNamespace`, ADR 0029). Files only, no directory: the
 * instances' ApplicationSet, which reads directories two levels down, never sees it.
 */
export const ALERTS_SEGMENT = "_alerts";
export const renderedAlertsDir = (platform: string): string => `rendered/${platform}/${ALERTS_SEGMENT}`;

/** The Argo CD bootstrap of a cluster platform (AppProjects, ApplicationSet, Plateau's Applications). */
export const renderedArgoDir = (platform: string): string => `rendered/${platform}/argocd`;
/**
 * A Helm instance's Application on a cluster platform. `_helm`, like `_project`, can never be
 * an instance's name; the project named `argocd` is reserved so that `rendered/<platform>/argocd` stays Plateau's.
 */
export const HELM_SEGMENT = "_helm";
export const renderedHelmInstanceDir = (platform: string, project: string, instance: string): string =>
  `rendered/${platform}/${project}/${HELM_SEGMENT}/${instance}`;

/** A project's buckets (ADR 0030): `projects/<project>/buckets/<bucket>.yaml`, the bucket's S3 name as file name. */
export const bucketsDir = (project: string): string => `projects/${project}/buckets`;
export const bucketPath = (project: string, bucket: string): string => `projects/${project}/buckets/${bucket}.yaml`;
/** `projects/<p>/buckets/<b>.yaml` → its project and bucket; undefined for any other path. */
export function bucketOfPath(path: string): { project: string; bucket: string } | undefined {
  const parts = path.split("/");
  if (parts.length !== 4 || parts[0] !== "projects" || parts[2] !== "buckets" || !parts[1] || !parts[3]?.endsWith(".yaml")) return undefined;
  return { project: parts[1], bucket: parts[3].slice(0, -".yaml".length) };
}
/**
 * The ObjectBucketClaims of a project's buckets on a `noobaa` platform, one file per bucket.
 * Not in `_project`, whose files are replaced whole when the project changes; like `_project`
 * and `_helm`, never an instance's name.
 */
export const BUCKETS_SEGMENT = "_buckets";
export const renderedBucketsDir = (platform: string, project: string): string => `rendered/${platform}/${project}/${BUCKETS_SEGMENT}`;

/**
 * Velero's Restores of a project's instances on a cluster platform (ADR 0034), one directory per
 * instance: applied by the project's bundle Application (Velero's namespace is Plateau's, never
 * a chart's), removed with the instance. On podman the Restore is in the instance's own directory.
 */
export const RECOVERY_SEGMENT = "_recovery";
export const renderedRecoveryDir = (platform: string, project: string, instance: string): string =>
  `rendered/${platform}/${project}/${RECOVERY_SEGMENT}/${instance}`;

export type DesiredStatePath =
  { kind: "platform"; platform: string } | { kind: "project"; project: string } | { kind: "instance"; project: string; instance: string };

/** Classifies a path of the repository; `undefined` for files the index does not hold. */
export function classifyPath(path: string): DesiredStatePath | undefined {
  const parts = path.split("/");
  if (parts.length === 2 && parts[0] === "platforms" && parts[1]?.endsWith(".yaml")) {
    return { kind: "platform", platform: parts[1].slice(0, -".yaml".length) };
  }
  if (parts[0] !== "projects" || !parts[1]) return undefined;
  if (parts.length === 3 && parts[2] === "project.yaml") return { kind: "project", project: parts[1] };
  if (parts.length === 4 && parts[2] === "instances" && parts[3]?.endsWith(".yaml")) {
    return { kind: "instance", project: parts[1], instance: parts[3].slice(0, -".yaml".length) };
  }
  return undefined;
}
