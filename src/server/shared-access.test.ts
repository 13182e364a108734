// Two replicas over ONE PostgreSQL (ADR 0040, 0043): two servers, each its own pool of
// connections, as two processes behind one Service. Whatever one of them made for a person —
// a pending sign-in, a session, a token, a one-time ticket or code, what the rate limits took —
// the other answers the same; whatever one of them ended (a sign-out, a revocation, a ticket
// redeemed), the other refuses at once. A replay of a one-time secret on the other replica fails.
import { request, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createTestDatabase } from "../../test/support/postgres.js";
import { memoryApp } from "../../test/support/app.js";
import { openPostgres, type OpenDatabase } from "../adapters/sql/database.js";
import { createSqlStore } from "../adapters/sql/sql-store.js";
import { createSqlRateLimitStore } from "../adapters/sql/sql-rate-limit-store.js";
import { systemClock } from "../adapters/system/system.js";
import { fakeProvider, challengeOf } from "../core/testing/access.js";
import { INSTANCE_COOKIE, SESSION_COOKIE, SIGN_IN_COOKIE } from "./cookies.js";

const postgresUrl = inject("postgresUrl");
type Replica = Awaited<ReturnType<typeof memoryApp>> & { port: number };

const identities = new Map<string, Record<string, unknown>>([["carol-sub", { preferred_username: "carol", groups: ["lab:imb"] }]]);
const ORIGIN = "http://localhost:8080";
const opened: OpenDatabase[] = [];
let a: Replica;
let b: Replica;

async function replica(url: string): Promise<Replica> {
  const database = await openPostgres(url);
  opened.push(database);
  const app = await memoryApp({
    adapters: { access: createSqlStore(database.db, systemClock).access, identityProviders: [fakeProvider("idp", identities)] },
    server: { rateLimits: createSqlRateLimitStore(database.db, systemClock) },
    limits: { signInPerMinute: 1000, tokenCreationPerMinute: 3, launchPerMinute: 1000 },
    // as `plateau up` sets it when replication is enabled
    replicated: true,
  });
  await app.app.listen({ host: "127.0.0.1", port: 0 });
  return Object.assign(app, { port: (app.app.server.address() as AddressInfo).port });
}

/** A request over a real socket (the proxy answers instance hosts before Fastify routes anything). */
function get(port: number, host: string, path: string): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, headers: { host } }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on("error", reject);
    req.end();
  });
}

const cookieIn = (headers: Record<string, unknown>, name: string): string => {
  const set = headers["set-cookie"];
  const all = Array.isArray(set) ? set.join("\n") : String(set ?? "");
  return new RegExp(`${name}=([^;\\s]+)`).exec(all)?.[1] ?? "";
};

const me = async (on: Replica, headers: Record<string, string>) => {
  const answer = await on.app.inject({ method: "GET", url: "/api/v1/me", headers });
  return { status: answer.statusCode, login: (answer.json() as { login?: string } | null)?.login ?? null };
};

describe.skipIf(!postgresUrl)("two replicas over one PostgreSQL", () => {
  beforeAll(async () => {
    const url = await createTestDatabase(postgresUrl);
    a = await replica(url);
    b = await replica(url);
  });
  afterAll(async () => {
    await a?.app.close();
    await b?.app.close();
    for (const database of opened) await database.close();
  });

  it("a sign-in begun on A completes on B; the session works on A; signed out on B, A refuses it at once", async () => {
    const begun = await a.app.inject({ method: "GET", url: "/auth/login/idp?returnTo=/projects" });
    expect(begun.statusCode).toBe(303);
    const state = new URL(String(begun.headers.location)).searchParams.get("state");
    const signInCookie = `${SIGN_IN_COOKIE}=${cookieIn(begun.headers, SIGN_IN_COOKIE)}`;
    const completed = await b.app.inject({ method: "GET", url: `/auth/callback/idp?state=${state}&code=carol-sub`, headers: { cookie: signInCookie } });
    expect(completed.statusCode).toBe(303);
    expect(completed.headers.location).toBe("/projects");
    const session = `${SESSION_COOKIE}=${cookieIn(completed.headers, SESSION_COOKIE)}`;
    // The pending sign-in was taken once: its callback replayed on A (or B) finds nothing.
    const replayed = await a.app.inject({ method: "GET", url: `/auth/callback/idp?state=${state}&code=carol-sub`, headers: { cookie: signInCookie } });
    expect(replayed.statusCode).toBe(403);
    expect(cookieIn(replayed.headers, SESSION_COOKIE)).toBe("");

    expect(await me(a, { cookie: session })).toEqual({ status: 200, login: "carol" });
    expect(await me(b, { cookie: session })).toEqual({ status: 200, login: "carol" });
    const csrf = (await a.app.inject({ method: "GET", url: "/api/v1/me", headers: { cookie: session } })).json<{ csrfToken: string }>().csrfToken;
    const out = await b.app.inject({
      method: "POST",
      url: "/auth/logout",
      headers: { cookie: session, "x-csrf-token": csrf, origin: ORIGIN, accept: "application/json" },
    });
    expect(out.statusCode).toBe(200);
    // A had just answered for this session: it remembers nothing of it.
    expect(await me(a, { cookie: session })).toEqual({ status: 401, login: null });
    expect(await me(b, { cookie: session })).toEqual({ status: 401, login: null });
  });

  it("a token made on A works on B; revoked on A, B refuses it at once", async () => {
    const made = await a.app.inject({
      method: "POST",
      url: "/api/v1/tokens",
      headers: { authorization: `Bearer ${await a.tokenOf("alice")}` },
      payload: { name: "script" },
    });
    expect(made.statusCode).toBe(201);
    const { token, record } = made.json<{ token: string; record: { id: string } }>();
    expect(await me(b, { authorization: `Bearer ${token}` })).toEqual({ status: 200, login: "alice" });
    const revoked = await a.app.inject({ method: "DELETE", url: `/api/v1/tokens/${record.id}`, headers: { authorization: `Bearer ${token}` } });
    expect(revoked.statusCode).toBe(204);
    expect((await me(b, { authorization: `Bearer ${token}` })).status).toBe(401);
    expect((await me(a, { authorization: `Bearer ${token}` })).status).toBe(401);
  });

  it("a proxy ticket made on A opens the instance's host on B, once; replayed on A or B it is refused", async () => {
    const browser = await a.browserSession("alice");
    const host = `web.demo.localhost:${b.port}`;
    const ticket = await a.plateau.services.access.issueProxyTicket(browser.id, host, "/page");
    const traded = await get(b.port, host, `/__plateau/auth?ticket=${ticket}`);
    expect(traded.status).toBe(303);
    expect(traded.headers.location).toBe("/page");
    const instanceSession = cookieIn(traded.headers, INSTANCE_COOKIE);
    // The session it opened on B is known to A, for that host only.
    expect((await a.plateau.services.access.instanceSessionPrincipal(instanceSession, host))?.login).toBe("alice");
    expect(await a.plateau.services.access.instanceSessionPrincipal(instanceSession, `other.demo.localhost:${b.port}`)).toBeUndefined();
    // Hostile: whoever read the ticket (a log, a referrer) replays it on the other replica, then on the same one.
    expect((await get(a.port, host, `/__plateau/auth?ticket=${ticket}`)).status).toBe(403);
    expect((await get(b.port, host, `/__plateau/auth?ticket=${ticket}`)).status).toBe(403);
  });

  it("a ticket raced on both replicas at once is redeemed by one of them only", async () => {
    const browser = await a.browserSession("alice");
    for (let round = 0; round < 5; round++) {
      const host = `web.demo.localhost:${a.port}`;
      const ticket = await b.plateau.services.access.issueProxyTicket(browser.id, host, "/");
      const answers = await Promise.all([a, b, a, b].map((replica) => get(replica.port, host, `/__plateau/auth?ticket=${ticket}`)));
      expect(answers.map((answer) => answer.status).sort()).toEqual([303, 403, 403, 403]);
    }
  });

  it("a code of `plateau login` issued on A is traded on B once; its replay on A is refused", async () => {
    const verifier = "w".repeat(43);
    const code = await a.plateau.services.access.issueCliCode(await a.person("alice"), challengeOf(verifier), "laptop");
    const traded = await b.app.inject({ method: "POST", url: "/auth/cli/token", payload: { code, verifier } });
    expect(traded.statusCode).toBe(200);
    const token = traded.json<{ token: string }>().token;
    expect(await me(a, { authorization: `Bearer ${token}` })).toEqual({ status: 200, login: "alice" });
    expect((await a.app.inject({ method: "POST", url: "/auth/cli/token", payload: { code, verifier } })).statusCode).toBe(403);
  });

  it("a person gets a rate limit once, not once per replica", async () => {
    const bob = { authorization: `Bearer ${await a.tokenOf("bob")}` };
    const create = (on: Replica) => on.app.inject({ method: "POST", url: "/api/v1/tokens", headers: bob, payload: { name: "x" } });
    // 3 token creations a minute: two on A and one on B take them all
    expect((await create(a)).statusCode).toBe(201);
    expect((await create(b)).statusCode).toBe(201);
    expect((await create(a)).statusCode).toBe(201);
    const refused = await create(b);
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    expect((await create(a)).statusCode).toBe(429);
  });
});
