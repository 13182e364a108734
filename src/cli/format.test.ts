import { describe, expect, it } from "vitest";
import { expiryCell, expiryLine, forTerminal, paint, stopCell, stopLine, terminalOutput, until, utc } from "./format.js";

const NOW = Date.parse("2026-03-01T09:00:00.000Z");
const later = (hours: number) => new Date(NOW + hours * 3_600_000).toISOString();

describe("expiry, as the command line says it", () => {
  it("says how long until a time, in a unit a person reads", () => {
    expect(until(later(0.5), NOW)).toBe("in 30 min");
    expect(until(later(0.001), NOW)).toBe("in 1 min");
    expect(until(later(30), NOW)).toBe("in 30 h");
    expect(until(later(72), NOW)).toBe("in 3 days");
    expect(until(later(30 * 24 - 0.01), NOW)).toBe("in 30 days");
    expect(until(later(0), NOW)).toBe("expired");
    expect(utc("2026-03-31T11:00:00+02:00")).toBe("2026-03-31 09:00 UTC");
  });

  it("marks in plateau ls what expires within 3 days, what has expired, and what never does", () => {
    expect(expiryCell({ state: "running", expiresAt: later(24 * 10) }, NOW)).toEqual({ text: "in 10 days" });
    expect(expiryCell({ state: "running", expiresAt: later(24 * 2) }, NOW)).toEqual({ text: "in 2 days", style: "yellow" });
    expect(expiryCell({ state: "running", expiresAt: later(-1) }, NOW)).toEqual({ text: "expired", style: "red" });
    expect(expiryCell({ state: "stopped", expiresAt: later(-48) }, NOW)).toEqual({ text: "expired 2026-02-27", style: "dim" });
    expect(expiryCell({ state: "stopped", expiresAt: later(48) }, NOW)).toEqual({ text: "-" });
    expect(expiryCell({ state: "running", expiresAt: null }, NOW)).toEqual({ text: "never", style: "dim" });
  });

  it("says in plateau status when it expires and what to do about it", () => {
    const hello = { project: "u-alice", name: "hello" };
    expect(expiryLine({ ...hello, state: "running", expiresAt: later(72) }, NOW)).toBe(
      "2026-03-04 09:00 UTC (in 3 days); plateau renew u-alice/hello keeps it longer",
    );
    expect(expiryLine({ ...hello, state: "stopped", expiresAt: later(-24) }, NOW)).toBe(
      "expired on 2026-02-28 09:00 UTC: Plateau stopped it (its data is kept); plateau start u-alice/hello runs it again",
    );
    expect(expiryLine({ ...hello, state: "running", expiresAt: null }, NOW)).toBe("never");
  });

  it("says that an instance its expiry removes (a chart that cannot be stopped) is removed, its data with it", () => {
    const agent = { project: "u-alice", name: "agent", state: "running" as const, expiry: "remove" as const };
    expect(expiryCell({ ...agent, expiresAt: later(24 * 10) }, NOW)).toEqual({ text: "removed in 10 days", style: "yellow" });
    expect(expiryCell({ ...agent, expiresAt: later(24 * 2) }, NOW)).toEqual({ text: "removed in 2 days", style: "red" });
    expect(expiryCell({ ...agent, expiresAt: later(-1) }, NOW)).toEqual({ text: "expired, being removed", style: "red" });
    expect(expiryCell({ ...agent, expiry: "stop", expiresAt: later(24 * 10) }, NOW)).toEqual({ text: "in 10 days" });
    expect(expiryLine({ ...agent, expiresAt: later(72) }, NOW)).toBe(
      "2026-03-04 09:00 UTC (in 3 days): then removed, its data with it (it cannot be stopped); plateau renew u-alice/agent keeps it longer",
    );
    expect(expiryLine({ ...agent, expiresAt: later(-1) }, NOW)).toBe("2026-03-01 08:00 UTC (expired: Plateau removes it, its data with it, at its next check)");
    expect(expiryLine({ ...agent, expiry: "stop", expiresAt: later(72) }, NOW)).toBe(
      "2026-03-04 09:00 UTC (in 3 days); plateau renew u-alice/agent keeps it longer",
    );
  });
});

describe("how a service stops, as plateau catalog says it (ADR 24)", () => {
  it("says which charts are removed on expiry instead of stopped", () => {
    expect(stopCell(undefined, true)).toBe("stops");
    expect(stopCell("suspend")).toBe("stops");
    expect(stopCell("replicas")).toBe("stops");
    expect(stopCell("remove-on-expiry")).toBe("removed on expiry");
    expect(stopCell(undefined)).toBe("-");
    expect(stopLine("remove-on-expiry")).toContain("cannot be stopped, only removed");
    expect(stopLine("replicas")).toContain("replica values at 0");
  });
});

describe("what the command line writes to a terminal", () => {
  it("writes out the controls others' text carries (title, screen, bidi), keeps its own colours, line breaks and tabs", () => {
    const title = "Jupyter\u001b]0;owned\u0007\u001b[2J\u202etxt.exe";
    expect(forTerminal(title)).toBe("Jupyter\\u{1b}]0;owned\\u{7}\\u{1b}[2J\\u{202e}txt.exe");
    const painted = paint({ color: true, line: () => undefined, error: () => undefined }, "green", "running");
    expect(forTerminal(`${painted}\tok\nnext`)).toBe(`${painted}\tok\nnext`);
    expect(forTerminal("NUL\u0000 C1\u009b")).toBe("NUL\\u{0} C1\\u{9b}");
  });
});

describe("progress of long steps", () => {
  const stream = (isTTY: boolean) => {
    const written: string[] = [];
    return { isTTY, columns: 80, written, write: (text: string) => written.push(text) };
  };

  it("shows a step on one terminal line that the next replaces, and nothing when stderr is not a terminal", () => {
    const [stdout, stderr] = [stream(false), stream(true)];
    const out = terminalOutput({ stdout, stderr, env: {} });
    out.progress?.("Placing ide/jupyter-python in demo…");
    out.progress?.(undefined);
    out.line("done");
    expect(stderr.written).toEqual(["\r\u001b[2KPlacing ide/jupyter-python in demo…", "\r\u001b[2K"]);
    expect(stdout.written).toEqual(["done\n"]);
    expect(out.color).toBe(false);
    // Piped or redirected: only the result.
    expect(terminalOutput({ stdout: stream(true), stderr: stream(false), env: {} }).progress).toBeUndefined();
    // A chart's title is someone else's text: its controls are written out, not obeyed.
    out.progress?.("Placing \u001b]0;pwned\u0007…");
    expect(stderr.written.at(-1)).not.toContain("\u001b]0");
  });
});
