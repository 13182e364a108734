import { beforeAll, describe, expect, it } from "vitest";
// eslint-disable-next-line no-restricted-imports -- the test reads the real CRDs from schemas/ to check what the pure renderer builds
import { loadCrds } from "../../adapters/schemas/crd-files.js";
import { InputError } from "../errors.js";
import type { PlatformDocument } from "../model.js";
import { localPlatformDocument } from "../platforms/service.js";
import { fromYamlStream, toYaml } from "../yaml.js";
import {
  helmApplicationValues,
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
import { validateObjects } from "./validate.js";

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

  it("validates against the real Argo CD CRDs (and its ConfigMaps against Kubernetes' schemas)", () => {
    // Argo CD's kinds against the CRDs, the secrets plugin's ConfigMaps (ADR 0022) against kubernetes-models.
    const argo = (objects: KubeObject[]) => objects.filter((object) => object.apiVersion.startsWith("argoproj.io/"));
    expect(() => validator.validate(argo(bootstrap()))).not.toThrow();
    expect(() => validator.validate(argo(bootstrap({ projects: [] })))).not.toThrow();
    expect(() => validator.validate(argo(bootstrap({ chartRepositories: ["https://charts.example.org"] })))).not.toThrow();
    expect(() => validateObjects(bootstrap(), validator)).not.toThrow();
    expect(() => validator.validate([helm()])).not.toThrow();
    for (const object of [...argo(bootstrap()), helm()]) expect(validator.knows(object.apiVersion, object.kind)).toBe(true);
    expect(
      bootstrap()
        .filter((object) => !object.apiVersion.startsWith("argoproj.io/"))
        .map((object) => `${object.apiVersion}/${object.kind}`),
    ).toEqual(["v1/ConfigMap", "v1/ConfigMap"]);
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
      "ConfigMap/plateau-argocd-vault-plugin",
      "ConfigMap/plateau-helm-avp",
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
      // Velero's (ADR 0034): Schedules, Restores and BackupStorageLocations, Plateau's own.
      { server: argocd.destinationServer, namespace: "velero" },
    ]);
    expect(operator.spec.namespaceResourceWhitelist).toEqual([
      { group: "", kind: "LimitRange" },
      { group: "", kind: "ResourceQuota" },
      { group: "networking.k8s.io", kind: "NetworkPolicy" },
      // The bundle's Role lets Argo CD's secrets plugin read the project's Secrets; the ConfigMaps are the plugin's (ADR 0022).
      { group: "rbac.authorization.k8s.io", kind: "Role" },
      { group: "rbac.authorization.k8s.io", kind: "RoleBinding" },
      { group: "", kind: "ConfigMap" },
      { group: "argoproj.io", kind: "AppProject" },
      { group: "argoproj.io", kind: "Application" },
      { group: "argoproj.io", kind: "ApplicationSet" },
      { group: "velero.io", kind: "BackupStorageLocation" },
      { group: "velero.io", kind: "Restore" },
      { group: "velero.io", kind: "Schedule" },
    ]);
    // A Plateau project named "operators" (or anything) cannot collide with it.
    expect(bootstrap({ projects: ["operators"] }).map((o) => o.metadata.name)).toEqual([
      "plateau",
      "plateau-operators",
      "plateau-instances",
      "plateau-project-bundles",
      "plateau-bootstrap",
      "plateau-helm-instances",
      "plateau-argocd-vault-plugin",
      "plateau-helm-avp",
    ]);
  });

  it("generates one Application per instance directory, never for the project bundle", () => {
    const set = find(bootstrap(), "ApplicationSet", "plateau-instances");
    expect(set.spec.generators).toEqual([
      {
        git: {
          repoURL: argocd.repoURL,
          revision: "main",
          directories: [
            { path: "rendered/okd/*/*" },
            { path: "rendered/okd/*/_project", exclude: true },
            { path: "rendered/okd/*/_helm", exclude: true },
            { path: "rendered/okd/*/_buckets", exclude: true },
            // The instances' Restores (ADR 0034) are Plateau's: never an Application of a project.
            { path: "rendered/okd/*/_recovery", exclude: true },
          ],
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

  it("keeps Velero's kinds and namespace out of every project's AppProject, and gives a project in Velero's namespace none", () => {
    const objects = bootstrap({ projects: ["genomics", "velero"] });
    const fences = objects.filter((o) => o.kind === "AppProject" && o.metadata.name !== "plateau") as Loose[];
    expect(fences.map((o) => o.metadata.name)).toEqual(["plateau-genomics"]);
    for (const fence of fences) {
      expect(fence.spec.destinations).toEqual([{ server: argocd.destinationServer, namespace: "genomics" }]);
      expect(fence.spec.namespaceResourceWhitelist.filter((kind: { group: string }) => kind.group === "velero.io")).toEqual([]);
    }
    // Plateau's own AppProject may not create the namespace either (the bundle of such a project is refused).
    const operator = find(objects, "AppProject", "plateau");
    expect(operator.spec.clusterResourceWhitelist).toEqual([{ group: "", kind: "Namespace", name: "genomics" }]);
    // The platform's Velero namespace, whichever it is.
    const oadp: PlatformDocument = {
      ...okd,
      spec: { ...okd.spec, s3: { provider: "noobaa", endpoint: "https://s3.example.org" }, backups: { bucket: "backups", velero: { namespace: "backups" } } },
    };
    const withOadp = bootstrap({ platform: oadp, projects: ["genomics", "backups"] });
    expect(withOadp.filter((o) => o.kind === "AppProject").map((o) => o.metadata.name)).toEqual(["plateau", "plateau-genomics"]);
    expect(find(withOadp, "AppProject", "plateau").spec.destinations).toContainEqual({ server: argocd.destinationServer, namespace: "backups" });
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
      directory: { recurse: true, include: "{*/_project/*.yaml,*/_buckets/*.yaml,*/_recovery/*/*.yaml}" },
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

describe("the Application of a Helm instance whose values hold secret placeholders (ADR 0022)", () => {
  const placeholder = "<path:genomics:notebook-generated#one-time-password>";
  const withSecret = (values: Record<string, unknown> = {}) =>
    helm({ values: { security: { password: placeholder }, service: { image: { version: "inseefrlab/onyxia-jupyter-python:py3.12" } }, ...values } }) as Loose;
  let validator: CrdValidator;
  beforeAll(async () => {
    validator = createCrdValidator(await loadCrds("schemas"));
  });

  it("matches its golden file, and charts without placeholders keep their plain Helm source", async () => {
    await expect(serialized([withSecret()])).toMatchFileSnapshot("./__golden__/argocd-helm-application-avp.yaml");
    expect(helm().spec).toHaveProperty("source.chart", "jupyter-python");
    expect(helm({ values: { note: "<path:no-key>", text: "a <b> c" } }).spec).toHaveProperty("source.chart", "jupyter-python");
  });

  it("goes through the plugin, from the desired-state repository at the instance's own directory, and validates against the real CRD", () => {
    const app = withSecret();
    expect(app.spec.source).toEqual({
      repoURL: argocd.repoURL,
      targetRevision: "main",
      path: "rendered/okd/genomics/_helm/notebook",
      plugin: {
        name: "plateau-helm-avp",
        env: [
          { name: "CHART_REPOSITORY", value: "https://inseefrlab.github.io/helm-charts-interactive-services" },
          { name: "CHART", value: "jupyter-python" },
          { name: "CHART_VERSION", value: "2.3.1" },
          { name: "RELEASE", value: "notebook" },
          {
            name: "HELM_VALUES",
            value: `{"security":{"password":"${placeholder}"},"service":{"image":{"version":"inseefrlab/onyxia-jupyter-python:py3.12"}}}`,
          },
        ],
      },
    });
    // Everything else is the Application of any Helm instance.
    expect({ ...app.spec, source: undefined }).toEqual({ ...(helm() as Loose).spec, source: undefined });
    expect(app.metadata).toEqual(helm().metadata);
    expect(() => validator.validate([app])).not.toThrow();
    // The desired-state repository is a source every project's AppProject allows.
    expect(find(bootstrap(), "AppProject", "plateau-genomics").spec.sourceRepos).toContain(app.spec.source.repoURL);
  });

  it("carries the values only as the plugin's environment, never in a command: the plugin's command is one constant", () => {
    const hostile = '$(touch /tmp/pwned) `id` \'; rm -rf / #\n"$HOME" ${KUBE_VERSION} $$';
    const app = withSecret({ text: hostile, [hostile]: [hostile] });
    const values = app.spec.source.plugin.env.find((entry: { name: string }) => entry.name === "HELM_VALUES").value as string;
    // Argo CD substitutes its build environment into plugin.env values and reads `$$` as `$`: each `$` is doubled.
    const unescaped = values.replaceAll("$$", "$");
    expect(JSON.parse(unescaped)).toEqual({
      security: { password: placeholder },
      service: { image: { version: "inseefrlab/onyxia-jupyter-python:py3.12" } },
      text: hostile,
      [hostile]: [hostile],
    });
    expect(values).not.toMatch(/(^|[^$])\$([^$]|$)/);
    // The plugin's definition (the bootstrap's) holds no value of any instance.
    const plugin = find(bootstrap(), "ConfigMap", "plateau-helm-avp") as unknown as { data: Record<string, string> };
    expect(plugin.data["plugin.yaml"]).not.toContain("touch");
    expect(JSON.stringify(plugin)).not.toContain("notebook");
    // Nothing but the plugin source is there: no field where a value could become an argument.
    expect(Object.keys(app.spec.source).sort()).toEqual(["path", "plugin", "repoURL", "targetRevision"]);
    expect(Object.keys(app.spec.source.plugin).sort()).toEqual(["env", "name"]);
    expect(() => validator.validate([app])).not.toThrow();
  });

  it("reads back the values an Application carries, whichever its source", () => {
    const values = { security: { password: placeholder }, text: "$HOME ${X} $$ $", list: [1, null, { a: "b" }] };
    expect(helmApplicationValues(withSecret(values))).toEqual({
      ...values,
      service: { image: { version: "inseefrlab/onyxia-jupyter-python:py3.12" } },
    });
    expect(helmApplicationValues(helm({ values: { text: "$HOME" } }))).toEqual({ text: "$HOME" });
    expect(helmApplicationValues(find(bootstrap(), "Application", "plateau-bootstrap"))).toBeUndefined();
  });

  it("is deterministic whatever the order of the values' keys", () => {
    const a = helm({ values: { b: { y: 1, x: placeholder }, a: [{ d: 1, c: 2 }] } });
    const b = helm({ values: { a: [{ c: 2, d: 1 }], b: { x: placeholder, y: 1 } } });
    expect(toYaml(a)).toBe(toYaml(b));
  });

  it("refuses values too large for one environment variable, naming the field", () => {
    expect(thrown(() => withSecret({ big: "x".repeat(100_000) }))).toMatchObject({ issues: [{ pointer: "/values", rule: "max-size" }] });
    // Without placeholders the values stay an object, with no such bound.
    expect(thrown(() => helm({ values: { big: "x".repeat(100_000) } }))).toBeUndefined();
  });
});
