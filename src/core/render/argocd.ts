// What Plateau asks of Argo CD on a cluster platform: the fences (one AppProject per Plateau
// project), one ApplicationSet that turns every instance directory of the platform into an
// Application, one Application for the projects' hardened namespaces, and an Application per
// Helm instance. Built as data like every manifest, deterministic byte for byte; names are
// DNS labels checked here again, and values of users only ever become string or object fields.
import { InputError } from "../errors.js";
import type { PlatformDocument } from "../model.js";
import { assertName } from "../names.js";
import {
  HELM_SEGMENT,
  BUCKETS_SEGMENT,
  RECOVERY_SEGMENT,
  renderedAlertsDir,
  renderedArgoDir,
  renderedHelmInstanceDir,
  renderedPlatformDir,
  renderedProjectBundleDir,
} from "../repository/layout.js";
import { AVP_ENV, AVP_PLUGIN_NAME, avpBootstrapObjects, canonicalJson, escapeArgoEnv, hasSecretPlaceholders } from "./avp.js";
import type { KubeObject } from "./kube.js";
import { MANAGED_BY } from "./render.js";
import { veleroBackupLocations, veleroNamespaceOf } from "./velero.js";
import { escapePointerSegment } from "../../contracts/json.js";

/** Where Argo CD runs and what it reads: configuration of the platform, not of users. */
export interface ArgoCdSettings {
  /** The namespace Argo CD runs in and watches for Applications, e.g. `openshift-gitops`. */
  readonly namespace: string;
  /** The desired-state repository, as Argo CD clones it. */
  readonly repoURL: string;
  /** The branch Argo CD follows. */
  readonly targetRevision: string;
  /** The cluster instances run on, e.g. `https://kubernetes.default.svc`. */
  readonly destinationServer: string;
}

export interface ArgoBootstrapInput {
  readonly platform: PlatformDocument;
  readonly argocd: ArgoCdSettings;
  /** The Plateau projects that have a namespace on the platform. */
  readonly projects: readonly string[];
  /**
   * Helm repositories of the catalog: the only sources besides the desired-state repository
   * an instance's Application may name (Argo CD refuses any other). None without Helm templates.
   */
  readonly chartRepositories?: readonly string[];
  /**
   * Every platform declared: where this one's backups are stored and whose backups it sees
   * (Velero's BackupStorageLocations, ADR 0034). Absent: this platform alone.
   */
  readonly platforms?: readonly PlatformDocument[];
}

export interface HelmChart {
  /** The chart repository (from the catalog, never from users). */
  readonly repository: string;
  readonly chart: string;
  readonly version: string;
}

export interface HelmApplicationInput {
  readonly platform: PlatformDocument;
  readonly argocd: ArgoCdSettings;
  readonly project: string;
  readonly instance: string;
  readonly chart: HelmChart;
  /** The instance's values (resolved), handed to Helm as an object: never spliced into text. */
  readonly values: Readonly<Record<string, unknown>>;
}

const API_VERSION = "argoproj.io/v1alpha1";
const PROJECT_LABEL = "plateau.io/project";
const INSTANCE_LABEL = "plateau.io/instance";
const PLATFORM_LABEL = "plateau.io/platform";
const RBAC_GROUP = "rbac.authorization.k8s.io";
const NETWORKING_GROUP = "networking.k8s.io";
/** Deleting an instance's Application deletes what it deployed (otherwise its pods would run on, orphaned). */
const RESOURCES_FINALIZER = "resources-finalizer.argocd.argoproj.io";

/**
 * The AppProject of Plateau itself (the projects' hardened namespaces). Not `plateau-<something>`:
 * a Plateau project of that name would take it over; `plateau-<project>` never equals `plateau`.
 */
export const OPERATOR_APP_PROJECT = "plateau";
export const INSTANCES_APPLICATION_SET = "plateau-instances";
export const PROJECT_BUNDLES_APPLICATION = "plateau-project-bundles";
/** Applies `rendered/<platform>/argocd/` itself (app of apps): the one object an operator applies by hand, once. */
export const BOOTSTRAP_APPLICATION = "plateau-bootstrap";
/** Applies the labs' VMRules (`rendered/<platform>/_alerts/`), when the platform names their namespace (ADR 0029). */
export const LAB_ALERTS_APPLICATION = "plateau-lab-alerts";
/** The VictoriaMetrics operator's alerting rules: the labs' alerts, in `spec.metrics.rulesNamespace` only. */
const VMRULE_KIND = { group: "operator.victoriametrics.com", kind: "VMRule" };
/** NooBaa's bucket claims: a project's buckets on a `noobaa` platform (ADR 0030). */
const OBC_KIND = { group: "objectbucket.io", kind: "ObjectBucketClaim" };
/**
 * Velero's kinds Plateau renders (ADR 0034): each project's Schedule (its bundle), the Restores
 * of its instances (`_recovery`), the platform's BackupStorageLocations (the bootstrap). In
 * Velero's namespace, through Plateau's own AppProject only: never a project's.
 */
const VELERO_KINDS = [
  { group: "velero.io", kind: "BackupStorageLocation" },
  { group: "velero.io", kind: "Restore" },
  { group: "velero.io", kind: "Schedule" },
];
/** Applies the Applications of Helm instances (`rendered/<platform>/<project>/_helm/<instance>/`). */
export const HELM_INSTANCES_APPLICATION = "plateau-helm-instances";
const ARGO_GROUP = "argoproj.io";
/** What the bootstrap and the Helm instances are: Argo CD's own kinds, in Argo CD's namespace. */
const ARGO_KINDS = [
  { group: ARGO_GROUP, kind: "AppProject" },
  { group: ARGO_GROUP, kind: "Application" },
  { group: ARGO_GROUP, kind: "ApplicationSet" },
];

export const appProjectName = (project: string): string => `plateau-${project}`;
/**
 * `<project>.<instance>`: with a hyphen, project `a-b` instance `c` and project `a` instance
 * `b-c` would both be `a-b-c`, and an ApplicationSet that generates two Applications of one
 * name stops generating any. Names hold no dot, so the dot cannot be ambiguous.
 */
export const instanceApplicationName = (project: string, instance: string): string => `${project}.${instance}`;

/** A kind as Argo CD's AppProject names it: the API group (`""` for the core group) and the kind. */
export interface GroupKind {
  readonly group: string;
  readonly kind: string;
}

/**
 * The namespaced kinds an instance may create in its project's namespace: what Plateau's
 * templates render and what Helm charts need (a chart's ServiceAccount, the Role and
 * RoleBinding that give it rights in the namespace, its Secrets and ConfigMaps, its workloads,
 * disruption budget, autoscaler, network policy, Ingress or Route). The AppProject allows these
 * and only these (a whitelist: a kind the cluster adds later is refused until listed here), and
 * the preflight of a chart checks its objects against this very list. No cluster-scoped kind:
 * Namespaces, ClusterRoles, CRDs, webhooks, PriorityClasses, StorageClasses, volumes are never an
 * instance's. Not the project bundle's LimitRange and ResourceQuota: an instance must not change
 * its own fences; its NetworkPolicies and RoleBindings can add to the bundle's (the preflight
 * holds what they may say) but not replace them (FailOnSharedResource refuses an object another
 * Application manages). Sorted by group, then kind.
 */
export const INSTANCE_KINDS: readonly GroupKind[] = [
  { group: "", kind: "ConfigMap" },
  { group: "", kind: "PersistentVolumeClaim" },
  { group: "", kind: "Pod" },
  { group: "", kind: "Secret" },
  { group: "", kind: "Service" },
  { group: "", kind: "ServiceAccount" },
  { group: "apps", kind: "Deployment" },
  { group: "apps", kind: "StatefulSet" },
  { group: "autoscaling", kind: "HorizontalPodAutoscaler" },
  { group: "batch", kind: "CronJob" },
  { group: "batch", kind: "Job" },
  { group: NETWORKING_GROUP, kind: "Ingress" },
  { group: NETWORKING_GROUP, kind: "NetworkPolicy" },
  { group: "policy", kind: "PodDisruptionBudget" },
  { group: RBAC_GROUP, kind: "Role" },
  { group: RBAC_GROUP, kind: "RoleBinding" },
  { group: "route.openshift.io", kind: "Route" },
];
/**
 * What the project bundles hold, in the namespaces (the Namespace itself is cluster-scoped): the
 * Role is the one letting Argo CD's repo-server read the project's Secrets (ADR 0022).
 */
const BUNDLE_KINDS = [
  { group: "", kind: "LimitRange" },
  { group: "", kind: "ResourceQuota" },
  { group: NETWORKING_GROUP, kind: "NetworkPolicy" },
  { group: RBAC_GROUP, kind: "Role" },
  { group: RBAC_GROUP, kind: "RoleBinding" },
];
/** What the bootstrap holds in Argo CD's namespace besides Argo CD's kinds: the secrets plugin's ConfigMaps (ADR 0022). */
const BOOTSTRAP_KINDS = [{ group: "", kind: "ConfigMap" }, ...ARGO_KINDS];

/**
 * The namespace is the project bundle's (never created implicitly); server-side apply merges
 * with what controllers add; an object another Application already manages (another instance's,
 * the bundle's) is refused rather than taken over.
 */
const SYNC_OPTIONS = ["CreateNamespace=false", "FailOnSharedResource=true", "ServerSideApply=true"];

/**
 * Automated, pruning what the repository no longer holds and undoing changes made in the
 * cluster. Retries cover an instance synchronized before its namespace exists (the bundle's
 * Application creates it): 10 s doubling up to 5 min, about half an hour in all.
 */
const syncPolicy = () => ({
  automated: { prune: true, selfHeal: true },
  syncOptions: [...SYNC_OPTIONS],
  retry: { limit: 10, backoff: { duration: "10s", factor: 2, maxDuration: "5m" } },
});

/** Plateau renders one `<kind>-<name>.yaml` per object: nothing else (JSON, Jsonnet) is read. */
const MANIFEST_GLOB = "*.yaml";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function checkSettings(argocd: ArgoCdSettings): void {
  if (argocd.namespace.length > 63 || !DNS_LABEL.test(argocd.namespace)) {
    throw InputError.field("/argocd/namespace", "dns-label", `"${argocd.namespace}" must be a namespace name (a DNS label)`);
  }
  for (const field of ["repoURL", "targetRevision", "destinationServer"] as const) {
    if (!/^\S+$/.test(argocd[field])) throw InputError.field(`/argocd/${field}`, "non-empty", "must be non-empty and hold no spaces or line breaks");
  }
}

function checkRepository(pointer: string, url: string): void {
  if (!/^\S+$/.test(url)) throw InputError.field(pointer, "non-empty", "must be non-empty and hold no spaces or line breaks");
}

const sorted = (names: Iterable<string>): string[] => [...new Set(names)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

const labels = (platform: PlatformDocument, extra: Record<string, string> = {}): Record<string, string> => ({
  ...MANAGED_BY,
  [PLATFORM_LABEL]: platform.metadata.name,
  ...extra,
});

/**
 * Everything Argo CD needs on a platform, in a stable order: Plateau's own AppProject, one
 * AppProject per project (sorted by name), the instances' ApplicationSet and the bundles' Application.
 */
export function renderArgoBootstrap(input: ArgoBootstrapInput): KubeObject[] {
  const { platform, argocd } = input;
  checkSettings(argocd);
  input.projects.forEach((project, index) => assertName(`/projects/${index}`, project));
  (input.chartRepositories ?? []).forEach((url, index) => checkRepository(`/chartRepositories/${index}`, url));
  // Velero's namespace holds its S3 keys and applies Restores: a project of that name (one made
  // before the name was reserved, or a namespace an operator chose later) gets no AppProject, so
  // none of its Applications can sync, rather than rights over Velero's namespace.
  const veleroNamespace = veleroNamespaceOf(platform);
  const projects = sorted(input.projects).filter((project) => project !== veleroNamespace);
  const sourceRepos = [argocd.repoURL, ...sorted(input.chartRepositories ?? []).filter((url) => url !== argocd.repoURL)];
  const namespace = argocd.namespace;

  return [
    operatorAppProject(platform, argocd, projects),
    ...projects.map((project): KubeObject => ({
      apiVersion: API_VERSION,
      kind: "AppProject",
      metadata: { name: appProjectName(project), namespace, labels: labels(platform, { [PROJECT_LABEL]: project }) },
      spec: {
        description: `Plateau project ${project}: its instances, in its own namespace only`,
        sourceRepos: [...sourceRepos],
        destinations: [{ server: argocd.destinationServer, namespace: project }],
        // Explicitly none: Namespaces, ClusterRoles, CRDs and webhooks are never an instance's.
        clusterResourceWhitelist: [],
        namespaceResourceWhitelist: INSTANCE_KINDS.map((kind) => ({ ...kind })),
      },
    })),
    instancesApplicationSet(platform, argocd),
    bundlesApplication(platform, argocd),
    bootstrapApplication(platform, argocd),
    helmInstancesApplication(platform, argocd),
    ...(platform.spec.metrics?.rulesNamespace ? [labAlertsApplication(platform, argocd)] : []),
    // The plugin that resolves the secrets of charts; its sidecar is the operator's (docs/argocd.md).
    ...avpBootstrapObjects(namespace, labels(platform)),
    // Where Velero writes this platform's backups and reads those of the platforms it recovers
    // or that recover it (ADR 0034); a storage site without an S3 endpoint is refused here.
    ...veleroBackupLocations(platform, input.platforms ?? [platform]),
  ];
}

/**
 * Plateau's own AppProject may create the projects' Namespaces (each by name) and the bundle's
 * kinds in them, and Argo CD's own kinds in Argo CD's namespace (the bootstrap, the Helm
 * instances' Applications, each still fenced by its own AppProject) with the secrets plugin's
 * ConfigMaps, and nothing else. Its
 * Applications deploy objects that all name their namespace, so they target no namespace:
 * the destination without one permits exactly that (Argo CD checks an Application's
 * destination against the project's).
 */
function operatorAppProject(platform: PlatformDocument, argocd: ArgoCdSettings, projects: readonly string[]): KubeObject {
  // The labs' VMRules (ADR 0029): that kind, in that namespace only.
  const rulesNamespace = platform.spec.metrics?.rulesNamespace;
  const veleroNamespace = veleroNamespaceOf(platform);
  return {
    apiVersion: API_VERSION,
    kind: "AppProject",
    metadata: { name: OPERATOR_APP_PROJECT, namespace: argocd.namespace, labels: labels(platform) },
    spec: {
      description: "Plateau itself: the hardened namespaces of its projects (quota, limits, network policies, role bindings) and their backups",
      sourceRepos: [argocd.repoURL],
      destinations: [
        { server: argocd.destinationServer },
        { server: argocd.destinationServer, namespace: argocd.namespace },
        ...projects.map((project) => ({ server: argocd.destinationServer, namespace: project })),
        ...(rulesNamespace ? [{ server: argocd.destinationServer, namespace: rulesNamespace }] : []),
        // Velero's: the projects' Schedules and Restores, the platform's BackupStorageLocations.
        { server: argocd.destinationServer, namespace: veleroNamespace },
      ],
      clusterResourceWhitelist: projects.map((project) => ({ group: "", kind: "Namespace", name: project })),
      namespaceResourceWhitelist: [
        ...BUNDLE_KINDS,
        ...BOOTSTRAP_KINDS,
        ...(rulesNamespace ? [VMRULE_KIND] : []),
        // The buckets' claims on a NooBaa platform (ADR 0030), in the projects' namespaces.
        ...(platform.spec.s3?.provider === "noobaa" ? [OBC_KIND] : []),
        ...VELERO_KINDS,
      ].map((kind) => ({ ...kind })),
    },
  };
}

/**
 * One Application per directory `rendered/<platform>/<project>/<instance>`, the project's
 * `_project` bundle and `_helm` Applications excluded. Go templates read the project and the instance from the path's
 * segments: the directories are Plateau's (names checked when written), and a template's
 * parameters are substituted as text into fields, never parsed as templates themselves.
 */
function instancesApplicationSet(platform: PlatformDocument, argocd: ArgoCdSettings): KubeObject {
  const platformDir = renderedPlatformDir(platform.metadata.name);
  const projectSegment = platformDir.split("/").length;
  const project = `{{index .path.segments ${projectSegment}}}`;
  const instance = `{{index .path.segments ${projectSegment + 1}}}`;
  return {
    apiVersion: API_VERSION,
    kind: "ApplicationSet",
    metadata: { name: INSTANCES_APPLICATION_SET, namespace: argocd.namespace, labels: labels(platform) },
    spec: {
      goTemplate: true,
      // A parameter that does not exist is an error, not an empty string in a name or a namespace.
      goTemplateOptions: ["missingkey=error"],
      generators: [
        {
          git: {
            repoURL: argocd.repoURL,
            revision: argocd.targetRevision,
            directories: [
              { path: `${platformDir}/*/*` },
              { path: renderedProjectBundleDir(platform.metadata.name, "*"), exclude: true },
              { path: `${platformDir}/*/${HELM_SEGMENT}`, exclude: true },
              { path: `${platformDir}/*/${BUCKETS_SEGMENT}`, exclude: true },
              // Restores are Plateau's, in Velero's namespace: the bundles' Application applies them, never an instance's.
              { path: `${platformDir}/*/${RECOVERY_SEGMENT}`, exclude: true },
            ],
          },
        },
      ],
      template: {
        metadata: {
          name: instanceApplicationName(project, instance),
          labels: labels(platform, { [PROJECT_LABEL]: project, [INSTANCE_LABEL]: instance }),
          finalizers: [RESOURCES_FINALIZER],
        },
        spec: {
          project: appProjectName(project),
          source: { repoURL: argocd.repoURL, targetRevision: argocd.targetRevision, path: "{{.path.path}}", directory: { include: MANIFEST_GLOB } },
          destination: { server: argocd.destinationServer, namespace: project },
          syncPolicy: syncPolicy(),
        },
      },
    },
  };
}

/**
 * An Application of Plateau's own AppProject, reading a directory of the desired-state
 * repository. No finalizer: deleting one must never delete what it deployed (every project's
 * namespace, the bootstrap, every Helm instance).
 */
function operatorApplication(
  platform: PlatformDocument,
  argocd: ArgoCdSettings,
  name: string,
  source: { path: string; directory: Record<string, unknown> },
  prune: boolean,
): KubeObject {
  return {
    apiVersion: API_VERSION,
    kind: "Application",
    metadata: { name, namespace: argocd.namespace, labels: labels(platform) },
    spec: {
      project: OPERATOR_APP_PROJECT,
      source: { repoURL: argocd.repoURL, targetRevision: argocd.targetRevision, ...source },
      destination: { server: argocd.destinationServer },
      syncPolicy: { ...syncPolicy(), automated: { prune, selfHeal: true } },
    },
  };
}

/**
 * Every project's `_project` directory and its buckets' claims (`_buckets`, ADR 0030), which live
 * in its namespace beside the bundle, and its instances' Velero Restores (`_recovery/<instance>`,
 * ADR 0034), in Velero's namespace (Argo CD matches `include` relative to the source's path,
 * braces as alternatives). Pruning removes a Restore once its instance's `spec.restore` is gone:
 * what it restored stays.
 */
function bundlesApplication(platform: PlatformDocument, argocd: ArgoCdSettings): KubeObject {
  const platformDir = renderedPlatformDir(platform.metadata.name);
  const bundles = `${renderedProjectBundleDir(platform.metadata.name, "*").slice(platformDir.length + 1)}/${MANIFEST_GLOB}`;
  const include = `{${bundles},*/${BUCKETS_SEGMENT}/${MANIFEST_GLOB},*/${RECOVERY_SEGMENT}/*/${MANIFEST_GLOB}}`;
  return operatorApplication(platform, argocd, PROJECT_BUNDLES_APPLICATION, { path: platformDir, directory: { recurse: true, include } }, true);
}

/**
 * `rendered/<platform>/argocd/` itself, so that a new project's AppProject (or a change of
 * platform settings) reaches Argo CD by a commit like everything else. An operator applies
 * this one file once (`kubectl apply -f`); from then on it manages itself with the rest.
 * Never pruning: a bad commit of the bootstrap must not delete every Application (an operator prunes by hand).
 */
function bootstrapApplication(platform: PlatformDocument, argocd: ArgoCdSettings): KubeObject {
  return operatorApplication(
    platform,
    argocd,
    BOOTSTRAP_APPLICATION,
    { path: renderedArgoDir(platform.metadata.name), directory: { include: MANIFEST_GLOB } },
    false,
  );
}

/**
 * Every Helm instance's Application (`*\/_helm/*\/*.yaml` under the platform). Its synced
 * revision tells which commit's Helm Applications the cluster holds (what status reads).
 * Pruning removes a removed instance's Application, whose finalizer removes what it deployed.
 */
function helmInstancesApplication(platform: PlatformDocument, argocd: ArgoCdSettings): KubeObject {
  const include = `*/${HELM_SEGMENT}/*/${MANIFEST_GLOB}`;
  return operatorApplication(
    platform,
    argocd,
    HELM_INSTANCES_APPLICATION,
    { path: renderedPlatformDir(platform.metadata.name), directory: { recurse: true, include } },
    true,
  );
}

/**
 * The labs' VMRules (`rendered/<platform>/_alerts/*.yaml`), each naming the rules namespace.
 * Pruning: a lab gone (or without projects) loses its VMRule.
 */
function labAlertsApplication(platform: PlatformDocument, argocd: ArgoCdSettings): KubeObject {
  return operatorApplication(
    platform,
    argocd,
    LAB_ALERTS_APPLICATION,
    { path: renderedAlertsDir(platform.metadata.name), directory: { include: MANIFEST_GLOB } },
    true,
  );
}

/**
 * An instance of a Helm template: Argo CD renders the chart with the values as an object. Its
 * Application is the instance's whole rendering, written to `<project>/_helm/<instance>/`
 * (not the instance's directory, from which the ApplicationSet would generate a second
 * Application of the same name) and applied by the Helm instances' Application.
 *
 * Values holding secret placeholders (`<path:<project>:<instance>-generated#<key>>`, ADR 0022)
 * go through the secrets plugin instead: a config management plugin runs only on a
 * repository source, so the source is the desired-state repository at this very directory
 * (the plugin reads nothing of it) and the chart, its version, the release and the values
 * travel in the plugin's environment to a command that never changes.
 */
export function renderHelmApplication(input: HelmApplicationInput): KubeObject {
  const { platform, argocd, project, instance, chart } = input;
  checkSettings(argocd);
  assertName("/project", project);
  assertName("/name", instance);
  checkRepository("/chart/repository", chart.repository);
  // Helm's own rule for chart names (pkg/chart/metadata.go).
  if (!/^[A-Za-z0-9._-]+$/.test(chart.chart)) throw InputError.field("/chart/chart", "chart-name", `"${chart.chart}" is not a chart name`);
  if (!/^\S+$/.test(chart.version)) throw InputError.field("/chart/version", "non-empty", "must be non-empty and hold no spaces");
  // ObjectMeta lists the fields Plateau's own kinds use; Argo CD's finalizer is one more.
  const metadata = {
    name: instanceApplicationName(project, instance),
    namespace: argocd.namespace,
    labels: labels(platform, { [PROJECT_LABEL]: project, [INSTANCE_LABEL]: instance }),
    finalizers: [RESOURCES_FINALIZER],
  };
  const values = jsonObject(input.values);
  const source = hasSecretPlaceholders(values)
    ? pluginSource(input, values)
    : { repoURL: chart.repository, chart: chart.chart, targetRevision: chart.version, helm: { releaseName: instance, valuesObject: values } };
  return {
    apiVersion: API_VERSION,
    kind: "Application",
    metadata,
    spec: {
      project: appProjectName(project),
      source,
      destination: { server: argocd.destinationServer, namespace: project },
      syncPolicy: syncPolicy(),
    },
  };
}

/**
 * Well below the 128 KiB the kernel allows one environment variable (MAX_ARG_STRLEN): the
 * values reach the plugin as one. Plateau's values are a few KiB.
 */
const MAX_PLUGIN_VALUES = 100_000;

function pluginSource(input: HelmApplicationInput, values: Record<string, unknown>): Record<string, unknown> {
  const { platform, argocd, project, instance, chart } = input;
  const text = canonicalJson(values);
  if (text.length > MAX_PLUGIN_VALUES)
    throw InputError.field("/values", "max-size", `must be under ${MAX_PLUGIN_VALUES} characters as JSON, got ${text.length}`);
  const env: [string, string][] = [
    [AVP_ENV.chartRepository, chart.repository],
    [AVP_ENV.chart, chart.chart],
    [AVP_ENV.chartVersion, chart.version],
    [AVP_ENV.release, instance],
    [AVP_ENV.values, text],
  ];
  return {
    repoURL: argocd.repoURL,
    targetRevision: argocd.targetRevision,
    path: renderedHelmInstanceDir(platform.metadata.name, project, instance),
    plugin: { name: AVP_PLUGIN_NAME, env: env.map(([name, value]) => ({ name, value: escapeArgoEnv(value) })) },
  };
}

/**
 * The values a Helm instance's Application carries, whichever its source: `helm.valuesObject`,
 * or the plugin's `HELM_VALUES` as Argo CD hands it over (`$$` read as `$`). Undefined for
 * anything else. For readers of committed Applications (tests, tools), never for deciding.
 */
export function helmApplicationValues(application: unknown): Record<string, unknown> | undefined {
  const source = (application as { spec?: { source?: Record<string, unknown> } } | undefined)?.spec?.source;
  const helm = source?.helm as { valuesObject?: Record<string, unknown> } | undefined;
  if (helm?.valuesObject) return helm.valuesObject;
  const plugin = source?.plugin as { name?: string; env?: { name: string; value: string }[] } | undefined;
  const text = plugin?.name === AVP_PLUGIN_NAME ? plugin.env?.find((entry) => entry.name === AVP_ENV.values)?.value : undefined;
  return text === undefined ? undefined : (JSON.parse(text.replaceAll("$$", "$")) as Record<string, unknown>);
}

/** A copy of the values that is JSON data (what Helm and YAML can carry), or an InputError naming the field. */
function jsonObject(values: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const copy = (value: unknown, pointer: string): unknown => {
    if (value === null || typeof value === "string" || typeof value === "boolean") return value;
    if (typeof value === "number") {
      if (!Number.isFinite(value)) throw InputError.field(pointer, "json", "must be a finite number");
      return value;
    }
    if (Array.isArray(value)) return value.map((item, index) => copy(item, `${pointer}/${index}`));
    if (typeof value === "object" && value !== null && [Object.prototype, null].includes(Object.getPrototypeOf(value))) {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, copy(item, `${pointer}/${escapePointerSegment(key)}`)]));
    }
    throw InputError.field(pointer, "json", `must be JSON data, got ${typeof value}`);
  };
  return copy(values, "/values") as Record<string, unknown>;
}
