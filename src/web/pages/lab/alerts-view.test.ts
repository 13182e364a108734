import { describe, expect, it } from "vitest";
import type { Notice } from "../../../contracts/reclaim.js";
import { recentLabAlerts, ruleThreshold } from "./alerts-view.js";

const notice = (over: Partial<Notice>): Notice => ({
  key: "a",
  kind: "alert-instance-down",
  params: { instance: "nb", project: "demo" },
  project: "demo",
  instance: "nb",
  action: "open-instance-logs",
  createdAt: "2026-12-06T10:00:00.000Z",
  readAt: null,
  ...over,
});

describe("a lab's alert rules", () => {
  it("say each threshold in its unit", () => {
    expect(ruleThreshold({ id: "instance-down", threshold: null }, "en")).toBeNull();
    expect(ruleThreshold({ id: "restart-loop", threshold: 3 }, "en")).toEqual({ key: "restarts", value: "3" });
    expect(ruleThreshold({ id: "volume-full", threshold: 0.9 }, "en")).toEqual({ key: "share", value: "90%" });
    expect(ruleThreshold({ id: "quota-nearly-used", threshold: 0.925 }, "fr")).toEqual({ key: "share", value: "92,5\u00a0%" });
    expect(ruleThreshold({ id: "expiring-soon", threshold: 24 }, "fr")).toEqual({ key: "hours", value: "24" });
  });

  it("show the alerts of the lab's projects from the last day only", () => {
    const now = Date.parse("2026-12-06T12:00:00Z");
    const found = recentLabAlerts(
      [
        notice({ key: "old", createdAt: "2026-12-04T10:00:00.000Z" }),
        notice({ key: "other-lab", project: "elsewhere" }),
        notice({ key: "idle", kind: "idle-stop-planned" }),
        notice({ key: "new", createdAt: "2026-12-06T11:00:00.000Z" }),
        notice({ key: "a" }),
      ],
      ["demo"],
      now,
    );
    expect(found.map((n) => n.key)).toEqual(["new", "a"]);
  });
});
