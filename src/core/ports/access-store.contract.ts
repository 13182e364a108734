// Contract of the AccessStore port: SQLite, PostgreSQL and memory pass the same tests.
import { describe, expect, it } from "vitest";
import type { AccessStore, AuditEntry, TokenRecord, UserIdentity } from "./access-store.js";

const identity = (extra: Partial<UserIdentity> = {}): UserIdentity => ({
  issuer: "https://idp.example.org",
  subject: "sub-1",
  login: "alice",
  name: "Alice Martin",
  email: "alice@imb.example.org",
  groups: ["lab:imb"],
  labs: ["imb"],
  labAdminOf: [],
  operator: false,
  ...extra,
});

const token = (extra: Partial<TokenRecord> = {}): TokenRecord => ({
  id: "t1",
  userId: "u",
  name: "ci",
  hash: "h1",
  prefix: "plt_abcd",
  projects: null,
  write: true,
  createdAt: "2026-01-01T00:00:00.000Z",
  expiresAt: "2026-02-01T00:00:00.000Z",
  lastUsedAt: null,
  revokedAt: null,
  ...extra,
});

const entry = (extra: Partial<AuditEntry> = {}): AuditEntry => ({
  at: "2026-01-01T00:00:00.000Z",
  actor: "alice",
  action: "launch",
  target: "demo/a",
  outcome: "success",
  project: "demo",
  labs: ["imb"],
  ip: "127.0.0.1",
  detail: "",
  ...extra,
});

export function describeAccessStoreContract(name: string, create: () => Promise<AccessStore>): void {
  describe(`AccessStore contract: ${name}`, () => {
    it("keys users by (issuer, subject), keeps their login, and makes logins unique", async () => {
      const store = await create();
      const first = await store.upsertUser(identity(), "t1");
      expect(first).toMatchObject({ login: "alice", labs: ["imb"], operator: false, createdAt: "t1", lastSignInAt: "t1" });
      const again = await store.upsertUser(identity({ labs: ["imb", "lmbp"], name: "Alice M." }), "t2");
      expect(again.id).toBe(first.id);
      expect(again).toMatchObject({ login: "alice", labs: ["imb", "lmbp"], name: "Alice M.", createdAt: "t1", lastSignInAt: "t2" });
      // The same subject at another provider is another person, whatever the e-mail says.
      const other = await store.upsertUser(identity({ issuer: "https://other.example.org" }), "t3");
      expect(other.id).not.toBe(first.id);
      expect(other.login).toBe("alice-2");
      expect(await store.getUser(first.id)).toEqual(again);
      expect(await store.getUser("nobody")).toBeUndefined();
      expect((await store.usersByLogin(["alice-2", "nobody", "alice"])).map((user) => user.login).sort()).toEqual(["alice", "alice-2"]);
      expect(await store.usersByLogin([])).toEqual([]);
    });

    it("makes an operator of a login in operatorLogins only when it is the login the user gets", async () => {
      const store = await create();
      const oscar = identity({ login: "oscar", operatorLogins: ["oscar"] });
      expect(await store.upsertUser(oscar, "t1")).toMatchObject({ login: "oscar", operator: true });
      const other = identity({ issuer: "https://other.example.org", login: "oscar", operatorLogins: ["oscar"] });
      expect(await store.upsertUser(other, "t2")).toMatchObject({ login: "oscar-2", operator: false });
      const again = await store.upsertUser(other, "t3");
      expect(again).toMatchObject({ login: "oscar-2", operator: false });
      expect(await store.getUser(again.id)).toMatchObject({ operator: false });
      expect(await store.upsertUser({ ...other, operator: true }, "t4")).toMatchObject({ login: "oscar-2", operator: true });
      expect(await store.upsertUser(oscar, "t5")).toMatchObject({ login: "oscar", operator: true });
    });

    it("keeps, touches and deletes sessions by the hash of their id", async () => {
      const store = await create();
      const session = {
        idHash: "hash",
        userId: "u",
        csrfToken: "csrf",
        provider: "embedded",
        idToken: null,
        createdAt: "2026-01-01T00:00:00.000Z",
        lastSeenAt: "2026-01-01T00:00:00.000Z",
        expiresAt: "2026-01-01T08:00:00.000Z",
        parentHash: null,
        instanceHost: null,
      };
      await store.createSession(session);
      expect(await store.getSession("hash")).toEqual(session);
      // A session of an instance host keeps its kind: its host and its browser session.
      const instance = { ...session, idHash: "child", parentHash: "hash", instanceHost: "hello.demo.localhost:8080" };
      await store.createSession(instance);
      expect(await store.getSession("child")).toEqual(instance);
      await store.deleteSession("child");
      await store.touchSession("hash", "2026-01-01T01:00:00.000Z");
      expect((await store.getSession("hash"))?.lastSeenAt).toBe("2026-01-01T01:00:00.000Z");
      await store.purgeExpired("2026-01-01T07:59:59.000Z");
      expect(await store.getSession("hash")).toBeDefined();
      await store.deleteSession("hash");
      expect(await store.getSession("hash")).toBeUndefined();
      await store.createSession(session);
      await store.purgeExpired("2026-01-01T08:00:00.000Z");
      expect(await store.getSession("hash")).toBeUndefined();
    });

    it("gives a one-time secret at most once, and never after it expires", async () => {
      const store = await create();
      await store.putOnce("sign-in", "k", '{"a":1}', "2026-01-01T00:10:00.000Z");
      expect(await store.takeOnce("cli-code", "k", "2026-01-01T00:00:00.000Z")).toBeUndefined();
      expect(await store.takeOnce("sign-in", "k", "2026-01-01T00:00:00.000Z")).toBe('{"a":1}');
      expect(await store.takeOnce("sign-in", "k", "2026-01-01T00:00:00.000Z")).toBeUndefined();
      await store.putOnce("sign-in", "old", "x", "2026-01-01T00:10:00.000Z");
      expect(await store.takeOnce("sign-in", "old", "2026-01-01T00:10:00.000Z")).toBeUndefined();
      const many = await Promise.all([1, 2, 3].map(async () => store.takeOnce("sign-in", "old", "2026-01-01T00:00:00.000Z")));
      expect(many.filter((payload) => payload !== undefined)).toEqual([]);
    });

    it("finds tokens by hash, lists them newest first, and revokes only the owner's", async () => {
      const store = await create();
      await store.createToken(token());
      await store.createToken(token({ id: "t2", hash: "h2", createdAt: "2026-01-02T00:00:00.000Z", projects: ["demo"], write: false }));
      await store.createToken(token({ id: "t3", hash: "h3", userId: "other" }));
      expect((await store.listTokens("u")).map((t) => t.id)).toEqual(["t2", "t1"]);
      expect(await store.findToken("h2")).toEqual(token({ id: "t2", hash: "h2", createdAt: "2026-01-02T00:00:00.000Z", projects: ["demo"], write: false }));
      expect(await store.findToken("nope")).toBeUndefined();
      expect(await store.revokeToken("u", "t3", "now")).toBe(false);
      expect(await store.revokeToken("u", "t1", "now")).toBe(true);
      expect(await store.revokeToken("u", "t1", "later")).toBe(false);
      expect((await store.findToken("h1"))?.revokedAt).toBe("now");
      await store.touchToken("t2", "used");
      expect((await store.findToken("h2"))?.lastUsedAt).toBe("used");
    });

    it("lists the audit log newest first, filtered by lab, page by page", async () => {
      const store = await create();
      await store.appendAudit(entry());
      await store.appendAudit(entry({ labs: ["lmbp"], target: "b/x", project: "b" }));
      await store.appendAudit(entry({ labs: [], actor: null, outcome: "denied", action: "GET /api/v1/projects/:project", project: null }));
      await store.appendAudit(entry({ labs: ["imb", "lmbp"], action: "sign-in", project: null }));
      const all = await store.listAudit({ labs: null, limit: 10 });
      expect(all.map((e) => e.action)).toEqual(["sign-in", "GET /api/v1/projects/:project", "launch", "launch"]);
      expect(all[1]).toMatchObject({ actor: null, outcome: "denied", labs: [] });
      expect((await store.listAudit({ labs: ["imb"], limit: 10 })).map((e) => e.target)).toEqual(["demo/a", "demo/a"]);
      expect((await store.listAudit({ labs: ["lmbp"], limit: 10 })).map((e) => e.target)).toEqual(["demo/a", "b/x"]);
      expect(await store.listAudit({ labs: [], limit: 10 })).toEqual([]);
      const page = await store.listAudit({ labs: null, limit: 2 });
      const next = await store.listAudit({ labs: null, limit: 2, before: page[1]?.id });
      expect(next.map((e) => e.target)).toEqual(["b/x", "demo/a"]);
    });
  });
}
