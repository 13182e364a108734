// The local platform's metrics, wired: its usage read from podman and the proxy's counts served
// at /metrics/tenants behind the scrape token, the VictoriaMetrics that `plateau up` starts to
// scrape them (when installed and not replaced by an existing one), and the local platform's
// metrics source pointing at it (docs/adr/0026-local-metrics.md).
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { startVictoriaMetricsProcess, type VictoriaMetricsProcess } from "../adapters/metrics/victoria-metrics-process.js";
import { freeLoopbackPort } from "../adapters/net.js";
import { createPodmanUsage } from "../adapters/podman/usage.js";
import type { PlatformDocument } from "../core/model.js";
import type { DesiredStateRepository } from "../core/ports/desired-state-repository.js";
import type { Logger } from "../core/ports/logger.js";
import { renderedInstanceDir } from "../core/repository/layout.js";
import { parseQuantity } from "../core/tenancy/quota.js";
import { fromYaml } from "../core/yaml.js";
import { createLocalUsageCollector } from "../server/local-usage-series.js";
import { createProxyRequestCounter, type ProxyRequestCounter, type TenantMetrics } from "../server/tenant-metrics.js";
import type { TenantSeriesCollector } from "../core/ports/tenant-series.js";
import type { Config } from "./config.js";

/** A platform's metrics source, as `spec.metrics` of `platforms/<platform>.yaml` says it. */
export type PlatformMetrics = NonNullable<PlatformDocument["spec"]["metrics"]>;

export interface LocalMetrics {
  /**
   * The local platform's metrics source: the VictoriaMetrics started here, or the configured
   * one; undefined when usage is off. It is configuration, not desired state: its URL depends on
   * this machine (a port chosen at start), so it is never written to `platforms/local.yaml`.
   */
  readonly spec: PlatformMetrics | undefined;
  /** What `/metrics/tenants` serves: add collectors to its list before Plateau serves. */
  readonly tenantMetrics: TenantMetrics & { readonly collectors: TenantSeriesCollector[] };
  /** Counts requests through the proxy (give it to `createProxy`). */
  readonly proxyRequests: ProxyRequestCounter;
  /** The VictoriaMetrics child process, once `start` ran (none when one is configured, or usage is off). */
  victoriaMetrics(): VictoriaMetricsProcess | undefined;
  /** Starts the VictoriaMetrics, once Plateau listens on `port`. */
  start(port: number): void;
  stop(): Promise<void>;
}

/** The scrape token, made once (random, private to this user) and kept in its file. */
async function scrapeToken(file: string): Promise<string> {
  const existing = (await readFile(file, "utf8").catch(() => "")).trim();
  if (existing) return existing;
  const token = randomBytes(32).toString("base64url");
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  return token;
}

/**
 * What a volume's claim asks (`spec.resources.requests.storage`, in bytes), as the head of the
 * repository renders it for the local platform; read again only when the head moves.
 */
export function claimCapacities(repo: Pick<DesiredStateRepository, "head" | "readFile">, platform: string) {
  let cache: { head: string | null; sizes: Map<string, number | undefined> } = { head: null, sizes: new Map() };
  return async (project: string, instance: string, claim: string): Promise<number | undefined> => {
    const head = await repo.head();
    if (!head) return undefined;
    if (cache.head !== head) cache = { head, sizes: new Map() };
    const path = `${renderedInstanceDir(platform, project, instance)}/persistentvolumeclaim-${claim}.yaml`;
    if (!cache.sizes.has(path)) {
      const text = await repo.readFile(head, path);
      const claimed = text === undefined ? undefined : (fromYaml(text, path) as { spec?: { resources?: { requests?: { storage?: unknown } } } } | null);
      cache.sizes.set(path, parseQuantity(claimed?.spec?.resources?.requests?.storage));
    }
    return cache.sizes.get(path);
  };
}

/** How the scraper reaches Plateau: its listening address, loopback when it listens on all. */
export function scrapeTarget(host: string, port: number): string {
  const reachable = host === "0.0.0.0" || host === "" ? "127.0.0.1" : host === "::" ? "[::1]" : host.includes(":") ? `[${host}]` : host;
  return `${reachable}:${port}`;
}

export async function setUpLocalMetrics(params: {
  readonly config: Config;
  readonly installation: string | undefined;
  readonly runtimeDir: string;
  /** The desired-state repository: what volumes' claims ask. */
  readonly repo: Pick<DesiredStateRepository, "head" | "readFile">;
  readonly logger: Logger;
}): Promise<LocalMetrics> {
  const { config, logger } = params;
  const settings = config.localMetrics;
  const tokenFile = resolve(config.dataDir, settings.scrapeTokenFile ?? join("metrics", "scrape-token"));
  const proxyRequests = createProxyRequestCounter();
  const collectors: TenantSeriesCollector[] = [proxyRequests];
  const usageOn = settings.enabled && config.platforms.local.enabled && params.installation !== undefined;
  if (usageOn && params.installation !== undefined)
    collectors.push(
      createLocalUsageCollector(createPodmanUsage({ podman: config.podman.command, installation: params.installation, runtimeDir: params.runtimeDir }), {
        capacityOf: claimCapacities(params.repo, "local"),
      }),
    );
  const tenantMetrics = { token: await scrapeToken(tokenFile), collectors };

  const ownsOne = settings.enabled && settings.url === undefined;
  const port = ownsOne ? settings.victoriaMetrics.port || (await freeLoopbackPort()) : 0;
  const spec: PlatformMetrics | undefined = !settings.enabled
    ? undefined
    : {
        url: settings.url ?? `http://127.0.0.1:${port}`,
        ...(settings.tokenEnv ? { tokenEnv: settings.tokenEnv } : {}),
        scrapeIntervalSeconds: settings.scrapeIntervalSeconds,
      };
  if (!settings.enabled) logger.info({}, "local metrics are off (localMetrics.enabled: false): no usage of the local platform");
  let process: VictoriaMetricsProcess | undefined;
  return {
    spec,
    tenantMetrics,
    proxyRequests,
    victoriaMetrics: () => process,
    start(plateauPort) {
      if (!ownsOne || process) return;
      process = startVictoriaMetricsProcess({
        command: settings.victoriaMetrics.command,
        dir: join(config.dataDir, "metrics"),
        port,
        retentionDays: settings.victoriaMetrics.retentionDays,
        scrape: { target: scrapeTarget(config.listen.host, plateauPort), intervalSeconds: settings.scrapeIntervalSeconds, tokenFile },
        args: settings.victoriaMetrics.args,
        logger,
      });
    },
    async stop() {
      await process?.stop();
    },
  };
}

/** The banner's line of `plateau up` about the local platform's usage (waits a second at most for VictoriaMetrics to answer: the log says the rest). */
export async function describeLocalMetrics(localMetrics: LocalMetrics, intervalSeconds: number): Promise<string> {
  if (!localMetrics.spec) return "  Metrics    off (localMetrics.enabled: false)";
  const process = localMetrics.victoriaMetrics();
  if (!process) return `  Metrics    read from ${localMetrics.spec.url}; it must scrape /metrics/tenants with the scrape token (docs/metrics.md)`;
  let waited: ReturnType<typeof setTimeout> | undefined;
  const started = await Promise.race([process.started, new Promise<undefined>((resolve) => (waited = setTimeout(() => resolve(undefined), 1000)))]);
  clearTimeout(waited);
  if (started === undefined) return `  Metrics    VictoriaMetrics at ${process.url} is still starting (the log will say)`;
  return started
    ? `  Metrics    VictoriaMetrics at ${process.url}, scraping the local platform's usage every ${intervalSeconds} s`
    : "  Metrics    off: VictoriaMetrics is not installed or did not start (see the log); apt-get install victoria-metrics";
}
