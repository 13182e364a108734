// The API client of the CLI: typed by the shared contracts.
import type { Notice, ReclaimReport } from "../contracts/reclaim.js";
import {
  API_PREFIX,
  IDEMPOTENCY_HEADER,
  type ChangeResponse,
  type ErrorBody,
  type HistoryEntry,
  type Instance,
  type InstanceEvent,
  type InstanceSecret,
  type LaunchBody,
  type LaunchResponse,
  type ObservedStatus,
  type Platform,
  type Project,
  type TemplateDetail,
  type TemplateSummary,
  type HelmChartForm,
  type HelmChartList,
  type Me,
  type QuotaReport,
  type Token,
  type Lab,
} from "../contracts/api.js";
import type { Static } from "typebox";
import type { AuditRecord, Member } from "../contracts/api.js";
import type { LabAlertsBody, SeriesReportBody } from "../contracts/alerts.js";
import { randomUUID } from "node:crypto";
import { DEFAULT_RETRY, retryDelay, type Attempt, type RetryPolicy } from "./retry.js";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: { pointer: string; rule: string; message: string }[] = [],
  ) {
    super(message);
    this.name = "ApiError";
  }
}

type ProjectChange = { project: Project; commit: string | null };

/** Plateau's HTTP API as the CLI uses it: each call one request; failures are ApiErrors. */
export interface Client {
  /** The server's origin, without a trailing slash. */
  readonly baseUrl: string;
  /** The built-in templates. */
  templates(): Promise<TemplateSummary[]>;
  /** One template with its values schema. */
  template(id: string): Promise<TemplateDetail>;
  /** The Helm charts of the catalogs this person may see. */
  charts(lang: string): Promise<HelmChartList>;
  /** A chart's launch form (`<catalog>/<chart>`), for a project and a version when given. */
  chart(id: string, options: { lang: string; project?: string; version?: string }): Promise<HelmChartForm>;
  projects(): Promise<Project[]>;
  /** Creates a lab project (one commit). */
  createProject(name: string, lab: string, title?: string): Promise<ProjectChange>;
  project(name: string): Promise<Project>;
  /** Replaces a project's members (one commit). */
  setMembers(name: string, members: Static<typeof Member>[]): Promise<ProjectChange>;
  /** A project's quota and use, and its lab's. */
  quota(name: string): Promise<QuotaReport>;
  /** Sets a project's allowed platform tiers (operators). */
  setTiers(name: string, tiers: string[]): Promise<{ project: Project; commit: string | null }>;
  /** Replaces a project's quota (one commit; lab admins, operators). */
  setQuota(name: string, quota: Project["quota"]): Promise<{ project: Project; commit: string | null }>;
  /** Who is signed in. */
  me(): Promise<Me>;
  tokens(): Promise<Token[]>;
  /** A new API token; the secret is in the answer only. */
  createToken(body: { name: string; projects?: string[]; write?: boolean; expiresInDays?: number }): Promise<{ token: string; record: Token }>;
  revokeToken(id: string): Promise<null>;
  labs(): Promise<Lab[]>;
  lab(name: string): Promise<Lab>;
  /** What a platform's metrics hold, and the labs over their series budget (operators). */
  metricsReport(platform: string, top?: number): Promise<SeriesReportBody>;
  /** A lab's alert rules as they apply. */
  labAlerts(lab: string): Promise<LabAlertsBody>;
  /** The newest entries of the audit log this person may read. */
  audit(limit: number): Promise<Static<typeof AuditRecord>[]>;
  /** `plateau login`'s last step: the one-time code and its PKCE verifier, for an API token. */
  exchangeLoginCode(code: string, verifier: string): Promise<{ token: string; id: string; login: string; expiresAt: string }>;
  platforms(): Promise<Platform[]>;
  /** Instances, of one project when given. */
  instances(project?: string): Promise<Instance[]>;
  instance(project: string, instance: string): Promise<Instance>;
  launch(project: string, body: LaunchBody): Promise<LaunchResponse>;
  /** Where a launch would go, and why, without launching. */
  placement(project: string, body: LaunchBody): Promise<LaunchResponse["placement"]>;
  stop(project: string, instance: string): Promise<ChangeResponse>;
  start(project: string, instance: string): Promise<ChangeResponse>;
  /** Pushes an instance's expiry back (by `days`, or the default). */
  renew(project: string, instance: string, days?: number): Promise<ChangeResponse>;
  /** Idle reclaim (ADR 28): keep an instance a step was announced for; the dry-run report; one's notices. */
  keep(project: string, instance: string): Promise<ChangeResponse>;
  reclaimReport(lab?: string): Promise<ReclaimReport>;
  notices(limit?: number): Promise<Notice[]>;
  remove(project: string, instance: string): Promise<ChangeResponse>;
  /** Moves an instance to another platform. */
  move(project: string, instance: string, platform: string): Promise<ChangeResponse & { placement: LaunchResponse["placement"] }>;
  status(project: string, instance: string): Promise<ObservedStatus>;
  events(project: string, instance: string, limit?: number): Promise<InstanceEvent[]>;
  /** The instance's passwords and tokens (audited). */
  secrets(project: string, instance: string): Promise<InstanceSecret[]>;
  /** The changes of an instance, of a project, or of everything this person may see. */
  history(project?: string, instance?: string, limit?: number): Promise<HistoryEntry[]>;
  /** The logs as a stream of text chunks. */
  logs(project: string, instance: string, options: { follow: boolean; tail: number; signal?: AbortSignal }): Promise<AsyncIterable<string>>;
  /** Any call of the API (`/projects/demo/usage`), for commands whose answers are typed by their own contracts (usage). */
  call<T>(method: "GET" | "POST" | "DELETE", path: string, body?: unknown): Promise<T>;
}

export interface ClientOptions {
  /** When requests are sent again (a restarting server, a 503 that says "in a moment"); default DEFAULT_RETRY. */
  readonly retry?: RetryPolicy;
  /** Told before each wait (the CLI says it on stderr). */
  readonly onRetry?: (why: string, delayMs: number) => void;
}

export function createClient(baseUrl: string, token?: () => Promise<string | undefined>, options: ClientOptions = {}): Client {
  const root = baseUrl.replace(/\/+$/, "");
  const policy = options.retry ?? DEFAULT_RETRY;

  async function authorization(): Promise<Record<string, string>> {
    const value = await token?.();
    return value ? { authorization: `Bearer ${value}` } : {};
  }

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json", ...(await authorization()) };
    if (body !== undefined) headers["content-type"] = "application/json";
    // Changes carry an idempotency key: if the answer is lost, the retry does not act twice.
    if (method !== "GET") headers[IDEMPOTENCY_HEADER] = randomUUID();
    const response = await send(`${root}${API_PREFIX}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    const parsed: unknown = text ? JSON.parse(text) : undefined;
    if (!response.ok) {
      const error = (parsed as ErrorBody | undefined)?.error;
      if (response.status === 401) {
        throw new ApiError(401, "unauthenticated", `${error?.message ?? "not signed in"}: run \`plateau login\` (or set PLATEAU_TOKEN)`);
      }
      throw new ApiError(response.status, error?.code ?? "failure", error?.message ?? `HTTP ${response.status}`, error?.issues ?? []);
    }
    return parsed as T;
  }

  /**
   * One request, sent again while the server restarts or says 503 for a moment (src/cli/retry.ts):
   * the same headers each time, so a change keeps its idempotency key and never acts twice.
   */
  async function send(url: string, init: RequestInit): Promise<Response> {
    const started = Date.now();
    for (let failed = 1; ; failed++) {
      let attempt: Attempt;
      let response: Response | undefined;
      let failure: unknown;
      try {
        response = await fetch(url, init);
        if (response.status !== 503) return response;
        // The reason is in the body: read it, and give the caller an answer it can still read.
        const text = await response.text();
        const reason = ((): string | undefined => {
          try {
            return (JSON.parse(text) as ErrorBody).error.reason;
          } catch {
            return undefined;
          }
        })();
        attempt = { kind: "answer", status: 503, reason, retryAfter: response.headers.get("retry-after") };
        response = new Response(text, { status: response.status, statusText: response.statusText, headers: response.headers });
      } catch (error) {
        if (init.signal?.aborted) throw error;
        failure = error;
        attempt = { kind: "network", code: networkCode(error) };
      }
      const delay = retryDelay(attempt, failed, Date.now() - started, policy);
      if (delay === undefined) {
        if (response) return response;
        throw new ApiError(
          0,
          "unavailable",
          `cannot reach Plateau at ${root} (${networkCode(failure) ?? (failure as Error).message}); is \`plateau up\` running? Set --server or PLATEAU_URL`,
        );
      }
      options.onRetry?.(attempt.kind === "network" ? (attempt.code ?? "no answer") : `503 ${attempt.reason ?? "unavailable"}`, delay);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  const path = (project: string, instance?: string) =>
    `/projects/${encodeURIComponent(project)}/instances${instance === undefined ? "" : `/${encodeURIComponent(instance)}`}`;

  return {
    baseUrl: root,
    call,
    templates: () => call<{ items: TemplateSummary[] }>("GET", "/templates").then((r) => r.items),
    template: (id: string) => call<TemplateDetail>("GET", `/templates/${encodeURIComponent(id)}`),
    charts: (lang: string) => call<HelmChartList>("GET", `/charts?lang=${lang}`),
    chart: (id: string, options: { lang: string; project?: string; version?: string }) => {
      const [catalog = "", chart = ""] = id.split("/");
      const query = new URLSearchParams({
        lang: options.lang,
        ...(options.project ? { project: options.project } : {}),
        ...(options.version ? { version: options.version } : {}),
      });
      return call<HelmChartForm>("GET", `/charts/${encodeURIComponent(catalog)}/${encodeURIComponent(chart)}?${query}`);
    },
    projects: () => call<{ items: Project[] }>("GET", "/projects").then((r) => r.items),
    createProject: (name: string, lab: string, title?: string) =>
      call<{ project: Project; commit: string | null }>("POST", "/projects", { name, lab, ...(title ? { title } : {}) }),
    project: (name: string) => call<Project>("GET", `/projects/${encodeURIComponent(name)}`),
    setMembers: (name: string, members: Static<typeof Member>[]) =>
      call<{ project: Project; commit: string | null }>("PUT", `/projects/${encodeURIComponent(name)}/members`, { members }),
    quota: (name: string) => call<QuotaReport>("GET", `/projects/${encodeURIComponent(name)}/quota`),
    setQuota: (name: string, quota: Project["quota"]) =>
      call<{ project: Project; commit: string | null }>("PUT", `/projects/${encodeURIComponent(name)}/quota`, { quota }),
    setTiers: (name: string, tiers: string[]) =>
      call<{ project: Project; commit: string | null }>("PUT", `/projects/${encodeURIComponent(name)}/tiers`, { tiers }),
    me: () => call<Me>("GET", "/me"),
    tokens: () => call<{ items: Token[] }>("GET", "/tokens").then((r) => r.items),
    createToken: (body: { name: string; projects?: string[]; write?: boolean; expiresInDays?: number }) =>
      call<{ token: string; record: Token }>("POST", "/tokens", body),
    revokeToken: (id: string) => call<null>("DELETE", `/tokens/${encodeURIComponent(id)}`),
    labs: () => call<{ items: Lab[] }>("GET", "/labs").then((r) => r.items),
    lab: (name: string) => call<Lab>("GET", `/labs/${encodeURIComponent(name)}`),
    metricsReport: (platform, top) =>
      call<SeriesReportBody>("GET", `/platforms/${encodeURIComponent(platform)}/metrics/report${top === undefined ? "" : `?top=${top}`}`),
    labAlerts: (lab) => call<LabAlertsBody>("GET", `/labs/${encodeURIComponent(lab)}/alerts`),
    audit: (limit: number) => call<{ items: Static<typeof AuditRecord>[] }>("GET", `/audit?limit=${limit}`).then((r) => r.items),
    async exchangeLoginCode(code: string, verifier: string): Promise<{ token: string; id: string; login: string; expiresAt: string }> {
      const response = await send(`${root}/auth/cli/token`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ code, verifier }),
      });
      const parsed = (await response.json().catch(() => undefined)) as
        (ErrorBody & { token: string; id: string; login: string; expiresAt: string }) | undefined;
      if (!response.ok || !parsed) throw new ApiError(response.status, parsed?.error?.code ?? "failure", parsed?.error?.message ?? `HTTP ${response.status}`);
      return parsed;
    },
    platforms: () => call<{ items: Platform[] }>("GET", "/platforms").then((r) => r.items),
    instances: (project?: string) =>
      call<{ items: Instance[] }>("GET", `/instances${project ? `?project=${encodeURIComponent(project)}` : ""}`).then((r) => r.items),
    instance: (project: string, instance: string) => call<Instance>("GET", path(project, instance)),
    launch: (project: string, body: LaunchBody) => call<LaunchResponse>("POST", path(project), body),
    placement: (project: string, body: LaunchBody) => call<LaunchResponse["placement"]>("POST", `/projects/${encodeURIComponent(project)}/placement`, body),
    stop: (project: string, instance: string) => call<ChangeResponse>("POST", `${path(project, instance)}/stop`),
    start: (project: string, instance: string) => call<ChangeResponse>("POST", `${path(project, instance)}/start`),
    keep: (project: string, instance: string) => call<ChangeResponse>("POST", `${path(project, instance)}/keep`),
    reclaimReport: (lab?: string) => call<ReclaimReport>("GET", lab === undefined ? "/reclaim/report" : `/labs/${encodeURIComponent(lab)}/reclaim/report`),
    notices: (limit = 50) => call<{ items: Notice[] }>("GET", `/notifications?limit=${limit}`).then((r) => r.items),
    renew: (project: string, instance: string, days?: number) =>
      call<ChangeResponse>("POST", `${path(project, instance)}/renew`, days === undefined ? {} : { days }),
    remove: (project: string, instance: string) => call<ChangeResponse>("DELETE", path(project, instance)),
    move: (project: string, instance: string, platform: string) =>
      call<ChangeResponse & { placement: LaunchResponse["placement"] }>("POST", `${path(project, instance)}/move`, { platform }),
    status: (project: string, instance: string) => call<ObservedStatus>("GET", `${path(project, instance)}/status`),
    secrets: (project: string, instance: string) => call<{ items: InstanceSecret[] }>("GET", `${path(project, instance)}/secrets`).then((r) => r.items),
    events: (project: string, instance: string, limit = 50) =>
      call<{ items: InstanceEvent[] }>("GET", `${path(project, instance)}/events?limit=${limit}`).then((r) => r.items),
    history: (project?: string, instance?: string, limit = 50) =>
      call<{ items: HistoryEntry[] }>(
        "GET",
        instance && project
          ? `${path(project, instance)}/history?limit=${limit}`
          : `/history?limit=${limit}${project ? `&project=${encodeURIComponent(project)}` : ""}`,
      ).then((r) => r.items),
    async logs(project: string, instance: string, options: { follow: boolean; tail: number; signal?: AbortSignal }): Promise<AsyncIterable<string>> {
      const response = await send(`${root}${API_PREFIX}${path(project, instance)}/logs?follow=${options.follow}&tail=${options.tail}`, {
        signal: options.signal,
        headers: await authorization(),
      });
      if (!response.ok || !response.body) {
        const error = ((await response.json().catch(() => undefined)) as ErrorBody | undefined)?.error;
        throw new ApiError(response.status, error?.code ?? "failure", error?.message ?? `HTTP ${response.status}`);
      }
      const body = response.body;
      return (async function* () {
        const decoder = new TextDecoder();
        for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) yield decoder.decode(chunk, { stream: true });
      })();
    },
  };
}

/** The code of a failed fetch (undici puts the socket's in `cause`). */
function networkCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: string } } | undefined)?.cause;
  return cause?.code ?? (error as { code?: string } | undefined)?.code;
}
