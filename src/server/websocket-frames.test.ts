import { describe, expect, it } from "vitest";
import { closeFrame, createFrameTracker, GOING_AWAY } from "./websocket-frames.js";

/** A frame as a server sends it (unmasked), with a payload of `length` bytes. */
function frame(length: number, masked = false): Buffer {
  const header =
    length < 126
      ? Buffer.from([0x82, length])
      : length < 65_536
        ? Buffer.from([0x82, 126, length >> 8, length & 0xff])
        : Buffer.concat([Buffer.from([0x82, 127]), Buffer.from([0, 0, 0, 0, length >>> 24, (length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff])]);
  if (masked) header[1] = (header[1] ?? 0) | 0x80;
  return Buffer.concat([header, masked ? Buffer.from([1, 2, 3, 4]) : Buffer.alloc(0), Buffer.alloc(length, 7)]);
}

describe("WebSocket frame boundaries", () => {
  it("knows a stream is between frames after whole frames of every length form, masked or not", () => {
    const tracker = createFrameTracker({ afterHttpHead: false });
    expect(tracker.atBoundary()).toBe(true);
    for (const bytes of [frame(0), frame(5), frame(300), frame(70_000), frame(10, true)]) {
      tracker.push(bytes.subarray(0, 1));
      expect(tracker.atBoundary()).toBe(false);
      tracker.push(bytes.subarray(1));
      expect(tracker.atBoundary()).toBe(true);
    }
  });

  it("says how many bytes of the next chunk finish the frame under way", () => {
    const tracker = createFrameTracker({ afterHttpHead: false });
    const first = frame(300);
    tracker.push(first.subarray(0, 100));
    // The rest of the frame, then another frame: the boundary is where the first one ends.
    expect(tracker.untilBoundary(Buffer.concat([first.subarray(100), frame(3)]))).toBe(first.length - 100);
    expect(tracker.atBoundary()).toBe(true);
    // A chunk that does not finish the frame: forwarded whole.
    tracker.push(frame(50).subarray(0, 10));
    expect(tracker.untilBoundary(Buffer.alloc(5))).toBeUndefined();
    expect(tracker.untilBoundary(Buffer.alloc(100))).toBe(52 - 10 - 5);
  });

  it("skips the upstream's 101 head, split anywhere, and is not a WebSocket after another status", () => {
    const head = Buffer.from("HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n\r\n");
    const bytes = Buffer.concat([head, frame(4)]);
    for (let split = 1; split < bytes.length; split++) {
      const tracker = createFrameTracker({ afterHttpHead: true });
      tracker.push(bytes.subarray(0, split));
      expect(tracker.atBoundary()).toBe(split >= head.length && (split === head.length || split === bytes.length));
      tracker.push(bytes.subarray(split));
      expect(tracker.isWebSocket()).toBe(true);
      expect(tracker.atBoundary()).toBe(true);
    }
    const refused = createFrameTracker({ afterHttpHead: true });
    refused.push(Buffer.from("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n"));
    expect(refused.isWebSocket()).toBe(false);
    expect(refused.atBoundary()).toBe(false);
  });

  it("writes close frames with the code and reason, masked towards a server", () => {
    const plain = closeFrame(GOING_AWAY, "bye");
    expect([...plain]).toEqual([0x88, 5, 0x03, 0xe9, ...Buffer.from("bye")]);
    const mask = Buffer.from([9, 8, 7, 6]);
    const masked = closeFrame(GOING_AWAY, "bye", mask);
    expect(masked[1]).toBe(0x80 | 5);
    const payload = Buffer.from(masked.subarray(6).map((byte, i) => byte ^ (mask[i % 4] ?? 0)));
    expect([...payload]).toEqual([0x03, 0xe9, ...Buffer.from("bye")]);
  });
});
