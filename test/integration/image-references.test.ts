// Image references through the API: a value naming an image on this machine or a private
// network is refused before anything is committed (so nothing is ever pulled from there), and
// a failed pull is told to members without the network's answer, to operators with it.
import { describe, expect, it } from "vitest";
import { imagePullFailure } from "../../src/core/status/messages.js";
import { memoryApp } from "../support/app.js";

const launch = (name: string, values: Record<string, unknown>) => ({
  method: "POST" as const,
  url: "/api/v1/projects/demo/instances",
  payload: { template: "static-site", name, values },
});

describe("image references", () => {
  it("refuses an image on a loopback or private address, or from a registry not allowed: 400 naming values.image, no commit, nothing applied", async () => {
    const { inject, repo, engine, reconciler } = await memoryApp();
    const head = await repo.head();
    for (const [image, rule] of [
      ["127.0.0.1:18555/probe/a:1", "image-address"],
      ["localhost:5000/probe:1", "image-address"],
      ["169.254.169.254/latest:1", "image-address"],
      ["10.1.2.3:443/x:1", "image-address"],
      ["ghcr.io/someone/probe:1", "image-registry"],
    ]) {
      const reply = await inject(launch("probe", { image }));
      expect(reply.statusCode, image).toBe(400);
      expect(reply.json().error.issues, image).toEqual([expect.objectContaining({ pointer: "/values/image", rule })]);
    }
    expect(await repo.head()).toBe(head);
    await reconciler.reconcileOnce();
    expect(engine.applied()).toBe(0);
    // The catalog's registries and images built on this machine are allowed.
    expect((await inject(launch("hub", { image: "docker.io/nginxinc/nginx-unprivileged:1.27-alpine" }))).statusCode).toBe(202);
    expect((await inject(launch("local", { image: "localhost/plateau-test-site:4" }))).statusCode).toBe(202);
  });

  it("tells members which image could not be pulled, and operators why", async () => {
    const { inject, engine, reconciler, as } = await memoryApp();
    const detail =
      'pinging container registry registry.example.org: Get "https://registry.example.org/v2/": dial tcp 192.0.2.1:443: connect: connection refused';
    engine.failNext("pull", imagePullFailure("docker.io/someone/missing:1", detail));
    expect((await inject(launch("pull", { image: "docker.io/someone/missing:1" }))).statusCode).toBe(202);
    await reconciler.reconcileOnce();
    await reconciler.idle();

    const texts = async (headers: Record<string, string>) => {
      const instance = (await inject({ url: "/api/v1/projects/demo/instances/pull", headers })).json();
      const listed = (await inject({ url: "/api/v1/projects/demo/instances", headers })).json().items;
      const status = (await inject({ url: "/api/v1/projects/demo/instances/pull/status", headers })).json();
      const events = (await inject({ url: "/api/v1/projects/demo/instances/pull/events", headers })).json().items;
      return [
        instance.reason,
        listed.find((item: { name: string }) => item.name === "pull").reason,
        status.reason,
        ...events.map((e: { message: string }) => e.message),
      ];
    };
    const member = await texts({});
    expect(member.join("\n")).toContain("the image docker.io/someone/missing:1 could not be pulled");
    for (const text of member) expect(text).not.toMatch(/connection refused|EOF|dial tcp|192\.0\.2\.1/);
    const operator = await texts(await as("oscar"));
    expect(operator[0]).toContain("connection refused");
    expect(operator.join("\n")).toContain(detail);
  });
});
