// Plateau's reverse proxy for the local platform: `http://<instance>.<project>.localhost:8080/`
// reaches the instance's pod, for HTTP and for WebSocket (notebooks need both). While an
// instance is not running, it answers with a page saying what is happening.
import { request as httpRequest, STATUS_CODES, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { TOKEN_PREFIX } from "../core/access/context.js";
import { parseInstanceHost, type Route, type Router } from "../core/instances/routing.js";
import { bearerToken } from "./access.js";
import { withoutPlateauCookies } from "./cookies.js";
import type { GateAnswer, InstanceGate } from "./instance-gate.js";
import type { Logger } from "../core/ports/logger.js";
import { forMembers } from "../core/status/messages.js";
import { escapeHtml, pageShell } from "../contracts/page-shell.js";
import type { Shutdown } from "./shutdown.js";
import { closeFrame, createFrameTracker, GOING_AWAY, type FrameTracker } from "./websocket-frames.js";

// Hop-by-hop headers (RFC 9110 §7.6.1) are not forwarded.
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

function forwardedHeaders(req: IncomingMessage, route: Extract<Route, { kind: "upstream" }>, keepUpgrade: boolean): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  const connectionTokens = String(req.headers.connection ?? "")
    .toLowerCase()
    .split(",")
    .map((token) => token.trim());
  for (const [name, value] of Object.entries(req.headers as IncomingHttpHeaders)) {
    if (value === undefined) continue;
    if (!keepUpgrade && (HOP_BY_HOP.has(name) || connectionTokens.includes(name))) continue;
    headers[name] = value;
  }
  // Plateau's credentials are Plateau's: the instance never sees them.
  const cookie = withoutPlateauCookies(req.headers.cookie);
  if (cookie === undefined) delete headers.cookie;
  else headers.cookie = cookie;
  if (bearerToken(headers.authorization)?.startsWith(TOKEN_PREFIX)) delete headers.authorization;
  const remote = req.socket.remoteAddress ?? "";
  headers["x-forwarded-for"] = req.headers["x-forwarded-for"] ? `${String(req.headers["x-forwarded-for"])}, ${remote}` : remote;
  headers["x-forwarded-host"] = req.headers.host ?? "";
  headers["x-forwarded-proto"] = "http";
  for (const [name, value] of Object.entries(route.headers)) headers[name] = value;
  return headers;
}

function statusPage(route: Exclude<Route, { kind: "upstream" } | { kind: "not-an-instance" }>): { status: number; html: string } {
  const ref = `${route.project}/${route.instance}`;
  if (route.kind === "unknown") {
    return {
      status: 404,
      html: page(`${ref} does not exist`, `There is no instance ${ref} on this platform. / Il n'y a pas d'instance ${ref} sur cette plateforme.`, false),
    };
  }
  const waiting = route.phase === "pending" || route.phase === "starting";
  return {
    status: 503,
    html: page(
      `${ref} is ${route.phase}`,
      `${forMembers(route.reason)}${waiting ? " — this page reloads by itself. / Cette page se recharge seule." : ""}`,
      waiting,
    ),
  };
}

const STATUS_STYLE = "body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#222}h1{font-size:1.4rem}";

function page(title: string, text: string, refresh: boolean): string {
  return pageShell({
    language: "en",
    title,
    style: STATUS_STYLE,
    body: `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p><p><small>Plateau</small></p>`,
    ...(refresh ? { refreshSeconds: 2 } : {}),
  });
}

export interface Proxy {
  /** Who may open an instance, and the bounce through Plateau that tells the proxy (`/auth/instance`). */
  readonly gate: InstanceGate;
  /** Whether a request for this Host is for an instance (decided without I/O). */
  serves(host: string): boolean;
  /** Serves the request when it is for an instance; false when it is for Plateau itself. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** Tunnels a WebSocket (or any Upgrade) to the instance; false when not for an instance. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<boolean>;
}

function gatePage(answer: Extract<GateAnswer, { kind: "respond" }>): string {
  return page(answer.status === 404 ? "Not found" : "Sign-in needed", answer.message ?? "", false);
}

export interface ProxyOptions {
  /**
   * How long a request for an instance that is starting waits for it before the "starting"
   * page answers (as OpenShift's router holds requests while it unidles a service): it gets
   * the application as soon as it answers, not at its next reload. 2 s, the page's own reload.
   */
  readonly holdMs?: number;
  /** Told of each request (and upgrade) forwarded to an instance: idle reclaim and usage count them. */
  readonly requests?: { count(project: string, instance: string): void };
  /** Where tunnels are registered, to be closed cleanly when the server stops (ADR 0042). */
  readonly streams?: Pick<Shutdown, "track">;
}

/** What a WebSocket's peers read when Plateau closes it because it stops. */
const GOING_AWAY_REASON = "Plateau is restarting: reconnect";

/**
 * Stops forwarding one direction of a tunnel at the next frame boundary and ends it with a close
 * frame (RFC 6455 §5.5.1): written inside a frame, it would corrupt the stream instead.
 */
function endDirection(source: Duplex, target: Duplex, tracker: FrameTracker, following: (chunk: Buffer) => void, frame: Buffer): void {
  source.off("data", following);
  source.unpipe(target);
  const finish = () => {
    source.off("data", untilBoundary);
    target.end(frame);
    // Read (and drop) what still comes, so that the peer's close and FIN are seen.
    source.resume();
  };
  const untilBoundary = (chunk: Buffer) => {
    const length = tracker.untilBoundary(chunk);
    if (length === undefined) return void target.write(chunk);
    target.write(chunk.subarray(0, length));
    finish();
  };
  if (tracker.atBoundary()) return finish();
  source.on("data", untilBoundary);
  source.resume();
}

export function createProxy(router: Router, logger: Logger, gate: InstanceGate, domain: string, options: ProxyOptions = {}): Proxy {
  const holdMs = options.holdMs ?? 2000;

  /** The route, once the instance runs or the hold is over (or the client went away). */
  const starting = (route: Route) => route.kind === "unavailable" && (route.phase === "pending" || route.phase === "starting");

  async function routeAfterHold(req: IncomingMessage, route: Route): Promise<Route> {
    // Requests for running instances (nearly all) pay nothing for the hold.
    if (!starting(route) || holdMs <= 0) return route;
    const deadline = Date.now() + holdMs;
    let gone = false;
    const onClose = () => (gone = true);
    req.socket.once("close", onClose);
    try {
      while (route.kind === "unavailable" && starting(route) && !gone) {
        const left = deadline - Date.now();
        if (left <= 0) break;
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([router.changed(route.project, route.instance), new Promise<void>((done) => (timer = setTimeout(done, left)))]);
        clearTimeout(timer);
        route = await router.resolve(req.headers.host ?? "");
      }
      return route;
    } finally {
      req.socket.off("close", onClose);
    }
  }

  return {
    gate,
    // Most requests are for Plateau itself: a substring test answers them before any parsing.
    serves: (host) => host.toLowerCase().includes(`.${domain.toLowerCase()}`) && parseInstanceHost(host, domain) !== undefined,
    async handle(req, res) {
      const target = parseInstanceHost(req.headers.host ?? "", domain);
      if (!target) return false;
      const answer = await gate.admit(req, target);
      if (answer.kind === "respond") {
        res.writeHead(answer.status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", ...answer.headers });
        res.end(answer.message ? gatePage(answer) : undefined);
        return true;
      }
      const route = await routeAfterHold(req, await router.resolve(req.headers.host ?? ""));
      if (route.kind === "not-an-instance") return false;
      if (route.kind !== "upstream") {
        const { status, html } = statusPage(route);
        res.writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", ...(status === 503 ? { "retry-after": "2" } : {}) });
        res.end(html);
        return true;
      }
      options.requests?.count(route.project, route.instance);
      const [host, port] = route.endpoint.split(":");
      const upstream = httpRequest({ host, port: Number(port), method: req.method, path: req.url, headers: forwardedHeaders(req, route, false) }, (answer) => {
        const headers = { ...answer.headers };
        for (const name of HOP_BY_HOP) if (name !== "transfer-encoding") delete headers[name];
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, headers);
        answer.pipe(res);
      });
      upstream.on("error", (error) => {
        logger.warn({ instance: `${route.project}/${route.instance}`, error: error.message }, "proxy: instance unreachable");
        if (!res.headersSent) {
          res.writeHead(502, { "content-type": "text/html; charset=utf-8" });
          res.end(page("Bad gateway", `${route.project}/${route.instance} did not answer: ${error.message}`, true));
        } else res.destroy();
      });
      // A client that goes away takes its upstream request with it.
      res.on("close", () => {
        if (!res.writableFinished) upstream.destroy();
      });
      req.pipe(upstream);
      return true;
    },

    async upgrade(req, socket, head) {
      const target = parseInstanceHost(req.headers.host ?? "", domain);
      if (!target) return false;
      const answer = await gate.admit(req, target);
      if (answer.kind === "respond") {
        socket.end(`HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? ""}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
        return true;
      }
      const route = await router.resolve(req.headers.host ?? "");
      if (route.kind === "not-an-instance") return false;
      if (route.kind !== "upstream") {
        socket.end(`HTTP/1.1 ${route.kind === "unknown" ? "404 Not Found" : "503 Service Unavailable"}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
        return true;
      }
      options.requests?.count(route.project, route.instance);
      const [host, port] = route.endpoint.split(":");
      // Frames are followed both ways (without copying them), to close the tunnel between two when Plateau stops.
      const toClient = createFrameTracker({ afterHttpHead: true });
      const toUpstream = createFrameTracker({ afterHttpHead: false });
      const followToClient = (chunk: Buffer) => toClient.push(chunk);
      const followToUpstream = (chunk: Buffer) => toUpstream.push(chunk);
      let connected = false;
      const upstream: Socket = connect(Number(port), host, () => {
        connected = true;
        const headers = forwardedHeaders(req, route, true);
        const lines = [`${req.method ?? "GET"} ${req.url ?? "/"} HTTP/1.1`];
        for (const [name, value] of Object.entries(headers))
          for (const v of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${v.replace(/[\r\n]/g, "")}`);
        upstream.write(`${lines.join("\r\n")}\r\n\r\n`);
        if (head.length > 0) {
          toUpstream.push(head);
          upstream.write(head);
        }
        if (options.streams) {
          upstream.on("data", followToClient);
          socket.on("data", followToUpstream);
        }
        upstream.pipe(socket);
        socket.pipe(upstream);
      });
      const close = () => {
        upstream.destroy();
        socket.destroy();
      };
      if (options.streams) {
        const forget = options.streams.track({
          // Both peers are told "going away" (1001); a tunnel that is not (yet) a WebSocket is just closed.
          end() {
            if (!connected || !toClient.isWebSocket() || !toUpstream.isWebSocket()) return close();
            endDirection(upstream, socket, toClient, followToClient, closeFrame(GOING_AWAY, GOING_AWAY_REASON));
            endDirection(socket, upstream, toUpstream, followToUpstream, closeFrame(GOING_AWAY, GOING_AWAY_REASON, randomBytes(4)));
          },
          destroy: close,
        });
        socket.once("close", forget);
      }
      upstream.on("error", close);
      socket.on("error", close);
      socket.on("close", () => upstream.destroy());
      upstream.on("close", () => socket.destroy());
      return true;
    },
  };
}
