import { describe, expect, it } from "vitest";
import { harness, HOUR, SESSIONS } from "../testing/access.js";
import { sha256 } from "./context.js";

// The parts of the service are tested beside them (sign-in, sessions, tokens); here, what the
// service itself adds: the audit log, the store's upkeep and the reading of logins.
describe("access service", () => {
  it("writes audit entries at the clock's time and lists them", async () => {
    const h = harness();
    h.advance(HOUR);
    await h.access.audit({
      actor: "alice",
      action: "token.revoke",
      target: "t1",
      outcome: "success",
      project: null,
      labs: ["imb"],
      ip: "192.0.2.9",
      detail: "",
    });
    const [entry] = await h.access.listAudit({ labs: ["imb"], limit: 10 });
    expect(entry).toMatchObject({ actor: "alice", action: "token.revoke", target: "t1", at: "2025-03-01T09:00:00.000Z" });
    expect(await h.access.listAudit({ labs: ["other"], limit: 10 })).toEqual([]);
  });

  it("names in a lab admin's records only their labs: another lab a record names does not exist for them", async () => {
    const h = harness();
    // bob of lmbp refused a project of imb: both labs' admins read it, each seeing only their own lab.
    await h.access.audit({
      actor: "bob",
      action: "GET /p",
      target: "/p",
      outcome: "denied",
      project: "demo",
      labs: ["imb", "lmbp"],
      ip: "192.0.2.9",
      detail: "",
    });
    expect((await h.access.listAudit({ labs: ["lmbp"], limit: 10 })).map((record) => record.labs)).toEqual([["lmbp"]]);
    expect((await h.access.listAudit({ labs: ["imb"], limit: 10 })).map((record) => record.labs)).toEqual([["imb"]]);
    expect((await h.access.listAudit({ labs: ["imb", "lmbp"], limit: 10 })).map((record) => record.labs)).toEqual([["imb", "lmbp"]]);
    expect((await h.access.listAudit({ labs: null, limit: 10 })).map((record) => record.labs)).toEqual([["imb", "lmbp"]]);
  });

  it("forgets expired sessions when purging, and only those", async () => {
    const h = harness();
    const expired = await h.signIn();
    h.advance(SESSIONS.absoluteHours * HOUR);
    const fresh = await h.signIn("bob-sub");
    await h.access.purgeExpired();
    expect(await h.store.getSession(sha256(expired.sessionId))).toBeUndefined();
    expect(await h.store.getSession(sha256(fresh.sessionId))).toBeDefined();
  });

  it("reads the login of a user id", async () => {
    const h = harness();
    const { principal } = await h.signIn();
    expect(await h.access.loginOf(principal.userId)).toBe("alice");
    expect(await h.access.loginOf("nobody")).toBeUndefined();
  });
});
