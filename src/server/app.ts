// The HTTP server: the API under /api/v1 (with its OpenAPI description), health, metrics,
// and the reverse proxy to instances. `buildApp` does not listen: tests inject requests.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import swagger from "@fastify/swagger";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { Ajv, type ValidateFunction } from "ajv";
import { default as addFormats } from "ajv-formats";
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifySchema } from "fastify";
import { API_PREFIX, ErrorBody, Health } from "../contracts/api.js";
import type { HelmCatalogService } from "../core/helm/service.js";
import type { CatalogService } from "../core/catalog/service.js";
import type { AccessService } from "../core/access/service.js";
import type { Tenancy } from "../core/tenancy/service.js";
import type { Clock } from "../core/ports/clock.js";
import { createMemoryRateLimitStore, sharedRateLimiter } from "../core/access/rate-limit.js";
import type { RateLimitStore } from "../core/ports/rate-limit-store.js";
import { registerAccessLayer } from "./access.js";
import type { UsageService } from "../core/usage/service.js";
import { registerAccessRoutes } from "./routes/access-routes.js";
import { registerReclaimRoutes } from "./routes/reclaim-routes.js";
import { registerBucketKeyRoutes } from "./routes/bucket-key-routes.js";
import type { BucketKeys } from "../core/buckets/keys.js";
import type { VolumeBackupService } from "../core/recovery/backups.js";
import type { Reclaim } from "../core/reclaim/service.js";
import type { Notifications } from "../core/notify/service.js";
import { registerAlertsRoutes, type AlertsRouteDeps } from "./routes/alerts-routes.js";
import { registerAuthRoutes } from "./routes/auth-routes.js";
import { NotFoundError, RateLimitedError } from "../core/errors.js";
import type { InstanceService } from "../core/instances/service.js";
import type { PlatformService } from "../core/platforms/service.js";
import type { ProjectService } from "../core/projects/service.js";
import { errorBody, httpStatusOf, inputErrorFromValidation } from "./errors.js";
import type { Metrics } from "./metrics.js";
import type { Portal } from "./portal.js";
import type { Proxy } from "./proxy.js";
import { registerRoutes } from "./routes/routes.js";
import { metricsRoutes } from "./routes/metrics-routes.js";
import type { MetricsSources } from "../core/ports/metrics-sources.js";
import { registerTenantMetrics, type TenantMetrics } from "./tenant-metrics.js";
import { registerUsageRoutes } from "./routes/usage-routes.js";
import { registerBucketRoutes } from "./routes/bucket-routes.js";
import { registerBackupRoutes } from "./routes/backup-routes.js";
import { registerDrillRoutes } from "./routes/drill-routes.js";
import type { Drills } from "../core/recovery/drill.js";
import type { RecoveryViews } from "../core/recovery/recovery-view.js";
import type { DrillReports } from "../core/ports/drill-reports.js";
import { registerFailoverRoutes } from "./routes/failover-routes.js";
import type { BucketService } from "../core/buckets/service.js";
import type { FailoverService } from "../core/recovery/failover-service.js";
import { refusedUpgrade, type Shutdown } from "./shutdown.js";

export interface ServerDeps {
  readonly services: {
    readonly instances: InstanceService;
    readonly projects: ProjectService;
    readonly platforms: PlatformService;
    readonly catalog: CatalogService;
    readonly charts: HelmCatalogService;
    readonly tenancy: Tenancy;
    readonly access: AccessService;
    /** Idle reclaim and notifications (ADR 28), when configured. */
    readonly reclaim?: Reclaim;
    readonly notifications?: Pick<Notifications, "list" | "markRead">;
    readonly usage: UsageService;
    /** Buckets as desired state (ADR 0030). */
    readonly buckets?: BucketService;
    /** Temporary S3 credentials and key rotation (ADR 0030), when object storages are configured. */
    readonly bucketKeys?: BucketKeys;
    /** Plateau's own backups of podman volumes (ADR 0034), when this Plateau takes any. */
    readonly volumeBackups?: Pick<VolumeBackupService, "list" | "backupNow">;
    /** Failover and failback (ADR 0034, 0037). */
    readonly failover?: FailoverService;
    /** Drills and a project's recovery view (ADR 0034). */
    readonly recovery?: RecoveryViews;
    readonly drills?: Drills;
    readonly drillReports?: DrillReports;
  };
  readonly proxy?: Proxy;
  /** The embedded identity provider, mounted before Fastify routes anything (it reads its own bodies). */
  readonly mount?: { handles(url: string): boolean; handle(req: IncomingMessage, res: ServerResponse): void };
  readonly metrics: Metrics;
  /** Per-tenant series at `/metrics/tenants`, behind the scrape token; more collectors are added to its list (absent: no such route). */
  readonly tenantMetrics?: TenantMetrics;
  readonly logger?: FastifyBaseLogger;
  /** The origin people use (`https://plateau.example.org`); known once listening. */
  readonly publicOrigin: () => string;
  /** The domain of the instances the local proxy serves, if any. */
  readonly proxiedDomain?: string;
  readonly limits: {
    readonly signInPerMinute: number;
    readonly tokenCreationPerMinute: number;
    readonly launchPerMinute: number;
    readonly bouncePerMinute: number;
    /** Followed logs open at once, per person and in all (defaults 10 and 100). */
    readonly logStreamsPerPerson?: number;
    readonly logStreams?: number;
  };
  /** Where the rate limits' buckets live: the database's, shared by the replicas (ADR 0043); default this process's memory. */
  readonly rateLimits?: RateLimitStore;
  readonly clock: Clock;
  /** Whether requests come through a trusted front that sets X-Forwarded-For. */
  readonly trustProxy?: boolean;
  /** Readiness checks: each returns "ok" or throws. */
  readonly readiness: Record<string, () => Promise<void>>;
  /** What is worth knowing without making Plateau unready (a remote that cannot be pushed to): a problem, or undefined. */
  readonly warnings?: Record<string, () => string | undefined>;
  /** Several replicas (ADR 40): this one's name and whether it leads, said by /readyz. */
  readonly replica?: () => { readonly id: string; readonly role: "leader" | "follower" };
  /** The portal's pages and files (absent when the portal was not built: the API still serves). */
  readonly portal?: Portal;
  /** The desired-state repository served read-only over git's smart HTTP (`/git/desired-state.git/…`), for Argo CDs to clone. */
  readonly gitHttp?: (req: IncomingMessage, res: ServerResponse, pathInRepo: string) => void;
  /** The forge's webhook (`POST /api/v1/hooks/git`): verifies the signature, then reads the remote now. */
  readonly gitHooks?: GitHooks;
  readonly version: string;
  /** The metrics sources of the repository's platforms (`spec.metrics`), read through the Prometheus-compatible API with tenancy. */
  readonly metricsSources?: MetricsSources;
  /** The labs' alerts: vmalert's receiver, the lab's rules, the operators' series report (ADR 0029). */
  readonly alerts?: AlertsRouteDeps;
  /** The drain when the replica stops (ADR 0042): readiness false, connections closed, streams ended. */
  readonly shutdown?: Shutdown;
}

export interface GitHooks {
  verify(headers: IncomingMessage["headers"], body: Buffer): { ok: true; provider: string; event: string } | { ok: false; reason: string };
  /** Starts reading the remote (the answer does not wait for it). */
  sync(): void;
}

/** Where the desired-state repository is served (read-only). */
export const GIT_HTTP_PREFIX = "/git/desired-state.git/";

/** The API answers JSON only: nothing in it may run, frame or load anything. */
const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/** Headers every answer carries, Plateau's own and the proxy's (instances' pages may add their own CSP). */
function setBaselineHeaders(res: ServerResponse): void {
  res.setHeader("strict-transport-security", "max-age=31536000; includeSubDomains");
  res.setHeader("x-content-type-options", "nosniff");
  res.setHeader("referrer-policy", "strict-origin-when-cross-origin");
}

/** Bodies parsed from a form (application/x-www-form-urlencoded): text only, coerced like a query string. */
const formBodies = new WeakSet<object>();

/**
 * Request validators. Unknown fields are refused, not silently dropped (no mass assignment).
 * Query strings, path parameters and form fields are text: coerced to the schema's types
 * (`?limit=5`). JSON bodies are not: `true` or `["a"]` for a string is a 400, not "true"/"a".
 */
function validatorCompiler(): (route: { schema: FastifySchema; httpPart?: string }) => ValidateFunction {
  const options = { removeAdditional: false, allErrors: true, useDefaults: true, addUsedSchema: false } as const;
  const strict = new Ajv({ ...options, coerceTypes: false });
  const coercing = new Ajv({ ...options, coerceTypes: "array" });
  addFormats.default(strict);
  addFormats.default(coercing);
  return ({ schema, httpPart }) => {
    if (httpPart !== "body") return coercing.compile(schema as object);
    const json = strict.compile(schema as object);
    const form = coercing.compile(schema as object);
    const validate = ((data: unknown) => {
      const chosen = typeof data === "object" && data !== null && formBodies.has(data) ? form : json;
      const valid = chosen(data);
      validate.errors = chosen.errors;
      return valid;
    }) as ValidateFunction;
    return validate;
  };
}

export type App = FastifyInstance<ReturnType<typeof createServer>, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;

export async function buildApp(deps: ServerDeps): Promise<App> {
  const app = Fastify({
    loggerInstance: deps.logger,
    // One line per request would drown the log; metrics count requests instead.
    logController: new LogController({ disableRequestLogging: true }),
    // Requests log through the server's logger itself: a child logger per request costs more than the request.
    childLoggerFactory: (logger) => logger,
    trustProxy: deps.trustProxy ?? false,
    // Requests for an instance's host go to the proxy before Fastify routes anything.
    serverFactory: (handler) => {
      const server = createServer((req, res) => {
        setBaselineHeaders(res);
        // A stopping replica closes each connection after its answer, and refuses what it can no longer finish.
        if (deps.shutdown && !deps.shutdown.admit(req, res)) return;
        const proxy = deps.proxy;
        if (proxy?.serves(req.headers.host ?? "")) {
          proxy.handle(req, res).then(
            (handled) => handled || handler(req, res),
            (error: unknown) => {
              deps.logger?.error({ error: (error as Error).message }, "proxy failed");
              if (!res.headersSent) res.writeHead(500).end();
            },
          );
          return;
        }
        // Plateau's own answers; its pages set a CSP of their own, which takes precedence.
        res.setHeader("content-security-policy", API_CSP);
        if (deps.mount?.handles(req.url ?? "")) return deps.mount.handle(req, res);
        // git's own protocol (streamed bodies, its own content types): never through Fastify's parsers.
        if (deps.gitHttp && req.url?.startsWith(GIT_HTTP_PREFIX)) return deps.gitHttp(req, res, (req.url.split("?")[0] ?? "").slice(GIT_HTTP_PREFIX.length));
        if (deps.portal?.handle(req, res)) return;
        handler(req, res);
      });
      server.on("upgrade", (req: IncomingMessage, socket, head: Buffer) => {
        const proxy = deps.proxy;
        if (!proxy) return socket.destroy();
        // A WebSocket opened now would be cut within seconds: the client opens it on another replica.
        if (deps.shutdown && !deps.shutdown.acceptsStream()) return void socket.end(refusedUpgrade());
        proxy.upgrade(req, socket, head).then(
          (handled) => handled || socket.end("HTTP/1.1 404 Not Found\r\nconnection: close\r\n\r\n"),
          () => socket.destroy(),
        );
      });
      return server;
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler());

  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Plateau API",
        version: deps.version,
        description:
          "Self-service platform for research labs: catalog, projects, instances and platforms. Every change is one commit in the desired-state repository.",
      },
      tags: [{ name: "catalog" }, { name: "projects" }, { name: "instances" }, { name: "platforms" }, { name: "labs" }, { name: "access" }, { name: "system" }],
      components: {
        securitySchemes: {
          token: { type: "http", scheme: "bearer", description: "An API token (plt_…): plateau login, or POST /api/v1/tokens" },
          session: {
            type: "apiKey",
            in: "cookie",
            name: "__Host-plateau-session",
            description: "A browser session; changes also need the x-csrf-token header",
          },
        },
      },
      security: [{ token: [] }, { session: [] }],
    },
  });

  // Pages' forms post urlencoded fields; 16 kB is plenty for them.
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string", bodyLimit: 16_384 }, (_request, body, done) => {
    const fields = Object.fromEntries(new URLSearchParams(body as string));
    formBodies.add(fields);
    done(null, fields);
  });

  const buckets = deps.rateLimits ?? createMemoryRateLimitStore({ clock: deps.clock });
  const limiter = (scope: string, perMinute: number) => sharedRateLimiter(buckets, scope, { capacity: perMinute, refillPerMinute: perMinute });
  registerAccessLayer(app as unknown as FastifyInstance, {
    access: deps.services.access,
    findProject: (name) => deps.services.projects.find(name),
    limiters: {
      "sign-in": limiter("sign-in", deps.limits.signInPerMinute),
      token: limiter("token", deps.limits.tokenCreationPerMinute),
      launch: limiter("launch", deps.limits.launchPerMinute),
      bounce: limiter("bounce", deps.limits.bouncePerMinute),
    },
    publicOrigin: deps.publicOrigin,
  });

  // Each route observes its own requests, its template bound once (Fastify builds a request's
  // route options anew at each read); a callback hook, not an async one. Unmatched requests are
  // observed by the not-found handler.
  app.addHook("onRoute", (route) => {
    const template = route.url;
    const observe = (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      deps.metrics.observeRequest(request.method, template, reply.statusCode, reply.elapsedTime / 1000);
      done();
    };
    route.onResponse = [observe, ...(Array.isArray(route.onResponse) ? route.onResponse : route.onResponse ? [route.onResponse] : [])];
  });

  app.setErrorHandler((error: Error & { validation?: unknown[]; validationContext?: string; statusCode?: number }, request, reply) => {
    if (error.validation) {
      const input = inputErrorFromValidation(error.validation as Parameters<typeof inputErrorFromValidation>[0], error.validationContext);
      return reply.status(400).send(errorBody(input));
    }
    const status = httpStatusOf(error);
    if (error instanceof RateLimitedError) reply.header("retry-after", String(error.retryAfterSeconds));
    if (status === 500 && error.statusCode && error.statusCode < 500) {
      // Fastify's own client errors (malformed JSON, wrong content type, body too large).
      return reply.status(error.statusCode).send({ error: { code: "input", message: error.message } });
    }
    if (status >= 500) request.log.error({ err: error, url: request.url }, "request failed");
    return reply.status(status).send(errorBody(error));
  });
  app.setNotFoundHandler((request, reply) => {
    reply.raw.once("finish", () => deps.metrics.observeRequest(request.method, "unmatched", reply.statusCode, reply.elapsedTime / 1000));
    return reply.status(404).send({ error: { code: "not-found", message: `no route ${request.method} ${request.url.split("?")[0]}` } });
  });

  app.get(
    "/healthz",
    { config: { access: { kind: "public" } }, schema: { tags: ["system"], summary: "The process is alive", response: { 200: Health } } },
    async () => ({ status: "ok" }),
  );
  app.get(
    "/readyz",
    {
      config: { access: { kind: "public" } },
      schema: {
        tags: ["system"],
        summary:
          "The repository and the database answer (503 otherwise); `degraded` when commits cannot reach the remote; `stopping` (503) once the server is told to stop",
        response: { 200: Health, 503: Health },
      },
    },
    async (_request, reply) => {
      // Told to stop: out of the load balancers at once, whatever else holds (/healthz stays 200).
      const stopping = deps.shutdown?.readiness();
      if (stopping) return reply.status(503).send({ status: "stopping", checks: { shutdown: stopping } });
      const checks: Record<string, string> = {};
      let ready = true;
      let degraded = false;
      for (const [name, check] of Object.entries(deps.readiness)) {
        try {
          await check();
          checks[name] = "ok";
        } catch (error) {
          ready = false;
          checks[name] = (error as Error).message;
        }
      }
      // Plateau still takes requests (commits wait locally): said, without taking it out of service.
      for (const [name, warning] of Object.entries(deps.warnings ?? {})) {
        const problem = warning();
        checks[name] = problem ?? "ok";
        if (problem) degraded = true;
      }
      return reply
        .status(ready ? 200 : 503)
        .send({ status: !ready ? "not ready" : degraded ? "degraded" : "ok", checks, ...(deps.replica ? { replica: deps.replica() } : {}) });
    },
  );
  app.get("/metrics", { config: { access: { kind: "public" } }, schema: { hide: true } }, async (_request, reply) => {
    reply.type(deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });
  if (deps.tenantMetrics) registerTenantMetrics(app as unknown as FastifyInstance, deps.tenantMetrics, deps.logger);
  app.get(`${API_PREFIX}/openapi.json`, { config: { access: { kind: "public" } }, schema: { hide: true } }, async () => app.swagger());

  await app.register(
    async (api) => {
      registerRoutes(api as unknown as App, deps);
      registerAccessRoutes(api as unknown as App, deps);
      registerReclaimRoutes(api as unknown as App, deps);
      registerAlertsRoutes(api as unknown as App, deps.alerts);
      registerUsageRoutes(api as unknown as App, deps);
      registerBucketRoutes(api as unknown as App, deps);
      registerBucketKeyRoutes(api as unknown as App, deps);
      registerBackupRoutes(api as unknown as App, deps);
      registerFailoverRoutes(api as unknown as App, deps);
      registerDrillRoutes(api as unknown as App, deps);
    },
    { prefix: API_PREFIX },
  );
  registerAuthRoutes(app, deps);
  await app.register(metricsRoutes(deps), { prefix: `${API_PREFIX}/metrics` });
  await app.register(
    async (scope) => {
      // The signature is over the exact bytes the forge sent: the body is kept raw, whatever its type.
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: 5 * 1024 * 1024 }, (_request, body, done) => done(null, body));
      scope.post(
        "/hooks/git",
        {
          config: { access: { kind: "public" } },
          schema: {
            tags: ["system"],
            summary: "The forge says the desired-state repository changed (GitLab, GitHub, Gitea or Forgejo webhook, signed); Plateau reads it now",
            response: { 202: Health, 401: ErrorBody, 404: ErrorBody },
          },
        },
        async (request, reply) => {
          const hooks = deps.gitHooks;
          if (!hooks) throw new NotFoundError("webhook", "git (the desired-state repository has no remote with a webhook secret)");
          const verdict = hooks.verify(request.headers, Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0));
          if (!verdict.ok) return reply.status(401).send({ error: { code: "unauthenticated", message: `webhook refused: ${verdict.reason}` } });
          hooks.sync();
          return reply.status(202).send({ status: "accepted", checks: { provider: verdict.provider, event: verdict.event } });
        },
      );
    },
    { prefix: API_PREFIX },
  );
  return app;
}
