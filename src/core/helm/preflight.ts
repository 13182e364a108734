// Will Argo CD and the cluster accept what a chart renders? Checked before a launch commits
// anything, on the objects `helm template` prints: the kinds against the project's AppProject,
// the pods against the namespace's Pod Security level (and OpenShift's restricted-v2 SCC), every
// container's requests and limits against the LimitRange and what the project and lab have
// left, and the pods' tolerations and node selection against the pool placement chose. Each
// finding names the object, a stable rule code and what to change; none means accepted.
import { placeholderFindings } from "./secret-placeholders.js";
import type { PlatformDocument, Pool } from "../model.js";
import type { GroupKind } from "../render/argocd.js";
import type { KubeObject } from "../render/kube.js";
import { podSecurityViolations } from "../render/pod-security.js";
import { RESOURCES, UNITS, type Resources } from "../tenancy/quota.js";
import {
  KUBE_RESOURCE_NAMES,
  POD_RESOURCES,
  objectName,
  podTemplateOf,
  renderedAsks,
  type Amounts,
  type PodAsks,
  type PodResource,
  type RenderedAsks,
} from "./rendered-asks.js";

/** The rules, as stable codes (clients and tests match on them; the message is for people). */
export const PREFLIGHT_RULES = [
  // kinds
  "kind-not-allowed",
  "cluster-scoped",
  "namespace",
  "rbac",
  // pod security
  "pod-security",
  "openshift-scc",
  // resources
  "quantity",
  "resources-missing",
  "request-above-limit",
  "gpu-request-limit",
  "limit-max",
  "limit-ratio",
  "quota-project",
  "quota-lab",
  "quota-limits",
  "quota-count",
  // scheduling
  "gpu-pool",
  "node-size",
  "node-selection",
  "toleration",
  // secrets (secret-placeholders.ts)
  "secret-placeholder",
] as const;
export type PreflightRule = (typeof PREFLIGHT_RULES)[number];

export interface Finding {
  /** `Kind/name` of the rendered object. */
  readonly object: string;
  readonly rule: PreflightRule;
  /** What is wrong, naming the object (and the container) and the limit it meets. */
  readonly message: string;
  /** What to change. */
  readonly fix: string;
}

/** The namespace's LimitRange (type Container) in quota units: cores, GiB, devices; the ratio as a number. */
export interface LimitRangeRules {
  readonly defaultRequest: Amounts;
  readonly default: Amounts;
  readonly max: Amounts;
  readonly maxLimitRequestRatio: Amounts;
}

/** The pool placement chose, as the platform declares it (`platforms/*.yaml`). */
export type PreflightPool = Pick<Pool, "name" | "labels" | "taints" | "gpu"> & Partial<Pick<Pool, "cpu" | "memoryGiB">>;

/**
 * Pod Security as the namespace enforces it: `restricted` (the Pod Security Standards, Plateau
 * labels every project namespace so), or on OpenShift `restricted-v2`: the SCC admits or
 * refuses and mutates the pod first, then the same `restricted` labels are checked on the result.
 */
export type PodSecurityLevel = "restricted" | "openshift-restricted-v2";

/** The level a platform's project namespaces enforce (project-bundle.ts labels them `restricted` on both flavours). */
export const podSecurityLevelOf = (platform: PlatformDocument): PodSecurityLevel =>
  platform.spec.flavour === "openshift" ? "openshift-restricted-v2" : "restricted";

export interface PreflightRules {
  /** The project's namespace: the only one objects may name. */
  readonly namespace: string;
  /** The namespaced kinds the project's AppProject allows (render/argocd.ts INSTANCE_KINDS). */
  readonly allowedKinds: readonly GroupKind[];
  readonly podSecurity: PodSecurityLevel;
  /**
   * OpenShift: the namespace's uid range (annotation `openshift.io/sa.scc.uid-range`, `first/size`),
   * when the caller knows it. Without it, any fixed runAsUser is refused on OpenShift: the range is
   * allocated per namespace, so no fixed uid can be known to fall within it.
   */
  readonly uidRange?: { readonly first: number; readonly size: number };
  /**
   * OpenShift: the namespace's group range (annotation `openshift.io/sa.scc.supplemental-groups`),
   * which restricted-v2's `fsGroup: MustRunAs` holds a pod's fsGroup to. OpenShift allocates the
   * same block as the uids by default, so `uidRange` stands for it when absent.
   */
  readonly groupRange?: { readonly first: number; readonly size: number };
  readonly limitRange: LimitRangeRules;
  /** Requests still free: the project's and the lab's quota minus what their instances ask. */
  readonly left: { readonly project: Resources; readonly lab?: Resources };
  /** Limits still free, where a ResourceQuota caps limits (Plateau's caps none: ADR 0021). */
  readonly limitsLeft?: Amounts;
  /**
   * What one instance may hold of the counts the project's ResourceQuota caps (`pods`,
   * `persistentvolumeclaims`: the instance quota times these, project-bundle.ts); absent: unchecked.
   */
  readonly perInstance?: { readonly pods: number; readonly claims: number };
  readonly pool: PreflightPool;
  /** Every pool of the platform, when known: a pod selecting none must tolerate at least one. */
  readonly pools?: readonly PreflightPool[];
  /** The instance (the Helm release): its own secret placeholders are the only ones objects may hold (absent: none is). */
  readonly instance?: string;
}

/** Every finding of every rule, in rule order then object order; empty when the objects are accepted. */
export function preflight(objects: readonly KubeObject[], rules: PreflightRules): Finding[] {
  const asks = renderedAsks(objects, rules.limitRange);
  return [
    ...kindFindings(objects, rules),
    ...podSecurityFindings(objects, rules),
    ...resourceFindings(asks, rules),
    ...countFindings(objects, asks, rules),
    ...schedulingFindings(asks, rules),
    ...placeholderFindings(objects, rules.namespace, rules.instance),
  ];
}

const finding = (object: string, rule: PreflightRule, message: string, fix: string): Finding => ({ object, rule, message: `${object}: ${message}`, fix });

type Json = Record<string, unknown>;
const asObject = (value: unknown): Json | undefined => (typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : undefined);
const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const text = (value: unknown): string => (typeof value === "string" ? value : (JSON.stringify(value) ?? ""));

// ---------------------------------------------------------------- kinds

/**
 * Cluster-scoped kinds charts are known to create. Argo CD tells namespaced from cluster-scoped
 * by the cluster's discovery; without a cluster, a kind of this list is named as what it is,
 * and any other kind outside the whitelist is refused all the same.
 */
const CLUSTER_SCOPED = new Set([
  "APIService",
  "CSIDriver",
  "CertificateSigningRequest",
  "ClusterIssuer",
  "ClusterRole",
  "ClusterRoleBinding",
  "CustomResourceDefinition",
  "IngressClass",
  "MutatingWebhookConfiguration",
  "Namespace",
  "Node",
  "PersistentVolume",
  "PriorityClass",
  "Project",
  "RuntimeClass",
  "SecurityContextConstraints",
  "StorageClass",
  "ValidatingAdmissionPolicy",
  "ValidatingAdmissionPolicyBinding",
  "ValidatingWebhookConfiguration",
  "VolumeAttachment",
]);

/** `apps/v1` → `apps`; `v1` → `` (the core group), as AppProjects name groups. */
const groupOf = (apiVersion: string): string => (apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.lastIndexOf("/")) : "");

/** ClusterRoles a chart's RoleBinding may grant in the namespace: what the project's viewers and editors have. */
const GRANTABLE_CLUSTER_ROLES = new Set(["view", "edit"]);
/** What a chart's Role must not grant: the project's fences, and rights over rights. */
const FENCED_RESOURCES = new Set(["*", "resourcequotas", "limitranges", "roles", "rolebindings"]);
const FENCED_VERBS = new Set(["escalate", "bind", "impersonate"]);

/**
 * As Argo CD applies an AppProject: a namespaced kind of the whitelist only (no
 * cluster-scoped kind at all), in the destination namespace only. And since Argo CD applies
 * with its own rights, the cluster's RBAC escalation check never sees a chart's Role or
 * RoleBinding: they are held here to what a project member could grant.
 */
export function kindFindings(objects: readonly KubeObject[], rules: PreflightRules): Finding[] {
  const findings: Finding[] = [];
  const allowed = new Set(rules.allowedKinds.map(({ group, kind }) => `${group}/${kind}`));
  const listed = rules.allowedKinds.map(({ group, kind }) => (group ? `${kind} (${group})` : kind)).join(", ");
  for (const object of objects) {
    const name = objectName(object);
    const group = groupOf(object.apiVersion);
    if (!allowed.has(`${group}/${object.kind}`)) {
      if (CLUSTER_SCOPED.has(object.kind))
        findings.push(
          finding(
            name,
            "cluster-scoped",
            `${object.kind} is cluster-scoped, and a project's instances may create objects in their namespace only`,
            `disable it in the chart's values (the platform's operators create cluster-wide objects)`,
          ),
        );
      else
        findings.push(
          finding(
            name,
            "kind-not-allowed",
            `kind ${object.kind}${group ? ` (${group})` : ""} is not among the kinds the project's AppProject allows (${listed})`,
            `disable it in the chart's values, or ask the operators to allow the kind`,
          ),
        );
      continue;
    }
    const namespace = object.metadata.namespace;
    if (namespace !== undefined && namespace !== rules.namespace)
      findings.push(
        finding(
          name,
          "namespace",
          `is in namespace ${namespace}; the project's namespace is ${rules.namespace}`,
          `remove metadata.namespace (or set it to ${rules.namespace})`,
        ),
      );
    if (group === "rbac.authorization.k8s.io") findings.push(...rbacFindings(object, name, rules.namespace));
  }
  return findings;
}

function rbacFindings(object: KubeObject, name: string, namespace: string): Finding[] {
  const findings: Finding[] = [];
  if (object.kind === "RoleBinding") {
    const roleRef = asObject(object.roleRef) ?? {};
    if (roleRef.kind !== "Role" && !(roleRef.kind === "ClusterRole" && GRANTABLE_CLUSTER_ROLES.has(text(roleRef.name))))
      findings.push(
        finding(
          name,
          "rbac",
          `binds ${text(roleRef.kind)} ${text(roleRef.name)}; a chart may bind a Role of its own or the ClusterRole view or edit`,
          "set the chart's role to view or edit (e.g. kubernetes.role), or disable the binding",
        ),
      );
    for (const subject of asArray(object.subjects)) {
      const s = asObject(subject) ?? {};
      if (s.kind !== "ServiceAccount" || (s.namespace !== undefined && s.namespace !== namespace))
        findings.push(
          finding(
            name,
            "rbac",
            `grants ${text(s.kind)} ${s.namespace !== undefined ? `${text(s.namespace)}/` : ""}${text(s.name)}; a chart may grant rights to service accounts of the namespace ${namespace} only`,
            "bind the chart's own service account only",
          ),
        );
    }
  }
  if (object.kind === "Role") {
    for (const item of asArray(object.rules)) {
      const rule = asObject(item) ?? {};
      const resources = asArray(rule.resources)
        .map(text)
        .filter((resource) => FENCED_RESOURCES.has(resource.split("/")[0] ?? ""));
      const verbs = asArray(rule.verbs)
        .map(text)
        .filter((verb) => FENCED_VERBS.has(verb));
      // Any verb but reading (`*` included) changes what it names.
      const writes = asArray(rule.verbs)
        .map(text)
        .some((verb) => verb !== "get" && verb !== "list" && verb !== "watch");
      if ((resources.length > 0 && writes) || verbs.length > 0)
        findings.push(
          finding(
            name,
            "rbac",
            `grants ${[...verbs, ...(writes ? resources : [])].join(", ")}: a chart's Role must not change the project's quota, limits or rights`,
            "remove these rules from the Role (or list the resources and verbs the chart needs)",
          ),
        );
    }
  }
  return findings;
}

// ---------------------------------------------------------------- pod security

/** What each `restricted` rule asks the chart to change. */
const PSS_FIXES: [RegExp, string][] = [
  [/allowPrivilegeEscalation/, "set securityContext.allowPrivilegeEscalation: false"],
  [/capabilities\.drop/, "set securityContext.capabilities.drop: [ALL]"],
  [/capabilities\.add/, "add no capability but NET_BIND_SERVICE"],
  [/runAsNonRoot/, "set securityContext.runAsNonRoot: true (pod or container) with an image that runs as a non-root user"],
  [/runAsUser/, "set a non-zero runAsUser, or none"],
  [/seccompProfile/, "set securityContext.seccompProfile.type: RuntimeDefault (pod or container)"],
  [/privileged/, "remove securityContext.privileged"],
  [/^host(Network|PID|IPC)/, "remove hostNetwork, hostPID and hostIPC"],
  [/hostPort/, "remove the container's hostPort (a Service exposes the port)"],
  [/volumes are not allowed/, "use an emptyDir, configMap, secret or persistentVolumeClaim volume instead"],
];
const pssFix = (rule: string): string => PSS_FIXES.find(([pattern]) => pattern.test(rule))?.[1] ?? "remove the setting from the chart's values";

/**
 * OpenShift's `restricted-v2` SCC (oc get scc restricted-v2 -o yaml), field by field:
 *   allowHostDirVolumePlugin/allowHostIPC/allowHostNetwork/allowHostPID/allowHostPorts: false,
 *   allowPrivilegedContainer: false, allowPrivilegeEscalation: false (unset is defaulted to false),
 *   requiredDropCapabilities: [ALL] (added to every container's drop by the admission),
 *   allowedCapabilities: [NET_BIND_SERVICE],
 *   runAsUser: MustRunAsRange (the namespace's openshift.io/sa.scc.uid-range; a uid is assigned when none is set),
 *   fsGroup: MustRunAs (the namespace's openshift.io/sa.scc.supplemental-groups; assigned when none is set),
 *   seLinuxContext: MustRunAs (the namespace's level; assigned when none is set),
 *   seccompProfiles: [runtime/default] (assigned when none is set; Localhost and Unconfined refused),
 *   volumes: configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret.
 * The pod the SCC admits, as mutated, is then checked against the namespace's Pod Security labels.
 */
const SCC_VOLUMES = new Set(["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"]);

export function podSecurityFindings(objects: readonly KubeObject[], rules: PreflightRules): Finding[] {
  const openshift = rules.podSecurity === "openshift-restricted-v2";
  const findings: Finding[] = [];
  // On OpenShift a pod the SCC refuses never reaches Pod Security: only the admitted ones, as mutated, are checked.
  const checked = openshift
    ? objects.flatMap((object) => {
        const before = findings.length;
        const mutated = sccMutated(object, rules, findings);
        return findings.length === before ? [mutated] : [];
      })
    : objects;
  for (const { object, container, rule } of podSecurityViolations(checked))
    findings.push(finding(object, "pod-security", `${container ? `${container}: ` : ""}${rule} (Pod Security restricted)`, pssFix(rule)));
  return findings;
}

/** The object as restricted-v2 would admit it (the SCC's defaults applied), its refusals pushed to `findings`. */
function sccMutated(object: KubeObject, rules: PreflightRules, findings: Finding[]): KubeObject {
  if (!podTemplateOf(object)) return object;
  const copy = structuredClone(object);
  const spec = podTemplateOf(copy)?.spec;
  if (!spec) return copy;
  const name = objectName(object);
  const refuse = (message: string, fix: string) => findings.push(finding(name, "openshift-scc", `${message} (OpenShift SCC restricted-v2)`, fix));
  const range = rules.uidRange;
  const uidAllowed = (uid: unknown) => typeof uid !== "number" || (range !== undefined && uid >= range.first && uid < range.first + range.size);
  const rangeText = range ? `${range.first}-${range.first + range.size - 1}` : "allocated to the namespace";

  for (const field of ["hostNetwork", "hostPID", "hostIPC"] as const) if (spec[field] === true) refuse(`${field} is not allowed`, `remove ${field}`);
  for (const volume of asArray(spec.volumes).map(asObject)) {
    for (const type of Object.keys(volume ?? {}))
      if (type !== "name" && !SCC_VOLUMES.has(type)) refuse(`volume ${text(volume?.name)}: ${type} volumes are not allowed`, pssFix("volumes are not allowed"));
  }
  const podContext = (spec.securityContext = asObject(spec.securityContext) ?? {});
  if (!uidAllowed(podContext.runAsUser))
    refuse(
      `runAsUser ${text(podContext.runAsUser)} is outside the namespace's uid range (${rangeText})`,
      "remove runAsUser: OpenShift assigns the namespace's uid",
    );
  const groups = rules.groupRange ?? range;
  const fsGroup = podContext.fsGroup;
  if (typeof fsGroup === "number" && !(groups !== undefined && fsGroup >= groups.first && fsGroup < groups.first + groups.size))
    refuse(
      `fsGroup ${fsGroup} is outside the namespace's group range (${groups ? `${groups.first}-${groups.first + groups.size - 1}` : "allocated to the namespace"})`,
      "remove fsGroup (e.g. podSecurityContext.fsGroup): OpenShift assigns the namespace's group",
    );
  checkSeccomp(podContext, "", refuse);
  checkSelinux(podContext, "", refuse);
  // What the SCC sets when the pod leaves it unset: a uid of the range (so non-root) and the runtime's seccomp profile.
  podContext.runAsNonRoot ??= true;
  podContext.seccompProfile ??= { type: "RuntimeDefault" };

  for (const list of ["initContainers", "containers", "ephemeralContainers"]) {
    for (const item of asArray(spec[list])) {
      const container = asObject(item);
      if (!container) continue;
      const where = `${list === "containers" ? "container" : list === "initContainers" ? "init container" : "ephemeral container"} ${text(container.name)}: `;
      const context = (container.securityContext = asObject(container.securityContext) ?? {});
      if (context.privileged === true) refuse(`${where}privileged is not allowed`, "remove securityContext.privileged");
      if (context.allowPrivilegeEscalation === true)
        refuse(`${where}allowPrivilegeEscalation is not allowed`, "set securityContext.allowPrivilegeEscalation: false");
      const capabilities = (context.capabilities = asObject(context.capabilities) ?? {});
      for (const capability of asArray(capabilities.add))
        if (capability !== "NET_BIND_SERVICE") refuse(`${where}capability ${text(capability)} is not allowed`, "add no capability but NET_BIND_SERVICE");
      if (!uidAllowed(context.runAsUser))
        refuse(
          `${where}runAsUser ${text(context.runAsUser)} is outside the namespace's uid range (${rangeText})`,
          "remove runAsUser: OpenShift assigns the namespace's uid",
        );
      for (const port of asArray(container.ports)) {
        const hostPort = asObject(port)?.hostPort;
        if (hostPort !== undefined && hostPort !== 0) refuse(`${where}hostPort ${text(hostPort)} is not allowed`, pssFix("hostPort"));
      }
      checkSeccomp(context, where, refuse);
      checkSelinux(context, where, refuse);
      context.allowPrivilegeEscalation ??= false;
      const drop = asArray(capabilities.drop);
      if (!drop.includes("ALL")) capabilities.drop = [...drop, "ALL"];
    }
  }
  return copy;
}

function checkSeccomp(context: Json, where: string, refuse: (message: string, fix: string) => void): void {
  const type = asObject(context.seccompProfile)?.type;
  if (type !== undefined && type !== "RuntimeDefault")
    refuse(`${where}seccompProfile ${text(type)} is not allowed (only runtime/default)`, "remove seccompProfile, or set its type to RuntimeDefault");
}

function checkSelinux(context: Json, where: string, refuse: (message: string, fix: string) => void): void {
  const options = asObject(context.seLinuxOptions);
  if (options && Object.keys(options).length > 0) refuse(`${where}seLinuxOptions are not allowed (OpenShift assigns the namespace's)`, "remove seLinuxOptions");
}

// ---------------------------------------------------------------- resources

const RESOURCE_TEXT: Record<PodResource, { format: (value: number) => string }> = {
  cpu: { format: (cores) => (Number.isInteger(cores) ? `${cores}` : `${Math.round(cores * 1000)}m`) },
  memoryGiB: { format: (gib) => (Number.isInteger(gib) ? `${gib}Gi` : `${Math.round(gib * 1024 * 1000) / 1000}Mi`) },
  gpu: { format: (count) => `${count}` },
};
const quantityText = (resource: PodResource, value: number): string => RESOURCE_TEXT[resource].format(Math.round(value * 1e6) / 1e6);
const kubeName = (resource: PodResource): string => KUBE_RESOURCE_NAMES[resource];

/**
 * Each container as the cluster admits it (LimitRange defaults applied): requests for what the
 * quota counts and a memory limit for the ratio, request ≤ limit, limits within the LimitRange's
 * max and ratio; then the totals within what the project and the lab have left.
 */
export function resourceFindings(asks: RenderedAsks, rules: PreflightRules): Finding[] {
  const findings: Finding[] = [];
  for (const invalid of asks.invalid)
    findings.push(
      finding(
        invalid.object,
        "quantity",
        `${invalid.path} is ${text(invalid.value)}, not a quantity Kubernetes accepts`,
        `write a quantity such as 500m, 2, 4Gi or 1`,
      ),
    );
  const { limitRange } = rules;
  for (const pod of asks.pods) {
    for (const container of pod.containers) {
      const label = `${container.list === "containers" ? "container" : "init container"} ${container.name}`;
      // The quota counts requests of cpu and memory: the API server refuses a pod without them in a namespace with that quota.
      const needed: [PodResource, "requests" | "limits"][] = [
        ["cpu", "requests"],
        ["memoryGiB", "requests"],
        // A ratio or a max needs a limit to hold (the LimitRanger refuses a container without one).
        ...POD_RESOURCES.filter((r) => r !== "gpu" && (limitRange.maxLimitRequestRatio[r] !== undefined || limitRange.max[r] !== undefined)).map(
          (r): [PodResource, "limits"] => [r, "limits"],
        ),
      ];
      for (const [resource, field] of needed)
        if (container[field][resource] === undefined)
          findings.push(
            finding(
              pod.object,
              "resources-missing",
              `${label} states no ${field}.${kubeName(resource)} and the LimitRange gives none`,
              `set resources.${field}.${kubeName(resource)}`,
            ),
          );
      for (const resource of POD_RESOURCES) {
        const request = container.requests[resource];
        const limit = container.limits[resource];
        const name = kubeName(resource);
        if (request !== undefined && limit !== undefined && request > limit) {
          const from = container.stated.limits.includes(name) ? "" : " (the LimitRange's default)";
          findings.push(
            finding(
              pod.object,
              "request-above-limit",
              `${label} asks ${quantityText(resource, request)} of ${name} request, above its limit of ${quantityText(resource, limit)}${from}`,
              `set resources.limits.${name} to at least ${quantityText(resource, request)}`,
            ),
          );
        }
        if (resource === "gpu" && container.stated.requests.includes(name) && !container.stated.limits.includes(name))
          findings.push(
            finding(
              pod.object,
              "gpu-request-limit",
              `${label} asks ${request} GPU with no limit: devices are not shared, the API server requires a limit equal to the request`,
              `set resources.limits.${name} to ${request}`,
            ),
          );
        else if (resource === "gpu" && container.stated.requests.includes(name) && request !== limit)
          findings.push(
            finding(
              pod.object,
              "gpu-request-limit",
              `${label} asks ${request} GPU and limits ${limit}: devices are not shared, both must be equal`,
              `set resources.limits.${name} to the request`,
            ),
          );
        const max = limitRange.max[resource];
        if (max !== undefined && limit !== undefined && limit > max)
          findings.push(
            finding(
              pod.object,
              "limit-max",
              `${label} asks ${quantityText(resource, limit)} of ${name} limit; the project's LimitRange allows at most ${quantityText(resource, max)}`,
              `lower resources.limits.${name} to ${quantityText(resource, max)} or less`,
            ),
          );
        const ratio = limitRange.maxLimitRequestRatio[resource];
        if (ratio !== undefined && request !== undefined && limit !== undefined && request > 0 && limit / request > ratio + 1e-9)
          findings.push(
            finding(
              pod.object,
              "limit-ratio",
              `${label} asks ${quantityText(resource, limit)} of ${name} limit for ${quantityText(resource, request)} requested; the project's LimitRange allows a limit of at most ${ratio} times the request`,
              `lower resources.limits.${name} to ${quantityText(resource, request * ratio)} or raise resources.requests.${name} to ${quantityText(resource, limit / ratio)}`,
            ),
          );
      }
    }
  }
  findings.push(...quotaFindings(asks, rules.left.project, "quota-project", "project"));
  if (rules.left.lab) findings.push(...quotaFindings(asks, rules.left.lab, "quota-lab", "lab"));
  if (rules.limitsLeft) {
    for (const resource of POD_RESOURCES) {
      const left = rules.limitsLeft[resource];
      if (left !== undefined && asks.limits[resource] > left + 1e-9)
        findings.push(
          finding(
            heaviest(asks.pods, resource, "limits"),
            "quota-limits",
            `the chart's pods ask ${quantityText(resource, asks.limits[resource])} of ${kubeName(resource)} limits in all; the project's quota has ${quantityText(resource, left)} of limits left`,
            `lower resources.limits.${kubeName(resource)}`,
          ),
        );
    }
  }
  return findings;
}

const QUOTA_NAMES: Record<(typeof RESOURCES)[number], string> = { cpu: "CPU", memoryGiB: "memory", gpu: "GPU", instances: "instances", storageGiB: "storage" };

function quotaFindings(asks: RenderedAsks, left: Resources, rule: "quota-project" | "quota-lab", scope: string): Finding[] {
  const findings: Finding[] = [];
  for (const resource of RESOURCES) {
    const asked = asks.requests[resource];
    if (asked <= 0 || asked <= left[resource] + 1e-9) continue;
    const remaining = Math.max(0, Math.round(left[resource] * 1e6) / 1e6);
    const object =
      resource === "storageGiB"
        ? ([...asks.claims].sort((a, b) => b.storageGiB - a.storageGiB)[0]?.object ?? "")
        : resource === "instances"
          ? ""
          : heaviest(asks.pods, resource, "requests");
    const what =
      resource === "storageGiB"
        ? "resources.requests.storage (or persistence.size)"
        : resource === "instances"
          ? ""
          : `resources.requests.${kubeName(resource)}`;
    findings.push(
      finding(
        object || "chart",
        rule,
        `the chart asks ${Math.round(asked * 1e6) / 1e6} ${UNITS[resource]} of ${QUOTA_NAMES[resource]} in all; the ${scope} has ${remaining} ${UNITS[resource]} left`,
        what ? `lower ${what}, or stop another instance of the ${scope}` : `stop or remove another instance of the ${scope}`,
      ),
    );
  }
  return findings;
}

/** The pod template that asks most of a resource in all (replicas included): the one to change. */
const heaviest = (pods: readonly PodAsks[], resource: PodResource, field: "requests" | "limits"): string =>
  [...pods].sort((a, b) => b[field][resource] * b.replicas - a[field][resource] * a.replicas)[0]?.object ?? "";

// ---------------------------------------------------------------- scheduling

interface Toleration {
  key?: unknown;
  operator?: unknown;
  value?: unknown;
  effect?: unknown;
}

/** Kubernetes' rule (k8s.io/api core/v1 Toleration.ToleratesTaint). */
function tolerates(toleration: Toleration, taint: NonNullable<Pool["taints"]>[number]): boolean {
  if (toleration.effect !== undefined && toleration.effect !== "" && toleration.effect !== taint.effect) return false;
  if (toleration.key !== undefined && toleration.key !== "" && toleration.key !== taint.key) return false;
  const operator = toleration.operator ?? "Equal";
  if (operator === "Exists") return true;
  // An empty key tolerates everything only with Exists.
  if (toleration.key === undefined || toleration.key === "") return false;
  return operator === "Equal" && (toleration.value ?? "") === (taint.value ?? "");
}

/** Whether a node with these labels meets one node selector requirement (In, NotIn, Exists, DoesNotExist, Gt, Lt). */
function meets(labels: Readonly<Record<string, string>>, requirement: Json): boolean {
  const key = text(requirement.key);
  const values = asArray(requirement.values).map(text);
  const value = labels[key];
  switch (requirement.operator) {
    case "In":
      return value !== undefined && values.includes(value);
    case "NotIn":
      return value === undefined || !values.includes(value);
    case "Exists":
      return value !== undefined;
    case "DoesNotExist":
      return value === undefined;
    case "Gt":
      return value !== undefined && Number(value) > Number(values[0]);
    case "Lt":
      return value !== undefined && Number(value) < Number(values[0]);
    default:
      return false;
  }
}

/**
 * Whether the pod's node selection lets it land on the pool (nodeSelector: every label; the
 * required node affinity: one term of which every expression holds), and whether it asks for
 * a node at all (a pod that selects nothing lands on any node that does not repel it).
 */
function selection(spec: Json, labels: Readonly<Record<string, string>>): { selects: boolean; matches: boolean; mismatch: string[] } {
  const mismatch: string[] = [];
  const selector = asObject(spec.nodeSelector) ?? {};
  for (const [key, value] of Object.entries(selector)) if (labels[key] !== text(value)) mismatch.push(`nodeSelector ${key}=${text(value)}`);
  const terms = asArray(asObject(asObject(asObject(spec.affinity)?.nodeAffinity)?.requiredDuringSchedulingIgnoredDuringExecution)?.nodeSelectorTerms).map(
    (term) => asObject(term) ?? {},
  );
  // matchFields name nodes, not pools: a term of them alone is not judged here.
  const termMatches = (term: Json) => asArray(term.matchExpressions).every((expression) => meets(labels, asObject(expression) ?? {}));
  if (terms.length > 0 && !terms.some(termMatches)) mismatch.push("the required node affinity");
  return { selects: Object.keys(selector).length > 0 || terms.length > 0, matches: mismatch.length === 0, mismatch };
}

/**
 * The ResourceQuota also counts pods and claims: the project's bound is its instance quota
 * times what one instance may hold, so a chart running more pods (replicas, a Job's
 * parallelism) or claiming more volumes (claim templates × replicas) than that would have
 * its extra pods or claims refused by the API server while the rest runs.
 */
export function countFindings(objects: readonly KubeObject[], asks: RenderedAsks, rules: PreflightRules): Finding[] {
  const limits = rules.perInstance;
  if (!limits) return [];
  const findings: Finding[] = [];
  const pods = asks.pods.reduce((sum, pod) => sum + pod.replicas, 0);
  const busiest = [...asks.pods].sort((a, b) => b.replicas - a.replicas)[0];
  if (busiest && pods > limits.pods)
    findings.push(
      finding(
        busiest.object,
        "quota-count",
        `the chart runs ${pods} pods; the project's ResourceQuota allows ${limits.pods} per instance`,
        `run at most ${limits.pods} pods (fewer replicas or a lower parallelism)`,
      ),
    );
  let claims = 0;
  let most = 0;
  let claimant: string | undefined;
  for (const object of objects) {
    const name = `${object.kind}/${text(asObject(object.metadata)?.name)}`;
    let count = 0;
    if (object.kind === "PersistentVolumeClaim") count = 1;
    else if (object.kind === "StatefulSet") {
      const spec = asObject((object as Json).spec);
      const replicas = typeof spec?.replicas === "number" ? spec.replicas : 1;
      count = asArray(spec?.volumeClaimTemplates).length * replicas;
    }
    claims += count;
    if (count > most) [most, claimant] = [count, name];
  }
  if (claimant && claims > limits.claims)
    findings.push(
      finding(
        claimant,
        "quota-count",
        `the chart claims ${claims} volumes; the project's ResourceQuota allows ${limits.claims} per instance`,
        `claim at most ${limits.claims} volumes (fewer claims, or fewer replicas of a StatefulSet with claim templates)`,
      ),
    );
  return findings;
}

/**
 * Each pod against the pool placement chose: a pod asking GPUs needs a GPU pool, must select
 * it (its labels) and tolerate its taints; a pod that selects nodes must select the chosen
 * pool's, and then tolerate its taints. A pod that selects nothing and asks no GPU runs on
 * any node it tolerates (a chart's database beside its notebook), which is the platform's
 * call — unless every pool of the platform (`pools`, when known) repels it.
 */
/** The taints that keep pods off a pool's nodes (a PreferNoSchedule one only discourages them). */
const repellingTaints = (pool: PreflightPool) => (pool.taints ?? []).filter((taint) => taint.effect !== "PreferNoSchedule");

export function schedulingFindings(asks: RenderedAsks, rules: PreflightRules): Finding[] {
  const findings: Finding[] = [];
  const { pool } = rules;
  const labels = pool.labels ?? {};
  const labelText = Object.entries(labels)
    .map(([key, value]) => `${key}: ${value}`)
    .join(", ");
  const repelling = repellingTaints(pool);
  for (const pod of asks.pods) {
    if (pod.replicas === 0) continue;
    const gpu = pod.requests.gpu > 0;
    if (gpu && !pool.gpu) {
      findings.push(
        finding(
          pod.object,
          "gpu-pool",
          `asks ${pod.requests.gpu} GPU, and the chosen pool ${pool.name} has none`,
          "choose a size without GPU, or launch on a GPU pool",
        ),
      );
      continue;
    }
    // Placement chose the pool from the values' convention; the rendered pod is what must fit on one of its nodes (or it stays Pending).
    const over = [
      ...(pool.cpu !== undefined && pod.requests.cpu > pool.cpu ? [`${pod.requests.cpu} CPU (a node has ${pool.cpu})`] : []),
      ...(pool.memoryGiB !== undefined && pod.requests.memoryGiB > pool.memoryGiB
        ? [`${pod.requests.memoryGiB} GiB of memory (a node has ${pool.memoryGiB})`]
        : []),
      ...(gpu && pool.gpu && pod.requests.gpu > pool.gpu.count ? [`${pod.requests.gpu} GPU (a node has ${pool.gpu.count})`] : []),
    ];
    if (over.length > 0)
      findings.push(
        finding(
          pod.object,
          "node-size",
          `asks ${over.join(" and ")}: no node of the pool ${pool.name} can hold one of its pods`,
          "lower its requests to fit a node of the pool",
        ),
      );
    const { selects, matches, mismatch } = selection(pod.spec, labels);
    if (selects && !matches)
      findings.push(
        finding(
          pod.object,
          "node-selection",
          `${mismatch.join(" and ")} does not match the chosen pool ${pool.name} (${labelText || "no labels"})`,
          labelText ? `set nodeSelector to ${labelText} (or remove it)` : "remove nodeSelector and the required node affinity",
        ),
      );
    else if (gpu && !selects && Object.keys(labels).length > 0)
      findings.push(
        finding(pod.object, "node-selection", `asks ${pod.requests.gpu} GPU and does not select the GPU pool ${pool.name}`, `set nodeSelector to ${labelText}`),
      );
    const tolerations = asArray(pod.spec.tolerations).map((item) => (asObject(item) ?? {}) as Toleration);
    if (!(gpu || (selects && matches))) {
      // Selecting no pool, it runs on any node it tolerates: when the platform's pools are known and every one repels it, it never runs.
      const welcoming = rules.pools?.some((candidate) => repellingTaints(candidate).every((taint) => tolerations.some((t) => tolerates(t, taint))));
      if (rules.pools === undefined || welcoming) continue;
    }
    for (const taint of repelling) {
      if (tolerations.some((toleration) => tolerates(toleration, taint))) continue;
      const taintText = `${taint.key}${taint.value !== undefined ? `=${taint.value}` : ""}:${taint.effect}`;
      findings.push(
        finding(
          pod.object,
          "toleration",
          `does not tolerate the taint ${taintText} of the pool ${pool.name}, so it is never scheduled there`,
          `add a toleration {key: ${taint.key}, operator: ${taint.value !== undefined ? `Equal, value: ${taint.value}` : "Exists"}, effect: ${taint.effect}}`,
        ),
      );
    }
  }
  return findings;
}
