// The local platform's metrics as configured: without victoria-metrics installed Plateau says so
// once and works; pointed at an existing VictoriaMetrics it starts none; turned off, the local
// platform has no metrics source. And the volumes' sizes, measured on a real podman volume.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { processesWithArgument, startVictoriaMetricsProcess } from "../../src/adapters/metrics/victoria-metrics-process.js";
import { freeLoopbackPort } from "../../src/adapters/net.js";
import { run } from "../../src/adapters/process.js";
import { createPodmanUsage } from "../../src/adapters/podman/usage.js";
import { createMemoryRepository } from "../../src/adapters/memory/memory-repository.js";
import { systemClock } from "../../src/adapters/system/system.js";
import { silentLogger } from "../../src/core/ports/logger.js";
import { loadConfig } from "../../src/main/config.js";
import { setUpLocalMetrics } from "../../src/main/local-metrics.js";
import { startPlateau } from "../../src/main/up.js";
import { podmanUnavailable } from "../support/podman.js";
import { VICTORIA_METRICS_BIN } from "../support/victoria-metrics.js";

const dirs: string[] = [];
const tempDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), "plateau-local-metrics-"));
  dirs.push(dir);
  return dir;
};
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const configIn = (dir: string, localMetrics: Record<string, unknown>) =>
  loadConfig({
    env: {},
    cwd: dir,
    overrides: {
      // No local S3 server (ADR 0032): this test has no buckets.
      localS3: { enabled: false },
      listen: { port: 0 },
      podman: { command: "/nonexistent/podman" },
      localMetrics,
    },
  });

describe("the local platform's metrics, as configured", () => {
  it("without victoria-metrics: one clear line in the log, and Plateau serves (the scrape route too)", async () => {
    const dir = await tempDir();
    const lines: string[] = [];
    const logger = pino(
      { level: "info" },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(...chunk.toString().split("\n").filter(Boolean));
          done();
        },
      }),
    );
    const running = await startPlateau(configIn(dir, { victoriaMetrics: { command: "/nonexistent/victoria-metrics" } }), logger);
    try {
      expect(await running.localMetrics.victoriaMetrics()?.started).toBe(false);
      const said = lines.filter((line) => line.includes("victoria-metrics is not installed"));
      expect(said).toHaveLength(1);
      expect(said[0]).toContain("usage and alerts are off; apt-get install victoria-metrics");
      const origin = `http://127.0.0.1:${running.port}`;
      expect((await fetch(`${origin}/healthz`)).status).toBe(200);
      expect((await fetch(`${origin}/api/v1/catalog`)).status).not.toBe(500);
      const token = running.localMetrics.tenantMetrics.token;
      expect((await fetch(`${origin}/metrics/tenants`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      expect((await fetch(`${origin}/metrics/tenants`)).status).toBe(401);
    } finally {
      await running.close();
    }
  });

  it("pointed at an existing VictoriaMetrics, the local platform reads it and none is started; turned off, there is no source", async () => {
    const dir = await tempDir();
    const repo = createMemoryRepository({ clock: systemClock });
    const external = await setUpLocalMetrics({
      config: configIn(dir, { url: "https://vm.example.org/select/0/prometheus", tokenEnv: "PLATEAU_VM_TOKEN", scrapeIntervalSeconds: 15 }),
      installation: "inst01",
      runtimeDir: join(dir, "run"),
      repo,
      logger: silentLogger,
    });
    external.start(8080);
    expect(external.victoriaMetrics()).toBeUndefined();
    expect(external.spec).toEqual({ url: "https://vm.example.org/select/0/prometheus", tokenEnv: "PLATEAU_VM_TOKEN", scrapeIntervalSeconds: 15 });
    // The scrape token it must send is kept in the data directory, private, and the same at the next start.
    const again = await setUpLocalMetrics({ config: configIn(dir, {}), installation: "inst01", runtimeDir: join(dir, "run"), repo, logger: silentLogger });
    expect(again.tenantMetrics.token).toBe(external.tenantMetrics.token);
    expect(external.tenantMetrics.token.length).toBeGreaterThanOrEqual(40);
    expect((await stat(join(dir, ".plateau", "metrics", "scrape-token"))).mode & 0o777).toBe(0o600);

    const off = await setUpLocalMetrics({
      config: configIn(dir, { enabled: false }),
      installation: "inst01",
      runtimeDir: join(dir, "run"),
      repo,
      logger: silentLogger,
    });
    off.start(8080);
    expect(off.spec).toBeUndefined();
    expect(off.victoriaMetrics()).toBeUndefined();
    // The proxy's counts are still served; the local usage is not collected.
    expect(off.tenantMetrics.collectors).toEqual([off.proxyRequests]);
  });
});

describe.skipIf(!existsSync(VICTORIA_METRICS_BIN))("the VictoriaMetrics of plateau up", () => {
  it("replaces one left running on the same data directory by a killed Plateau, and stops with it", async () => {
    const dir = await tempDir();
    const storage = `-storageDataPath=${join(dir, "metrics", "data")}`;
    const left = spawn(VICTORIA_METRICS_BIN, [storage, `-httpListenAddr=127.0.0.1:${await freeLoopbackPort()}`], { stdio: "ignore", detached: true });
    left.unref();
    const leftExited = new Promise((resolve) => left.once("exit", resolve));
    try {
      await writeFile(join(dir, "token"), "t\n");
      const started = startVictoriaMetricsProcess({
        command: VICTORIA_METRICS_BIN,
        dir: join(dir, "metrics"),
        port: await freeLoopbackPort(),
        retentionDays: 1,
        scrape: { target: "127.0.0.1:9", intervalSeconds: 30, tokenFile: join(dir, "token") },
        logger: silentLogger,
      });
      expect(await started.started).toBe(true);
      await leftExited;
      const holders = await processesWithArgument(storage);
      expect(holders).toHaveLength(1);
      expect(holders).not.toContain(left.pid);
      expect((await fetch(`${started.url}/health`)).status).toBe(200);
      await started.stop();
      expect(await processesWithArgument(storage)).toEqual([]);
    } finally {
      if (left.exitCode === null && left.signalCode === null) left.kill("SIGKILL");
    }
  });
});

const podman = await podmanUnavailable();

describe.skipIf(podman)("volumes' sizes, on a real podman volume", () => {
  it("are measured in the background and answered by the next reads, by claim", async () => {
    const installation = `vol${process.pid}`;
    const volume = `plateau-${installation}.volproj.nb-work`;
    const labels = ["managed=true", `installation=${installation}`, "project=volproj", "instance=nb"].flatMap((label) => ["--label", `plateau.io/${label}`]);
    expect((await run("podman", ["volume", "create", ...labels, volume])).code).toBe(0);
    try {
      const mountpoint = (await run("podman", ["volume", "inspect", "--format", "{{.Mountpoint}}", volume])).stdout.toString().trim();
      await writeFile(join(mountpoint, "data.bin"), Buffer.alloc(1024 * 1024, 1));
      const usage = createPodmanUsage({ installation, runtimeDir: await tempDir(), cacheMs: 0, volumeRefreshMs: 0 });
      let found: { claim: string; usedBytes: number; project: string; instance: string } | undefined;
      for (let attempt = 0; attempt < 100 && !found; attempt++) {
        found = (await usage.read()).volumes.find((one) => one.claim === "nb-work");
        if (!found) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(found).toMatchObject({ project: "volproj", instance: "nb", claim: "nb-work" });
      expect(found?.usedBytes).toBeGreaterThanOrEqual(1024 * 1024);
    } finally {
      await run("podman", ["volume", "rm", "-f", volume]);
    }
  });
});
