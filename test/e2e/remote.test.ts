// The desired-state repository as a remote, for real: `plateau up` pushes its commits to a git
// server over smart HTTP (with a token), keeps them through an outage and says so in /readyz,
// takes a person's commit announced by a signed webhook, refuses unsigned ones, and serves its
// own repository read-only for an Argo CD to clone.
import { createHmac } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { run, runChecked } from "../../src/adapters/process.js";
import { startGitHttpServer, type GitHttpServer } from "../support/git-http-server.js";
import { cli, git, startServer, writeConfig, type ServerProcess } from "../support/server.js";

const TOKEN = "forge-token-of-plateau";
const WEBHOOK_SECRET = "webhook-secret-shared-with-the-forge";
const env = { ...process.env, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null", GIT_TERMINAL_PROMPT: "0" };

describe("the desired-state repository's remote, end to end", () => {
  let dir: string;
  let origin: string;
  let forge: GitHttpServer;
  let server: ServerProcess;
  let local: string;
  const head = async (gitDir: string) => (await git(gitDir, "rev-parse", "main")).trim();
  const readyz = async () => (await (await fetch(`${server.url}/readyz`)).json()) as { status: string; checks: Record<string, string> };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "plateau-remote-"));
    origin = join(dir, "origin.git");
    await runChecked("git", ["init", "--quiet", "--bare", "--initial-branch=main", origin], { env });
    forge = await startGitHttpServer({ dir: origin });
    forge.requireToken(TOKEN);
    const config = await writeConfig(
      dir,
      `remote:\n  url: ${forge.url}\n  tokenEnv: TEST_FORGE_TOKEN\n  pollSeconds: 3600\n  webhookSecretEnv: TEST_WEBHOOK_SECRET\nreconcile:\n  intervalSeconds: 1\n`,
    );
    server = await startServer({ dataDir: join(dir, "data"), config, env: { TEST_FORGE_TOKEN: TOKEN, TEST_WEBHOOK_SECRET: WEBHOOK_SECRET } });
    local = join(dir, "data", "state.git");
    await server.actAs("alice");
  });

  afterAll(async () => {
    await server?.stop();
    await forge?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("pushes every commit to the remote, with the token as HTTP Basic and never in the URL", async () => {
    expect((await cli(server, "projects", "create", "remote-demo", "--lab", "imb")).code).toBe(0);
    await vi.waitFor(async () => expect(await head(origin)).toBe(await head(local)), { timeout: 15_000, interval: 100 });
    const basic = `Basic ${Buffer.from(`oauth2:${TOKEN}`).toString("base64")}`;
    expect(forge.authorizations).toContain(basic);
    expect(server.output()).not.toContain(TOKEN);
    expect((await readyz()).checks.remote).toBe("ok");
  });

  it("keeps commits through an outage, says so in /readyz, and pushes them when the remote is back", async () => {
    await forge.setMode("down");
    try {
      expect((await cli(server, "projects", "create", "during-outage", "--lab", "imb")).code).toBe(0);
      await vi.waitFor(
        async () => {
          const ready = await readyz();
          expect(ready.status).toBe("degraded");
          expect(ready.checks.remote).toMatch(/pushing to the desired-state remote fails/);
        },
        { timeout: 15_000, interval: 200 },
      );
      expect(await head(origin)).not.toBe(await head(local));
    } finally {
      await forge.setMode("up");
    }
    await vi.waitFor(async () => expect(await head(origin)).toBe(await head(local)), { timeout: 30_000, interval: 200 });
    expect((await readyz()).status).toBe("ok");
  });

  it("takes a person's commit on the forge when a signed webhook says so, and refuses unsigned or forged ones", async () => {
    // A person adds a lab's file through the forge (a merged merge request).
    const work = join(dir, "work");
    const authed = forge.url.replace("http://", `http://oauth2:${TOKEN}@`);
    await runChecked("git", ["clone", "--quiet", authed, work], { env });
    await writeFile(join(work, "labs-readme.md"), "Labs are declared under labs/.\n");
    await runChecked("git", ["-C", work, "add", "."], { env });
    await runChecked("git", ["-C", work, "-c", "user.name=oscar", "-c", "user.email=oscar@users.plateau.invalid", "commit", "--quiet", "-m", "document labs"], {
      env,
    });
    await runChecked("git", ["-C", work, "push", "--quiet", "origin", "main"], { env });
    const theirs = await head(origin);

    const body = JSON.stringify({ ref: "refs/heads/main", after: theirs });
    const hook = (headers: Record<string, string>) =>
      fetch(`${server.url}/api/v1/hooks/git`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
    const forged = await hook({ "x-github-event": "push", "x-hub-signature-256": `sha256=${"0".repeat(64)}` });
    expect(forged.status).toBe(401);
    expect((await hook({ "x-github-event": "push" })).status).toBe(401);
    const signature = createHmac("sha256", WEBHOOK_SECRET).update(body).digest("hex");
    const signed = await hook({ "x-github-event": "push", "x-hub-signature-256": `sha256=${signature}` });
    expect(signed.status).toBe(202);
    await vi.waitFor(async () => expect(await git(local, "log", "--format=%s", "-5")).toContain("document labs"), { timeout: 5000, interval: 50 });
    // Plateau's own commits come after it, and reach the forge too.
    expect((await cli(server, "projects", "create", "after-merge", "--lab", "imb")).code).toBe(0);
    await vi.waitFor(async () => expect(await head(origin)).toBe(await head(local)), { timeout: 15_000, interval: 100 });
    expect(await git(origin, "log", "--format=%s", "-3")).toContain("document labs");
  });

  it("serves its repository read-only over smart HTTP, for an Argo CD to clone", async () => {
    const clone = join(dir, "argocd-clone");
    await runChecked("git", ["clone", "--quiet", `${server.url}/git/desired-state.git`, clone], { env });
    expect((await git(join(clone, ".git"), "rev-parse", "HEAD")).trim()).toBe(await head(local));
    await writeFile(join(clone, "evil.yaml"), "kind: Secret\n");
    await runChecked("git", ["-C", clone, "add", "."], { env });
    await runChecked("git", ["-C", clone, "-c", "user.name=x", "-c", "user.email=x@x", "commit", "--quiet", "-m", "evil"], { env });
    const push = await run("git", ["-C", clone, "push", "origin", "HEAD:main"], { env });
    expect(push.code).not.toBe(0);
    expect(push.stderr).toMatch(/403|read-only|not allowed/i);
  });
});
