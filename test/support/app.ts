// The API server over a Plateau composed for tests, with people to act as. Sign-in itself
// (OpenID Connect) is tested against real providers elsewhere; here people get API tokens
// from the access service directly, as `plateau login` would give them.
import { randomUUID } from "node:crypto";
import type { InjectOptions } from "fastify";
import { sha256 } from "../../src/core/access/context.js";
import { SESSION_COOKIE } from "../../src/server/cookies.js";
import { createRouter } from "../../src/core/instances/routing.js";
import { cryptoRandom, systemClock } from "../../src/adapters/system/system.js";
import { silentLogger } from "../../src/core/ports/logger.js";
import { buildApp, type ServerDeps } from "../../src/server/app.js";
import { createMetrics } from "../../src/server/metrics.js";
import { createProxy } from "../../src/server/proxy.js";
import { createInstanceGate } from "../../src/server/instance-gate.js";
import type { UserIdentity } from "../../src/core/ports/access-store.js";
import { FULL_SCOPE, type UserPrincipal } from "../../src/core/access/principal.js";
import { memoryPlateau } from "./plateau.js";
import type { Clock } from "../../src/core/ports/clock.js";
import type { LifecycleSettings } from "../../src/core/instances/expiry.js";
import type { DesiredStateRepository } from "../../src/core/ports/desired-state-repository.js";
import type { PlatformDocument } from "../../src/core/model.js";
import type { PlateauAdapters, PlateauSettings } from "../../src/main/compose.js";
import type { AlertsRouteDeps } from "../../src/server/routes/alerts-routes.js";

export const ORIGIN = "http://localhost:8080";

/** The demo community: two labs, a member and an admin in each, an operator. */
export const PEOPLE = {
  alice: { labs: ["imb"], labAdminOf: [], operator: false, groups: ["lab:imb"] },
  ines: { labs: ["imb"], labAdminOf: ["imb"], operator: false, groups: ["lab:imb", "lab-admin:imb"] },
  bob: { labs: ["lmbp"], labAdminOf: [], operator: false, groups: ["lab:lmbp"] },
  lea: { labs: ["lmbp"], labAdminOf: ["lmbp"], operator: false, groups: ["lab:lmbp", "lab-admin:lmbp"] },
  oscar: { labs: [], labAdminOf: [], operator: true, groups: ["plateau:operators"] },
} as const;
export type Person = keyof typeof PEOPLE;

export async function memoryApp(
  options: {
    limits?: {
      signInPerMinute: number;
      tokenCreationPerMinute: number;
      launchPerMinute: number;
      bouncePerMinute?: number;
      logStreamsPerPerson?: number;
      logStreams?: number;
    };
    /** The time of the Plateau (its commits' expiries, its tokens); default: the system's. */
    clock?: Clock;
    lifecycle?: LifecycleSettings;
    /** The desired-state repository (default: in memory); a real git repository makes concurrent requests interleave as in production. */
    repo?: DesiredStateRepository;
    /** More adapters (Helm catalogs, engines of `platforms`). */
    adapters?: Partial<PlateauAdapters>;
    /** Platforms beside `local`. */
    platforms?: readonly PlatformDocument[];
    /** Quotas other than TEST_SETTINGS' (many instances in one project…). */
    tenancy?: PlateauSettings["tenancy"];
    /** More of the server's dependencies (the metrics sources…). */
    server?: Partial<ServerDeps>;
    /** The labs' alerts (receiver, report), built over the composed Plateau. */
    alerts?: (composed: Awaited<ReturnType<typeof memoryPlateau>>) => AlertsRouteDeps;
    /** Idle reclaim and notices (ADR 28). */
    reclaim?: PlateauSettings["reclaim"];
    notifications?: PlateauSettings["notifications"];
    /** As one of several replicas sharing the store (ADR 43): no principal cached, statuses kept 1 s. */
    replicated?: boolean;
  } = {},
) {
  const composed = await memoryPlateau(
    { ...(options.clock ? { clock: options.clock } : {}), ...(options.repo ? { repo: options.repo } : {}), ...options.adapters },
    options.platforms ?? [],
    {
      ...(options.lifecycle ? { lifecycle: options.lifecycle } : {}),
      ...(options.tenancy ? { tenancy: options.tenancy } : {}),
      ...(options.reclaim ? { reclaim: options.reclaim } : {}),
      ...(options.notifications ? { notifications: options.notifications } : {}),
      ...(options.replicated ? { replicated: true } : {}),
    },
  );
  const { adapters, plateau } = composed;
  const clock = options.clock ?? systemClock;
  // The proxy test writes statuses directly, as no reconciler runs: no cache to invalidate.
  const router = createRouter({
    index: adapters.index,
    statuses: adapters.statuses,
    secrets: adapters.secrets,
    catalog: adapters.catalog,
    clock,
    random: cryptoRandom,
    platform: "local",
    domain: "localhost",
    cacheMs: 0,
  });
  const access = plateau.services.access;
  const findProject = (name: string) => plateau.services.projects.find(name);
  const app = await buildApp({
    services: plateau.services,
    proxy: createProxy(
      router,
      silentLogger,
      createInstanceGate({ access, findProject, publicOrigin: () => ORIGIN, instancesOrigin: () => ORIGIN, domain: "localhost", router }),
      "localhost",
      // Short: tests of the "starting" page wait it out.
      { holdMs: 300 },
    ),
    proxiedDomain: "localhost",
    metrics: createMetrics(),
    publicOrigin: () => ORIGIN,
    limits: { signInPerMinute: 1000, tokenCreationPerMinute: 1000, launchPerMinute: 1000, bouncePerMinute: 1000, ...options.limits },
    clock,
    readiness: { repository: async () => void (await adapters.repo.head()) },
    version: "test",
    ...options.server,
    ...(options.alerts ? { alerts: options.alerts(composed) } : {}),
  });

  const principals = new Map<Person, UserPrincipal>();
  /** The person, signed up (as their first sign-in would) once. */
  async function person(who: Person): Promise<UserPrincipal> {
    const known = principals.get(who);
    if (known) return known;
    const identity: UserIdentity = { issuer: "https://idp.test", subject: `sub-${who}`, login: who, name: who, email: `${who}@example.org`, ...PEOPLE[who] };
    const user = await adapters.access.upsertUser(identity, clock.now().toISOString());
    const principal: UserPrincipal = { kind: "user", userId: user.id, ...PEOPLE[who], login: user.login, name: user.name, via: "token", scope: FULL_SCOPE };
    principals.set(who, principal);
    return principal;
  }
  const tokens = new Map<Person, string>();
  /** An unrestricted API token of the person, as `plateau login` gives. */
  async function tokenOf(who: Person): Promise<string> {
    const known = tokens.get(who);
    if (known) return known;
    const { token } = await access.createToken(await person(who), { name: "test" });
    tokens.set(who, token);
    return token;
  }
  const as = async (who: Person) => ({ authorization: `Bearer ${await tokenOf(who)}` });
  /** A browser session of the person, as a sign-in makes it: its cookie's value and its CSRF token. */
  async function browserSession(who: Person): Promise<{ id: string; cookie: string; csrf: string }> {
    const principal = await person(who);
    const id = randomUUID().replaceAll("-", "");
    const csrf = randomUUID().replaceAll("-", "");
    const now = new Date();
    await adapters.access.createSession({
      idHash: sha256(id),
      userId: principal.userId,
      csrfToken: csrf,
      provider: "test",
      idToken: null,
      createdAt: now.toISOString(),
      lastSeenAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + 3_600_000).toISOString(),
      parentHash: null,
      instanceHost: null,
    });
    return { id, cookie: `${SESSION_COOKIE}=${id}`, csrf };
  }

  // Most tests act as alice in her lab's project "demo"; `headers.authorization` overrides it.
  const aliceHeaders = await as("alice");
  const demo = await plateau.services.projects.create(
    { name: "demo", lab: "imb", title: "Demo" },
    { login: "alice", name: "alice", email: "alice@users.plateau.invalid" },
  );
  const injectAs = (options: InjectOptions) => app.inject({ ...options, headers: { ...aliceHeaders, ...(options.headers ?? {}) } });

  return { ...composed, app, router, inject: injectAs, person, tokenOf, as, browserSession, demoCommit: demo.commit };
}
