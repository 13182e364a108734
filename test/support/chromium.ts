// A real browser for the portal's tests: Debian's chromium driven by playwright-core,
// headless, with nothing that reaches beyond loopback (this machine has no network).
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM = process.env.PLATEAU_CHROMIUM ?? "/usr/bin/chromium";

/** Why the browser tests cannot run here, or undefined. CI installs chromium (.ci/run). */
export function chromiumUnavailable(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const reason = `no chromium at ${CHROMIUM} (apt-get install chromium)`;
  if (process.env.PLATEAU_REQUIRE_BROWSER === "1") throw new Error(reason);
  return reason;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  });
}

/** Where screenshots go: test-results/ (ignored by git); a few are copied to docs/ by hand. */
export const SCREENSHOTS = join(import.meta.dirname, "..", "..", "test-results", "portal");

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/**
 * A fresh browser profile preferring `locale`, signed in as `login` through the embedded
 * provider's form (`password`), on the portal's home page. Its context goes into `contexts`,
 * for the test to close.
 */
export async function signedInPage(
  browser: Browser,
  contexts: BrowserContext[],
  origin: string,
  login: string,
  password: string,
  options: { readonly locale?: string; readonly viewport?: { width: number; height: number } } = {},
): Promise<Page> {
  const context = await browser.newContext({ locale: options.locale ?? "en-GB", viewport: options.viewport ?? { width: 1280, height: 800 } });
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(`${origin}/`);
  await page.getByRole("link", { name: /Sign in with|Se connecter avec/ }).click();
  await page.locator("#login").fill(login);
  await page.locator("#password").fill(password);
  await page.locator("button[type=submit]").click();
  await page.waitForURL(`${origin}/`);
  return page;
}
