// Signing in for real: a Plateau listening on loopback with its embedded oidc-provider,
// SQLite, and a browser (fetch, a cookie jar, redirects followed by hand). The OIDC checks
// themselves (signatures, nonce, iss…) are tested against oidc-provider in
// src/adapters/oidc/relying-party.test.ts; here: the server's side of sign-in, sessions,
// CSRF, headers, logout, rate limits, `plateau login`, and the proxy's bounce.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loginCheckCode } from "../../src/contracts/login.js";
import { loadConfig } from "../../src/main/config.js";
import { startPlateau, type RunningPlateau } from "../../src/main/up.js";
import { createBrowser, formAction } from "../support/browser.js";
import { createToken, signIn, TEST_ACCOUNTS } from "../support/sign-in.js";
import { BIN } from "../support/server.js";

let dir: string;
let running: RunningPlateau;
let origin: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "plateau-sign-in-"));
  const config = loadConfig({
    env: {},
    cwd: dir,
    overrides: {
      // No local S3 server (ADR 0032): this test has no buckets.
      localS3: { enabled: false },
      listen: { port: 0 },
      // The local platform is on (its proxy serves instance hosts), but no podman runs here.
      podman: { command: "/nonexistent/podman" },
      identity: { embedded: { accounts: TEST_ACCOUNTS } },
      rateLimits: { signInPerMinute: 200, tokenCreationPerMinute: 100, launchPerMinute: 100 },
    },
  });
  running = await startPlateau(config, pino({ level: "silent" }));
  origin = `http://localhost:${running.port}`;
});

afterAll(async () => {
  await running?.close();
  await rm(dir, { recursive: true, force: true });
});

const cookieLine = (lines: string[], name: string) => lines.find((line) => line.startsWith(`${name}=`));

describe("signing in through the embedded OpenID provider", () => {
  it("signs in with the authorization code flow and gives a __Host- session cookie", async () => {
    const browser = createBrowser();
    const form = await browser.get(`${origin}/auth/sign-in?returnTo=${encodeURIComponent("/api/v1/me")}`);
    expect(form.status).toBe(200);
    expect(new URL(form.url).pathname).toMatch(/^\/oidc\/interaction\//);
    // The authorization request carried PKCE (S256), state and nonce.
    const authorize = new URL(form.hops.find((hop) => new URL(hop.url).pathname === "/oidc/auth")?.url ?? "http://x");
    expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorize.searchParams.get("state")?.length).toBeGreaterThanOrEqual(22);
    expect(authorize.searchParams.get("nonce")?.length).toBeGreaterThanOrEqual(22);

    // A wrong password: the provider's page again, 401, and no session at Plateau.
    const wrong = await browser.post(formAction(form.body, form.url), { login: "alice", password: "wrong-password" });
    expect(wrong.status).toBe(401);
    expect(browser.cookie(origin, "__Host-plateau-session")).toBeUndefined();

    const landed = await browser.post(formAction(form.body, form.url), { login: "alice", password: TEST_ACCOUNTS[0]?.password ?? "" });
    expect(landed.url).toBe(`${origin}/api/v1/me`);
    expect(JSON.parse(landed.body)).toMatchObject({
      login: "alice",
      labs: ["imb"],
      labAdminOf: [],
      operator: false,
      personalProject: "u-alice",
      via: "session",
    });
    // The callback carried the RFC 9207 iss parameter, and answered with the session cookie.
    const callback = landed.hops.find((hop) => new URL(hop.url).pathname === "/auth/callback/embedded");
    expect(new URL(callback?.url ?? "http://x").searchParams.get("iss")).toBe(`${origin}/oidc`);
    const session = browser.cookie(origin, "__Host-plateau-session");
    expect(session?.length).toBeGreaterThanOrEqual(43);
  });

  it("sets the session cookie with __Host-, Secure, HttpOnly, SameSite and Path=/, and refuses a replayed callback", async () => {
    const browser = createBrowser();
    const form = await browser.get(`${origin}/auth/sign-in`);
    const answer = await browser.post(formAction(form.body, form.url), { login: "bob", password: TEST_ACCOUNTS[2]?.password ?? "" });
    const callback = answer.hops.find((hop) => new URL(hop.url).pathname.startsWith("/auth/callback/"));
    const line = cookieLine([...(callback?.setCookies ?? [])], "__Host-plateau-session");
    expect(line).toBeDefined();
    expect(line).toMatch(/; Path=\/;/);
    expect(line).toContain("; Secure");
    expect(line).toContain("; HttpOnly");
    expect(line).toContain("; SameSite=Lax");
    expect(line).not.toMatch(/Domain=/i);
    // The pending sign-in was used once: the same callback again is refused.
    const replay = await browser.get(callback?.url ?? "");
    expect(replay.status).toBe(403);
    expect(replay.body).toContain("no pending sign-in");
  });

  it("gives a new session id at every sign-in: a planted cookie is never adopted", async () => {
    const browser = createBrowser();
    browser.setCookie(origin, "__Host-plateau-session", "planted-by-an-attacker-0123456789abcdefghijklmn");
    await signIn(origin, "alice", undefined, browser);
    const first = browser.cookie(origin, "__Host-plateau-session");
    expect(first).not.toBe("planted-by-an-attacker-0123456789abcdefghijklmn");
    await signIn(origin, "alice", undefined, browser);
    expect(browser.cookie(origin, "__Host-plateau-session")).not.toBe(first);
  });

  it("refuses a callback whose state was not issued to this browser", async () => {
    const victim = createBrowser();
    const form = await victim.get(`${origin}/auth/sign-in`);
    const posted = await victim.request(formAction(form.body, form.url), {
      method: "POST",
      body: new URLSearchParams({ login: "alice", password: TEST_ACCOUNTS[0]?.password ?? "" }).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    const callback = posted.hops.find((hop) => new URL(hop.url).pathname.startsWith("/auth/callback/"))?.url ?? "";
    // An attacker's browser (login CSRF) or a forged state: no pending sign-in there.
    const attacker = createBrowser();
    const answer = await attacker.get(callback);
    expect(answer.status).toBe(403);
    expect(attacker.cookie(origin, "__Host-plateau-session")).toBeUndefined();
    const forged = new URL(callback);
    forged.searchParams.set("state", "forged");
    expect((await createBrowser().get(forged.toString())).status).toBe(403);
  });

  it("redirects after sign-in only to Plateau's own paths", async () => {
    for (const returnTo of ["//evil.example.org/x", "https://evil.example.org/", "/\\evil.example.org", "javascript:alert(1)", "/ok/../../x"]) {
      const browser = createBrowser();
      const form = await browser.get(`${origin}/auth/sign-in?returnTo=${encodeURIComponent(returnTo)}`);
      const landed = await browser.post(formAction(form.body, form.url), { login: "alice", password: TEST_ACCOUNTS[0]?.password ?? "" });
      expect(new URL(landed.url).origin, returnTo).toBe(origin);
      expect(
        landed.hops.every((hop) => new URL(hop.url).hostname !== "evil.example.org"),
        returnTo,
      ).toBe(true);
    }
    const kept = createBrowser();
    const form = await kept.get(`${origin}/auth/sign-in?returnTo=${encodeURIComponent("/api/v1/me?x=1")}`);
    const landed = await kept.post(formAction(form.body, form.url), { login: "alice", password: TEST_ACCOUNTS[0]?.password ?? "" });
    expect(landed.url).toBe(`${origin}/api/v1/me?x=1`);
  });

  it("asks for the session's CSRF token on every change made with the cookie", async () => {
    const session = await signIn(origin, "alice");
    const post = (headers: Record<string, string>) =>
      session.browser.request(`${origin}/api/v1/tokens`, {
        method: "POST",
        body: JSON.stringify({ name: "csrf" }),
        headers: { "content-type": "application/json", ...headers },
      });
    expect((await post({})).status).toBe(403);
    expect((await post({ "x-csrf-token": "wrong" })).status).toBe(403);
    expect((await post({ "x-csrf-token": session.csrf, origin: "https://evil.example.org" })).status).toBe(403);
    expect((await post({ "x-csrf-token": session.csrf, origin })).status).toBe(201);
    // Reads need no token.
    expect((await session.browser.get(`${origin}/api/v1/tokens`)).status).toBe(200);
  });

  it("ends the session at logout, here and at the provider", async () => {
    const session = await signIn(origin, "alice");
    expect((await session.browser.get(`${origin}/api/v1/me`)).status).toBe(200);
    const loggedOut = await session.browser.request(`${origin}/auth/logout`, {
      method: "POST",
      body: new URLSearchParams({ csrf: session.csrf }).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded" },
      follow: false,
    });
    expect(loggedOut.status).toBe(303);
    // RP-initiated logout: the provider's end-session endpoint, with the ID token as hint.
    const location = new URL(loggedOut.headers.get("location") ?? "", origin);
    expect(location.pathname).toBe("/oidc/session/end");
    expect(location.searchParams.get("id_token_hint")).toBeTruthy();
    expect(location.searchParams.get("post_logout_redirect_uri")).toBe(`${origin}/`);
    expect((await session.browser.get(`${origin}/api/v1/me`)).status).toBe(401);
    // Logging out without the CSRF field is refused and keeps the session.
    const other = await signIn(origin, "bob");
    const refused = await other.browser.request(`${origin}/auth/logout`, {
      method: "POST",
      body: "",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      follow: false,
    });
    expect(refused.status).toBe(403);
    expect((await other.browser.get(`${origin}/api/v1/me`)).status).toBe(200);
  });

  it("puts security headers on every answer", async () => {
    const session = await signIn(origin, "alice");
    const answers = [
      await fetch(`${origin}/api/v1/templates`),
      await fetch(`${origin}/auth/sign-in`, { redirect: "manual" }),
      await fetch(`${origin}/`),
      await fetch(`${origin}/nope`),
      await session.browser.get(`${origin}/api/v1/me`).then((r) => ({ headers: r.headers })),
    ];
    for (const answer of answers) {
      const csp = answer.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("object-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(answer.headers.get("strict-transport-security")).toContain("max-age=");
      expect(answer.headers.get("x-content-type-options")).toBe("nosniff");
      expect(answer.headers.get("referrer-policy")).toBeTruthy();
    }
    const oidc = await fetch(`${origin}/oidc/.well-known/openid-configuration`);
    expect(oidc.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("records sign-ins and denied accesses in the audit log, readable by operators", async () => {
    const bob = await signIn(origin, "bob");
    expect((await bob.browser.get(`${origin}/api/v1/projects/nowhere`)).status).toBe(404);
    const oscar = await createToken(await signIn(origin, "oscar"));
    const audit = (await (await fetch(`${origin}/api/v1/audit?limit=200`, { headers: { authorization: `Bearer ${oscar}` } })).json()) as {
      items: { actor: string | null; action: string; outcome: string; ip: string }[];
    };
    expect(audit.items).toContainEqual(expect.objectContaining({ actor: "bob", action: "sign-in", outcome: "success" }));
    expect(audit.items).toContainEqual(expect.objectContaining({ actor: "bob", outcome: "denied", action: "GET /api/v1/projects/:project" }));
    expect(audit.items.every((entry) => entry.ip.length > 0)).toBe(true);
    // A member reads none of it.
    expect((await bob.browser.get(`${origin}/api/v1/audit`)).status).toBe(403);
  });

  it("serves an instance's host only after the bounce through Plateau, to members of its project", async () => {
    const alice = await signIn(origin, "alice");
    const token = await createToken(alice);
    const launched = await fetch(`${origin}/api/v1/projects/u-alice/instances`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ template: "static-site", name: "site" }),
    });
    expect(launched.status).toBe(202);
    const instanceUrl = `http://site.u-alice.localhost:${running.port}/docs/?x=1`;
    // The instance is pending (no podman here): once through the gate, its status page answers.
    const visit = await fetchVia(alice.browser, instanceUrl);
    expect(visit.final.status).toBe(503);
    expect(visit.hosts).toEqual([
      `site.u-alice.localhost:${running.port}`,
      `localhost:${running.port}`,
      `site.u-alice.localhost:${running.port}`,
      `site.u-alice.localhost:${running.port}`,
    ]);
    expect(visit.final.url).toBe(instanceUrl);
    // Bob (another lab) bounces to the same place and is told it does not exist.
    const bob = await signIn(origin, "bob");
    const refused = await fetchVia(bob.browser, instanceUrl);
    expect(refused.final.status).toBe(404);
    // After alice signs out, her instance cookie no longer opens it.
    await alice.browser.request(`${origin}/auth/logout`, {
      method: "POST",
      body: new URLSearchParams({ csrf: alice.csrf }).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded" },
      follow: false,
    });
    // (The provider's own session lives on until the browser follows its end-session link.)
    const after = await alice.browser.request(instanceUrl, { follow: false });
    expect(after.status).toBe(303);
    expect(after.headers.get("location")).toContain(`${origin}/auth/instance?`);
  });
});

describe("plateau login", () => {
  it("signs the CLI in through the browser and a loopback redirect, then the CLI works", async () => {
    const credentials = join(dir, "credentials.json");
    const env = { ...process.env, PLATEAU_CREDENTIALS: credentials, PLATEAU_TOKEN: "", NO_COLOR: "1" };
    const child = spawn(process.execPath, [BIN, "--server", origin, "login", "--no-browser", "--timeout", "60"], { env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number>((resolve) => child.once("exit", (code) => resolve(code ?? -1)));
    for (let i = 0; i < 200 && !/http:\/\/\S+\/auth\/cli\?\S+/.test(output); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    const url = /http:\/\/\S+\/auth\/cli\?\S+/.exec(output)?.[0] ?? "";
    expect(url).not.toBe("");

    // The person is not signed in yet: the browser signs in first, then is asked to allow the CLI.
    const browser = createBrowser();
    const form = await browser.get(url);
    const consent = await browser.post(formAction(form.body, form.url), { login: "ines", password: TEST_ACCOUNTS[1]?.password ?? "" });
    expect(consent.url).toBe(url);
    expect(consent.body).toContain("ines");
    // What ties the page to the terminal, against a link someone else made: the check code the
    // CLI printed, the CLI's port, and what the token will be able to do.
    const check = /code (\d{4}-\d{4})/.exec(output)?.[1] ?? "";
    expect(check).not.toBe("");
    expect(consent.body).toContain(`<strong>${check}</strong>`);
    expect(consent.body).toContain(`port ${new URL(url).searchParams.get("port")}`);
    expect(consent.body).toContain("all your projects");
    const fields = Object.fromEntries(
      [...consent.body.matchAll(/name="([a-z]+)" value="([^"]*)"/g)].map((m) => [
        m[1],
        m[2]?.replace(/&#(\d+);/g, (_, c) => String.fromCharCode(Number(c))) ?? "",
      ]),
    );
    const allowed = await browser.post(`${origin}/auth/cli`, fields as Record<string, string>);
    expect(allowed.status).toBe(200);
    expect(allowed.body).toContain("signed in");
    expect(await exited).toBe(0);
    expect(output).toContain("signed in to");
    const saved = JSON.parse(await readFile(credentials, "utf8")) as Record<string, { token: string; login: string }>;
    expect(saved[origin]?.login).toBe("ines");
    expect(saved[origin]?.token).toMatch(/^plt_/);

    const whoami = await runCli(env, "whoami");
    expect(whoami.stdout).toContain("ines");
    expect(whoami.stdout).toContain("lab admin of      imb");
    // Without the saved token, the CLI says how to sign in (exit code 8).
    const anonymous = await runCli({ ...env, PLATEAU_CREDENTIALS: join(dir, "none.json") }, "whoami");
    expect(anonymous.code).toBe(8);
    expect(anonymous.stderr).toContain("plateau login");
    // logout revokes the token on the server.
    expect((await runCli(env, "logout")).code).toBe(0);
    expect((await fetch(`${origin}/api/v1/me`, { headers: { authorization: `Bearer ${saved[origin]?.token}` } })).status).toBe(401);
  });
  it("gives a code that is useless without the verifier of its challenge: a wrong one spends it", async () => {
    // Whoever listens on the port the link names gets the code; the token needs the verifier too.
    const verifier = "v".repeat(43);
    const challenge = createHash("sha256").update(verifier).digest("base64url");
    const listener = createServer((req, res) => res.writeHead(200).end());
    await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
    const port = (listener.address() as AddressInfo).port;
    try {
      const alice = await signIn(origin, "alice");
      const page = await alice.browser.get(`${origin}/auth/cli?port=${port}&challenge=${challenge}&state=${"s".repeat(16)}`);
      expect(page.body).toContain(loginCheckCode(challenge));
      const allowed = await alice.browser.request(`${origin}/auth/cli`, {
        method: "POST",
        body: new URLSearchParams({ csrf: alice.csrf, port: String(port), challenge, state: "s".repeat(16) }).toString(),
        headers: { "content-type": "application/x-www-form-urlencoded", origin },
        follow: false,
      });
      const code = new URL(allowed.headers.get("location") ?? "http://x/").searchParams.get("code") ?? "";
      expect(code).not.toBe("");
      const exchange = (verifier: string) =>
        fetch(`${origin}/auth/cli/token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ code, verifier }) });
      expect((await exchange("w".repeat(43))).status).toBe(403);
      expect((await exchange(verifier)).status).toBe(403);
    } finally {
      listener.close();
    }
  });
  it("refuses a token name that is not plain text before asking anything (400 naming the field and the rule)", async () => {
    const challenge = "a".repeat(43);
    for (const name of ["ci\u0000", "\u202eevil", "ci\n"]) {
      const answer = await fetch(`${origin}/auth/cli?port=40000&challenge=${challenge}&state=${"s".repeat(16)}&name=${encodeURIComponent(name)}`, {
        redirect: "manual",
      });
      expect(answer.status).toBe(400);
      const body = (await answer.json()) as { error: { issues?: { path: string; rule: string }[] } };
      expect(JSON.stringify(body)).toContain("name");
      expect(JSON.stringify(body)).toContain("text");
    }
  });
});

describe("rate limits", () => {
  it("limits the rate of sign-ins: 429 with Retry-After", async () => {
    let limited: Response | undefined;
    for (let i = 0; i < 500 && !limited; i++) {
      const answer = await fetch(`${origin}/auth/login/embedded`, { redirect: "manual" });
      if (answer.status === 429) limited = answer;
    }
    expect(limited?.status).toBe(429);
    expect(Number(limited?.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  });
});

/** Fetches a URL with the browser, reaching instance hosts on 127.0.0.1 with their Host header. */
async function fetchVia(browser: ReturnType<typeof createBrowser>, url: string) {
  const hosts: string[] = [];
  let current = url;
  for (let i = 0; i < 10; i++) {
    const target = new URL(current);
    hosts.push(target.host);
    const answer = await browser.request(current, { follow: false });
    const location = answer.headers.get("location");
    if (answer.status < 300 || answer.status >= 400 || !location) return { final: answer, hosts };
    current = new URL(location, current).toString();
  }
  throw new Error("too many redirects");
}

async function runCli(env: NodeJS.ProcessEnv, ...args: string[]) {
  const { run } = await import("../../src/adapters/process.js");
  const result = await run(process.execPath, [BIN, "--server", origin, ...args], { env });
  return { code: result.code, stdout: result.stdout.toString("utf8"), stderr: result.stderr };
}
