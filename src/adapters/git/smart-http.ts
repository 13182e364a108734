// Serving the desired-state repository over git's smart HTTP protocol, so that Argo CD and
// people can clone it from Plateau itself: `git http-backend` run as a CGI program, request
// and response streamed (a clone of a large repository is never held in memory). Read-only
// unless asked: a push changes what runs, and goes through Plateau's own rules otherwise.
import { spawn } from "node:child_process";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../../core/ports/logger.js";
import { gitEnvironment } from "./git-repository.js";

export interface SmartHttpParams {
  /** The bare repository to serve. */
  readonly dir: string;
  readonly git?: string;
  /** Accept pushes (git-receive-pack); never forced ones, never deletions of a branch. */
  readonly allowPush?: boolean;
  readonly logger?: Logger;
}

/** Serves one request; `pathInRepo` is what follows the repository's URL (`info/refs`, `git-upload-pack`…). */
export type SmartHttpHandler = (req: IncomingMessage, res: ServerResponse, pathInRepo: string) => void;

type Route = { readonly method: "GET" | "POST"; readonly service?: string } | { readonly status: number; readonly message: string; readonly allow?: string };

const SERVICES = new Set(["git-upload-pack", "git-receive-pack"]);
const READ_ONLY = "this repository is served read-only: pushes are not accepted here\n";
const MAX_STDERR = 16_384;

export function createSmartHttpHandler(params: SmartHttpParams): SmartHttpHandler {
  const git = params.git ?? "git";
  const allowPush = params.allowPush ?? false;
  const baseEnv: NodeJS.ProcessEnv = { ...gitEnvironment(params.dir) };
  // http-backend finds the repository from GIT_PROJECT_ROOT and PATH_INFO, not GIT_DIR.
  delete baseEnv.GIT_DIR;
  const config: [string, string][] = [
    // Plateau's working refs (the remote's branch as fetched, a replay in progress) are
    // neither shown nor writable: only branches and tags are the repository's content.
    ["uploadpack.hideRefs", "refs/plateau"],
    ["receive.hideRefs", "refs/plateau"],
    ...(allowPush
      ? ([
          ["http.receivepack", "true"],
          // Desired state is history: what others push may add to it, never rewrite or delete it.
          ["receive.denyNonFastForwards", "true"],
          ["receive.denyDeletes", "true"],
        ] as [string, string][])
      : ([["http.receivepack", "false"]] as [string, string][])),
  ];
  baseEnv.GIT_CONFIG_COUNT = String(config.length);
  config.forEach(([key, value], index) => {
    baseEnv[`GIT_CONFIG_KEY_${index}`] = key;
    baseEnv[`GIT_CONFIG_VALUE_${index}`] = value;
  });

  function route(method: string, pathInRepo: string, service: string | null): Route {
    const expect = (wanted: "GET" | "POST", extra: { service?: string } = {}): Route =>
      method === wanted ? { method: wanted, ...extra } : { status: 405, message: `use ${wanted} for ${pathInRepo}\n`, allow: wanted };
    switch (pathInRepo) {
      case "info/refs":
        // Without `service`, the client speaks the dumb protocol, which is not served.
        if (!service || !SERVICES.has(service)) return { status: 404, message: "only git's smart HTTP protocol is served (git 1.6.6 or later)\n" };
        if (service === "git-receive-pack" && !allowPush) return { status: 403, message: READ_ONLY };
        return expect("GET", { service });
      case "HEAD":
        return expect("GET");
      case "git-upload-pack":
        return expect("POST");
      case "git-receive-pack":
        return allowPush ? expect("POST") : { status: 403, message: READ_ONLY };
      default:
        return { status: 404, message: "not found\n" };
    }
  }

  return (req, res, pathInRepo) => {
    const method = req.method ?? "GET";
    const service = new URL(req.url ?? "/", "http://localhost").searchParams.get("service");
    const decided = route(method, pathInRepo, service);
    if ("status" in decided) {
      req.resume();
      res.writeHead(decided.status, { "content-type": "text/plain; charset=utf-8", ...(decided.allow ? { allow: decided.allow } : {}) });
      res.end(decided.message);
      return;
    }

    const env: NodeJS.ProcessEnv = {
      ...baseEnv,
      GATEWAY_INTERFACE: "CGI/1.1",
      SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
      GIT_PROJECT_ROOT: params.dir,
      GIT_HTTP_EXPORT_ALL: "1",
      PATH_INFO: `/${pathInRepo}`,
      // Rebuilt from what was checked rather than passed on as received.
      QUERY_STRING: decided.service ? `service=${decided.service}` : "",
      REQUEST_METHOD: decided.method,
      REMOTE_ADDR: req.socket.remoteAddress ?? "",
    };
    const header = (name: string) => {
      const value = req.headers[name];
      return typeof value === "string" ? value : undefined;
    };
    const contentType = header("content-type");
    if (contentType) env.CONTENT_TYPE = contentType;
    const contentLength = header("content-length");
    if (contentLength && /^\d+$/.test(contentLength)) env.CONTENT_LENGTH = contentLength;
    // git sends large negotiations gzipped; http-backend inflates them itself.
    const encoding = header("content-encoding");
    if (encoding) env.HTTP_CONTENT_ENCODING = encoding;
    // Protocol v2 is asked for by a header, which CGI passes as a variable.
    const protocol = header("git-protocol");
    if (protocol && /^[A-Za-z0-9=:._,-]+$/.test(protocol)) {
      env.HTTP_GIT_PROTOCOL = protocol;
      env.GIT_PROTOCOL = protocol;
    }

    const child = spawn(git, ["http-backend"], { env, stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    let head: Buffer | undefined = Buffer.alloc(0);
    let finished = false;

    const fail = (status: number, message: string) => {
      if (finished) return;
      finished = true;
      if (res.headersSent) res.destroy();
      else {
        res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
        res.end(`${message}\n`);
      }
    };

    child.stderr.on("data", (chunk: Buffer) => {
      if (stderr.length < MAX_STDERR) stderr += chunk.toString("utf8");
    });
    child.stdout.on("data", (chunk: Buffer) => {
      if (finished) return;
      if (head !== undefined) {
        head = Buffer.concat([head, chunk]);
        const parsed = parseCgiHead(head);
        if (!parsed) return;
        head = undefined;
        if (parsed.reason) res.writeHead(parsed.status, parsed.reason, parsed.headers);
        else res.writeHead(parsed.status, parsed.headers);
        chunk = parsed.rest;
        if (chunk.length === 0) return;
      }
      // Backpressure: a slow client slows git down instead of filling our memory.
      if (!res.write(chunk)) {
        child.stdout.pause();
        res.once("drain", () => child.stdout.resume());
      }
    });
    child.on("error", (error) => {
      params.logger?.error({ error: error.message }, "git http-backend could not be started");
      fail(500, "the git server is unavailable");
    });
    child.on("close", (code) => {
      if (code !== 0) params.logger?.warn({ code, path: pathInRepo, stderr: stderr.trim() }, "git http-backend failed");
      if (head !== undefined) return fail(502, `git http-backend ended without a response${stderr ? `: ${stderr.trim().split("\n").at(-1)}` : ""}`);
      if (!finished) {
        finished = true;
        res.end();
      }
    });
    // The client went away (or the request broke): git has no one left to talk to.
    res.on("close", () => {
      if (!res.writableFinished) child.kill("SIGKILL");
    });
    req.on("error", () => child.kill("SIGKILL"));
    child.stdin.on("error", () => {});
    req.pipe(child.stdin);
  };
}

interface CgiHead {
  readonly status: number;
  readonly reason: string | undefined;
  readonly headers: Record<string, string | string[]>;
  readonly rest: Buffer;
}

/** The CGI response's header block (`Status:` gives the HTTP status), once complete. */
export function parseCgiHead(buffer: Buffer): CgiHead | undefined {
  const crlf = buffer.indexOf("\r\n\r\n");
  const lf = buffer.indexOf("\n\n");
  const end = crlf >= 0 && (lf < 0 || crlf < lf) ? { at: crlf, length: 4 } : lf >= 0 ? { at: lf, length: 2 } : undefined;
  if (!end) return undefined;
  let status = 200;
  let reason: string | undefined;
  const headers: Record<string, string | string[]> = {};
  for (const line of buffer.subarray(0, end.at).toString("latin1").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === "status") {
      const match = /^(\d{3})\s*(.*)$/.exec(value);
      if (match) {
        status = Number(match[1]);
        reason = match[2] || undefined;
      }
      continue;
    }
    const before = headers[name];
    headers[name] = before === undefined ? value : [before, value].flat();
  }
  return { status, reason, headers, rest: buffer.subarray(end.at + end.length) };
}
