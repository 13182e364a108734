import { describe, expect, it } from "vitest";
import { backupTurn, newBackupId } from "./backups.js";
import { recoveryPolicyOf } from "./policy.js";

const DEFAULTS = { everyHours: 24, retentionDays: 14, drillEveryDays: 90 };

describe("backup ids and turns", () => {
  it("names a backup by its time and a random suffix: a DNS label, sorted by time as text", () => {
    const random = { int: (n: number) => n - 1 };
    const id = newBackupId(new Date("2026-12-06T19:00:05.123Z"), random);
    expect(id).toBe("20261206t190005z-999999");
    expect(id).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
    expect(newBackupId(new Date("2026-12-06T19:00:06Z"), { int: () => 0 }) > id).toBe(true);
  });

  it("backs up when none exists or the newest is everyHours old, and expires by the retention but never the newest", () => {
    const policy = recoveryPolicyOf({ spec: { title: "t", recovery: { backups: true, everyHours: 6, retentionDays: 1 } } }, DEFAULTS);
    const now = new Date("2026-03-10T12:00:00Z");
    expect(backupTurn(policy, [], now)).toEqual({ backUp: true, expired: [] });
    const recent = { takenAt: "2026-03-10T07:00:00Z" };
    const old = { takenAt: "2026-03-08T12:00:00Z" };
    expect(backupTurn(policy, [old, recent], now)).toEqual({ backUp: false, expired: [old] });
    expect(backupTurn(policy, [old], now)).toEqual({ backUp: true, expired: [] });
    const off = recoveryPolicyOf({ spec: { title: "t" } }, DEFAULTS);
    expect(backupTurn(off, [old, recent], now)).toEqual({ backUp: false, expired: [] });
  });
});
