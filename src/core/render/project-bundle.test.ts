import { LimitRange } from "kubernetes-models/v1/LimitRange";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { ResourceQuota } from "kubernetes-models/v1/ResourceQuota";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding";
import { Role } from "kubernetes-models/rbac.authorization.k8s.io/v1/Role";
import { describe, expect, it } from "vitest";
import { API_VERSION, type Member, type PlatformDocument, type ProjectDocument } from "../model.js";
import { localPlatformDocument } from "../platforms/service.js";
import type { KubeObject } from "./kube.js";
import {
  binaryQuantity,
  cpuQuantity,
  DEFAULT_CONTAINER_LIMITS,
  DEFAULT_MEMORY_LIMIT_RATIO,
  limitRangeRules,
  renderProjectBundle,
  type ProjectBundleInput,
} from "./project-bundle.js";
import type { EffectiveQuota } from "../tenancy/quota.js";
import { toManifestFiles } from "./render.js";

const kubernetes: PlatformDocument = localPlatformDocument("apps.example.org");
const openshift: PlatformDocument = { ...kubernetes, metadata: { name: "okd" }, spec: { ...kubernetes.spec, engine: "argocd", flavour: "openshift" } };

const labProject = (members: Member[]): ProjectDocument => ({
  apiVersion: API_VERSION,
  kind: "Project",
  metadata: { name: "genomics", createdAt: "2025-01-01T00:00:00.000Z", createdBy: "alice" },
  spec: { title: "Genomics", lab: "imb", members },
});
const members: Member[] = [
  { login: "alice", role: "owner" },
  { group: "lab:imb", role: "editor" },
  { login: "bob.smith", role: "viewer" },
  { group: "imb-gpu-users", role: "viewer" },
];
const personalProject: ProjectDocument = {
  apiVersion: API_VERSION,
  kind: "Project",
  metadata: { name: "alice-sandbox", createdAt: "2025-01-01T00:00:00.000Z", createdBy: "alice" },
  spec: { title: "Sandbox", personal: "alice" },
};
const quota: EffectiveQuota = { cpu: 8, memoryGiB: 32, gpu: 1, instances: 10, storageGiB: 100 };

const render = (overrides: Partial<ProjectBundleInput> = {}) =>
  renderProjectBundle({ project: labProject(members), quota, platform: kubernetes, ...overrides });
const find = (objects: KubeObject[], kind: string, name: string) => {
  const object = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!object) throw new Error(`no ${kind} ${name} in ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(", ")}`);
  return object as KubeObject & { spec: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any -- test navigation into nested manifests
};
const serialized = (objects: KubeObject[]) =>
  toManifestFiles(objects)
    .map((file) => `# ${file.name}\n${file.content}`)
    .join("---\n");

interface Validatable {
  validate(): void;
}
/** The real Kubernetes schemas of every kind of the bundle (validate.ts covers only the kinds of instances). */
const MODELS: Record<string, new (data: never) => Validatable> = {
  "v1/Namespace": Namespace as never,
  "v1/ResourceQuota": ResourceQuota as never,
  "v1/LimitRange": LimitRange as never,
  "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy as never,
  "rbac.authorization.k8s.io/v1/RoleBinding": RoleBinding as never,
  "rbac.authorization.k8s.io/v1/Role": Role as never,
};
const validate = (object: KubeObject) => {
  const Model = MODELS[`${object.apiVersion}/${object.kind}`];
  if (!Model) throw new Error(`no model for ${object.apiVersion}/${object.kind}`);
  new Model(structuredClone(object) as never).validate();
};

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

describe("renderProjectBundle", () => {
  it("hardens a lab project's namespace on a Kubernetes platform", () => {
    const objects = render();
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      "Namespace/genomics",
      "ResourceQuota/plateau-quota",
      "LimitRange/plateau-limits",
      "NetworkPolicy/default-deny",
      "NetworkPolicy/allow-dns",
      "NetworkPolicy/allow-ingress",
      "NetworkPolicy/allow-same-namespace",
      "NetworkPolicy/allow-internet-egress",
      ...objects.filter((o) => o.kind === "RoleBinding").map((o) => `RoleBinding/${o.metadata.name}`),
    ]);
    for (const object of objects) {
      expect(object.metadata.labels).toMatchObject({ "app.kubernetes.io/managed-by": "plateau", "plateau.io/project": "genomics", "plateau.io/lab": "imb" });
      if (object.kind !== "Namespace") expect(object.metadata.namespace).toBe("genomics");
      expect(() => validate(object)).not.toThrow();
    }
    expect(find(objects, "Namespace", "genomics").metadata.labels).toMatchObject({
      "pod-security.kubernetes.io/enforce": "restricted",
      "pod-security.kubernetes.io/enforce-version": "latest",
      "pod-security.kubernetes.io/audit": "restricted",
      "pod-security.kubernetes.io/warn": "restricted",
    });
    expect(find(objects, "ResourceQuota", "plateau-quota").spec.hard).toEqual({
      "requests.cpu": "8",
      "requests.memory": "32Gi",
      "requests.nvidia.com/gpu": "1",
      "requests.storage": "100Gi",
      pods: "40",
      persistentvolumeclaims: "40",
      "services.loadbalancers": "0",
      "services.nodeports": "0",
    });
    expect(find(objects, "NetworkPolicy", "default-deny").spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    expect(find(objects, "NetworkPolicy", "allow-dns").spec.egress).toEqual([
      {
        to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } } }],
        ports: [
          { protocol: "UDP", port: 53 },
          { protocol: "TCP", port: 53 },
        ],
      },
    ]);
    expect(find(objects, "NetworkPolicy", "allow-ingress").spec.ingress).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } }] },
    ]);
    expect(find(objects, "NetworkPolicy", "allow-internet-egress").spec.egress[0].to[0].ipBlock).toEqual({
      cidr: "0.0.0.0/0",
      except: ["10.0.0.0/8", "100.64.0.0/10", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16"],
    });
  });

  it("binds each member to the ClusterRole of its role, groups as groups and logins as users", () => {
    const bindings = render().filter((o) => o.kind === "RoleBinding") as (KubeObject & {
      roleRef: { name: string };
      subjects: { kind: string; name: string }[];
    })[];
    const summary = bindings.map((b) => `${b.subjects[0]?.kind}:${b.subjects[0]?.name}=${b.roleRef.name}`).sort();
    expect(summary).toEqual(["Group:imb-gpu-users=view", "Group:lab:imb=edit", "User:alice=admin", "User:bob.smith=view"]);
    for (const binding of bindings) {
      expect(binding.roleRef).toEqual({ apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: binding.roleRef.name });
      expect(binding.subjects).toHaveLength(1);
      expect(binding.subjects[0]).toMatchObject({ apiGroup: "rbac.authorization.k8s.io" });
    }
    expect(bindings.map((b) => b.metadata.name)).toEqual([...bindings.map((b) => b.metadata.name)].sort());
  });

  it("uses OpenShift's DNS (port 5353 included) and ingress policy group on OpenShift", () => {
    const objects = render({ platform: openshift });
    for (const object of objects) expect(() => validate(object)).not.toThrow();
    const dns = find(objects, "NetworkPolicy", "allow-dns").spec.egress[0];
    expect(dns.to).toEqual([{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "openshift-dns" } } }]);
    expect(dns.ports).toEqual([
      { protocol: "UDP", port: 53 },
      { protocol: "TCP", port: 53 },
      { protocol: "UDP", port: 5353 },
      { protocol: "TCP", port: 5353 },
    ]);
    expect(find(objects, "NetworkPolicy", "allow-ingress").spec.ingress).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { "network.openshift.io/policy-group": "ingress" } } }] },
    ]);
  });

  it("matches the golden files byte for byte, on both flavours", async () => {
    await expect(serialized(render())).toMatchFileSnapshot("./__golden__/project-bundle-kubernetes.yaml");
    await expect(serialized(render({ platform: openshift }))).toMatchFileSnapshot("./__golden__/project-bundle-openshift.yaml");
  });

  it("lets Argo CD's repo-server read the project's Secrets, and only get them, where the platform has Argo CD (ADR 0022)", async () => {
    const withArgo: PlatformDocument = {
      ...openshift,
      spec: { ...openshift.spec, argocd: { url: "https://argocd.example.org", namespace: "openshift-gitops", repoURL: "https://git.example.org/ds.git" } },
    };
    const objects = render({ platform: withArgo });
    await expect(serialized(objects)).toMatchFileSnapshot("./__golden__/project-bundle-argocd.yaml");
    for (const object of objects) expect(() => validate(object)).not.toThrow();
    const role = find(objects, "Role", "plateau-argocd-secret-reader") as unknown as { metadata: { namespace: string }; rules: unknown };
    expect(role.metadata.namespace).toBe("genomics");
    expect(role.rules).toEqual([{ apiGroups: [""], resources: ["secrets"], verbs: ["get"] }]);
    const binding = find(objects, "RoleBinding", "plateau-argocd-secret-reader") as unknown as { roleRef: unknown; subjects: unknown };
    expect(binding.roleRef).toEqual({ apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "plateau-argocd-secret-reader" });
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: "argocd-repo-server", namespace: "openshift-gitops" }]);
    // OpenShift GitOps names the service account after its ArgoCD instance: a setting of the platform.
    const named = render({
      platform: { ...withArgo, spec: { ...withArgo.spec, argocd: { ...withArgo.spec.argocd!, repoServerServiceAccount: "openshift-gitops-repo-server" } } },
    });
    expect((find(named, "RoleBinding", "plateau-argocd-secret-reader") as unknown as { subjects: unknown }).subjects).toEqual([
      { kind: "ServiceAccount", name: "openshift-gitops-repo-server", namespace: "openshift-gitops" },
    ]);
    // Without Argo CD (or its settings) there is no plugin to read them.
    for (const platform of [kubernetes, openshift]) expect(render({ platform }).some((object) => object.kind === "Role")).toBe(false);
  });

  it("makes the owner of a personal project its admin", () => {
    const objects = render({ project: personalProject });
    for (const object of objects) {
      expect(() => validate(object)).not.toThrow();
      expect(object.metadata.labels?.["plateau.io/lab"]).toBeUndefined();
    }
    const bindings = objects.filter((o) => o.kind === "RoleBinding");
    expect(bindings).toHaveLength(1);
    expect(bindings[0]).toMatchObject({
      roleRef: { kind: "ClusterRole", name: "admin" },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "alice" }],
    });
    // Listed again as a member, the owner is still bound once.
    const again = render({ project: { ...personalProject, spec: { ...personalProject.spec, members: [{ login: "alice", role: "owner" }] } } });
    expect(again.filter((o) => o.kind === "RoleBinding")).toEqual(bindings);
  });

  it("writes quotas as canonical quantities", () => {
    expect([0, 0.5, 0.25, 1, 1.5, 8, 0.001, 2.0004].map(cpuQuantity)).toEqual(["0", "500m", "250m", "1", "1500m", "8", "1m", "2"]);
    expect([0, 0.5, 1, 1.5, 8, 1024, 1536, 1048576, 0.25].map(binaryQuantity)).toEqual(["0", "512Mi", "1Gi", "1536Mi", "8Gi", "1Ti", "1536Gi", "1Pi", "256Mi"]);
    const hard = find(render({ quota: { cpu: 0.5, memoryGiB: 1.5, gpu: 0, instances: 0, storageGiB: 2.5 } }), "ResourceQuota", "plateau-quota").spec.hard;
    expect(hard).toMatchObject({
      "requests.cpu": "500m",
      "requests.memory": "1536Mi",
      "requests.nvidia.com/gpu": "0",
      "requests.storage": "2560Mi",
      pods: "0",
      persistentvolumeclaims: "0",
    });
    expect(() => render({ quota: { ...quota, cpu: -1 } })).toThrow(/quota cpu/);
    expect(() => render({ quota: { ...quota, memoryGiB: Number.NaN } })).toThrow(/quota memoryGiB/);
  });

  it("gives containers default requests and limits, and caps them when asked", () => {
    expect(find(render(), "LimitRange", "plateau-limits").spec.limits).toEqual([
      { type: "Container", defaultRequest: { cpu: "100m", memory: "256Mi" }, default: { memory: "256Mi" }, maxLimitRequestRatio: { memory: "8" } },
    ]);
    const capped = render({ limits: { defaultCpu: "250m", defaultMemory: "512Mi", maxCpu: "4", maxMemory: "16Gi", memoryLimitRatio: 4 } });
    for (const object of capped) expect(() => validate(object)).not.toThrow();
    expect(find(capped, "LimitRange", "plateau-limits").spec.limits).toEqual([
      {
        type: "Container",
        defaultRequest: { cpu: "250m", memory: "512Mi" },
        default: { cpu: "4", memory: "512Mi" },
        max: { cpu: "4", memory: "16Gi" },
        maxLimitRequestRatio: { memory: "4" },
      },
    ]);
    expect(() => render({ limits: { ...DEFAULT_CONTAINER_LIMITS, memoryLimitRatio: 0.5 } })).toThrow(/memoryLimitRatio/);
  });

  it("counts requests only in the quota, so that one container's limit above the project's memory is the LimitRange's business (ADR 0021)", () => {
    const hard = find(render(), "ResourceQuota", "plateau-quota").spec.hard;
    expect(Object.keys(hard).filter((key) => key.startsWith("limits."))).toEqual([]);
    expect(Object.keys(hard).filter((key) => key.startsWith("requests."))).toEqual([
      "requests.cpu",
      "requests.memory",
      "requests.nvidia.com/gpu",
      "requests.storage",
    ]);
  });

  it("describes its LimitRange to the chart preflight in quota units, from the same settings", () => {
    expect(limitRangeRules()).toEqual({
      defaultRequest: { cpu: 0.1, memoryGiB: 0.25 },
      default: { memoryGiB: 0.25 },
      max: {},
      maxLimitRequestRatio: { memoryGiB: DEFAULT_MEMORY_LIMIT_RATIO },
    });
    expect(limitRangeRules({ defaultCpu: "250m", defaultMemory: "512Mi", maxCpu: "4", maxMemory: "16Gi", memoryLimitRatio: 4 })).toEqual({
      defaultRequest: { cpu: 0.25, memoryGiB: 0.5 },
      default: { cpu: 4, memoryGiB: 0.5 },
      max: { cpu: 4, memoryGiB: 16 },
      maxLimitRequestRatio: { memoryGiB: 4 },
    });
  });

  it("names bindings as valid, stable DNS labels, whatever characters group names hold", () => {
    const groups = ["lab:imb", "lab:IMB", "urn:geant:example.org:group:Researchers#admins", "a".repeat(200), "lab/imb", "é:ü"];
    const objects = render({ project: labProject(groups.map((group) => ({ group, role: "editor" }))) });
    const names = objects.filter((o) => o.kind === "RoleBinding").map((o) => o.metadata.name);
    expect(new Set(names).size).toBe(groups.length);
    for (const name of names) {
      expect(name).toMatch(DNS_LABEL);
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name).toMatch(/^plateau-editor-[0-9a-f]{12}$/);
    }
    for (const object of objects) expect(() => validate(object)).not.toThrow();
    // The same subject with another role is another binding.
    const twoRoles = render({
      project: labProject([
        { group: "lab:imb", role: "editor" },
        { group: "lab:imb", role: "viewer" },
      ]),
    });
    expect(twoRoles.filter((o) => o.kind === "RoleBinding").map((o) => o.metadata.name.replace(/-[0-9a-f]{12}$/, ""))).toEqual([
      "plateau-editor",
      "plateau-viewer",
    ]);
  });

  it("does not depend on the order of members", () => {
    const reference = serialized(render());
    const permutations = [[...members].reverse(), [members[2], members[0], members[3], members[1]] as Member[], [...members, members[1] as Member]];
    for (const permutation of permutations) expect(serialized(render({ project: labProject(permutation) }))).toBe(reference);
  });
});
