// Usage, showback and right-sizing (docs/metrics.md): what an instance, a project, a lab and a
// platform request and use, read from each platform's metrics source; and resizing an
// instance to the advice (or to given CPU and memory), one commit through the writer.
import type { FastifyRequest } from "fastify";
import { Type } from "typebox";
import { ErrorBody, ChangeResponse, InstanceParams, LabParams, ProjectParams } from "../../contracts/api.js";
import { InstanceUsageResponse, ResizeBody, UsageQuery, UsageReport, UsageSeriesResponse } from "../../contracts/usage.js";
import { requesterOf } from "../../core/access/principal.js";
import { ConflictError, InputError, NotAllowedError } from "../../core/errors.js";
import { resizeTargetOf, type ResizeTarget } from "../../core/instances/commands/resize.js";
import { cpuQuantity, memoryQuantity } from "../../core/usage/advice.js";
import type { UsageWindow } from "../../core/usage/queries.js";
import type { UsageService } from "../../core/usage/service.js";
import type { App, ServerDeps } from "../app.js";
import { userOf } from "../access.js";
import { changeSeenBy, requestId } from "./routes.js";

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 429: ErrorBody, 500: ErrorBody, 503: ErrorBody };
const windowOf = (request: FastifyRequest): UsageWindow => ((request.query ?? {}) as { window?: UsageWindow }).window ?? "30d";

const ResizeResponse = Type.Object({
  ...ChangeResponse.properties,
  target: Type.Object(
    { cpuMillicores: Type.Optional(Type.Integer()), memoryMiB: Type.Optional(Type.Integer()) },
    { description: "What was asked, per instance" },
  ),
  advice: Type.Union([InstanceUsageResponse.properties.windows.items.properties.advice, Type.Null()], {
    description: "The 30-day advice, when it was asked for",
  }),
  dryRun: Type.Boolean(),
});

export function registerUsageRoutes(app: App, deps: ServerDeps & { readonly services: { readonly usage: UsageService } }): void {
  const { usage, instances } = deps.services;

  app.get(
    "/projects/:project/instances/:instance/usage",
    {
      config: { access: { kind: "project", action: "read" } },
      schema: {
        tags: ["usage"],
        summary: "What an instance requested and used over 1 h, 24 h, 7 d and 30 d, with the right-sizing advice of each window",
        params: InstanceParams,
        response: { 200: InstanceUsageResponse, ...errors },
      },
    },
    async (request) => usage.instance(request.params.project, request.params.instance),
  );
  app.get(
    "/projects/:project/instances/:instance/usage/series",
    {
      config: { access: { kind: "project", action: "read" } },
      schema: {
        tags: ["usage"],
        summary: "Points of an instance's CPU (cores) and memory (bytes) used and requested over a window (default 24h), for a chart",
        params: InstanceParams,
        querystring: UsageQuery,
        response: { 200: UsageSeriesResponse, ...errors },
      },
    },
    async (request) => usage.series(request.params.project, request.params.instance, ((request.query ?? {}) as { window?: UsageWindow }).window ?? "24h"),
  );
  app.get(
    "/projects/:project/usage",
    {
      config: { access: { kind: "project", action: "read" } },
      schema: {
        tags: ["usage"],
        summary: "A project's usage over a window (default 30d): its instances, efficiency, core-hours and GiB-hours, top wasters",
        params: ProjectParams,
        querystring: UsageQuery,
        response: { 200: UsageReport, ...errors },
      },
    },
    async (request) => usage.project(request.params.project, windowOf(request)),
  );
  app.get(
    "/labs/:lab/usage",
    {
      // Another lab's person gets 404 (the lab rule); a member who is not its admin, 403.
      config: { access: { kind: "lab", action: "read" } },
      schema: {
        tags: ["usage"],
        summary: "A lab's efficiency and showback over a window (default 30d), per project and instance, and its top wasters (lab admins, operators)",
        params: LabParams,
        querystring: UsageQuery,
        response: { 200: UsageReport, ...errors },
      },
    },
    async (request) => {
      const me = userOf(request);
      if (!me.operator && !me.labAdminOf.includes(request.params.lab)) throw new NotAllowedError(`the usage of lab ${request.params.lab} is for its admins`);
      return usage.lab(request.params.lab, windowOf(request));
    },
  );
  app.get(
    "/platforms/:platform/usage",
    {
      config: { access: { kind: "operator" } },
      schema: {
        tags: ["usage"],
        summary: "A platform's usage over a window (default 30d), per lab, project and instance (operators)",
        params: Type.Object({ platform: Type.String() }),
        querystring: UsageQuery,
        response: { 200: UsageReport, ...errors },
      },
    },
    async (request) => usage.platform(request.params.platform, windowOf(request)),
  );
  app.post(
    "/projects/:project/instances/:instance/resize",
    {
      config: { access: { kind: "project", action: "write" }, audit: "resize", rateLimit: "launch" },
      bodyLimit: 16 * 1024,
      schema: {
        tags: ["usage"],
        summary: "Give an instance other CPU and memory requests: the 30-day advice, or `cpu`/`memory` (one commit; none when they are those it has)",
        description:
          "Checked as a launch is, where it runs: its values, its pool, its quotas (without what it holds now), a chart's preflight. A built-in template takes the smallest " +
          "size preset that gives what is asked; a Helm chart its `resources.requests`; an instance with neither is refused (409 not-resizable). " +
          "`dryRun` says what would be asked and commits nothing.",
        params: InstanceParams,
        body: ResizeBody,
        response: { 202: ResizeResponse, ...errors },
      },
      preValidation: async (request: FastifyRequest) => {
        request.body ??= {};
      },
    },
    async (request, reply) => {
      const { project, instance } = request.params;
      const body = request.body ?? {};
      const given = body.cpu !== undefined || body.memory !== undefined;
      if (given && body.advice) throw InputError.field("/advice", "exclusive", "give advice or cpu/memory, not both");
      let target: ResizeTarget;
      let advice = null;
      let reason: string | undefined;
      if (given) {
        target = resizeTargetOf({ ...(body.cpu !== undefined ? { cpu: body.cpu } : {}), ...(body.memory !== undefined ? { memory: body.memory } : {}) });
      } else {
        const measured = await usage.instance(project, instance);
        advice = measured.windows.find((w) => w.numbers.window === "30d")?.advice ?? null;
        if (!advice)
          throw new ConflictError(`no advice for ${project}/${instance}: its platform's metrics say nothing of it running now; give cpu and memory`, {
            reason: "no-usage-advice",
            params: { instance: `${project}/${instance}` },
          });
        target = { cpuMillicores: advice.cpuMillicores, memoryMiB: advice.memoryMiB };
        reason = `Following the 30-day advice: ${cpuQuantity(advice.cpuMillicores)} CPU and ${memoryQuantity(advice.memoryMiB)} memory (95th percentile + 20 %), saving ${advice.saving.coreHoursPerMonth} core-hours a month.`;
      }
      if (body.dryRun) {
        return reply.status(202).send({ instance: null, commit: null, target, advice, dryRun: true });
      }
      const result = await instances.resize(project, instance, target, requesterOf(userOf(request)), requestId(request), reason);
      return reply.status(202).send({ ...changeSeenBy(request, result), target, advice, dryRun: false });
    },
  );
}
