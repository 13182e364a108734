// Where WebSocket frames begin and end in one direction of a proxied tunnel (RFC 6455 §5.2).
// The proxy forwards bytes as they come; to close a tunnel cleanly when Plateau stops (ADR
// 0042) it must write its close frame between two frames, never inside one: this follows the
// frame boundaries without copying or decoding payloads.

/** A close frame: code 1001 "going away" is what a server that is stopping sends. */
export const GOING_AWAY = 1001;

export interface FrameTracker {
  /** Follows forwarded bytes (all of them). */
  push(chunk: Buffer): void;
  /**
   * Of a chunk not forwarded yet, how many leading bytes finish the frame under way (0 when the
   * stream is between frames already); undefined when the whole chunk does not finish it (then
   * it was followed, and is to be forwarded whole).
   */
  untilBoundary(chunk: Buffer): number | undefined;
  /** Whether the stream is between two frames (false while an HTTP head is still being read). */
  atBoundary(): boolean;
  /** Whether the tunnel is a WebSocket: true from the start, or once the head read says `101`. */
  isWebSocket(): boolean;
}

/**
 * `afterHttpHead`: the bytes begin with an HTTP response head (the upstream's `101 Switching
 * Protocols`); frames only follow it, and only if it is a 101.
 */
export function createFrameTracker(options: { readonly afterHttpHead: boolean }): FrameTracker {
  let inHead = options.afterHttpHead;
  let websocket = !options.afterHttpHead;
  // The head's first bytes (its status line) and its last three (a CRLFCRLF split across chunks).
  let statusLine = "";
  let tail = "";
  let header: number[] = [];
  let payloadLeft = 0;

  /** Consumes bytes; with `stop`, stops at the first boundary and says how many it took (undefined: none reached). */
  function consume(chunk: Buffer, stop: boolean): number | undefined {
    let i = 0;
    if (inHead) {
      const text = tail + chunk.toString("latin1");
      if (statusLine.length < 16) statusLine = (statusLine + chunk.toString("latin1")).slice(0, 16);
      const end = text.indexOf("\r\n\r\n");
      if (end === -1) {
        tail = text.slice(-3);
        return undefined;
      }
      inHead = false;
      websocket = /^HTTP\/1\.[01] 101/.test(statusLine);
      i = end + 4 - tail.length;
      if (!websocket) return undefined;
      if (stop) return i;
    }
    if (!websocket) return undefined;
    if (stop && header.length === 0 && payloadLeft === 0) return 0;
    while (i < chunk.length) {
      if (payloadLeft > 0) {
        const taken = Math.min(payloadLeft, chunk.length - i);
        payloadLeft -= taken;
        i += taken;
        if (payloadLeft === 0 && stop) return i;
        continue;
      }
      header.push(chunk[i] ?? 0);
      i++;
      const length = headerLength(header);
      if (length !== undefined && header.length === length) {
        payloadLeft = payloadLength(header);
        header = [];
        if (payloadLeft === 0 && stop) return i;
      }
    }
    return undefined;
  }

  return {
    push: (chunk) => void consume(chunk, false),
    untilBoundary: (chunk) => consume(chunk, true),
    atBoundary: () => !inHead && websocket && header.length === 0 && payloadLeft === 0,
    isWebSocket: () => websocket,
  };
}

/** A frame header's length once its first two bytes are known. */
function headerLength(header: readonly number[]): number | undefined {
  const second = header[1];
  if (second === undefined) return undefined;
  const short = second & 0x7f;
  return 2 + (short === 126 ? 2 : short === 127 ? 8 : 0) + (second & 0x80 ? 4 : 0);
}

function payloadLength(header: readonly number[]): number {
  const short = (header[1] ?? 0) & 0x7f;
  if (short < 126) return short;
  const bytes = header.slice(2, short === 126 ? 4 : 10);
  // Lengths beyond 2^53 do not exist in practice; a Number holds every real one.
  return bytes.reduce((length, byte) => length * 256 + byte, 0);
}

/**
 * A close frame with its code and reason. From a server it is not masked; from a client (the
 * proxy towards the instance) it is, with `mask` (4 random bytes).
 */
export function closeFrame(code: number, reason: string, mask?: Buffer): Buffer {
  const text = Buffer.from(reason, "utf8").subarray(0, 123);
  const payload = Buffer.concat([Buffer.from([code >> 8, code & 0xff]), text]);
  if (!mask) return Buffer.concat([Buffer.from([0x88, payload.length]), payload]);
  const masked = Buffer.from(payload.map((byte, i) => byte ^ (mask[i % 4] ?? 0)));
  return Buffer.concat([Buffer.from([0x88, 0x80 | payload.length]), mask.subarray(0, 4), masked]);
}
