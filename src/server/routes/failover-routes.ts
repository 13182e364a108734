// Disaster recovery's API (ADR 0034): failover and failback of a platform, and how each
// platform with a recovery site stands. Operators only: a failover moves every project's
// instances of a platform at once.
import { ErrorBody } from "../../contracts/api.js";
import { FailoverBody, RecoveryOverview, RecoveryPlatformParams, RecoveryReport } from "../../contracts/recovery.js";
import { requesterOf } from "../../core/access/principal.js";
import { NotFoundError } from "../../core/errors.js";
import type { App, ServerDeps } from "../app.js";
import { userOf } from "../access.js";
import { requestId } from "./routes.js";

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 429: ErrorBody, 500: ErrorBody };

export function registerFailoverRoutes(app: App, deps: ServerDeps): void {
  const recovery = () => {
    if (!deps.services.failover) throw new NotFoundError("feature", "recovery");
    return deps.services.failover;
  };
  // The report as the schema types it (arrays the service returns are read-only).
  const answer = (report: RecoveryReport): RecoveryReport => ({ ...report, items: report.items.map((item) => ({ ...item })) });

  app.get(
    "/recovery/platforms",
    {
      config: { access: { kind: "operator" } },
      schema: {
        tags: ["recovery"],
        summary: "Every platform that has a recovery site: whether it is failed over, since when, and its last report",
        response: { 200: RecoveryOverview, ...errors },
      },
    },
    async () => ({ items: (await recovery().overview()).map(answer) }),
  );

  app.get(
    "/recovery/platforms/:platform",
    {
      config: { access: { kind: "operator" } },
      schema: {
        tags: ["recovery"],
        summary: "How the platform stands: the instances a failover moved to its recovery site (backup, RPO, RTO) or a failback brought back",
        params: RecoveryPlatformParams,
        response: { 200: RecoveryReport, ...errors },
      },
    },
    async (request) => answer(await recovery().status(request.params.platform)),
  );

  app.get(
    "/recovery/platforms/:platform/failover/preview",
    {
      config: { access: { kind: "operator" } },
      schema: {
        tags: ["recovery"],
        summary: "What a failover of the platform would move now, and from which backups (nothing is changed)",
        params: RecoveryPlatformParams,
        response: { 200: RecoveryReport, ...errors },
      },
    },
    async (request) => answer(await recovery().preview(request.params.platform)),
  );

  app.post(
    "/recovery/platforms/:platform/failover",
    {
      config: { access: { kind: "operator" }, audit: "failover" },
      schema: {
        tags: ["recovery"],
        summary:
          "Fail the platform over to its recovery site: every instance that may run there moves in ONE commit, its volumes restored from its newest backup; run again (or retried with its Idempotency-Key) it commits nothing and answers the same report",
        params: RecoveryPlatformParams,
        body: FailoverBody,
        response: { 200: RecoveryReport, ...errors },
      },
    },
    async (request) => {
      const key = requestId(request);
      return answer(await recovery().failover(request.params.platform, request.body.reason, requesterOf(userOf(request)), key !== undefined ? { key } : {}));
    },
  );

  app.post(
    "/recovery/platforms/:platform/failback",
    {
      config: { access: { kind: "operator" }, audit: "failback" },
      schema: {
        tags: ["recovery"],
        summary:
          "Bring back the instances a failover moved to the recovery site: a fresh backup of each first, then ONE commit moving them back, restored from those backups",
        params: RecoveryPlatformParams,
        response: { 200: RecoveryReport, ...errors },
      },
    },
    async (request) => {
      const key = requestId(request);
      return answer(await recovery().failback(request.params.platform, requesterOf(userOf(request)), key !== undefined ? { key } : {}));
    },
  );
}
