// Plateau with configured identity providers instead of the embedded one: two real OpenID
// providers (oidc-provider, each on its own loopback server, with the same account) and
// three hundred more in the picker, as a federation would list them.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freeLoopbackPort } from "../../src/adapters/net.js";
import { createEmbeddedProvider, generateEmbeddedKeys } from "../../src/adapters/oidc/embedded-provider.js";
import { loadConfig } from "../../src/main/config.js";
import { startPlateau, type RunningPlateau } from "../../src/main/up.js";
import { createBrowser, formAction } from "../support/browser.js";

const PASSWORD = "alice-at-both-institutions";
let dir: string;
let running: RunningPlateau;
let origin: string;
const servers: Server[] = [];
const issuers: Record<string, string> = {};

async function startProvider(id: string, plateauOrigin: string, alsoFor: string[] = []): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oidc`;
  const provider = await createEmbeddedProvider({
    issuer,
    // The same login at both: the same `sub` (derived from the login) from two issuers.
    accounts: [{ login: "alice", password: PASSWORD, name: `Alice at ${id}`, email: `alice@${id}.example.org`, groups: ["lab:imb"] }],
    clients: [
      {
        clientId: "plateau",
        clientSecret: `secret-${id}`,
        redirectUris: [id, ...alsoFor].map((name) => `${plateauOrigin}/auth/callback/${name}`),
        postLogoutRedirectUris: [`${plateauOrigin}/`],
      },
    ],
    keys: await generateEmbeddedKeys(),
  });
  server.on("request", (req, res) => (provider.handles(req.url ?? "") ? provider.handle(req, res) : res.writeHead(404).end()));
  servers.push(server);
  return issuer;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "plateau-providers-"));
  const port = await freeLoopbackPort();
  origin = `http://localhost:${port}`;
  // A's client is also listed a second time in Plateau, with a wrong secret.
  issuers.univa = await startProvider("univa", origin, ["univa-typo"]);
  issuers.univb = await startProvider("univb", origin);
  // Their discovery documents are read at start-up: on a loopback port where nothing listens
  // (no name to resolve), they are all down.
  const nothing = await freeLoopbackPort();
  const federation = Array.from({ length: 300 }, (_, i) => ({
    id: `inst-${String(i).padStart(3, "0")}`,
    title: `Institution ${String(i).padStart(3, "0")}`,
    issuer: `http://127.0.0.1:${nothing}/idp${i}`,
    clientId: "plateau",
  }));
  const config = loadConfig({
    env: { PLATEAU_OIDC_UNIVB_CLIENT_SECRET: "secret-univb" },
    cwd: dir,
    overrides: {
      // No local S3 server (ADR 0032): this test has no buckets.
      localS3: { enabled: false },
      listen: { port },
      podman: { command: "/nonexistent/podman" },
      identity: {
        providers: [
          {
            id: "univa",
            title: "Université A",
            issuer: issuers.univa,
            clientId: "plateau",
            clientSecret: "secret-univa",
            scopes: ["openid", "profile", "email", "groups"],
          },
          // Its secret comes from the environment, and its groups map to labs its own way.
          {
            id: "univb",
            title: "Université B",
            issuer: issuers.univb,
            clientId: "plateau",
            scopes: ["openid", "profile", "email", "groups"],
            claims: { labs: [{ claim: "groups", match: "^lab:([a-z]+)$", replace: "univb-$1" }] },
          },
          { id: "univa-typo", title: "Université A (typo)", issuer: issuers.univa, clientId: "plateau", clientSecret: "not-the-secret-of-univa" },
          ...federation,
        ],
      },
    },
  });
  running = await startPlateau(config, pino({ level: "silent" }));
});

afterAll(async () => {
  await running?.close();
  for (const server of servers) server.close();
  await rm(dir, { recursive: true, force: true });
});

async function signInWith(provider: string, browser = createBrowser()) {
  const form = await browser.get(`${origin}/auth/login/${provider}?returnTo=${encodeURIComponent("/api/v1/me")}`);
  expect(new URL(form.url).origin).toBe(new URL(issuers[provider] ?? "").origin);
  const landed = await browser.post(formAction(form.body, form.url), { login: "alice", password: PASSWORD });
  expect(landed.url).toBe(`${origin}/api/v1/me`);
  return { browser, me: JSON.parse(landed.body) as { login: string; labs: string[] } };
}

describe("configured identity providers", () => {
  it("turns the embedded provider off", async () => {
    expect((await fetch(`${origin}/oidc/.well-known/openid-configuration`)).status).toBe(404);
    expect(running.demoAccounts).toEqual([]);
    const listed = (await (await fetch(`${origin}/api/v1/identity-providers`)).json()) as { items: { id: string }[] };
    expect(listed.items).toHaveLength(303);
  });

  it("offers a picker that stays usable with hundreds of providers: search, and the last choice first", async () => {
    const browser = createBrowser();
    const all = await browser.get(`${origin}/auth/sign-in`);
    expect(all.status).toBe(200);
    expect(all.body.match(/<li><a /g)?.length).toBe(50);
    expect(all.body).toContain("253 more");
    const search = await browser.get(`${origin}/auth/sign-in?q=${encodeURIComponent("université b")}`);
    expect(search.body.match(/<li><a /g)?.length).toBe(1);
    expect(search.body).toContain('href="/auth/login/univb?returnTo=%2F"');
    const byNumber = await browser.get(`${origin}/auth/sign-in?q=institution%20123`);
    expect(byNumber.body).toContain("Institution 123");
    // Once signed in with B, B comes first.
    await signInWith("univb", browser);
    const again = await browser.get(`${origin}/auth/sign-in`);
    const first = /<li><a href="\/auth\/login\/([a-z0-9-]+)/.exec(again.body)?.[1];
    expect(first).toBe("univb");
  });

  it("keys people by (issuer, subject): the same subject at two providers is two people", async () => {
    const atA = await signInWith("univa");
    const atB = await signInWith("univb");
    expect(atA.me.login).not.toBe(atB.me.login);
    expect([atA.me.login, atB.me.login].sort()).toEqual(["alice", "alice-2"]);
    // Each provider's claims are read with its own mapping.
    expect(atA.me.labs).toEqual(["imb"]);
    expect(atB.me.labs).toEqual(["univb-imb"]);
    // And signing in again at A is the same person as before.
    expect((await signInWith("univa")).me.login).toBe(atA.me.login);
  });

  it("shows a token endpoint refusing the client as the sign-in failure page saying what to check", async () => {
    const browser = createBrowser();
    const form = await browser.get(`${origin}/auth/login/univa-typo`);
    const failed = await browser.post(formAction(form.body, form.url), { login: "alice", password: PASSWORD });
    expect(failed.url).toMatch(new RegExp(`^${origin}/auth/callback/univa-typo\\?`));
    expect(failed.status).toBe(502);
    expect(failed.headers.get("content-type")).toMatch(/^text\/html/);
    expect(failed.body).toContain("invalid_client");
    expect(failed.body).toContain("tokenEndpointAuthMethod");
    expect(failed.body).not.toContain("not-the-secret-of-univa");
    expect(browser.cookie(origin, "__Host-plateau-session")).toBeUndefined();
  });

  it("read every provider's discovery document at start-up, and started although most of them cannot be reached", async () => {
    const statuses = await running.identityProviders;
    expect(statuses).toHaveLength(303);
    expect(statuses.filter((status) => status.state === "ready").map((status) => status.id)).toEqual(["univa", "univb", "univa-typo"]);
    expect(statuses.find((status) => status.id === "inst-000")).toMatchObject({ state: "unavailable", reason: expect.stringContaining("discovery failed") });
  });

  it("refuses an answer delivered to another provider's callback (mix-up)", async () => {
    const browser = createBrowser();
    const form = await browser.get(`${origin}/auth/login/univa`);
    const posted = await browser.request(formAction(form.body, form.url), {
      method: "POST",
      body: new URLSearchParams({ login: "alice", password: PASSWORD }).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    const callback = posted.hops.find((hop) => hop.url.includes("/auth/callback/univa"));
    expect(callback).toBeDefined();
    // A fresh attempt at A, whose answer is then sent to B's callback instead.
    const second = createBrowser();
    const form2 = await second.get(`${origin}/auth/login/univa`);
    const toProvider = await second.request(formAction(form2.body, form2.url), {
      method: "POST",
      body: new URLSearchParams({ login: "alice", password: PASSWORD }).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded" },
      follow: false,
    });
    let next = new URL(toProvider.headers.get("location") ?? "", toProvider.url).toString();
    for (let i = 0; i < 10 && !next.startsWith(`${origin}/auth/callback/`); i++) {
      const hop = await second.request(next, { follow: false });
      next = new URL(hop.headers.get("location") ?? "", next).toString();
    }
    expect(next).toContain("/auth/callback/univa");
    const swapped = next.replace("/auth/callback/univa", "/auth/callback/univb");
    const answer = await second.get(swapped);
    expect(answer.status).toBe(403);
    expect(answer.body).toContain("another provider");
    expect(second.cookie(origin, "__Host-plateau-session")).toBeUndefined();
  });
});
