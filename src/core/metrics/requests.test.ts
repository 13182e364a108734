import { describe, expect, it } from "vitest";
import { InputError } from "../errors.js";
import type { MetricsSource } from "../ports/metrics-source.js";
import { choosePlatform, parseDuration, parseTime, rangeOf } from "./requests.js";

const issueOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (error instanceof InputError) return { ...error.issues[0], message: error.message };
    throw error;
  }
  throw new Error("not refused");
};

describe("times and durations, as Prometheus reads them", () => {
  it("reads Unix seconds and RFC 3339", () => {
    expect(parseTime("time", "1700000000.5")).toBe(1700000000.5);
    expect(parseTime("start", "2026-01-31T12:00:00Z")).toBe(Date.UTC(2026, 0, 31, 12) / 1000);
    expect(parseTime("start", "2026-01-31T13:00:00.5+01:00")).toBe(Date.UTC(2026, 0, 31, 12) / 1000 + 0.5);
    expect(issueOf(() => parseTime("end", "tomorrow"))).toMatchObject({ pointer: "/end", rule: "time" });
  });
  it("reads seconds and durations", () => {
    expect(parseDuration("step", "15")).toBe(15);
    expect(parseDuration("step", "1.5")).toBe(1.5);
    expect(parseDuration("step", "1h30m")).toBe(5400);
    expect(parseDuration("step", "500ms")).toBe(0.5);
    expect(issueOf(() => parseDuration("step", "-1"))).toMatchObject({ pointer: "/step", rule: "duration" });
  });
  it("refuses more than 11,000 points per series, an end before the start and a step of zero", () => {
    expect(rangeOf(0, 11_000, 1)).toEqual({ start: 0, end: 11_000, step: 1 });
    expect(issueOf(() => rangeOf(0, 11_001, 1))).toMatchObject({ pointer: "/step", rule: "max-points" });
    expect(issueOf(() => rangeOf(10, 0, 1))).toMatchObject({ pointer: "/end", rule: "range" });
    expect(issueOf(() => rangeOf(0, 10, 0))).toMatchObject({ pointer: "/step", rule: "range" });
  });
});

describe("choosePlatform", () => {
  const source = {} as MetricsSource;
  const metrics = (platform: string) => ({ platform, namespaceLabel: "namespace", source });
  const platforms = [
    { name: "local", metrics: null },
    { name: "plmapps", metrics: metrics("plmapps") },
  ];
  it("takes the only platform with metrics when none is named, and the one named", () => {
    expect(choosePlatform(undefined, platforms).platform).toBe("plmapps");
    expect(choosePlatform("plmapps", platforms).platform).toBe("plmapps");
  });
  it("refuses naming platform and the choices", () => {
    expect(issueOf(() => choosePlatform("local", platforms))).toMatchObject({ pointer: "/platform", rule: "metrics" });
    expect(issueOf(() => choosePlatform("nowhere", platforms)).message).toContain("choose among: plmapps");
    const two = [...platforms, { name: "cirrus", metrics: metrics("cirrus") }];
    expect(issueOf(() => choosePlatform(undefined, two))).toMatchObject({
      pointer: "/platform",
      rule: "required",
      message: expect.stringContaining("cirrus, plmapps"),
    });
    expect(issueOf(() => choosePlatform(undefined, [{ name: "local", metrics: null }])).message).toContain("no platform declares one");
  });
});
