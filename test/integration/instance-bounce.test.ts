// The bounce that opens an instance's host to a signed-in browser (`/auth/instance` → a ticket →
// `/__plateau/auth` → a cookie of that host), attacked over real HTTP: a listening Plateau with
// its embedded provider and its proxy, and an HTTP server on a loopback port standing in for
// another person's instance that logs every request (instances listen on 127.0.0.1:<port>, and
// their owners read their logs). First the whole chain — a ticket sent to a foreign port, traded
// by whoever reads it, the cookie it gives used with the API — then each link alone.
import { createServer, request, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/main/config.js";
import { startPlateau, type RunningPlateau } from "../../src/main/up.js";
import { type Browser } from "../support/browser.js";
import { createToken, signIn, TEST_ACCOUNTS, type SignedInBrowser } from "../support/sign-in.js";

let dir: string;
let running: RunningPlateau;
let origin: string;
/** Bob's instance: what it was asked, as its logs would show. */
let logger: Server;
let loggerPort = 0;
const logged: string[] = [];
let alice: SignedInBrowser;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "plateau-bounce-"));
  const config = loadConfig({
    env: {},
    cwd: dir,
    overrides: {
      // No local S3 server (ADR 0032): this test has no buckets.
      localS3: { enabled: false },
      listen: { port: 0 },
      // The local platform is on (its proxy serves instance hosts), but no podman runs here.
      podman: { command: "/nonexistent/podman" },
      identity: { embedded: { accounts: TEST_ACCOUNTS } },
      rateLimits: { signInPerMinute: 200, tokenCreationPerMinute: 100, launchPerMinute: 100 },
    },
  });
  running = await startPlateau(config, pino({ level: "silent" }));
  origin = `http://localhost:${running.port}`;
  logger = createServer((req, res) => {
    logged.push(`${req.headers.host ?? ""} ${req.url ?? ""}`);
    res.writeHead(200, { "content-type": "text/plain" }).end("bob's instance");
  });
  await new Promise<void>((resolve) => logger.listen(0, "127.0.0.1", resolve));
  loggerPort = (logger.address() as AddressInfo).port;

  // Alice's personal project, with an instance "site" (pending: no podman here).
  alice = await signIn(origin, "alice");
  const launched = await fetch(`${origin}/api/v1/projects/u-alice/instances`, {
    method: "POST",
    headers: { authorization: `Bearer ${await createToken(alice)}`, "content-type": "application/json" },
    body: JSON.stringify({ template: "static-site", name: "site" }),
  });
  expect(launched.status).toBe(202);
});

afterAll(async () => {
  await running?.close();
  logger?.close();
  await rm(dir, { recursive: true, force: true });
});

/** A request to Plateau's port with any Host header, as anyone (curl) can send. */
function raw(
  host: string,
  path: string,
  headers: Record<string, string> = {},
  method = "GET",
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: running.port, path, method, headers: { host, ...headers } }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** Follows redirects by hand from a URL, with the browser's cookies (`*.localhost` is the loopback). */
async function follow(browser: Browser, url: string) {
  const hops: { url: string; status: number; location: string | null }[] = [];
  let current = url;
  for (let i = 0; i < 10; i++) {
    const answer = await browser.request(current, { follow: false });
    const location = answer.headers.get("location");
    hops.push({ url: current, status: answer.status, location });
    if (answer.status < 300 || answer.status >= 400 || !location) return { final: answer, hops };
    current = new URL(location, current).toString();
  }
  throw new Error("too many redirects");
}

const ticketIn = (text: string) => /[?&]ticket=([A-Za-z0-9_-]+)/.exec(text)?.[1];
const instanceCookieIn = (headers: IncomingHttpHeaders) => /__Host-plateau-instance=([A-Za-z0-9_.~-]+)/.exec((headers["set-cookie"] ?? []).join("\n"))?.[1];
const bounce = (host: string, path = "/") => `${origin}/auth/instance?host=${encodeURIComponent(host)}&path=${encodeURIComponent(path)}`;

describe("the instance bounce, attacked", () => {
  it("does not let the owner of an instance on another port become a signed-in person", async () => {
    // Alice, signed in, is led to a link that names a host of her own project on bob's port.
    const foreign = `x.u-alice.localhost:${loggerPort}`;
    logged.length = 0;
    await follow(alice.browser, bounce(foreign));
    // Whatever reached bob's instance is in his logs: he looks for a ticket there…
    const ticket = logged.map(ticketIn).find((found) => found !== undefined);
    // …trades it at Plateau's proxy with the host it was made for…
    const traded = ticket ? await raw(foreign, `/__plateau/auth?ticket=${ticket}`) : undefined;
    const cookie = traded ? instanceCookieIn(traded.headers) : undefined;
    // …and offers the cookie he got to the API as a browser session.
    const me = cookie ? await raw(`localhost:${running.port}`, "/api/v1/me", { cookie: `__Host-plateau-session=${cookie}` }) : undefined;
    const stolen = me?.status === 200 ? (JSON.parse(me.body) as { login: string; csrfToken: string }) : undefined;
    // With it, a year-long API token in alice's name.
    const minted = stolen
      ? await fetch(`${origin}/api/v1/tokens`, {
          method: "POST",
          headers: { cookie: `__Host-plateau-session=${cookie}`, "x-csrf-token": stolen.csrfToken, origin, "content-type": "application/json" },
          body: JSON.stringify({ name: "bob's", expiresInDays: 365 }),
        })
      : undefined;
    expect({ ticket, cookie, login: stolen?.login, minted: minted?.status }).toEqual({
      ticket: undefined,
      cookie: undefined,
      login: undefined,
      minted: undefined,
    });
    expect(logged).toEqual([]);
  });
});

describe("each link of that chain, closed on its own", () => {
  it("(a) sends a ticket only to Plateau's own scheme and port, under the instances' domain", async () => {
    logged.length = 0;
    const refused = [
      `site.u-alice.localhost:${loggerPort}`, // an instance that exists, on another port
      "site.u-alice.localhost", // no port: port 80, not Plateau's
      `site.u-alice.localhost:${running.port}0`,
      `site.u-alice.example.org:${running.port}`, // not under the instances' domain
      `site.u-alice.localhost.:${running.port}`,
      `site.u-alice.localhost:${running.port}@evil.example.org`,
    ];
    for (const host of refused) {
      const answer = await alice.browser.request(bounce(host), { follow: false });
      expect(answer.status, host).toBe(404);
      expect(answer.headers.get("location"), host).toBeNull();
      expect(answer.body, host).not.toContain("ticket");
    }
    expect(logged).toEqual([]);
    // The instance's own address, as Plateau gives it: a ticket, to that very origin.
    const host = `site.u-alice.localhost:${running.port}`;
    const allowed = await alice.browser.request(bounce(host, "/docs/?x=1"), { follow: false });
    expect(allowed.status).toBe(303);
    expect(allowed.headers.get("location")).toMatch(
      new RegExp(`^http://site\\.u-alice\\.localhost:${running.port}/__plateau/auth\\?ticket=[A-Za-z0-9_-]{43}$`),
    );
    // The same host, written in capitals, is the same host.
    const upper = await alice.browser.request(bounce(host.toUpperCase()), { follow: false });
    expect(upper.headers.get("location")).toMatch(new RegExp(`^http://site\\.u-alice\\.localhost:${running.port}/__plateau/auth\\?ticket=`));
  });

  it("(b) issues no ticket for an instance that does not exist, or that the person may not open", async () => {
    const bob = await signIn(origin, "bob");
    const bobsProject = await fetch(`${origin}/api/v1/projects`, {
      method: "POST",
      headers: { authorization: `Bearer ${await createToken(bob)}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "bobs", lab: "lmbp", title: "Bob's" }),
    });
    expect(bobsProject.status).toBe(201);
    const notFound = [
      // Her own project, an instance that does not exist: on Plateau's port, yet no ticket.
      { who: alice, host: `x.u-alice.localhost:${running.port}` },
      // An instance that exists, in a project she is not a member of.
      { who: bob, host: `site.u-alice.localhost:${running.port}` },
      // A project that exists but that she is not a member of.
      { who: alice, host: `x.bobs.localhost:${running.port}` },
    ];
    const bodies = new Set<string>();
    for (const { who, host } of notFound) {
      const answer = await who.browser.request(bounce(host), { follow: false });
      expect(answer.status, host).toBe(404);
      expect(answer.headers.get("location"), host).toBeNull();
      bodies.add(answer.body);
    }
    // The three read alike: nothing says which instances or projects exist.
    expect(bodies.size).toBe(1);
  });

  it("(c) never takes an instance host's session for a browser session of Plateau, nor for another host's", async () => {
    // A genuine bounce: alice opens her instance and gets a cookie for its host.
    const host = `site.u-alice.localhost:${running.port}`;
    const visit = await follow(alice.browser, `http://${host}/`);
    expect(visit.final.status).toBe(503); // through the gate: the instance's status page (pending)
    const cookie = alice.browser.cookie(`http://${host}/`, "__Host-plateau-instance");
    expect(cookie?.length).toBeGreaterThanOrEqual(43);
    // It opens the instance…
    expect((await raw(host, "/", { cookie: `__Host-plateau-instance=${cookie}` })).status).toBe(503);
    // …but the API does not know it, under either name.
    for (const name of ["__Host-plateau-session", "__Host-plateau-instance"]) {
      const me = await raw(`localhost:${running.port}`, "/api/v1/me", { cookie: `${name}=${cookie}` });
      expect(me.status, name).toBe(401);
    }
    const minted = await fetch(`${origin}/api/v1/tokens`, {
      method: "POST",
      headers: { cookie: `__Host-plateau-session=${cookie}`, origin, "content-type": "application/json" },
      body: JSON.stringify({ name: "stolen" }),
    });
    expect(minted.status).toBe(401);
    // Nor does another instance's host (the cookie would not be sent there; were it copied, it is refused).
    const elsewhere = await raw(`other.u-alice.localhost:${running.port}`, "/", { cookie: `__Host-plateau-instance=${cookie}` });
    expect(elsewhere.status).toBe(303);
    expect(elsewhere.headers.location).toContain("/auth/instance?");
    // And a browser session of Plateau does not open an instance's host either.
    const session = alice.browser.cookie(origin, "__Host-plateau-session");
    const asInstance = await raw(host, "/", { cookie: `__Host-plateau-instance=${session}` });
    expect(asInstance.status).toBe(303);
    // Signing out with the instance's cookie ends nothing of the browser session.
    await raw(`localhost:${running.port}`, "/auth/logout", { cookie: `__Host-plateau-session=${cookie}` }, "POST");
    expect((await alice.browser.get(`${origin}/api/v1/me`)).status).toBe(200);
  });

  it("(d) lets no page of another site — another instance is one — use an instance's session to change it or open its WebSocket", async () => {
    // Instances are sibling hosts of one domain: same-site, so a Lax cookie goes along with
    // a form or a WebSocket that bob's instance's page starts in alice's browser.
    const host = `site.u-alice.localhost:${running.port}`;
    await follow(alice.browser, `http://${host}/`);
    const cookie = `__Host-plateau-instance=${alice.browser.cookie(`http://${host}/`, "__Host-plateau-instance") ?? ""}`;
    const bobs = `http://web.u-bob.localhost:${running.port}`;
    const forged: { method: string; headers: Record<string, string> }[] = [
      { method: "POST", headers: { cookie, origin: bobs } },
      { method: "POST", headers: { cookie, "sec-fetch-site": "same-site" } },
      { method: "DELETE", headers: { cookie, origin: "null" } },
      { method: "GET", headers: { cookie, origin: bobs, connection: "Upgrade", upgrade: "websocket" } },
    ];
    for (const { method, headers } of forged) {
      const answer = await raw(host, "/api/contents", headers, method);
      expect(answer.status, `${method} ${JSON.stringify(headers)}`).toBe(403);
    }
    // The instance's own pages still may (pending here: its status page), and so may a plain link from elsewhere.
    expect((await raw(host, "/api/contents", { cookie, origin: `http://${host}`, "sec-fetch-site": "same-origin" }, "POST")).status).toBe(503);
    expect((await raw(host, "/", { cookie, "sec-fetch-site": "same-site" })).status).toBe(503);
  });

  it("makes tickets single-use and bound to their exact host", async () => {
    const host = `site.u-alice.localhost:${running.port}`;
    const first = await alice.browser.request(bounce(host), { follow: false });
    const ticket = ticketIn(first.headers.get("location") ?? "") ?? "";
    expect(ticket).not.toBe("");
    // Another spelling of the host (no port, another port) is another host: refused, and spent.
    expect((await raw(`site.u-alice.localhost`, `/__plateau/auth?ticket=${ticket}`)).status).toBe(403);
    expect((await raw(host, `/__plateau/auth?ticket=${ticket}`)).status).toBe(403);
    const second = await alice.browser.request(bounce(host), { follow: false });
    const again = ticketIn(second.headers.get("location") ?? "") ?? "";
    const traded = await raw(host, `/__plateau/auth?ticket=${again}`);
    expect(traded.status).toBe(303);
    expect(instanceCookieIn(traded.headers)).toBeDefined();
    expect((await raw(host, `/__plateau/auth?ticket=${again}`)).status).toBe(403);
  });
});

describe("bounces of one person", () => {
  it("are bounded (each may make a ticket and a session): 429 with Retry-After, others unaffected", async () => {
    const bob = await signIn(origin, "bob");
    const host = `site.u-alice.localhost:${running.port}`;
    let limited: Awaited<ReturnType<Browser["request"]>> | undefined;
    // 60 a minute by default; the loop is bounded and says nothing of time.
    for (let i = 0; i < 200 && !limited; i++) {
      const answer = await bob.browser.request(bounce(host), { follow: false });
      if (answer.status === 429) limited = answer;
    }
    expect(limited?.status).toBe(429);
    expect(Number(limited?.headers.get("retry-after"))).toBeGreaterThan(0);
    // Alice's own bounce is counted apart.
    const hers = await alice.browser.request(bounce(host), { follow: false });
    expect(hers.status).toBe(303);
  });
});
