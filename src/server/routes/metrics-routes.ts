// The Prometheus query API, with tenancy: a lab's Grafana uses Plateau as a Prometheus data
// source (URL `https://plateau.example.org/api/v1/metrics`, an API token as bearer) and reads
// the series of the projects its person may see, never others' (ADR 25). Each query is
// rewritten so that every selector carries the caller's matcher (core/metrics/scope.ts), and
// the source gets the same matcher as VictoriaMetrics' `extra_filters[]`. Answers and errors
// are exactly the Prometheus API's JSON, which Grafana reads.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { isPlateauError, type ErrorCode } from "../../core/errors.js";
import { InputError } from "../../core/errors.js";
import { choosePlatform, parseDuration, parseTime, rangeOf } from "../../core/metrics/requests.js";
import { scopeFilters, scopeQuery, scopeSelectors } from "../../core/metrics/scope.js";
import { metricsScopeOf } from "../../core/metrics/visibility.js";
import type { TimeBounds } from "../../core/ports/metrics-source.js";
import type { RouteAccess } from "../access.js";
import type { ServerDeps } from "../app.js";

/** Signed-in people (sessions or API tokens); what they read is their scope's. */
const SIGNED_IN: RouteAccess = { access: { kind: "signed-in" } };

/** Parameters that VictoriaMetrics reads as tenancy (`extra_filters[]` ORs several, `extra_label` replaces matchers): Plateau's own, never a client's. */
const RESERVED = /^extra_(filters|label)/;
/** Parameters that may repeat; every other one is given once. */
const REPEATED = new Set(["match[]"]);
/** A form body holds a query (at most 10 kB) and selectors: this is plenty. */
const FORM_LIMIT = 65_536;
/** A label name as Prometheus 2 and VictoriaMetrics write them. */
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A form body, read keeping repeated fields (`match[]`), which the API's own form parser folds into one. */
interface FormBody {
  readonly fields: readonly [string, string][];
}

const ERROR_TYPES: Record<ErrorCode, { status: number; type: string }> = {
  input: { status: 400, type: "bad_data" },
  "not-found": { status: 404, type: "not_found" },
  conflict: { status: 409, type: "bad_data" },
  "not-allowed": { status: 403, type: "forbidden" },
  "quota-exceeded": { status: 403, type: "forbidden" },
  unavailable: { status: 503, type: "unavailable" },
  "rate-limited": { status: 429, type: "too_many_requests" },
  unauthenticated: { status: 401, type: "unauthorized" },
};

/** What one request asks: each parameter's values, from the URL or the form body — never both. */
type Params = ReadonlyMap<string, readonly string[]>;

function paramsOf(request: FastifyRequest): Params {
  const url = request.raw.url ?? "";
  const fromUrl = [...new URLSearchParams(url.includes("?") ? url.slice(url.indexOf("?") + 1) : "").entries()];
  const body = request.body as FormBody | undefined;
  const fromBody = body && Array.isArray(body.fields) ? body.fields : [];
  const params = new Map<string, string[]>();
  const urlNames = new Set(fromUrl.map(([name]) => name));
  for (const [name] of fromBody) {
    // Which one would be read is a guess two servers may make differently: neither is.
    if (urlNames.has(name)) throw InputError.field(`/${name}`, "one-place", "is given both in the URL and in the body; give it once");
  }
  for (const [name, value] of [...fromUrl, ...fromBody]) {
    if (RESERVED.test(name)) throw InputError.field(`/${name}`, "reserved", "is set by Plateau from what you may read; a client may not send it");
    const values = params.get(name) ?? [];
    if (values.length > 0 && !REPEATED.has(name)) throw InputError.field(`/${name}`, "once", "is given more than once");
    params.set(name, [...values, value]);
  }
  return params;
}

const one = (params: Params, name: string): string | undefined => params.get(name)?.[0];
function required(params: Params, name: string): string {
  const value = one(params, name);
  if (value === undefined || value === "") throw InputError.field(`/${name}`, "required", "is required");
  return value;
}
function boundsOf(params: Params): TimeBounds {
  const start = one(params, "start");
  const end = one(params, "end");
  return { ...(start ? { start: parseTime("start", start) } : {}), ...(end ? { end: parseTime("end", end) } : {}) };
}

export function metricsRoutes(deps: ServerDeps) {
  return async function registerMetricsRoutes(app: FastifyInstance): Promise<void> {
    app.removeContentTypeParser("application/x-www-form-urlencoded");
    app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string", bodyLimit: FORM_LIMIT }, (_request, body, done) => {
      done(null, { fields: [...new URLSearchParams(body as string).entries()] } satisfies FormBody);
    });

    // The handlers' errors as the Prometheus API writes them: Grafana shows `error`. Those of the
    // access layer (401, a missing CSRF header) keep Plateau's one shape, as on every route.
    const answer = (handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>) =>
      async function prometheusAnswer(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
        try {
          return await handler(request, reply);
        } catch (error) {
          if (!isPlateauError(error)) throw error;
          const { status, type } = ERROR_TYPES[error.code];
          return reply.status(status).header("cache-control", "no-store").send({ status: "error", errorType: type, error: error.message });
        }
      };

    /** The platform's metrics, the caller's scope, and the parameters of the request. */
    async function context(request: FastifyRequest) {
      const params = paramsOf(request);
      const inPath = (request.params as { platform?: string }).platform;
      const named = one(params, "platform");
      if (inPath !== undefined && named !== undefined) throw InputError.field("/platform", "one-place", "is in the path already");
      const metrics = choosePlatform(inPath ?? named, (await deps.metricsSources?.platforms()) ?? []);
      const scope = metricsScopeOf(request.principal, await deps.services.projects.list());
      const filters = scopeFilters(scope, metrics.namespaceLabel);
      return { params, metrics, scope, options: { extraFilters: filters } };
    }
    const success = (reply: FastifyReply, data: unknown) => reply.header("cache-control", "no-store").send({ status: "success", data });

    const bases = ["", "/api/v1", "/platforms/:platform/api/v1"];
    const both = (path: string, summary: string, handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>) => {
      for (const base of bases) {
        // The Prometheus paths under the data source URL are aliases: shown once in the API's description.
        const schema = { tags: ["metrics"], summary, hide: base !== "" };
        app.get(`${base}${path}`, { config: SIGNED_IN, schema }, answer(handler));
        app.post(`${base}${path}`, { config: SIGNED_IN, schema: { ...schema, hide: true } }, answer(handler));
      }
    };

    both("/query", "An instant PromQL query over the series of your projects (Prometheus API)", async (request, reply) => {
      const { params, metrics, scope, options } = await context(request);
      const query = scopeQuery(required(params, "query"), scope, metrics.namespaceLabel);
      const time = one(params, "time");
      return success(reply, await metrics.source.query(query, time ? parseTime("time", time) : undefined, options));
    });
    both("/query_range", "A PromQL query over a time range, over the series of your projects (Prometheus API)", async (request, reply) => {
      const { params, metrics, scope, options } = await context(request);
      const query = scopeQuery(required(params, "query"), scope, metrics.namespaceLabel);
      const range = rangeOf(
        parseTime("start", required(params, "start")),
        parseTime("end", required(params, "end")),
        parseDuration("step", required(params, "step")),
      );
      return success(reply, await metrics.source.queryRange(query, range, options));
    });
    both("/series", "The series of your projects that match selectors (Prometheus API)", async (request, reply) => {
      const { params, metrics, scope, options } = await context(request);
      const match = scopeSelectors(params.get("match[]") ?? [], scope, metrics.namespaceLabel);
      return success(reply, await metrics.source.series(match, boundsOf(params), options));
    });
    both("/labels", "The label names of your projects' series (Prometheus API)", async (request, reply) => {
      const { params, metrics, scope, options } = await context(request);
      const match = scopeSelectors(params.get("match[]") ?? [], scope, metrics.namespaceLabel);
      return success(reply, await metrics.source.labels(match, boundsOf(params), options));
    });
    both("/label/:name/values", "The values of a label in your projects' series (Prometheus API)", async (request, reply) => {
      const { name } = request.params as { name: string };
      if (!LABEL_NAME.test(name)) throw InputError.field("/name", "label-name", "is not a label name");
      const { params, metrics, scope, options } = await context(request);
      const match = scopeSelectors(params.get("match[]") ?? [], scope, metrics.namespaceLabel);
      return success(reply, await metrics.source.labelValues(name, match, boundsOf(params), options));
    });
    // Grafana asks which Prometheus it talks to (the version of the API VictoriaMetrics also
    // claims), and for metrics' metadata and exemplars, which VictoriaMetrics 1.79 does not keep:
    // empty answers, rather than errors in Grafana's query editor.
    for (const base of bases.slice(1)) {
      const hidden = { config: SIGNED_IN, schema: { hide: true } };
      app.get(`${base}/status/buildinfo`, hidden, async (_request, reply) =>
        success(reply, { version: "2.24.0", revision: "", branch: "", buildUser: "", buildDate: "", goVersion: "" }),
      );
      app.get(`${base}/metadata`, hidden, async (_request, reply) => success(reply, {}));
      for (const method of ["GET", "POST"] as const)
        app.route({ method, url: `${base}/query_exemplars`, ...hidden, handler: async (_request, reply) => success(reply, []) });
    }
  };
}
