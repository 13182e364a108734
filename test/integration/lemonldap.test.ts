// Signing in to Plateau through LemonLDAP::NG 2.16 (Debian's package, run with plackup), the
// OpenID provider of many French universities: another implementation than oidc-provider,
// with its own ways. Plateau lists it five times, to meet each of those ways at once:
//
// - `llng`: client_secret_post and the `groups` scope: the person's groups become labs by the
//   global rule of identity.claims, although the provider has claims of its own;
// - `llng-basic`: client_secret_basic (the default) with a secret holding `-`, which Plateau
//   URL-encodes as RFC 6749 says and LemonLDAP::NG ≤ 2.16 compares without decoding: refused;
// - `llng-noscope`: no `groups` scope, so no groups claim: no lab, and the log says why;
// - `llng-slash`: the issuer without LemonLDAP::NG's trailing slash: a configuration error said
//   at start-up;
// - `down`: a provider that does not answer at start-up: Plateau starts all the same.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freeLoopbackPort } from "../../src/adapters/net.js";
import { loadConfig } from "../../src/main/config.js";
import { startPlateau, type RunningPlateau } from "../../src/main/up.js";
import { createBrowser } from "../support/browser.js";
import { lemonLdapUnavailable, startLemonLdap, submitLemonLdapLogin, type LemonLdap } from "../support/lemonldap.js";

const skipped = await lemonLdapUnavailable();
// Letters, digits and `-`: the `-` is enough for LemonLDAP::NG ≤ 2.16 to refuse it in client_secret_basic.
const SECRET = "plateau-client-secret-with-dashes";
const PROVIDERS = ["llng", "llng-basic", "llng-noscope", "llng-slash", "down"];

interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

let dir: string;
let llng: LemonLdap;
let running: RunningPlateau;
let origin: string;
const logged: LogLine[] = [];

beforeAll(async () => {
  if (skipped) return;
  dir = await mkdtemp(join(tmpdir(), "plateau-lemonldap-"));
  const port = await freeLoopbackPort();
  origin = `http://localhost:${port}`;
  llng = await startLemonLdap({ clientId: "plateau", clientSecret: SECRET, redirectUris: PROVIDERS.map((id) => `${origin}/auth/callback/${id}`) });
  const withGroups = ["openid", "profile", "email", "groups"];
  const provider = (id: string, extra: Record<string, unknown>) => ({ id, title: `LemonLDAP::NG (${id})`, issuer: llng.issuer, clientId: "plateau", ...extra });
  const config = loadConfig({
    env: {},
    cwd: dir,
    overrides: {
      // No local S3 server (ADR 0032): this test has no buckets.
      localS3: { enabled: false },
      listen: { port },
      podman: { command: "/nonexistent/podman" },
      identity: {
        claims: { labs: [{ claim: "groups", match: "^(timelords|earthlings)$" }] },
        providers: [
          // Its own claims set the display name only: the lab rule is still the global one.
          provider("llng", { clientSecret: SECRET, tokenEndpointAuthMethod: "client_secret_post", scopes: withGroups, claims: { name: ["name"] } }),
          provider("llng-basic", { clientSecret: SECRET, scopes: withGroups }),
          provider("llng-noscope", { clientSecret: SECRET, tokenEndpointAuthMethod: "client_secret_post" }),
          provider("llng-slash", { issuer: llng.issuer.replace(/\/$/, ""), clientSecret: SECRET, tokenEndpointAuthMethod: "client_secret_post" }),
          provider("down", { issuer: `http://127.0.0.1:${await freeLoopbackPort()}/`, clientSecret: SECRET }),
        ],
      },
    },
  });
  const logger = pino({ level: "info" }, { write: (line: string) => void logged.push(JSON.parse(line) as LogLine) });
  running = await startPlateau(config, logger);
});

afterAll(async () => {
  await running?.close();
  await llng?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** From Plateau's sign-in for `provider` through LemonLDAP::NG's login form, as `user`; returns the page it ends on. */
async function signInWith(provider: string, user = "dwho") {
  const browser = createBrowser();
  const form = await browser.get(`${origin}/auth/login/${provider}?returnTo=${encodeURIComponent("/api/v1/me")}`);
  expect(form.url.startsWith(llng.issuer)).toBe(true);
  return submitLemonLdapLogin(browser, form, user);
}

const linesAbout = (provider: string, message: string) => logged.filter((line) => line.provider === provider && line.msg === message);

describe.skipIf(skipped)("signing in through LemonLDAP::NG 2.16", () => {
  it("reads every provider's discovery document at start-up: a wrong issuer is a configuration error naming the field, a provider down does not stop Plateau", async () => {
    const statuses = await running.identityProviders;
    const status = (id: string) => statuses.find((provider) => provider.id === id);
    for (const id of ["llng", "llng-basic", "llng-noscope"]) expect(status(id)?.state).toBe("ready");
    const slash = status("llng-slash");
    expect(slash?.state).toBe("misconfigured");
    const configured = llng.issuer.replace(/\/$/, "");
    expect(slash?.reason).toContain(`identity.providers[3].issuer is "${configured}"`);
    expect(slash?.reason).toContain(`says "${llng.issuer}"`);
    expect(slash?.reason).toContain("trailing slash");
    expect(status("down")?.state).toBe("unavailable");
    // The log said it at start-up, at error for the configuration, at warn for the provider down.
    expect(linesAbout("llng-slash", "identity provider misconfigured: sign-ins with it fail until the configuration is fixed")[0]).toMatchObject({
      level: 50,
      error: "issuer_mismatch",
    });
    expect(linesAbout("down", "identity provider unavailable: tried again later")[0]).toMatchObject({ level: 40, error: "unreachable" });
    // Plateau serves.
    expect((await fetch(`${origin}/api/v1/identity-providers`)).status).toBe(200);
  });

  it("signs in with client_secret_post, and the person's groups become labs by the global rule", async () => {
    const landed = await signInWith("llng");
    expect(landed.status).toBe(200);
    expect(landed.url).toBe(`${origin}/api/v1/me`);
    expect(JSON.parse(landed.body)).toMatchObject({ login: "dwho", name: "Doctor Who", labs: ["timelords"] });
    const [received] = linesAbout("llng", "sign-in: claims received");
    expect(received).toMatchObject({ level: 30, login: "dwho" });
    expect(received?.claims).toEqual(expect.arrayContaining(["groups", "preferred_username", "sub"]));
    expect(received?.empty).not.toContain("labs[0] (claim groups: absent)");
    // Names only: no value of a claim in the log.
    expect(JSON.stringify(received)).not.toContain("timelords");
  });

  it("shows a token endpoint's refusal (client_secret_basic with a `-` in the secret) as the failure page saying what to check, and logs it", async () => {
    const failed = await signInWith("llng-basic");
    expect(failed.url).toMatch(new RegExp(`^${origin}/auth/callback/llng-basic\\?`));
    expect(failed.status).toBe(502);
    expect(failed.headers.get("content-type")).toMatch(/^text\/html/);
    expect(failed.body).toContain("Sign-in failed");
    expect(failed.body).toContain("invalid_client");
    expect(failed.body).toContain("tokenEndpointAuthMethod");
    expect(failed.body).toContain("client_secret_post");
    expect(failed.body).toContain("the provider's logs");
    expect(failed.body).not.toContain(SECRET);
    // It is LemonLDAP::NG that refused the client.
    expect(llng.log()).toContain("Wrong credentials for plateau");
    const [warning] = linesAbout("llng-basic", "sign-in failed at the identity provider");
    expect(warning).toMatchObject({ level: 40, failure: "token", error: "invalid_client" });
    expect(JSON.stringify(logged)).not.toContain(SECRET);
  });

  it("without the groups scope no groups claim comes: no lab, and the log names the claims received and the rule that matched nothing", async () => {
    const landed = await signInWith("llng-noscope", "rtyler");
    expect(landed.url).toBe(`${origin}/api/v1/me`);
    expect(JSON.parse(landed.body)).toMatchObject({ login: "rtyler", labs: [] });
    const [received] = linesAbout("llng-noscope", "sign-in: claims received");
    expect(received?.claims).not.toContain("groups");
    expect(received?.empty).toEqual(expect.arrayContaining(["groups (claim groups: absent)", "labs[0] (claim groups: absent)"]));
  });

  it("shows the failure page, not JSON, for a provider misconfigured or down", async () => {
    for (const [id, reason] of [
      ["llng-slash", "issuer mismatch"],
      ["down", "cannot be reached"],
    ] as const) {
      const answer = await createBrowser().get(`${origin}/auth/login/${id}`, { "accept-language": "fr" });
      expect(answer.status, id).toBe(503);
      expect(answer.headers.get("content-type")).toMatch(/^text\/html/);
      expect(answer.body).toContain("Connexion impossible");
      expect(answer.body).toContain(reason);
    }
    expect(linesAbout("down", "sign-in could not start")[0]).toMatchObject({ level: 40, failure: "unreachable" });
  });
});
