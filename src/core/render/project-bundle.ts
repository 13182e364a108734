// The hardening of a project's namespace on a cluster platform: what a project may use
// (quota, container defaults), whom its pods may talk to (network policies) and who may act
// in it (role bindings). Rendered as data, like instances, and deterministic byte for byte.
import type { Member, PlatformDocument, ProjectDocument, ProjectRole } from "../model.js";
import type { KubeObject } from "./kube.js";
import { MANAGED_BY } from "./render.js";
import { avpSecretReader, DEFAULT_REPO_SERVER_SERVICE_ACCOUNT } from "./avp.js";

import type { Amounts } from "../helm/rendered-asks.js";
import type { LimitRangeRules } from "../helm/preflight.js";
import { parseQuantity, type EffectiveQuota } from "../tenancy/quota.js";
import { recoveryPolicyOf, type RecoveryDefaults } from "../recovery/policy.js";
import { veleroNamespaceOf, veleroSchedule } from "./velero.js";
import { InputError } from "../errors.js";

/** Requests and limits given to containers that set none, and the most one container may take. */
export interface ContainerLimits {
  defaultCpu: string;
  defaultMemory: string;
  maxCpu?: string;
  maxMemory?: string;
  /** How many times its memory request a container's memory limit may be (default DEFAULT_MEMORY_LIMIT_RATIO). */
  memoryLimitRatio?: number;
}

/**
 * The quota counts requests (what the scheduler reserves), and a container may burst above its
 * request up to this many times it: a notebook that asks 4 GiB may use up to 32 GiB when the
 * node has it, and is the first evicted when the node runs short (ADR 0021). Without a bound a
 * project within its quota could still set every node of a pool at risk.
 */
export const DEFAULT_MEMORY_LIMIT_RATIO = 8;

export const DEFAULT_CONTAINER_LIMITS: ContainerLimits = { defaultCpu: "100m", defaultMemory: "256Mi" };

export interface ProjectBundleInput {
  readonly project: ProjectDocument;
  readonly quota: EffectiveQuota;
  readonly platform: PlatformDocument;
  readonly limits?: ContainerLimits;
  /**
   * The configuration's recovery defaults: given, a project backed up by its policy gets its
   * Velero Schedule on a platform with `spec.backups` (ADR 0034), in Velero's namespace.
   */
  readonly recovery?: RecoveryDefaults;
}

/**
 * Pods an instance may have. A template has a few components (WordPress has two: site and
 * database), each a Deployment of at most one replica replaced with the Recreate strategy; a
 * terminating pod still counts against the quota until it is gone, hence twice two.
 */
export const PODS_PER_INSTANCE = 4;
/** Persistent volume claims an instance may have: one or two per component in the catalog. */
export const CLAIMS_PER_INSTANCE = 4;

const PROJECT_LABEL = "plateau.io/project";
const LAB_LABEL = "plateau.io/lab";
const RBAC_GROUP = "rbac.authorization.k8s.io";

/** The ClusterRoles every Kubernetes distribution ships for namespaced use. */
const CLUSTER_ROLES: Record<ProjectRole, string> = { owner: "admin", editor: "edit", viewer: "view" };

/**
 * Egress to the internet, so that notebooks can pip install and git clone, but not to
 * private ranges: the cluster's nodes, pods and services live there (traffic to the project's
 * own pods, DNS and the ingress controller is allowed by the other policies), and so do the
 * institution's internal hosts. 169.254.0.0/16 holds the clouds' metadata endpoints, which
 * hand out node credentials; 100.64.0.0/10 (shared address space) is used as a pod or service
 * range by some distributions and is never a public destination. IPv4 only: clients fall back
 * from IPv6, and a policy that allowed ::/0 would need the same care for every IPv6 range.
 */
const PRIVATE_RANGES = ["10.0.0.0/8", "100.64.0.0/10", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16"];

export function renderProjectBundle(input: ProjectBundleInput): KubeObject[] {
  const { project, quota, platform } = input;
  const limits = input.limits ?? DEFAULT_CONTAINER_LIMITS;
  const namespace = project.metadata.name;
  // Velero's namespace holds its S3 keys and applies Restores: a project there would own them (its members are admins of their namespace).
  if (namespace === veleroNamespaceOf(platform)) {
    throw InputError.field("/project", "reserved", `"${namespace}" is Velero's namespace on platform ${platform.metadata.name}: no project may take it`);
  }
  const labels: Record<string, string> = { ...MANAGED_BY, [PROJECT_LABEL]: namespace, ...(project.spec.lab ? { [LAB_LABEL]: project.spec.lab } : {}) };
  const meta = (name: string) => ({ name, namespace, labels: { ...labels } });
  const schedule = input.recovery ? veleroSchedule({ project, platform, policy: recoveryPolicyOf(project, input.recovery) }) : undefined;

  return [
    {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: {
        name: namespace,
        labels: {
          ...labels,
          "pod-security.kubernetes.io/enforce": "restricted",
          "pod-security.kubernetes.io/enforce-version": "latest",
          "pod-security.kubernetes.io/audit": "restricted",
          "pod-security.kubernetes.io/audit-version": "latest",
          "pod-security.kubernetes.io/warn": "restricted",
          "pod-security.kubernetes.io/warn-version": "latest",
        },
      },
    },
    { apiVersion: "v1", kind: "ResourceQuota", metadata: meta("plateau-quota"), spec: { hard: hardQuota(quota) } },
    { apiVersion: "v1", kind: "LimitRange", metadata: meta("plateau-limits"), spec: { limits: [containerLimits(limits)] } },
    ...networkPolicies(platform).map(({ name, spec }) => ({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: meta(name), spec })),
    ...roleBindings(project).map(({ name, subject, clusterRole }) => ({
      apiVersion: `${RBAC_GROUP}/v1`,
      kind: "RoleBinding",
      metadata: meta(name),
      roleRef: { apiGroup: RBAC_GROUP, kind: "ClusterRole", name: clusterRole },
      subjects: [{ apiGroup: RBAC_GROUP, kind: subject.kind, name: subject.name }],
    })),
    // Argo CD's secrets plugin resolves the placeholders of the project's charts from its Secrets (ADR 0022).
    ...(platform.spec.argocd
      ? avpSecretReader({
          namespace,
          argocdNamespace: platform.spec.argocd.namespace,
          serviceAccount: platform.spec.argocd.repoServerServiceAccount ?? DEFAULT_REPO_SERVER_SERVICE_ACCOUNT,
          labels,
        })
      : []),
    // Its backups follow its policy in the same commit as the project's file (ADR 0034).
    ...(schedule ? [schedule] : []),
  ];
}

function hardQuota(quota: EffectiveQuota): Record<string, string> {
  for (const [field, value] of Object.entries(quota)) {
    if (!Number.isFinite(value) || value < 0) throw new Error(`invariant violated: quota ${field} must be a non-negative number, got ${value}`);
  }
  return {
    // Requests only (ADR 0021): they are what the scheduler reserves. Limits are bounded per
    // container by the LimitRange's ratio, so the project's limits stay within that ratio of its
    // quota; a quota on limits.memory refused a chart's single 50 GiB limit in a 32 GiB project.
    "requests.cpu": cpuQuantity(quota.cpu),
    "requests.memory": binaryQuantity(quota.memoryGiB),
    "requests.nvidia.com/gpu": integerQuantity(quota.gpu),
    "requests.storage": binaryQuantity(quota.storageGiB),
    // Instances, stopped ones included, are what the model counts; the cluster counts pods and
    // claims, so the bound is the instance count times what one instance may hold.
    pods: integerQuantity(quota.instances * PODS_PER_INSTANCE),
    persistentvolumeclaims: integerQuantity(quota.instances * CLAIMS_PER_INSTANCE),
    // Members with the edit role could otherwise open ports on every node or buy a cloud load balancer.
    "services.loadbalancers": "0",
    "services.nodeports": "0",
  };
}

/**
 * Without defaults, a pod that sets no resources would be refused by the quota (which
 * requires requests) and by the ratio (which requires a request and a limit); with them, it
 * counts like any other. `max` makes the API server default the CPU limit to it, so it is
 * written out rather than left implicit.
 */
function containerLimits(limits: ContainerLimits): Record<string, unknown> {
  const ratio = limits.memoryLimitRatio ?? DEFAULT_MEMORY_LIMIT_RATIO;
  if (!Number.isFinite(ratio) || ratio < 1) throw new Error(`invariant violated: memoryLimitRatio must be a number of at least 1, got ${ratio}`);
  const max: Record<string, string> = {
    ...(limits.maxCpu !== undefined ? { cpu: limits.maxCpu } : {}),
    ...(limits.maxMemory !== undefined ? { memory: limits.maxMemory } : {}),
  };
  return {
    type: "Container",
    defaultRequest: { cpu: limits.defaultCpu, memory: limits.defaultMemory },
    default: { memory: limits.defaultMemory, ...(limits.maxCpu !== undefined ? { cpu: limits.maxCpu } : {}) },
    ...(Object.keys(max).length > 0 ? { max } : {}),
    maxLimitRequestRatio: { memory: String(ratio) },
  };
}

/**
 * The LimitRange above in the units quotas use (cores, GiB), for the preflight of a chart: the
 * same settings make both, so what the preflight admits the cluster admits.
 */
export function limitRangeRules(limits: ContainerLimits = DEFAULT_CONTAINER_LIMITS): LimitRangeRules {
  const cores = (text: string | undefined) => (text === undefined ? undefined : (parseQuantity(text) ?? 0));
  const gib = (text: string | undefined) => (text === undefined ? undefined : (parseQuantity(text) ?? 0) / 1024 ** 3);
  const defined = (amounts: Amounts): Amounts => Object.fromEntries(Object.entries(amounts).filter(([, value]) => value !== undefined)) as Amounts;
  return {
    defaultRequest: defined({ cpu: cores(limits.defaultCpu), memoryGiB: gib(limits.defaultMemory) }),
    default: defined({ memoryGiB: gib(limits.defaultMemory), cpu: cores(limits.maxCpu) }),
    max: defined({ cpu: cores(limits.maxCpu), memoryGiB: gib(limits.maxMemory) }),
    maxLimitRequestRatio: { memoryGiB: limits.memoryLimitRatio ?? DEFAULT_MEMORY_LIMIT_RATIO },
  };
}

const namespaceNamed = (name: string) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": name } } });
const ports = (numbers: readonly number[]) =>
  numbers.flatMap((port) => [
    { protocol: "UDP", port },
    { protocol: "TCP", port },
  ]);

function networkPolicies(platform: PlatformDocument): { name: string; spec: Record<string, unknown> }[] {
  const openshift = platform.spec.flavour === "openshift";
  const everyPod = {};
  return [
    // No rule: every pod of the namespace is isolated in both directions; the others open what is needed.
    { name: "default-deny", spec: { podSelector: everyPod, policyTypes: ["Ingress", "Egress"] } },
    {
      name: "allow-dns",
      spec: {
        podSelector: everyPod,
        policyTypes: ["Egress"],
        // OpenShift's DNS pods listen on 5353 behind the service's port 53, and policies see the pod's port.
        egress: [{ to: [namespaceNamed(openshift ? "openshift-dns" : "kube-system")], ports: ports(openshift ? [53, 5353] : [53]) }],
      },
    },
    {
      name: "allow-ingress",
      spec: {
        podSelector: everyPod,
        policyTypes: ["Ingress"],
        // On OpenShift the policy group also matches routers on the host network, which a namespace name would not.
        ingress: [
          { from: [openshift ? { namespaceSelector: { matchLabels: { "network.openshift.io/policy-group": "ingress" } } } : namespaceNamed("ingress-nginx")] },
        ],
      },
    },
    {
      // Multi-component applications (WordPress and its database) talk inside the project.
      name: "allow-same-namespace",
      spec: { podSelector: everyPod, policyTypes: ["Ingress", "Egress"], ingress: [{ from: [{ podSelector: {} }] }], egress: [{ to: [{ podSelector: {} }] }] },
    },
    {
      name: "allow-internet-egress",
      spec: { podSelector: everyPod, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: PRIVATE_RANGES } }] }] },
    },
  ];
}

interface Binding {
  name: string;
  subject: { kind: "User" | "Group"; name: string };
  clusterRole: string;
}

/** One binding per member and role, sorted by name, so that the order of members never shows. */
function roleBindings(project: ProjectDocument): Binding[] {
  const members: Member[] = [...(project.spec.personal ? [{ login: project.spec.personal, role: "owner" as const }] : []), ...(project.spec.members ?? [])];
  const bindings = new Map<string, Binding>();
  for (const member of members) {
    const subject = "login" in member ? { kind: "User" as const, name: member.login } : { kind: "Group" as const, name: member.group };
    // Group names may hold any character but spaces (`lab:imb`); a hash keeps names valid DNS labels.
    const name = `plateau-${member.role}-${fnv1a64(`${subject.kind}:${subject.name}`).slice(0, 12)}`;
    bindings.set(name, { name, subject, clusterRole: CLUSTER_ROLES[member.role] });
  }
  return [...bindings.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** FNV-1a, 64 bits: stable across runs and platforms, and enough to tell a project's members apart (not a security boundary). */
function fnv1a64(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, "0");
}

/** Cores as Kubernetes writes them canonically: whole cores bare, fractions in millicores (0.5 → 500m). */
export function cpuQuantity(cores: number): string {
  const millicores = Math.round(cores * 1000);
  return millicores % 1000 === 0 ? String(millicores / 1000) : `${millicores}m`;
}

const BINARY_SUFFIXES = ["Pi", "Ti", "Gi", "Mi"] as const;

/** GiB as a canonical binary quantity: the largest unit that keeps it whole, to the MiB (1.5 → 1536Mi, 8 → 8Gi). */
export function binaryQuantity(gib: number): string {
  const mebibytes = Math.round(gib * 1024);
  if (mebibytes === 0) return "0";
  for (const [index, suffix] of BINARY_SUFFIXES.entries()) {
    const unit = 1024 ** (BINARY_SUFFIXES.length - 1 - index);
    if (mebibytes % unit === 0) return `${mebibytes / unit}${suffix}`;
  }
  throw new Error("unreachable: every whole number of MiB is a whole number of Mi");
}

const integerQuantity = (count: number): string => String(Math.round(count));
