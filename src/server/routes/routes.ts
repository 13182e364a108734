// Routes of the API. Each handler validates with the shared schemas, asks core, and answers;
// errors are mapped in one place (errors.ts).
import { Readable } from "node:stream";
import {
  ChangeResponse,
  CommitParams,
  CreateProjectBody,
  ErrorBody,
  HistoryEntry,
  HistoryQuery,
  IDEMPOTENCY_HEADER,
  Instance,
  InstanceDiff,
  InstanceEvent,
  InstanceSecret,
  InstanceParams,
  InstanceQuery,
  LaunchBody,
  LaunchResponse,
  LimitQuery,
  List,
  LogsQuery,
  ObservedStatus,
  Platform,
  Project,
  ProjectCreated,
  ProjectParams,
  MembersBody,
  Placement,
  QuotaBody,
  QuotaReport,
  RenewBody,
  TiersBody,
  TemplateDetail,
  TemplateSummary,
  HelmChartForm,
  HelmChartList,
} from "../../contracts/api.js";
import { Type } from "typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Static } from "typebox";
import { memberView, type InstanceView } from "../../core/instances/views.js";
import { forMembers, paramsForMembers } from "../../core/status/messages.js";
import { requesterOf, type Principal } from "../../core/access/principal.js";
import { parseChartReference } from "../../core/helm/chart-reference.js";
import { personalProjectName, projectAccess, type ProjectFacts } from "../../core/access/policy.js";
import type { CatalogViewer } from "../../core/helm/service.js";
import { projectNameTaken } from "../../core/projects/service.js";
import type { App, ServerDeps } from "../app.js";
import { InputError, NotAllowedError, NotFoundError, RateLimitedError } from "../../core/errors.js";
import { createStreamLimiter } from "../../core/access/stream-limit.js";
import { userOf, visibleProjects, type RouteAccess } from "../access.js";
import { preferredLanguage, type Language } from "../../contracts/language.js";
import { shuttingDown } from "../shutdown.js";

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 429: ErrorBody, 500: ErrorBody, 503: ErrorBody };
const PUBLIC: RouteAccess = { access: { kind: "public" } };
const SIGNED_IN: RouteAccess = { access: { kind: "signed-in" } };
const READ: RouteAccess = { access: { kind: "project", action: "read" } };
const requester = (request: FastifyRequest) => requesterOf(userOf(request));
/** A project as the caller sees it: with their role and what they may do, decided by core/access/policy.ts. */
const asAllowed = <P extends ProjectFacts>(request: FastifyRequest, project: P) => ({ ...project, ...projectAccess(request.principal, project) });
const createdAsAllowed = <P extends ProjectFacts>(request: FastifyRequest, result: { project: P; commit: string | null }) => ({
  ...result,
  project: asAllowed(request, result.project),
});

/** What core returns for an instance has exactly the fields of the API's Instance: checked here, at compile time. */
type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never] ? true : false;
const instanceViewIsTheContract: SameKeys<InstanceView, Static<typeof Instance>> = true;

/**
 * Lists of instances are what clients poll. Their views are memoized by core until something
 * changes, and so is their JSON here (by the identity of the list); JSON.stringify writes
 * exactly the contract's fields, as the check above guarantees. Kept as UTF-8 bytes: a string
 * would be measured and encoded again at every answer (a list of 50 is about 40 kB).
 */
const serialized = new WeakMap<object, Buffer>();
function sendInstances(reply: FastifyReply, items: readonly InstanceView[] | InstanceView) {
  let body = serialized.get(items);
  if (body === undefined && instanceViewIsTheContract) {
    body = Buffer.from(JSON.stringify(Array.isArray(items) ? { items } : items));
    serialized.set(items, body);
  }
  return reply.type("application/json; charset=utf-8").send(body as never);
}
/**
 * What the platform says, as the requester may read it: operators everything, members a failed
 * pull without its detail (a registry's or the network's answer). Lists stay the same object
 * when nothing is hidden, so that their JSON is still made once.
 */
const operator = (request: FastifyRequest) => request.principal.kind === "user" && request.principal.operator;
const seenByMembers = new WeakMap<object, readonly InstanceView[] | InstanceView>();
function asSeenBy(request: FastifyRequest, items: readonly InstanceView[] | InstanceView): readonly InstanceView[] | InstanceView {
  if (operator(request)) return items;
  let seen = seenByMembers.get(items);
  if (seen === undefined) {
    if (Array.isArray(items)) {
      const list = items as readonly InstanceView[];
      const views = list.map(memberView);
      seen = views.every((view, i) => view === list[i]) ? items : views;
    } else {
      seen = memberView(items as InstanceView);
    }
    seenByMembers.set(items, seen);
  }
  return seen;
}
/** The answer of a change, with its instance (as it is now) as the requester may read it: no more than a read of it says. */
export function changeSeenBy<R extends { readonly instance: InstanceView | null }>(request: FastifyRequest, result: R): R {
  return result.instance === null || operator(request) ? result : { ...result, instance: memberView(result.instance) };
}
/** What a Helm catalog's restrictions read of a person; nobody signed in has no claims. */
const viewerOf = (principal: Principal): CatalogViewer =>
  principal.kind === "user"
    ? { login: principal.login, groups: principal.groups, labs: principal.labs, operator: principal.operator }
    : { login: "", groups: [], labs: [], operator: false };
/** French when the browser prefers it, as the portal does. */
const languageOf = (request: FastifyRequest): Language => preferredLanguage(request.headers["accept-language"]);
/**
 * The client's idempotency key, if it sent one: 1 to 200 visible ASCII characters (a UUID…).
 * Core scopes it to the person, the operation and its target, and publishes only a digest.
 * A key that breaks the rule is refused: ignoring it would make a retry act twice.
 */
export const requestId = (request: FastifyRequest): string | undefined => {
  const value = request.headers[IDEMPOTENCY_HEADER];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !/^[\x21-\x7e]{1,200}$/.test(value)) {
    throw InputError.field(`headers:/${IDEMPOTENCY_HEADER}`, "pattern", "must be 1 to 200 visible ASCII characters, sent once (a UUID, for example)");
  }
  return value;
};
/** The most a change's body may weigh: launches carry values (at most 128 KiB as JSON), members lists 500 entries, the rest a few fields. */
const BODY_LIMIT = { launch: 512 * 1024, members: 256 * 1024, small: 16 * 1024 } as const;

export function registerRoutes(app: App, deps: ServerDeps): void {
  const { instances, projects, platforms, catalog, charts } = deps.services;
  // Followed logs hold a connection (and a share of a follower) for as long as they are read.
  const logStreams = createStreamLimiter({ perKey: deps.limits.logStreamsPerPerson ?? 10, total: deps.limits.logStreams ?? 100 });

  app.get(
    "/templates",
    { config: PUBLIC, schema: { tags: ["catalog"], summary: "List the templates of the catalog", response: { 200: List(TemplateSummary) } } },
    async () => ({ items: await catalog.list() }),
  );
  app.get(
    "/templates/:template",
    {
      config: PUBLIC,
      schema: {
        tags: ["catalog"],
        summary: "A template, with the JSON Schema of its values",
        params: Type.Object({ template: Type.String() }),
        response: { 200: TemplateDetail, ...errors },
      },
    },
    async (request) => catalog.get(request.params.template),
  );

  app.get(
    "/charts",
    {
      config: PUBLIC,
      schema: {
        tags: ["catalog"],
        summary: "List the charts of the Helm catalogs you may see (highlighted first)",
        querystring: Type.Object({ lang: Type.Optional(Type.Union([Type.Literal("en"), Type.Literal("fr")])) }),
        response: { 200: HelmChartList },
      },
    },
    async (request) => {
      const { charts: items, unavailable } = await charts.list(viewerOf(request.principal), { lang: request.query.lang ?? languageOf(request) });
      return { items, unavailable };
    },
  );
  app.get(
    "/charts/:catalog/:chart",
    {
      config: SIGNED_IN,
      schema: {
        tags: ["catalog"],
        summary: "A chart's launch form for you: its values' JSON Schema with Onyxia's extensions resolved, render hints and defaults",
        params: Type.Object({ catalog: Type.String({ maxLength: 63 }), chart: Type.String({ maxLength: 253 }) }),
        querystring: Type.Object({
          version: Type.Optional(Type.String({ maxLength: 100 })),
          project: Type.Optional(Type.String({ maxLength: 63, description: "The project the form is for (default: your personal project)" })),
          lang: Type.Optional(Type.Union([Type.Literal("en"), Type.Literal("fr")])),
        }),
        response: { 200: HelmChartForm, ...errors },
      },
    },
    async (request) => {
      const user = userOf(request);
      const reference = parseChartReference(`${request.params.catalog}/${request.params.chart}`);
      const context = {
        login: user.login,
        project: request.query.project ?? personalProjectName(user.login),
        lang: request.query.lang ?? languageOf(request),
        randomSubdomain: "preview",
      };
      return charts.form(reference, viewerOf(user), context, request.query.version);
    },
  );

  app.get(
    "/projects",
    {
      config: SIGNED_IN,
      schema: { tags: ["projects"], summary: "List the projects you are a member of (all, for operators)", response: { 200: List(Project), ...errors } },
    },
    async (request) => {
      const all = await projects.list();
      const visible = new Set(visibleProjects(request.principal, all).map((project) => project.name));
      return { items: all.filter((project) => visible.has(project.name)).map((project) => asAllowed(request, project)) };
    },
  );
  app.post(
    "/projects",
    {
      config: { access: { kind: "project-create" }, audit: "create-project" },
      bodyLimit: BODY_LIMIT.small,
      schema: {
        tags: ["projects"],
        summary: "Create a lab project (one commit); you become its owner",
        body: CreateProjectBody,
        response: { 201: ProjectCreated, ...errors },
      },
    },
    async (request, reply) => {
      const created = createdAsAllowed(request, await projects.create({ ...request.body, requestId: requestId(request) }, requester(request)));
      // A retry answers its first commit with the project as it is now: to whoever no longer has
      // a role on it, the retry reads as the same request without a key would (ADR 9, ADR 14).
      if (!created.project.may.read) throw projectNameTaken(created.project.name);
      return reply.status(201).send(created);
    },
  );
  app.get(
    "/projects/:project",
    { config: READ, schema: { tags: ["projects"], summary: "A project", params: ProjectParams, response: { 200: Project, ...errors } } },
    async (request) => asAllowed(request, await projects.get(request.params.project)),
  );
  app.put(
    "/projects/:project/members",
    {
      config: { access: { kind: "project", action: "admin" }, audit: "set-members" },
      bodyLimit: BODY_LIMIT.members,
      schema: {
        tags: ["projects"],
        summary: "Replace the members of a project (one commit; owners only)",
        description: "Members are logins or OIDC groups, with a role: owner, editor or viewer. Logins are the only personal data written to the repository.",
        params: ProjectParams,
        body: MembersBody,
        response: { 200: ProjectCreated, ...errors },
      },
    },
    async (request) =>
      createdAsAllowed(request, await projects.setMembers(request.params.project, request.body.members, requester(request), requestId(request))),
  );
  app.get(
    "/projects/:project/quota",
    {
      config: READ,
      schema: { tags: ["projects"], summary: "Quota and usage of a project and of its lab", params: ProjectParams, response: { 200: QuotaReport, ...errors } },
    },
    async (request) => deps.services.tenancy.report(request.params.project),
  );
  app.put(
    "/projects/:project/quota",
    {
      config: { access: { kind: "project-quota" }, audit: "set-quota" },
      bodyLimit: BODY_LIMIT.small,
      schema: {
        tags: ["projects"],
        summary: "Set a project's quota (one commit; lab admins and operators)",
        params: ProjectParams,
        body: QuotaBody,
        response: { 200: ProjectCreated, ...errors },
      },
    },
    async (request) => createdAsAllowed(request, await projects.setQuota(request.params.project, request.body.quota, requester(request), requestId(request))),
  );
  app.put(
    "/projects/:project/tiers",
    {
      config: { access: { kind: "project-operator" }, audit: "set-tiers" },
      bodyLimit: BODY_LIMIT.small,
      schema: {
        tags: ["projects"],
        summary: "Set the platform tiers a project's instances may run on (one commit; operators)",
        description:
          "institutional makes a project a service kept up: placement then chooses among institutional platforms. Tiers already in force commit nothing.",
        params: ProjectParams,
        body: TiersBody,
        response: { 200: ProjectCreated, ...errors },
      },
    },
    async (request) => createdAsAllowed(request, await projects.setTiers(request.params.project, request.body.tiers, requester(request), requestId(request))),
  );

  app.get(
    "/instances",
    {
      config: SIGNED_IN,
      schema: {
        tags: ["instances"],
        summary: "List instances, with what their platform reports",
        querystring: InstanceQuery,
        response: { 200: List(Instance), ...errors },
      },
    },
    async (request, reply) => {
      const visible = visibleProjects(request.principal, await projects.list()).map((project) => project.name);
      return sendInstances(reply, asSeenBy(request, await instances.list({ ...request.query, projects: visible })));
    },
  );
  app.get(
    "/projects/:project/instances",
    {
      config: READ,
      schema: { tags: ["instances"], summary: "List the instances of a project", params: ProjectParams, response: { 200: List(Instance), ...errors } },
    },
    async (request, reply) => sendInstances(reply, asSeenBy(request, await instances.list({ project: request.params.project }))),
  );
  app.post(
    "/projects/:project/instances",
    {
      config: { access: { kind: "project", action: "write" }, audit: "launch", rateLimit: "launch" },
      bodyLimit: BODY_LIMIT.launch,
      schema: {
        tags: ["instances"],
        summary: "Launch an instance of a template (one commit); the platform runs it next",
        description: `Send an ${IDEMPOTENCY_HEADER} header to make retries safe. The answer explains the placement.`,
        params: ProjectParams,
        body: LaunchBody,
        response: { 202: LaunchResponse, ...errors },
      },
    },
    async (request, reply) => {
      const result = await instances.launch(
        { ...request.body, project: request.params.project, requestId: requestId(request), viewer: viewerOf(userOf(request)), lang: languageOf(request) },
        requester(request),
      );
      return reply.status(202).send(changeSeenBy(request, result));
    },
  );
  app.post(
    "/projects/:project/placement",
    {
      config: { access: { kind: "project", action: "write" } },
      bodyLimit: BODY_LIMIT.launch,
      schema: {
        tags: ["instances"],
        summary: "Where a launch would go and why, every platform scored or excluded with its reason; nothing is committed",
        params: ProjectParams,
        body: LaunchBody,
        response: { 200: Placement, ...errors },
      },
    },
    async (request) =>
      instances.placement(
        { ...request.body, project: request.params.project, viewer: viewerOf(userOf(request)), lang: languageOf(request) },
        requester(request),
      ),
  );
  app.get(
    "/projects/:project/instances/:instance",
    { config: READ, schema: { tags: ["instances"], summary: "An instance", params: InstanceParams, response: { 200: Instance, ...errors } } },
    async (request, reply) => sendInstances(reply, asSeenBy(request, await instances.get(request.params.project, request.params.instance))),
  );
  app.delete(
    "/projects/:project/instances/:instance",
    {
      config: { access: { kind: "project", action: "write" }, audit: "remove" },
      schema: {
        tags: ["instances"],
        summary: "Remove an instance and its data (one commit)",
        params: InstanceParams,
        response: { 202: ChangeResponse, ...errors },
      },
    },
    async (request, reply) =>
      reply.status(202).send(await instances.remove(request.params.project, request.params.instance, requester(request), requestId(request))),
  );
  for (const action of ["stop", "start"] as const) {
    app.post(
      `/projects/:project/instances/:instance/${action}`,
      {
        config: { access: { kind: "project", action: "write" }, audit: action, ...(action === "start" ? { rateLimit: "launch" as const } : {}) },
        schema: {
          tags: ["instances"],
          summary:
            action === "stop"
              ? "Stop an instance, keeping its data (one commit, none if already stopped)"
              : "Start a stopped instance (one commit, none if already running)",
          params: InstanceParams,
          response: { 202: ChangeResponse, ...errors },
        },
      },
      async (request, reply) =>
        reply
          .status(202)
          .send(changeSeenBy(request, await instances[action](request.params.project, request.params.instance, requester(request), requestId(request)))),
    );
  }
  app.post(
    "/projects/:project/instances/:instance/renew",
    {
      // Each renewal is a commit adding days: counted with launches and starts.
      config: { access: { kind: "project", action: "write" }, audit: "renew", rateLimit: "launch" },
      bodyLimit: BODY_LIMIT.small,
      schema: {
        tags: ["instances"],
        summary: "Keep a running instance longer before Plateau stops it (one commit; none for an instance that never expires)",
        description:
          "Its expiry moves `days` (default: the server's renewDays) past the current one, or past now once it has passed, never beyond maxDays from now " +
          "(asking for more is a 400 on /days; the default is shortened to the limit). A stopped instance is refused (409): starting it gives it a fresh expiry. " +
          `No body is the same as {}. Send an ${IDEMPOTENCY_HEADER} header: a renewal adds days each time, a retry must not.`,
        params: InstanceParams,
        body: RenewBody,
        response: { 202: ChangeResponse, ...errors },
      },
      // `curl -X POST …/renew` renews by the default: no body reads as an empty one.
      preValidation: async (request: FastifyRequest) => {
        request.body ??= {};
      },
    },
    async (request, reply) =>
      reply
        .status(202)
        .send(
          changeSeenBy(
            request,
            await instances.renew(request.params.project, request.params.instance, request.body ?? {}, requester(request), requestId(request)),
          ),
        ),
  );
  app.post(
    "/projects/:project/instances/:instance/move",
    {
      config: { access: { kind: "project", action: "write" }, audit: "move" },
      bodyLimit: BODY_LIMIT.small,
      schema: {
        tags: ["instances"],
        summary: "Re-place an instance on another platform (one commit); its data does not move",
        params: InstanceParams,
        body: Type.Object({ platform: Type.String({ maxLength: 63 }) }, { additionalProperties: false }),
        response: { 202: Type.Object({ ...ChangeResponse.properties, placement: Placement }), ...errors },
      },
    },
    async (request, reply) =>
      reply
        .status(202)
        .send(
          changeSeenBy(
            request,
            await instances.move(
              request.params.project,
              request.params.instance,
              request.body.platform,
              requester(request),
              requestId(request),
              viewerOf(userOf(request)),
            ),
          ),
        ),
  );
  app.get(
    "/projects/:project/instances/:instance/status",
    {
      config: READ,
      schema: {
        tags: ["instances"],
        summary: "What the platform reports of an instance; it outlives the instance while the platform removes it",
        params: InstanceParams,
        response: { 200: ObservedStatus, ...errors },
      },
    },
    async (request) => {
      const status = await instances.observed(request.params.project, request.params.instance);
      return operator(request) ? status : { ...status, reason: forMembers(status.reason), reasonParams: paramsForMembers(status.reasonParams) };
    },
  );
  app.get(
    "/projects/:project/instances/:instance/events",
    {
      config: READ,
      schema: {
        tags: ["instances"],
        summary: "What happened to an instance on its platform, oldest first",
        params: InstanceParams,
        querystring: LimitQuery,
        response: { 200: List(InstanceEvent), ...errors },
      },
    },
    async (request) => ({
      items: (await instances.events(request.params.project, request.params.instance, request.query.limit ?? 50)).map(({ at, kind, params, message }) =>
        operator(request) ? { at, kind, params, message } : { at, kind, params: paramsForMembers(params), message: forMembers(message) },
      ),
    }),
  );
  app.get(
    "/projects/:project/instances/:instance/secrets",
    {
      // Those who may change the instance read its passwords; every read is in the audit log.
      config: { access: { kind: "project", action: "write" }, audit: "secrets.read" },
      schema: {
        tags: ["instances"],
        summary: "The instance's passwords and tokens (its chart's, generated or chosen at launch); they are never in the repository",
        params: InstanceParams,
        response: { 200: List(InstanceSecret), ...errors },
      },
    },
    async (request, reply) => {
      reply.header("cache-control", "no-store");
      return { items: await instances.secrets(request.params.project, request.params.instance) };
    },
  );
  app.get(
    "/projects/:project/instances/:instance/history",
    {
      config: READ,
      schema: {
        tags: ["instances"],
        summary: "The commits that changed an instance, newest first",
        params: InstanceParams,
        querystring: LimitQuery,
        response: { 200: List(HistoryEntry), ...errors },
      },
    },
    async (request) => ({ items: await instances.history({ project: request.params.project, instance: request.params.instance }, request.query.limit ?? 50) }),
  );
  app.get(
    "/projects/:project/instances/:instance/history/:commit",
    {
      config: READ,
      schema: {
        tags: ["instances"],
        summary: "What one commit of an instance's history changed of it: a unified diff of its intent file and rendered manifests",
        description: "Commits that did not touch the instance are not found. The patch is cut after 256 KiB (truncated: true).",
        params: CommitParams,
        response: { 200: InstanceDiff, ...errors },
      },
    },
    async (request) => instances.diff(request.params.project, request.params.instance, request.params.commit),
  );
  app.get(
    "/history",
    {
      // The whole repository's history is for operators; a project's, for its members.
      config: SIGNED_IN,
      schema: {
        tags: ["instances"],
        summary: "The commits of the desired-state repository, newest first",
        querystring: HistoryQuery,
        response: { 200: List(HistoryEntry), ...errors },
      },
    },
    async (request) => {
      const principal = request.principal;
      const project = request.query.project;
      if (project === undefined) {
        if (principal.kind !== "user" || !principal.operator || principal.scope.projects !== null) {
          throw new NotAllowedError("not allowed: the whole repository's history is for platform operators; ask for a project's (?project=)");
        }
      } else if (!visibleProjects(principal, await projects.list()).some((p) => p.name === project)) {
        throw new NotFoundError("project", project);
      }
      return { items: await instances.history({ project }, request.query.limit ?? 50) };
    },
  );
  app.get(
    "/projects/:project/instances/:instance/logs",
    {
      config: READ,
      schema: {
        tags: ["instances"],
        summary: "The logs of an instance's containers (text); follow=true streams them",
        params: InstanceParams,
        querystring: LogsQuery,
        response: { 200: { type: "string", description: "Plain text, one line per log line, prefixed by the component" }, ...errors },
      },
    },
    async (request, reply) => {
      const follow = request.query.follow ?? false;
      const principal = request.principal;
      // A stopping replica opens no stream it would cut within seconds: the client retries on another.
      if (follow && deps.shutdown && !deps.shutdown.acceptsStream()) {
        reply.header("retry-after", "1");
        throw shuttingDown();
      }
      // Every read takes a slot while its answer is sent, followed or not: a read once is short
      // for a reader that keeps up, but a slow one holds a `podman logs` as long as a follower.
      const slot = logStreams.acquire(principal.kind === "user" ? `user:${principal.userId}` : `ip:${request.ip}`);
      if (!slot.allowed) {
        const why =
          slot.scope === "person"
            ? `you already read ${slot.limit} logs at once; close one, or retry`
            : `${slot.limit} logs are read on this Plateau at once; retry`;
        throw new RateLimitedError(`too many logs read at once: ${why} in ${slot.retryAfterSeconds} s`, slot.retryAfterSeconds);
      }
      const controller = new AbortController();
      const end = () => {
        controller.abort();
        slot.release();
      };
      // The answer ends (the logs end, or the client leaves): the slot is free again. A client
      // gone before the listener was attached never emits "close" again.
      reply.raw.on("close", end);
      if (reply.raw.destroyed) end();
      const lines = await instances
        .logs(request.params.project, request.params.instance, { follow, tail: request.query.tail ?? 200, signal: controller.signal })
        .catch((error: unknown) => {
          slot.release();
          throw error;
        });
      // Followed until the replica stops: then the answer ends cleanly (its last chunk), and the client follows again elsewhere.
      if (follow && deps.shutdown) {
        const forget = deps.shutdown.track({ end: () => controller.abort(), destroy: () => reply.raw.destroy() });
        reply.raw.once("close", forget);
      }
      reply.type("text/plain; charset=utf-8").header("cache-control", "no-store").header("x-content-type-options", "nosniff");
      // A stream is sent as is (Fastify does not serialize streams); the schema documents the text.
      return reply.send(Readable.from(lines) as unknown as string);
    },
  );

  app.get(
    "/platforms",
    { config: SIGNED_IN, schema: { tags: ["platforms"], summary: "List platforms and whether they can run instances now", response: { 200: List(Platform) } } },
    async () => ({ items: await platforms.list() }),
  );
  app.get(
    "/platforms/:platform",
    {
      config: SIGNED_IN,
      schema: { tags: ["platforms"], summary: "A platform", params: Type.Object({ platform: Type.String() }), response: { 200: Platform, ...errors } },
    },
    async (request) => platforms.get(request.params.platform),
  );
}
