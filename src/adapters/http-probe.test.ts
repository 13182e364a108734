import { createServer, type Server } from "node:http";
import { afterAll, describe, expect, it } from "vitest";
import { freeLoopbackPort } from "./net.js";
import { createHttpProbe } from "./http-probe.js";

const servers: Server[] = [];
afterAll(() => servers.forEach((server) => server.close()));

async function serving(status: number): Promise<string> {
  const server = createServer((_req, res) => res.writeHead(status).end("x"));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return `127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
}

describe("the HTTP probe of a drill's copies", () => {
  const probe = createHttpProbe({ attempts: 2, delayMs: 10, timeoutMs: 1000 });
  it("counts any answer below 500, a login page's redirect too", async () => {
    expect(await probe(await serving(200))).toBe(true);
    expect(await probe(await serving(302))).toBe(true);
  });
  it("does not count a server error, nor nothing listening", async () => {
    expect(await probe(await serving(503))).toBe(false);
    expect(await probe(`127.0.0.1:${await freeLoopbackPort()}`)).toBe(false);
  });
});
