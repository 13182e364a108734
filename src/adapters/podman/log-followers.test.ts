import { describe, expect, it } from "vitest";
import { BEHIND_NOTE, createLogFanout, MAX_QUEUED_CHARS, MAX_QUEUED_LINES, type StartFollower } from "./log-followers.js";
import { MAX_LOG_LINE } from "./podman-engine.js";

/** A follower under the test's control: how many were started and stopped, and its lines. */
function fakeFollowers() {
  const state = { started: 0, stopped: 0, emit: (_line: string) => {}, end: () => {} };
  const start: StartFollower = (onLine, onEnd) => {
    state.started++;
    state.emit = onLine;
    state.end = onEnd;
    return {
      stop: () => {
        state.stopped++;
        onEnd();
      },
    };
  };
  return { state, start };
}

const next = async (iterator: AsyncIterator<readonly string[]>) => (await iterator.next()).value as readonly string[] | undefined;

describe("createLogFanout", () => {
  it("shares one follower between every viewer of a key, and stops it when the last one leaves", async () => {
    const fanout = createLogFanout();
    const { state, start } = fakeFollowers();
    const viewers = [fanout.join("pod-1", start), fanout.join("pod-1", start), fanout.join("pod-1", start)];
    expect(state.started).toBe(1);
    expect(fanout.followers()).toBe(1);
    expect(fanout.viewers()).toBe(3);
    const iterators = viewers.map((viewer) => viewer[Symbol.asyncIterator]());
    state.emit("one");
    state.emit("two");
    for (const iterator of iterators) expect(await next(iterator)).toEqual(["one", "two"]);
    viewers[0]?.close();
    viewers[1]?.close();
    expect(state.stopped).toBe(0);
    expect((await iterators[0]?.next())?.done).toBe(true);
    viewers[2]?.close();
    expect(state.stopped).toBe(1);
    expect(fanout.followers()).toBe(0);
    // The next viewer starts another follower.
    fanout.join("pod-1", start);
    expect(state.started).toBe(2);
  });

  it("keeps keys apart, and ends every viewer when the follower ends by itself", async () => {
    const fanout = createLogFanout();
    const first = fakeFollowers();
    const second = fakeFollowers();
    const a = fanout.join("pod-a", first.start)[Symbol.asyncIterator]();
    fanout.join("pod-b", second.start);
    expect(fanout.followers()).toBe(2);
    first.state.emit("last words");
    first.state.end();
    expect(await next(a)).toEqual(["last words"]);
    expect((await a.next()).done).toBe(true);
    expect(fanout.followers()).toBe(1);
  });

  it("drops a viewer that falls too far behind, without holding the others back", async () => {
    const fanout = createLogFanout({ maxQueuedLines: 3 });
    const { state, start } = fakeFollowers();
    const slow = fanout.join("pod", start)[Symbol.asyncIterator]();
    const fast = fanout.join("pod", start)[Symbol.asyncIterator]();
    for (const line of ["1", "2", "3"]) state.emit(line);
    expect(await next(fast)).toEqual(["1", "2", "3"]);
    state.emit("4");
    expect(await next(slow)).toEqual(["1", "2", "3", BEHIND_NOTE]);
    expect((await slow.next()).done).toBe(true);
    expect(await next(fast)).toEqual(["4"]);
    expect(state.stopped).toBe(0);
  });

  it("drops a viewer that holds too many characters, long before too many lines (lines are up to MAX_LOG_LINE)", async () => {
    const fanout = createLogFanout();
    const { state, start } = fakeFollowers();
    const slow = fanout.join("pod", start)[Symbol.asyncIterator]();
    const long = "a".repeat(MAX_LOG_LINE);
    const lines = Math.floor(MAX_QUEUED_CHARS / MAX_LOG_LINE) + 1;
    expect(lines).toBeLessThan(MAX_QUEUED_LINES);
    for (let i = 0; i < lines; i++) state.emit(long);
    const batch = (await next(slow)) ?? [];
    expect(batch.at(-1)).toBe(BEHIND_NOTE);
    expect(batch.slice(0, -1).reduce((sum, line) => sum + line.length, 0)).toBeLessThanOrEqual(MAX_QUEUED_CHARS);
    expect((await slow.next()).done).toBe(true);
  });
});
