// Routes of the API. Each handler validates with the shared schemas, asks core, and answers;
// errors are mapped in one place (errors.ts).
import { Readable } from "node:stream";
import {
  ChangeResponse,
  CreateProjectBody,
  ErrorBody,
  HistoryEntry,
  HistoryQuery,
  IDEMPOTENCY_HEADER,
  Instance,
  InstanceEvent,
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
  TemplateDetail,
  TemplateSummary,
} from "../../contracts/api.js";
import { Type } from "typebox";
import type { FastifyRequest } from "fastify";
import type { App, ServerDeps } from "../app.js";

const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, 500: ErrorBody, 503: ErrorBody };
const requestId = (request: FastifyRequest): string | undefined => {
  const value = request.headers[IDEMPOTENCY_HEADER];
  return typeof value === "string" && value.length > 0 && value.length <= 200 ? value : undefined;
};

export function registerRoutes(app: App, deps: ServerDeps): void {
  const { instances, projects, platforms, catalog } = deps.services;

  app.get(
    "/templates",
    { schema: { tags: ["catalog"], summary: "List the templates of the catalog", response: { 200: List(TemplateSummary) } } },
    async () => ({ items: await catalog.list() }),
  );
  app.get(
    "/templates/:template",
    {
      schema: {
        tags: ["catalog"],
        summary: "A template, with the JSON Schema of its values",
        params: Type.Object({ template: Type.String() }),
        response: { 200: TemplateDetail, ...errors },
      },
    },
    async (request) => catalog.get(request.params.template),
  );

  app.get("/projects", { schema: { tags: ["projects"], summary: "List projects", response: { 200: List(Project) } } }, async () => ({
    items: await projects.list(),
  }));
  app.post(
    "/projects",
    { schema: { tags: ["projects"], summary: "Create a project (one commit)", body: CreateProjectBody, response: { 201: ProjectCreated, ...errors } } },
    async (request, reply) => reply.status(201).send(await projects.create({ ...request.body, requestId: requestId(request) }, deps.identify(request))),
  );
  app.get(
    "/projects/:project",
    { schema: { tags: ["projects"], summary: "A project", params: ProjectParams, response: { 200: Project, ...errors } } },
    async (request) => projects.get(request.params.project),
  );

  app.get(
    "/instances",
    {
      schema: {
        tags: ["instances"],
        summary: "List instances, with what their platform reports",
        querystring: InstanceQuery,
        response: { 200: List(Instance), ...errors },
      },
    },
    async (request) => ({ items: await instances.list(request.query) }),
  );
  app.get(
    "/projects/:project/instances",
    { schema: { tags: ["instances"], summary: "List the instances of a project", params: ProjectParams, response: { 200: List(Instance), ...errors } } },
    async (request) => ({ items: await instances.list({ project: request.params.project }) }),
  );
  app.post(
    "/projects/:project/instances",
    {
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
      const result = await instances.launch({ ...request.body, project: request.params.project, requestId: requestId(request) }, deps.identify(request));
      return reply.status(202).send(result);
    },
  );
  app.get(
    "/projects/:project/instances/:instance",
    { schema: { tags: ["instances"], summary: "An instance", params: InstanceParams, response: { 200: Instance, ...errors } } },
    async (request) => instances.get(request.params.project, request.params.instance),
  );
  app.delete(
    "/projects/:project/instances/:instance",
    {
      schema: {
        tags: ["instances"],
        summary: "Remove an instance and its data (one commit)",
        params: InstanceParams,
        response: { 202: ChangeResponse, ...errors },
      },
    },
    async (request, reply) =>
      reply.status(202).send(await instances.remove(request.params.project, request.params.instance, deps.identify(request), requestId(request))),
  );
  for (const action of ["stop", "start"] as const) {
    app.post(
      `/projects/:project/instances/:instance/${action}`,
      {
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
        reply.status(202).send(await instances[action](request.params.project, request.params.instance, deps.identify(request), requestId(request))),
    );
  }
  app.get(
    "/projects/:project/instances/:instance/status",
    {
      schema: {
        tags: ["instances"],
        summary: "What the platform reports of an instance; it outlives the instance while the platform removes it",
        params: InstanceParams,
        response: { 200: ObservedStatus, ...errors },
      },
    },
    async (request) => instances.observed(request.params.project, request.params.instance),
  );
  app.get(
    "/projects/:project/instances/:instance/events",
    {
      schema: {
        tags: ["instances"],
        summary: "What happened to an instance on its platform, oldest first",
        params: InstanceParams,
        querystring: LimitQuery,
        response: { 200: List(InstanceEvent), ...errors },
      },
    },
    async (request) => ({
      items: (await instances.events(request.params.project, request.params.instance, request.query.limit ?? 50)).map(({ at, message }) => ({ at, message })),
    }),
  );
  app.get(
    "/projects/:project/instances/:instance/history",
    {
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
    "/history",
    {
      schema: {
        tags: ["instances"],
        summary: "The commits of the desired-state repository, newest first",
        querystring: HistoryQuery,
        response: { 200: List(HistoryEntry), ...errors },
      },
    },
    async (request) => ({ items: await instances.history({ project: request.query.project }, request.query.limit ?? 50) }),
  );
  app.get(
    "/projects/:project/instances/:instance/logs",
    {
      schema: {
        tags: ["instances"],
        summary: "The logs of an instance's containers (text); follow=true streams them",
        params: InstanceParams,
        querystring: LogsQuery,
        response: { 200: { type: "string", description: "Plain text, one line per log line, prefixed by the component" }, ...errors },
      },
    },
    async (request, reply) => {
      const controller = new AbortController();
      request.raw.on("close", () => controller.abort());
      const lines = await instances.logs(request.params.project, request.params.instance, {
        follow: request.query.follow ?? false,
        tail: request.query.tail ?? 200,
        signal: controller.signal,
      });
      reply.type("text/plain; charset=utf-8").header("cache-control", "no-store").header("x-content-type-options", "nosniff");
      // A stream is sent as is (Fastify does not serialize streams); the schema documents the text.
      return reply.send(Readable.from(lines) as unknown as string);
    },
  );

  app.get(
    "/platforms",
    { schema: { tags: ["platforms"], summary: "List platforms and whether they can run instances now", response: { 200: List(Platform) } } },
    async () => ({ items: await platforms.list() }),
  );
  app.get(
    "/platforms/:platform",
    { schema: { tags: ["platforms"], summary: "A platform", params: Type.Object({ platform: Type.String() }), response: { 200: Platform, ...errors } } },
    async (request) => platforms.get(request.params.platform),
  );
}
