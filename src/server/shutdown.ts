// The drain of a replica that is told to stop (ADR 0042), performed on the HTTP server: the
// phases and what they allow are decided in core/shutdown/drain.ts; here they are applied to the
// listener, the connections, the answers and the open streams (followed logs, WebSockets).
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { UnavailableError } from "../core/errors.js";
import { admission, drainReadiness, drainSteps, type DrainPhase, type DrainSettings } from "../core/shutdown/drain.js";
import type { Logger } from "../core/ports/logger.js";
import { errorBody } from "./errors.js";

/** A long answer kept open (a followed log, a proxied WebSocket), ended cleanly at the end of the grace. */
export interface OpenStream {
  /** Ends it the clean way (the chunked body finished, a WebSocket close frame 1001). */
  end(): void;
  /** What is left of it once ending cleanly had its chance. */
  destroy(): void;
}

export interface Shutdown {
  phase(): DrainPhase;
  /** Why readiness is false because of the drain (undefined: it is not). */
  readiness(): string | undefined;
  /**
   * Lets a request in (true), marking its answer to close the connection during a drain, or
   * answers it 503 `shutting-down` with Retry-After (false). Probes (`/healthz`, `/readyz`) are always let in.
   */
  admit(req: IncomingMessage, res: ServerResponse): boolean;
  /** Whether a stream may open now (when not, the caller refuses it with `refusal()`). */
  acceptsStream(): boolean;
  /** Registers an open stream; the returned function forgets it (when it ends by itself). */
  track(stream: OpenStream): () => void;
}

/** Why a request is refused while the replica stops: the client retries, another replica answers. */
export const shuttingDown = () =>
  new UnavailableError("this Plateau server is stopping (a restart): try again, another server answers", { reason: "shutting-down" });

/** Whether a request is a probe: always answered, it says the state. */
export const isProbe = (req: IncomingMessage) => {
  const path = (req.url ?? "").split("?")[0];
  return path === "/healthz" || path === "/readyz";
};

/** The raw answer refusing an upgrade (a WebSocket) while the replica stops. */
export function refusedUpgrade(): string {
  const body = JSON.stringify(errorBody(shuttingDown()));
  return `HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json; charset=utf-8\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

export interface Drainable extends Shutdown {
  /**
   * Runs the drain on the listening server: resolves once no connection is left (every answer
   * finished, every stream ended or destroyed). Each phase is logged as it begins.
   */
  drain(server: Server, settings: DrainSettings): Promise<void>;
}

/** Time given to streams that were asked to end, to send their last bytes, before they are destroyed. */
const FLUSH_MS = 2000;
/** How often connections that became idle once the listener closed are closed. */
const IDLE_SWEEP_MS = 200;

export function createShutdown(logger: Logger): Drainable {
  let phase: DrainPhase = "serving";
  const streams = new Set<OpenStream>();
  // Answers under way, whose heads are not all sent yet when the drain begins: they close their connection too.
  const answering = new Set<ServerResponse>();
  // One function for every answer (no closure per request: the proxy's hot path goes through here).
  function forgetAnswer(this: ServerResponse) {
    answering.delete(this);
  }
  let draining: Promise<void> | undefined;

  const shutdown: Drainable = {
    phase: () => phase,
    readiness: () => drainReadiness(phase),
    admit(req, res) {
      // The common case first: while serving, nothing to decide but remembering the answer.
      if (phase === "serving") {
        answering.add(res);
        res.once("close", forgetAnswer);
        return true;
      }
      const verdict = admission(phase, isProbe(req) ? "probe" : "request");
      if (verdict.kind === "serve") {
        if (verdict.closeConnection) res.setHeader("connection", "close");
        return true;
      }
      res.writeHead(503, { "content-type": "application/json; charset=utf-8", "retry-after": String(verdict.retryAfterSeconds), connection: "close" });
      res.end(JSON.stringify(errorBody(shuttingDown())));
      return false;
    },
    acceptsStream: () => admission(phase, "stream").kind === "serve",
    track(stream) {
      // A stream opened once streams are being ended is ended at once.
      if (phase === "ending") queueMicrotask(() => stream.end());
      streams.add(stream);
      return () => void streams.delete(stream);
    },
    drain(server, settings) {
      draining ??= (async () => {
        const closed = new Promise<void>((resolve) => server.once("close", () => resolve()));
        for (const step of drainSteps(settings)) {
          phase = step.phase;
          logger.info({ phase, seconds: step.forMs === undefined ? undefined : step.forMs / 1000, streams: streams.size }, `stopping: ${phase}`);
          if (step.phase === "draining") {
            for (const res of answering) if (!res.headersSent) res.setHeader("connection", "close");
            answering.clear();
            await sleep(step.forMs ?? 0);
          }
          if (step.phase === "closing") {
            // No new connection; the idle ones are closed (their clients reopen on another replica),
            // the busy ones when their answer, which says `connection: close`, is sent.
            server.close();
            server.closeIdleConnections();
            // Answers whose heads were sent before the drain kept their connection: closed as soon as they are idle.
            const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS).unref();
            await Promise.race([closed, sleep(step.forMs ?? 0)]);
            clearInterval(sweep);
          }
          if (step.phase === "ending") {
            for (const stream of streams) stream.end();
            await Promise.race([closed, sleep(FLUSH_MS)]);
            for (const stream of streams) stream.destroy();
            server.closeAllConnections();
            await closed;
          }
        }
      })();
      return draining;
    },
  };
  return shutdown;
}

/** A wait that does not hold the process: once every connection is closed, nothing is left to wait for. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
