import { describe, expect, it } from "vitest";
import { INSTANCE_KINDS } from "../render/argocd.js";
import type { KubeObject } from "../render/kube.js";
import { limitRangeRules } from "../render/project-bundle.js";
import { localPlatformDocument } from "../platforms/service.js";
import { podSecurityLevelOf, preflight, PREFLIGHT_RULES, type Finding, type PreflightPool, type PreflightRules } from "./preflight.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests reach into and mutate nested manifests

const cpuPool: PreflightPool = { name: "general", labels: { "plateau.io/pool": "general" } };
const gpuPool: PreflightPool = {
  name: "gpu",
  labels: { "plateau.io/pool": "gpu" },
  taints: [{ key: "nvidia.com/gpu", effect: "NoSchedule" }],
  gpu: { type: "A100", count: 4 },
};

const rules = (overrides: Partial<PreflightRules> = {}): PreflightRules => ({
  namespace: "genomics",
  allowedKinds: INSTANCE_KINDS,
  podSecurity: "restricted",
  limitRange: limitRangeRules(),
  left: {
    project: { cpu: 8, memoryGiB: 32, gpu: 1, instances: 5, storageGiB: 100 },
    lab: { cpu: 64, memoryGiB: 256, gpu: 4, instances: 50, storageGiB: 1000 },
  },
  pool: cpuPool,
  ...overrides,
});

const secure = (): Json => ({
  allowPrivilegeEscalation: false,
  capabilities: { drop: ["ALL"] },
  runAsNonRoot: true,
  seccompProfile: { type: "RuntimeDefault" },
});
const meta = (name: string): Json => ({ name, labels: { app: "nb" } });

/** What a well-behaved IDE chart renders: every kind it may use, each within the rules. */
function compliant(): Json[] {
  return [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: meta("nb") },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: meta("nb"),
      rules: [{ apiGroups: [""], resources: ["pods", "pods/log"], verbs: ["get", "list", "watch"] }],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: meta("nb"),
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
      subjects: [{ kind: "ServiceAccount", name: "nb", namespace: "genomics" }],
    },
    { apiVersion: "v1", kind: "ConfigMap", metadata: meta("nb"), data: { "init.sh": "true" } },
    { apiVersion: "v1", kind: "Secret", metadata: { ...meta("nb"), namespace: "genomics" }, stringData: { token: "x" } },
    { apiVersion: "v1", kind: "Service", metadata: meta("nb"), spec: { ports: [{ port: 8888 }] } },
    {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: meta("nb"),
      spec: {
        replicas: 1,
        template: {
          metadata: { labels: { app: "nb" } },
          spec: {
            serviceAccountName: "nb",
            securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
            initContainers: [
              {
                name: "make-home",
                image: "busybox",
                securityContext: secure(),
                resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "64Mi" } },
              },
            ],
            containers: [
              {
                name: "jupyter",
                image: "inseefrlab/onyxia-jupyter-python",
                securityContext: secure(),
                resources: { requests: { cpu: "100m", memory: "2Gi" }, limits: { cpu: "30000m", memory: "16Gi" } },
              },
            ],
            volumes: [{ name: "dshm", emptyDir: { medium: "Memory" } }],
          },
        },
        volumeClaimTemplates: [{ metadata: { name: "home" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "10Gi" } } } }],
      },
    },
    { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: meta("shared"), spec: { resources: { requests: { storage: "5Gi" } } } },
    {
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: meta("backup"),
      spec: {
        schedule: "@daily",
        jobTemplate: {
          spec: {
            template: {
              spec: {
                restartPolicy: "OnFailure",
                securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
                containers: [{ name: "backup", image: "restic", securityContext: secure() }],
              },
            },
          },
        },
      },
    },
    { apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: meta("nb"), spec: { rules: [{ host: "nb.genomics.apps.example.org" }] } },
    {
      apiVersion: "route.openshift.io/v1",
      kind: "Route",
      metadata: meta("nb"),
      spec: { host: "nb.genomics.apps.example.org", to: { kind: "Service", name: "nb" } },
    },
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: meta("nb"),
      spec: { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }], policyTypes: ["Ingress"] },
    },
    { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: meta("nb"), spec: { maxUnavailable: 1 } },
    { apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: meta("nb"), spec: { maxReplicas: 1 } },
  ];
}

const objects = (list: Json[]): KubeObject[] => list as KubeObject[];
const find = (list: Json[], kind: string): Json => {
  const found = list.find((object) => object.kind === kind);
  if (!found) throw new Error(`no ${kind}`);
  return found;
};
const podSpec = (list: Json[]): Json => find(list, "StatefulSet").spec.template.spec;
const jupyter = (list: Json[]): Json => podSpec(list).containers[0];
const rulesOf = (findings: Finding[]): string[] => [...new Set(findings.map((f) => f.rule))];

/** A GPU pod that selects and tolerates the GPU pool. */
function gpuSet(): Json[] {
  const list = compliant();
  jupyter(list).resources = { requests: { cpu: "1", memory: "8Gi" }, limits: { memory: "32Gi", "nvidia.com/gpu": "1" } };
  podSpec(list).nodeSelector = { "plateau.io/pool": "gpu" };
  podSpec(list).tolerations = [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }];
  return list;
}

describe("preflight", () => {
  it("accepts a compliant chart, on Kubernetes and on OpenShift, and a GPU chart on the GPU pool", () => {
    expect(preflight(objects(compliant()), rules())).toEqual([]);
    expect(preflight(objects(compliant()), rules({ podSecurity: "openshift-restricted-v2" }))).toEqual([]);
    expect(preflight(objects(gpuSet()), rules({ pool: gpuPool }))).toEqual([]);
    // A Role with every verb on the pods it runs is the chart's business, within its namespace.
    const list = compliant();
    find(list, "Role").rules.push({ apiGroups: [""], resources: ["pods", "pods/exec"], verbs: ["*"] });
    expect(preflight(objects(list), rules())).toEqual([]);
  });

  it("refuses what a jupyter-python chart renders by default, naming each object, rule and fix", () => {
    const list = compliant();
    // securityContext: {} as the chart ships it, and its 50Gi limit.
    podSpec(list).securityContext = {};
    for (const container of [...podSpec(list).containers, ...podSpec(list).initContainers]) container.securityContext = {};
    jupyter(list).resources.limits.memory = "50Gi";
    list.push({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: "nb-reader" },
      rules: [{ apiGroups: [""], resources: ["nodes"], verbs: ["get"] }],
    });
    const findings = preflight(objects(list), rules());
    expect(rulesOf(findings)).toEqual(["cluster-scoped", "pod-security", "limit-ratio"]);
    expect(findings.find((f) => f.rule === "limit-ratio")).toEqual({
      object: "StatefulSet/nb",
      rule: "limit-ratio",
      message:
        "StatefulSet/nb: container jupyter asks 50Gi of memory limit for 2Gi requested; the project's LimitRange allows a limit of at most 8 times the request",
      fix: "lower resources.limits.memory to 16Gi or raise resources.requests.memory to 6400Mi",
    });
    expect(findings.find((f) => f.rule === "cluster-scoped")?.object).toBe("ClusterRole/nb-reader");
    expect(findings.filter((f) => f.rule === "pod-security").map((f) => f.message)).toContain(
      "StatefulSet/nb: container jupyter: allowPrivilegeEscalation must be false (Pod Security restricted)",
    );
    expect(findings.find((f) => f.message.includes("allowPrivilegeEscalation"))?.fix).toBe("set securityContext.allowPrivilegeEscalation: false");
    for (const f of findings) {
      expect(f.message.startsWith(`${f.object}: `)).toBe(true);
      expect(f.fix.length).toBeGreaterThan(0);
      expect(PREFLIGHT_RULES).toContain(f.rule);
    }
  });

  it("admits on OpenShift what restricted-v2 completes (uid, seccomp, dropped capabilities), and nothing it refuses", () => {
    const list = compliant();
    podSpec(list).securityContext = {};
    for (const container of [...podSpec(list).containers, ...podSpec(list).initContainers]) container.securityContext = {};
    expect(preflight(objects(list), rules({ podSecurity: "openshift-restricted-v2" }))).toEqual([]);
    // The same pod is refused by Pod Security restricted on Kubernetes, where nothing completes it.
    expect(rulesOf(preflight(objects(list), rules()))).toEqual(["pod-security"]);
    // A fixed uid: refused without the namespace's range, admitted within it.
    podSpec(list).securityContext.runAsUser = 1000;
    expect(preflight(objects(list), rules({ podSecurity: "openshift-restricted-v2" }))).toEqual([
      {
        object: "StatefulSet/nb",
        rule: "openshift-scc",
        message: "StatefulSet/nb: runAsUser 1000 is outside the namespace's uid range (allocated to the namespace) (OpenShift SCC restricted-v2)",
        fix: "remove runAsUser: OpenShift assigns the namespace's uid",
      },
    ]);
    expect(preflight(objects(list), rules({ podSecurity: "openshift-restricted-v2", uidRange: { first: 1000, size: 10000 } }))).toEqual([]);
    // The charts' fsGroup: 100 is outside any namespace's group block: OpenShift refuses it ("100 is not an allowed group").
    delete podSpec(list).securityContext.runAsUser;
    podSpec(list).securityContext.fsGroup = 100;
    expect(preflight(objects(list), rules({ podSecurity: "openshift-restricted-v2", uidRange: { first: 1000680000, size: 10000 } }))).toEqual([
      {
        object: "StatefulSet/nb",
        rule: "openshift-scc",
        message: "StatefulSet/nb: fsGroup 100 is outside the namespace's group range (1000680000-1000689999) (OpenShift SCC restricted-v2)",
        fix: "remove fsGroup (e.g. podSecurityContext.fsGroup): OpenShift assigns the namespace's group",
      },
    ]);
    expect(preflight(objects(list), rules({ podSecurity: "openshift-restricted-v2", groupRange: { first: 100, size: 1 } }))).toEqual([]);
    // Pod Security restricted on Kubernetes has no rule about fsGroup.
    podSpec(list).securityContext = { fsGroup: 100, runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } };
    for (const container of [...podSpec(list).containers, ...podSpec(list).initContainers]) container.securityContext = secure();
    expect(preflight(objects(list), rules())).toEqual([]);
    expect(rulesOf(preflight(objects(list), rules({ podSecurity: "openshift-restricted-v2", uidRange: { first: 1000680000, size: 10000 } })))).toEqual([
      "openshift-scc",
    ]);
  });

  const wrong: [string, Finding["rule"], (list: Json[], r: PreflightRules) => PreflightRules | void][] = [
    [
      "more pods than an instance may run",
      "quota-count",
      (list, r) => {
        find(list, "StatefulSet").spec.replicas = 5;
        return { ...r, perInstance: { pods: 4, claims: 20 } };
      },
    ],
    [
      "a placeholder naming another project's Secret",
      "secret-placeholder",
      (list) => void (jupyter(list).env = [{ name: "PASSWORD", value: "<path:genomics-b:wiki-generated#password>" }]),
    ],
    [
      "a kind outside the whitelist",
      "kind-not-allowed",
      (list) => void list.push({ ...structuredClone(find(list, "StatefulSet")), kind: "DaemonSet", metadata: meta("agent") }),
    ],
    [
      "a ClusterRoleBinding",
      "cluster-scoped",
      (list) => void list.push({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: meta("x") }),
    ],
    [
      "a CRD",
      "cluster-scoped",
      (list) => void list.push({ apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: meta("x.example.org") }),
    ],
    ["a PriorityClass", "cluster-scoped", (list) => void list.push({ apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass", metadata: meta("high") })],
    ["a ConfigMap of another namespace", "namespace", (list) => void (find(list, "ConfigMap").metadata.namespace = "kube-system")],
    // Velero's objects are Plateau's (ADR 0034): a chart's Restore could pour another project's backup into its namespace.
    [
      "a Velero Restore",
      "kind-not-allowed",
      (list) =>
        void list.push({
          apiVersion: "velero.io/v1",
          kind: "Restore",
          metadata: meta("steal"),
          spec: { backupName: "plateau-payroll-20261206", includedNamespaces: ["payroll"], namespaceMapping: { payroll: "genomics" } },
        }),
    ],
    [
      "a Velero Schedule",
      "kind-not-allowed",
      (list) => void list.push({ apiVersion: "velero.io/v1", kind: "Schedule", metadata: meta("mine"), spec: { schedule: "@every 1h", template: {} } }),
    ],
    ["a Secret in Velero's namespace (its S3 keys)", "namespace", (list) => void (find(list, "Secret").metadata.namespace = "velero")],
    ["a ConfigMap in OADP's namespace", "namespace", (list) => void (find(list, "ConfigMap").metadata.namespace = "openshift-adp")],
    [
      "a ResourceQuota (the project's fence)",
      "kind-not-allowed",
      (list) => void list.push({ apiVersion: "v1", kind: "ResourceQuota", metadata: meta("more") }),
    ],
    ["a RoleBinding to the admin ClusterRole", "rbac", (list) => void (find(list, "RoleBinding").roleRef.name = "admin")],
    ["a RoleBinding to an OpenShift SCC", "rbac", (list) => void (find(list, "RoleBinding").roleRef.name = "system:openshift:scc:privileged")],
    ["a RoleBinding granting a user", "rbac", (list) => void find(list, "RoleBinding").subjects.push({ kind: "User", name: "mallory" })],
    ["a RoleBinding granting another namespace's service account", "rbac", (list) => void (find(list, "RoleBinding").subjects[0].namespace = "other")],
    [
      "a Role that edits the quota",
      "rbac",
      (list) => void find(list, "Role").rules.push({ apiGroups: [""], resources: ["resourcequotas"], verbs: ["update"] }),
    ],
    ["a Role with every verb on every resource", "rbac", (list) => void find(list, "Role").rules.push({ apiGroups: ["*"], resources: ["*"], verbs: ["*"] })],
    [
      "a Role that may escalate",
      "rbac",
      (list) => void find(list, "Role").rules.push({ apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles"], verbs: ["escalate"] }),
    ],
    ["a hostPath volume", "pod-security", (list) => void podSpec(list).volumes.push({ name: "root", hostPath: { path: "/" } })],
    ["a privileged container", "pod-security", (list) => void (jupyter(list).securityContext.privileged = true)],
    ["hostNetwork", "pod-security", (list) => void (podSpec(list).hostNetwork = true)],
    [
      "a capability added on OpenShift",
      "openshift-scc",
      (list, r) => {
        jupyter(list).securityContext.capabilities.add = ["SYS_ADMIN"];
        return { ...r, podSecurity: "openshift-restricted-v2" };
      },
    ],
    [
      "Unconfined seccomp on OpenShift",
      "openshift-scc",
      (list, r) => {
        podSpec(list).securityContext.seccompProfile = { type: "Localhost", localhostProfile: "x.json" };
        return { ...r, podSecurity: "openshift-restricted-v2" };
      },
    ],
    ["a quantity that is none", "quantity", (list) => void (podSpec(list).initContainers[0].resources.requests.cpu = "two")],
    [
      "a container without memory when the LimitRange gives none",
      "resources-missing",
      (list, r) => {
        delete jupyter(list).resources;
        return { ...r, limitRange: { ...r.limitRange, defaultRequest: { cpu: 0.1 }, default: {} } };
      },
    ],
    ["a request above the LimitRange's default limit", "request-above-limit", (list) => void delete jupyter(list).resources.limits.memory],
    [
      "GPU request and limit that differ",
      "gpu-request-limit",
      (list, r) => {
        list.splice(0, list.length, ...gpuSet());
        jupyter(list).resources.requests["nvidia.com/gpu"] = "1";
        jupyter(list).resources.limits["nvidia.com/gpu"] = "2";
        return { ...r, pool: gpuPool, left: { project: { ...r.left.project, gpu: 4 } } };
      },
    ],
    [
      "a GPU request without a limit",
      "gpu-request-limit",
      (list, r) => {
        list.splice(0, list.length, ...gpuSet());
        delete jupyter(list).resources.limits["nvidia.com/gpu"];
        jupyter(list).resources.requests["nvidia.com/gpu"] = "1";
        return { ...r, pool: gpuPool };
      },
    ],
    [
      "a container without a CPU limit when the LimitRange has a max and no default",
      "resources-missing",
      (list, r) => {
        delete jupyter(list).resources.limits.cpu;
        return { ...r, limitRange: { ...r.limitRange, max: { cpu: 64 } } };
      },
    ],
    ["a limit above the LimitRange's max", "limit-max", (list, r) => ({ ...r, limitRange: { ...r.limitRange, max: { memoryGiB: 8 } } })],
    ["a limit 25 times the request", "limit-ratio", (list) => void (jupyter(list).resources.limits.memory = "50Gi")],
    [
      "more memory than the project has left",
      "quota-project",
      (list) => void (jupyter(list).resources = { requests: { cpu: "1", memory: "40Gi" }, limits: { memory: "40Gi" } }),
    ],
    ["more storage than the lab has left", "quota-lab", (list, r) => ({ ...r, left: { project: r.left.project, lab: { ...r.left.project, storageGiB: 12 } } })],
    ["more limits than a limits quota leaves", "quota-limits", (list, r) => ({ ...r, limitsLeft: { memoryGiB: 12 } })],
    ["a GPU pod on a CPU pool", "gpu-pool", () => undefined],
    // The notebook asks 2 GiB (its init container 64Mi): one GiB nodes cannot hold it, whatever the values said.
    ["a pod larger than a node of its pool", "node-size", (list, r) => ({ ...r, pool: { ...cpuPool, cpu: 8, memoryGiB: 1 } })],
    [
      "a GPU pod asking more GPUs than a node has",
      "node-size",
      (list, r) => {
        list.splice(0, list.length, ...gpuSet());
        jupyter(list).resources.requests["nvidia.com/gpu"] = "2";
        jupyter(list).resources.limits["nvidia.com/gpu"] = "2";
        return { ...r, pool: { ...gpuPool, gpu: { type: "A100", count: 1 } }, left: { project: { ...r.left.project, gpu: 4 } } };
      },
    ],
    ["a pod selecting another pool", "node-selection", (list) => void (podSpec(list).nodeSelector = { "plateau.io/pool": "gpu" })],
    [
      "a pod whose required affinity misses the pool",
      "node-selection",
      (list) => {
        podSpec(list).affinity = {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchExpressions: [{ key: "plateau.io/pool", operator: "In", values: ["gpu"] }] }],
            },
          },
        };
      },
    ],
    [
      "a GPU pod without toleration",
      "toleration",
      (list, r) => {
        const gpu = gpuSet();
        list.splice(0, list.length, ...gpu);
        delete podSpec(list).tolerations;
        return { ...r, pool: gpuPool };
      },
    ],
    [
      "a GPU pod that does not select the GPU pool",
      "node-selection",
      (list, r) => {
        list.splice(0, list.length, ...gpuSet());
        delete podSpec(list).nodeSelector;
        return { ...r, pool: gpuPool };
      },
    ],
  ];

  it.each(wrong)("refuses %s with its rule, and only that", (_name, rule, mutate) => {
    let list = compliant();
    let r = rules();
    if (rule === "gpu-pool") list = gpuSet();
    r = mutate(list, r) ?? r;
    const findings = preflight(objects(list), r);
    expect(rulesOf(findings)).toEqual([rule]);
  });

  it("takes a pod exactly as large as a node of its pool", () => {
    expect(preflight(objects(compliant()), rules({ pool: { ...cpuPool, cpu: 0.1, memoryGiB: 2 } }))).toEqual([]);
  });

  it("covers every rule with a deliberately wrong object", () => {
    expect(new Set(wrong.map(([, rule]) => rule))).toEqual(new Set(PREFLIGHT_RULES));
  });

  it("counts the pods and claims the ResourceQuota caps per instance: claim templates times replicas, and claims", () => {
    const list = compliant();
    const counted = (replicas: number, claims: number) => {
      find(list, "StatefulSet").spec.replicas = replicas;
      const extra = Array.from({ length: claims }, (_, i) => ({
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: meta(`extra-${i}`),
        spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
      }));
      const roomy = rules({ left: { project: { cpu: 1000, memoryGiB: 1000, gpu: 1, instances: 5, storageGiB: 1000 } }, perInstance: { pods: 4, claims: 4 } });
      return preflight(objects([...list, ...extra]), roomy)
        .filter((f) => f.rule === "quota-count")
        .map((f) => f.message);
    };
    // Besides the StatefulSet: a claim (shared) and a CronJob's pod.
    expect(counted(2, 1)).toEqual([]);
    expect(counted(2, 2)).toEqual(["StatefulSet/nb: the chart claims 5 volumes; the project's ResourceQuota allows 4 per instance"]);
    expect(counted(3, 0)).toEqual([]);
    expect(counted(4, 0)).toEqual([
      "StatefulSet/nb: the chart runs 5 pods; the project's ResourceQuota allows 4 per instance",
      "StatefulSet/nb: the chart claims 5 volumes; the project's ResourceQuota allows 4 per instance",
    ]);
  });

  it("models the LimitRange defaults: a container without resources gets them and is counted with them", () => {
    const list = compliant();
    delete jupyter(list).resources;
    // 100m and 256Mi from the LimitRange: well within the quota, within the ratio.
    expect(preflight(objects(list), rules())).toEqual([]);
    // ...and counted: the notebook's 256Mi (above its init container's 64Mi) and the backup's 256Mi.
    const tight = rules({ left: { project: { cpu: 8, memoryGiB: 0.45, gpu: 0, instances: 5, storageGiB: 100 } } });
    expect(preflight(objects(list), tight).map((f) => f.message)).toEqual([
      "StatefulSet/nb: the chart asks 0.5 GiB of memory in all; the project has 0.45 GiB left",
    ]);
  });

  it("lets a pod that selects no pool run on any node it tolerates, and refuses it when every pool of the platform repels it", () => {
    const list = compliant();
    const reserved = (pool: PreflightPool): PreflightPool => ({ ...pool, taints: [{ key: "reserved", effect: "NoSchedule" }] });
    const cpuTainted = reserved(cpuPool);
    // The chosen pool repels it, another welcomes it: the platform's call where it lands.
    expect(preflight(objects(list), rules({ pool: cpuTainted, pools: [cpuTainted, { name: "spare", labels: {}, taints: [] }] }))).toEqual([]);
    // Without the platform's pools, as before: nothing said.
    expect(preflight(objects(list), rules({ pool: cpuTainted }))).toEqual([]);
    // Every pool repels it: it never runs.
    expect(rulesOf(preflight(objects(list), rules({ pool: cpuTainted, pools: [cpuTainted, reserved(gpuPool)] })))).toEqual(["toleration"]);
    // The notebook tolerates it now; the backup's pod still does not.
    podSpec(list).tolerations = [{ key: "reserved", operator: "Exists", effect: "NoSchedule" }];
    expect(preflight(objects(list), rules({ pool: cpuTainted, pools: [cpuTainted, reserved(gpuPool)] })).map((f) => f.object)).toEqual(["CronJob/backup"]);
  });

  it("names the taint to tolerate and the labels to select", () => {
    const list = gpuSet();
    delete podSpec(list).tolerations;
    expect(preflight(objects(list), rules({ pool: gpuPool }))).toEqual([
      {
        object: "StatefulSet/nb",
        rule: "toleration",
        message: "StatefulSet/nb: does not tolerate the taint nvidia.com/gpu:NoSchedule of the pool gpu, so it is never scheduled there",
        fix: "add a toleration {key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}",
      },
    ]);
    // Tolerations as Kubernetes matches them: Equal with the value, Exists without a key, a wrong effect.
    const valued: PreflightPool = { ...gpuPool, taints: [{ key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" }] };
    const toleration = (t: Json) => {
      podSpec(list).tolerations = [t];
      return preflight(objects(list), rules({ pool: valued })).map((f) => f.rule);
    };
    expect(toleration({ key: "nvidia.com/gpu", operator: "Equal", value: "present" })).toEqual([]);
    expect(toleration({ key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" })).toEqual([]);
    expect(toleration({ operator: "Exists" })).toEqual([]);
    expect(toleration({ key: "nvidia.com/gpu", operator: "Equal", value: "absent" })).toEqual(["toleration"]);
    expect(toleration({ key: "nvidia.com/gpu", operator: "Exists", effect: "NoExecute" })).toEqual(["toleration"]);
    expect(toleration({ key: "other", operator: "Exists" })).toEqual(["toleration"]);
    // A pod scaled to 0 is never scheduled, so it needs nothing.
    find(list, "StatefulSet").spec.replicas = 0;
    podSpec(list).tolerations = [];
    expect(preflight(objects(list), rules({ pool: valued }))).toEqual([]);
  });

  it("names the object that asks most when a total exceeds the quota", () => {
    const list = compliant();
    find(list, "StatefulSet").spec.replicas = 3;
    jupyter(list).resources.requests.cpu = "3"; // 3 × 3 cores, and the backup CronJob's 100m from the LimitRange
    const findings = preflight(objects(list), rules());
    expect(findings).toEqual([
      {
        object: "StatefulSet/nb",
        rule: "quota-project",
        message: "StatefulSet/nb: the chart asks 9.1 cores of CPU in all; the project has 8 cores left",
        fix: "lower resources.requests.cpu, or stop another instance of the project",
      },
    ]);
  });

  it("reads the Pod Security level from the platform's flavour", () => {
    const kubernetes = localPlatformDocument("apps.example.org");
    expect(podSecurityLevelOf(kubernetes)).toBe("restricted");
    expect(podSecurityLevelOf({ ...kubernetes, spec: { ...kubernetes.spec, engine: "argocd", flavour: "openshift" } })).toBe("openshift-restricted-v2");
  });

  it("says a GPU request needs its limit", () => {
    const list = gpuSet();
    delete jupyter(list).resources.limits["nvidia.com/gpu"];
    jupyter(list).resources.requests["nvidia.com/gpu"] = "1";
    expect(preflight(objects(list), rules({ pool: gpuPool }))).toEqual([
      {
        object: "StatefulSet/nb",
        rule: "gpu-request-limit",
        message: "StatefulSet/nb: container jupyter asks 1 GPU with no limit: devices are not shared, the API server requires a limit equal to the request",
        fix: "set resources.limits.nvidia.com/gpu to 1",
      },
    ]);
  });
});
