// A stopping server ends its followed logs cleanly (ADR 0042): the reader sees the end of the
// chunked answer, not a reset, once the grace is over; and a stream asked for on the same
// connection once the listener is closed is answered 503 `shutting-down` with Retry-After.
// Real sockets on a listening app with the memory engine, whose followed logs stay open as a
// real engine's do; the drain is the one `plateau up` runs on SIGTERM.
import { connect } from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/core/ports/logger.js";
import { createShutdown } from "../../src/server/shutdown.js";
import { memoryApp } from "../support/app.js";

describe("followed logs when the server stops", () => {
  const shutdown = createShutdown(silentLogger);
  let fixture: Awaited<ReturnType<typeof memoryApp>>;
  let port = 0;

  beforeAll(async () => {
    fixture = await memoryApp({ server: { shutdown } });
    const launched = await fixture.inject({ method: "POST", url: "/api/v1/projects/demo/instances", payload: { template: "static-site", name: "hello" } });
    expect(launched.statusCode, launched.body).toBe(202);
    await fixture.reconciler.reconcileOnce();
    await fixture.app.listen({ host: "127.0.0.1", port: 0 });
    port = (fixture.app.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await fixture.app.close();
  });

  it("ends the stream with its last chunk, and answers a stream asked for behind it 503 shutting-down", async () => {
    const { authorization } = await fixture.as("alice");
    const socket = connect(port, "127.0.0.1");
    const events: string[] = [];
    let received = "";
    const ended = new Promise<void>((resolve) => {
      socket.on("data", (chunk: Buffer) => {
        received += chunk.toString();
        if (received.includes("\r\n\r\n") && !events.includes("streaming")) events.push("streaming");
      });
      socket.on("error", (error) => events.push(`error ${error.message}`));
      socket.on("end", () => {
        events.push("end");
        resolve();
      });
    });
    const head = (path: string) => `GET ${path} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nauthorization: ${authorization}\r\n\r\n`;
    const until = (done: () => boolean) =>
      new Promise<void>((resolve) => {
        const check = () => (done() ? resolve() : setTimeout(check, 10));
        check();
      });
    const logsPath = "/api/v1/projects/demo/instances/hello/logs?follow=true&tail=5";
    socket.write(head(logsPath));
    await until(() => events.includes("streaming"));
    expect(received).toMatch(/^HTTP\/1\.1 200 /);

    const drained = shutdown.drain(fixture.app.server, { drainSeconds: 0, graceSeconds: 1 }).then(() => events.push("drained"));
    // The listener is closed: another followed log asked for on this connection (pipelined behind the first).
    await until(() => shutdown.phase() === "closing");
    socket.write(head(logsPath));
    await ended;
    await drained;

    const [logs = "", queued = ""] = received.split(/(?=HTTP\/1\.1 )/);
    // The followed logs: their lines, then the chunked body's last chunk (a clean end).
    expect(logs.toLowerCase()).toContain("transfer-encoding: chunked");
    expect(logs.endsWith("\r\n0\r\n\r\n")).toBe(true);
    // The second stream: refused, with the reason to retry elsewhere, and the connection closed.
    expect(queued).toMatch(/^HTTP\/1\.1 503 /);
    expect(queued.toLowerCase()).toContain("retry-after: 1");
    expect(queued.toLowerCase()).toContain("connection: close");
    expect(JSON.parse(queued.slice(queued.indexOf("\r\n\r\n") + 4)) as unknown).toMatchObject({ error: { code: "unavailable", reason: "shutting-down" } });
    // Ended, not reset; the drain is over once no connection is left.
    expect(new Set(events)).toEqual(new Set(["streaming", "end", "drained"]));
    expect(shutdown.phase()).toBe("ending");
  });

  it("opens no followed log once stopping, and says why", async () => {
    const reply = await fixture.inject({ url: "/api/v1/projects/demo/instances/hello/logs?follow=true" });
    expect(reply.statusCode).toBe(503);
    expect(reply.headers["retry-after"]).toBe("1");
    expect(reply.json()).toMatchObject({ error: { code: "unavailable", reason: "shutting-down" } });
  });
});
