import { describe, expect, it } from "vitest";
import { resolveValues } from "../../core/catalog/values.js";
import type { KubeObject } from "../../core/render/kube.js";
import { renderInstance } from "../../core/render/render.js";
import { localPlatform, webWithDatabase } from "../../core/testing/fixtures.js";
import { adaptForPodman, claimsOf, hostNames, LEGACY_NAMES, RefusedManifestError, unsafeFeatures } from "./adapt.js";

const rendered = (state: "running" | "stopped" = "running", values: Record<string, unknown> = {}) =>
  renderInstance({
    template: webWithDatabase,
    values: resolveValues(webWithDatabase, values),
    project: "demo",
    instance: "hello",
    state,
    platform: localPlatform,
    url: "http://hello.demo.localhost:8080/",
  });
const secrets = { "hello-generated": { "db-password": "pw" } };
const adapt = (objects: KubeObject[]) =>
  adaptForPodman({ installation: "inst01", project: "demo", instance: "hello", hash: "abc", objects, secrets, hostPort: 41000 });
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- navigating a generated pod spec
const podSpec = (plan: ReturnType<typeof adapt>) => plan.pod.spec as any;

describe("adaptForPodman", () => {
  it("runs every component in one pod, reaching each other's Services on localhost", () => {
    const plan = adapt(rendered());
    expect(plan.podName).toBe("plateau-inst01.demo.hello");
    // The pod's name is too long for a host name: the instance's is used (as on a cluster).
    expect(podSpec(plan).hostname).toBe("hello");
    const spec = podSpec(plan);
    expect(spec.containers.map((c: { name: string }) => c.name)).toEqual(["main", "db"]);
    expect(spec.hostAliases).toEqual([{ ip: "127.0.0.1", hostnames: ["hello", "hello-db"] }]);
    expect(plan.images).toEqual(["postgres:16", "web:1"]);
  });

  it("publishes only the exposed port, on loopback, and labels the pod with its hash and endpoint", () => {
    const plan = adapt(rendered());
    const [main, db] = podSpec(plan).containers;
    expect(main.ports).toEqual([{ containerPort: 8080, hostPort: 41000, hostIP: "127.0.0.1", protocol: "TCP" }]);
    expect(db.ports).toEqual([{ containerPort: 5432, protocol: "TCP" }]);
    expect(plan.exposedPort).toBe(8080);
    expect(plan.readinessPath).toBe("/healthz");
    expect(plan.pod.metadata.labels).toEqual({
      "plateau.io/managed": "true",
      "plateau.io/installation": "inst01",
      "plateau.io/project": "demo",
      "plateau.io/instance": "hello",
      "plateau.io/hash": "abc",
      "plateau.io/endpoint": "127.0.0.1:41000",
      "plateau.io/readiness": "/healthz",
    });
  });

  it("maps claims to named host volumes and generated secrets to a podman secret", () => {
    const plan = adapt(rendered());
    expect(plan.volumes).toEqual(["plateau-inst01.demo.hello-data"]);
    expect(podSpec(plan).volumes).toEqual([
      { name: "main-data", persistentVolumeClaim: { claimName: "plateau-inst01.demo.hello-data" } },
      { name: "plateau-inst01.demo.hello.main-tmp", emptyDir: {} },
    ]);
    expect(plan.secret).toEqual({ name: "plateau-inst01.demo.hello-generated", data: { "db-password": "pw" } });
    const env = podSpec(plan).containers[0].env;
    expect(env).toContainEqual({ name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "plateau-inst01.demo.hello-generated", key: "db-password" } } });
    expect(JSON.stringify(plan.pod)).not.toContain('"pw"');
  });

  it("names everything after the installation, and uses an adopted volume for its claim when told", () => {
    expect(hostNames("inst01").network("demo")).toBe("plateau-inst01.demo");
    expect(LEGACY_NAMES.pod("demo", "hello")).toBe("plateau.demo.hello");
    expect(() => hostNames("Bad.Id")).toThrow(/invalid installation id/);
    expect(claimsOf(rendered())).toEqual(["hello-data"]);
    expect(claimsOf(rendered("stopped"))).toEqual(["hello-data"]);
    const plan = adaptForPodman({
      installation: "inst01",
      project: "demo",
      instance: "hello",
      hash: "abc",
      objects: rendered(),
      secrets,
      hostPort: 41000,
      volumeNames: { "hello-data": "plateau.demo.hello-data" },
    });
    expect(plan.volumes).toEqual(["plateau.demo.hello-data"]);
    expect(podSpec(plan).volumes[0]).toEqual({ name: "main-data", persistentVolumeClaim: { claimName: "plateau.demo.hello-data" } });
  });

  it("keeps the restricted security settings of each container", () => {
    for (const container of podSpec(adapt(rendered())).containers) {
      expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, runAsNonRoot: true });
    }
  });

  it("runs nothing for a stopped instance but still names its volumes", () => {
    const plan = adapt(rendered("stopped"));
    expect(plan.stopped).toBe(true);
    expect(podSpec(plan).containers).toEqual([]);
    expect(plan.volumes).toEqual(["plateau-inst01.demo.hello-data"]);
  });

  it("refuses host access with a clear reason", () => {
    const objects = rendered();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- editing a generated manifest
    const pod = (objects.find((o) => o.kind === "Deployment") as any).spec.template.spec;
    pod.hostPID = true;
    pod.volumes.push({ name: "docker", hostPath: { path: "/var/run/docker.sock" } });
    pod.containers[0].securityContext.privileged = true;
    pod.containers[0].securityContext.capabilities.add = ["SYS_ADMIN"];
    pod.containers[0].ports[0].hostPort = 80;
    expect(unsafeFeatures(objects)).toEqual([
      "Deployment hello: hostPID is not allowed",
      'Deployment hello: hostPath volume "docker" is not allowed',
      "Deployment hello container main: privileged is not allowed",
      "Deployment hello container main: adding capabilities is not allowed",
      "Deployment hello container main: hostPort is not allowed",
    ]);
    expect(() => adapt(objects)).toThrow(RefusedManifestError);
  });

  it("refuses kinds it cannot run and secrets it does not manage", () => {
    expect(() => adapt([...rendered(), { apiVersion: "batch/v1", kind: "Job", metadata: { name: "x" } }])).toThrow(/Job x: this kind is not supported/);
    const objects = rendered();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- editing a generated manifest
    (objects.find((o) => o.kind === "Deployment") as any).spec.template.spec.containers[0].env.push({
      name: "X",
      valueFrom: { secretKeyRef: { name: "someone-else", key: "k" } },
    });
    expect(() => adapt(objects)).toThrow(/secret that Plateau does not manage/);
  });

  it("ignores cluster policies that mean nothing on one machine", () => {
    const objects = [...rendered(), { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "deny" } }];
    expect(() => adapt(objects)).not.toThrow();
  });
});
