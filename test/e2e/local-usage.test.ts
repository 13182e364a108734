// The local platform's usage, for real: a Plateau with real podman, a pod of the local test
// image that burns CPU and serves requests through the proxy, the VictoriaMetrics `plateau up`
// starts scraping /metrics/tenants every second, and the numbers read back through the
// Prometheus API. Then what must not leak: /metrics/tenants without the scrape token, the
// public /metrics.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrometheusMetricsSource } from "../../src/adapters/metrics/prometheus-api.js";
import { processesWithArgument } from "../../src/adapters/metrics/victoria-metrics-process.js";
import { freeLoopbackPort } from "../../src/adapters/net.js";
import { run } from "../../src/adapters/process.js";
import type { MetricsSource, QueryData } from "../../src/core/ports/metrics-source.js";
import { parseQuantity } from "../../src/core/tenancy/quota.js";
import { fromYamlStream } from "../../src/core/yaml.js";
import { loadConfig } from "../../src/main/config.js";
import { startPlateau, type RunningPlateau } from "../../src/main/up.js";
import { podmanUnavailable, TEST_IMAGE } from "../support/podman.js";
import { createToken, signIn, TEST_ACCOUNTS } from "../support/sign-in.js";
import { VICTORIA_METRICS_BIN, victoriaMetricsRequired } from "../support/victoria-metrics.js";

const podman = await podmanUnavailable();
const victoriaMetrics = existsSync(VICTORIA_METRICS_BIN) ? undefined : "victoria-metrics is not installed (apt-get install victoria-metrics)";
if (victoriaMetrics && victoriaMetricsRequired()) throw new Error(victoriaMetrics);
const PROJECT = "u-alice";
const INSTANCE = "burner";
const REQUESTS = 7;

/** A GET to Plateau's port with any Host header (an instance's), as a browser or curl sends it. */
function get(port: number, host: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, headers: { host, ...headers } }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** Polls until `check` returns a value (the scrape runs every second), or fails after `attempts`. */
async function eventually<T>(what: string, check: () => Promise<T | undefined>, attempts = 150): Promise<T> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`never: ${what}`);
}

const vector = (data: QueryData) => (data.resultType === "vector" ? data.result : []);
const valueOf = (data: QueryData): number | undefined => {
  const first = vector(data)[0];
  return first ? Number(first.value[1]) : undefined;
};

async function removeInstallation(installation: string): Promise<void> {
  const filter = `label=plateau.io/installation=${installation}`;
  const pods = (await run("podman", ["pod", "ps", "-q", "--filter", filter])).stdout.toString().split("\n").filter(Boolean);
  for (const pod of pods) await run("podman", ["pod", "rm", "-f", "-t", "0", pod]);
  for (const kind of ["volume", "network"]) {
    const names = (await run("podman", [kind, "ls", "-q", "--filter", filter])).stdout.toString().split("\n").filter(Boolean);
    for (const name of names) await run("podman", [kind, "rm", "-f", name]);
  }
  const secrets = (await run("podman", ["secret", "ls", "--format", "{{.Name}}"])).stdout.toString().split("\n");
  for (const name of secrets.filter((one) => one.startsWith(`plateau-${installation}.`))) await run("podman", ["secret", "rm", name]);
}

describe.skipIf(podman ?? victoriaMetrics)("the local platform's usage, from podman into VictoriaMetrics", () => {
  let dir: string;
  let running: RunningPlateau;
  let installation: string;
  let token: string;
  let metrics: MetricsSource;
  let orphan: number | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "plateau-usage-"));
    const dataDir = join(dir, "data");
    // A VictoriaMetrics left behind by a Plateau killed with -9 (same data directory): the next start must replace it.
    const left = spawn(
      VICTORIA_METRICS_BIN,
      [`-storageDataPath=${join(dataDir, "metrics", "data")}`, `-httpListenAddr=127.0.0.1:${await freeLoopbackPort()}`],
      {
        stdio: "ignore",
        detached: true,
      },
    );
    left.unref();
    orphan = left.pid;
    const config = loadConfig({
      env: {},
      cwd: dir,
      overrides: {
        // No local S3 server (ADR 0032): this test has no buckets.
        localS3: { enabled: false },
        dataDir,
        listen: { port: 0 },
        identity: { embedded: { accounts: TEST_ACCOUNTS } },
        podman: { stopTimeoutSeconds: 1 },
        reconcile: { intervalSeconds: 1 },
        // What was just scraped is searchable at once (the default hides the last 30 s).
        localMetrics: { scrapeIntervalSeconds: 1, victoriaMetrics: { args: ["-search.latencyOffset=0s"] } },
      },
    });
    running = await startPlateau(config, pino({ level: "silent" }));
    installation = (await readFile(join(dataDir, "installation-id"), "utf8")).trim();
    const spec = running.localMetrics.spec;
    if (!spec) throw new Error("the local platform has no metrics source");
    metrics = createPrometheusMetricsSource({ url: spec.url });
    const origin = `http://localhost:${running.port}`;
    token = await createToken(await signIn(origin, "alice"));
    const launched = await fetch(`${origin}/api/v1/projects/${PROJECT}/instances`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ template: "static-site", name: INSTANCE, values: { image: TEST_IMAGE } }),
    });
    expect(launched.status).toBe(202);
    await eventually("the instance runs", async () => {
      const answer = await fetch(`${origin}/api/v1/projects/${PROJECT}/instances/${INSTANCE}`, { headers: { authorization: `Bearer ${token}` } });
      const phase = ((await answer.json()) as { phase?: string }).phase;
      if (phase === "failed") throw new Error("the instance failed");
      return phase === "running" ? true : undefined;
    });
  });

  afterAll(async () => {
    await running?.close();
    if (orphan !== undefined) {
      try {
        process.kill(orphan, "SIGKILL");
      } catch {
        // replaced, as it should be
      }
    }
    if (installation) await removeInstallation(installation);
    await rm(dir, { recursive: true, force: true });
  });

  it("replaces a VictoriaMetrics left by a killed Plateau of the same data directory, and starts its own", async () => {
    expect(await running.localMetrics.victoriaMetrics()?.started).toBe(true);
    const argument = `-storageDataPath=${join(dir, "data", "metrics", "data")}`;
    const holders = await processesWithArgument(argument);
    expect(holders).toHaveLength(1);
    expect(holders).not.toContain(orphan);
  });

  it("counts requests through the proxy, exactly, and joins CPU, memory and asks to the instance", async () => {
    const host = `${INSTANCE}.${PROJECT}.localhost:${running.port}`;
    for (let i = 0; i < REQUESTS; i++) {
      const answer = await get(running.port, host, "/", { authorization: `Bearer ${token}` });
      expect(answer.status).toBe(200);
    }
    // Someone without a token is not admitted: not counted.
    expect((await get(running.port, host, "/")).status).not.toBe(200);

    const ofInstance = `namespace="${PROJECT}"`;
    // Through kube_pod_labels, as on clusters: the pod's series carry the instance's name.
    const joined = (metric: string) =>
      `sum by (label_app_kubernetes_io_instance) (${metric}{${ofInstance}} * on(namespace, pod) group_left(label_app_kubernetes_io_instance) kube_pod_labels{${ofInstance}})`;
    const cpuBefore = await eventually("CPU seconds are scraped", async () => {
      const data = await metrics.query(joined("container_cpu_usage_seconds_total"), undefined);
      const series = vector(data)[0];
      return series?.metric.label_app_kubernetes_io_instance === INSTANCE ? Number(series.value[1]) : undefined;
    });
    expect(cpuBefore).toBeGreaterThan(0);

    // It burns CPU: a busy loop in the instance's container.
    const container = `plateau-${installation}.${PROJECT}.${INSTANCE}-main`;
    const burnt = await run("podman", ["exec", container, "/bin/sh", "-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done"]);
    expect(burnt.code, burnt.stderr).toBe(0);
    const cpuAfter = await eventually("the CPU seconds grow", async () => {
      const value = valueOf(await metrics.query(joined("container_cpu_usage_seconds_total"), undefined));
      return value !== undefined && value > cpuBefore ? value : undefined;
    });
    expect(cpuAfter).toBeGreaterThan(cpuBefore);

    const memory = valueOf(await metrics.query(joined("container_memory_working_set_bytes"), undefined));
    expect(memory).toBeGreaterThan(0);
    expect(valueOf(await metrics.query(`kube_pod_status_ready{${ofInstance},condition="true"}`, undefined))).toBe(1);
    expect(valueOf(await metrics.query(`sum(kube_pod_container_status_restarts_total{${ofInstance}})`, undefined))).toBe(0);
    expect(valueOf(await metrics.query(`sum(container_network_receive_bytes_total{${ofInstance}})`, undefined))).toBeGreaterThan(0);

    // What it asks: what its rendered Deployment says, container by container.
    const repository = join(dir, "data", "state.git");
    const files = (await run("git", ["--git-dir", repository, "ls-tree", "--name-only", "main", `rendered/local/${PROJECT}/${INSTANCE}/`])).stdout.toString();
    const deploymentFile = files.split("\n").find((file) => file.includes("deployment-"));
    expect(deploymentFile).toBeDefined();
    const deployment = fromYamlStream((await run("git", ["--git-dir", repository, "show", `main:${deploymentFile}`])).stdout.toString(), "deployment")[0] as {
      spec: { template: { spec: { containers: { name: string; resources: { requests: Record<string, string>; limits?: Record<string, string> } }[] } } };
    };
    const main = deployment.spec.template.spec.containers[0];
    if (!main) throw new Error("no container");
    const asked = await metrics.query(`kube_pod_container_resource_requests{${ofInstance}}`, undefined);
    const byResource = Object.fromEntries(vector(asked).map((series) => [`${series.metric.container}/${series.metric.resource}`, Number(series.value[1])]));
    expect(byResource).toEqual({
      [`${main.name}/cpu`]: parseQuantity(main.resources.requests.cpu),
      [`${main.name}/memory`]: parseQuantity(main.resources.requests.memory),
    });
    expect(vector(asked)[0]?.metric.unit).toMatch(/^(core|byte)$/);

    // The proxy's count: exactly the requests sent, labelled by project and instance.
    const counted = await eventually("the proxy's count is scraped", async () => {
      const value = valueOf(await metrics.query(`plateau_proxy_requests_total{${ofInstance},instance="${INSTANCE}"}`, undefined));
      return value === REQUESTS ? value : undefined;
    });
    expect(counted).toBe(REQUESTS);
  });

  it("serves /metrics/tenants only with the scrape token; the public /metrics names no project or instance", async () => {
    const origin = `http://127.0.0.1:${running.port}`;
    const scrapeToken = (await readFile(join(dir, "data", "metrics", "scrape-token"), "utf8")).trim();
    for (const authorization of [undefined, "Bearer wrong-token", `Bearer ${token}`, `Basic ${scrapeToken}`]) {
      const answer = await fetch(`${origin}/metrics/tenants`, { headers: authorization ? { authorization } : {} });
      expect(answer.status, String(authorization)).toBe(401);
      expect(await answer.text()).not.toContain(PROJECT);
    }
    const scraped = await fetch(`${origin}/metrics/tenants`, { headers: { authorization: `Bearer ${scrapeToken}` } });
    expect(scraped.status).toBe(200);
    const text = await scraped.text();
    expect(text).toContain(
      `kube_pod_labels{label_app_kubernetes_io_instance="${INSTANCE}",namespace="${PROJECT}",pod="plateau-${installation}.${PROJECT}.${INSTANCE}"} 1`,
    );

    const open = await (await fetch(`${origin}/metrics`)).text();
    expect(open).toContain("plateau_http_request_duration_seconds");
    for (const name of [PROJECT, INSTANCE, installation]) expect(open).not.toContain(name);
    // Nor does VictoriaMetrics' copy of the public /metrics.
    const publicSeries = await metrics.query(`count({job="plateau", namespace="${PROJECT}"}) or count({job="plateau", instance="${INSTANCE}"})`, undefined);
    expect(vector(publicSeries)).toEqual([]);
  });
});
