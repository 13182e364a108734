import { describe, expect, it } from "vitest";
import { toYaml } from "../../core/yaml.js";
import { adaptForPodman } from "./adapt.js";
import { asksOfPodFile, podUsages, workingSetBytes, type ContainerStats, type InspectedContainer } from "./usage.js";

const labels = (project: string, instance: string, installation = "inst01") => ({
  "plateau.io/managed": "true",
  "plateau.io/installation": installation,
  "plateau.io/project": project,
  "plateau.io/instance": instance,
  "plateau.io/hash": "abc",
});

/** As `podman container inspect` describes the containers of a pod played by the engine. */
const container = (
  id: string,
  name: string,
  pod: string,
  containerLabels: Record<string, string> | null,
  extra: Partial<InspectedContainer> = {},
): InspectedContainer => ({
  Id: id,
  Name: name,
  Pod: pod,
  IsInfra: false,
  RestartCount: 0,
  State: { Running: true, CgroupPath: `/libpod_parent/${pod}/libpod-${id}` },
  Config: { Labels: containerLabels },
  ...extra,
});

const stats = (id: string, cpuNano: number, memUsage: number, netIn: number, netOut: number): [string, ContainerStats] => [
  id,
  { ContainerID: id, CPUNano: cpuNano, MemUsage: memUsage, NetInput: netIn, NetOutput: netOut },
];

describe("what a pod's containers ask, from the pod file the engine played", () => {
  it("reads each container's requests and limits in cores, bytes and GPUs; init containers ask nothing while it runs", () => {
    const objects = [
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "site", labels: { "app.kubernetes.io/component": "main" } },
        spec: {
          template: {
            spec: {
              initContainers: [{ name: "clone", image: "git", resources: { requests: { cpu: "1" } } }],
              containers: [
                {
                  name: "main",
                  image: "web",
                  resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "128Mi", "nvidia.com/gpu": "1" } },
                },
                { name: "sidecar", image: "web" },
              ],
            },
          },
        },
      },
    ];
    const plan = adaptForPodman({ installation: "inst01", project: "demo", instance: "site", hash: "abc", objects, secrets: {}, hostPort: 41000 });
    const asks = asksOfPodFile(toYaml(plan.pod), "pod.yaml");
    expect(Object.fromEntries(asks)).toEqual({
      main: { requests: { cpu: 0.05, memory: 64 * 1024 ** 2 }, limits: { cpu: 0.5, memory: 128 * 1024 ** 2, gpu: 1 } },
      sidecar: { requests: {}, limits: {} },
    });
  });
});

describe("the working set", () => {
  it("is the usage less the inactive file pages (cgroup v1 and v2), never below zero", () => {
    expect(workingSetBytes(1_000_000, "cache 4096\ntotal_inactive_file 300000\ninactive_file 1\n", 1)).toBe(700_000);
    expect(workingSetBytes(1_000_000, "anon 1\ninactive_file 250000\n", 2)).toBe(750_000);
    expect(workingSetBytes(1000, "total_inactive_file 5000\n", 1)).toBe(0);
    expect(workingSetBytes(1000, "", 1)).toBe(1000);
  });
});

describe("pods from what podman says", () => {
  const pod = "plateau-inst01.demo.site";
  const containers = [
    container("c1", `${pod}-main`, "p1", labels("demo", "site"), { RestartCount: 2 }),
    container("c2", `${pod}-db`, "p1", labels("demo", "site")),
    container("c3", "plateau-inst01.physics.lab-main", "p2", labels("physics", "lab"), { State: { Running: false } }),
    // Another installation's pod, a container podman runs for someone else, and a pod's pause container.
    container("x1", "plateau-other.demo.site-main", "p3", labels("demo", "site", "other")),
    container("x2", "postgres", "p4", null),
    container("i1", "p1-infra", "p1", labels("demo", "site"), { IsInfra: true }),
  ];
  const counters = new Map([
    stats("c1", 2_500_000_000, 9000, 100, 200),
    stats("c2", 500_000_000, 5000, 100, 200),
    stats("c3", 0, 0, 0, 0),
    stats("x1", 7e9, 1, 1, 1),
  ]);

  it("groups this installation's containers by pod, names them by component, and counts in seconds and bytes", () => {
    const usages = podUsages({
      installation: "inst01",
      containers,
      stats: counters,
      workingSets: new Map([["c1", 8000]]),
      asks: (name) => (name === pod ? new Map([["main", { requests: { cpu: 0.05 }, limits: { memory: 1024 } }]]) : undefined),
    });
    expect(usages).toEqual([
      {
        project: "demo",
        instance: "site",
        pod,
        ready: true,
        networkReceiveBytes: 100,
        networkTransmitBytes: 200,
        containers: [
          { container: "db", cpuSeconds: 0.5, memoryWorkingSetBytes: 5000, restarts: 0, running: true, requests: {}, limits: {} },
          { container: "main", cpuSeconds: 2.5, memoryWorkingSetBytes: 8000, restarts: 2, running: true, requests: { cpu: 0.05 }, limits: { memory: 1024 } },
        ],
      },
      {
        project: "physics",
        instance: "lab",
        pod: "plateau-inst01.physics.lab",
        ready: false,
        networkReceiveBytes: 0,
        networkTransmitBytes: 0,
        containers: [{ container: "main", cpuSeconds: 0, memoryWorkingSetBytes: 0, restarts: 0, running: false, requests: {}, limits: {} }],
      },
    ]);
  });
});
