import { beforeAll, describe, expect, it } from "vitest";
import { builtInTemplates } from "../../../test/support/plateau.js";
import type { Template } from "../catalog/template.js";
import { resolveValues } from "../catalog/values.js";
import { InputError } from "../errors.js";
import { API_VERSION, type InstanceState, type PlatformDocument, type ProjectDocument } from "../model.js";
import { localPlatformDocument } from "../platforms/service.js";
import type { KubeObject } from "./kube.js";
import { restrictedViolations } from "./pod-security.js";
import { renderProjectBundle } from "./project-bundle.js";
import { renderInstance } from "./render.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests reach into and mutate nested manifests

const secure = (): Json => ({
  allowPrivilegeEscalation: false,
  capabilities: { drop: ["ALL"] },
  runAsNonRoot: true,
  runAsUser: 1000,
  seccompProfile: { type: "RuntimeDefault" },
});

/** A pod using every allowed feature the checks look at, so that each mutation flips exactly one rule. */
const compliantSpec = (): Json => ({
  securityContext: {
    runAsNonRoot: true,
    runAsUser: 1000,
    fsGroup: 1000,
    seccompProfile: { type: "RuntimeDefault" },
    seLinuxOptions: { type: "container_t", level: "s0:c1,c2" },
    appArmorProfile: { type: "RuntimeDefault" },
    sysctls: [{ name: "net.ipv4.ip_unprivileged_port_start", value: "0" }],
  },
  initContainers: [{ name: "clone", image: "git", securityContext: secure() }],
  containers: [
    {
      name: "main",
      image: "web",
      ports: [{ name: "http", containerPort: 80, protocol: "TCP" }],
      readinessProbe: { httpGet: { path: "/", port: "http" } },
      livenessProbe: { tcpSocket: { port: 80 } },
      lifecycle: { preStop: { httpGet: { path: "/stop", port: 80 } } },
      securityContext: { ...secure(), capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] }, procMount: "Default", readOnlyRootFilesystem: true },
    },
  ],
  ephemeralContainers: [{ name: "debug", image: "busybox", securityContext: secure() }],
  volumes: [
    { name: "config", configMap: { name: "c" } },
    { name: "token", csi: { driver: "secrets-store.csi.k8s.io" } },
    { name: "info", downwardAPI: { items: [] } },
    { name: "tmp", emptyDir: {} },
    { name: "scratch", ephemeral: { volumeClaimTemplate: { spec: {} } } },
    { name: "data", persistentVolumeClaim: { claimName: "data" } },
    { name: "projected", projected: { sources: [] } },
    { name: "secret", secret: { secretName: "s" } },
  ],
});
const pod = (spec: Json = compliantSpec(), annotations?: Record<string, string>): KubeObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "x", namespace: "demo", ...(annotations ? { annotations } : {}) },
  spec,
});
const mutated = (mutate: (spec: Json) => void): KubeObject => {
  const spec = compliantSpec();
  mutate(spec);
  return pod(spec);
};
const main = (spec: Json): Json => spec.containers[0];
const init = (spec: Json): Json => spec.initContainers[0];

const kubernetes: PlatformDocument = localPlatformDocument("apps.example.org");
const openshift: PlatformDocument = { ...kubernetes, metadata: { name: "okd" }, spec: { ...kubernetes.spec, engine: "argocd", flavour: "openshift" } };

describe("restrictedViolations", () => {
  it("finds nothing wrong with a compliant pod, nor in objects that run no pods", () => {
    expect(restrictedViolations([pod()])).toEqual([]);
    expect(restrictedViolations([{ apiVersion: "v1", kind: "Service", metadata: { name: "x" }, spec: { hostNetwork: true } }])).toEqual([]);
  });

  const cases: [string, (spec: Json) => void, string][] = [
    [
      "allowPrivilegeEscalation unset",
      (s) => delete main(s).securityContext.allowPrivilegeEscalation,
      "Pod/x container main: allowPrivilegeEscalation must be false",
    ],
    [
      "allowPrivilegeEscalation true",
      (s) => (init(s).securityContext.allowPrivilegeEscalation = true),
      "Pod/x init container clone: allowPrivilegeEscalation must be false",
    ],
    [
      "allowPrivilegeEscalation unset in an ephemeral container",
      (s) => delete s.ephemeralContainers[0].securityContext.allowPrivilegeEscalation,
      "Pod/x ephemeral container debug: allowPrivilegeEscalation must be false",
    ],
    ["privileged", (s) => (main(s).securityContext.privileged = true), "Pod/x container main: privileged must not be true"],
    ["capabilities not dropped", (s) => (main(s).securityContext.capabilities.drop = ["NET_RAW"]), "Pod/x container main: capabilities.drop must include ALL"],
    [
      "capability added",
      (s) => main(s).securityContext.capabilities.add.push("SYS_ADMIN"),
      "Pod/x container main: capabilities.add may only hold NET_BIND_SERVICE, not SYS_ADMIN",
    ],
    ["container runAsNonRoot false", (s) => (init(s).securityContext.runAsNonRoot = false), "Pod/x init container clone: runAsNonRoot must not be false"],
    ["pod runAsNonRoot false", (s) => (s.securityContext.runAsNonRoot = false), "Pod/x: runAsNonRoot must not be false"],
    [
      "runAsNonRoot at neither level",
      (s) => {
        delete s.securityContext.runAsNonRoot;
        delete main(s).securityContext.runAsNonRoot;
      },
      "Pod/x container main: runAsNonRoot must be true (in the container's or the pod's securityContext)",
    ],
    ["pod runAsUser 0", (s) => (s.securityContext.runAsUser = 0), "Pod/x: runAsUser must not be 0"],
    ["container runAsUser 0", (s) => (main(s).securityContext.runAsUser = 0), "Pod/x container main: runAsUser must not be 0"],
    [
      "pod seccomp Unconfined",
      (s) => (s.securityContext.seccompProfile.type = "Unconfined"),
      "Pod/x: seccompProfile.type must be RuntimeDefault or Localhost, not Unconfined",
    ],
    [
      "container seccomp Unconfined",
      (s) => (main(s).securityContext.seccompProfile = { type: "Unconfined" }),
      "Pod/x container main: seccompProfile.type must be RuntimeDefault or Localhost, not Unconfined",
    ],
    [
      "seccomp at neither level",
      (s) => {
        delete s.securityContext.seccompProfile;
        delete init(s).securityContext.seccompProfile;
      },
      "Pod/x init container clone: seccompProfile.type must be RuntimeDefault or Localhost (in the container's or the pod's securityContext)",
    ],
    ["hostNetwork", (s) => (s.hostNetwork = true), "Pod/x: hostNetwork must not be true"],
    ["hostPID", (s) => (s.hostPID = true), "Pod/x: hostPID must not be true"],
    ["hostIPC", (s) => (s.hostIPC = true), "Pod/x: hostIPC must not be true"],
    ["hostPort", (s) => (main(s).ports[0].hostPort = 8080), "Pod/x container main: hostPort must not be set (8080)"],
    ["hostPath volume", (s) => s.volumes.push({ name: "root", hostPath: { path: "/" } }), "Pod/x: volume root: hostPath volumes are not allowed"],
    ["nfs volume", (s) => s.volumes.push({ name: "share", nfs: { server: "nas", path: "/" } }), "Pod/x: volume share: nfs volumes are not allowed"],
    ["unsafe sysctl", (s) => s.securityContext.sysctls.push({ name: "kernel.msgmax", value: "1" }), "Pod/x: sysctl kernel.msgmax is not allowed"],
    ["procMount Unmasked", (s) => (main(s).securityContext.procMount = "Unmasked"), "Pod/x container main: procMount must be Default, not Unmasked"],
    [
      "pod AppArmor unconfined",
      (s) => (s.securityContext.appArmorProfile.type = "Unconfined"),
      "Pod/x: appArmorProfile.type must be RuntimeDefault or Localhost, not Unconfined",
    ],
    [
      "container AppArmor unconfined",
      (s) => (init(s).securityContext.appArmorProfile = { type: "Unconfined" }),
      "Pod/x init container clone: appArmorProfile.type must be RuntimeDefault or Localhost, not Unconfined",
    ],
    ["SELinux type", (s) => (s.securityContext.seLinuxOptions.type = "spc_t"), "Pod/x: seLinuxOptions.type spc_t is not allowed"],
    ["SELinux user", (s) => (main(s).securityContext.seLinuxOptions = { user: "system_u" }), "Pod/x container main: seLinuxOptions.user must not be set"],
    ["SELinux role", (s) => (main(s).securityContext.seLinuxOptions = { role: "system_r" }), "Pod/x container main: seLinuxOptions.role must not be set"],
    [
      "Windows host process",
      (s) => (main(s).securityContext.windowsOptions = { hostProcess: true }),
      "Pod/x container main: windowsOptions.hostProcess must not be true",
    ],
    ["probe host", (s) => (main(s).readinessProbe.httpGet.host = "10.0.0.1"), "Pod/x container main: readinessProbe.httpGet.host must not be set"],
    ["tcp probe host", (s) => (main(s).livenessProbe.tcpSocket.host = "metadata"), "Pod/x container main: livenessProbe.tcpSocket.host must not be set"],
    ["lifecycle host", (s) => (main(s).lifecycle.preStop.httpGet.host = "node"), "Pod/x container main: lifecycle.preStop.httpGet.host must not be set"],
  ];
  it.each(cases)("reports %s, and only that", (_name, mutate, violation) => {
    expect(restrictedViolations([mutated(mutate)])).toEqual([violation]);
  });

  it("reports AppArmor annotations that leave the runtime's profile", () => {
    const annotation = "container.apparmor.security.beta.kubernetes.io/main";
    expect(restrictedViolations([pod(compliantSpec(), { [annotation]: "runtime/default" })])).toEqual([]);
    expect(restrictedViolations([pod(compliantSpec(), { [annotation]: "localhost/custom" })])).toEqual([]);
    expect(restrictedViolations([pod(compliantSpec(), { [annotation]: "unconfined" })])).toEqual([
      `Pod/x: annotation ${annotation} must be runtime/default or localhost/*, not unconfined`,
    ]);
  });

  it("checks the pod template of every workload kind", () => {
    const template = () => {
      const spec = compliantSpec();
      spec.hostNetwork = true;
      return { metadata: { labels: { app: "x" } }, spec };
    };
    const workloads: KubeObject[] = [
      { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" }, spec: { template: template() } },
      { apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "s" }, spec: { template: template() } },
      { apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "ds" }, spec: { template: template() } },
      { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "rs" }, spec: { template: template() } },
      { apiVersion: "batch/v1", kind: "Job", metadata: { name: "j" }, spec: { template: template() } },
      { apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "cj" }, spec: { schedule: "@daily", jobTemplate: { spec: { template: template() } } } },
    ];
    expect(restrictedViolations(workloads)).toEqual([
      "Deployment/d: hostNetwork must not be true",
      "StatefulSet/s: hostNetwork must not be true",
      "DaemonSet/ds: hostNetwork must not be true",
      "ReplicaSet/rs: hostNetwork must not be true",
      "Job/j: hostNetwork must not be true",
      "CronJob/cj: hostNetwork must not be true",
    ]);
    expect(restrictedViolations([{ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "empty" }, spec: {} }])).toEqual([
      "Deployment/empty: has no pod spec to check",
    ]);
  });

  it("finds nothing in a project bundle, which runs no pods", () => {
    const project: ProjectDocument = {
      apiVersion: API_VERSION,
      kind: "Project",
      metadata: { name: "demo", createdAt: "2025-01-01T00:00:00.000Z", createdBy: "alice" },
      spec: { title: "Demo", lab: "imb", members: [{ login: "alice", role: "owner" }] },
    };
    for (const platform of [kubernetes, openshift]) {
      const objects = renderProjectBundle({ project, quota: { cpu: 4, memoryGiB: 16, gpu: 0, instances: 5, storageGiB: 50 }, platform });
      expect(restrictedViolations(objects)).toEqual([]);
    }
  });
});

// The catalog: every template, with its defaults and with hostile values, meets the profile.

type Schema = { type?: string; enum?: unknown[]; properties?: Record<string, Schema>; items?: Schema; minimum?: number; maximum?: number; default?: unknown };

const HOSTILE = [
  "0",
  "root",
  "privileged: true",
  "\n  hostNetwork: true",
  "--- \nkind: Pod",
  "../../etc",
  "x".repeat(5000),
  "",
  "https://example.org/repo.git",
];

/** Every leaf of a values schema, by path, with the values to try there. */
function leaves(schema: Schema, path: string[] = []): { path: string[]; candidates: unknown[] }[] {
  if (schema.type === "object" && schema.properties) {
    return Object.entries(schema.properties).flatMap(([key, child]) => leaves(child, [...path, key]));
  }
  if (schema.enum) return [{ path, candidates: schema.enum }];
  switch (schema.type) {
    case "string":
      return [{ path, candidates: HOSTILE }];
    case "boolean":
      return [{ path, candidates: [true, false] }];
    case "integer":
    case "number":
      return [{ path, candidates: [schema.minimum ?? 0, schema.maximum ?? 1_000_000] }];
    case "array":
      return [{ path, candidates: [[], ...HOSTILE.map((text) => (schema.items?.type === "string" ? [text] : text))] }];
    default:
      return [{ path, candidates: HOSTILE }];
  }
}

function withValue(base: Json, path: string[], value: unknown): Json {
  const values = structuredClone(base);
  let current = values;
  for (const key of path.slice(0, -1)) current = current[key] ??= {};
  current[path[path.length - 1] as string] = value;
  return values;
}

describe("the built-in catalog", () => {
  let templates: Template[] = [];
  beforeAll(async () => {
    templates = await builtInTemplates();
  });

  const renderOn = (template: Template, input: Json, platform: PlatformDocument, state: InstanceState = "running") =>
    renderInstance({
      template,
      values: resolveValues(template, input),
      project: "demo",
      instance: "app",
      state,
      platform,
      url: `https://app.demo.${platform.spec.domain}/`,
    });

  it("meets the restricted profile with default values, on both flavours", () => {
    expect(templates.length).toBeGreaterThanOrEqual(8);
    for (const template of templates) {
      // A git repository switches on the init containers that clone and install.
      const inputs: Json[] = [
        {},
        ...(leaves(template.valuesSchema as Schema).some((leaf) => leaf.path.join("/") === "git/repository")
          ? [{ git: { repository: "https://example.org/r.git" } }]
          : []),
      ];
      for (const platform of [kubernetes, openshift]) {
        for (const input of inputs) {
          for (const state of ["running", "stopped"] as const) {
            const objects = renderOn(template, input, platform, state);
            expect(
              objects.some((o) => o.kind === "Deployment"),
              template.spec.id,
            ).toBe(true);
            expect(restrictedViolations(objects), `${template.spec.id} ${JSON.stringify(input)} on ${platform.spec.flavour}`).toEqual([]);
          }
        }
      }
    }
  });

  it("would notice a rendering that left the profile", () => {
    const template = templates.find((t) => t.spec.id === "wordpress");
    if (!template) throw new Error("no wordpress template in the catalog");
    const objects = renderOn(template, {}, kubernetes) as Json[];
    const database = objects.find((o) => o.kind === "Deployment" && o.metadata.name === "app-db");
    if (!database) throw new Error("no database Deployment");
    database.spec.template.spec.containers[0].securityContext.runAsUser = 0;
    database.spec.template.spec.securityContext.sysctls = [{ name: "kernel.core_pattern", value: "|/x" }];
    expect(restrictedViolations(objects as KubeObject[])).toEqual([
      "Deployment/app-db: sysctl kernel.core_pattern is not allowed",
      "Deployment/app-db container db: runAsUser must not be 0",
    ]);
  });

  it("meets the restricted profile whatever values users give, on both flavours", () => {
    const failures: string[] = [];
    let rendered = 0;
    let refused = 0;
    for (const template of templates) {
      const schemaLeaves = leaves(template.valuesSchema as Schema);
      const bases: Json[] = [
        {},
        ...(schemaLeaves.some((leaf) => leaf.path.join("/") === "git/repository") ? [{ git: { repository: "https://example.org/r.git" } }] : []),
      ];
      for (const base of bases) {
        for (const { path, candidates } of schemaLeaves) {
          for (const candidate of candidates) {
            const input = withValue(base, path, candidate);
            for (const platform of [kubernetes, openshift]) {
              let objects: KubeObject[];
              try {
                objects = renderOn(template, input, platform);
              } catch (error) {
                // Values the template refuses never reach a cluster.
                if (error instanceof InputError) {
                  refused++;
                  continue;
                }
                throw error;
              }
              rendered++;
              for (const violation of restrictedViolations(objects))
                failures.push(`${template.spec.id} /${path.join("/")}=${JSON.stringify(candidate).slice(0, 40)}: ${violation}`);
            }
          }
        }
      }
    }
    expect(failures).toEqual([]);
    // The fuzzing did render many variants, and the schemas did refuse the hostile ones.
    expect(rendered).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(100);
  });
});
