import { beforeAll, describe, expect, it } from "vitest";
// eslint-disable-next-line no-restricted-imports -- the test reads the real CRDs from schemas/ to check what the pure renderer builds
import { loadCrds } from "../../adapters/schemas/crd-files.js";
import { InputError } from "../errors.js";
import type { PlatformDocument } from "../model.js";
import { localPlatformDocument } from "../platforms/service.js";
import { fromYamlStream, toYaml } from "../yaml.js";
import {
  INSTANCE_KINDS,
  renderArgoBootstrap,
  renderHelmApplication,
  type ArgoBootstrapInput,
  type ArgoCdSettings,
  type HelmApplicationInput,
  instanceApplicationName,
} from "./argocd.js";
import { createCrdValidator, type CrdValidator } from "./crd-validate.js";
import type { KubeObject } from "./kube.js";
import { toManifestFiles, toManifestStream } from "./render.js";

const local = localPlatformDocument("apps.example.org");
const okd: PlatformDocument = { ...local, metadata: { name: "okd" }, spec: { ...local.spec, engine: "argocd", flavour: "openshift" } };
const argocd: ArgoCdSettings = {
  namespace: "openshift-gitops",
  repoURL: "https://git.example.org/plateau/desired-state.git",
  targetRevision: "main",
  destinationServer: "https://kubernetes.default.svc",
};

const bootstrap = (overrides: Partial<ArgoBootstrapInput> = {}) =>
  renderArgoBootstrap({ platform: okd, argocd, projects: ["genomics", "alice-sandbox"], ...overrides });
const helm = (overrides: Partial<HelmApplicationInput> = {}) =>
  renderHelmApplication({
    platform: okd,
    argocd,
    project: "genomics",
    instance: "notebook",
    chart: { repository: "https://inseefrlab.github.io/helm-charts-interactive-services", chart: "jupyter-python", version: "2.3.1" },
    values: { service: { image: { version: "inseefrlab/onyxia-jupyter-python:py3.12" } }, resources: { requests: { cpu: "500m" } }, replicas: 1, gpu: false },
    ...overrides,
  });

const serialized = (objects: KubeObject[]) =>
  toManifestFiles(objects)
    .map((file) => `# ${file.name}\n${file.content}`)
    .join("---\n");

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test navigation into nested manifests
type Loose = KubeObject & { spec: Record<string, any> };
const find = (objects: KubeObject[], kind: string, name: string): Loose => {
  const object = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!object) throw new Error(`no ${kind} ${name} in ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(", ")}`);
  return object as Loose;
};
const thrown = (run: () => unknown): unknown => {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
};

describe("the Argo CD bootstrap of a platform", () => {
  let validator: CrdValidator;
  beforeAll(async () => {
    validator = createCrdValidator(await loadCrds("schemas"));
  });

  it("matches the golden files byte for byte", async () => {
    await expect(serialized(bootstrap())).toMatchFileSnapshot("./__golden__/argocd-bootstrap.yaml");
    await expect(serialized([helm()])).toMatchFileSnapshot("./__golden__/argocd-helm-application.yaml");
  });

  it("validates against the real Argo CD CRDs", () => {
    expect(() => validator.validate(bootstrap())).not.toThrow();
    expect(() => validator.validate(bootstrap({ projects: [] }))).not.toThrow();
    expect(() => validator.validate(bootstrap({ chartRepositories: ["https://charts.example.org"] }))).not.toThrow();
    expect(() => validator.validate([helm()])).not.toThrow();
    for (const object of [...bootstrap(), helm()]) expect(validator.knows(object.apiVersion, object.kind)).toBe(true);
  });

  it("is deterministic: the order of projects and of chart repositories never shows", () => {
    const a = bootstrap({ projects: ["genomics", "alice-sandbox", "genomics"], chartRepositories: ["https://b.example.org", "https://a.example.org"] });
    const b = bootstrap({ projects: ["alice-sandbox", "genomics"], chartRepositories: ["https://a.example.org", "https://b.example.org"] });
    expect(toManifestStream(a)).toBe(toManifestStream(b));
    // Go templates are strings like any other: the stream reads back as the same objects.
    expect(fromYamlStream(toManifestStream(a), "bootstrap.yaml")).toEqual(a);
    expect(a.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      "AppProject/plateau",
      "AppProject/plateau-alice-sandbox",
      "AppProject/plateau-genomics",
      "ApplicationSet/plateau-instances",
      "Application/plateau-project-bundles",
      "Application/plateau-bootstrap",
      "Application/plateau-helm-instances",
    ]);
    for (const object of a) expect(object.metadata.namespace).toBe("openshift-gitops");
  });

  it("fences each project: its repository only, its namespace only, no cluster-scoped kind, only the namespaced kinds instances need", () => {
    const project = find(bootstrap(), "AppProject", "plateau-genomics");
    expect(project.spec.sourceRepos).toEqual([argocd.repoURL]);
    expect(project.spec.destinations).toEqual([{ server: "https://kubernetes.default.svc", namespace: "genomics" }]);
    expect(project.spec.clusterResourceWhitelist).toEqual([]);
    // What charts create (issue 13): a ServiceAccount with its Role and RoleBinding, workloads, Route...
    expect(project.spec.namespaceResourceWhitelist).toEqual(INSTANCE_KINDS.map((kind) => ({ ...kind })));
    expect(project.spec.namespaceResourceWhitelist).toEqual(
      expect.arrayContaining([
        { group: "", kind: "ServiceAccount" },
        { group: "rbac.authorization.k8s.io", kind: "Role" },
        { group: "rbac.authorization.k8s.io", kind: "RoleBinding" },
        { group: "apps", kind: "StatefulSet" },
        { group: "batch", kind: "CronJob" },
        { group: "policy", kind: "PodDisruptionBudget" },
        { group: "route.openshift.io", kind: "Route" },
      ]),
    );
    // ...never the project's own fences, nor a cluster-scoped kind.
    const kinds = INSTANCE_KINDS.map((kind) => kind.kind);
    for (const fence of ["ResourceQuota", "LimitRange", "Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "DaemonSet"])
      expect(kinds).not.toContain(fence);
    expect(project.spec.namespaceResourceBlacklist).toBeUndefined();
  });

  it("lets instances come from the catalog's chart repositories when there are any", () => {
    const project = find(bootstrap({ chartRepositories: ["https://charts.example.org", argocd.repoURL] }), "AppProject", "plateau-genomics");
    expect(project.spec.sourceRepos).toEqual([argocd.repoURL, "https://charts.example.org"]);
  });

  it("lets Plateau's own AppProject create the projects' namespaces, by name, and the bundle's kinds in them only", () => {
    const operator = find(bootstrap(), "AppProject", "plateau");
    expect(operator.spec.sourceRepos).toEqual([argocd.repoURL]);
    expect(operator.spec.clusterResourceWhitelist).toEqual([
      { group: "", kind: "Namespace", name: "alice-sandbox" },
      { group: "", kind: "Namespace", name: "genomics" },
    ]);
    expect(operator.spec.destinations).toEqual([
      { server: argocd.destinationServer },
      { server: argocd.destinationServer, namespace: "openshift-gitops" },
      { server: argocd.destinationServer, namespace: "alice-sandbox" },
      { server: argocd.destinationServer, namespace: "genomics" },
    ]);
    expect(operator.spec.namespaceResourceWhitelist).toEqual([
      { group: "", kind: "LimitRange" },
      { group: "", kind: "ResourceQuota" },
      { group: "networking.k8s.io", kind: "NetworkPolicy" },
      { group: "rbac.authorization.k8s.io", kind: "RoleBinding" },
      { group: "argoproj.io", kind: "AppProject" },
      { group: "argoproj.io", kind: "Application" },
      { group: "argoproj.io", kind: "ApplicationSet" },
    ]);
    // A Plateau project named "operators" (or anything) cannot collide with it.
    expect(bootstrap({ projects: ["operators"] }).map((o) => o.metadata.name)).toEqual([
      "plateau",
      "plateau-operators",
      "plateau-instances",
      "plateau-project-bundles",
      "plateau-bootstrap",
      "plateau-helm-instances",
    ]);
  });

  it("generates one Application per instance directory, never for the project bundle", () => {
    const set = find(bootstrap(), "ApplicationSet", "plateau-instances");
    expect(set.spec.generators).toEqual([
      {
        git: {
          repoURL: argocd.repoURL,
          revision: "main",
          directories: [{ path: "rendered/okd/*/*" }, { path: "rendered/okd/*/_project", exclude: true }, { path: "rendered/okd/*/_helm", exclude: true }],
        },
      },
    ]);
    const template = set.spec.template;
    expect(template.metadata.name).toBe("{{index .path.segments 2}}.{{index .path.segments 3}}");
    expect(template.spec.project).toBe("plateau-{{index .path.segments 2}}");
    expect(template.spec.destination).toEqual({ server: argocd.destinationServer, namespace: "{{index .path.segments 2}}" });
    expect(template.spec.source).toEqual({ repoURL: argocd.repoURL, targetRevision: "main", path: "{{.path.path}}", directory: { include: "*.yaml" } });
    expect(template.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    expect(template.spec.syncPolicy.syncOptions).toEqual(expect.arrayContaining(["CreateNamespace=false", "ServerSideApply=true"]));
    expect(template.spec.syncPolicy.retry.backoff).toEqual({ duration: "10s", factor: 2, maxDuration: "5m" });
    expect(set.spec.goTemplate).toBe(true);
  });

  it("names Applications so that two instances never share a name", () => {
    expect(instanceApplicationName("a-b", "c")).not.toBe(instanceApplicationName("a", "b-c"));
  });

  it("syncs every project bundle with Plateau's own AppProject", () => {
    const app = find(bootstrap(), "Application", "plateau-project-bundles");
    expect(app.spec.project).toBe("plateau");
    expect(app.spec.source).toEqual({
      repoURL: argocd.repoURL,
      targetRevision: "main",
      path: "rendered/okd",
      directory: { recurse: true, include: "*/_project/*.yaml" },
    });
    expect(app.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    expect(app.metadata).not.toHaveProperty("finalizers");
  });

  it("manages itself from the platform's argocd/ directory, never pruning it automatically", () => {
    const root = find(bootstrap(), "Application", "plateau-bootstrap");
    expect(root.spec.project).toBe("plateau");
    expect(root.spec.source).toEqual({ repoURL: argocd.repoURL, targetRevision: "main", path: "rendered/okd/argocd", directory: { include: "*.yaml" } });
    expect(root.spec.syncPolicy.automated).toEqual({ prune: false, selfHeal: true });
    expect(root.metadata).not.toHaveProperty("finalizers");
  });

  it("applies the Helm instances' Applications from their _helm directories, pruning removed ones", () => {
    const app = find(bootstrap(), "Application", "plateau-helm-instances");
    expect(app.spec.project).toBe("plateau");
    expect(app.spec.source.directory).toEqual({ recurse: true, include: "*/_helm/*/*.yaml" });
    expect(app.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
  });

  it("refuses names and settings that could change the structure", () => {
    expect(thrown(() => bootstrap({ projects: ["genomics", "a\n---\nkind: Secret"] }))).toBeInstanceOf(InputError);
    expect(thrown(() => bootstrap({ projects: ["Genomics"] }))).toBeInstanceOf(InputError);
    expect(thrown(() => bootstrap({ argocd: { ...argocd, namespace: "argo cd" } }))).toBeInstanceOf(InputError);
    expect(thrown(() => bootstrap({ argocd: { ...argocd, repoURL: "https://x\nkind: Secret" } }))).toBeInstanceOf(InputError);
    expect(thrown(() => bootstrap({ chartRepositories: [""] }))).toBeInstanceOf(InputError);
    expect(thrown(() => helm({ instance: "_project" }))).toBeInstanceOf(InputError);
    expect(thrown(() => helm({ chart: { repository: "https://charts.example.org", chart: "a: b", version: "1" } }))).toBeInstanceOf(InputError);
  });
});

describe("the Application of a Helm instance", () => {
  it("names the chart, its version and the project's fences, with the values as an object", () => {
    const app = helm() as Loose;
    expect(app.metadata).toMatchObject({ name: "genomics.notebook", namespace: "openshift-gitops", finalizers: ["resources-finalizer.argocd.argoproj.io"] });
    expect(app.spec.project).toBe("plateau-genomics");
    expect(app.spec.destination).toEqual({ server: argocd.destinationServer, namespace: "genomics" });
    expect(app.spec.source).toMatchObject({
      repoURL: "https://inseefrlab.github.io/helm-charts-interactive-services",
      chart: "jupyter-python",
      targetRevision: "2.3.1",
    });
    expect(app.spec.source.helm.valuesObject).toEqual({
      service: { image: { version: "inseefrlab/onyxia-jupyter-python:py3.12" } },
      resources: { requests: { cpu: "500m" } },
      replicas: 1,
      gpu: false,
    });
    expect(app.spec.syncPolicy).toEqual(
      find(renderArgoBootstrap({ platform: okd, argocd, projects: [] }), "ApplicationSet", "plateau-instances").spec.template.spec.syncPolicy,
    );
  });

  it("never lets values change the structure of the manifest", () => {
    const hostile = "a: b\n---\nkind: Secret\nmetadata:\n  name: x";
    const values = {
      text: hostile,
      [hostile]: hostile,
      "{{ .Values.secret }}": '{{ lookup "v1" "Secret" "kube-system" "" }}',
      list: [hostile, { "--- ": "...\n---" }, null, 3.5, true],
      prototype: JSON.parse('{"__proto__": {"polluted": true}, "constructor": "x"}') as unknown,
    };
    const app = helm({ values });
    const text = toYaml(app);
    const documents = fromYamlStream(text, "application.yaml");
    expect(documents).toHaveLength(1);
    expect(documents[0]).toEqual(app);
    expect((documents[0] as Loose).spec.source.helm.valuesObject).toEqual(values);
  });

  it("copies the values rather than sharing them, and refuses what is not JSON data", () => {
    const values = { nested: { list: [1] } };
    const app = helm({ values }) as Loose;
    values.nested.list.push(2);
    expect(app.spec.source.helm.valuesObject).toEqual({ nested: { list: [1] } });
    expect(thrown(() => helm({ values: { n: Number.NaN } }))).toMatchObject({ issues: [{ pointer: "/values/n", rule: "json" }] });
    expect(thrown(() => helm({ values: { when: new Date(0) } }))).toMatchObject({ issues: [{ pointer: "/values/when", rule: "json" }] });
    expect(thrown(() => helm({ values: { f: () => 1 } }))).toBeInstanceOf(InputError);
  });
});
