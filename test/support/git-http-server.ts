// A git server over smart HTTP for tests of the desired-state remote, with faults on demand:
// down (connections refused), answering 500, or requiring a token (401 without the right
// HTTP Basic header, as forges do). It records the Authorization headers it receives.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createSmartHttpHandler } from "../../src/adapters/git/smart-http.js";

export type GitHttpServerMode = "up" | "down" | "error500";

export interface GitHttpServer {
  /** The repository's URL (`http://127.0.0.1:<port>/state.git`). */
  readonly url: string;
  /** Every Authorization header received, in order (undefined when absent). */
  readonly authorizations: (string | undefined)[];
  /** How many requests reached the server. */
  requests(): number;
  mode(): GitHttpServerMode;
  /** `down` closes the listening socket (and open connections); `up` listens again on the same port. */
  setMode(mode: GitHttpServerMode): Promise<void>;
  /** Requires `Authorization: Basic base64(username:token)`; null accepts anyone again. */
  requireToken(token: string | null, username?: string): void;
  close(): Promise<void>;
}

export async function startGitHttpServer(params: { dir: string; git?: string; allowPush?: boolean }): Promise<GitHttpServer> {
  const handler = createSmartHttpHandler({ dir: params.dir, allowPush: params.allowPush ?? true, ...(params.git ? { git: params.git } : {}) });
  const authorizations: (string | undefined)[] = [];
  let requests = 0;
  let mode: GitHttpServerMode = "up";
  let expected: string | null = null;
  const prefix = "/state.git/";

  const server: Server = createServer((req, res) => {
    requests++;
    authorizations.push(req.headers.authorization);
    if (mode === "error500") {
      req.resume();
      res.writeHead(500, { "content-type": "text/plain" });
      res.end("injected failure\n");
      return;
    }
    if (expected !== null && req.headers.authorization !== expected) {
      req.resume();
      res.writeHead(401, { "www-authenticate": 'Basic realm="plateau-test"', "content-type": "text/plain" });
      res.end("authentication required\n");
      return;
    }
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (!path.startsWith(prefix)) {
      req.resume();
      res.writeHead(404);
      res.end();
      return;
    }
    handler(req, res, path.slice(prefix.length));
  });

  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
  const stop = async () => {
    if (!server.listening) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };

  await listen(0);
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/state.git`,
    authorizations,
    requests: () => requests,
    mode: () => mode,
    async setMode(next) {
      if (next === "down") await stop();
      else if (!server.listening) await listen(port);
      mode = next;
    },
    requireToken(token, username = "oauth2") {
      expected = token === null ? null : `Basic ${Buffer.from(`${username}:${token}`).toString("base64")}`;
    },
    close: stop,
  };
}
