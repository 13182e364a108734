import { describe, expect, it } from "vitest";
import type { RecoveryReport } from "../contracts/recovery.js";
import { duration, recoveryLines } from "./failover-commands.js";

const report: RecoveryReport = {
  platform: "plmapps",
  recoveryPlatform: "plmopp",
  state: "failed-over",
  action: "failover",
  commit: "1a2b3c4d5e6f",
  at: "2026-12-06T12:00:00.000Z",
  by: "oscar",
  reason: "flood",
  items: [
    {
      project: "physics",
      instance: "wiki",
      from: "plmapps",
      to: "plmopp",
      state: "failed-over",
      instanceState: "running",
      backup: { id: "physics-1", platform: "plmapps", takenAt: "2026-12-06T07:00:00.000Z" },
      rpoSeconds: 18_000,
      rtoSeconds: 95,
    },
    {
      project: "bio",
      instance: "lab",
      from: "plmapps",
      to: "plmopp",
      state: "failed-over",
      instanceState: "stopped",
      backup: null,
      rpoSeconds: null,
      rtoSeconds: null,
    },
    {
      project: "gpu",
      instance: "train",
      from: "plmapps",
      to: "plmapps",
      state: "skipped",
      instanceState: "running",
      backup: null,
      rpoSeconds: null,
      rtoSeconds: null,
      skipped: {
        code: "cannot-run-there",
        reason: "cannot run on plmopp: declares no GPU pool",
        params: { platform: "plmopp", reason: "declares no GPU pool" },
      },
    },
  ],
};

describe("plateau recovery's table", () => {
  it("says where each instance went, from which backup, its RPO and RTO, and why one stayed", () => {
    const lines = recoveryLines(report);
    expect(lines[0]).toBe("plmapps: failed-over; last failover at 2026-12-06 12:00 UTC by oscar (flood), commit 1a2b3c4");
    const text = lines.join("\n");
    expect(text).toMatch(/physics\/wiki +failed-over +plmapps → plmopp +running +physics-1 \(2026-12-06 07:00 UTC\) +5 h +1 min/);
    expect(text).toMatch(/bio\/lab +failed-over +plmapps → plmopp +stopped +none: starts empty +- +-/);
    expect(text).toContain("cannot run on plmopp: declares no GPU pool");
  });

  it("words durations", () => {
    expect([null, 42, 600, 18_000, 18_660, 200_000].map(duration)).toEqual(["-", "42 s", "10 min", "5 h", "5 h 11 min", "2 d 7 h"]);
  });
});
