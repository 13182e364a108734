// A fake Argo CD API server for tests of the Argo CD client and engine, held to Argo CD's own
// API description (schemas/argocd/swagger.json):
// - every request must name a path of the description, with a method and query parameters it
//   declares for that operation (of the right type), and carry the expected bearer token;
// - every JSON answer (Applications, lists, versions, errors, each message of a log stream) is
//   validated against the operation's response schema before it is sent, so fixtures are
//   known to be shaped as Argo CD shapes them. Objects of the description list all their
//   fields (it is generated from Go structs), so a field it does not list is refused too: a
//   typo in a fixture fails instead of being silently ignored by the client.
// Anything refused is recorded in `violations` (tests assert it stays empty) and answered with
// an error, so that a client that swallows errors still fails its test.
// Behaviours that matter to Plateau are Argo CD's (server/application/application.go):
// filtering by label selector, projects and namespace; 404 for a missing Application only when
// a project is given (403 otherwise); `/api/version` answering everyone, in full only to a
// signed-in caller; the GitHub webhook checking `X-Hub-Signature-256` when a secret is set.
import { createHmac, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import { default as addFormats } from "ajv-formats";

type Json = Record<string, unknown>;

interface SwaggerParameter {
  readonly name: string;
  readonly in: "query" | "path" | "body" | "header";
  readonly type?: string;
  readonly format?: string;
  readonly items?: { readonly type?: string };
  readonly required?: boolean;
}
interface SwaggerOperation {
  readonly operationId: string;
  readonly parameters?: readonly SwaggerParameter[];
  readonly responses: Readonly<Record<string, { readonly schema?: Json }>>;
}
interface Swagger {
  readonly paths: Readonly<Record<string, Readonly<Record<string, SwaggerOperation>>>>;
  readonly definitions: Readonly<Record<string, Json>>;
}

export const SWAGGER_PATH = join(import.meta.dirname, "..", "..", "schemas", "argocd", "swagger.json");
const DEFINITIONS_ID = "argocd-swagger-definitions";

/**
 * A copy of a schema in which objects that list their properties refuse others. Kept open:
 * maps (they declare `additionalProperties`) and the parts of `allOf` (closing each would
 * refuse the others' fields).
 */
function closeObjects(schema: unknown, insideAllOf = false): unknown {
  if (Array.isArray(schema)) return schema.map((item) => closeObjects(item, insideAllOf));
  if (typeof schema !== "object" || schema === null) return schema;
  const copy: Json = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "properties" && typeof value === "object" && value !== null) {
      copy.properties = Object.fromEntries(Object.entries(value).map(([name, property]) => [name, closeObjects(property)]));
    } else if (key === "allOf") copy.allOf = closeObjects(value, true);
    else if (key === "$ref" && typeof value === "string" && value.startsWith("#/definitions/")) copy.$ref = `${DEFINITIONS_ID}${value}`;
    else copy[key] = closeObjects(value);
  }
  const object = copy as { properties?: unknown; additionalProperties?: unknown; allOf?: unknown };
  if (object.properties && object.additionalProperties === undefined && object.allOf === undefined && !insideAllOf) copy.additionalProperties = false;
  return copy;
}

/** Definitions used as a part of an `allOf` (v1alpha1ResourceRef in v1alpha1ResourceNode) stay open. */
function openedByAllOf(swagger: Swagger): Set<string> {
  const names = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (typeof value === "object" && value !== null) {
      for (const [key, item] of Object.entries(value)) {
        if (key === "allOf" && Array.isArray(item)) {
          for (const part of item) {
            const ref = (part as { $ref?: unknown }).$ref;
            if (typeof ref === "string") names.add(ref.replace("#/definitions/", ""));
          }
        }
        visit(item);
      }
    }
  };
  visit(swagger.definitions);
  return names;
}

interface Compiled {
  readonly swagger: Swagger;
  readonly ajv: Ajv;
  readonly validators: Map<string, ValidateFunction>;
}
let compiled: Compiled | undefined;

function swaggerSchemas(): Compiled {
  if (compiled) return compiled;
  const swagger = JSON.parse(readFileSync(SWAGGER_PATH, "utf8")) as Swagger;
  const open = openedByAllOf(swagger);
  const definitions = Object.fromEntries(
    Object.entries(swagger.definitions).map(([name, schema]) => [name, open.has(name) ? closeObjects(schema, true) : closeObjects(schema)]),
  );
  // The description's keywords (`title`, `collectionFormat`…) are not ajv's: strict off.
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true, code: { optimize: false } });
  addFormats.default(ajv, ["int32", "int64", "date-time", "byte"]);
  ajv.addSchema({ $id: DEFINITIONS_ID, definitions });
  compiled = { swagger, ajv, validators: new Map() };
  return compiled;
}

/** The validator of a schema of the description (a response's), compiled once. */
function validatorOf(key: string, schema: Json): ValidateFunction {
  const { ajv, validators } = swaggerSchemas();
  let validate = validators.get(key);
  if (!validate) {
    validate = ajv.compile(closeObjects(schema) as Json);
    validators.set(key, validate);
  }
  return validate;
}

const definitionValidator = (name: string): ValidateFunction => validatorOf(`#/definitions/${name}`, { $ref: `#/definitions/${name}` });

const describeErrors = (validate: ValidateFunction): string =>
  (validate.errors ?? [])
    .slice(0, 5)
    .map(
      (error) =>
        `${error.instancePath || "/"} ${error.message ?? error.keyword}${error.params && "additionalProperty" in error.params ? ` (${String(error.params.additionalProperty)})` : ""}`,
    )
    .join("; ");

/** Throws when a value is not a valid instance of a definition of the description. */
export function assertSwaggerShape(definition: string, value: unknown): void {
  const validate = definitionValidator(definition);
  if (!validate(value)) throw new Error(`not a valid ${definition}: ${describeErrors(validate)}`);
}

interface Route {
  readonly template: string;
  readonly regex: RegExp;
  readonly params: readonly string[];
  readonly methods: Readonly<Record<string, SwaggerOperation>>;
}
let routes: Route[] | undefined;

/** The description's paths as regular expressions; literal paths before templated ones. */
function swaggerRoutes(): Route[] {
  if (routes) return routes;
  const { swagger } = swaggerSchemas();
  routes = Object.entries(swagger.paths)
    .map(([template, methods]) => {
      const params: string[] = [];
      const pattern = template
        .split(/(\{[^}]+\})/)
        .map((part) => {
          const param = /^\{([^}=]+)(=[^}]*)?\}$/.exec(part);
          if (!param) return part.replace(/[.*+?^$()|[\]\\]/g, "\\$&");
          params.push(param[1] as string);
          // `{name=**}`-style templates may span segments; plain ones are one segment.
          return param[2] ? "(.+)" : "([^/]+)";
        })
        .join("");
      return { template, regex: new RegExp(`^${pattern}$`), params, methods };
    })
    .sort((a, b) => a.params.length - b.params.length);
  return routes;
}

// ---------------------------------------------------------------------------------------
// Label selectors, as Kubernetes parses them (k8s.io/apimachinery/pkg/labels).

type Requirement = (labels: Readonly<Record<string, string>>) => boolean;

export function parseLabelSelector(selector: string): Requirement[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const char of selector) {
    if (char === "(") depth++;
    if (char === ")") depth--;
    if (char === "," && depth === 0) {
      parts.push(current);
      current = "";
    } else current += char;
  }
  if (current.trim() || parts.length > 0) parts.push(current);
  return parts.map((raw) => {
    const part = raw.trim();
    let match: RegExpExecArray | null;
    if ((match = /^([\w./-]+)\s*(==|=|!=)\s*([\w.-]*)$/.exec(part))) {
      const [, key, op, value] = match as unknown as [string, string, string, string];
      return op === "!=" ? (labels) => labels[key] !== value : (labels) => labels[key] === value;
    }
    if ((match = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(part))) {
      const [, key, op, list] = match as unknown as [string, string, string, string];
      const values = new Set(list.split(",").map((value) => value.trim()));
      return op === "in" ? (labels) => key in labels && values.has(labels[key] as string) : (labels) => !(key in labels) || !values.has(labels[key] as string);
    }
    if ((match = /^!\s*([\w./-]+)$/.exec(part))) {
      const key = match[1] as string;
      return (labels) => !(key in labels);
    }
    if ((match = /^([\w./-]+)$/.exec(part))) {
      const key = match[1] as string;
      return (labels) => key in labels;
    }
    throw new Error(`unable to parse requirement: ${part}`);
  });
}

// ---------------------------------------------------------------------------------------
// Fixtures.

export const FAKE_APP_NAMESPACE = "argocd";
export const REPO_URL = "https://git.example.org/plateau/desired-state.git";

export interface FakeApplicationParams {
  readonly platform: string;
  /** Absent for Plateau's own Applications (the Helm instances', the bootstrap). */
  readonly project?: string;
  readonly instance?: string;
  /** Default `<project>.<instance>`. */
  readonly name?: string;
  readonly namespace?: string;
  /** Default `rendered/<platform>/<project>/<instance>`. */
  readonly path?: string;
  /** A Helm instance: the chart instead of a path. */
  readonly chart?: { readonly repoURL: string; readonly chart: string; readonly version: string };
  /** `status.sync.revision`; absent: never compared. */
  readonly revision?: string;
  readonly sync?: "Synced" | "OutOfSync" | "Unknown";
  readonly health?: "Healthy" | "Progressing" | "Degraded" | "Suspended" | "Missing" | "Unknown";
  readonly healthMessage?: string;
  readonly operation?: { readonly phase: "Running" | "Terminating" | "Failed" | "Error" | "Succeeded"; readonly message?: string; readonly revision?: string };
  readonly conditions?: readonly { readonly type: string; readonly message: string }[];
  readonly externalURLs?: readonly string[];
  readonly resources?: readonly Json[];
  readonly deleting?: boolean;
}

const AT = "2026-07-20T10:00:00Z";

/** An Application as Argo CD's API returns it (validated against the description when served). */
export function fakeApplication(params: FakeApplicationParams): Json {
  const name = params.name ?? `${params.project}.${params.instance}`;
  const labels: Record<string, string> = { "app.kubernetes.io/managed-by": "plateau", "plateau.io/platform": params.platform };
  if (params.project) labels["plateau.io/project"] = params.project;
  if (params.instance) labels["plateau.io/instance"] = params.instance;
  const source = params.chart
    ? { repoURL: params.chart.repoURL, chart: params.chart.chart, targetRevision: params.chart.version, helm: { releaseName: params.instance ?? name } }
    : {
        repoURL: REPO_URL,
        targetRevision: "main",
        path: params.path ?? `rendered/${params.platform}/${params.project}/${params.instance}`,
        directory: { include: "*.yaml" },
      };
  const status: Json = { reconciledAt: AT, sourceType: params.chart ? "Helm" : "Directory" };
  if (params.sync || params.revision)
    status.sync = { status: params.sync ?? "Unknown", ...(params.revision ? { revision: params.revision } : {}), comparedTo: { source, destination: {} } };
  if (params.health) status.health = { status: params.health, ...(params.healthMessage ? { message: params.healthMessage } : {}), lastTransitionTime: AT };
  if (params.operation) {
    const revision = params.operation.revision ?? params.revision;
    status.operationState = {
      phase: params.operation.phase,
      ...(params.operation.message ? { message: params.operation.message } : {}),
      startedAt: AT,
      ...(params.operation.phase === "Running" ? {} : { finishedAt: AT }),
      operation: { sync: { ...(revision ? { revision } : {}), prune: true }, initiatedBy: { automated: true }, retry: { limit: 10 } },
      ...(revision && params.operation.phase === "Succeeded" ? { syncResult: { revision, source } } : {}),
    };
  }
  if (params.conditions) status.conditions = params.conditions.map((condition) => ({ ...condition, lastTransitionTime: AT }));
  if (params.resources) status.resources = params.resources;
  if (params.externalURLs) status.summary = { externalURLs: [...params.externalURLs] };
  return {
    metadata: {
      name,
      namespace: params.namespace ?? FAKE_APP_NAMESPACE,
      labels,
      uid: `uid-${name}`,
      resourceVersion: "1",
      generation: 1,
      creationTimestamp: AT,
      ...(params.deleting ? { deletionTimestamp: AT } : {}),
      finalizers: ["resources-finalizer.argocd.argoproj.io"],
    },
    spec: {
      project: params.project ? `plateau-${params.project}` : "plateau",
      source,
      destination: { server: "https://kubernetes.default.svc", ...(params.project ? { namespace: params.project } : {}) },
      syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ["CreateNamespace=false", "ServerSideApply=true"] },
    },
    status,
  };
}

// ---------------------------------------------------------------------------------------
// The server.

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  /** The operation of the description it matched (`ApplicationService_Get`), if any. */
  readonly operation?: string;
}

export interface RecordedWebhook {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly json: unknown;
  readonly status: number;
}

export interface FakeLogEntry {
  readonly content: string;
  readonly podName?: string;
}

export interface FakeArgoCdOptions {
  readonly token?: string;
  readonly version?: string;
  /** Argo CD's `webhook.github.secret`: webhook events must be signed with it. */
  readonly webhookSecret?: string;
}

export interface FakeArgoCd {
  readonly url: string;
  readonly token: string;
  readonly requests: RecordedRequest[];
  readonly refreshes: { readonly name: string; readonly type: string }[];
  readonly webhooks: RecordedWebhook[];
  /** What the API description refuses, in requests or in the fake's own answers. */
  readonly violations: string[];
  /** The Applications served (each validated as a `v1alpha1Application` first). */
  setApplications(applications: readonly Json[]): void;
  applications(): Json[];
  /** What a refresh of an Application does (Argo CD's controller comparing it with git); default: nothing changes. */
  onRefresh(handler: ((application: Json, type: string) => Json | undefined) | undefined): void;
  setLogs(application: string, entries: readonly (string | FakeLogEntry)[]): void;
  /** A new line for followers of the Application's logs. */
  appendLog(application: string, entry: string | FakeLogEntry): void;
  /** How many log streams are open now. */
  openLogStreams(): number;
  /** Connections refused until `up()`. */
  down(): Promise<void>;
  up(): Promise<void>;
  /** Every answer waits this long (0: none). */
  slow(ms: number): void;
  /** Every API call fails with a 500 (an Internal gRPC error) while on. */
  failing(on: boolean): void;
  close(): Promise<void>;
}

const GRPC = {
  invalidArgument: { code: 3, http: 400 },
  notFound: { code: 5, http: 404 },
  permissionDenied: { code: 7, http: 403 },
  unimplemented: { code: 12, http: 501 },
  internal: { code: 13, http: 500 },
  unauthenticated: { code: 16, http: 401 },
} as const;
type GrpcError = (typeof GRPC)[keyof typeof GRPC];

const HTTP_STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  500: "Internal Server Error",
  501: "Not Implemented",
};

const isoNow = () => new Date().toISOString();

export async function startFakeArgoCd(options: FakeArgoCdOptions = {}): Promise<FakeArgoCd> {
  const token = options.token ?? "test-token";
  const version = options.version ?? "v3.6.0+37ee009";
  const requests: RecordedRequest[] = [];
  const refreshes: { name: string; type: string }[] = [];
  const webhooks: RecordedWebhook[] = [];
  const violations: string[] = [];
  let apps: Json[] = [];
  let refreshHandler: ((application: Json, type: string) => Json | undefined) | undefined;
  const logs = new Map<string, FakeLogEntry[]>();
  const followers = new Map<string, Set<(entry: FakeLogEntry) => void>>();
  let delayMs = 0;
  let failing = false;
  let resourceVersion = 100;

  const toEntry = (entry: string | FakeLogEntry): FakeLogEntry => (typeof entry === "string" ? { content: entry, podName: "web-0" } : entry);

  /** Sends JSON after checking it against the operation's response schema. */
  function sendJson(res: ServerResponse, status: number, body: unknown, schemaKey: string, schema: Json | undefined): void {
    if (schema) {
      const validate = validatorOf(schemaKey, schema);
      if (!validate(body)) {
        const problem = `fake answer to ${schemaKey} does not match the API description: ${describeErrors(validate)}`;
        violations.push(problem);
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: problem, code: GRPC.internal.code, message: problem }));
        return;
      }
    }
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  }

  /** A gRPC-gateway error of a call (`runtimeError`, the operations' `default` response). */
  function sendError(res: ServerResponse, error: GrpcError, message: string): void {
    sendJson(res, error.http, { error: message, code: error.code, message }, "#/definitions/runtimeError", { $ref: "#/definitions/runtimeError" });
  }

  /** A gRPC-gateway error of a stream: one message `{"error": runtimeStreamError}`. */
  function sendStreamError(res: ServerResponse, error: GrpcError, message: string, schema: Json | undefined): void {
    const body = { error: { grpc_code: error.code, http_code: error.http, message, http_status: HTTP_STATUS_TEXT[error.http] ?? "" } };
    sendJson(res, error.http, body, "stream", schema);
  }

  function findApp(name: string, namespace: string | null): Json | undefined {
    return apps.find((app) => {
      const metadata = app.metadata as { name: string; namespace?: string };
      return metadata.name === name && (metadata.namespace ?? FAKE_APP_NAMESPACE) === (namespace || FAKE_APP_NAMESPACE);
    });
  }

  /** Argo CD's getAppEnforceRBAC: a project given → 404 for what is not there; none → 403. */
  function appOrError(name: string, query: URLSearchParams, legacyProjectOnly: boolean): { app: Json } | { error: GrpcError; message: string } {
    const projects = legacyProjectOnly ? query.getAll("project") : query.getAll("project").length > 0 ? query.getAll("project") : query.getAll("projects");
    if (projects.length > 1)
      return { error: GRPC.invalidArgument, message: "multiple projects specified - the get endpoint accepts either zero or one project" };
    const project = projects[0];
    const app = findApp(name, query.get("appNamespace"));
    const notFound = { error: GRPC.notFound, message: `applications.argoproj.io "${name}" not found` };
    if (!app) return project ? notFound : { error: GRPC.permissionDenied, message: "permission denied" };
    if (project && (app.spec as { project?: string }).project !== project) return notFound;
    return { app };
  }

  function checkQuery(operation: SwaggerOperation, query: URLSearchParams, label: string): boolean {
    const declared = new Map((operation.parameters ?? []).filter((p) => p.in === "query").map((p) => [p.name, p]));
    let ok = true;
    for (const key of new Set(query.keys())) {
      const parameter = declared.get(key);
      const values = query.getAll(key);
      if (!parameter) {
        violations.push(`${label}: query parameter "${key}" is not declared for ${operation.operationId}`);
        ok = false;
        continue;
      }
      if (parameter.type !== "array" && values.length > 1) {
        violations.push(`${label}: query parameter "${key}" given ${values.length} times`);
        ok = false;
      }
      const type = parameter.type === "array" ? parameter.items?.type : parameter.type;
      for (const value of values) {
        const integer = type === "integer" || (type === "string" && (parameter.format === "int64" || parameter.format === "int32"));
        if ((type === "boolean" && value !== "true" && value !== "false") || (integer && !/^-?\d+$/.test(value))) {
          violations.push(`${label}: query parameter "${key}"=${JSON.stringify(value)} is not ${integer ? "an integer" : `a ${type}`}`);
          ok = false;
        }
      }
    }
    return ok;
  }

  function serveLogs(res: ServerResponse, name: string, query: URLSearchParams, schema: Json | undefined): void {
    const found = appOrError(name, query, true);
    if ("error" in found) return sendStreamError(res, found.error, found.message, schema);
    const podName = query.get("podName");
    const tail = query.has("tailLines") ? Number(query.get("tailLines")) : 0;
    let entries = (logs.get(name) ?? []).filter((entry) => !podName || entry.podName === podName);
    if (tail > 0) entries = entries.slice(-tail);
    const validate = schema ? validatorOf("stream", schema) : undefined;
    res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
    const write = (entry: FakeLogEntry, last: boolean): void => {
      const at = isoNow();
      const message = { result: { content: entry.content, podName: entry.podName ?? "", timeStamp: at, timeStampStr: at, last } };
      if (validate && !validate(message)) violations.push(`fake log message does not match the API description: ${describeErrors(validate)}`);
      res.write(`${JSON.stringify(message)}\n`);
    };
    for (const entry of entries) write(entry, false);
    if (query.get("follow") !== "true") {
      write({ content: "", podName: "" }, true);
      res.end();
      return;
    }
    const follower = (entry: FakeLogEntry) => {
      if (!podName || entry.podName === podName) write(entry, false);
    };
    const set = followers.get(name) ?? new Set();
    followers.set(name, set);
    set.add(follower);
    // The response's close, not the request's (which closes once its body is read).
    res.on("close", () => set.delete(follower));
  }

  function serveWebhook(req: IncomingMessage, res: ServerResponse, body: string): void {
    const answer = (status: number, text: string) => {
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      webhooks.push({ headers: req.headers, body, json, status });
      res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
      res.end(text);
    };
    // Argo CD's handler (util/webhook, go-playground/webhooks v6 for GitHub).
    if (req.method !== "POST") return answer(405, "Webhook processing failed: invalid HTTP Method");
    if (req.headers["x-github-event"] === undefined) return answer(400, "Unknown webhook event");
    if (req.headers["x-github-event"] !== "push") return answer(400, "Webhook processing failed: event not defined to be parsed");
    if (options.webhookSecret) {
      const signature = req.headers["x-hub-signature-256"];
      if (typeof signature !== "string") return answer(400, "Webhook processing failed: missing X-Hub-Signature-256 Header");
      const expected = Buffer.from(`sha256=${createHmac("sha256", options.webhookSecret).update(body).digest("hex")}`);
      const given = Buffer.from(signature);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return answer(400, "Webhook processing failed: HMAC verification failed");
    }
    let payload: { ref?: unknown; before?: unknown; after?: unknown; repository?: { html_url?: unknown; default_branch?: unknown }; commits?: unknown };
    try {
      payload = JSON.parse(body) as typeof payload;
    } catch {
      return answer(400, "Webhook processing failed: error parsing payload");
    }
    const sha = /^[0-9a-f]{40}$/;
    const paths = (value: unknown) => Array.isArray(value) && value.every((item) => typeof item === "string");
    const problems = [
      typeof payload.ref === "string" && payload.ref.startsWith("refs/heads/") ? "" : "ref is not refs/heads/<branch>",
      typeof payload.before === "string" && sha.test(payload.before) ? "" : "before is not a commit",
      typeof payload.after === "string" && sha.test(payload.after) ? "" : "after is not a commit",
      typeof payload.repository?.html_url === "string" && /^https?:\/\//.test(payload.repository.html_url) ? "" : "repository.html_url is not a web URL",
      typeof payload.repository?.default_branch === "string" ? "" : "repository.default_branch is missing",
      Array.isArray(payload.commits) &&
      payload.commits.every(
        (commit: { added?: unknown; modified?: unknown; removed?: unknown }) => paths(commit.added) && paths(commit.modified) && paths(commit.removed),
      )
        ? ""
        : "commits[] do not all list added, modified and removed paths",
    ].filter(Boolean);
    if (problems.length > 0) violations.push(`webhook push event: ${problems.join("; ")}`);
    answer(200, "");
  }

  async function handle(req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake-argocd");
    const method = (req.method ?? "GET").toLowerCase();
    const label = `${req.method} ${url.pathname}${url.search}`;
    if (url.pathname === "/api/webhook") {
      // Not part of the API description: Argo CD's server mounts it beside the gRPC gateway.
      requests.push({ method: req.method ?? "", path: url.pathname, query: url.searchParams });
      return serveWebhook(req, res, body);
    }
    // One path may have several templates that differ only by their parameter's name
    // (`/api/v1/applications/{name}` for GET, `…/{application.metadata.name}` for PUT): the
    // first literal-most template that has the method wins.
    const candidates = swaggerRoutes().flatMap((route) => {
      const match = route.regex.exec(url.pathname);
      return match ? [{ route, values: match.slice(1).map((value) => decodeURIComponent(value)) }] : [];
    });
    const matched =
      candidates.find((candidate) => candidate.route.methods[method] && candidate.route.params.length === candidates[0]?.route.params.length) ?? candidates[0];
    const operation = matched?.route.methods[method];
    requests.push({ method: req.method ?? "", path: url.pathname, query: url.searchParams, ...(operation ? { operation: operation.operationId } : {}) });
    if (!matched) {
      violations.push(`${label}: no path of the API description matches`);
      return sendError(res, GRPC.notFound, `Not Found: ${url.pathname}`);
    }
    if (!operation) {
      violations.push(`${label}: ${matched.route.template} has no ${method.toUpperCase()} operation`);
      return sendError(res, GRPC.unimplemented, "Method Not Allowed");
    }
    if (!checkQuery(operation, url.searchParams, label)) return sendError(res, GRPC.invalidArgument, "query parameters refused by the API description");
    const ok = operation.responses["200"]?.schema;
    const okKey = `${matched.route.template} ${method} 200`;
    const isStream = operation.operationId === "ApplicationService_PodLogs2";

    const authorization = req.headers.authorization;
    const signedIn = authorization === `Bearer ${token}`;
    if (operation.operationId === "VersionService_Version") {
      // AuthFuncOverride: the version to everyone, the details to the signed in.
      const full = {
        Version: version,
        BuildDate: "2026-07-01T00:00:00Z",
        GitCommit: "37ee0097cf851bc2dd7665fc081bbce61a7e836e",
        GitTreeState: "clean",
        GoVersion: "go1.25.1",
        Compiler: "gc",
        Platform: "linux/amd64",
        KustomizeVersion: "v5.7.1",
        HelmVersion: "v3.18.6",
        KubectlVersion: "v0.34.0",
        JsonnetVersion: "v0.21.0",
      };
      return sendJson(res, 200, signedIn ? full : { Version: version }, okKey, ok);
    }
    if (!signedIn) {
      const message = authorization ? "invalid session: token signature is invalid" : "no session information";
      return isStream ? sendStreamError(res, GRPC.unauthenticated, message, ok) : sendError(res, GRPC.unauthenticated, message);
    }
    if (failing)
      return isStream
        ? sendStreamError(res, GRPC.internal, "etcdserver: request timed out", ok)
        : sendError(res, GRPC.internal, "etcdserver: request timed out");

    const params = Object.fromEntries(matched.route.params.map((name, index) => [name, matched.values[index] ?? ""]));
    const query = url.searchParams;
    switch (operation.operationId) {
      case "ApplicationService_List": {
        let requirements: Requirement[];
        try {
          requirements = parseLabelSelector(query.get("selector") ?? "");
        } catch (error) {
          return sendError(res, GRPC.invalidArgument, `error parsing the selector: ${(error as Error).message}`);
        }
        const projects = query.getAll("project").length > 0 ? query.getAll("project") : query.getAll("projects");
        const namespace = query.get("appNamespace");
        const items = apps
          .filter((app) => {
            const metadata = app.metadata as { name: string; namespace?: string; labels?: Record<string, string> };
            const labels = metadata.labels ?? {};
            return (
              requirements.every((requirement) => requirement(labels)) &&
              (!namespace || (metadata.namespace ?? FAKE_APP_NAMESPACE) === namespace) &&
              (projects.length === 0 || projects.includes((app.spec as { project?: string }).project ?? "default")) &&
              (!query.get("name") || metadata.name === query.get("name"))
            );
          })
          .sort((a, b) => ((a.metadata as { name: string }).name < (b.metadata as { name: string }).name ? -1 : 1));
        return sendJson(res, 200, { metadata: { resourceVersion: String(resourceVersion) }, items }, okKey, ok);
      }
      case "ApplicationService_Get": {
        const found = appOrError(params.name ?? "", query, false);
        if ("error" in found) return sendError(res, found.error, found.message);
        const type = query.get("refresh");
        if (type !== null) {
          refreshes.push({ name: params.name ?? "", type });
          const refreshed = refreshHandler?.(structuredClone(found.app), type);
          if (refreshed) {
            assertSwaggerShape("v1alpha1Application", refreshed);
            apps = apps.map((app) => (app === found.app ? refreshed : app));
            resourceVersion++;
            return sendJson(res, 200, refreshed, okKey, ok);
          }
        }
        return sendJson(res, 200, found.app, okKey, ok);
      }
      case "ApplicationService_PodLogs2":
        return serveLogs(res, params.name ?? "", query, ok);
      default:
        violations.push(`${label}: ${operation.operationId} is valid but not served by the fake`);
        return sendError(res, GRPC.unimplemented, `${operation.operationId} is not implemented by the fake`);
    }
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const run = () => {
        if (res.destroyed) return;
        handle(req, res, Buffer.concat(chunks).toString("utf8")).catch((error: unknown) => {
          violations.push(`fake Argo CD failed: ${(error as Error).message}`);
          if (!res.headersSent) res.writeHead(500);
          res.end();
        });
      };
      if (delayMs > 0) setTimeout(run, delayMs);
      else run();
    });
  });

  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  await listen(0);
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    token,
    requests,
    refreshes,
    webhooks,
    violations,
    setApplications(applications) {
      for (const app of applications) assertSwaggerShape("v1alpha1Application", app);
      apps = applications.map((app) => structuredClone(app));
      resourceVersion++;
    },
    applications: () => apps.map((app) => structuredClone(app)),
    onRefresh(handler) {
      refreshHandler = handler;
    },
    setLogs(application, entries) {
      logs.set(application, entries.map(toEntry));
    },
    appendLog(application, entry) {
      const value = toEntry(entry);
      logs.set(application, [...(logs.get(application) ?? []), value]);
      for (const follower of followers.get(application) ?? []) follower(value);
    },
    openLogStreams: () => [...followers.values()].reduce((sum, set) => sum + set.size, 0),
    down: stop,
    up: () => listen(port),
    slow(ms) {
      delayMs = ms;
    },
    failing(on) {
      failing = on;
    },
    close: async () => {
      if (server.listening) await stop();
    },
  };
}
