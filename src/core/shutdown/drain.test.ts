import { describe, expect, it } from "vitest";
import { admission, drainReadiness, drainSteps } from "./drain.js";

describe("the drain of a stopping replica", () => {
  it("goes out of readiness first, then closes the listener, then ends streams", () => {
    expect(drainSteps({ drainSeconds: 5, graceSeconds: 20 })).toEqual([
      { phase: "draining", forMs: 5000 },
      { phase: "closing", forMs: 20_000 },
      { phase: "ending", forMs: undefined },
    ]);
  });

  it("is ready only while serving", () => {
    expect(drainReadiness("serving")).toBeUndefined();
    for (const phase of ["draining", "closing", "ending"] as const) expect(drainReadiness(phase)).toContain("stopping");
  });

  it("serves everything while draining, each answer closing its connection", () => {
    expect(admission("serving", "request")).toEqual({ kind: "serve", closeConnection: false });
    for (const arrival of ["probe", "request", "stream"] as const) expect(admission("draining", arrival)).toEqual({ kind: "serve", closeConnection: true });
  });

  it("refuses new streams once the listener is closed, and everything but probes once streams are ended", () => {
    expect(admission("closing", "request")).toEqual({ kind: "serve", closeConnection: true });
    expect(admission("closing", "stream")).toEqual({ kind: "refuse", retryAfterSeconds: 1 });
    expect(admission("ending", "request")).toEqual({ kind: "refuse", retryAfterSeconds: 1 });
    expect(admission("ending", "probe")).toEqual({ kind: "serve", closeConnection: true });
  });
});
