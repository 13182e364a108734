// Each route carries its own access check and metrics hook (bound when the route is added, see
// access.ts and app.ts): these pin what a global hook used to guarantee for every request.
import { describe, expect, it } from "vitest";
import { memoryApp } from "../../test/support/app.js";

describe("hooks bound to each route", () => {
  it("check access on the HEAD routes Fastify adds beside GET ones, and on GET: someone else's project does not exist", async () => {
    const { app, as } = await memoryApp();
    const bob = await as("bob");
    for (const method of ["GET", "HEAD"] as const) {
      expect((await app.inject({ method, url: "/api/v1/projects/demo/instances", headers: bob })).statusCode).toBe(404);
      expect((await app.inject({ method, url: "/api/v1/projects/demo/instances" })).statusCode).toBe(401);
      expect((await app.inject({ method, url: "/api/v1/projects/demo/instances", headers: await as("alice") })).statusCode).toBe(200);
    }
  });

  it("count every answer by route template, HEAD and unmatched requests too", async () => {
    const { inject } = await memoryApp();
    await inject({ url: "/api/v1/projects/demo/instances" });
    await inject({ method: "HEAD", url: "/api/v1/projects/demo/instances" });
    await inject({ url: "/api/v1/no-such-route" });
    const metrics = (await inject({ url: "/metrics" })).body;
    expect(metrics).toMatch(/plateau_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/projects\/:project\/instances",status="200"\} 1/);
    expect(metrics).toMatch(/plateau_http_request_duration_seconds_count\{method="HEAD",route="\/api\/v1\/projects\/:project\/instances",status="200"\} 1/);
    expect(metrics).toMatch(/plateau_http_request_duration_seconds_count\{method="GET",route="unmatched",status="404"\} 1/);
  });

  it("answer lists as JSON bytes, the same at every request, and a revoked token is refused at once", async () => {
    const { app, tokenOf, person, plateau } = await memoryApp();
    const headers = { authorization: `Bearer ${await tokenOf("alice")}` };
    const first = await app.inject({ url: "/api/v1/projects/demo/instances", headers });
    const again = await app.inject({ url: "/api/v1/projects/demo/instances", headers });
    expect(first.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(first.headers["content-length"]).toBe(String(Buffer.byteLength(first.body)));
    expect(again.body).toBe(first.body);
    expect(first.json()).toEqual({ items: [] });
    const alice = await person("alice");
    const [token] = await plateau.services.access.listTokens(alice);
    await plateau.services.access.revokeToken(alice, token?.id ?? "");
    expect((await app.inject({ url: "/api/v1/projects/demo/instances", headers })).statusCode).toBe(401);
  });
});
