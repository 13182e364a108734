import { describe, expect, it } from "vitest";
import { InputError } from "../errors.js";
import {
  announcedExpiry,
  day,
  expiredInstances,
  expiryOf,
  isExpired,
  launchExpiry,
  NEVER_EXPIRE,
  renewedExpiry,
  startExpiry,
  type LifecycleSettings,
} from "./expiry.js";

const SETTINGS: LifecycleSettings = { expiryDays: 30, renewDays: 30, maxDays: 365 };
const NOW = new Date("2026-03-01T12:00:00.000Z");
const inDays = (days: number) => new Date(NOW.getTime() + days * 86_400_000).toISOString();

describe("which instances are expired now", () => {
  const instance = (name: string, state: "running" | "stopped", expiresAt: string | null) => ({ name, state, expiresAt });

  it("is the running instances whose expiry has come, the longest expired first", () => {
    const instances = [
      instance("later", "running", inDays(1)),
      instance("just", "running", NOW.toISOString()),
      instance("long-ago", "running", inDays(-10)),
      instance("stopped", "stopped", inDays(-5)),
      instance("never", "running", null),
    ];
    expect(expiredInstances(instances, NOW).map((i) => i.name)).toEqual(["long-ago", "just"]);
  });

  it("reads times with any offset, and never takes a time it cannot read for an expiry", () => {
    expect(isExpired("2026-03-01T13:00:00+02:00", NOW)).toBe(true); // 11:00 UTC
    expect(isExpired("2026-03-01T13:00:00+00:00", NOW)).toBe(false);
    expect(isExpired("not a time", NOW)).toBe(false);
    expect(isExpired(null, NOW)).toBe(false);
    expect(isExpired(undefined, NOW)).toBe(false);
    expect(expiredInstances([instance("odd", "running", "2026-13-01T00:00:00Z")], NOW)).toEqual([]);
  });
});

describe("expiry at launch and start", () => {
  it("is expiryDays from now, or none when instances do not expire", () => {
    expect(launchExpiry(NOW, SETTINGS)).toBe("2026-03-31T12:00:00.000Z");
    expect(launchExpiry(NOW, NEVER_EXPIRE)).toBeUndefined();
    expect(launchExpiry(NOW, { ...SETTINGS, expiryDays: 0 })).toBeUndefined();
  });

  it("is fresh when started again, but never shorter than a renewal it already has", () => {
    expect(startExpiry(inDays(-3), NOW, SETTINGS)).toBe(inDays(30));
    expect(startExpiry(undefined, NOW, SETTINGS)).toBe(inDays(30));
    expect(startExpiry(inDays(100), NOW, SETTINGS)).toBe(inDays(100));
    expect(startExpiry(inDays(100), NOW, NEVER_EXPIRE)).toBeUndefined();
  });
});

describe("renewal", () => {
  it("adds renewDays (or the days asked) to the current expiry, or to now once it has passed", () => {
    expect(renewedExpiry(inDays(5), NOW, undefined, SETTINGS)).toEqual({ expiresAt: inDays(35), changed: true, capped: false });
    expect(renewedExpiry(inDays(5), NOW, 7, SETTINGS)).toEqual({ expiresAt: inDays(12), changed: true, capped: false });
    expect(renewedExpiry(inDays(-2), NOW, 7, SETTINGS)).toEqual({ expiresAt: inDays(7), changed: true, capped: false });
    expect(renewedExpiry(inDays(5), NOW, 360, SETTINGS)).toEqual({ expiresAt: inDays(365), changed: true, capped: false });
  });

  it("refuses days asked beyond maxDays from now, naming the field, the rule and what is allowed", () => {
    const refusal = (() => {
      try {
        renewedExpiry(inDays(5), NOW, 361, SETTINGS);
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toBeInstanceOf(InputError);
    expect((refusal as InputError).issues).toEqual([
      {
        pointer: "/days",
        rule: "maximum",
        message:
          "renewing by 361 days would make it expire on 2027-03-02 12:00 UTC, more than 365 days from now (the limit, lifecycle.maxDays); renew by at most 360 days",
      },
    ]);
    expect(() => renewedExpiry(inDays(365), NOW, 1, SETTINGS)).toThrow(/it already expires on 2027-03-01 12:00 UTC, as late as allowed/);
    expect(() => renewedExpiry(inDays(5), NOW, 0, SETTINGS)).toThrow(InputError);
    expect(() => renewedExpiry(inDays(5), NOW, 1.5, SETTINGS)).toThrow(InputError);
  });

  it("shortens the default renewal to the limit instead, and changes nothing already at it", () => {
    expect(renewedExpiry(inDays(350), NOW, undefined, SETTINGS)).toEqual({ expiresAt: inDays(365), changed: true, capped: true });
    expect(renewedExpiry(inDays(365), NOW, undefined, SETTINGS)).toEqual({ expiresAt: inDays(365), changed: false, capped: true });
    // maxDays lowered since it was renewed: a renewal never shortens.
    expect(renewedExpiry(inDays(400), NOW, undefined, SETTINGS)).toEqual({ expiresAt: inDays(400), changed: false, capped: true });
  });
});

it("says a time to the minute, in UTC", () => {
  expect(day("2026-03-01T13:00:59+02:00")).toBe("2026-03-01 11:00 UTC");
});

describe("what an expiry does", () => {
  it("removes a chart that nothing scales to zero, stops one that scales, and gives none to a chart from before ADR 24 that cannot stop", () => {
    expect(expiryOf("remove-on-expiry", false)).toBe("remove");
    expect(expiryOf("remove-on-expiry", true)).toBe("remove");
    expect(expiryOf("replicas", false)).toBe("stop");
    expect(expiryOf(undefined, true)).toBe("stop");
    expect(expiryOf(undefined, false)).toBe("never");
  });

  it("is said as a removal only when the intent says its expiry removes it", () => {
    expect(announcedExpiry("remove-on-expiry")).toBe("remove");
    expect(announcedExpiry("replicas")).toBe("stop");
    expect(announcedExpiry(undefined)).toBe("stop");
  });
});
