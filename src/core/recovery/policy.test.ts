import { describe, expect, it } from "vitest";
import { backupDue, expiredBackups, recoveryPolicyOf } from "./policy.js";

const defaults = { everyHours: 24, retentionDays: 14, drillEveryDays: 90 };

describe("recoveryPolicyOf", () => {
  it("backs up institutional projects by default, and not the others", () => {
    expect(recoveryPolicyOf({ spec: { title: "t", tiers: ["institutional"] } }, defaults)).toMatchObject({ backups: true, why: "institutional" });
    expect(recoveryPolicyOf({ spec: { title: "t" } }, defaults)).toMatchObject({ backups: false, why: "not-institutional" });
    expect(recoveryPolicyOf({ spec: { title: "t", tiers: ["experimental"] } }, defaults).backups).toBe(false);
  });
  it("lets the project's file say otherwise, field by field", () => {
    const policy = recoveryPolicyOf({ spec: { title: "t", tiers: ["institutional"], recovery: { backups: false, everyHours: 6 } } }, defaults);
    expect(policy).toEqual({ backups: false, everyHours: 6, retentionDays: 14, drillEveryDays: 90, why: "project-file" });
    expect(recoveryPolicyOf({ spec: { title: "t", recovery: { backups: true, retentionDays: 3 } } }, defaults)).toMatchObject({
      backups: true,
      retentionDays: 3,
      why: "project-file",
    });
  });
});

describe("backupDue", () => {
  const on = recoveryPolicyOf({ spec: { title: "t", recovery: { backups: true, everyHours: 6 } } }, defaults);
  const now = new Date("2026-12-06T12:00:00Z");
  it("is due without any backup, and once the newest is everyHours old", () => {
    expect(backupDue(on, undefined, now)).toBe(true);
    expect(backupDue(on, "2026-12-06T06:00:01Z", now)).toBe(false);
    expect(backupDue(on, "2026-12-06T06:00:00Z", now)).toBe(true);
  });
  it("is never due when backups are off", () => {
    expect(backupDue({ ...on, backups: false }, undefined, now)).toBe(false);
  });
});

describe("expiredBackups", () => {
  const policy = recoveryPolicyOf({ spec: { title: "t", recovery: { backups: true, retentionDays: 2 } } }, defaults);
  const now = new Date("2026-12-10T00:00:00Z");
  it("removes what is older than the retention, never the newest", () => {
    const backups = [{ takenAt: "2026-12-01T00:00:00Z" }, { takenAt: "2026-12-09T00:00:00Z" }, { takenAt: "2026-12-07T23:59:59Z" }];
    expect(expiredBackups(policy, backups, now)).toEqual([{ takenAt: "2026-12-07T23:59:59Z" }, { takenAt: "2026-12-01T00:00:00Z" }]);
    expect(expiredBackups(policy, [{ takenAt: "2026-01-01T00:00:00Z" }], now)).toEqual([]);
  });
});
