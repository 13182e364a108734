// A real browser for the portal's tests: Debian's chromium driven by playwright-core,
// headless, with nothing that reaches beyond loopback (this machine has no network).
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";

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
