// The Recovery page of the portal, in a real browser (chromium through playwright-core), over a
// Plateau composed for tests with the example community's platforms: Oscar (an operator) sees
// plmapps normal, fails it over with a reason after confirming (one commit), sees the report
// with each instance's backup and RPO, in French too, and fails back. Alice (a member) has no
// link to the page and is told it is for operators. No page breaks the portal's CSP.
import { readdir, readFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryEngine } from "../../src/adapters/memory/memory-engine.js";
import { parsePlatform } from "../../src/core/model.js";
import type { ClusterBackup, ClusterBackupsRegistry } from "../../src/core/ports/cluster-backups.js";
import { SESSION_COOKIE } from "../../src/server/cookies.js";
import { loadPortal } from "../../src/server/portal.js";
import { memoryApp, type Person } from "../support/app.js";
import { chromiumUnavailable, launchChromium, screenshot } from "../support/chromium.js";

const unavailable = chromiumUnavailable();
const DIR = join(import.meta.dirname, "..", "..", "examples", "community", "platforms");

describe.skipIf(unavailable)("the Recovery page: failover and failback", () => {
  let fixture: Awaited<ReturnType<typeof memoryApp>>;
  let origin = "";
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const cspViolations: string[] = [];
  const velero = new Map<string, ClusterBackup[]>();

  beforeAll(async () => {
    const portal = await loadPortal(join(import.meta.dirname, "..", "..", "dist", "web"));
    if (!portal) throw new Error("the portal is not built (the e2e set-up builds it)");
    const files = (await readdir(DIR)).filter((file) => file.endsWith(".yaml")).sort();
    const community = await Promise.all(files.map(async (file) => parsePlatform(await readFile(join(DIR, file), "utf8"), file)));
    // Velero's backups as plmopp sees them; a requested one is Completed at once.
    const clusterBackups: ClusterBackupsRegistry = {
      backupsFor: async (platform) =>
        platform === "plmopp"
          ? {
              list: async (project) => velero.get(project) ?? [],
              request: async (project, name) =>
                void velero.set(project, [{ name, project, phase: "Completed", startedAt: new Date().toISOString() }, ...(velero.get(project) ?? [])]),
            }
          : undefined,
    };
    fixture = await memoryApp({
      platforms: community,
      adapters: {
        clusterBackups,
        engines: new Map([
          ["podman", createMemoryEngine()],
          ["argocd", createMemoryEngine()],
        ]),
      },
      server: { portal, publicOrigin: () => origin },
    });
    const alice = { login: "alice", name: "alice", email: "alice@example.org" };
    const oscar = { login: "oscar", name: "oscar", email: "oscar@example.org" };
    await fixture.plateau.services.projects.create({ name: "physics", lab: "imb", title: "Physics" }, alice);
    await fixture.plateau.services.projects.setTiers("physics", ["institutional"], oscar);
    await fixture.plateau.services.instances.launch({ template: "static-site", project: "physics", name: "wiki", platform: "plmapps" }, alice);
    velero.set("physics", [{ name: "physics-nightly", project: "physics", phase: "Completed", startedAt: new Date(Date.now() - 3 * 3_600_000).toISOString() }]);
    await fixture.app.listen({ port: 0, host: "127.0.0.1" });
    origin = `http://localhost:${(fixture.app.server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await fixture?.app.close();
    await fixture?.plateau.stop();
  });

  async function signedIn(who: Person, locale = "en-GB"): Promise<Page> {
    const context = await browser.newContext({ locale, viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    page.on("console", (message) => {
      if (/Content Security Policy|Refused to (apply|execute|load|connect)/i.test(message.text())) cspViolations.push(message.text());
    });
    const { id } = await fixture.browserSession(who);
    await page.goto(`${origin}/favicon.svg`);
    await page.evaluate(`document.cookie = ${JSON.stringify(`${SESSION_COOKIE}=${id}; Secure; Path=/; SameSite=Lax`)}`);
    return page;
  }
  const commits = async () => (await fixture.repo.log({ limit: 10_000 })).length;

  it("lets an operator fail plmapps over, with a reason and a confirmation, see the report, in French too, and fail back", async () => {
    const page = await signedIn("oscar");
    await page.goto(`${origin}/`);
    await page.getByRole("link", { name: "Recovery" }).click();
    const plmapps = page.locator('section[data-platform="plmapps"]');
    await plmapps.waitFor();
    await expect.poll(() => plmapps.getByRole("status").textContent()).toContain("Normal");
    expect(await plmapps.textContent()).toContain("Recovery site: plmopp");
    // No reason, no failover.
    expect(await plmapps.getByRole("button", { name: "Fail over" }).isDisabled()).toBe(true);
    await plmapps.getByLabel("Why (said in the commit and in each placement)").fill("Paris site flooded");
    const before = await commits();
    await plmapps.getByRole("button", { name: "Fail over" }).click();
    const dialog = page.getByRole("dialog", { name: "Fail over" });
    expect(await dialog.textContent()).toContain("Move every instance of plmapps to plmopp, in one commit");
    await dialog.getByRole("button", { name: "Confirm" }).click();
    await expect.poll(() => plmapps.getByRole("status").textContent()).toContain("Failed over to plmopp");
    expect(await commits()).toBe(before + 1);
    const wiki = plmapps.locator('tr[data-instance="physics/wiki"]');
    const text = (await wiki.textContent()) ?? "";
    expect(text).toContain("plmapps → plmopp");
    expect(text).toContain("physics-nightly");
    expect(text).toMatch(/3 h/);
    await screenshot(page, "recovery");

    const french = await signedIn("oscar", "fr-FR");
    await french.goto(`${origin}/recovery`);
    const section = french.locator('section[data-platform="plmapps"]');
    await expect.poll(() => section.getByRole("status").textContent()).toContain("Basculée sur plmopp");
    expect(await section.locator('tr[data-instance="physics/wiki"]').textContent()).toContain("sur le site de secours");

    await plmapps.getByRole("button", { name: "Fail back" }).click();
    await page.getByRole("dialog", { name: "Fail back" }).getByRole("button", { name: "Confirm" }).click();
    await expect.poll(() => plmapps.getByRole("status").textContent()).toContain("Normal");
    expect(await commits()).toBe(before + 2);
    expect(await wiki.textContent()).toContain("plmopp → plmapps");
  });

  it("is not offered to a member, and says it is for operators", async () => {
    const page = await signedIn("alice");
    await page.goto(`${origin}/`);
    await page.getByRole("link", { name: "Projects" }).waitFor();
    expect(await page.getByRole("link", { name: "Recovery" }).count()).toBe(0);
    await page.goto(`${origin}/recovery`);
    await expect.poll(() => page.locator("main").textContent()).toContain("Only platform operators may see this page.");
    expect(cspViolations).toEqual([]);
  });
});

if (unavailable) describe.skip(`the Recovery page: failover and failback (${unavailable})`, () => it("needs chromium", () => {}));
