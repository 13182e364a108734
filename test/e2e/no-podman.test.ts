// Without podman, Plateau still starts, says what is missing and how to install it, and
// commits launches, which run once the platform is available.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, git, startServer, writeConfig, type ServerProcess } from "../support/server.js";

describe("local platform without podman", () => {
  let dir: string;
  let server: ServerProcess;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "plateau-nopodman-"));
    const config = await writeConfig(dir, "podman:\n  command: /nonexistent/podman\nreconcile:\n  intervalSeconds: 0.5\n");
    server = await startServer({ dataDir: join(dir, "data"), config });
    await server.actAs("alice");
    expect((await cli(server, "projects", "create", "demo", "--lab", "imb")).code).toBe(0);
  });

  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("starts and reports the local platform unavailable with the install hint", async () => {
    expect(server.output()).toMatch(/Platform {3}local: unavailable: podman is not installed; install podman: sudo apt-get install podman/);
    const platforms = await cli(server, "platforms");
    expect(platforms.code).toBe(0);
    expect(platforms.stdout).toMatch(/local\s+podman\s+local\s+experimental\s+unavailable/);
    expect(platforms.stdout).toContain("apt-get install podman");
  });

  it("commits launches, which wait for the platform", async () => {
    const result = await cli(server, "launch", "static-site", "--project", "demo", "--name", "later");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("currently unavailable (podman is not installed)");
    expect(await git(join(dir, "data", "state.git"), "log", "-1", "--format=%s")).toContain("launch demo/later");
    for (let attempt = 0; attempt < 50; attempt++) {
      const status = await cli(server, "status", "demo/later", "--json");
      const view = JSON.parse(status.stdout) as { phase: string; reason: string };
      if (view.reason.includes("unavailable")) {
        expect(view.phase).toBe("pending");
        expect(view.reason).toContain("platform local is unavailable: podman is not installed");
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error("the instance never said why it does not run");
  });
});
