// Disaster recovery's API (ADR 0034): drills (operators) and a project's recovery (its members).
import { Type } from "typebox";
import { ErrorBody, ProjectParams } from "../../contracts/api.js";
import { DrillList, DrillReport, DrillsQuery, ProjectRecovery } from "../../contracts/recovery.js";
import { NotFoundError } from "../../core/errors.js";
import type { App, ServerDeps } from "../app.js";

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 429: ErrorBody, 500: ErrorBody };
const PlatformParams = Type.Object({ platform: Type.String({ maxLength: 63 }) });

export function registerDrillRoutes(app: App, deps: ServerDeps): void {
  const { recovery, drills, drillReports } = deps.services;
  const present = <T>(service: T | undefined): T => {
    if (!service) throw new NotFoundError("feature", "recovery");
    return service;
  };

  app.post(
    "/recovery/platforms/:platform/drills",
    {
      config: { access: { kind: "operator" }, audit: "recovery-drill" },
      schema: {
        tags: ["recovery"],
        summary:
          "Run a drill now: copies of the platform's backed-up instances restored from their newest backups into a scratch project, each checked to answer, RTO and RPO measured, the copies removed; the report (stored). Podman platforms only for now (409 drill-on-cluster)",
        params: PlatformParams,
        response: { 200: DrillReport, ...errors },
      },
    },
    async (request) => {
      const report = await present(drills).run(request.params.platform, {
        progress: (line) => request.log.info({ drill: request.params.platform, instance: line.instance }, line.message),
      });
      return report;
    },
  );

  app.get(
    "/recovery/drills",
    {
      config: { access: { kind: "operator" } },
      schema: {
        tags: ["recovery"],
        summary: "Drills' reports, newest first (of one platform when given)",
        querystring: DrillsQuery,
        response: { 200: DrillList, ...errors },
      },
    },
    async (request) => ({
      drills: await present(drillReports).list({
        ...(request.query.platform !== undefined ? { platform: request.query.platform } : {}),
        limit: request.query.limit ?? 20,
      }),
    }),
  );

  app.get(
    "/projects/:project/recovery",
    {
      config: { access: { kind: "project", action: "read" } },
      schema: {
        tags: ["recovery"],
        summary: "A project's recovery: its policy and why, each instance's newest backup, its part of the latest drill, whether a drill is overdue",
        params: ProjectParams,
        response: { 200: ProjectRecovery, ...errors },
      },
    },
    async (request) => present(recovery).projectRecovery(request.params.project),
  );
}
