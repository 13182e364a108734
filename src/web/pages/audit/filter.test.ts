import { describe, expect, it } from "vitest";
import type { AuditRecord } from "../../../contracts/api.js";
import { appendOlder, auditPath, filterAudit, nextBefore } from "./filter.js";

const record = (id: number, overrides: Partial<AuditRecord> = {}): AuditRecord => ({
  id,
  at: "2026-11-25T10:00:00Z",
  actor: "alice",
  action: "launch",
  target: "/api/v1/projects/demo/instances",
  outcome: "success",
  project: "demo",
  labs: ["imb"],
  ip: "127.0.0.1",
  detail: "",
  ...overrides,
});

describe("audit pages", () => {
  it("asks for a page, then the records before the last one seen", () => {
    expect(auditPath()).toBe("/audit?limit=100");
    expect(auditPath(42, 50)).toBe("/audit?limit=50&before=42");
  });

  it("goes on while pages come back full, and stops at a short one", () => {
    const page = [record(5), record(4), record(3)];
    expect(nextBefore(page, 3, 3)).toBe(3);
    expect(nextBefore(page, 2, 3)).toBeUndefined();
    expect(nextBefore([], 0, 3)).toBeUndefined();
  });

  it("appends older records once each", () => {
    expect(appendOlder([record(5), record(4)], [record(4), record(3)]).map((r) => r.id)).toEqual([5, 4, 3]);
  });
});

describe("the audit filter", () => {
  const records = [
    record(3, { actor: "bob", action: "GET /api/v1/labs/:lab", outcome: "denied", detail: "no such lab", labs: ["lmbp"] }),
    record(2, { action: "set-members", outcome: "failure", detail: "a project needs at least one owner" }),
    record(1, { actor: null, action: "sign-in", project: null }),
  ];

  it("keeps records with every word, in any field, in any case", () => {
    expect(filterAudit(records, "").map((r) => r.id)).toEqual([3, 2, 1]);
    expect(filterAudit(records, "BOB lab").map((r) => r.id)).toEqual([3]);
    expect(filterAudit(records, "lmbp").map((r) => r.id)).toEqual([3]);
    expect(filterAudit(records, "owner members").map((r) => r.id)).toEqual([2]);
    expect(filterAudit(records, "nobody").map((r) => r.id)).toEqual([]);
  });

  it("filters by outcome, problems meaning denied or failed", () => {
    expect(filterAudit(records, "", "denied").map((r) => r.id)).toEqual([3]);
    expect(filterAudit(records, "", "problems").map((r) => r.id)).toEqual([3, 2]);
    expect(filterAudit(records, "sign", "success").map((r) => r.id)).toEqual([1]);
  });
});
