// Idle reclaim and notifications (ADR 28): the operators' (and lab admins') dry-run report, a
// person's own notices, and *keep it*.
import { ErrorBody, ChangeResponse, InstanceParams, LabParams, List } from "../../contracts/api.js";
import { MarkReadBody, MarkReadResponse, Notice, NoticeQuery, ReclaimReport, ReclaimReportQuery } from "../../contracts/reclaim.js";
import { requesterOf } from "../../core/access/principal.js";
import { NotFoundError } from "../../core/errors.js";
import type { App, ServerDeps } from "../app.js";
import { userOf } from "../access.js";
import { changeSeenBy, requestId } from "./routes.js";

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 429: ErrorBody, 500: ErrorBody };

export function registerReclaimRoutes(app: App, deps: ServerDeps): void {
  const { reclaim, notifications, instances } = deps.services;
  const mutable = (report: Awaited<ReturnType<NonNullable<typeof reclaim>["report"]>>) => ({
    ...report,
    items: [...report.items],
    platformsWithoutMetrics: [...report.platformsWithoutMetrics],
  });
  const reclaimOrNone = () => {
    if (!reclaim) throw new NotFoundError("feature", "idle reclaim");
    return reclaim;
  };

  app.get(
    "/reclaim/report",
    {
      config: { access: { kind: "operator" } },
      schema: {
        tags: ["reclaim"],
        summary: "What idle reclaim would do today to each instance (nothing is changed), and what it would free",
        querystring: ReclaimReportQuery,
        response: { 200: ReclaimReport, ...errors },
      },
    },
    async (request) => mutable(await reclaimOrNone().report(request.query.lab !== undefined ? { lab: request.query.lab } : {})),
  );

  app.get(
    "/labs/:lab/reclaim/report",
    {
      config: { access: { kind: "lab", action: "admin" } },
      schema: {
        tags: ["reclaim"],
        summary: "Idle reclaim's dry run for one lab's projects (its admins, operators)",
        params: LabParams,
        response: { 200: ReclaimReport, ...errors },
      },
    },
    async (request) => mutable(await reclaimOrNone().report({ lab: request.params.lab })),
  );

  app.post(
    "/projects/:project/instances/:instance/keep",
    {
      config: { access: { kind: "project", action: "write" }, audit: "keep" },
      schema: {
        tags: ["instances"],
        summary:
          "Keep an instance idle reclaim announced it would stop or remove: the step is cancelled and idleness counts from now (one commit; none when no step is announced)",
        params: InstanceParams,
        response: { 202: ChangeResponse, ...errors },
      },
    },
    async (request, reply) =>
      reply
        .status(202)
        .send(changeSeenBy(request, await instances.keep(request.params.project, request.params.instance, requesterOf(userOf(request)), requestId(request)))),
  );

  app.get(
    "/notifications",
    {
      config: { access: { kind: "signed-in" } },
      schema: { tags: ["notifications"], summary: "The caller's notices, newest first", querystring: NoticeQuery, response: { 200: List(Notice), ...errors } },
    },
    async (request) => ({
      items: notifications
        ? (await notifications.list(userOf(request).login, request.query.limit ?? 100)).map((notice) => ({ ...notice, params: { ...notice.params } }))
        : [],
    }),
  );

  app.post(
    "/notifications/read",
    {
      config: { access: { kind: "signed-in" } },
      schema: {
        tags: ["notifications"],
        summary: "Mark some of the caller's notices read",
        body: MarkReadBody,
        response: { 200: MarkReadResponse, ...errors },
      },
    },
    async (request) => ({ marked: notifications ? await notifications.markRead(userOf(request).login, request.body.keys) : 0 }),
  );
}
