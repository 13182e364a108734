import { afterEach, describe, expect, it, vi } from "vitest";
import type { DesiredStateRemote, SyncOutcome, SyncPhase } from "../ports/desired-state-remote.js";
import type { Logger } from "../ports/logger.js";
import { createScheduler } from "../scheduler/scheduler.js";
import { createFakeClock } from "../testing/fake-clock.js";
import { createRemoteSync, DISABLED_REMOTE_STATUS, type RemoteSync } from "./remote-sync.js";

// Time moves only when a test says so: retries and polls come when it advances the clock.
const clock = createFakeClock();
const lowest = { int: () => 0 };

function recordingLogger() {
  const lines: { level: string; message: string; fields: object }[] = [];
  const at =
    (level: string) =>
    (fields: object, message: string): void => {
      lines.push({ level, message, fields });
    };
  const logger: Logger = { info: at("info"), warn: at("warn"), error: at("error"), debug: at("debug") };
  return { logger, lines };
}

const pendingCalls: { resolve: (outcome: SyncOutcome) => void }[][] = [];

/** A remote whose attempts are answered by the test, one by one. */
function scriptedRemote() {
  const calls: { phase: (phase: SyncPhase) => void; resolve: (outcome: SyncOutcome) => void; reject: (error: Error) => void }[] = [];
  const remote: DesiredStateRemote = {
    sync(options) {
      return new Promise((resolve, reject) => calls.push({ phase: options?.onPhase ?? (() => undefined), resolve, reject }));
    },
  };
  pendingCalls.push(calls);
  const call = async (index: number) => {
    await vi.waitFor(() => expect(calls.length).toBeGreaterThan(index), { timeout: 2000, interval: 2 });
    return calls[index] as (typeof calls)[number];
  };
  return { remote, calls, call };
}

const inSync = (head: string): SyncOutcome => ({ kind: "up-to-date", localHead: head, remoteHead: head });

const syncs: RemoteSync[] = [];
afterEach(async () => {
  // A test that failed half-way leaves attempts unanswered: answer them so that stop returns.
  const stopping = syncs.splice(0).map((sync) => sync.stop());
  for (const calls of pendingCalls.splice(0)) for (const call of calls) call.resolve(inSync("end"));
  await Promise.all(stopping);
});

function start(remote: DesiredStateRemote, extra: Partial<Parameters<typeof createRemoteSync>[0]> = {}) {
  const { logger, lines } = recordingLogger();
  const scheduler = createScheduler({ clock, timers: clock, random: lowest, logger });
  const sync = createRemoteSync({ remote, clock, scheduler, logger, pollIntervalMs: 60_000, backoff: { initialMs: 10, maxMs: 40 }, ...extra });
  syncs.push(sync);
  sync.start();
  return { sync, lines };
}

describe("createRemoteSync", () => {
  it("attempts at once, then reports the heads and the next poll", async () => {
    const { remote, call } = scriptedRemote();
    const { sync } = start(remote);
    // Not known to be on the remote until an attempt says so.
    expect(sync.status().state).toBe("ahead");
    const first = await call(0);
    expect(sync.status().state).toBe("pushing");
    first.resolve({ kind: "pushed", localHead: "c1", remoteHead: "c1" });
    await vi.waitFor(() => expect(sync.status().state).toBe("in-sync"));
    const status = sync.status();
    expect(status).toMatchObject({ localHead: "c1", remoteHead: "c1", attempts: 0, lastError: null });
    expect(status.lastSuccessAt).not.toBeNull();
    expect(Date.parse(status.nextAttemptAt ?? "") - clock.now().getTime()).toBeGreaterThan(50_000);
  });

  it("pushes soon after a commit; a commit during an attempt gets one more attempt", async () => {
    const { remote, call, calls } = scriptedRemote();
    const { sync } = start(remote);
    (await call(0)).resolve(inSync("c1"));
    await vi.waitFor(() => expect(sync.status().state).toBe("in-sync"));
    sync.wake();
    expect(sync.status().state).toBe("ahead");
    const second = await call(1);
    second.phase("pushing");
    expect(sync.status().state).toBe("pushing");
    sync.wake();
    sync.wake();
    second.resolve({ kind: "pushed", localHead: "c2", remoteHead: "c2" });
    (await call(2)).resolve({ kind: "pushed", localHead: "c3", remoteHead: "c3" });
    await vi.waitFor(() => expect(sync.status()).toMatchObject({ state: "in-sync", localHead: "c3" }));
    expect(calls).toHaveLength(3);
  });

  it("retries failures with growing delays, reports them, and recovers", async () => {
    const { remote, call, calls } = scriptedRemote();
    const { sync, lines } = start(remote);
    for (let attempt = 0; attempt < 3; attempt++) {
      (await call(attempt)).reject(new Error("cannot reach the forge"));
      // The retry comes after 5, 10, 20 ms (the lowest of each doubled delay), not before.
      if (attempt < 2) {
        await clock.advance(5 * 2 ** attempt - 1);
        expect(calls).toHaveLength(attempt + 1);
        await clock.advance(1);
      }
    }
    // The failure is recorded once the promise callbacks ran; the retry is 20 ms away.
    await new Promise((resolve) => setImmediate(resolve));
    const failing = sync.status();
    expect(failing.attempts).toBe(3);
    expect(failing.state).toBe("failing");
    expect(failing.lastError?.message).toBe("cannot reach the forge");
    expect(failing.nextAttemptAt).not.toBeNull();
    // Said once, not at every attempt.
    expect(lines.filter((line) => line.level === "warn")).toHaveLength(1);

    // A commit while failing waits for the scheduled retry instead of hammering the forge.
    sync.wake();
    expect(sync.status()).toMatchObject({ state: "failing", nextAttemptAt: failing.nextAttemptAt });
    await clock.advance(19);
    expect(calls).toHaveLength(3);
    await clock.advance(1);
    (await call(3)).resolve({ kind: "pushed", localHead: "c2", remoteHead: "c2" });
    await vi.waitFor(() => expect(sync.status().state).toBe("in-sync"));
    expect(sync.status()).toMatchObject({ attempts: 0, lastError: { message: "cannot reach the forge" } });
    expect(lines.some((line) => line.level === "info" && /reachable again/.test(line.message))).toBe(true);
  });

  it("tells onPulled about commits taken from the remote, and survives its failure", async () => {
    const { remote, call } = scriptedRemote();
    const pulled: string[] = [];
    const { sync, lines } = start(remote, {
      onPulled: (head) => {
        pulled.push(head);
        if (head === "r2") throw new Error("index broken");
      },
    });
    (await call(0)).resolve({ kind: "fast-forwarded", from: "c1", localHead: "r1", remoteHead: "r1" });
    await vi.waitFor(() => expect(pulled).toEqual(["r1"]));
    const outcome = sync.syncNow();
    (await call(1)).resolve({ kind: "rebased", from: "c2", commits: 1, localHead: "r2", remoteHead: "r2" });
    expect((await outcome).kind).toBe("rebased");
    expect(pulled).toEqual(["r1", "r2"]);
    expect(sync.status()).toMatchObject({ state: "in-sync", attempts: 0 });
    expect(lines.some((line) => line.level === "error" && /pulled/.test(line.message))).toBe(true);

    // Took the remote's commits, then found the remote moved again, conflicting.
    const diverged = sync.syncNow();
    (await call(2)).resolve({ kind: "diverged", reason: "both changed a.yaml", from: "r2", localHead: "r3", remoteHead: "r4" });
    await diverged;
    expect(pulled).toEqual(["r1", "r2", "r3"]);
  });

  it("tells onPushed about Plateau's commits reaching the remote, from the remote head it knew, and survives its failure", async () => {
    const { remote, call } = scriptedRemote();
    const pushed: [string | null, string][] = [];
    const { sync, lines } = start(remote, {
      onPushed: (before, after) => {
        pushed.push([before, after]);
        if (after === "c3") throw new Error("Argo CD is down");
      },
    });
    (await call(0)).resolve(inSync("c1"));
    const first = sync.syncNow();
    (await call(1)).resolve({ kind: "pushed", localHead: "c2", remoteHead: "c2" });
    await first;
    const second = sync.syncNow();
    (await call(2)).resolve({ kind: "rebased", from: "c2x", commits: 1, localHead: "c3", remoteHead: "c3" });
    expect((await second).kind).toBe("rebased");
    const third = sync.syncNow();
    (await call(3)).resolve(inSync("c3"));
    await third;
    expect(pushed).toEqual([
      ["c1", "c2"],
      ["c2", "c3"],
    ]);
    expect(sync.status()).toMatchObject({ state: "in-sync", attempts: 0 });
    expect(lines.some((line) => line.level === "warn" && /telling of the push/.test(line.message))).toBe(true);
  });

  it("reports a divergence and keeps polling (someone may merge)", async () => {
    const { remote, call } = scriptedRemote();
    const { sync, lines } = start(remote, { pollIntervalMs: 5 });
    const diverged: SyncOutcome = { kind: "diverged", reason: "both changed a.yaml", from: "l", localHead: "l", remoteHead: "r" };
    (await call(0)).resolve(diverged);
    await vi.waitFor(() => expect(sync.status().state).toBe("diverged"));
    expect(sync.status()).toMatchObject({ lastError: { message: "both changed a.yaml" }, attempts: 0, localHead: "l", remoteHead: "r" });
    await vi.waitFor(() => expect(sync.status().nextAttemptAt).not.toBeNull());
    await clock.advance(5);
    (await call(1)).resolve(diverged);
    await vi.waitFor(() => expect(sync.status().nextAttemptAt).not.toBeNull());
    await clock.advance(5);
    (await call(2)).resolve({ kind: "fast-forwarded", from: "l", localHead: "m", remoteHead: "m" });
    await vi.waitFor(() => expect(sync.status().state).toBe("in-sync"));
    expect(lines.filter((line) => line.level === "error")).toHaveLength(1);
  });

  it("syncNow waits for the attempt in progress, then makes its own", async () => {
    const { remote, call, calls } = scriptedRemote();
    const { sync } = start(remote);
    const first = await call(0);
    const now = sync.syncNow();
    first.resolve(inSync("c1"));
    (await call(1)).resolve({ kind: "fast-forwarded", from: "c1", localHead: "r1", remoteHead: "r1" });
    expect(await now).toMatchObject({ kind: "fast-forwarded" });
    expect(calls).toHaveLength(2);
    const failing = sync.syncNow();
    (await call(2)).reject(new Error("down"));
    await expect(failing).rejects.toThrow("down");
  });

  it("stop waits for the attempt in progress and schedules nothing more", async () => {
    const { remote, call, calls } = scriptedRemote();
    const { sync } = start(remote, { pollIntervalMs: 1 });
    const first = await call(0);
    let stopped = false;
    const stopping = sync.stop().then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    first.resolve(inSync("c1"));
    await stopping;
    // Nothing is scheduled (nothing could start later), and a commit schedules nothing either.
    expect(sync.status().nextAttemptAt).toBeNull();
    sync.wake();
    expect(sync.status().nextAttemptAt).toBeNull();
    expect(calls).toHaveLength(1);
  });

  it("has a status for Plateaus without a remote", () => {
    expect(DISABLED_REMOTE_STATUS.state).toBe("disabled");
  });
});
