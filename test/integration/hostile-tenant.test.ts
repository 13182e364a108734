// A hostile tenant against this issue's new and changed surfaces (issue 12): bob of another
// lab and his lab's admin lea, a viewer of alice's project, a read-only token, an instance
// host's session, anonymous. Each case is an attack that leaked before its fix, or a probe
// that found nothing and keeps it so.
import type { InjectOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INSTANCE_COOKIE, SESSION_COOKIE } from "../../src/server/cookies.js";
import { memoryApp, type Person } from "../support/app.js";

let fixture: Awaited<ReturnType<typeof memoryApp>>;

beforeAll(async () => {
  fixture = await memoryApp();
});

afterAll(async () => {
  await fixture?.app.close();
  await fixture?.plateau.stop();
});

const send = async (who: Person, options: InjectOptions) =>
  fixture.app.inject({ ...options, headers: { ...(await fixture.as(who)), ...(options.headers ?? {}) } });

interface AuditItem {
  readonly actor: string | null;
  readonly action: string;
  readonly target: string;
  readonly outcome: string;
  readonly labs: string[];
}
const auditOf = async (who: Person) => ((await send(who, { url: "/api/v1/audit?limit=200" })).json() as { items: AuditItem[] }).items;

describe("the audit log as another lab's admin reads it", () => {
  it("does not tell lea (admin of lmbp) which lab a project hidden from her lab belongs to, nor that it exists", async () => {
    // bob (lmbp) probes a hidden project of imb and a name nobody has: the same 404 for both…
    const hidden = await send("bob", { method: "PUT", url: "/api/v1/projects/demo/tiers", payload: { tiers: ["institutional"] } });
    const missing = await send("bob", { method: "PUT", url: "/api/v1/projects/nx-nowhere/tiers", payload: { tiers: ["institutional"] } });
    expect(hidden.statusCode).toBe(404);
    expect(hidden.body).toBe(missing.body.replaceAll("nx-nowhere", "demo"));
    // …and his lab's admin, who reads her lab's audit records, must not tell them apart either.
    const records = (await auditOf("lea")).filter((record) => record.actor === "bob" && record.action === "PUT /api/v1/projects/:project/tiers");
    const of = (target: string) => records.find((record) => record.target === `/api/v1/projects/${target}/tiers`);
    expect(of("demo")?.labs).toEqual(["lmbp"]);
    expect(of("nx-nowhere")?.labs).toEqual(["lmbp"]);
    // imb's admin reads the attempt on her lab's project, and no lab of the prober she is not in.
    const ines = (await auditOf("ines")).find((record) => record.actor === "bob" && record.target === "/api/v1/projects/demo/tiers");
    expect(ines?.labs).toEqual(["imb"]);
    // Operators read every lab of it.
    const oscar = (await auditOf("oscar")).find((record) => record.actor === "bob" && record.target === "/api/v1/projects/demo/tiers");
    expect(oscar?.labs).toEqual(["imb", "lmbp"]);
  });
});

describe("what the platform says of an instance, in the answers of changes", () => {
  it("gives members a failed pull without its network detail, as every read does, and operators the detail", async () => {
    const detail = "dial tcp 10.0.0.1:443: connection refused";
    fixture.engine.failNext("pulled", `the image docker.io/x/y:1 could not be pulled: ${detail}`);
    const launched = await send("alice", {
      method: "POST",
      url: "/api/v1/projects/demo/instances",
      payload: { template: "static-site", name: "pulled" },
      headers: { "idempotency-key": "pulled-1" },
    });
    expect(launched.statusCode, launched.body).toBe(202);
    await fixture.reconciler.reconcileOnce();
    const read = (await send("alice", { url: "/api/v1/projects/demo/instances/pulled" })).json() as { reason: string };
    expect(read.reason).toBe("the image docker.io/x/y:1 could not be pulled");
    // Each answer of a change says the instance as it is now: no more to a member than a read.
    const changes: (InjectOptions & { url: string })[] = [
      {
        method: "POST",
        url: "/api/v1/projects/demo/instances",
        payload: { template: "static-site", name: "pulled" },
        headers: { "idempotency-key": "pulled-1" },
      },
      { method: "POST", url: "/api/v1/projects/demo/instances/pulled/renew", payload: {} },
      { method: "POST", url: "/api/v1/projects/demo/instances/pulled/move", payload: { platform: "local" } },
      { method: "POST", url: "/api/v1/projects/demo/instances/pulled/stop" },
      { method: "POST", url: "/api/v1/projects/demo/instances/pulled/start" },
    ];
    for (const change of changes) {
      const reply = await send("alice", change);
      expect(reply.statusCode, `${change.url} ${reply.body}`).toBeLessThan(300);
      expect(reply.body, change.url).not.toContain(detail);
      expect((reply.json() as { instance: { reason: string } }).instance.reason, change.url).toMatch(/could not be pulled|requested|committed/);
    }
    const removed = await send("alice", { method: "DELETE", url: "/api/v1/projects/demo/instances/pulled" });
    expect(removed.statusCode).toBe(202);
    expect(removed.body).not.toContain(detail);
    // Operators are told the detail.
    fixture.engine.failNext("pulled-too", `the image docker.io/x/y:1 could not be pulled: ${detail}`);
    expect(
      (await send("oscar", { method: "POST", url: "/api/v1/projects/demo/instances", payload: { template: "static-site", name: "pulled-too" } })).statusCode,
    ).toBe(202);
    await fixture.reconciler.reconcileOnce();
    expect((await send("oscar", { method: "POST", url: "/api/v1/projects/demo/instances/pulled-too/renew", payload: {} })).body).toContain(detail);
  });
});

describe("GET /api/v1/session", () => {
  /** A browser session of alice, as a sign-in makes it. */
  const browserSession = () => fixture.browserSession("alice");
  const session = (cookie?: string) => fixture.app.inject({ url: "/api/v1/session", headers: cookie ? { cookie } : {} });

  it("is never stored by a cache, nor is /me: they answer who the cookie is, and the session's CSRF token", async () => {
    const { id, csrf } = await browserSession();
    const signedIn = await session(`${SESSION_COOKIE}=${id}`);
    expect(signedIn.json()).toMatchObject({ me: { login: "alice", csrfToken: csrf } });
    expect(signedIn.headers["cache-control"]).toBe("no-store");
    const anonymous = await session();
    expect(anonymous.json()).toEqual({ me: null });
    expect(anonymous.headers["cache-control"]).toBe("no-store");
    const me = await fixture.app.inject({ url: "/api/v1/me", headers: { cookie: `${SESSION_COOKIE}=${id}` } });
    expect(me.json()).toMatchObject({ login: "alice", csrfToken: csrf });
    expect(me.headers["cache-control"]).toBe("no-store");
  });

  it("does not accept an instance host's session, under either cookie's name: it answers as for nobody", async () => {
    const { id } = await browserSession();
    const host = "web.demo.localhost:8080";
    const ticket = await fixture.plateau.services.access.issueProxyTicket(id, host, "/");
    const redeemed = await fixture.plateau.services.access.redeemProxyTicket(ticket, host);
    expect(redeemed).toBeDefined();
    const instanceSession = redeemed?.sessionId ?? "";
    expect(await fixture.plateau.services.access.instanceSessionPrincipal(instanceSession, host)).toMatchObject({ login: "alice" });
    for (const cookie of [`${SESSION_COOKIE}=${instanceSession}`, `${INSTANCE_COOKIE}=${instanceSession}`, `${SESSION_COOKIE}=${instanceSession}x`]) {
      const reply = await session(cookie);
      expect(reply.statusCode, cookie).toBe(200);
      expect(reply.json(), cookie).toEqual({ me: null });
    }
  });
});

describe("the page shell, as a stranger fills it", () => {
  it("escapes what a link puts in the sign-in page, and keeps a return-to on Plateau's own paths", async () => {
    for (const returnTo of [
      "javascript:alert(1)",
      "//evil.example/x",
      '/"><script>alert(1)</script>',
      "/a\r\nSet-Cookie: x=1",
      "/x</style><script>1</script>",
    ]) {
      const reply = await fixture.app.inject({
        url: `/auth/sign-in?returnTo=${encodeURIComponent(returnTo)}&q=${encodeURIComponent('</style><script>alert("q")</script>')}`,
      });
      expect(reply.statusCode, returnTo).toBeLessThan(400);
      const html = reply.body;
      if (reply.statusCode === 303) {
        expect(String(reply.headers.location), returnTo).toMatch(/^\/auth\/login\/[a-z0-9-]+\?returnTo=%2F/);
        continue;
      }
      expect(html, returnTo).not.toContain("<script");
      expect(html.match(/<\/style>/g)?.length, returnTo).toBe(1);
      expect(html, returnTo).not.toMatch(/href="javascript:|value="javascript:|\/\/evil\.example/);
      expect(reply.headers["content-security-policy"]).toContain("default-src 'none'");
    }
  });
});

describe("a viewer of alice's project and a read-only token", () => {
  it("see the project's tiers, role and abilities, and are refused setting tiers as people who see the project (403)", async () => {
    const members = [
      { login: "alice", role: "owner" },
      { login: "bob", role: "viewer" },
    ];
    expect((await send("alice", { method: "PUT", url: "/api/v1/projects/demo/members", payload: { members } })).statusCode).toBe(200);
    const seen = (await send("bob", { url: "/api/v1/projects/demo" })).json() as Record<string, unknown>;
    expect(seen).toMatchObject({ tiers: ["experimental"], role: "viewer", roleWithoutLoginEntry: null });
    expect(seen.may).toEqual({ read: true, launch: false, manageMembers: false, setQuota: false, setTiers: false });
    const refused = await send("bob", { method: "PUT", url: "/api/v1/projects/demo/tiers", payload: { tiers: ["institutional"] } });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toEqual({ error: { code: "not-allowed", message: "not allowed: this is for platform operators" } });

    // An operator's read-only token reads, and may nothing.
    const oscar = await fixture.person("oscar");
    const { token } = await fixture.plateau.services.access.createToken(oscar, { name: "read-only", write: false });
    const readOnly = { authorization: `Bearer ${token}` };
    const view = (await fixture.app.inject({ url: "/api/v1/projects/demo", headers: readOnly })).json() as Record<string, unknown>;
    expect(view.may).toEqual({ read: true, launch: false, manageMembers: false, setQuota: false, setTiers: false });
    const set = await fixture.app.inject({ method: "PUT", url: "/api/v1/projects/demo/tiers", headers: readOnly, payload: { tiers: ["institutional"] } });
    expect(set.statusCode).toBe(403);
    expect(Object.keys((set.json() as { error: object }).error).sort()).toEqual(["code", "message"]);
  });
});

describe("an idempotency key replayed after one's role is gone", () => {
  it("does not show a project its creator no longer has a role on: the retry reads as the same request without a key (409)", async () => {
    const create = (headers: Record<string, string> = {}) =>
      send("alice", { method: "POST", url: "/api/v1/projects", payload: { name: "handed-over", lab: "imb" }, headers });
    const first = await create({ "idempotency-key": "handover-1" });
    expect(first.statusCode, first.body).toBe(201);
    // The lab's admin hands the project over to herself; alice no longer sees it.
    const members = { members: [{ login: "ines", role: "owner" }] };
    expect((await send("ines", { method: "PUT", url: "/api/v1/projects/handed-over/members", payload: members })).statusCode).toBe(200);
    expect((await send("ines", { method: "PUT", url: "/api/v1/projects/handed-over/quota", payload: { quota: { cpu: 3 } } })).statusCode).toBe(200);
    expect((await send("alice", { url: "/api/v1/projects/handed-over" })).statusCode).toBe(404);
    // Her retry of the creation must not read it to her (its members, quota, tiers as they are now).
    const retried = await create({ "idempotency-key": "handover-1" });
    const plain = await create();
    expect(plain.statusCode).toBe(409);
    expect(retried.body).not.toContain("ines");
    expect(retried.statusCode).toBe(409);
    expect(retried.json()).toEqual(plain.json());
  });
});
