import { describe, expect, it } from "vitest";
import type { KubeObject } from "../render/kube.js";
import { parseQuantity } from "../tenancy/quota.js";
import { instanceAsks, renderedAsks } from "./rendered-asks.js";

type Json = Record<string, unknown>;

const container = (name: string, requests?: Json, limits?: Json, extra: Json = {}): Json => ({
  name,
  image: "x",
  ...(requests || limits ? { resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) } } : {}),
  ...extra,
});
const workload = (kind: string, name: string, pod: Json, spec: Json = {}): KubeObject => ({
  apiVersion: kind === "Job" || kind === "CronJob" ? "batch/v1" : "apps/v1",
  kind,
  metadata: { name },
  spec: kind === "CronJob" ? { schedule: "@daily", jobTemplate: { spec: { template: { spec: pod }, ...spec } } } : { ...spec, template: { spec: pod } },
});

describe("parseQuantity", () => {
  it.each([
    ["1", 1],
    [2, 2],
    ["0.5", 0.5],
    [".5", 0.5],
    ["5.", 5],
    ["+2", 2],
    ["-1", -1],
    ["500m", 0.5],
    ["1k", 1000],
    ["1M", 1e6],
    ["2G", 2e9],
    ["1T", 1e12],
    ["1P", 1e15],
    ["1E", 1e18],
    ["1Ki", 1024],
    ["1Mi", 1024 ** 2],
    ["1.5Gi", 1.5 * 1024 ** 3],
    ["2Ti", 2 * 1024 ** 4],
    ["1Pi", 1024 ** 5],
    ["1Ei", 1024 ** 6],
    ["1e3", 1000],
    ["1E3", 1000],
    ["12e-3", 0.012],
    ["1e+2", 100],
    ["129e6", 129e6],
  ])("reads %j as %s", (text, value) => {
    expect(parseQuantity(text)).toBeCloseTo(value, 9);
  });

  it.each(["", "Gi", "1Xi", "1 Gi", "1gi", "1KI", "1e", "1.2.3", "0x10", "1mi", "e3", "1Gi ", null, undefined, true, Number.NaN, Number.POSITIVE_INFINITY, {}])(
    "refuses %j",
    (text) => {
      expect(parseQuantity(text)).toBeUndefined();
    },
  );
});

describe("renderedAsks", () => {
  it("counts a jupyter-python-like StatefulSet: its request, 50Gi limit, a volume claim template and a sidecar-free init container", () => {
    const nb = workload(
      "StatefulSet",
      "nb",
      {
        initContainers: [container("make-home", { cpu: "50m", memory: "64Mi" }, { memory: "64Mi" })],
        containers: [container("jupyter", { cpu: "100m", memory: "2Gi" }, { cpu: "30000m", memory: "50Gi" })],
        securityContext: {},
      },
      { volumeClaimTemplates: [{ metadata: { name: "home" }, spec: { resources: { requests: { storage: "10Gi" } } } }] },
    );
    const asks = renderedAsks([nb]);
    expect(asks.pods).toHaveLength(1);
    expect(asks.pods[0]).toMatchObject({
      object: "StatefulSet/nb",
      replicas: 1,
      requests: { cpu: 0.1, memoryGiB: 2, gpu: 0 },
      limits: { cpu: 30, memoryGiB: 50, gpu: 0 },
    });
    expect(asks.requests).toEqual({ cpu: 0.1, memoryGiB: 2, gpu: 0, instances: 1, storageGiB: 10 });
    expect(asks.limits).toEqual({ cpu: 30, memoryGiB: 50, gpu: 0 });
    expect(asks.claims).toEqual([{ object: "StatefulSet/nb claim home", storageGiB: 10 }]);
    expect(asks.largestPod).toEqual({ cpu: 0.1, memoryGiB: 2, gpu: 0 });
  });

  it("takes the larger of the init phase and the containers, per resource, and sidecars beside both", () => {
    const pod: KubeObject = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p" },
      spec: {
        initContainers: [
          container("big-init", { cpu: "2", memory: "1Gi" }),
          container("proxy", { cpu: "100m", memory: "128Mi" }, undefined, { restartPolicy: "Always" }),
          container("after-proxy", { cpu: "1", memory: "3Gi" }),
        ],
        containers: [container("a", { cpu: "500m", memory: "1Gi" }), container("b", { cpu: "250m", memory: "512Mi" })],
      },
    };
    // cpu: init phase max(2, 0.1 + 1) = 2 > containers 0.75 + sidecar 0.1; memory: max(1, 0.125 + 3) = 3.125 > 1.5 + 0.125.
    expect(renderedAsks([pod]).pods[0]?.requests).toEqual({ cpu: 2, memoryGiB: 3.125, gpu: 0 });
    // Without the sidecar flag the proxy would be just another init container.
    const withoutSidecar = structuredClone(pod);
    delete ((withoutSidecar.spec as Json).initContainers as Json[])[1]!.restartPolicy;
    expect(renderedAsks([withoutSidecar]).pods[0]?.requests).toEqual({ cpu: 2, memoryGiB: 3, gpu: 0 });
    // Sidecars run beside the containers too: 1 (sidecar) + 1 (container) = 2 > the 1.5 init container.
    const sidecar: KubeObject = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "s" },
      spec: {
        initContainers: [container("proxy", { cpu: "1" }, undefined, { restartPolicy: "Always" }), container("migrate", { cpu: "500m" })],
        containers: [container("app", { cpu: "1" })],
      },
    };
    expect(renderedAsks([sidecar]).pods[0]?.requests.cpu).toBe(2);
    // Containers larger than any init container win.
    const small = workload("Deployment", "d", {
      initContainers: [container("i", { cpu: "1" })],
      containers: [container("a", { cpu: "1" }), container("b", { cpu: "1" })],
    });
    expect(renderedAsks([small]).pods[0]?.requests.cpu).toBe(2);
  });

  it("defaults a request absent to the limit, then to the LimitRange's defaults", () => {
    const objects = [
      workload("Deployment", "d", { containers: [container("limited", undefined, { cpu: "2", memory: "4Gi", "nvidia.com/gpu": 1 }), container("bare")] }),
    ];
    expect(renderedAsks(objects).pods[0]?.requests).toEqual({ cpu: 2, memoryGiB: 4, gpu: 1 });
    const defaulted = renderedAsks(objects, { defaultRequest: { cpu: 0.1, memoryGiB: 0.25 }, default: { memoryGiB: 0.25 } });
    expect(defaulted.pods[0]?.requests).toEqual({ cpu: 2.1, memoryGiB: 4.25, gpu: 1 });
    expect(defaulted.pods[0]?.limits).toEqual({ cpu: 2, memoryGiB: 4.25, gpu: 1 });
    // The bare container has no CPU limit even with the defaults: the pod is unbounded in CPU.
    expect(defaulted.pods[0]?.unlimited).toEqual(["cpu"]);
    expect(defaulted.pods[0]?.containers[1]).toMatchObject({ stated: { requests: [], limits: [] }, requests: { cpu: 0.1, memoryGiB: 0.25 } });
    expect(renderedAsks(objects).pods[0]?.unlimited).toEqual(["cpu", "memoryGiB"]);
  });

  it("multiplies by replicas: absent is 1, 0 when scaled down or suspended; storage of a stopped StatefulSet stays", () => {
    const pod = { containers: [container("c", { cpu: "1", memory: "1Gi" })] };
    const claim = { volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { resources: { requests: { storage: "5Gi" } } } }] };
    const cases: [KubeObject, number][] = [
      [workload("Deployment", "d", pod), 1],
      [workload("Deployment", "d3", pod, { replicas: 3 }), 3],
      [workload("Deployment", "d0", pod, { replicas: 0 }), 0],
      [workload("StatefulSet", "s2", pod, { replicas: 2, ...claim }), 2],
      [workload("ReplicaSet", "rs", pod, { replicas: 2 }), 2],
      [workload("Job", "j", pod, { parallelism: 4 }), 4],
      [workload("Job", "js", pod, { suspend: true }), 0],
      [workload("CronJob", "cj", pod), 1],
      [{ ...workload("CronJob", "cjs", pod), spec: { suspend: true, schedule: "@daily", jobTemplate: { spec: { template: { spec: pod } } } } }, 0],
      [{ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: pod }, 1],
    ];
    for (const [object, replicas] of cases) {
      const asks = renderedAsks([object]);
      expect(asks.pods[0]?.replicas, object.metadata.name).toBe(replicas);
      expect(asks.requests.cpu, object.metadata.name).toBe(replicas);
      expect(asks.requests.memoryGiB, object.metadata.name).toBe(replicas);
    }
    expect(renderedAsks([workload("StatefulSet", "s2", pod, { replicas: 2, ...claim })]).requests.storageGiB).toBe(10);
    expect(renderedAsks([workload("StatefulSet", "s0", pod, { replicas: 0, ...claim })]).requests.storageGiB).toBe(5);
  });

  it("sums claims, and a database sub-chart's pods like the chart's own", () => {
    const objects: KubeObject[] = [
      workload("StatefulSet", "app-postgresql", { containers: [container("postgresql", { cpu: "250m", memory: "256Mi" }, { memory: "512Mi" })] }),
      workload("Deployment", "app", { containers: [container("web", { cpu: "1", memory: "1Gi" }, { memory: "2Gi" })] }),
      { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "data" }, spec: { resources: { requests: { storage: "8Gi" } } } },
      { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "cache" }, spec: { resources: { requests: { storage: "512Mi" } } } },
      { apiVersion: "v1", kind: "Service", metadata: { name: "app" }, spec: {} },
    ];
    const asks = renderedAsks(objects);
    expect(asks.requests).toEqual({ cpu: 1.25, memoryGiB: 1.25, gpu: 0, instances: 1, storageGiB: 8.5 });
    expect(asks.limits).toEqual({ cpu: 0, memoryGiB: 2.5, gpu: 0 });
    expect(asks.largestPod).toEqual({ cpu: 1, memoryGiB: 1, gpu: 0 });
  });

  it("picks the GPU pod as the largest, whatever the others' memory", () => {
    const objects = [
      workload("Deployment", "db", { containers: [container("db", { cpu: "4", memory: "16Gi" })] }),
      workload("Deployment", "gpu", { containers: [container("torch", { cpu: "1", memory: "8Gi" }, { "nvidia.com/gpu": "1" })] }),
    ];
    expect(renderedAsks(objects).largestPod).toEqual({ cpu: 1, memoryGiB: 8, gpu: 1 });
  });

  it("lists the quantities the API server would refuse", () => {
    const objects: KubeObject[] = [
      workload("Deployment", "d", { containers: [container("c", { cpu: "lots", memory: "-1Gi", "nvidia.com/gpu": "0.5" })] }),
      { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "p" }, spec: { resources: { requests: { storage: "10 GB" } } } },
    ];
    expect(renderedAsks(objects).invalid).toEqual([
      { object: "Deployment/d", path: "spec.containers[0].resources.requests.cpu", value: "lots" },
      { object: "Deployment/d", path: "spec.containers[0].resources.requests.memory", value: "-1Gi" },
      { object: "Deployment/d", path: "spec.containers[0].resources.requests.nvidia.com/gpu", value: "0.5" },
      { object: "PersistentVolumeClaim/p", path: "spec.resources.requests.storage", value: "10 GB" },
    ]);
  });

  it("gives quotas and placement the shape helmResources gave, a stopped instance keeping its storage only", () => {
    const objects: KubeObject[] = [
      workload("Deployment", "app", { containers: [container("web", { cpu: "2", memory: "4Gi" }, { "nvidia.com/gpu": "1" })] }),
      { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "data" }, spec: { resources: { requests: { storage: "20Gi" } } } },
    ];
    expect(instanceAsks(objects, true)).toEqual({
      total: { cpu: 2, memoryGiB: 4, gpu: 1, instances: 1, storageGiB: 20 },
      largestPod: { cpu: 2, memoryGiB: 4, gpu: 1 },
    });
    expect(instanceAsks(objects, false)).toEqual({
      total: { cpu: 0, memoryGiB: 0, gpu: 0, instances: 1, storageGiB: 20 },
      largestPod: { cpu: 2, memoryGiB: 4, gpu: 1 },
    });
  });
});
