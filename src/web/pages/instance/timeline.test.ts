import { describe, expect, it } from "vitest";
import type { InstanceEvent, ObservedStatus } from "../../../contracts/api.js";
import { changeUnderWay, currentStep, EVENT_CATCH_UP, eventsBehind, eventsCatchUpDelay, timelineSteps, type TimelineInput } from "./timeline.js";

const created = "2025-03-01T10:00:00.000Z";
const instance = (overrides: Partial<TimelineInput["instance"]> = {}): TimelineInput["instance"] => ({
  state: "running",
  phase: "pending",
  reason: "committed; waiting for the platform to apply it",
  platform: "local",
  createdAt: created,
  ...overrides,
});
const status = (overrides: Partial<ObservedStatus> = {}): ObservedStatus => ({
  project: "demo",
  instance: "hello",
  platform: "local",
  phase: "running",
  reason: "",
  reasonCode: "reported",
  reasonParams: { reason: "" },
  appliedHash: "abc",
  endpoint: null,
  updatedAt: "2025-03-01T10:00:09.000Z",
  ...overrides,
});
// The timeline reads kinds, never messages: the message here is what the reconciler would say.
const event = (seconds: number, kind: InstanceEvent["kind"], params: InstanceEvent["params"] = {}): InstanceEvent => ({
  at: `2025-03-01T10:00:${String(seconds).padStart(2, "0")}.000Z`,
  kind,
  params,
  message: `${kind} ${JSON.stringify(params)}`,
});
const applying = (seconds: number) => event(seconds, "applying", { revision: "abc1234", platform: "local" });
const shape = (input: TimelineInput) => timelineSteps(input).map((step) => [step.key, step.state]);

describe("the status timeline of an instance", () => {
  it("waits at starting while the platform has not taken the launch up, saying why", () => {
    const steps = timelineSteps({ instance: instance(), status: null, events: [] });
    expect(steps.map((step) => [step.key, step.state])).toEqual([
      ["committed", "done"],
      ["placed", "done"],
      ["starting", "current"],
      ["running", "todo"],
    ]);
    expect(steps[0]?.at).toBe(created);
    expect(steps[1]?.detail).toBe("local");
    expect(steps[2]).toMatchObject({ detail: "committed; waiting for the platform to apply it", at: null });
    expect(currentStep(steps)).toBe(2);
  });

  it("dates starting and running from the platform's events", () => {
    const events = [applying(2), event(3, "pulling", { image: "nginx" }), event(7, "running")];
    const starting = timelineSteps({ instance: instance({ phase: "starting", reason: "pulling image nginx" }), events: events.slice(0, 2) });
    expect(starting[2]).toMatchObject({ key: "starting", state: "current", at: applying(2).at, detail: "pulling image nginx" });
    const running = timelineSteps({ instance: instance({ phase: "running", reason: "" }), status: status(), events });
    expect(running.map((step) => [step.key, step.state, step.at])).toEqual([
      ["committed", "done", created],
      ["placed", "done", created],
      ["starting", "done", applying(2).at],
      ["running", "done", event(7, "running").at],
    ]);
    expect(currentStep(running)).toBe(3);
  });

  it("falls back on the platform's report when no event dates a step", () => {
    const steps = timelineSteps({ instance: instance({ phase: "running", reason: "" }), status: status(), events: [] });
    expect(steps[3]?.at).toBe("2025-03-01T10:00:09.000Z");
  });

  it("shows a launch that failed at starting, with the reason", () => {
    const reason = "image nope:1 could not be pulled: not found";
    const steps = timelineSteps({
      instance: instance({ phase: "failed", reason }),
      status: status({ phase: "failed", reason }),
      events: [applying(2), event(4, "action-failed", { action: "apply", reason })],
    });
    expect(shape({ instance: instance({ phase: "failed", reason }) })).toEqual([
      ["committed", "done"],
      ["placed", "done"],
      ["starting", "failed"],
      ["running", "todo"],
    ]);
    expect(steps[2]).toMatchObject({ state: "failed", detail: reason, at: event(4, "action-failed").at });
    expect(currentStep(steps)).toBe(2);
  });

  it("shows an instance that ran, then failed, as failing while running", () => {
    const steps = timelineSteps({
      instance: instance({ phase: "failed", reason: "exit code 1" }),
      events: [applying(2), event(5, "running"), event(30, "failed", { reason: "exit code 1" })],
    });
    expect(steps.map((step) => [step.key, step.state])).toEqual([
      ["committed", "done"],
      ["placed", "done"],
      ["starting", "done"],
      ["running", "failed"],
    ]);
    expect(steps[3]).toMatchObject({ detail: "exit code 1", at: event(30, "failed").at });
  });

  it("ignores events of earlier changes: a start after a stop begins again", () => {
    const steps = timelineSteps({
      instance: instance({ phase: "pending", reason: "start requested" }),
      latestChange: { at: "2025-03-01T10:00:40.000Z", action: "start" },
      events: [applying(2), event(5, "running"), event(20, "stopped")],
    });
    expect(steps.map((step) => [step.key, step.state])).toEqual([
      ["committed", "done"],
      ["placed", "done"],
      ["starting", "current"],
      ["running", "todo"],
    ]);
    expect(steps[0]?.at).toBe("2025-03-01T10:00:40.000Z");
    // Placed when launched; a start does not place it again.
    expect(steps[1]?.at).toBe(created);
  });

  it("dates the placement of a moved instance from the move, and ignores the old platform's report", () => {
    const steps = timelineSteps({
      instance: instance({ platform: "cluster", phase: "pending", reason: "committed; waiting for the platform to apply it" }),
      status: status({ platform: "local", phase: "running" }),
      latestChange: { at: "2025-03-01T11:00:00.000Z", action: "move" },
    });
    expect(steps[1]).toMatchObject({ key: "placed", at: "2025-03-01T11:00:00.000Z", detail: "cluster" });
    expect(steps[2]).toMatchObject({ key: "starting", state: "current" });
  });

  it("shows a stop under way, then done", () => {
    const stop = { at: "2025-03-01T10:01:00.000Z", action: "stop" } as const;
    expect(shape({ instance: instance({ state: "stopped", phase: "stopping", reason: "stop requested" }), latestChange: stop })).toEqual([
      ["committed", "done"],
      ["placed", "done"],
      ["stopping", "current"],
      ["stopped", "todo"],
    ]);
    const stopped = timelineSteps({
      instance: instance({ state: "stopped", phase: "stopped", reason: "stopped; its data is kept" }),
      latestChange: stop,
      events: [event(5, "stopped"), { at: "2025-03-01T10:01:03.000Z", kind: "stopped", params: {}, message: "stopped" }],
    });
    expect(stopped.map((step) => step.state)).toEqual(["done", "done", "done", "done"]);
    expect(stopped[3]?.at).toBe("2025-03-01T10:01:03.000Z");
  });

  it("shows a stop that failed, with the reason", () => {
    const steps = timelineSteps({ instance: instance({ state: "stopped", phase: "failed", reason: "stop failed: podman is gone" }) });
    expect(steps[2]).toMatchObject({ key: "stopping", state: "failed", detail: "stop failed: podman is gone" });
    expect(steps[3]).toMatchObject({ key: "stopped", state: "todo" });
  });

  it("takes the newest change of what runs as the one under way: a renewal changes nothing that runs", () => {
    const history = [
      { action: "renew", at: "2025-03-02T10:00:00.000Z" },
      { action: "renew", at: "2025-03-01T12:00:00.000Z" },
      { action: "start", at: "2025-03-01T11:00:00.000Z" },
      { action: "launch", at: created },
    ];
    expect(changeUnderWay(history)).toEqual({ action: "start", at: "2025-03-01T11:00:00.000Z" });
    expect(changeUnderWay([{ action: "expire", at: created }])?.action).toBe("expire");
    expect(changeUnderWay([])).toBeNull();
  });

  it("dates a step from the report the instance carries, without waiting for another read of the platform's status", () => {
    // The instance that says "running" says when too: its platform's report is in the same answer.
    const steps = timelineSteps({ instance: { ...instance({ phase: "running", reason: "" }), updatedAt: "2025-03-01T10:00:09.000Z" }, events: [] });
    expect(steps[3]).toMatchObject({ key: "running", state: "done", at: "2025-03-01T10:00:09.000Z" });
    // The events still date it when they say so.
    const dated = timelineSteps({
      instance: { ...instance({ phase: "running", reason: "" }), updatedAt: "2025-03-01T10:00:09.000Z" },
      events: [event(7, "running")],
    });
    expect(dated[3]?.at).toBe(event(7, "running").at);
  });
});

describe("events that are behind the instance's phase", () => {
  const reported = "2025-03-01T10:00:09.000Z";
  const running = { phase: "running" as const, updatedAt: reported };

  it("are behind when the phase moved and no event is as recent as the report (the reconciler writes the report, then its event)", () => {
    expect(eventsBehind(running, [event(2, "applying"), event(5, "pulling")])).toBe(true);
    expect(eventsBehind(running, [event(2, "applying"), event(9, "running")])).toBe(false);
    expect(eventsBehind({ phase: "stopped", updatedAt: reported }, [])).toBe(true);
    expect(eventsBehind({ phase: "failed", updatedAt: reported }, [event(10, "failed")])).toBe(false);
    expect(eventsBehind({ phase: "starting", updatedAt: reported }, [event(2, "applying")])).toBe(true);
  });

  it("are not behind when no event follows the report, nothing was reported, or the events are not read yet", () => {
    expect(eventsBehind({ phase: "pending", updatedAt: reported }, [])).toBe(false);
    expect(eventsBehind({ phase: "stopping", updatedAt: reported }, [])).toBe(false);
    expect(eventsBehind({ phase: "running", updatedAt: null }, [])).toBe(false);
    expect(eventsBehind(running, undefined)).toBe(false);
  });

  it("are read again soon, a few times per report, then no more until the instance changes", () => {
    expect(eventsCatchUpDelay(running, [], 0)).toBe(EVENT_CATCH_UP.delayMs);
    expect(eventsCatchUpDelay(running, [], EVENT_CATCH_UP.tries - 1)).toBe(EVENT_CATCH_UP.delayMs);
    expect(eventsCatchUpDelay(running, [], EVENT_CATCH_UP.tries)).toBeNull();
    expect(eventsCatchUpDelay(running, [event(9, "running")], 0)).toBeNull();
    expect(EVENT_CATCH_UP.delayMs).toBeLessThan(1500);
  });
});
