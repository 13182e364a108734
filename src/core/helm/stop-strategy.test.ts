import { describe, expect, it } from "vitest";
import type { RenderedObject } from "./rendered.js";
import { chooseStop, replicaPaths, scaledToZero, stillRunning, valueAt, withValueAt } from "./stop-strategy.js";

const pod = { containers: [{ name: "main", image: "nginx" }] };
const workload = (kind: string, name: string, spec: Record<string, unknown> = {}): RenderedObject => ({
  apiVersion: kind === "Job" || kind === "CronJob" ? "batch/v1" : kind === "Pod" ? "v1" : "apps/v1",
  kind,
  metadata: { name },
  spec:
    kind === "Pod"
      ? pod
      : kind === "CronJob"
        ? { schedule: "* * * * *", jobTemplate: { spec: { template: { spec: pod } } }, ...spec }
        : { template: { spec: pod }, ...spec },
});
const service: RenderedObject = { apiVersion: "v1", kind: "Service", metadata: { name: "web" }, spec: { ports: [{ port: 80 }] } };

describe("replicaPaths", () => {
  it("finds replicaCount and replicas at any depth (sub-charts' included), whole numbers only, sorted and once", () => {
    const values = {
      replicaCount: 2,
      postgresql: { primary: { replicaCount: 1 }, readReplicas: { replicaCount: 0 } },
      redis: { replicas: 3, note: { replicas: "three" } },
      service: { port: 80 },
      list: [{ replicaCount: 1 }],
    };
    expect(replicaPaths(values, { replicaCount: 1 })).toEqual([
      ["postgresql", "primary", "replicaCount"],
      ["postgresql", "readReplicas", "replicaCount"],
      ["redis", "replicas"],
      ["replicaCount"],
    ]);
    expect(replicaPaths({ image: { tag: "1" } })).toEqual([]);
  });
});

describe("values at a path", () => {
  it("sets, reads and removes a value without touching the given values", () => {
    const values = { a: { b: 1, c: 2 }, d: 3 };
    const set = withValueAt(values, ["a", "b"], 0);
    expect(set).toEqual({ a: { b: 0, c: 2 }, d: 3 });
    expect(values).toEqual({ a: { b: 1, c: 2 }, d: 3 });
    expect(withValueAt(values, ["x", "y"], 0)).toEqual({ a: { b: 1, c: 2 }, d: 3, x: { y: 0 } });
    expect(withValueAt(values, ["a", "b"], undefined)).toEqual({ a: { c: 2 }, d: 3 });
    expect(withValueAt(values, ["x", "y"], undefined)).toEqual(values);
    expect(valueAt(values, ["a", "c"])).toBe(2);
    expect(valueAt(values, ["a", "z", "y"])).toBeUndefined();
    expect(scaledToZero(values, [["a", "b"], ["d"]])).toEqual({ a: { b: 0, c: 2 }, d: 0 });
  });
});

describe("stillRunning", () => {
  it("accepts workloads scaled to 0 and objects that run no pod", () => {
    expect(stillRunning([workload("Deployment", "web", { replicas: 0 }), workload("StatefulSet", "db", { replicas: 0 }), service])).toEqual([]);
    expect(stillRunning([workload("Job", "init", { parallelism: 0 }), workload("CronJob", "backup", { suspend: true })])).toEqual([]);
  });

  it("names a workload still scaled up, or without replicas (1 by default)", () => {
    expect(stillRunning([workload("Deployment", "web", { replicas: 0 }), workload("StatefulSet", "db", { replicas: 1 })])).toEqual([
      "StatefulSet/db still runs 1 pod",
    ]);
    expect(stillRunning([workload("Deployment", "web")])).toEqual(["Deployment/web still runs 1 pod"]);
    expect(stillRunning([workload("ReplicaSet", "rs", { replicas: 2 })])).toEqual(["ReplicaSet/rs still runs 2 pods"]);
  });

  it("names a DaemonSet, a bare Pod, a Job and a CronJob", () => {
    expect(stillRunning([workload("DaemonSet", "agent"), workload("Pod", "once"), workload("Job", "migrate"), workload("CronJob", "backup")])).toEqual([
      "DaemonSet/agent runs on every node",
      "Pod/once still runs 1 pod",
      "Job/migrate still runs 1 pod",
      "CronJob/backup still runs 1 pod",
    ]);
  });

  it("leaves Helm's test hooks out, as Argo CD does", () => {
    const test: RenderedObject = {
      ...workload("Pod", "web-test-connection"),
      metadata: { name: "web-test-connection", annotations: { "helm.sh/hook": "test" } },
    };
    expect(stillRunning([test])).toEqual([]);
  });
});

describe("chooseStop", () => {
  const scaled = [workload("Deployment", "web", { replicas: 0 })];
  it("keeps global.suspend for Onyxia's charts, whatever they render", () => {
    expect(chooseStop({ values: { global: { suspend: false } }, paths: [], rendered: [workload("DaemonSet", "agent")] })).toEqual({ by: "suspend" });
  });

  it("stops by replicas when the paths at 0 leave nothing running", () => {
    expect(chooseStop({ values: { replicaCount: 1 }, paths: [["replicaCount"]], rendered: scaled })).toEqual({ by: "replicas", paths: [["replicaCount"]] });
  });

  it("removes on expiry what still runs with the paths at 0, naming it", () => {
    expect(
      chooseStop({ values: { replicaCount: 1 }, paths: [["replicaCount"]], rendered: [...scaled, workload("StatefulSet", "db", { replicas: 1 })] }),
    ).toEqual({ by: "remove-on-expiry", why: "with replicaCount at 0, StatefulSet/db still runs 1 pod" });
    expect(chooseStop({ values: { replicaCount: 1 }, paths: [["replicaCount"]], rendered: [...scaled, workload("DaemonSet", "agent")] })).toMatchObject({
      by: "remove-on-expiry",
      why: expect.stringContaining("DaemonSet/agent runs on every node"),
    });
  });

  it("removes on expiry a chart with more replica values than an intent records", () => {
    const paths = Array.from({ length: 101 }, (_, i) => [`c${i}`, "replicas"]);
    expect(chooseStop({ values: {}, paths, rendered: scaled })).toMatchObject({ by: "remove-on-expiry", why: expect.stringContaining("100 paths") });
    expect(chooseStop({ values: {}, paths: [["x".repeat(254), "replicas"]], rendered: scaled })).toMatchObject({ by: "remove-on-expiry" });
  });

  it("removes on expiry a chart with no replica value", () => {
    expect(chooseStop({ values: {}, paths: [], rendered: [workload("Deployment", "web")] })).toEqual({
      by: "remove-on-expiry",
      why: "no value of the chart scales its workloads (no replicaCount or replicas): Deployment/web still runs 1 pod",
    });
  });
});
