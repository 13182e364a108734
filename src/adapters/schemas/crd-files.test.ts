import { readFile } from "node:fs/promises";
import { beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../core/errors.js";
import { createCrdValidator, type CrdValidator } from "../../core/render/crd-validate.js";
import type { KubeObject } from "../../core/render/kube.js";
import { fromYaml } from "../../core/yaml.js";
import { loadCrds } from "./crd-files.js";

const SCHEMAS = "schemas";

/** The issues a validation raises ([] when it passes). */
function issuesOf(validator: CrdValidator, object: KubeObject) {
  try {
    validator.validate([object]);
    return [];
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return [...error.issues];
  }
}

const meta = (name: string, namespace = "genomics") => ({ name, namespace, labels: { "app.kubernetes.io/managed-by": "plateau" } });

const valid: Record<string, KubeObject> = {
  Application: {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Application",
    metadata: meta("genomics.notebook", "openshift-gitops"),
    spec: {
      project: "plateau-genomics",
      source: { repoURL: "https://git.example.org/plateau/state.git", targetRevision: "main", path: "rendered/okd/genomics/notebook" },
      destination: { server: "https://kubernetes.default.svc", namespace: "genomics" },
      syncPolicy: {
        automated: { prune: true, selfHeal: true },
        syncOptions: ["CreateNamespace=false"],
        retry: { limit: 5, backoff: { duration: "10s", factor: 2, maxDuration: "5m" } },
      },
    },
  },
  ApplicationSet: {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "ApplicationSet",
    metadata: meta("plateau-instances", "openshift-gitops"),
    spec: {
      goTemplate: true,
      generators: [
        {
          git: {
            repoURL: "https://git.example.org/plateau/state.git",
            revision: "main",
            directories: [{ path: "rendered/okd/*/*" }, { path: "rendered/okd/*/_project", exclude: true }],
          },
        },
      ],
      template: {
        metadata: { name: "{{index .path.segments 2}}.{{.path.basename}}" },
        spec: {
          project: "plateau-{{index .path.segments 2}}",
          source: { repoURL: "https://git.example.org/plateau/state.git", targetRevision: "main", path: "{{.path.path}}" },
          destination: { server: "https://kubernetes.default.svc", namespace: "{{index .path.segments 2}}" },
        },
      },
    },
  },
  AppProject: {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "AppProject",
    metadata: meta("plateau-genomics", "openshift-gitops"),
    spec: {
      sourceRepos: ["https://git.example.org/plateau/state.git"],
      destinations: [{ server: "https://kubernetes.default.svc", namespace: "genomics" }],
      clusterResourceWhitelist: [],
      namespaceResourceBlacklist: [{ group: "", kind: "ResourceQuota" }],
    },
  },
  Route: {
    apiVersion: "route.openshift.io/v1",
    kind: "Route",
    metadata: meta("notebook"),
    spec: {
      host: "notebook.genomics.apps.example.org",
      path: "/",
      to: { kind: "Service", name: "notebook", weight: 100 },
      port: { targetPort: "http" },
      tls: { termination: "edge", insecureEdgeTerminationPolicy: "Redirect" },
    },
  },
  PrometheusRule: {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PrometheusRule",
    metadata: meta("notebook-alerts"),
    spec: {
      groups: [
        {
          name: "notebook",
          partial_response_strategy: "WARN",
          rules: [{ alert: "NotebookDown", expr: "up{job='notebook'} == 0", for: "5m", labels: { severity: "warning" }, annotations: { summary: "down" } }],
        },
      ],
    },
  },
  VMRule: {
    apiVersion: "operator.victoriametrics.com/v1beta1",
    kind: "VMRule",
    metadata: meta("notebook-alerts"),
    spec: { groups: [{ name: "notebook", interval: "1m", rules: [{ alert: "NotebookDown", expr: "up == 0", for: "5m" }] }] },
  },
  Schedule: {
    apiVersion: "velero.io/v1",
    kind: "Schedule",
    metadata: meta("genomics-nightly", "velero"),
    spec: { schedule: "0 3 * * *", template: { includedNamespaces: ["genomics"], ttl: "720h0m0s", snapshotVolumes: false } },
  },
  Backup: {
    apiVersion: "velero.io/v1",
    kind: "Backup",
    metadata: meta("genomics-before-upgrade", "velero"),
    spec: { includedNamespaces: ["genomics"], ttl: "168h0m0s", defaultVolumesToFsBackup: true },
  },
  ObjectBucketClaim: {
    apiVersion: "objectbucket.io/v1alpha1",
    kind: "ObjectBucketClaim",
    metadata: meta("notebook-data"),
    spec: { storageClassName: "openshift-storage.noobaa.io", generateBucketName: "notebook-data" },
  },
};

/** Each kind broken in one way, and the field its issue must point at. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test edits of nested manifests
type Editable = KubeObject & { spec: Record<string, any> };
const broken: { name: string; object: KubeObject; pointer: string; rule: string; mentions: string }[] = [];
const breaking = (name: string, base: string, edit: (object: Editable) => void, pointer: string, rule: string, mentions = "") => {
  const object = structuredClone(valid[base]) as Editable;
  edit(object);
  broken.push({ name, object, pointer, rule, mentions });
};
breaking("Application without spec.destination", "Application", (o) => delete o.spec.destination, "/spec/destination", "required", "is required");
breaking(
  "Application with a misspelt field",
  "Application",
  (o) => (o.spec.syncPolicy.automated.selfheal = true),
  "/spec/syncPolicy/automated/selfheal",
  "additionalProperties",
);
breaking(
  "ApplicationSet whose directory exclude is a string",
  "ApplicationSet",
  (o) => (o.spec.generators[0].git.directories[1].exclude = "yes"),
  "/spec/generators/0/git/directories/1/exclude",
  "type",
);
breaking("ApplicationSet without a template", "ApplicationSet", (o) => delete o.spec.template, "/spec/template", "required");
breaking(
  "AppProject with a blacklist item without kind",
  "AppProject",
  (o) => (o.spec.namespaceResourceBlacklist = [{ group: "" }]),
  "/spec/namespaceResourceBlacklist/0/kind",
  "required",
);
breaking("Route with spec.to.kind missing", "Route", (o) => delete o.spec.to.kind, "/spec/to/kind", "required");
breaking(
  "Route whose target port is neither integer nor string",
  "Route",
  (o) => (o.spec.port.targetPort = true),
  "/spec/port/targetPort",
  "anyOf",
  "integer or a string",
);
breaking("Route whose target port is 0", "Route", (o) => (o.spec.port.targetPort = 0), "/spec/port/targetPort", "not");
breaking("Route with an unknown termination", "Route", (o) => (o.spec.tls.termination = "edgy"), "/spec/tls/termination", "enum", '"edge"');
breaking("PrometheusRule with a bad for", "PrometheusRule", (o) => (o.spec.groups[0].rules[0].for = "5 minutes"), "/spec/groups/0/rules/0/for", "pattern");
breaking("PrometheusRule with a rule missing expr", "PrometheusRule", (o) => delete o.spec.groups[0].rules[0].expr, "/spec/groups/0/rules/0/expr", "required");
breaking(
  "PrometheusRule with a bad partial response strategy",
  "PrometheusRule",
  (o) => (o.spec.groups[0].partial_response_strategy = "ignore"),
  "/spec/groups/0/partial_response_strategy",
  "pattern",
);
breaking(
  "PrometheusRule with two groups of one name",
  "PrometheusRule",
  (o) => o.spec.groups.push(o.spec.groups[0]),
  "/spec/groups",
  "x-kubernetes-list-map-keys",
  "name",
);
breaking("VMRule with a group without name", "VMRule", (o) => delete o.spec.groups[0].name, "/spec/groups/0/name", "required");
breaking("VMRule whose rule expression is a number", "VMRule", (o) => (o.spec.groups[0].rules[0].expr = 1), "/spec/groups/0/rules/0/expr", "type");
breaking("Schedule without schedule", "Schedule", (o) => delete o.spec.schedule, "/spec/schedule", "required");
breaking("Schedule whose ttl is a number", "Schedule", (o) => (o.spec.template.ttl = 720), "/spec/template/ttl", "type");
breaking("Backup with a string for a boolean", "Backup", (o) => (o.spec.defaultVolumesToFsBackup = "true"), "/spec/defaultVolumesToFsBackup", "type");
breaking("ObjectBucketClaim without storage class", "ObjectBucketClaim", (o) => delete o.spec.storageClassName, "/spec/storageClassName", "required");
breaking(
  "ObjectBucketClaim with a non-string additional config",
  "ObjectBucketClaim",
  (o) => (o.spec.additionalConfig = { maxSize: 5 }),
  "/spec/additionalConfig/maxSize",
  "type",
);
breaking("Route with an invalid name", "Route", (o) => (o.metadata.name = "Not_A_Name"), "/metadata/name", "pattern");
breaking("Route without metadata.name", "Route", (o) => delete (o.metadata as { name?: string }).name, "/metadata/name", "required");

describe("the CRDs in schemas/", () => {
  let validator: CrdValidator;
  let crds: Awaited<ReturnType<typeof loadCrds>>;
  beforeAll(async () => {
    crds = await loadCrds(SCHEMAS);
    validator = createCrdValidator(crds);
  });

  it("loads every served version of every CRD file", () => {
    expect(crds.map((crd) => `${crd.group}/${crd.version} ${crd.kind}`).sort()).toEqual([
      "argoproj.io/v1alpha1 AppProject",
      "argoproj.io/v1alpha1 Application",
      "argoproj.io/v1alpha1 ApplicationSet",
      "monitoring.coreos.com/v1 PrometheusRule",
      "monitoring.coreos.com/v1 ServiceMonitor",
      "objectbucket.io/v1alpha1 ObjectBucketClaim",
      "operator.victoriametrics.com/v1beta1 VMRule",
      "route.openshift.io/v1 Route",
      "velero.io/v1 Backup",
      "velero.io/v1 BackupStorageLocation",
      "velero.io/v1 Restore",
      "velero.io/v1 Schedule",
    ]);
  });

  it("compiles every CRD (a bare object of each kind fails only on its own rules, never on the schema)", () => {
    for (const crd of crds) {
      const object: KubeObject = { apiVersion: `${crd.group}/${crd.version}`, kind: crd.kind, metadata: { name: "bare" } };
      expect(validator.knows(object.apiVersion, object.kind)).toBe(true);
      for (const issue of issuesOf(validator, object)) expect(issue.rule, issue.message).toBe("required");
    }
  });

  it("knows only the kinds it was given", () => {
    expect(validator.knows("route.openshift.io/v1", "Route")).toBe(true);
    expect(validator.knows("apps/v1", "Deployment")).toBe(false);
    expect(validator.knows("argoproj.io/v1beta1", "Application")).toBe(false);
    expect(issuesOf(validator, { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "x" } })).toEqual([
      expect.objectContaining({ rule: "kind", message: expect.stringContaining("apps/v1/Deployment") }),
    ]);
  });

  it("passes upstream's example ObjectBucketClaim", async () => {
    const example = fromYaml(await readFile(`${SCHEMAS}/noobaa/objectbucketclaim-example.yaml`, "utf8"), "objectbucketclaim-example.yaml") as KubeObject;
    expect(issuesOf(validator, example)).toEqual([]);
  });

  it.each(Object.entries(valid))("passes a valid %s", (_kind, object) => {
    expect(issuesOf(validator, object)).toEqual([]);
  });

  it("passes an integer target port and a null for a nullable field", () => {
    const route = structuredClone(valid.Route) as KubeObject & { spec: { port: { targetPort: unknown } } };
    route.spec.port.targetPort = 8080;
    const schedule = structuredClone(valid.Schedule) as KubeObject & { spec: { useOwnerReferencesInBackup: unknown } };
    schedule.spec.useOwnerReferencesInBackup = null;
    expect(issuesOf(validator, route)).toEqual([]);
    expect(issuesOf(validator, schedule)).toEqual([]);
  });

  it.each(broken.map((b) => [b.name, b] as const))("refuses a %s, naming the field", (_name, { object, pointer, rule, mentions }) => {
    const issues = issuesOf(validator, object);
    expect(issues).toContainEqual({ pointer, rule, message: expect.stringContaining(`${object.kind} ${object.metadata.name ?? "(unnamed)"}: ${pointer}`) });
    expect(issues.find((issue) => issue.pointer === pointer && issue.rule === rule)?.message).toContain(mentions);
  });

  it("reports every problem of every object in one error, and nothing about the valid ones", () => {
    const objects = [valid.Route, broken[0]?.object, valid.PrometheusRule, broken[9]?.object].filter((o): o is KubeObject => o !== undefined);
    const error = (() => {
      try {
        validator.validate(objects);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).issues.map((issue) => issue.message)).toEqual([
      "Application genomics.notebook: /spec/destination is required",
      expect.stringMatching(/^PrometheusRule notebook-alerts: \/spec\/groups\/0\/rules\/0\/for must match the pattern/),
    ]);
  });

  it("explains a Route that no form of the spec allows", () => {
    const route = structuredClone(valid.Route) as KubeObject & { spec: { path: string; tls: { termination: string; insecureEdgeTerminationPolicy?: string } } };
    route.spec.path = "/app";
    route.spec.tls = { termination: "passthrough" };
    const issues = issuesOf(validator, route);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ pointer: "/spec", rule: "anyOf" });
    expect(issues[0]?.message).toContain("/path");
  });
});
