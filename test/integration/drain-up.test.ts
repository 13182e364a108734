// A real `plateau up` told to stop (SIGTERM, as in a rolling restart; ADR 0042): out of readiness
// first, what is in flight finishes, WebSockets are told "going away", and it exits 0. The
// instance is an HTTP and WebSocket server on a loopback port, made "running" in Plateau's
// database as the reconciler would (no podman here), reached through Plateau's proxy.
import { createHash } from "node:crypto";
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server } from "node:http";
import type { Duplex } from "node:stream";
import { connect, type AddressInfo } from "node:net";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { openDatabase } from "../../src/adapters/sql/database.js";
import { createSqlStore } from "../../src/adapters/sql/sql-store.js";
import { systemClock } from "../../src/adapters/system/system.js";
import { VMALERT_BINARY } from "../../src/adapters/metrics/vmalert-process.js";
import { startServer, writeConfig, type ServerProcess } from "../support/server.js";

/** An instance that answers `/slow` only once released, and echoes WebSocket messages. */
async function instance() {
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  let arrived = () => {};
  const slowArrived = new Promise<void>((resolve) => (arrived = resolve));
  const closes: number[] = [];
  const server: Server = createServer((req, res) => {
    if (req.url !== "/slow") return void res.end("fast");
    arrived();
    void released.then(() => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("first half, ");
      res.end("second half");
    });
  });
  // Messages that are not whole frames, or a close frame written inside one, fail ws's parsing (1002, 1006), not 1001.
  const received = { messages: 0, intact: true };
  const sockets = new WebSocketServer({ noServer: true });
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (req.url === "/partial") return partialFrame(req, socket, closes);
    sockets.handleUpgrade(req, socket, head, (ws) => sockets.emit("connection", ws, req));
  });
  sockets.on("connection", (socket: WebSocket) => {
    let flood: NodeJS.Timeout | undefined;
    socket.on("message", (data) => {
      const text = data.toString();
      if (text === "flood") {
        // Frames of every length form, without pause, until the socket closes.
        let size = 1;
        flood = setInterval(() => {
          for (const length of [size % 126, 126 + (size % 60_000), 70_000]) socket.send(Buffer.alloc(length, length % 251));
          size += 7;
        }, 2);
      } else if (text.startsWith("burst:")) {
        received.messages++;
        received.intact &&= /^burst:y*$/.test(text);
      } else socket.send(`echo:${text}`);
    });
    socket.on("close", (code) => {
      clearInterval(flood);
      closes.push(code);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port, release, slowArrived, closes, received };
}

/**
 * A WebSocket peer written by hand: it sends the first 4 bytes of a 10-byte message and the
 * other 6 only once it receives a close frame, so that Plateau's close reaches the client while
 * a frame is half forwarded: the close frame must wait for the end of that frame.
 */
function partialFrame(req: IncomingMessage, socket: Duplex, closes: number[]): void {
  const accept = createHash("sha1")
    .update(`${String(req.headers["sec-websocket-key"])}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
    .digest("base64");
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: ${accept}\r\n\r\n`);
  const message = Buffer.from("0123456789");
  socket.write(Buffer.concat([Buffer.from([0x81, message.length]), message.subarray(0, 4)]));
  let read = Buffer.alloc(0);
  socket.on("data", (chunk: Buffer) => {
    read = Buffer.concat([read, chunk]);
    // A masked close frame: opcode 8, then its length, mask and the code (masked).
    if (read.length < 8 || ((read[0] ?? 0) & 0x0f) !== 8) return;
    const mask = read.subarray(2, 6);
    closes.push((((read[6] ?? 0) ^ (mask[0] ?? 0)) << 8) | ((read[7] ?? 0) ^ (mask[1] ?? 0)));
    read = Buffer.alloc(0);
    socket.write(message.subarray(4));
    socket.end(Buffer.from([0x88, 2, 0x03, 0xe9]));
  });
  socket.on("error", () => undefined);
}

const VICTORIA_METRICS_BINARY = "/usr/bin/victoria-metrics";

/** VictoriaMetrics and vmalert processes started for a data directory under `dir` (by their command lines). */
async function daemonsOf(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir("/proc").catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const [binary = "", ...args] = (await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "")).split("\0");
    if (["victoria-metrics", "vmalert"].includes(basename(binary)) && args.some((arg) => arg.includes(dir))) found.push(`${entry} ${binary}`);
  }
  return found;
}

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("never happened");
}

/** A `plateau up` with Alice's instance u-alice/site running at the local server's port. */
async function upWithInstance(shutdown: { drainSeconds: number; graceSeconds: number }) {
  const upstream = await instance();
  const dir = await mkdtemp(join(tmpdir(), "plateau-drain-"));
  const config = await writeConfig(
    dir,
    `podman:\n  command: /nonexistent/podman\nreconcile:\n  intervalSeconds: 3600\nshutdown:\n  drainSeconds: ${shutdown.drainSeconds}\n  graceSeconds: ${shutdown.graceSeconds}\n`,
  );
  const server = await startServer({ dataDir: join(dir, "data"), config });
  cleanups.push(async () => {
    await server.kill();
    upstream.server.closeAllConnections();
    upstream.server.close();
    await rm(dir, { recursive: true, force: true });
  });
  const token = await server.actAs("alice");
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${server.url}/api/v1${path}`, { ...init, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" } });
  // Until the reconciler has written an instance's status, there is none (404): no reason yet.
  const reasonOf = async (name: string) => {
    const response = await api(`/projects/u-alice/instances/${name}/status`);
    return response.ok ? ((await response.json()) as { reason: string }).reason : "";
  };
  const launched = await api("/projects/u-alice/instances", { method: "POST", body: JSON.stringify({ template: "static-site", name: "site" }) });
  expect(launched.status).toBe(202);
  // The reconciler has said the platform is unavailable: from now on only this test writes the status.
  await until(
    () => reasonOf("site"),
    (reason) => reason.includes("unavailable"),
  );
  const database = await openDatabase(join(dir, "data", "plateau.db"));
  await createSqlStore(database.db, systemClock).statuses.setStatus({
    project: "u-alice",
    instance: "site",
    platform: "local",
    phase: "running",
    reason: "",
    reasonCode: "reported",
    reasonParams: { reason: "" },
    appliedHash: "h",
    endpoint: `127.0.0.1:${upstream.port}`,
    updatedAt: new Date().toISOString(),
  });
  await database.close();
  // Plateau keeps statuses in memory until one changes: another launch (its status set by the reconciler) makes it read them again.
  expect((await api("/projects/u-alice/instances", { method: "POST", body: JSON.stringify({ template: "static-site", name: "other" }) })).status).toBe(202);
  await until(
    () => reasonOf("other"),
    (reason) => reason.includes("unavailable"),
  );
  const host = `site.u-alice.localhost:${server.port}`;
  await until(
    () => viaProxy(server, host, "/", token),
    (answer) => answer.body === "fast",
  );
  const exited = new Promise<number | null>((resolve) => server.child.once("exit", (code) => resolve(code)));
  return { server, upstream, host, token, exited };
}

function viaProxy(server: ServerProcess, host: string, path: string, token: string): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: server.port, path, headers: { host, authorization: `Bearer ${token}` } }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

/** Whether a new connection to the port is refused (the listener is closed). */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code === "ECONNREFUSED"));
  });
}

describe("plateau up told to stop", () => {
  it("is unready at once, finishes the request in flight after closing its listener, and exits 0", async () => {
    const { server, upstream, host, token, exited } = await upWithInstance({ drainSeconds: 2, graceSeconds: 60 });
    const order: string[] = [];
    const inFlight = viaProxy(server, host, "/slow", token).then((answer) => {
      order.push("answered");
      return answer;
    });
    await upstream.slowArrived;
    void exited.then((code) => order.push(`exited ${code}`));
    server.child.kill("SIGTERM");

    const readiness = await until(
      () => fetch(`${server.url}/readyz`),
      (response) => response.status !== 200,
    );
    expect(readiness.status).toBe(503);
    expect(await readiness.json()).toEqual({ status: "stopping", checks: { shutdown: expect.stringContaining("stopping") } });
    // Alive all the same: nothing restarts it while it drains.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    order.push("not ready");

    await until(() => refused(server.port), Boolean);
    order.push("listener closed");
    upstream.release();

    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(answer.body).toBe("first half, second half");
    // Its connection is not kept: the client's next request opens one elsewhere.
    expect(answer.headers.connection).toBe("close");
    expect(await exited).toBe(0);
    expect(order).toEqual(["not ready", "listener closed", "answered", "exited 0"]);
    expect(server.output()).toContain("Stopping (SIGTERM)");
  });

  it("stops at once at a second signal during the drain, and says so", async () => {
    const dir = await mkdtemp(join(tmpdir(), "plateau-drain-"));
    const config = await writeConfig(dir, "podman:\n  command: /nonexistent/podman\nshutdown:\n  drainSeconds: 300\n");
    const server = await startServer({ dataDir: join(dir, "data"), config });
    cleanups.push(async () => {
      await server.kill();
      await rm(dir, { recursive: true, force: true });
    });
    const exited = new Promise<number | null>((resolve) => server.child.once("exit", (code) => resolve(code)));
    // Its daemons (VictoriaMetrics, vmalert, where installed) run before it is told to stop.
    const installed = [VICTORIA_METRICS_BINARY, VMALERT_BINARY].filter((binary) => existsSync(binary));
    await until(
      () => daemonsOf(dir),
      (daemons) => daemons.length === installed.length,
    );
    server.child.kill("SIGTERM");
    await until(
      () => fetch(`${server.url}/readyz`).then((response) => response.status),
      (status) => status === 503,
    );
    server.child.kill("SIGTERM");
    expect(await exited).toBe(1);
    expect(server.output()).toContain("plateau: SIGTERM while stopping: exiting at once");
    // Exiting at once ends them too: none outlives Plateau.
    expect(
      await until(
        () => daemonsOf(dir),
        (daemons) => daemons.length === 0,
      ),
    ).toEqual([]);
  });

  it("closes a proxied WebSocket with 1001 on both sides, between two frames, when the grace is over, and exits 0", async () => {
    const { server, upstream, host, token, exited } = await upWithInstance({ drainSeconds: 0, graceSeconds: 1 });
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}/socket`, { headers: { host, authorization: `Bearer ${token}` } });
    const echoed = await new Promise<string>((resolve, reject) => {
      socket.on("open", () => socket.send("hello"));
      socket.once("message", (data) => resolve(data.toString()));
      socket.on("error", reject);
    });
    expect(echoed).toBe("echo:hello");
    // Both ways, frames of every length form without pause: the close frames must fall between two.
    const got = { messages: 0, intact: true };
    socket.on("message", (data: Buffer) => {
      got.messages++;
      got.intact &&= data.every((byte) => byte === data.length % 251);
    });
    socket.send("flood");
    let size = 0;
    const burst = setInterval(() => {
      for (const length of [size % 126, 126 + ((size * 13) % 60_000), 70_000])
        if (socket.readyState === WebSocket.OPEN) socket.send(`burst:${"y".repeat(length)}`);
      size += 5;
    }, 2);
    await until(async () => got.messages > 20 && upstream.received.messages > 20, Boolean);
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      socket.on("close", (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    // Another, whose instance has sent a frame's first bytes only.
    const partial = new WebSocket(`ws://127.0.0.1:${server.port}/partial`, { headers: { host, authorization: `Bearer ${token}` } });
    const partialMessages: string[] = [];
    partial.on("message", (data: Buffer) => partialMessages.push(data.toString()));
    const partialClosed = new Promise<{ code: number; reason: string }>((resolve) =>
      partial.on("close", (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    await new Promise((resolve, reject) => {
      partial.once("open", resolve);
      partial.once("error", reject);
    });

    server.child.kill("SIGTERM");
    expect(await closed).toEqual({ code: 1001, reason: "Plateau is restarting: reconnect" });
    clearInterval(burst);
    expect(await exited).toBe(0);
    expect(got.intact && upstream.received.intact).toBe(true);
    // The half-sent message was finished before the close frame, which came whole after it.
    expect(await partialClosed).toEqual({ code: 1001, reason: "Plateau is restarting: reconnect" });
    expect(partialMessages).toEqual(["0123456789"]);
    await until(
      async () => upstream.closes,
      (codes) => codes.length === 2,
    );
    expect(upstream.closes).toEqual([1001, 1001]);
  });
});
