// The CLI's client against a real HTTP server that fails a few times, then answers: a change is
// sent again with the same idempotency key, a read too; client errors are not sent again.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { IDEMPOTENCY_HEADER } from "../contracts/api.js";
import { ApiError, createClient } from "./client.js";

const fast = { baseMs: 1, capMs: 20, totalMs: 10_000 };
let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

type Failure = "reset" | "shutting-down" | "retry-after" | "conflict";

/** A server whose first answers fail as listed, then answers 202; it keeps what each request carried. */
async function flaky(failures: Failure[]): Promise<{ url: string; seen: IncomingHttpHeaders[]; bodies: string[] }> {
  const seen: IncomingHttpHeaders[] = [];
  const bodies: string[] = [];
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      seen.push(req.headers);
      bodies.push(body);
      const failure = failures[seen.length - 1];
      if (failure === "reset") return req.socket.destroy();
      if (failure === "shutting-down") {
        res.writeHead(503, { "content-type": "application/json", "retry-after": "0", connection: "close" });
        return res.end(JSON.stringify({ error: { code: "unavailable", reason: "shutting-down", message: "stopping" } }));
      }
      if (failure === "retry-after") return res.writeHead(503, { "retry-after": "0" }).end();
      if (failure === "conflict") {
        res.writeHead(409, { "content-type": "application/json" });
        return res.end(JSON.stringify({ error: { code: "conflict", message: "exists" } }));
      }
      res.writeHead(202, { "content-type": "application/json" }).end(JSON.stringify({ commit: "abc", attempt: seen.length }));
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, bodies };
}

describe("the CLI's client sends again what a restarting server did not answer", () => {
  it("sends a change again after a reset and 503s, with the same idempotency key and body each time", async () => {
    const { url, seen, bodies } = await flaky(["reset", "shutting-down", "retry-after"]);
    const retries: string[] = [];
    const client = createClient(url, undefined, { retry: fast, onRetry: (why) => retries.push(why) });
    const answer = await client.call<{ attempt: number }>("POST", "/projects/demo/instances", { template: "static-site" });
    expect(answer.attempt).toBe(4);
    const keys = seen.map((headers) => headers[IDEMPOTENCY_HEADER]);
    expect(keys).toHaveLength(4);
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(bodies)).toEqual(new Set([JSON.stringify({ template: "static-site" })]));
    expect(retries).toEqual([expect.stringMatching(/ECONNRESET|UND_ERR_SOCKET/), "503 shutting-down", "503 unavailable"]);
  });

  it("sends a read again too", async () => {
    const { url, seen } = await flaky(["shutting-down"]);
    const answer = await createClient(url, undefined, { retry: fast }).call<{ attempt: number }>("GET", "/me");
    expect(answer.attempt).toBe(2);
    expect(seen.map((headers) => headers[IDEMPOTENCY_HEADER])).toEqual([undefined, undefined]);
  });

  it("never sends a client error again", async () => {
    const { url, seen } = await flaky(["conflict"]);
    const failure = await createClient(url, undefined, { retry: fast })
      .call("POST", "/projects", { name: "demo" })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApiError);
    expect((failure as ApiError).status).toBe(409);
    expect(seen).toHaveLength(1);
  });

  it("gives up once the time is spent, with the server's own 503", async () => {
    const { url, seen } = await flaky(["shutting-down", "shutting-down", "shutting-down"]);
    const failure = await createClient(url, undefined, { retry: { ...fast, totalMs: 0 } })
      .call("POST", "/projects", { name: "demo" })
      .catch((error: unknown) => error);
    expect((failure as ApiError).status).toBe(503);
    expect((failure as ApiError).code).toBe("unavailable");
    expect(seen).toHaveLength(1);
  });

  it("waits for a server that is not listening yet (connection refused), then reaches it", async () => {
    // A port that refuses first: the server starts listening on it after the first refusal.
    const probe = await flaky([]);
    const port = Number(new URL(probe.url).port);
    await new Promise((resolve) => server?.close(resolve));
    const retries: string[] = [];
    const client = createClient(probe.url, undefined, {
      retry: fast,
      onRetry: (why) => {
        retries.push(why);
        if (retries.length === 1) server?.listen(port, "127.0.0.1");
      },
    });
    const answer = await client.call<{ attempt: number }>("POST", "/projects", { name: "demo" });
    expect(retries[0]).toBe("ECONNREFUSED");
    expect(answer.attempt).toBe(1);
  });
});
