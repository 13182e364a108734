// The API client of the CLI: typed by the shared contracts.
import {
  API_PREFIX,
  IDEMPOTENCY_HEADER,
  type ChangeResponse,
  type ErrorBody,
  type HistoryEntry,
  type Instance,
  type InstanceEvent,
  type LaunchBody,
  type LaunchResponse,
  type ObservedStatus,
  type Platform,
  type Project,
  type TemplateDetail,
  type TemplateSummary,
} from "../contracts/api.js";
import { randomUUID } from "node:crypto";

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

export function createClient(baseUrl: string) {
  const root = baseUrl.replace(/\/+$/, "");

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    // Changes carry an idempotency key: if the answer is lost, the retry does not act twice.
    if (method !== "GET") headers[IDEMPOTENCY_HEADER] = randomUUID();
    const response = await send(`${root}${API_PREFIX}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    const parsed: unknown = text ? JSON.parse(text) : undefined;
    if (!response.ok) {
      const error = (parsed as ErrorBody | undefined)?.error;
      throw new ApiError(response.status, error?.code ?? "failure", error?.message ?? `HTTP ${response.status}`, error?.issues ?? []);
    }
    return parsed as T;
  }

  async function send(url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, init);
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      throw new ApiError(
        0,
        "unavailable",
        `cannot reach Plateau at ${root} (${cause ?? (error as Error).message}); is \`plateau up\` running? Set --server or PLATEAU_URL`,
      );
    }
  }

  const path = (project: string, instance?: string) =>
    `/projects/${encodeURIComponent(project)}/instances${instance === undefined ? "" : `/${encodeURIComponent(instance)}`}`;

  return {
    baseUrl: root,
    templates: () => call<{ items: TemplateSummary[] }>("GET", "/templates").then((r) => r.items),
    template: (id: string) => call<TemplateDetail>("GET", `/templates/${encodeURIComponent(id)}`),
    projects: () => call<{ items: Project[] }>("GET", "/projects").then((r) => r.items),
    createProject: (name: string, title?: string) =>
      call<{ project: Project; commit: string | null }>("POST", "/projects", { name, ...(title ? { title } : {}) }),
    platforms: () => call<{ items: Platform[] }>("GET", "/platforms").then((r) => r.items),
    instances: (project?: string) =>
      call<{ items: Instance[] }>("GET", `/instances${project ? `?project=${encodeURIComponent(project)}` : ""}`).then((r) => r.items),
    instance: (project: string, instance: string) => call<Instance>("GET", path(project, instance)),
    launch: (project: string, body: LaunchBody) => call<LaunchResponse>("POST", path(project), body),
    stop: (project: string, instance: string) => call<ChangeResponse>("POST", `${path(project, instance)}/stop`),
    start: (project: string, instance: string) => call<ChangeResponse>("POST", `${path(project, instance)}/start`),
    remove: (project: string, instance: string) => call<ChangeResponse>("DELETE", path(project, instance)),
    status: (project: string, instance: string) => call<ObservedStatus>("GET", `${path(project, instance)}/status`),
    events: (project: string, instance: string, limit = 50) =>
      call<{ items: InstanceEvent[] }>("GET", `${path(project, instance)}/events?limit=${limit}`).then((r) => r.items),
    history: (project?: string, instance?: string, limit = 50) =>
      call<{ items: HistoryEntry[] }>(
        "GET",
        instance && project
          ? `${path(project, instance)}/history?limit=${limit}`
          : `/history?limit=${limit}${project ? `&project=${encodeURIComponent(project)}` : ""}`,
      ).then((r) => r.items),
    /** The logs as a stream of text chunks. */
    async logs(project: string, instance: string, options: { follow: boolean; tail: number; signal?: AbortSignal }): Promise<AsyncIterable<string>> {
      const response = await send(`${root}${API_PREFIX}${path(project, instance)}/logs?follow=${options.follow}&tail=${options.tail}`, {
        signal: options.signal,
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

export type Client = ReturnType<typeof createClient>;
