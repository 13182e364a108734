// The portal in a real browser (Debian's chromium through playwright-core) against a real
// `plateau up` with podman: sign in through the embedded provider, launch static-site on the
// local platform, watch it run, open it, stop it, delete it; another lab is refused; French.
// Every page visited is saved as a screenshot under test-results/portal/.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumUnavailable, launchChromium, screenshot } from "../support/chromium.js";
import { cleanPodmanProject, podmanUnavailable, TEST_IMAGE } from "../support/podman.js";
import { cli, startServer, writeConfig, type ServerProcess } from "../support/server.js";
import { passwordOf, type TestLogin } from "../support/sign-in.js";

const unavailable = (await podmanUnavailable()) ?? chromiumUnavailable();
const PROJECT = "portal";
const INSTANCE = "notes";

describe.skipIf(unavailable)("the portal in a browser", () => {
  let dir: string;
  let server: ServerProcess;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    await cleanPodmanProject(PROJECT);
    dir = await mkdtemp(join(tmpdir(), "plateau-portal-"));
    const config = await writeConfig(dir, `podman:\n  stopTimeoutSeconds: 1\nreconcile:\n  intervalSeconds: 1\n`);
    server = await startServer({ dataDir: join(dir, "data"), config });
    await server.actAs("alice");
    expect((await cli(server, "projects", "create", PROJECT, "--lab", "imb")).code).toBe(0);
    browser = await launchChromium();
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await server?.stop();
    await cleanPodmanProject(PROJECT);
    await rm(dir, { recursive: true, force: true });
  });

  /** A fresh browser profile whose preferred language is `locale`, signed in as `login`. */
  async function signedIn(login: TestLogin, locale = "en-GB"): Promise<Page> {
    const context = await browser.newContext({ locale, viewport: { width: 1280, height: 800 } });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${server.origin}/`);
    await page.getByRole("link", { name: /Sign in with|Se connecter avec/ }).click();
    await page.locator("#login").fill(login);
    await page.locator("#password").fill(passwordOf(login));
    await page.locator("button[type=submit]").click();
    await page.waitForURL(`${server.origin}/`);
    return page;
  }

  it("signs in through the embedded provider and lands on the user's services", async () => {
    const context = await browser.newContext({ locale: "en-GB" });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${server.origin}/`);
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Sign in to Plateau");
    await screenshot(page, "sign-in");
    await page.close();

    const home = await signedIn("alice");
    await expect.poll(() => home.getByRole("heading", { level: 1 }).textContent()).toBe("My services");
    expect(await home.locator("header").textContent()).toContain("Alice Martin");
    await screenshot(home, "home-empty");
  });

  it("speaks French to a browser that prefers it, and switches language on demand", async () => {
    const page = await signedIn("alice", "fr-FR");
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Mes services");
    expect(await page.locator("html").getAttribute("lang")).toBe("fr");
    await page.getByRole("button", { name: "English" }).click();
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("My services");
    expect(await page.locator("html").getAttribute("lang")).toBe("en");
    // The choice is remembered across visits.
    await page.reload();
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("My services");
    await page.getByRole("button", { name: "Français" }).click();
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Mes services");
  });
});
