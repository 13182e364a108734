// The labs' alerts (ADR 0029): the receiver the local platform's vmalert posts to, a lab's
// rules, and the operators' series report of a platform.
import { timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { LabAlertsBody, PlatformParams, PostedAlerts, ReceivedAlerts, SeriesReportBody, SeriesReportQuery } from "../../contracts/alerts.js";
import { ErrorBody, LabParams } from "../../contracts/api.js";
import type { AlertsService } from "../../core/alerts/service.js";
import { assertName } from "../../core/names.js";
import { NotFoundError } from "../../core/errors.js";
import type { App } from "../app.js";

export interface AlertsRouteDeps {
  readonly service: AlertsService;
  /**
   * The password vmalert presents (basic auth, user `vmalert`) when it posts alerts; absent:
   * the receiver is off (404). Generated at start-up, it only ever leaves Plateau for vmalert's file.
   */
  readonly receiverPassword?: string;
}

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 500: ErrorBody, 503: ErrorBody };

/** Where vmalert's `-notifier.url` points: vmalert adds Alertmanager's `/api/v2/alerts`. */
export const ALERTS_HOOK_PATH = "/alerts/hook";

function sameSecret(sent: string, expected: string): boolean {
  const left = Buffer.from(sent);
  const right = Buffer.from(expected);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** The password of an `Authorization: Basic` header, when its user is vmalert's. */
function basicPassword(authorization: unknown): string | undefined {
  if (typeof authorization !== "string" || !/^basic /i.test(authorization)) return undefined;
  const decoded = Buffer.from(authorization.slice("basic ".length).trim(), "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon >= 0 && decoded.slice(0, colon) === "vmalert" ? decoded.slice(colon + 1) : undefined;
}

export function registerAlertsRoutes(app: App, deps: AlertsRouteDeps | undefined): void {
  app.post(
    `${ALERTS_HOOK_PATH}/api/v2/alerts`,
    {
      // Not a person's request: the receiver checks vmalert's secret itself, before reading the body.
      config: { access: { kind: "public" } },
      schema: {
        tags: ["labs"],
        summary: "Alerts of the labs' rules, as vmalert posts them (Alertmanager API v2, basic auth): each firing becomes one notice",
        body: PostedAlerts,
        response: { 200: ReceivedAlerts, ...errors },
      },
      preValidation: async (request: FastifyRequest, reply: FastifyReply) => {
        const expected = deps?.receiverPassword;
        if (!deps || expected === undefined) throw new NotFoundError("receiver", "alerts (vmalert is not run by this Plateau)");
        const sent = basicPassword(request.headers.authorization);
        if (sent === undefined || !sameSecret(sent, expected)) {
          reply.header("www-authenticate", 'Basic realm="plateau-alerts"');
          return reply.status(401).send({ error: { code: "unauthenticated", message: "the alerts receiver needs vmalert's secret" } });
        }
      },
    },
    async (request) => deps!.service.receive(request.body),
  );

  app.get(
    "/platforms/:platform/metrics/report",
    {
      config: { access: { kind: "operator" } },
      schema: {
        tags: ["platforms"],
        summary: "What the platform's metrics hold: series per metric and label, the top producers, each lab against its series budget (operators)",
        params: PlatformParams,
        querystring: SeriesReportQuery,
        response: { 200: SeriesReportBody, ...errors },
      },
    },
    async (request) => {
      assertName("/platform", request.params.platform);
      if (!deps) throw new NotFoundError("platform", request.params.platform);
      const report = await deps.service.seriesReport(request.params.platform, request.query.top);
      return {
        ...report,
        byMetric: report.byMetric.map((count) => ({ ...count })),
        byLabel: report.byLabel.map((count) => ({ ...count })),
        topProducers: report.topProducers.map((producer) => ({ ...producer })),
        labs: report.labs.map((lab) => ({ ...lab })),
      };
    },
  );

  app.get(
    "/labs/:lab/alerts",
    {
      config: { access: { kind: "lab", action: "read" } },
      schema: {
        tags: ["labs"],
        summary: "The lab's alert rules as they apply (Plateau's, some turned off or tuned)",
        params: LabParams,
        response: { 200: LabAlertsBody, ...errors },
      },
    },
    async (request) => {
      assertName("/lab", request.params.lab);
      if (!deps) throw new NotFoundError("lab", request.params.lab);
      const view = await deps.service.labAlerts(request.params.lab);
      return { lab: view.lab, projects: [...view.projects], rules: view.rules.map((rule) => ({ ...rule })) };
    },
  );
}
