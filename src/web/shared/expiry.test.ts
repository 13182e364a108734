import { describe, expect, it } from "vitest";
import { cardNotice, expiryNotice, expiryOf, formatUntil, renewable, renewDays, showOnCard, stoppable } from "./expiry.js";

const now = Date.parse("2026-11-25T10:00:00Z");
const inHours = (hours: number) => new Date(now + hours * 3_600_000).toISOString();

describe("an instance's expiry, as the pages show it", () => {
  it("says whether it runs until a time, is due, expired or never expires, and warns under 3 days", () => {
    expect(expiryOf({ state: "running", expiresAt: inHours(24 * 10) }, now)).toEqual({ kind: "running", at: inHours(240), left: 240 * 3_600_000, soon: false });
    expect(expiryOf({ state: "running", expiresAt: inHours(71) }, now)).toMatchObject({ kind: "running", soon: true });
    expect(expiryOf({ state: "running", expiresAt: inHours(0) }, now)).toEqual({ kind: "due", at: inHours(0) });
    expect(expiryOf({ state: "stopped", expiresAt: inHours(-5) }, now)).toEqual({ kind: "expired", at: inHours(-5) });
    expect(expiryOf({ state: "stopped", expiresAt: inHours(5) }, now)).toEqual({ kind: "stopped" });
    expect(expiryOf({ state: "running", expiresAt: null }, now)).toEqual({ kind: "never" });
  });

  it("offers Renew for a running instance that expires, and a card says when it stops under 7 days", () => {
    const running = (hours: number) => expiryOf({ state: "running", expiresAt: inHours(hours) }, now);
    expect(renewable(running(24 * 20))).toBe(true);
    expect(renewable(running(-1))).toBe(true);
    expect(renewable(expiryOf({ state: "stopped", expiresAt: inHours(-5) }, now))).toBe(false);
    expect(renewable(expiryOf({ state: "running", expiresAt: null }, now))).toBe(false);
    expect(showOnCard(running(24 * 7 - 1))).toBe(true);
    expect(showOnCard(running(24 * 7))).toBe(false);
    expect(showOnCard(running(-1))).toBe(true);
  });

  it("says that an instance its expiry removes is deleted with its data, warns of it from the start, and offers no Stop", () => {
    const removed = (hours: number, state: "running" | "stopped" = "running") => expiryOf({ state, expiresAt: inHours(hours), expiry: "remove" }, now);
    expect(removed(24 * 20)).toEqual({ kind: "running", at: inHours(24 * 20), left: 24 * 20 * 3_600_000, soon: false, removes: true });
    expect(removed(-1)).toEqual({ kind: "due", at: inHours(-1), removes: true });
    expect(expiryOf({ state: "running", expiresAt: inHours(24 * 20), expiry: "stop" }, now)).not.toHaveProperty("removes");
    expect(expiryNotice(removed(24 * 20))).toBe("removedOn");
    expect(expiryNotice(removed(24))).toBe("soonRemoved");
    expect(expiryNotice(removed(-1))).toBe("dueRemoved");
    expect(showOnCard(removed(24 * 20))).toBe(true);
    expect(cardNotice({ kind: "running", at: inHours(24), left: 1, soon: true, removes: true })).toBe("removedIn");
    expect(cardNotice({ kind: "due", at: inHours(-1), removes: true })).toBe("dueRemoved");
    expect(stoppable({ expiry: "remove" })).toBe(false);
    expect(stoppable({ expiry: "stop" })).toBe(true);
    expect(stoppable({})).toBe(true);
  });

  it("warns of an expiry that stops it only in its last days, and says when Plateau stopped it", () => {
    const stops = (hours: number, state: "running" | "stopped" = "running") => expiryOf({ state, expiresAt: inHours(hours), expiry: "stop" }, now);
    expect(expiryNotice(stops(24 * 20))).toBeNull();
    expect(expiryNotice(stops(24))).toBe("soon");
    expect(expiryNotice(stops(-1))).toBe("due");
    expect(expiryNotice(stops(-1, "stopped"))).toBe("expiredNotice");
    expect(expiryNotice(expiryOf({ state: "running", expiresAt: null }, now))).toBeNull();
    expect(cardNotice({ kind: "running", at: inHours(24), left: 1, soon: true })).toBe("stopsIn");
    expect(cardNotice({ kind: "due", at: inHours(-1) })).toBe("due");
  });

  it("says how long is left in the reader's language, never more than is left", () => {
    expect(formatUntil(inHours(24 * 6.9), "en", now)).toBe("in 6 days");
    expect(formatUntil(inHours(24 * 6.9), "fr", now)).toBe("dans 6 jours");
    expect(formatUntil(inHours(47.9), "en", now)).toBe("in 47 hours");
    expect(formatUntil(inHours(48), "en", now)).toBe("in 2 days");
    expect(formatUntil(inHours(5.5), "fr", now)).toBe("dans 5 heures");
    expect(formatUntil(inHours(0.01), "en", now)).toBe("in 1 minute");
    expect(formatUntil(inHours(-1), "en", now)).toBe("in 1 minute");
  });

  it("reads the days of a renewal: empty for the server's default, a whole number from 1", () => {
    expect(renewDays("")).toEqual({});
    expect(renewDays(" 7 ")).toEqual({ days: 7 });
    for (const bad of ["0", "1.5", "-3", "abc", "4000"]) expect(renewDays(bad), bad).toEqual({ problem: "days" });
  });
});
