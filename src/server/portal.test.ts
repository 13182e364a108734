import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadPortal, PORTAL_CSP } from "./portal.js";

let dir: string;
let server: Server;
let origin: string;
const script = `console.log(${JSON.stringify("x".repeat(4000))});`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "plateau-portal-"));
  await mkdir(join(dir, "assets"));
  await writeFile(join(dir, "index.html"), "<!doctype html><title>Plateau</title>");
  await writeFile(join(dir, "assets", "index-abc.js"), script);
  await writeFile(join(dir, "favicon.svg"), "<svg/>");
  const portal = await loadPortal(dir);
  if (!portal) throw new Error("the portal should load");
  server = createServer((req, res) => {
    if (!portal.handle(req, res)) res.writeHead(404).end("not the portal");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.close();
  await rm(dir, { recursive: true, force: true });
});

function get(path: string, headers: Record<string, string> = {}, method = "GET") {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
    const req = request(`${origin}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("the portal's files", () => {
  it("answers every portal address with the page, under the portal's CSP, never cached stale", async () => {
    for (const path of ["/", "/catalog", "/projects/demo/instances/hello", "/launch/ide/rstudio?x=1", "/tokens"]) {
      const answer = await get(path);
      expect(answer.status, path).toBe(200);
      expect(answer.body.toString()).toContain("<title>Plateau</title>");
      expect(answer.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(answer.headers["content-security-policy"]).toBe(PORTAL_CSP);
      expect(answer.headers["cache-control"]).toBe("no-cache");
    }
  });

  it("leaves the API, sign-in, git and unknown paths to the server", async () => {
    for (const path of ["/api/v1/me", "/auth/sign-in", "/git/desired-state.git/info/refs", "/healthz", "/nothing-here", "/assets/missing.js"]) {
      expect((await get(path)).status, path).toBe(404);
    }
    expect((await get("/catalog", {}, "POST")).status).toBe(404);
  });

  it("serves hashed assets gzipped when asked, cached for a year, and 304 when unchanged", async () => {
    const plain = await get("/assets/index-abc.js");
    expect(plain.body.toString()).toBe(script);
    expect(plain.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    const gzipped = await get("/assets/index-abc.js", { "accept-encoding": "br, gzip" });
    expect(gzipped.headers["content-encoding"]).toBe("gzip");
    expect(gzipped.body.length).toBeLessThan(plain.body.length);
    expect(gunzipSync(gzipped.body).toString()).toBe(script);
    const again = await get("/assets/index-abc.js", { "if-none-match": String(plain.headers.etag) });
    expect(again.status).toBe(304);
    const head = await get("/favicon.svg", {}, "HEAD");
    expect(head.status).toBe(200);
    expect(head.headers["content-type"]).toBe("image/svg+xml");
    expect(head.body.length).toBe(0);
  });

  it("is absent when the portal was not built", async () => {
    expect(await loadPortal(join(dir, "nowhere"))).toBeUndefined();
  });
});
