// The portal's usage pages in a real browser (chromium through playwright-core) against a real
// `plateau up` whose local platform reads a real VictoriaMetrics, loaded with three hours of an
// instance that asks 500m and 256 MiB and uses 5m and 40 MiB: the instance page draws the chart
// (a canvas, under the portal's CSP), says the efficiency, applies the advice in one commit,
// keeps the instance idle reclaim announced; the notifications page words that notice; the
// lab page shows the lab's efficiency to its admin, the platform page the operator's reports;
// a person of another lab gets "not found" for the instance and its usage.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumUnavailable, launchChromium, screenshot, signedInPage } from "../support/chromium.js";
import { cleanPodmanProject, podmanUnavailable, TEST_IMAGE } from "../support/podman.js";
import { cli, startServer, writeConfig, type ServerProcess } from "../support/server.js";
import { passwordOf, type TestLogin } from "../support/sign-in.js";
import { startVictoriaMetrics, type ImportedSeries, type VictoriaMetricsServer } from "../support/victoria-metrics.js";

const unavailable = (await podmanUnavailable()) ?? chromiumUnavailable();
const started = unavailable ? undefined : await startVictoriaMetrics();
const PROJECT = "usage-portal";
const INSTANCE = "site";
const MIB = 1024 * 1024;
// Two minutes: VictoriaMetrics refuses the 30-day subqueries of a 30 s interval (too many points per series).
const SCRAPE_SECONDS = 120;

/** Three hours of the instance, every scrape, and ten minutes beyond now (the test takes time; queries at now ignore the future). */
function instanceSeries(now: number): ImportedSeries[] {
  const timestamps: number[] = [];
  for (let t = now - 3 * 3600; t <= now + 600; t += SCRAPE_SECONDS) timestamps.push(t * 1000);
  const pod = { namespace: PROJECT, pod: `${INSTANCE}-main-0` };
  const container = { ...pod, container: "main" };
  return [
    { metric: { __name__: "kube_pod_labels", ...pod, label_app_kubernetes_io_instance: INSTANCE }, values: timestamps.map(() => 1), timestamps },
    {
      metric: { __name__: "kube_pod_container_resource_requests", ...container, resource: "cpu", unit: "core" },
      values: timestamps.map(() => 0.5),
      timestamps,
    },
    {
      metric: { __name__: "kube_pod_container_resource_requests", ...container, resource: "memory", unit: "byte" },
      values: timestamps.map(() => 256 * MIB),
      timestamps,
    },
    // 5m of CPU: below idle reclaim's threshold (10m), so the instance is idle.
    { metric: { __name__: "container_cpu_usage_seconds_total", ...container }, values: timestamps.map((_, k) => k * 0.005 * SCRAPE_SECONDS), timestamps },
    { metric: { __name__: "container_memory_working_set_bytes", ...container }, values: timestamps.map(() => 40 * MIB), timestamps },
  ];
}

describe.skipIf(unavailable !== undefined || started === undefined || "skipped" in started)("the portal's usage pages in a browser", () => {
  const vm = started as VictoriaMetricsServer;
  let dir: string;
  let server: ServerProcess;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const cspViolations: string[] = [];

  beforeAll(async () => {
    await cleanPodmanProject(PROJECT);
    await vm.importSeries(instanceSeries(Math.floor(Date.now() / 1000)));
    dir = await mkdtemp(join(tmpdir(), "plateau-portal-usage-"));
    const config = await writeConfig(
      dir,
      [
        "podman:\n  stopTimeoutSeconds: 1",
        "reconcile:\n  intervalSeconds: 1",
        `localMetrics:\n  url: ${vm.url}\n  scrapeIntervalSeconds: ${SCRAPE_SECONDS}`,
        // Idle after an hour, told a day before: the sweep announces the stop at once.
        "reclaim:\n  enabled: true\n  idleHours: 1\n  notifyHoursBefore: 24\n  checkSeconds: 10",
        "",
      ].join("\n"),
    );
    server = await startServer({ dataDir: join(dir, "data"), config });
    await server.actAs("alice");
    expect((await cli(server, "projects", "create", PROJECT, "--lab", "imb")).code).toBe(0);
    const launched = await cli(
      server,
      "launch",
      "static-site",
      "--project",
      PROJECT,
      "--name",
      INSTANCE,
      "--set",
      `image=${TEST_IMAGE}`,
      "--set",
      "size=large",
    );
    expect(launched.code, launched.stderr).toBe(0);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    if (process.env.PLATEAU_E2E_OUTPUT) process.stderr.write(server?.output() ?? "");
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await server?.stop();
    await vm?.stop();
    await cleanPodmanProject(PROJECT);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const signedIn = async (login: TestLogin, locale = "en-GB"): Promise<Page> => {
    const page = await signedInPage(browser, contexts, server.origin, login, passwordOf(login), { locale });
    page.on("console", (message) => {
      if (/Content Security Policy|Refused to apply/i.test(message.text())) cspViolations.push(message.text());
    });
    return page;
  };

  const asUser = async (login: TestLogin, path: string) => {
    const token = await server.actAs(login);
    return fetch(`${server.url}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } });
  };

  it("shows the instance's usage, keeps it when idle reclaim announced its stop, and applies the advice in one commit", async () => {
    // The sweep runs every 10 s: wait for its notice to Alice (an owner) before opening the page.
    await expect
      .poll(
        async () => {
          const answer = await asUser("alice", "/notifications");
          return ((await answer.json()) as { items: { kind: string; instance?: string }[] }).items.filter((n) => n.kind === "idle-stop-planned").length;
        },
        { timeout: 60_000, interval: 1000 },
      )
      .toBe(1);

    const page = await signedIn("alice");
    await page.goto(`${server.origin}/projects/${PROJECT}/instances/${INSTANCE}`);
    await page.getByRole("heading", { name: "Usage", level: 2 }).waitFor();
    // Two charts (uPlot draws on a canvas), and the numbers beside them.
    await page.locator(".usage-chart canvas").nth(1).waitFor({ timeout: 30_000 });
    expect(await page.locator(".usage-chart canvas").count()).toBe(2);
    const cpu = page.locator('.usage-numbers tr[data-resource="cpu"]');
    await expect.poll(() => cpu.locator(".efficiency").textContent()).toBe("1%");
    expect(await page.locator('.usage-numbers tr[data-resource="memory"] .efficiency').textContent()).toBe("16%");
    expect(await cpu.textContent()).toMatch(/0\.00\d+ \/ 0\.5 cores/);
    // The 30-day advice: 5m and 40 MiB at the 95th percentile, + 20 %, floors 100m and 128 MiB.
    const advice = page.locator(".usage-advice");
    await expect.poll(() => advice.textContent()).toContain("100m CPU and 128Mi memory (it requests 500m and 256Mi)");
    // Idle reclaim's notice, with its one action.
    const idle = page.locator(".instance-usage .notice.warning");
    await expect.poll(() => idle.textContent(), { timeout: 15_000 }).toContain("has not been used for a while");
    // Another window: the chart is read again (the last hour fills it).
    const windows = page.getByRole("group", { name: "Window" });
    await windows.getByRole("button", { name: "1 hour" }).click();
    await expect.poll(() => windows.getByRole("button", { name: "1 hour" }).getAttribute("aria-pressed")).toBe("true");
    await page.locator(".usage-chart canvas").nth(1).waitFor();
    await screenshot(page, "instance-usage");
    await idle.getByRole("button", { name: "Keep it" }).click();
    await expect.poll(() => page.locator(".instance-usage").textContent()).toContain("Kept: the announced step is cancelled");

    // Apply the advice: confirmed in a dialog, one commit more in the history.
    const history = page.locator(".instance-history > li");
    // Launched, its stop announced, kept: the keep's commit is read before counting.
    await expect.poll(() => history.first().textContent()).toContain("Kept when idle");
    const before = await history.count();
    await page.getByRole("button", { name: "Apply the advice" }).click();
    const dialog = page.getByRole("dialog", { name: "Apply the advice" });
    expect(await dialog.textContent()).toContain(`Give ${INSTANCE} 100m CPU and 128Mi memory?`);
    await dialog.getByRole("button", { name: "Confirm" }).click();
    await expect.poll(() => page.locator(".instance-usage").textContent()).toMatch(/Resized: 100m CPU and 128Mi memory, in commit [0-9a-f]{8}/);
    await expect.poll(() => history.count()).toBe(before + 1);
    expect(await history.first().textContent()).toMatch(/^Resized resize usage-portal\/site to /);
    const values = await (await asUser("alice", `/projects/${PROJECT}/instances/${INSTANCE}`)).json();
    expect((values as { values: { size?: string } }).values.size).toBe("medium");
    await screenshot(page, "instance-usage-applied");

    // In French: the same section, its words and numbers.
    await page.getByRole("button", { name: "Français" }).click();
    await page.getByRole("heading", { name: "Consommation", level: 2 }).waitFor();
    expect(await page.locator('.usage-numbers tr[data-resource="memory"] .efficiency').textContent()).toBe("16\u00a0%");
    expect(cspViolations).toEqual([]);
  });

  it("lists the notices, worded from their codes, and marks them read; the shell counts the unread", async () => {
    const page = await signedIn("alice");
    const indicator = page.locator(".notices-indicator");
    await expect.poll(() => indicator.getAttribute("data-unread")).toBe("1");
    await indicator.click();
    await page.waitForURL(`${server.origin}/notifications`);
    const item = page.locator('.notice-item[data-kind="idle-stop-planned"]');
    await expect.poll(() => item.textContent()).toContain(`${PROJECT}/${INSTANCE} has not been used for a while: Plateau will stop it on`);
    expect(await item.textContent()).toMatch(/Happens: \w+day, \d+ \w+ \d{4} at \d\d:\d\d/);
    await screenshot(page, "notifications");
    await item.getByRole("button", { name: "Mark as read" }).click();
    await expect.poll(() => item.textContent()).toContain("Read");
    await expect.poll(() => indicator.getAttribute("data-unread")).toBe("0");
  });

  it("shows the lab's efficiency, showback and top wasters to its admin, and its alert rules", async () => {
    const page = await signedIn("ines");
    await page.goto(`${server.origin}/labs/imb`);
    await page.getByRole("heading", { name: "Efficiency", level: 2 }).waitFor();
    const showback = page.locator('table.showback[data-by="project"]');
    await expect.poll(() => showback.locator(`tr[data-row="${PROJECT}"]`).textContent(), { timeout: 30_000 }).toContain(PROJECT);
    await page.locator(".top-wasters").getByRole("link", { name: INSTANCE }).waitFor();
    await page.locator('table.lab-rules tr[data-rule="restart-loop"]').waitFor();
    expect(await page.locator('table.lab-rules tr[data-rule="restart-loop"]').textContent()).toContain("3 restarts in 15 min");
    await screenshot(page, "lab-usage");
    // Alice, a member, is told the efficiency is for the lab's admins.
    const member = await signedIn("alice");
    await member.goto(`${server.origin}/labs/imb`);
    await expect.poll(() => member.locator("main").textContent()).toContain("The lab's efficiency and showback are for its administrators.");
  });

  it("gives operators a page per platform: usage per lab and project, its series, idle reclaim's dry run", async () => {
    const page = await signedIn("oscar");
    await page.goto(`${server.origin}/platforms`);
    await page
      .getByRole("link", { name: /Usage, series and idle reclaim of/ })
      .first()
      .click();
    await page.waitForURL(`${server.origin}/platforms/local`);
    // A platform's report asks its metrics for every lab: on a loaded machine a query may fail once,
    // and the page then offers to try again, as a person would; what it said is kept for the failure's message.
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(`page error: ${error.message} ${error.stack?.slice(0, 400) ?? ""}`));
    const labRow = page.locator('table.showback[data-by="lab"] tr[data-row="imb"]');
    for (const deadline = Date.now() + 60_000; (await labRow.count()) === 0 && Date.now() < deadline;) {
      const alert = page.locator('main [role="alert"]').first();
      if (await alert.isVisible()) {
        errors.push((await alert.textContent()) ?? "");
        await alert.getByRole("button").click();
      }
      await page.waitForTimeout(500);
    }
    expect(await labRow.count(), `the lab's row; the page said: ${errors.join(" | ") || "nothing"}`).toBe(1);
    await expect.poll(() => page.locator(".series-report").textContent(), { timeout: 30_000 }).toContain("kube_pod_labels");
    await expect.poll(() => page.locator(".reclaim-report").textContent(), { timeout: 30_000 }).toMatch(/Idle reclaim would do nothing here today|would free/);
    await screenshot(page, "platform-usage");
  });

  it("tells a person of another lab that the instance does not exist, and its usage too", async () => {
    expect((await asUser("bob", `/projects/${PROJECT}/instances/${INSTANCE}/usage`)).status).toBe(404);
    expect((await asUser("bob", `/projects/${PROJECT}/instances/${INSTANCE}/usage/series`)).status).toBe(404);
    const page = await signedIn("bob");
    await page.goto(`${server.origin}/projects/${PROJECT}/instances/${INSTANCE}`);
    await expect.poll(() => page.locator("main").textContent()).toContain("It does not exist (any more), or you cannot see it.");
    expect(await page.locator(".usage-chart").count()).toBe(0);
  });
});
