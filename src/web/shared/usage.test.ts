import { describe, expect, it } from "vitest";
import type { Notice } from "../../contracts/reclaim.js";
import {
  adviceApplicable,
  adviceDirection,
  chartSeries,
  cpuText,
  formatAmount,
  formatDue,
  formatNumber,
  formatPercent,
  hasPoints,
  memoryText,
  noticeActionTarget,
  noticeParams,
  pendingIdleNotice,
  unreadCount,
  windowFrom,
} from "./usage.js";

const advice = (cpu: number, memory: number, current = { cpuMillicores: 500, memoryMiB: 256 }) => ({
  cpuMillicores: cpu,
  memoryMiB: memory,
  current,
  saving: { cores: 0.4, memoryGiB: 0.125, coreHoursPerMonth: 288, gibHoursPerMonth: 90 },
});

const notice = (over: Partial<Notice>): Notice => ({
  key: "k",
  kind: "idle-stop-planned",
  params: { instance: "demo/nb", due: "2026-12-07T10:00:00.000Z" },
  project: "demo",
  instance: "nb",
  due: "2026-12-07T10:00:00.000Z",
  action: "keep",
  createdAt: "2026-12-06T10:00:00.000Z",
  readAt: null,
  ...over,
});
const now = Date.parse("2026-12-06T12:00:00Z");

describe("the window asked for", () => {
  it("takes 1h, 24h, 7d or 30d from the address, the default otherwise", () => {
    expect(windowFrom(new URLSearchParams("window=7d"))).toBe("7d");
    expect(windowFrom(new URLSearchParams("window=1y"))).toBe("24h");
    expect(windowFrom(new URLSearchParams(""), "30d")).toBe("30d");
  });
});

describe("numbers in the reader's language", () => {
  it("formats decimals, percents and due times with Intl", () => {
    expect(formatNumber(1234.567, "en")).toBe("1,234.57");
    expect(formatNumber(1234.567, "fr")).toBe("1\u202f234,57");
    expect([formatAmount(0.005, "en"), formatAmount(0.0153, "fr"), formatAmount(0, "en"), formatAmount(1.456, "en")]).toEqual(["0.005", "0,015", "0", "1.46"]);
    expect(formatPercent(12.4, "en")).toBe("12%");
    expect(formatPercent(12.4, "fr")).toBe("12\u00a0%");
    expect(formatPercent(null, "fr")).toBe("–");
    expect(formatDue("2026-12-07T10:00:00Z", "en", "Europe/Paris")).toBe("Monday, 7 December 2026 at 11:00 CET");
    expect(formatDue("2026-12-07T10:00:00Z", "fr", "UTC")).toBe("lundi 7 décembre 2026 à 10:00 UTC");
  });
  it("writes quantities as templates do", () => {
    expect([cpuText(250), cpuText(2000), memoryText(512), memoryText(2048)]).toEqual(["250m", "2", "512Mi", "2Gi"]);
  });
});

describe("the chart's points", () => {
  it("gives CPU in cores and memory in GiB, gaps kept", () => {
    const { cpu, memory } = chartSeries([
      { t: 10, cpuUsed: 0.2, cpuRequested: 0.5, memoryUsed: 1024 ** 3, memoryRequested: 2 * 1024 ** 3 },
      { t: 20, cpuUsed: null, cpuRequested: null, memoryUsed: null, memoryRequested: null },
    ]);
    expect(cpu).toEqual({ times: [10, 20], used: [0.2, null], requested: [0.5, null] });
    expect(memory.used).toEqual([1, null]);
    expect(hasPoints(cpu)).toBe(true);
    expect(hasPoints({ times: [1], used: [null], requested: [null] })).toBe(false);
  });
});

describe("which actions show", () => {
  it("offers the advice to those who may change the instance, when it changes something", () => {
    expect(adviceApplicable(advice(100, 128), true)).toBe(true);
    expect(adviceApplicable(advice(100, 128), false)).toBe(false);
    expect(adviceApplicable(advice(500, 256), true)).toBe(false);
    expect(adviceApplicable(null, true)).toBe(false);
    expect(adviceDirection(advice(100, 128))).toBe("lower");
    expect(adviceDirection(advice(900, 512))).toBe("higher");
    expect(adviceDirection(advice(100, 512))).toBe("mixed");
  });

  it("finds the idle notice pending on an instance, not one past, another's, or one kept since", () => {
    expect(pendingIdleNotice([notice({})], "demo", "nb", now)?.key).toBe("k");
    expect(pendingIdleNotice([notice({ due: "2026-12-06T11:00:00Z" })], "demo", "nb", now)).toBeUndefined();
    expect(pendingIdleNotice([notice({ instance: "other" })], "demo", "nb", now)).toBeUndefined();
    expect(pendingIdleNotice([notice({ kind: "alert-instance-down", action: "open-instance-logs" })], "demo", "nb", now)).toBeUndefined();
    expect(pendingIdleNotice([notice({})], "demo", "nb", now, Date.parse("2026-12-06T11:00:00Z"))).toBeUndefined();
  });

  it("leads each notice's action where it is done", () => {
    expect(noticeActionTarget(notice({}))).toEqual({ kind: "keep" });
    expect(noticeActionTarget(notice({ action: "renew" }))).toEqual({ kind: "link", to: "/projects/demo/instances/nb" });
    expect(noticeActionTarget(notice({ action: "raise-quota", instance: undefined }))).toEqual({ kind: "link", to: "/projects/demo" });
    expect(noticeActionTarget(notice({ action: undefined }))).toBeUndefined();
    expect(unreadCount([notice({}), notice({ readAt: "2026-12-06T11:00:00Z" })])).toBe(1);
  });

  it("words a notice's due time in the reader's language and zone", () => {
    expect(noticeParams(notice({}), "en", "UTC")).toEqual({ instance: "demo/nb", due: "Monday, 7 December 2026 at 10:00 UTC" });
  });
});
