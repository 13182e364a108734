import { describe, expect, it } from "vitest";
import { resolveValues } from "../catalog/values.js";
import { localPlatform, openshiftPlatform, webWithDatabase } from "../testing/fixtures.js";
import { fromYamlStream } from "../yaml.js";
import { wantsToRun, type KubeObject } from "./kube.js";
import { renderInstance, renderNamespace, toManifestFiles, toManifestStream, type RenderInput } from "./render.js";

const input = (values: Record<string, unknown> = {}, overrides: Partial<RenderInput> = {}): RenderInput => ({
  template: webWithDatabase,
  values: resolveValues(webWithDatabase, values),
  project: "demo",
  instance: "hello",
  state: "running",
  platform: localPlatform,
  url: "http://hello.demo.localhost:8080/",
  ...overrides,
});
const find = (objects: KubeObject[], kind: string, name: string) => {
  const object = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!object) throw new Error(`no ${kind} ${name} in ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(", ")}`);
  return object as KubeObject & { spec: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any -- test navigation into nested manifests
};

describe("renderInstance", () => {
  it("renders every component as Deployment and Service, with an Ingress for the exposed port", () => {
    const objects = renderInstance(input());
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      "Deployment/hello",
      "Deployment/hello-db",
      "Ingress/hello",
      "PersistentVolumeClaim/hello-data",
      "Service/hello",
      "Service/hello-db",
    ]);
    for (const object of objects) {
      expect(object.metadata.namespace).toBe("demo");
      expect(object.metadata.labels).toMatchObject({
        "app.kubernetes.io/managed-by": "plateau",
        "app.kubernetes.io/instance": "hello",
        "plateau.io/project": "demo",
      });
    }
    const ingress = find(objects, "Ingress", "hello");
    expect(ingress.spec.rules[0].host).toBe("hello.demo.localhost");
    expect(ingress.spec.rules[0].http.paths[0].backend.service).toEqual({ name: "hello", port: { name: "http" } });
  });

  it("evaluates expressions into typed fields and refers to generated secrets by name", () => {
    const objects = renderInstance(input({ greeting: "bonjour", storage: 12 }));
    const pod = find(objects, "Deployment", "hello").spec.template.spec;
    const main = pod.containers[0];
    expect(main.image).toBe("web:1");
    expect(main.args).toEqual(["--greeting", "bonjour"]);
    expect(main.env).toEqual([
      { name: "DB_HOST", value: "hello-db:5432" },
      { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "hello-generated", key: "db-password" } } },
      { name: "PUBLIC_URL", value: "http://hello.demo.localhost:8080/" },
    ]);
    expect(pod.initContainers).toBeUndefined();
    expect(find(objects, "PersistentVolumeClaim", "hello-data").spec.resources.requests.storage).toBe("12Gi");
  });

  it("includes conditional items only when their value is set (when), or not set (unless)", () => {
    const objects = renderInstance(input({ git: "https://example.org/site.git" }));
    const pod = find(objects, "Deployment", "hello").spec.template.spec;
    expect(pod.initContainers[0].args).toEqual(["clone", "--", "https://example.org/site.git", "/data/app"]);
    expect(pod.containers[0].env.map((e: { name: string }) => e.name)).toContain("GIT_URL");
    expect(pod.containers[0].volumeMounts.map((m: { mountPath: string }) => m.mountPath)).toEqual(["/data", "/tmp"]);
    const withoutGit = find(renderInstance(input()), "Deployment", "hello").spec.template.spec;
    expect(withoutGit.containers[0].volumeMounts.map((m: { mountPath: string }) => m.mountPath)).toEqual(["/data", "/tmp", "/srv"]);
  });

  it("expands a list value into one argument per item ($each)", () => {
    const args = (values: Record<string, unknown>) => find(renderInstance(input(values)), "Deployment", "hello").spec.template.spec.containers[0].args;
    expect(args({ extraArgs: ["--a", "b c", "$(HOME); rm -rf /"] })).toEqual(["--greeting", "hello", "--a", "b c", "$(HOME); rm -rf /"]);
    expect(args({})).toEqual(["--greeting", "hello"]);
  });

  it("meets the restricted Pod Security profile in every container", () => {
    for (const object of renderInstance(input({ git: "https://example.org/x.git" }))) {
      if (object.kind !== "Deployment") continue;
      const pod = (object as any).spec.template.spec; // eslint-disable-line @typescript-eslint/no-explicit-any -- nested manifest
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
      for (const container of [...pod.containers, ...(pod.initContainers ?? [])]) {
        expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, runAsNonRoot: true });
      }
    }
  });

  it("uses the size preset for resources, GPUs included", () => {
    const small = find(renderInstance(input()), "Deployment", "hello").spec.template.spec.containers[0].resources;
    expect(small).toEqual({ requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "128Mi" } });
    const large = find(renderInstance(input({ size: "large" })), "Deployment", "hello").spec.template.spec.containers[0].resources;
    expect(large.requests["nvidia.com/gpu"]).toBe("1");
  });

  it("scales to zero when stopped, keeping the volumes", () => {
    const objects = renderInstance(input({}, { state: "stopped" }));
    expect(find(objects, "Deployment", "hello").spec.replicas).toBe(0);
    expect(objects.some((o) => o.kind === "PersistentVolumeClaim")).toBe(true);
    expect(wantsToRun(objects)).toBe(false);
    expect(wantsToRun(renderInstance(input()))).toBe(true);
  });

  it("exposes through a Route on OpenShift", () => {
    const objects = renderInstance(input({}, { platform: openshiftPlatform }));
    expect(objects.some((o) => o.kind === "Ingress")).toBe(false);
    const route = find(objects, "Route", "hello");
    expect(route.spec).toMatchObject({ host: "hello.demo.apps.example.org", to: { kind: "Service", name: "hello" }, port: { targetPort: "http" } });
  });

  it("is deterministic byte for byte, with sorted keys", () => {
    const a = toManifestFiles(renderInstance(input({ greeting: "x" })));
    const b = toManifestFiles(renderInstance(input({ greeting: "x" })));
    expect(a).toEqual(b);
    expect(a.map((f) => f.name)).toEqual([...a.map((f) => f.name)].sort());
    const deployment = a.find((f) => f.name === "deployment-hello.yaml")?.content ?? "";
    expect(deployment.indexOf("apiVersion:")).toBeLessThan(deployment.indexOf("kind:"));
    expect(deployment.indexOf("kind:")).toBeLessThan(deployment.indexOf("metadata:"));
    expect(deployment).not.toMatch(/[&*]\w+/); // no anchors or aliases
  });

  it("renders a namespace labelled for the restricted profile", () => {
    const [namespace] = renderNamespace("demo");
    expect(namespace?.metadata.labels?.["pod-security.kubernetes.io/enforce"]).toBe("restricted");
  });

  it("never lets a value change the structure of the documents", () => {
    const baseline = fromYamlStream(toManifestStream(renderInstance(input({ greeting: "plain" }))), "baseline") as KubeObject[];
    const shape = (objects: KubeObject[]) => objects.map((o) => `${o.kind}/${o.metadata.name}:${JSON.stringify(keysOf(o))}`);
    const hostile = [
      "line\nbreak",
      "---\nkind: Secret",
      "key: value",
      "!!python/object:os.system",
      "&anchor [a, *anchor]",
      "*alias",
      "'quote\"",
      "# comment",
      "{a: 1}",
      "- item",
      "|\n  block",
      "x".repeat(100_000),
      "\u2028\u2029\ufeff",
      "%YAML 1.1",
      "... end",
    ];
    for (const greeting of hostile) {
      const text = toManifestStream(renderInstance(input({ greeting })));
      const objects = fromYamlStream(text, "fuzz") as KubeObject[];
      expect(shape(objects)).toEqual(shape(baseline));
      const container = (objects.find((o) => o.kind === "Deployment" && o.metadata.name === "hello") as any).spec.template.spec.containers[0]; // eslint-disable-line @typescript-eslint/no-explicit-any -- nested manifest
      expect(container.args).toEqual(["--greeting", greeting]);
    }
  });
});

function keysOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(keysOf);
  if (typeof value === "object" && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, typeof v === "object" ? keysOf(v) : typeof v]));
  return typeof value;
}
