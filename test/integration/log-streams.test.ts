// Followed logs are capped, per person and in all: the stream beyond the cap is refused with
// 429 and Retry-After, and a place is free again as soon as a stream ends. Real sockets: a
// followed log is a long answer that only ends when its reader leaves.
import { request, type ClientRequest, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { memoryApp } from "../support/app.js";

type Fixture = Awaited<ReturnType<typeof memoryApp>>;

describe("followed logs, capped", () => {
  let fixture: Fixture;
  let port: number;
  const open: ClientRequest[] = [];

  beforeAll(async () => {
    fixture = await memoryApp({
      limits: { signInPerMinute: 1000, tokenCreationPerMinute: 1000, launchPerMinute: 1000, logStreamsPerPerson: 2, logStreams: 3 },
    });
    const launched = await fixture.inject({ method: "POST", url: "/api/v1/projects/demo/instances", payload: { template: "static-site", name: "hello" } });
    expect(launched.statusCode, launched.body).toBe(202);
    await fixture.reconciler.reconcileOnce();
    await fixture.app.listen({ host: "127.0.0.1", port: 0 });
    port = (fixture.app.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    for (const req of open) req.destroy();
    await fixture.app.close();
  });

  /** GETs the logs as `who`; resolves with the answer's head (a followed one stays open). */
  async function logs(who: "alice" | "oscar", follow = true): Promise<{ response: IncomingMessage; req: ClientRequest }> {
    const headers = await fixture.as(who);
    return new Promise((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, path: `/api/v1/projects/demo/instances/hello/logs?follow=${follow}&tail=5`, headers }, (response) => {
        response.resume();
        resolve({ response, req });
      });
      req.on("error", reject);
      req.end();
      open.push(req);
    });
  }

  it("refuses a person's stream beyond their cap with 429 and Retry-After, then everyone's beyond the total, until one ends", async () => {
    const first = await logs("alice");
    // A read once takes its place while it is sent, and gives it back when it ends.
    const once = await logs("alice", false);
    expect(once.response.statusCode).toBe(200);
    if (!once.response.readableEnded) await new Promise((resolve) => once.response.on("end", resolve));
    await vi.waitFor(async () => {
      const second = await logs("alice");
      expect(second.response.statusCode).toBe(200);
    });

    const refused = await logs("alice");
    expect(refused.response.statusCode).toBe(429);
    expect(refused.response.headers["retry-after"]).toBe("10");
    // At the cap, a read once is refused too: a slow reader would hold a `podman logs` as long.
    expect((await logs("alice", false)).response.statusCode).toBe(429);

    // Another person (an operator, who may read every project) has their own share, within the total.
    expect((await logs("oscar")).response.statusCode).toBe(200);
    const full = await logs("oscar");
    expect(full.response.statusCode).toBe(429);
    expect(full.response.headers["retry-after"]).toBe("10");

    // Alice leaves one stream: one place is free again, for her.
    first.req.destroy();
    await vi.waitFor(async () => {
      const again = await logs("alice");
      expect(again.response.statusCode).toBe(200);
    });
  });

  it("says why, in the error vocabulary", async () => {
    const reply = await fixture.inject({ url: "/api/v1/projects/demo/instances/hello/logs?follow=true" });
    expect(reply.statusCode).toBe(429);
    expect(reply.json()).toEqual({
      error: { code: "rate-limited", message: expect.stringMatching(/^too many logs read at once: you already read 2 logs at once/) },
    });
  });
});
