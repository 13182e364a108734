// The portal in a real browser (Debian's chromium through playwright-core) against a real
// `plateau up` with podman: sign in through the embedded provider, launch static-site on the
// local platform, watch it run, open it, stop it, delete it; another lab is refused; French.
// Every page visited is saved as a screenshot under test-results/portal/.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumUnavailable, launchChromium, screenshot, signedInPage } from "../support/chromium.js";
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
    if (process.env.PLATEAU_E2E_OUTPUT) process.stderr.write(server?.output() ?? "");
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await server?.stop();
    await cleanPodmanProject(PROJECT);
    await rm(dir, { recursive: true, force: true });
  });

  /** When the instance stops by itself, as the API says. */
  async function instanceExpiry(): Promise<string> {
    const answer = await fetch(`${server.url}/api/v1/projects/${PROJECT}/instances/${INSTANCE}`, { headers: { authorization: `Bearer ${server.token}` } });
    return ((await answer.json()) as { expiresAt: string }).expiresAt;
  }

  /** The audit log, read by the operator. */
  async function auditRecords(): Promise<{ actor: string | null; action: string; outcome: string; target: string }[]> {
    const oscar = await server.actAs("oscar");
    await server.actAs("alice");
    const answer = await fetch(`${server.url}/api/v1/audit?limit=1000`, { headers: { authorization: `Bearer ${oscar}` } });
    return ((await answer.json()) as { items: { actor: string | null; action: string; outcome: string; target: string }[] }).items;
  }

  /** A fresh browser profile whose preferred language is `locale`, signed in as `login`. */
  const signedIn = (login: TestLogin, locale = "en-GB", viewport = { width: 1280, height: 800 }): Promise<Page> =>
    signedInPage(browser, contexts, server.origin, login, passwordOf(login), { locale, viewport });

  it("signs in through the embedded provider and lands on the user's services", async () => {
    const context = await browser.newContext({ locale: "en-GB" });
    contexts.push(context);
    const page = await context.newPage();
    // Nobody signed in is an answer: an anonymous visit makes no failed request (the console stays clean).
    const failed: string[] = [];
    page.on("response", (response) => void (response.status() >= 400 && failed.push(`${response.status()} ${response.url()}`)));
    page.on("console", (message) => void (message.type() === "error" && failed.push(message.text())));
    await page.goto(`${server.origin}/`);
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Sign in to Plateau");
    expect(failed).toEqual([]);
    await screenshot(page, "sign-in");
    await page.close();

    const home = await signedIn("alice");
    await expect.poll(() => home.getByRole("heading", { level: 1 }).textContent()).toBe("My services");
    expect(await home.locator("header").textContent()).toContain("Alice Martin");
    await screenshot(home, "home-empty");
  });

  it("launches static-site from the catalog, shows where and why, follows it until it runs, and serves it", async () => {
    const page = await signedIn("alice");
    await page.getByRole("navigation").getByRole("link", { name: "Catalog" }).click();
    await page.locator('[data-template="static-site"]').waitFor();
    await screenshot(page, "catalog");
    await page.locator("#catalog-search").fill("static");
    await page.getByRole("link", { name: "Static web site", exact: true }).click();
    await page.waitForURL(`${server.origin}/launch/static-site`);
    await page.locator("#launch-project").selectOption(PROJECT);
    await page.locator("#launch-name").fill(INSTANCE);
    // No registry here: the image is the one the tests build from local files.
    await page.getByLabel("Image", { exact: true }).fill(TEST_IMAGE);
    // Before confirming: where it will run and why, and what it costs in quota.
    await expect.poll(() => page.locator("main").textContent(), { timeout: 30_000 }).toContain("the only eligible platform");
    await screenshot(page, "launch");
    await page.getByRole("button", { name: "Launch", exact: true }).click();
    // Preparing the launch asked nothing Alice may not read (her personal project does not exist yet).
    expect((await auditRecords()).filter((r) => r.actor === "alice" && r.outcome === "denied")).toEqual([]);
    await page.waitForURL(`${server.origin}/projects/${PROJECT}/instances/${INSTANCE}`);
    // The timeline moves by itself until the platform reports it running.
    await page.locator(".phase", { hasText: "Running" }).first().waitFor({ timeout: 180_000 });
    const address = `http://${INSTANCE}.${PROJECT}.localhost:${server.port}/`;
    const link = page.locator(`a[href="${address}"]`).first();
    await link.waitFor();

    // Opening it passes through Plateau's sign-in bounce for the instance's host, then shows the site.
    const site = await page.context().newPage();
    await site.goto(address);
    await expect.poll(() => site.locator("h1").textContent(), { timeout: 30_000 }).toBe("hello from plateau");
    await site.goto(`${address}seen-from-the-portal`);
    await site.close();
    // The live logs, following since the instance came to run, show that visit.
    await expect.poll(() => page.locator("pre.logs").textContent(), { timeout: 30_000 }).toContain("/seen-from-the-portal");
    await screenshot(page, "instance");

    // Home lists it, running, with its address.
    await page.getByRole("navigation").getByRole("link", { name: "My services" }).click();
    const card = page.locator(`[data-instance="${INSTANCE}"]`);
    await card.locator(".phase", { hasText: "Running" }).waitFor();
    expect(await card.locator(`a[href="${address}"]`).count()).toBe(1);
    await screenshot(page, "home");
    // On a phone: one column, every action reachable.
    const phone = await signedIn("alice", "fr-FR", { width: 390, height: 844 });
    const phoneCard = phone.locator(`[data-instance="${INSTANCE}"]`);
    await phoneCard.locator(".phase", { hasText: "En marche" }).waitFor();
    for (const action of ["Ouvrir", "Arrêter", "Supprimer"]) expect(await phoneCard.getByText(action, { exact: true }).isVisible(), action).toBe(true);
    expect(await phone.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
    await screenshot(phone, "home-phone-fr");
  });

  it("refuses a member of another lab that instance, saying it does not exist for them", async () => {
    const page = await signedIn("bob");
    await page.goto(`${server.origin}/projects/${PROJECT}/instances/${INSTANCE}`);
    const alert = page.getByRole("alert").first();
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/not found|does not exist/i);
    expect(await page.locator(".phase").count()).toBe(0);
    expect(await page.locator(`a[href*="${INSTANCE}.${PROJECT}.localhost"]`).count()).toBe(0);
    await screenshot(page, "refused");
    // One refusal, audited once: the page asks for nothing else of an instance it may not see.
    const denied = (await auditRecords()).filter((r) => r.actor === "bob" && r.outcome === "denied" && r.target.includes(`/instances/${INSTANCE}`));
    expect(denied.map((r) => r.action)).toEqual(["GET /api/v1/projects/:project/instances/:instance"]);
  });

  it("renews it, stops and deletes it, asking first, and the platform follows", async () => {
    const page = await signedIn("alice");
    await page.goto(`${server.origin}/projects/${PROJECT}/instances/${INSTANCE}`);
    await page.locator(".phase", { hasText: "Running" }).first().waitFor({ timeout: 60_000 });
    // Renewing keeps it running longer: a refused number of days is said next to the field, then 10 more days.
    const expiryBefore = await instanceExpiry();
    await page.getByRole("button", { name: "Renew", exact: true }).click();
    const renewDialog = page.getByRole("dialog");
    await renewDialog.getByLabel("Days to add").fill("100000");
    await renewDialog.getByRole("button", { name: "Renew", exact: true }).click();
    await expect.poll(() => renewDialog.locator(".field-error").textContent()).not.toBe("");
    expect(await instanceExpiry()).toBe(expiryBefore);
    await renewDialog.getByLabel("Days to add").fill("10");
    await renewDialog.getByRole("button", { name: "Renew", exact: true }).click();
    await page.getByText(/^Renewed: notes now runs until/).waitFor();
    expect(Date.parse(await instanceExpiry()) - Date.parse(expiryBefore)).toBeGreaterThanOrEqual(10 * 86_400_000 - 60_000);
    // Its passwords are read on demand (a static site keeps none), and the read is audited.
    await page.getByRole("button", { name: "Show the passwords" }).click();
    await page.getByText("None: Plateau keeps no password for this instance.").waitFor();
    expect((await auditRecords()).filter((r) => r.actor === "alice" && r.action === "secrets.read").map((r) => r.target)).toEqual([`${PROJECT}/${INSTANCE}`]);
    await page.getByRole("button", { name: "Stop", exact: true }).click();
    const stopDialog = page.getByRole("dialog");
    expect(await stopDialog.textContent()).toContain("its data is kept");
    await stopDialog.getByRole("button", { name: "Confirm" }).click();
    await page.locator(".phase", { hasText: "Stopped" }).first().waitFor({ timeout: 120_000 });
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Confirm" }).click();
    await page.waitForURL(`${server.origin}/`);
    await expect.poll(() => page.locator(`[data-instance="${INSTANCE}"]`).count(), { timeout: 60_000 }).toBe(0);
    // Its history outlives it in git: the launch, the stop and the removal.
    const history = await cli(server, "history", `${PROJECT}/${INSTANCE}`);
    expect(history.stdout).toMatch(/launch[\s\S]*stop|stop[\s\S]*launch/);
  });

  it("shows projects, platforms, tokens and the audit log to those allowed", async () => {
    const alice = await signedIn("alice");
    for (const [link, shot] of [
      ["Projects", "projects"],
      ["Platforms", "platforms"],
      ["API tokens", "tokens"],
    ] as const) {
      await alice.getByRole("navigation").getByRole("link", { name: link }).click();
      await alice.getByRole("heading", { level: 1 }).waitFor();
      await alice.locator(".loading").waitFor({ state: "detached" });
      await screenshot(alice, shot);
    }
    await alice.goto(`${server.origin}/projects/${PROJECT}`);
    await alice.locator(".usage").first().waitFor();
    await screenshot(alice, "project");
    // Alice is no lab administrator: no audit log in her navigation.
    expect(await alice.getByRole("navigation").getByRole("link", { name: "Audit" }).count()).toBe(0);
    const ines = await signedIn("ines");
    await ines.getByRole("navigation").getByRole("link", { name: "Audit" }).click();
    await expect.poll(() => ines.locator("main table").textContent(), { timeout: 30_000 }).toContain("launch");
    await screenshot(ines, "audit");
  });

  it("shows a project's platform tiers to its readers, and lets an operator set them", async () => {
    const alice = await signedIn("alice");
    await alice.goto(`${server.origin}/projects/${PROJECT}`);
    const shown = alice.locator("[data-tiers]");
    await shown.waitFor();
    expect(await shown.getAttribute("data-tiers")).toBe("experimental");
    expect(await shown.textContent()).toContain("experimental (no guarantee)");
    // Alice owns the project but does not operate the platforms: no control.
    expect(await alice.getByRole("button", { name: "Save the tiers" }).count()).toBe(0);

    const oscar = await signedIn("oscar");
    await oscar.goto(`${server.origin}/projects/${PROJECT}`);
    const tiers = oscar.locator("[data-tiers]");
    await oscar.getByLabel("institutional (kept up)").check();
    await oscar.getByRole("button", { name: "Save the tiers" }).click();
    await expect.poll(() => tiers.getAttribute("data-tiers")).toBe("experimental institutional");
    await screenshot(oscar, "project-tiers");
    // Back as it was: one commit each way.
    await oscar.getByLabel("institutional (kept up)").uncheck();
    await oscar.getByRole("button", { name: "Save the tiers" }).click();
    await expect.poll(() => tiers.getAttribute("data-tiers")).toBe("experimental");
    const history = await fetch(`${server.url}/api/v1/history?project=${PROJECT}&limit=2`, {
      headers: { authorization: `Bearer ${await server.actAs("oscar")}` },
    });
    await server.actAs("alice");
    expect(((await history.json()) as { items: { action: string; author: string }[] }).items).toEqual([
      expect.objectContaining({ action: "set-tiers", author: "oscar" }),
      expect.objectContaining({ action: "set-tiers", author: "oscar" }),
    ]);
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
