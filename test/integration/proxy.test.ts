// The reverse proxy with real sockets: a listening Plateau, and an upstream HTTP and
// WebSocket server standing in for an instance's pod.
import { createServer, request, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { memoryApp } from "../support/app.js";
import { alice } from "../support/plateau.js";
import { sha256 } from "../../src/core/access/context.js";

let upstream: Server;
let upstreamPort = 0;
let lastHeaders: IncomingHttpHeaders = {};
let plateauPort = 0;
let context: Awaited<ReturnType<typeof memoryApp>>;
let aliceToken = "";

beforeAll(async () => {
  upstream = createServer((req, res) => {
    lastHeaders = req.headers;
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      res.writeHead(200, { "content-type": "text/plain", "x-upstream": "yes" });
      res.end(`${req.method} ${req.url} ${body}`);
    });
  });
  const sockets = new WebSocketServer({ server: upstream });
  sockets.on("connection", (socket, req) => {
    lastHeaders = req.headers;
    socket.on("message", (data) => socket.send(`echo:${data.toString()}`));
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  upstreamPort = (upstream.address() as AddressInfo).port;

  context = await memoryApp();
  const { plateau, adapters, app } = context;
  await plateau.services.instances.launch({ template: "static-site", project: "demo", name: "web" }, alice);
  await plateau.services.instances.launch({ template: "jupyter-notebook", project: "demo", name: "nb" }, alice).catch(() => undefined);
  await plateau.services.instances.launch({ template: "static-site", project: "demo", name: "waiting" }, alice);
  for (const instance of ["web", "nb"]) {
    await adapters.statuses.setStatus({
      project: "demo",
      instance,
      platform: "local",
      phase: "running",
      reason: "",
      reasonCode: "reported",
      reasonParams: { reason: "" },
      appliedHash: "h",
      endpoint: `127.0.0.1:${upstreamPort}`,
      updatedAt: new Date().toISOString(),
    });
  }
  await adapters.statuses.setStatus({
    project: "demo",
    instance: "waiting",
    platform: "local",
    phase: "starting",
    reason: "pulling image x",
    reasonCode: "pulling",
    reasonParams: { image: "x" },
    appliedHash: null,
    endpoint: null,
    updatedAt: new Date().toISOString(),
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  plateauPort = (app.server.address() as AddressInfo).port;
  aliceToken = await context.tokenOf("alice");
});

afterAll(async () => {
  await context.app.close();
  upstream.close();
});

function get(
  host: string,
  path = "/",
  method = "GET",
  body?: string,
  headers: Record<string, string> = { authorization: `Bearer ${aliceToken}` },
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: plateauPort, path, method, headers: { host, ...headers } }, (res) => {
      let text = "";
      res.on("data", (chunk: Buffer) => (text += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("reverse proxy", () => {
  it("forwards HTTP requests for <instance>.<project>.<domain> to the instance, body and all", async () => {
    const answer = await get(`web.demo.localhost:${plateauPort}`, "/a/b?c=1", "POST", "payload");
    expect(answer.status).toBe(200);
    expect(answer.body).toBe("POST /a/b?c=1 payload");
    expect(answer.headers["x-upstream"]).toBe("yes");
    expect(lastHeaders["x-forwarded-host"]).toBe(`web.demo.localhost:${plateauPort}`);
    expect(lastHeaders["x-forwarded-proto"]).toBe("http");
    expect(lastHeaders["x-forwarded-for"]).toBe("127.0.0.1");
    // Plateau's credentials stay with Plateau.
    expect(lastHeaders.authorization).toBeUndefined();
  });

  it("serves an instance only to members of its project", async () => {
    const host = `web.demo.localhost:${plateauPort}`;
    lastHeaders = {};
    // Nobody signed in: a browser is sent to Plateau to sign in, then comes back.
    const anonymous = await get(host, "/page?x=1", "GET", undefined, {});
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.location).toBe(`http://localhost:8080/auth/instance?host=${encodeURIComponent(host)}&path=${encodeURIComponent("/page?x=1")}`);
    expect((await get(host, "/", "POST", "x", {})).status).toBe(401);
    // Bob is in another lab: the instance does not exist for him, and nothing reaches it.
    const bob = await get(host, "/", "GET", undefined, { authorization: `Bearer ${await context.tokenOf("bob")}` });
    expect(bob.status).toBe(404);
    expect(bob.body).not.toContain("web");
    expect((await get(`nope.demo.localhost:${plateauPort}`, "/", "GET", undefined, { authorization: `Bearer ${await context.tokenOf("bob")}` })).status).toBe(
      404,
    );
    expect((await get(host, "/", "GET", undefined, { authorization: "Bearer plt_forged" })).status).toBe(401);
    expect(lastHeaders).toEqual({});
    // Ines administers the lab: she may open it; Oscar operates the platforms: so may he.
    expect((await get(host, "/", "GET", undefined, { authorization: `Bearer ${await context.tokenOf("ines")}` })).status).toBe(200);
    expect((await get(host, "/", "GET", undefined, { authorization: `Bearer ${await context.tokenOf("oscar")}` })).status).toBe(200);
    // A ticket is single-use and only for its host.
    expect((await get(host, "/__plateau/auth?ticket=forged", "GET", undefined, {})).status).toBe(403);
  });

  it("never forwards an API token, however the Authorization header spells it (the API reads them all)", async () => {
    const host = `web.demo.localhost:${plateauPort}`;
    // Alice's browser holds the instance's cookie (a browser session of hers, a ticket traded on that host).
    const browserSession = "browser-session-of-alice-for-the-proxy-test";
    const at = new Date().toISOString();
    await context.adapters.access.createSession({
      idHash: sha256(browserSession),
      userId: (await context.person("alice")).userId,
      csrfToken: "csrf",
      provider: "embedded",
      idToken: null,
      createdAt: at,
      lastSeenAt: at,
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
      parentHash: null,
      instanceHost: null,
    });
    const ticket = await context.plateau.services.access.issueProxyTicket(browserSession, host, "/");
    const traded = await get(host, `/__plateau/auth?ticket=${ticket}`, "GET", undefined, {});
    const cookie = /__Host-plateau-instance=[A-Za-z0-9_.~-]+/.exec(String(traded.headers["set-cookie"]))?.[0] ?? "";
    expect(cookie).not.toBe("");
    // The API takes `Bearer` in any case, then the token after any white space: each of these is alice.
    const spellings = [`Bearer ${aliceToken}`, `bearer ${aliceToken}`, `BEARER ${aliceToken}`, `Bearer  ${aliceToken}`, `Bearer \t${aliceToken}`];
    for (const authorization of spellings) {
      const me = await context.app.inject({ method: "GET", url: "/api/v1/me", headers: { authorization } });
      expect(me.statusCode, JSON.stringify(authorization)).toBe(200);
      lastHeaders = {};
      for (const headers of [{ authorization, cookie }, { authorization }] as Record<string, string>[]) {
        const answer = await get(host, "/", "GET", undefined, headers);
        expect(answer.status, JSON.stringify(headers)).toBe(200);
        expect(lastHeaders.authorization, JSON.stringify(headers)).toBeUndefined();
      }
    }
    // The instance's own bearer tokens are its business: they go through.
    await get(host, "/", "GET", undefined, { authorization: "Bearer app-token", cookie });
    expect(lastHeaders.authorization).toBe("Bearer app-token");
  });

  it("does not forward Plateau's cookies to the instance", async () => {
    await get(`web.demo.localhost:${plateauPort}`, "/", "GET", undefined, {
      authorization: `Bearer ${aliceToken}`,
      cookie: "__Host-plateau-instance=abc; app=kept; __Host-plateau-session=def",
    });
    expect(lastHeaders.cookie).toBe("app=kept");
  });

  it("tunnels WebSockets", async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${plateauPort}/api/kernels/1/channels`, {
      headers: { host: `web.demo.localhost:${plateauPort}`, authorization: `Bearer ${aliceToken}` },
    });
    const reply = await new Promise<string>((resolve, reject) => {
      socket.on("open", () => socket.send("ping"));
      socket.on("message", (data) => resolve(data.toString()));
      socket.on("error", reject);
    });
    expect(reply).toBe("echo:ping");
    socket.close();
  });

  it("logs users into templates that declare an access header, with the instance's generated secret", async () => {
    const { adapters } = context;
    const answer = await get(`nb.demo.localhost:${plateauPort}`, "/lab");
    if (answer.status === 404) return; // the jupyter-notebook template is not in this catalog yet
    const token = (await adapters.secrets.ensure("demo", "nb", ["token"], () => "unused")).token;
    expect(token).toHaveLength(32);
    expect(lastHeaders.authorization).toBe(`token ${token}`);
  });

  it("says what happens while an instance is not running, and 404 for unknown instances", async () => {
    const waiting = await get(`waiting.demo.localhost:${plateauPort}`);
    expect(waiting.status).toBe(503);
    expect(waiting.headers["retry-after"]).toBe("2");
    expect(waiting.body).toContain("pulling image x");
    const unknown = await get(`nope.demo.localhost:${plateauPort}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toContain("demo/nope");
  });

  it("holds a request for a starting instance and answers with the application once it runs", async () => {
    const { adapters, plateau, router } = context;
    await plateau.services.instances.launch({ template: "static-site", project: "demo", name: "late" }, alice);
    const status = { project: "demo", instance: "late", platform: "local", appliedHash: null, updatedAt: new Date().toISOString() } as const;
    await adapters.statuses.setStatus({ ...status, phase: "starting", reason: "starting the pod", reasonCode: "starting", reasonParams: {}, endpoint: null });
    const answer = get(`late.demo.localhost:${plateauPort}`, "/held");
    await new Promise((resolve) => setTimeout(resolve, 50));
    // What the reconciler does when the pod answers: the status, then the route forgotten.
    await adapters.statuses.setStatus({
      ...status,
      phase: "running",
      reason: "",
      reasonCode: "reported",
      reasonParams: { reason: "" },
      endpoint: `127.0.0.1:${upstreamPort}`,
    });
    router.invalidate("demo", "late");
    const served = await answer;
    expect(served.status).toBe(200);
    expect(served.body).toBe("GET /held ");
  });

  it("escapes what it echoes into its pages", async () => {
    await context.adapters.statuses.setStatus({
      project: "demo",
      instance: "waiting",
      platform: "local",
      phase: "failed",
      reason: "<script>alert(1)</script>",
      reasonCode: "reported",
      reasonParams: { reason: "<script>alert(1)</script>" },
      appliedHash: null,
      endpoint: null,
      updatedAt: new Date().toISOString(),
    });
    const page = await get(`waiting.demo.localhost:${plateauPort}`);
    expect(page.body).not.toContain("<script>alert");
    expect(page.body).toContain("&#60;script&#62;");
  });

  it("leaves Plateau's own requests to the API", async () => {
    const api = await get(`localhost:${plateauPort}`, "/api/v1/templates");
    expect(api.status).toBe(200);
    expect(JSON.parse(api.body).items.length).toBeGreaterThan(0);
  });
});
