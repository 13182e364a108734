// The portal's launch form of a GPU chart, in a real browser (Debian's chromium through
// playwright-core) against a real `plateau up`: the Helm catalog is the real Onyxia catalog
// served by the test chart repository, the platforms are the community's (PLMshift, whose
// vGPU pool is tainted nvidia.com/gpu:NoSchedule, and PLMvshift, without GPUs), pushed to the
// desired-state repository as an operator would. Alice, of lab IMB, chooses two GPUs for
// jupyter-pytorch-gpu in her project with a GPU quota: the preview says it lands on the vGPU
// pool with its node selector and toleration, and what it asks; the committed values carry
// them. In a project without GPU quota, the form says which quota blocks it and who can raise
// it, in English and in French, and the launch commits nothing. No podman is needed.
import { execFileSync } from "node:child_process";
import { cp, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { parseInstance } from "../../src/core/model.js";
import { helmApplicationValues } from "../../src/core/render/argocd.js";
import { fromYaml, toYaml } from "../../src/core/yaml.js";
import { startChartRepository, type ChartRepositoryServer } from "../support/chart-repository.js";
import { chromiumUnavailable, launchChromium, screenshot, signedInPage } from "../support/chromium.js";
import { cli, git, startServer, writeConfig, type ServerProcess } from "../support/server.js";
import { passwordOf, type TestLogin } from "../support/sign-in.js";

const unavailable = chromiumUnavailable();
const GPU_PROJECT = "deep";
const CPU_PROJECT = "plain";
const CHART = "ide/jupyter-pytorch-gpu";
const PLATFORMS = join(import.meta.dirname, "..", "..", "examples", "community", "platforms");

describe.skipIf(unavailable)("the portal's launch form of a GPU chart, on the GPU pool", () => {
  let dir: string;
  let server: ServerProcess;
  let charts: ChartRepositoryServer;
  let browser: Browser;
  let repository: string;
  const contexts: BrowserContext[] = [];

  /** A file of the desired state at the head of main (undefined: none). */
  const committed = (path: string): string | undefined => {
    try {
      return execFileSync("git", ["--git-dir", repository, "show", `main:${path}`], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    } catch {
      return undefined;
    }
  };
  const head = async () => (await git(repository, "rev-parse", "main")).trim();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "plateau-portal-gpu-"));
    charts = await startChartRepository();
    const catalogs = toYaml({ catalogs: [{ id: "ide", location: charts.location, name: { en: "Interactive services", fr: "Services interactifs" } }] });
    const config = await writeConfig(dir, `podman:\n  command: /nonexistent/podman\nreconcile:\n  intervalSeconds: 1\n${catalogs}`);
    server = await startServer({ dataDir: join(dir, "data"), config });
    repository = join(dir, "data", "state.git");
    // An operator declares the community's cluster platforms: a commit pushed to the desired state.
    const work = join(dir, "operator");
    execFileSync("git", ["clone", "--quiet", "--branch", "main", repository, work]);
    await mkdir(join(work, "platforms"), { recursive: true });
    for (const name of ["plmshift", "plmvshift"]) await cp(join(PLATFORMS, `${name}.yaml`), join(work, "platforms", `${name}.yaml`));
    const identity = ["-c", "user.name=Operator", "-c", "user.email=operator@example.org"];
    execFileSync("git", ["-C", work, "add", "platforms"]);
    execFileSync("git", ["-C", work, ...identity, "commit", "--quiet", "-m", "declare PLMshift and PLMvshift"]);
    execFileSync("git", ["-C", work, "push", "--quiet", "origin", "main"]);
    // Alice's lab has two projects; its admin gives one of them two GPUs, the other keeps none.
    await server.actAs("alice");
    for (const project of [GPU_PROJECT, CPU_PROJECT]) expect((await cli(server, "projects", "create", project, "--lab", "imb")).code).toBe(0);
    await server.actAs("ines");
    expect((await cli(server, "projects", "quota", GPU_PROJECT, "--gpu", "2")).code).toBe(0);
    await server.actAs("alice");
    // Plateau reads the pushed platforms at its next refresh.
    await vi.waitFor(async () => expect((await cli(server, "platforms")).stdout).toContain("plmshift"), { timeout: 30_000, interval: 500 });
    browser = await launchChromium();
  });

  afterAll(async () => {
    if (process.env.PLATEAU_E2E_OUTPUT) process.stderr.write(server?.output() ?? "");
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await server?.stop();
    await charts?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A fresh browser profile whose preferred language is `locale`, signed in as `login`. */
  const signedIn = (login: TestLogin, locale = "en-GB"): Promise<Page> =>
    signedInPage(browser, contexts, server.origin, login, passwordOf(login), { locale, viewport: { width: 1280, height: 900 } });

  /** The launch form of the GPU chart in a project, once its fields are drawn. */
  async function launchForm(page: Page, project: string): Promise<void> {
    await page.goto(`${server.origin}/launch/${CHART}?project=${project}`);
    await page.getByLabel("nvidia.com/gpu").waitFor({ timeout: 30_000 });
  }

  const placementPanel = (page: Page) => page.locator('section[aria-labelledby="placement-title"]');
  const costPanel = (page: Page) => page.locator('section[aria-labelledby="cost-title"]');

  it("says the chart lands on the vGPU pool with its node selector and toleration, and commits them with the GPUs chosen", async () => {
    const page = await signedIn("alice");
    await launchForm(page, GPU_PROJECT);
    await page.locator("#launch-name").fill("torch");
    // Two GPUs instead of the chart's one: the slider moved with the keyboard, as a person may.
    const gpu = page.getByLabel("nvidia.com/gpu");
    await gpu.focus();
    await page.keyboard.press("ArrowRight");
    await expect.poll(() => gpu.getAttribute("aria-valuetext")).toBe("2");
    // Before confirming: the platform and its GPU pool, what the pod carries to land there, and what it asks.
    await expect
      .poll(() => placementPanel(page).textContent(), { timeout: 30_000 })
      .toContain("On the platform plmshift, on its GPU pool vgpu (4 × A100-20C per node)");
    const placement = (await placementPanel(page).textContent()) ?? "";
    expect(placement).toContain("its pod carries the node selector nvidia.com/gpu.present=true and tolerates nvidia.com/gpu:NoSchedule");
    await expect.poll(() => costPanel(page).textContent()).toMatch(/reserves .*2 GPU/);
    expect(await costPanel(page).getByRole("alert").count()).toBe(0);
    await screenshot(page, "launch-gpu-chart");

    await page.getByRole("button", { name: "Launch", exact: true }).click();
    await page.waitForURL(`${server.origin}/projects/${GPU_PROJECT}/instances/torch`, { timeout: 60_000 });

    // The committed intent and the Argo CD Application carry the pool's node selector and toleration.
    const intent = parseInstance(committed(`projects/${GPU_PROJECT}/instances/torch.yaml`) ?? "", "torch");
    expect(intent.placement.platform).toBe("plmshift");
    expect(intent.spec.template).toBe(CHART);
    expect(intent.spec.values).toMatchObject({
      nodeSelector: { "nvidia.com/gpu.present": "true" },
      tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
      resources: { limits: { "nvidia.com/gpu": "2" } },
      route: { enabled: true },
    });
    const applicationDir = `rendered/plmshift/${GPU_PROJECT}/_helm/torch`;
    const file = (await git(repository, "ls-tree", "--name-only", `main:${applicationDir}`)).trim();
    // Its password is a placeholder (ADR 0022): the Application goes through argocd-vault-plugin, its values in the plugin's environment.
    expect(intent.spec.values).toMatchObject({ security: { password: `<path:${GPU_PROJECT}:torch-generated#one-time-password>` } });
    expect(helmApplicationValues(fromYaml(committed(`${applicationDir}/${file}`) ?? "", "application"))).toEqual(intent.spec.values);
  });

  it("says, in a project without GPU quota, which quota blocks the launch and who can raise it, and commits nothing", async () => {
    const page = await signedIn("alice");
    await launchForm(page, CPU_PROJECT);
    // The quota the server names comes first (the lab's, which the first launch filled, may follow).
    const block = costPanel(page).getByRole("alert").first();
    await expect
      .poll(() => block.textContent(), { timeout: 30_000 })
      .toBe(
        `Project ${CPU_PROJECT} has 0 GPU (0 in use) and this launch needs 1 more: a lab admin can raise it with plateau projects quota ${CPU_PROJECT} --gpu 1.`,
      );
    // Where it would go is still said: the quota, not the platform, is what stops it.
    expect(await placementPanel(page).textContent()).toContain("on its GPU pool vgpu");
    await screenshot(page, "launch-gpu-chart-no-quota");
    const before = await head();
    await page.getByRole("button", { name: "Launch", exact: true }).click();
    await expect.poll(() => page.locator(".launch-confirm").textContent(), { timeout: 30_000 }).toMatch(/quota/i);
    expect(await head()).toBe(before);

    const french = await signedIn("alice", "fr-FR");
    await launchForm(french, CPU_PROJECT);
    await expect
      .poll(() => costPanel(french).getByRole("alert").first().textContent(), { timeout: 30_000 })
      .toBe(
        `Le projet ${CPU_PROJECT} a 0 GPU (0 utilisés) et ce lancement en demande 1 de plus : un admin du labo peut l'augmenter avec plateau projects quota ${CPU_PROJECT} --gpu 1.`,
      );
    expect(await placementPanel(french).textContent()).toContain("Sur la plateforme plmshift, sur son pool GPU vgpu (4 × A100-20C par nœud)");
    await screenshot(french, "launch-gpu-chart-no-quota-fr");
  });
});
