// A project's buckets in the portal, in a real browser (Debian's chromium through
// playwright-core) against the API server over a Plateau composed for tests, with an
// `rgw-admin` platform whose object storage is the memory adapter and a `noobaa` one: Alice
// lists her project's buckets, is told in the browser that a name S3 refuses is refused,
// creates one (one commit), sees what it holds, takes temporary keys with the aws, mc and rclone
// configurations and copies one; a NooBaa bucket says where its keys are; in French; removing
// asks first and says the data goes. Bob, of another lab, is told the project does not exist.
// No page breaks the portal's CSP.
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryEngine } from "../../src/adapters/memory/memory-engine.js";
import { createMemoryObjectStorage } from "../../src/adapters/memory/memory-object-storage.js";
import { SESSION_COOKIE } from "../../src/server/cookies.js";
import { loadPortal } from "../../src/server/portal.js";
import { memoryApp, type Person } from "../support/app.js";
import { chromiumUnavailable, launchChromium, screenshot } from "../support/chromium.js";
import { everythingCommitted } from "../support/committed.js";
import { clusterPlatform } from "../support/plateau.js";

const unavailable = chromiumUnavailable();
const PROJECT = "demo";
const ENDPOINT = "https://s3.paris.example.org";
const paris = createMemoryObjectStorage({ endpoint: { url: ENDPOINT, region: "paris", pathStyle: true } });
const argocd = { url: "https://argocd.example.org", namespace: "openshift-gitops", repoURL: "https://git.example.org/ds.git" };
const platforms = [
  clusterPlatform(
    { site: "paris", s3: { provider: "rgw-admin", endpoint: ENDPOINT, credentialsEnv: { accessKeyId: "RGW_ADMIN_ID", secretAccessKey: "RGW_ADMIN_SECRET" } } },
    "rgw-paris",
  ),
  clusterPlatform({ site: "grenoble", s3: { provider: "noobaa" }, argocd }, "noobaa-grenoble"),
];

describe.skipIf(unavailable)("a project's buckets in the portal", () => {
  let fixture: Awaited<ReturnType<typeof memoryApp>>;
  let origin = "";
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const cspViolations: string[] = [];

  beforeAll(async () => {
    const portal = await loadPortal(join(import.meta.dirname, "..", "..", "dist", "web"));
    if (!portal) throw new Error("the portal is not built (the e2e set-up builds it)");
    fixture = await memoryApp({
      platforms,
      adapters: {
        objectStorages: { storageFor: async (platform) => (platform === "rgw-paris" ? paris : undefined) },
        engines: new Map([
          ["podman", createMemoryEngine()],
          ["argocd", createMemoryEngine()],
        ]),
      },
      // The page and its requests come from the address the server listens on.
      server: { portal, publicOrigin: () => origin },
    });
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

  /** A fresh browser profile preferring `locale`, with the person's session cookie, as their sign-in leaves it. */
  async function signedIn(who: Person, locale = "en-GB"): Promise<Page> {
    const context = await browser.newContext({ locale, viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    page.on("console", (message) => {
      if (/Content Security Policy|Refused to (apply|execute|load|connect)/i.test(message.text())) cspViolations.push(message.text());
    });
    const { id } = await fixture.browserSession(who);
    // A page of the origin first: the cookie is set there, as the server's Set-Cookie would (Secure, host-only).
    await page.goto(`${origin}/favicon.svg`);
    await page.evaluate(`document.cookie = ${JSON.stringify(`${SESSION_COOKIE}=${id}; Secure; Path=/; SameSite=Lax`)}`);
    return page;
  }

  const commits = async () => (await fixture.repo.log({ limit: 10_000 })).length;
  const row = (page: Page, bucket: string) => page.locator(`tr[data-bucket="${bucket}"]`);
  const section = (page: Page) => page.locator("section.buckets");

  it("lists the project's buckets, refuses in the browser a name S3 refuses, and creates one in one commit", async () => {
    const page = await signedIn("alice");
    await page.goto(`${origin}/projects/${PROJECT}`);
    await page.getByRole("heading", { name: "Buckets", level: 2 }).waitFor();
    await expect.poll(() => section(page).textContent()).toContain("This project has no bucket yet.");

    // A dotted, capitalized name: said at once, in words, and nothing is sent.
    const before = await commits();
    const form = page.locator("form.bucket-create");
    const name = form.getByLabel("Name", { exact: true });
    await name.fill("Climate.Data");
    await name.blur();
    await expect
      .poll(() => form.locator(".field-error").first().textContent())
      .toBe("Only lowercase letters, digits and hyphens (no dots, no capitals, no spaces).");
    await form.getByRole("button", { name: "Create a bucket" }).click();
    expect(await name.getAttribute("aria-invalid")).toBe("true");
    expect(await commits()).toBe(before);

    await name.fill("climate-data");
    await form.getByLabel("Size (GiB)").fill("5");
    await form.getByLabel("Platform", { exact: true }).selectOption("rgw-paris");
    await form.getByLabel("Keep every version of each object").check();
    await form.getByLabel("Expire objects after (days)").fill("30");
    await screenshot(page, "buckets-create");
    await form.getByRole("button", { name: "Create a bucket" }).click();
    await row(page, "climate-data").waitFor();
    await expect.poll(() => section(page).getByRole("status").first().textContent()).toMatch(/^Created climate-data \(commit [0-9a-f]{8}\)/);
    expect(await commits()).toBe(before + 1);
    const [commit] = await fixture.repo.log({ limit: 1 });
    expect(commit?.trailers["Plateau-Action"]).toBe("bucket-create");
    const text = (await row(page, "climate-data").textContent()) ?? "";
    expect(text).toContain("rgw-paris");
    expect(text).toContain("versioning");
    expect(text).toContain("objects expire after 30 days");
    expect(await name.inputValue()).toBe("");

    // What the provider holds, read again by the page: a bar of GiB against the quota, and the objects.
    await paris.ensureBucket({ name: "climate-data", project: PROJECT, quota: { bytes: 5 * 2 ** 30 }, versioning: true });
    const key = await paris.createKey(PROJECT);
    paris.putObject(key.accessKeyId, "climate-data", "series.csv", 2 ** 30);
    await page.reload();
    await expect.poll(() => row(page, "climate-data").locator(".bucket-usage").textContent()).toContain("1 / 5 GiB");
    expect(await row(page, "climate-data").locator(".bucket-usage").textContent()).toContain("1 object");
    await screenshot(page, "buckets");
  });

  it("gives temporary keys once, with the aws, mc and rclone configurations to copy; none of it is ever committed", async () => {
    const page = await signedIn("alice");
    await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin });
    await page.goto(`${origin}/projects/${PROJECT}`);
    await row(page, "climate-data").getByRole("button", { name: "Use climate-data" }).click();
    const dialog = page.getByRole("dialog", { name: "Use climate-data" });
    await dialog.getByRole("button", { name: "Get temporary keys" }).click();
    const credentials = dialog.locator(".credentials");
    await credentials.waitFor();
    expect(await credentials.textContent()).toContain("Copy them now: they are shown only once.");
    const accessKeyId = await dialog.getByLabel("Access key", { exact: true }).inputValue();
    const secret = await dialog.getByLabel("Secret key", { exact: true }).inputValue();
    expect(accessKeyId).toMatch(/^\S+$/);
    expect(secret).toMatch(/^\S+$/);
    expect(await credentials.getAttribute("data-expires")).toMatch(/^\d{4}-\d\d-\d\dT/);

    const config = (client: string) => dialog.locator(`.client-config[data-client="${client}"]`);
    const aws = (await config("aws").locator("pre").allTextContents()).join("\n");
    expect(aws).toContain(`[climate-data]\naws_access_key_id = ${accessKeyId}\naws_secret_access_key = ${secret}`);
    expect(aws).toContain(`[profile climate-data]\nregion = paris\nendpoint_url = ${ENDPOINT}`);
    expect(aws).toContain(`aws --profile climate-data --endpoint-url ${ENDPOINT} s3 ls s3://climate-data`);
    expect(await config("mc").locator("pre").textContent()).toContain(`mc alias set climate-data ${ENDPOINT} ${accessKeyId}`);
    const rclone = config("rclone").locator("pre").first();
    expect(await rclone.textContent()).toContain(`[climate-data]\ntype = s3\nprovider = Ceph\naccess_key_id = ${accessKeyId}`);
    // Copying puts the very text on the clipboard (the Clipboard API: no inline script under the CSP).
    await config("rclone").getByRole("button", { name: "Copy ~/.config/rclone/rclone.conf" }).click();
    await expect.poll(() => config("rclone").getByRole("status").first().textContent()).toBe("Copied.");
    expect(await page.evaluate("navigator.clipboard.readText()")).toBe(await rclone.textContent());
    await screenshot(page, "buckets-credentials");

    // Closing forgets them: opening again asks anew.
    await dialog.getByRole("button", { name: "Close" }).click();
    await row(page, "climate-data").getByRole("button", { name: "Use climate-data" }).click();
    expect(await dialog.locator(".credentials").count()).toBe(0);
    expect(await everythingCommitted(fixture.repo)).not.toContain(secret);
  });

  it("says where a NooBaa bucket's keys are, in the project's namespace, instead of giving any", async () => {
    const created = await fixture.app.inject({
      method: "POST",
      url: `/api/v1/projects/${PROJECT}/buckets`,
      headers: await fixture.as("alice"),
      payload: { name: "shared-reads", platform: "noobaa-grenoble" },
    });
    expect(created.statusCode, created.body).toBe(201);
    const page = await signedIn("alice");
    await page.goto(`${origin}/projects/${PROJECT}`);
    await row(page, "shared-reads").getByRole("button", { name: "Use shared-reads" }).click();
    const dialog = page.getByRole("dialog", { name: "Use shared-reads" });
    expect(await dialog.textContent()).toContain(`NooBaa keeps them in the Secret shared-reads of the namespace ${PROJECT}`);
    expect(await dialog.locator("pre").textContent()).toBe(`oc extract secret/shared-reads -n ${PROJECT} --to=-`);
    expect(await dialog.getByRole("button", { name: "Get temporary keys" }).count()).toBe(0);
  });

  it("offers the project's buckets on the launch form of a template that can use one, and a way to make one when it has none", async () => {
    await fixture.plateau.services.projects.create(
      { name: "empty", lab: "imb", title: "Empty" },
      { login: "alice", name: "alice", email: "alice@example.org" },
    );
    const page = await signedIn("alice");
    // The template says it can use a bucket: its detail's `s3` (ADR 0031).
    await page.goto(`${origin}/launch/jupyter-notebook?project=${PROJECT}`);
    const field = page.getByLabel("Attach a bucket");
    await field.waitFor();
    await expect
      .poll(() => field.locator("option").allTextContents())
      .toEqual(["No bucket", "climate-data (on rgw-paris)", "shared-reads (on noobaa-grenoble)"]);
    await field.selectOption("climate-data");
    expect(await field.inputValue()).toBe("climate-data");
    // Another project: its own buckets (none), the choice not carried over, and a link to its page.
    await page.locator("#launch-project").selectOption("empty");
    await expect.poll(() => page.locator(".no-buckets").textContent()).toContain("empty has no bucket yet.");
    expect(await field.inputValue()).toBe("");
    expect(await page.locator(".no-buckets a").getAttribute("href")).toBe("/projects/empty");
    await screenshot(page, "launch-bucket");
    // A template that says nothing of buckets offers none.
    await page.goto(`${origin}/launch/static-site?project=${PROJECT}`);
    await page.locator("#launch-name").waitFor();
    expect(await page.getByLabel("Attach a bucket").count()).toBe(0);
  });

  it("speaks French, and removing asks first, says the data goes, and commits once", async () => {
    const page = await signedIn("alice", "fr-FR");
    await page.goto(`${origin}/projects/${PROJECT}`);
    await page.getByRole("heading", { name: "Buckets", level: 2 }).waitFor();
    const climate = row(page, "climate-data");
    await climate.waitFor();
    expect(await climate.textContent()).toContain("versions conservées");
    expect(await climate.textContent()).toContain("les objets expirent après 30 jours");
    expect(await climate.getByRole("button", { name: "Utiliser climate-data" }).count()).toBe(1);
    expect(await page.locator("form.bucket-create legend").textContent()).toBe("Créer un bucket");
    await page.locator("form.bucket-create").getByLabel("Nom", { exact: true }).fill("xn--donnees");
    await page.locator("form.bucket-create").getByLabel("Nom", { exact: true }).blur();
    await expect
      .poll(() => page.locator("form.bucket-create .field-error").first().textContent())
      .toBe("S3 réserve les noms commençant par xn--, sthree- ou amzn-s3-demo- : choisissez-en un autre.");
    await screenshot(page, "buckets-fr");

    const before = await commits();
    await climate.getByRole("button", { name: "Supprimer", exact: true }).click();
    const confirm = page.getByRole("dialog", { name: "Supprimer" });
    expect(await confirm.textContent()).toContain("Supprimer climate-data ? Tous ses objets sont effacés avec lui, et sa réplique aussi : c'est irréversible.");
    await confirm.getByRole("button", { name: "Supprimer et effacer ses données" }).click();
    await climate.waitFor({ state: "detached" });
    expect(await commits()).toBe(before + 1);
    const [commit] = await fixture.repo.log({ limit: 1 });
    expect(commit?.trailers["Plateau-Action"]).toBe("bucket-remove");
  });

  it("tells a person of another lab that the project does not exist, its buckets neither", async () => {
    const token = await fixture.tokenOf("bob");
    const answer = await fetch(`${origin}/api/v1/projects/${PROJECT}/buckets`, { headers: { authorization: `Bearer ${token}` } });
    expect(answer.status).toBe(404);
    const page = await signedIn("bob");
    await page.goto(`${origin}/projects/${PROJECT}`);
    await expect.poll(() => page.locator("main").textContent()).toContain("It does not exist (any more), or you cannot see it.");
    expect(await page.locator("tr[data-bucket]").count()).toBe(0);
    expect(cspViolations).toEqual([]);
  });
});
