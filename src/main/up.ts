// `plateau up`: builds the real adapters from the configuration, recovers, and serves.
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Logger as PinoLogger } from "pino";
import { createFileCatalog } from "../adapters/catalog/file-catalog.js";
import { createGitRepository, initRepository } from "../adapters/git/git-repository.js";
import { createPodmanEngine } from "../adapters/podman/podman-engine.js";
import { openDatabase } from "../adapters/sql/database.js";
import { createSqlStore } from "../adapters/sql/sql-store.js";
import { cryptoRandom, systemClock } from "../adapters/system/system.js";
import { localPlatformDocument } from "../core/platforms/service.js";
import type { Engine } from "../core/ports/engine.js";
import { buildApp, type App } from "../server/app.js";
import { createMetrics } from "../server/metrics.js";
import { createProxy } from "../server/proxy.js";
import { composePlateau, type Plateau } from "./compose.js";
import { setUpIdentity } from "./identity.js";
import { freeLoopbackPort } from "../adapters/net.js";
import type { EmbeddedAccount } from "../adapters/oidc/embedded-provider.js";
import { compileClaimMapping } from "../core/access/claims.js";
import { createInstanceGate } from "../server/instance-gate.js";
import { paths, PACKAGE_ROOT, type Config } from "./config.js";

export interface RunningPlateau {
  readonly url: string;
  readonly port: number;
  readonly plateau: Plateau;
  readonly app: App;
  /** The embedded provider's demo accounts (empty when real providers are configured). */
  readonly demoAccounts: readonly EmbeddedAccount[];
  close(): Promise<void>;
}

export async function packageVersion(): Promise<string> {
  const text = await readFile(join(PACKAGE_ROOT, "package.json"), "utf8");
  return (JSON.parse(text) as { version: string }).version;
}

/** Whether a process runs (not a zombie left by a crash) and is a Plateau. */
async function isPlateauProcess(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
  if (stat === undefined) return true; // no /proc: trust kill(0)
  if (/^\d+ \(.*\) Z/.test(stat)) return false;
  const commandLine = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
  return commandLine.includes("plateau") || commandLine.includes("vitest") || commandLine.includes("tsx");
}

/** One Plateau per data directory: a second one would write the same repository. */
async function lock(dataDir: string): Promise<() => Promise<void>> {
  const file = join(dataDir, "plateau.pid");
  const previous = Number(await readFile(file, "utf8").catch(() => ""));
  if (previous && previous !== process.pid && (await isPlateauProcess(previous))) {
    throw new Error(`another Plateau (pid ${previous}) is running with the data directory ${dataDir}`);
  }
  await writeFile(file, String(process.pid));
  return () => rm(file, { force: true });
}

export async function startPlateau(config: Config, logger: PinoLogger): Promise<RunningPlateau> {
  const location = paths(config);
  await mkdir(config.dataDir, { recursive: true });
  const unlock = await lock(config.dataDir);
  const version = await packageVersion();

  const database = await openDatabase(location.database);
  const store = createSqlStore(database.db, systemClock);
  await initRepository({ dir: location.repository });
  const repo = createGitRepository({ dir: location.repository, clock: systemClock });
  const catalog = await createFileCatalog({ dir: location.catalog });
  const engines = new Map<string, Engine>();
  if (config.platforms.local.enabled) {
    engines.set(
      "podman",
      createPodmanEngine({
        podman: config.podman.command,
        runtimeDir: location.runtime,
        stopTimeoutSeconds: config.podman.stopTimeoutSeconds,
        startupTimeoutMs: config.podman.startupTimeoutSeconds * 1000,
        logger: logger.child({ engine: "podman" }),
      }),
    );
  }
  const metrics = createMetrics();
  // Redirect URIs and the embedded issuer need the port before listening: "any free port" is chosen now.
  const port = config.listen.port === 0 ? await freeLoopbackPort() : config.listen.port;
  const publicPort = config.publicPort ?? port;
  const publicOrigin = config.publicUrl ?? `http://localhost${publicPort === 80 ? "" : `:${publicPort}`}`;
  const identity = await setUpIdentity(config, publicOrigin, logger);
  const plateau = composePlateau(
    {
      repo,
      ...store,
      catalog,
      engines,
      clock: systemClock,
      random: cryptoRandom,
      logger,
      telemetry: metrics.telemetry,
      identityProviders: identity.providers,
    },
    {
      platforms: config.platforms.local.enabled ? [localPlatformDocument(config.platforms.local.domain)] : [],
      system: { login: "plateau", name: "Plateau", email: "plateau@localhost" },
      urlOf: ({ platform, domain, project, instance }) =>
        platform === "local"
          ? `http://${instance}.${project}.${domain}${publicPort === 80 ? "" : `:${publicPort}`}/`
          : `https://${instance}.${project}.${domain}/`,
      reconcileIntervalMs: config.reconcile.intervalSeconds * 1000,
      reconcileConcurrency: config.reconcile.concurrency,
      tenancy: config.tenancy,
      claims: compileClaimMapping(config.identity.claims),
      sessions: config.sessions,
      tokens: config.tokens,
      ...(config.platforms.local.enabled ? { proxied: { platform: "local", domain: config.platforms.local.domain } } : {}),
    },
  );
  await plateau.start({ reconcile: true });

  const findProject = (name: string) => plateau.services.projects.find(name);
  const gate = createInstanceGate({ access: plateau.services.access, findProject, publicOrigin: () => publicOrigin });
  const app = await buildApp({
    services: plateau.services,
    ...(plateau.router
      ? { proxy: createProxy(plateau.router, logger, gate, config.platforms.local.domain), proxiedDomain: config.platforms.local.domain }
      : {}),
    ...(identity.mount ? { mount: identity.mount } : {}),
    metrics,
    logger,
    publicOrigin: () => publicOrigin,
    limits: config.rateLimits,
    clock: systemClock,
    readiness: {
      repository: async () => void (await repo.head()),
      database: async () => void (await store.index.indexedCommit()),
    },
    version,
  });
  await app.listen({ host: config.listen.host, port });

  // Commits pushed by others (an operator's merge) are picked up here.
  let refreshing: Promise<void> = Promise.resolve();
  const refresh = setInterval(() => {
    refreshing = plateau.refresh().catch((error: unknown) => logger.warn({ error: (error as Error).message }, "refresh failed"));
  }, 2000);
  refresh.unref();
  // Expired sessions and one-time secrets are forgotten every few minutes.
  const purge = setInterval(() => {
    plateau.services.access.purgeExpired().catch((error: unknown) => logger.warn({ error: (error as Error).message }, "purge of expired sessions failed"));
  }, 300_000);
  purge.unref();

  const host =
    config.listen.host === "0.0.0.0" || config.listen.host === "::" ? "localhost" : config.listen.host === "127.0.0.1" ? "localhost" : config.listen.host;
  let closed = false;
  return {
    url: config.publicUrl ?? `http://${host}:${port}`,
    port,
    plateau,
    app,
    demoAccounts: identity.accounts,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(refresh);
      clearInterval(purge);
      await refreshing;
      await plateau.stop();
      await app.close();
      repo.close();
      await database.close();
      await unlock();
    },
  };
}
