// `plateau login` in a real browser: the real CLI (`--no-browser`, its URL read from its
// output) against a real `plateau up`, and Debian's chromium (playwright-core) that signs in
// through the embedded provider, allows the CLI, and is sent to the CLI's loopback callback.
// Chromium applies the consent page's CSP `form-action` to the redirect that follows the form's
// POST: the page must allow the CLI's loopback origin, or the CLI never gets its code.
// Firefox cannot be driven here (playwright's firefox needs its own build): see docs/tenancy.md.
// No podman: the local platform is configured with a command that does not exist.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumUnavailable, launchChromium, screenshot } from "../support/chromium.js";
import { BIN, startServer, writeConfig, type ServerProcess } from "../support/server.js";
import { passwordOf } from "../support/sign-in.js";

const unavailable = chromiumUnavailable();

describe.skipIf(unavailable)("plateau login in Chromium", () => {
  let dir: string;
  let server: ServerProcess;
  let browser: Browser;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "plateau-cli-login-"));
    const config = await writeConfig(dir, "podman:\n  command: /nonexistent/podman\n");
    server = await startServer({ dataDir: join(dir, "data"), config });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("signs in, allows the CLI, and the browser's redirect brings the CLI its token", async () => {
    const credentials = join(dir, "credentials.json");
    const env = { ...process.env, PLATEAU_CREDENTIALS: credentials, PLATEAU_TOKEN: "", NO_COLOR: "1" };
    const child = spawn(process.execPath, [BIN, "--server", server.origin, "login", "--no-browser", "--timeout", "60"], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number>((resolve) => child.once("exit", (code) => resolve(code ?? -1)));
    try {
      for (let i = 0; i < 200 && !/http:\/\/\S+\/auth\/cli\?\S+/.test(output); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      const url = /http:\/\/\S+\/auth\/cli\?\S+/.exec(output)?.[0] ?? "";
      expect(url, output).not.toBe("");
      const cliPort = new URL(url).searchParams.get("port");

      const context = await browser.newContext({ locale: "en-GB" });
      const page = await context.newPage();
      const refusals: string[] = [];
      page.on("console", (message) => {
        if (/Content Security Policy/i.test(message.text())) refusals.push(message.text());
      });
      // Not signed in yet: the single provider's login form, then back to the consent page.
      await page.goto(url);
      await page.locator("#login").fill("alice");
      await page.locator("#password").fill(passwordOf("alice"));
      await page.locator("button[type=submit]").click();
      await page.waitForURL(url);
      expect(await page.locator("h1").textContent()).toBe("Allow the plateau command?");
      expect(await page.locator("main").textContent()).toContain(`plateau CLI on ${hostname()}`);
      await screenshot(page, "cli-login-consent");

      await page.getByRole("button", { name: "Allow" }).click();
      await page.waitForURL(new RegExp(`^http://127\\.0\\.0\\.1:${cliPort}/callback\\?`), { timeout: 15_000 }).catch(() => undefined);
      expect({ url: page.url(), refusals }).toMatchObject({
        url: expect.stringMatching(new RegExp(`^http://127\\.0\\.0\\.1:${cliPort}/callback\\?`)),
        refusals: [],
      });
      expect(await page.locator("body").textContent()).toContain("You are signed in");
      // What let it through: the consent page may send its form on to that loopback origin, and no other.
      const consent = await context.request.get(url);
      expect(consent.headers()["content-security-policy"]).toContain(`; form-action 'self' http://127.0.0.1:${cliPort};`);
      await context.close();

      expect(await exited).toBe(0);
      expect(output).toContain("signed in to");
      const saved = JSON.parse(await readFile(credentials, "utf8")) as Record<string, { token: string; login: string }>;
      expect(saved[server.origin]?.login).toBe("alice");
      const me = await fetch(`${server.url}/api/v1/me`, { headers: { authorization: `Bearer ${saved[server.origin]?.token}` } });
      expect(((await me.json()) as { login: string }).login).toBe("alice");
    } finally {
      if (child.exitCode === null) child.kill("SIGTERM");
    }
  });

  it("keeps form-action 'self' alone on Plateau's other pages", async () => {
    const picker = await fetch(`${server.origin}/auth/sign-in?q=x`);
    expect(picker.headers.get("content-security-policy")).toContain("form-action 'self';");
    expect(picker.headers.get("content-security-policy")).not.toContain("127.0.0.1");
  });
});
