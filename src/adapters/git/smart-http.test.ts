import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGitHttpServer, type GitHttpServer } from "../../../test/support/git-http-server.js";
import { scratchDir } from "../../../test/support/temp.js";
import { run, runChecked } from "../process.js";
import { createGitRepository, gitEnvironment, initRepository, type GitRepository } from "./git-repository.js";
import { createSmartHttpHandler, parseCgiHead } from "./smart-http.js";

const clock = { now: () => new Date() };
const cleanup: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

const tempDir = (prefix: string): Promise<string> => scratchDir(prefix, cleanup);

/** git as a person runs it: their own HOME, no system or global configuration. */
function clientEnv(home: string): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: home, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null", GIT_TERMINAL_PROMPT: "0", LC_ALL: "C" };
}

async function repositoryWithCommits(): Promise<{ repo: GitRepository; head: string }> {
  const dir = await tempDir("plateau-served-");
  await initRepository({ dir });
  const repo = createGitRepository({ dir, clock });
  cleanup.push(() => repo.close());
  const first = await repo.commit({
    parent: null,
    author: { name: "alice", email: "alice@example.org" },
    message: "launch demo/a",
    trailers: { "Plateau-Action": "launch" },
    changes: [{ path: "projects/demo/instances/a.yaml", content: "a: 1\n" }],
  });
  const head = await repo.commit({
    parent: first,
    author: { name: "bob", email: "bob@example.org" },
    message: "launch demo/b",
    trailers: { "Plateau-Action": "launch" },
    changes: [{ path: "projects/demo/instances/b.yaml", content: "b: 1\n" }],
  });
  return { repo, head };
}

async function serve(handler: ReturnType<typeof createSmartHttpHandler>): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (!path.startsWith("/repo.git/")) {
      res.writeHead(404);
      res.end();
      return;
    }
    handler(req, res, path.slice("/repo.git/".length));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanup.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/repo.git`, server };
}

function httpRequest(url: string, options: { method?: string; headers?: Record<string, string>; body?: Buffer } = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
    const req = request(url, { method: options.method ?? "GET", headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

const pkt = (line: string) => `${(line.length + 4).toString(16).padStart(4, "0")}${line}`;

describe("smart HTTP", () => {
  let served: { repo: GitRepository; head: string };
  let readOnly: string;
  let pushable: GitHttpServer;

  beforeAll(async () => {
    served = await repositoryWithCommits();
    readOnly = (await serve(createSmartHttpHandler({ dir: served.repo.dir }))).url;
    const pushableRepo = await repositoryWithCommits();
    pushable = await startGitHttpServer({ dir: pushableRepo.repo.dir, allowPush: true });
    cleanup.push(() => pushable.close());
  });

  it("serves a clone with the repository's head (protocol v2 and v0)", async () => {
    for (const version of ["2", "0"]) {
      const home = await tempDir("plateau-client-");
      const clone = join(home, "clone");
      await runChecked("git", ["-c", `protocol.version=${version}`, "clone", "--quiet", readOnly, clone], { env: clientEnv(home) });
      const head = (await runChecked("git", ["-C", clone, "rev-parse", "HEAD"], { env: clientEnv(home) })).toString().trim();
      expect(head).toBe(served.head);
      const log = (await runChecked("git", ["-C", clone, "log", "--format=%an %s"], { env: clientEnv(home) })).toString();
      expect(log).toBe("bob launch demo/b\nalice launch demo/a\n");
    }
  });

  it("advertises branches, not Plateau's working refs", async () => {
    await runChecked("git", ["update-ref", "refs/plateau/remote/main", served.head], { env: gitEnvironment(served.repo.dir) });
    const home = await tempDir("plateau-client-");
    const refs = (await runChecked("git", ["ls-remote", readOnly], { env: clientEnv(home) })).toString();
    expect(refs).toContain("refs/heads/main");
    expect(refs).not.toContain("refs/plateau");
  });

  it("refuses pushes when read-only, with 403 and a message", async () => {
    const home = await tempDir("plateau-client-");
    const clone = join(home, "clone");
    const env = clientEnv(home);
    await runChecked("git", ["clone", "--quiet", readOnly, clone], { env });
    await runChecked("git", ["-C", clone, "-c", "user.name=eve", "-c", "user.email=eve@x", "commit", "--quiet", "--allow-empty", "-m", "sneaky"], { env });
    const pushed = await run("git", ["-C", clone, "push", "origin", "HEAD:main"], { env });
    expect(pushed.code).not.toBe(0);
    expect(pushed.stderr).toContain("403");
    expect(await served.repo.head()).toBe(served.head);

    const advertised = await httpRequest(`${readOnly}/info/refs?service=git-receive-pack`);
    expect(advertised.status).toBe(403);
    expect(advertised.body.toString()).toContain("read-only");
    const posted = await httpRequest(`${readOnly}/git-receive-pack`, { method: "POST", body: Buffer.from("0000") });
    expect(posted.status).toBe(403);
  });

  it("serves only the smart protocol's paths", async () => {
    expect((await httpRequest(`${readOnly}/config`)).status).toBe(404);
    expect((await httpRequest(`${readOnly}/objects/info/packs`)).status).toBe(404);
    expect((await httpRequest(`${readOnly}/../../etc/passwd`)).status).toBe(404);
    const dumb = await httpRequest(`${readOnly}/info/refs`);
    expect(dumb.status).toBe(404);
    expect(dumb.body.toString()).toContain("smart HTTP");
    const wrongMethod = await httpRequest(`${readOnly}/git-upload-pack`);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.allow).toBe("POST");
    const head = await httpRequest(`${readOnly}/HEAD`);
    expect(head.status).toBe(200);
    expect(head.body.toString()).toBe("ref: refs/heads/main\n");
  });

  it("answers a gzipped upload-pack request (git compresses large negotiations)", async () => {
    const body = gzipSync(Buffer.from(`${pkt(`want ${served.head} ofs-delta\n`)}0000${pkt("done\n")}`));
    const response = await httpRequest(`${readOnly}/git-upload-pack`, {
      method: "POST",
      headers: { "content-type": "application/x-git-upload-pack-request", "content-encoding": "gzip", "content-length": String(body.length) },
      body,
    });
    expect(response.status).toBe(200);
    expect(response.headers["content-type"]).toBe("application/x-git-upload-pack-result");
    const text = (response.headers["content-encoding"] === "gzip" ? gunzipSync(response.body) : response.body).toString("latin1");
    expect(text.startsWith("0008NAK\n")).toBe(true);
    expect(text).toContain("PACK");
  });

  it("accepts pushes when allowed, but never a forced one", async () => {
    const home = await tempDir("plateau-client-");
    const clone = join(home, "clone");
    const env = clientEnv(home);
    const git = (...args: string[]) => runChecked("git", ["-C", clone, "-c", "user.name=op", "-c", "user.email=op@x", ...args], { env });
    await runChecked("git", ["clone", "--quiet", pushable.url, clone], { env });
    await git("commit", "--quiet", "--allow-empty", "-m", "operator change");
    await git("push", "--quiet", "origin", "HEAD:main");
    const pushedHead = (await git("rev-parse", "HEAD")).toString().trim();
    const remoteHead = (await runChecked("git", ["ls-remote", pushable.url, "refs/heads/main"], { env })).toString().split("\t")[0];
    expect(remoteHead).toBe(pushedHead);

    await git("reset", "--quiet", "--hard", "HEAD~2");
    const forced = await run("git", ["-C", clone, "push", "--force", "origin", "HEAD:main"], { env });
    expect(forced.code).not.toBe(0);
    expect(forced.stderr).toMatch(/non-fast-forward|denying/);
    const deleted = await run("git", ["-C", clone, "push", "origin", ":main"], { env });
    expect(deleted.code).not.toBe(0);
  });

  it("parses CGI headers, Status included", () => {
    const parsed = parseCgiHead(Buffer.from("Status: 403 Forbidden\r\nContent-Type: text/plain\r\nX-A: 1\r\nX-A: 2\r\n\r\nbody"));
    expect(parsed).toEqual({ status: 403, reason: "Forbidden", headers: { "Content-Type": "text/plain", "X-A": ["1", "2"] }, rest: Buffer.from("body") });
    expect(parseCgiHead(Buffer.from("Content-Type: text/plain\n\nrest"))).toMatchObject({ status: 200, rest: Buffer.from("rest") });
    expect(parseCgiHead(Buffer.from("Content-Type: text/plain\r\n"))).toBeUndefined();
  });
});
