import { describe, expect, it } from "vitest";
import type { KubeObject } from "../render/kube.js";
import { limitRangeRules } from "../render/project-bundle.js";
import { recordedAsks, renderedAddress, renderedHost, renderedInstance } from "./rendered-instance.js";

const ingress = (name: string, ...hosts: unknown[]): KubeObject => ({
  apiVersion: "networking.k8s.io/v1",
  kind: "Ingress",
  metadata: { name },
  spec: { rules: hosts.map((host) => (host === undefined ? {} : { host })) },
});
const route = (name: string, host?: unknown): KubeObject => ({
  apiVersion: "route.openshift.io/v1",
  kind: "Route",
  metadata: { name },
  spec: { ...(host !== undefined ? { host } : {}), to: { kind: "Service", name } },
});
const statefulSet = (name: string, containers: Record<string, unknown>[], extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "StatefulSet",
  metadata: { name },
  spec: { template: { spec: { containers } }, ...extra },
});

describe("renderedHost", () => {
  it("is the first host of the Routes and Ingresses by name, whatever order Helm printed them in", () => {
    const objects = [ingress("nb-sparkui", "spark.demo.example.org"), ingress("nb", "nb.demo.example.org", "other.example.org")];
    expect(renderedHost(objects)).toBe("nb.demo.example.org");
    expect(renderedHost([...objects].reverse())).toBe("nb.demo.example.org");
    expect(renderedHost([route("nb", "nb.apps.example.org"), ingress("nb", "nb.demo.example.org")])).toBe("nb.demo.example.org");
    expect(renderedHost([route("a", "a.apps.example.org"), ingress("b", "b.demo.example.org")])).toBe("a.apps.example.org");
  });

  it("passes over a Route without a host, a rule without one, a wildcard and what is no DNS name", () => {
    expect(renderedHost([route("a"), ingress("b", undefined, "*.example.org", "Bad_Host", "x.example.org:443", "c.example.org")])).toBe("c.example.org");
    expect(renderedHost([ingress("a", "a".repeat(254))])).toBeUndefined();
  });

  it("is within the platform's domain when one is given: a host the values point elsewhere is passed over", () => {
    const objects = [ingress("a", "plateau.example.org"), ingress("b", "evil.apps.example.org.attacker.net", "apps.example.org", "nb.apps.example.org")];
    expect(renderedHost(objects, "apps.example.org")).toBe("nb.apps.example.org");
    expect(renderedHost(objects)).toBe("plateau.example.org");
    expect(renderedHost([ingress("a", "plateau.example.org")], "apps.example.org")).toBeUndefined();
  });

  it("is none when the objects route nothing (a database)", () => {
    expect(
      renderedHost([statefulSet("db", [{ name: "db" }]), { apiVersion: "v1", kind: "Service", metadata: { name: "db" }, spec: { host: "x.org" } }]),
    ).toBeUndefined();
  });
});

describe("renderedInstance", () => {
  it("records every pod's requests × replicas, the storage of every claim, the largest pod and the host", () => {
    const objects = [
      statefulSet("db", [{ name: "db", resources: { requests: { cpu: "2", memory: "4Gi" }, limits: { memory: "8Gi" } } }], {
        replicas: 2,
        volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { resources: { requests: { storage: "10Gi" } } } }],
      }),
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "ui" },
        spec: {
          template: {
            spec: {
              containers: [{ name: "ui", resources: { requests: { cpu: "500m", memory: "512Mi", "nvidia.com/gpu": "1" }, limits: { "nvidia.com/gpu": "1" } } }],
            },
          },
        },
      },
      { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "shared" }, spec: { resources: { requests: { storage: "5Gi" } } } },
      ingress("ui", "ui.demo.example.org"),
    ] as KubeObject[];
    expect(renderedInstance(objects)).toEqual({
      requests: { cpu: 4.5, memoryGiB: 8.5, gpu: 1, storageGiB: 25 },
      largestPod: { cpu: 0.5, memoryGiB: 0.5, gpu: 1 },
      host: "ui.demo.example.org",
    });
  });

  it("counts a container without requests with the LimitRange's defaults, and records no host when there is none", () => {
    const objects = [statefulSet("db", [{ name: "db" }])];
    const defaults = limitRangeRules();
    const { defaultRequest } = defaults;
    expect(renderedInstance(objects, { defaults })).toEqual({
      requests: { cpu: defaultRequest.cpu, memoryGiB: defaultRequest.memoryGiB, gpu: 0, storageGiB: 0 },
      largestPod: { cpu: defaultRequest.cpu, memoryGiB: defaultRequest.memoryGiB, gpu: 0 },
    });
    expect(renderedInstance(objects)).not.toHaveProperty("host");
  });
});

describe("recordedAsks and renderedAddress", () => {
  const rendered = { requests: { cpu: 3, memoryGiB: 6, gpu: 1, storageGiB: 20 }, largestPod: { cpu: 2, memoryGiB: 4, gpu: 1 }, host: "a.example.org" };

  it("counts the record while running; stopped, only its storage and its place", () => {
    expect(recordedAsks(rendered, true)).toEqual({ cpu: 3, memoryGiB: 6, gpu: 1, instances: 1, storageGiB: 20 });
    expect(recordedAsks(rendered, false)).toEqual({ cpu: 0, memoryGiB: 0, gpu: 0, instances: 1, storageGiB: 20 });
  });

  it("is reached over HTTPS at its host, or nowhere", () => {
    expect(renderedAddress(rendered)).toBe("https://a.example.org/");
    const { host: _host, ...none } = rendered;
    expect(renderedAddress(none)).toBeNull();
  });
});
