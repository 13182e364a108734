// A project's recovery in the portal, in a real browser (Debian's chromium through playwright-core)
// against the API server over a Plateau composed for tests (memory engine, memory volume
// backups): a backed-up project never drilled since long ago shows the overdue badge; after a
// drill, each instance's backup age, RPO, RTO and answer, and no badge; in French too.
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryVolumeBackups } from "../../src/adapters/memory/memory-volume-backups.js";
import { parseProject, serialize } from "../../src/core/model.js";
import { projectPath } from "../../src/core/repository/layout.js";
import { SESSION_COOKIE } from "../../src/server/cookies.js";
import { loadPortal } from "../../src/server/portal.js";
import { memoryApp, type Person } from "../support/app.js";
import { chromiumUnavailable, launchChromium, screenshot } from "../support/chromium.js";

const unavailable = chromiumUnavailable();
const backups = createMemoryVolumeBackups("local");

describe.skipIf(unavailable)("a project's recovery in the portal", () => {
  let fixture: Awaited<ReturnType<typeof memoryApp>>;
  let origin = "";
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    const portal = await loadPortal(join(import.meta.dirname, "..", "..", "dist", "web"));
    if (!portal) throw new Error("the portal is not built (the e2e set-up builds it)");
    fixture = await memoryApp({
      adapters: { volumeBackups: { backupsFor: async (platform) => (platform === "local" ? backups : undefined) }, answers: async () => true },
      server: { portal, publicOrigin: () => origin },
    });
    // demo is backed up, a drill every 30 days, and was made long ago: its first drill is overdue.
    const { repo, plateau } = fixture;
    const head = await repo.head();
    const demo = parseProject((await repo.readFile(head ?? "", projectPath("demo"))) ?? "", "demo");
    await repo.commit({
      parent: head,
      author: { name: "oscar", email: "oscar@example.org" },
      message: "demo is backed up",
      trailers: {},
      changes: [
        {
          path: projectPath("demo"),
          content: serialize({
            ...demo,
            metadata: { ...demo.metadata, createdAt: "2025-01-01T00:00:00.000Z" },
            spec: { ...demo.spec, recovery: { backups: true, everyHours: 6, drillEveryDays: 30 } },
          }),
        },
      ],
    });
    await plateau.refresh();
    await plateau.services.instances.launch(
      { template: "static-site", project: "demo", name: "site", platform: "local" },
      { login: "alice", name: "alice", email: "a@example.org" },
    );
    await fixture.reconciler.reconcileOnce();
    await backups.backup("demo", "site", { id: "20261201T090000Z-abcd", takenAt: new Date(Date.now() - 3 * 3600_000) });
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
    const { id } = await fixture.browserSession(who);
    await page.goto(`${origin}/favicon.svg`);
    await page.evaluate(`document.cookie = ${JSON.stringify(`${SESSION_COOKIE}=${id}; Secure; Path=/; SameSite=Lax`)}`);
    return page;
  }
  const section = (page: Page) => page.locator("section.recovery");

  it("says an overdue drill, then a drill's RPO and RTO per instance, in English and French", async () => {
    const page = await signedIn("alice");
    await page.goto(`${origin}/projects/demo`);
    await page.getByRole("heading", { name: /^Recovery/, level: 2 }).waitFor();
    await expect.poll(() => section(page).getAttribute("data-overdue")).toBe("true");
    const overdue = (await section(page).textContent()) ?? "";
    expect(overdue).toContain("Drill overdue");
    expect(overdue).toContain("Backed up every 6 h, each backup kept 14 days.");
    expect(overdue).toContain("As the project's file says.");
    expect(await section(page).locator('tr[data-instance="site"]').textContent()).toMatch(/site\s*local\s*3 h 00 ago/);
    await screenshot(page, "recovery-overdue");

    await fixture.plateau.services.drills.run("local");
    await page.reload();
    await expect.poll(() => section(page).getAttribute("data-overdue")).toBe("false");
    const row = (await section(page).locator('tr[data-instance="site"]').textContent()) ?? "";
    expect(row).toMatch(/3 h 00 ago\s*3 h 00\s*[\d.]+ s\s*yes/);
    expect(await section(page).textContent()).toMatch(/Latest drill on .+, copies run on local\./);
    await screenshot(page, "recovery");

    const fr = await signedIn("alice", "fr-FR");
    await fr.goto(`${origin}/projects/demo`);
    await fr.getByRole("heading", { name: "Reprise après sinistre", level: 2 }).waitFor();
    await expect.poll(() => section(fr).textContent()).toContain("Sauvegardé toutes les 6 h, chaque sauvegarde gardée 14 jours.");
    expect(await section(fr).locator('tr[data-instance="site"]').textContent()).toMatch(/il y a 3 h 00.*oui/);
  });
});
