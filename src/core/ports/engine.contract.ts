// The contract every Engine passes (podman, memory). The factory gives an engine and a way
// to render a unit it can really run (podman needs an image present on the machine).
import { describe, expect, it } from "vitest";
import type { DesiredUnit, Engine } from "./engine.js";
import type { KubeObject } from "../render/kube.js";

export interface EngineFixture {
  readonly engine: Engine;
  /** Rendered objects of a small web instance that answers HTTP on its exposed port. */
  readonly webUnit: (project: string, instance: string, options?: { replicas?: number; marker?: string; secretEnv?: boolean }) => KubeObject[];
  /** Fetches the instance through its endpoint; returns the body. */
  readonly fetchBody: (endpoint: string, path?: string) => Promise<string>;
  readonly cleanup: () => Promise<void>;
}

export function describeEngineContract(name: string, create: () => Promise<EngineFixture | { skipped: string }>): void {
  describe(`Engine contract: ${name}`, () => {
    let fixture: EngineFixture | undefined;
    const setup = async (context: { skip: (note?: string) => void }) => {
      const created = await create();
      if ("skipped" in created) {
        context.skip(created.skipped);
        throw new Error("unreachable");
      }
      fixture = created;
      return created;
    };
    const teardown = async () => fixture?.cleanup();
    const unit = (f: EngineFixture, instance: string, hash: string, options?: Parameters<EngineFixture["webUnit"]>[2]): DesiredUnit => ({
      project: "contract",
      instance,
      hash,
      objects: f.webUnit("contract", instance, options),
    });
    const apply = (f: EngineFixture, u: DesiredUnit, secrets = {}) => f.engine.apply(u, { secrets, progress: () => {} });

    it("reports its availability", async (context) => {
      const f = await setup(context);
      try {
        const availability = await f.engine.availability();
        expect(availability.available).toBe(true);
      } finally {
        await teardown();
      }
    });

    it("applies a unit, serves it, and observes it running with its hash", async (context) => {
      const f = await setup(context);
      try {
        const result = await apply(f, unit(f, "web", "hash-1", { marker: "one" }));
        expect(result).toMatchObject({ project: "contract", instance: "web", hash: "hash-1", phase: "running" });
        expect(result.endpoint).toBeTruthy();
        expect(await f.fetchBody(result.endpoint as string)).toContain("one");
        const observed = (await f.engine.observe()).find((u) => u.instance === "web");
        expect(observed).toMatchObject({ hash: "hash-1", phase: "running", endpoint: result.endpoint });
      } finally {
        await teardown();
      }
    });

    it("replaces a unit when its hash changes, and is idempotent for the same hash", async (context) => {
      const f = await setup(context);
      try {
        await apply(f, unit(f, "web", "hash-1", { marker: "one" }));
        const again = await apply(f, unit(f, "web", "hash-1", { marker: "one" }));
        expect(again.phase).toBe("running");
        const second = await apply(f, unit(f, "web", "hash-2", { marker: "two" }));
        expect(await f.fetchBody(second.endpoint as string)).toContain("two");
        const observed = (await f.engine.observe()).filter((u) => u.instance === "web");
        expect(observed).toHaveLength(1);
        expect(observed[0]?.hash).toBe("hash-2");
      } finally {
        await teardown();
      }
    });

    it("keeps instances apart: no scratch or data volume is shared", async (context) => {
      const f = await setup(context);
      try {
        const a = await apply(f, unit(f, "iso-a", "hash-a", { marker: "from-a" }));
        const b = await apply(f, unit(f, "iso-b", "hash-b", { marker: "from-b" }));
        expect(await f.fetchBody(a.endpoint as string)).toContain("from-a");
        expect(await f.fetchBody(b.endpoint as string)).toContain("from-b");
      } finally {
        await teardown();
      }
    });

    it("hands generated secrets to the workload without them being in the manifests", async (context) => {
      const f = await setup(context);
      try {
        const result = await apply(f, unit(f, "secret", "hash-s", { secretEnv: true }), { "secret-generated": { token: "s3cr3t-value" } });
        expect(await f.fetchBody(result.endpoint as string, "/secret.txt")).toContain("s3cr3t-value");
      } finally {
        await teardown();
      }
    });

    it("stops a unit keeping its data, then removes it with its data", async (context) => {
      const f = await setup(context);
      try {
        await apply(f, unit(f, "web", "hash-1"));
        await f.engine.stop("contract", "web");
        expect((await f.engine.observe()).find((u) => u.instance === "web")).toMatchObject({ hash: null, phase: "stopped" });
        await f.engine.stop("contract", "web"); // idempotent
        await f.engine.remove("contract", "web");
        expect((await f.engine.observe()).find((u) => u.instance === "web")).toBeUndefined();
        await f.engine.remove("contract", "web"); // idempotent
      } finally {
        await teardown();
      }
    });

    it("refuses what must never run on a shared host, leaving nothing behind", async (context) => {
      const f = await setup(context);
      try {
        const objects = f.webUnit("contract", "bad");
        const deployment = objects.find((o) => o.kind === "Deployment") as KubeObject & { spec: { template: { spec: Record<string, unknown> } } };
        deployment.spec.template.spec.hostNetwork = true;
        await expect(apply(f, { project: "contract", instance: "bad", hash: "h", objects })).rejects.toThrow(/hostNetwork/);
        const withHostPath = f.webUnit("contract", "bad");
        const podSpec = (withHostPath.find((o) => o.kind === "Deployment") as typeof deployment).spec.template.spec;
        podSpec.volumes = [{ name: "root", hostPath: { path: "/" } }];
        await expect(apply(f, { project: "contract", instance: "bad", hash: "h", objects: withHostPath })).rejects.toThrow(/hostPath/);
        expect((await f.engine.observe()).find((u) => u.instance === "bad")).toBeUndefined();
      } finally {
        await teardown();
      }
    });

    it("gives the logs of a unit", async (context) => {
      const f = await setup(context);
      try {
        const result = await apply(f, unit(f, "web", "hash-1", { marker: "logs" }));
        await f.fetchBody(result.endpoint as string);
        let text = "";
        for await (const chunk of f.engine.logs("contract", "web", { follow: false, tail: 100 })) text += chunk;
        expect(typeof text).toBe("string");
      } finally {
        await teardown();
      }
    });
  });
}
