// Argo CD's REST API, the few calls Plateau needs: its version, the Applications of a platform,
// one Application (optionally refreshed), a workload's logs, and the git webhook that makes
// Argo CD look at a push at once instead of at its next poll. Paths, query parameters and
// bodies are those of Argo CD's own API description (schemas/argocd/swagger.json); the tests
// check every request against it. Types describe only the fields Plateau reads.
import { createHmac, randomUUID } from "node:crypto";
import { NotFoundError, UnavailableError } from "../../core/errors.js";
import type { ArgoCdApplicationStatus } from "../../core/status/argocd-status.js";

/** The parts of an Application Plateau reads (`v1alpha1Application` in Argo CD's API). */
export interface ArgoCdApplication {
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
    /** Set while Argo CD deletes it (its finalizer removes what it deployed first). */
    readonly deletionTimestamp?: string;
  };
  readonly spec?: {
    readonly project?: string;
    readonly source?: {
      readonly repoURL?: string;
      /** A directory of the repository (plain manifests)… */
      readonly path?: string;
      /** …or a Helm chart of a chart repository. */
      readonly chart?: string;
      readonly targetRevision?: string;
    };
    readonly destination?: { readonly server?: string; readonly namespace?: string };
  };
  readonly status?: ArgoCdApplicationStatus;
}

export interface ArgoCdVersion {
  /** e.g. `v3.6.0+37ee009`. */
  readonly version: string;
  /**
   * Whether Argo CD took the token: `/api/version` answers everyone, but with the version
   * alone to whoever is not signed in (server/version/version.go), and in full otherwise.
   */
  readonly signedIn: boolean;
}

export interface CallOptions {
  readonly signal?: AbortSignal;
}

export interface ListApplicationsQuery extends CallOptions {
  /** A Kubernetes label selector, e.g. `plateau.io/platform=plmshift`. */
  readonly selector?: string;
  /** The namespace the Applications live in (Argo CD's own when absent). */
  readonly appNamespace?: string;
  /** Only Applications of these AppProjects. */
  readonly projects?: readonly string[];
}

export interface GetApplicationOptions extends CallOptions {
  readonly appNamespace?: string;
  /**
   * The Application's AppProject. With it, Argo CD answers 404 for an Application that does
   * not exist; without it, 403 (it never tells whether an Application it will not show exists).
   */
  readonly project?: string;
  /** Makes Argo CD compare the Application with git now, and answers once it has. */
  readonly refresh?: "normal" | "hard";
}

export interface StreamLogsOptions extends CallOptions {
  readonly appNamespace?: string;
  /** The Application's AppProject (see GetApplicationOptions.project). */
  readonly project?: string;
  /** The namespace of the pods; with podName, one pod; without, every pod of the Application. */
  readonly namespace?: string;
  readonly podName?: string;
  readonly container?: string;
  readonly follow: boolean;
  readonly tailLines: number;
}

/** A push to the desired-state repository, told to Argo CD as GitHub tells it. */
export interface GitPushEvent {
  /** The repository as Argo CD's Applications name it (`spec.source.repoURL`). */
  readonly repoURL: string;
  readonly branch: string;
  /** The repository's default branch (the one `HEAD` names); the pushed branch when absent. */
  readonly defaultBranch?: string;
  /** The commit before the push; null for the first push of the branch. */
  readonly before: string | null;
  readonly after: string;
  readonly changed: { readonly added: readonly string[]; readonly modified: readonly string[]; readonly removed: readonly string[] };
}

export interface ArgoCdClientParams {
  /** Argo CD's URL, e.g. `https://argocd.apps.example.org`. */
  readonly url: string;
  /** An API token (an account's or a project role's). */
  readonly token: string;
  readonly fetch?: typeof fetch;
  /** How long a call may take before it fails (for logs: until the stream starts). Default 15 s. */
  readonly timeoutMs?: number;
  /** How long a refresh may take: Argo CD answers once its controller has compared. Default 60 s. */
  readonly refreshTimeoutMs?: number;
  /** The secret of Argo CD's GitHub webhook (`webhook.github.secret`), when one is set. */
  readonly webhookSecret?: string;
  /**
   * Where push events go. Default: Argo CD's server (`<url>/api/webhook`). The ApplicationSet
   * controller has a webhook of its own (new directories become Applications at once) when
   * its service is exposed: add its URL here.
   */
  readonly webhookUrls?: readonly string[];
}

export interface ArgoCdClient {
  /** Argo CD's URL, as configured (no trailing slash). */
  readonly url: string;
  version(options?: CallOptions): Promise<ArgoCdVersion>;
  listApplications(query?: ListApplicationsQuery): Promise<ArgoCdApplication[]>;
  /** Throws a NotFoundError when it does not exist (given its project; see GetApplicationOptions). */
  getApplication(name: string, options?: GetApplicationOptions): Promise<ArgoCdApplication>;
  /** getApplication with a normal refresh (or a hard one, which also drops Argo CD's cache of manifests). */
  refresh(name: string, options?: Omit<GetApplicationOptions, "refresh"> & { readonly hard?: boolean }): Promise<ArgoCdApplication>;
  /** The workload's log lines (without their line break), until the end or the signal when following. */
  streamLogs(name: string, options: StreamLogsOptions): AsyncIterable<string>;
  notifyGitPush(event: GitPushEvent): Promise<void>;
}

export type ArgoCdErrorKind = "auth" | "network" | "timeout" | "server";

/** Argo CD could not serve a call: unreachable, too slow, refusing the token, or failing. */
export class ArgoCdError extends UnavailableError {
  constructor(
    message: string,
    readonly kind: ArgoCdErrorKind,
    readonly status?: number,
  ) {
    super(message);
    this.name = "ArgoCdError";
  }
}

/** GitHub's `before` for a branch that did not exist. */
const NO_COMMIT = "0000000000000000000000000000000000000000";
/**
 * Past this many changed paths the event lists none: Argo CD then refreshes every Application
 * of the repository (util/webhook: "an empty slice of changed files means … a refresh is
 * required"), which is what a commit of that size needs anyway, and the payload stays small.
 */
const MAX_CHANGED_PATHS = 3000;

type Query = Readonly<Record<string, string | number | boolean | readonly string[] | undefined>>;

function queryString(query: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    // Arrays are `collectionFormat: multi` in the API description: the key repeated.
    if (Array.isArray(value)) for (const item of value as readonly string[]) params.append(key, item);
    else params.append(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

/**
 * The message of an error body: `runtimeError` (`{error, code, message}`) for calls, the
 * stream error (`{error: {grpc_code, http_code, message}}`) for streams, a gRPC status
 * (`{code, message}`) from newer gateways; otherwise the text itself (the webhook answers text).
 */
export function argoCdErrorMessage(text: string): string {
  const trimmed = text.trim();
  try {
    const body = JSON.parse(trimmed) as unknown;
    if (typeof body === "object" && body !== null) {
      const { message, error } = body as { message?: unknown; error?: unknown };
      if (typeof message === "string" && message) return message;
      if (typeof error === "string" && error) return error;
      if (typeof error === "object" && error !== null && typeof (error as { message?: unknown }).message === "string") {
        return (error as { message: string }).message;
      }
    }
  } catch {
    // not JSON: the text is the message
  }
  const line = trimmed.split("\n")[0] ?? "";
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}

/** The web address of a repository as GitHub's push event gives it (`repository.html_url`), from a clone URL. */
export function webUrlOf(repoURL: string): string {
  const strip = (path: string) => path.replace(/\/+$/, "").replace(/\.git$/, "");
  const scp = /^[\w.-]+@([^:/]+):(?!\/)(.+)$/.exec(repoURL);
  if (scp) return `https://${scp[1]}/${strip(scp[2] as string)}`;
  try {
    const url = new URL(repoURL);
    // Argo CD matches Applications on the host name and the path only (any scheme, user or
    // port: an ssh:// port is not the web's), so neither is carried over.
    return `${url.protocol === "http:" ? "http" : "https"}://${url.hostname}${strip(url.pathname)}`;
  } catch {
    return repoURL;
  }
}

export function createArgoCdClient(params: ArgoCdClientParams): ArgoCdClient {
  const fetchFn = params.fetch ?? fetch;
  const base = params.url.replace(/\/+$/, "");
  const timeoutMs = params.timeoutMs ?? 15_000;
  const refreshTimeoutMs = params.refreshTimeoutMs ?? 60_000;
  const webhookUrls = params.webhookUrls ?? [`${base}/api/webhook`];

  interface Sent {
    readonly response: Response;
    /** Stops the timer only (a stream has started: the caller's signal still ends it). */
    readonly stopTimer: () => void;
    /** Stops the timer and forgets the caller's signal: call once the body is read (or the stream ends). */
    readonly settle: () => void;
    readonly timedOut: () => boolean;
  }

  /**
   * One HTTP exchange, failing with an error naming Argo CD's URL when it cannot be reached
   * or does not answer in time. The caller's signal aborts it as such (an AbortError).
   */
  async function send(method: string, url: string, init: RequestInit, signal: AbortSignal | undefined, limitMs: number): Promise<Sent> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, limitMs);
    const onAbort = () => controller.abort(signal?.reason);
    if (signal?.aborted) controller.abort(signal.reason);
    else signal?.addEventListener("abort", onAbort, { once: true });
    const stopTimer = () => clearTimeout(timer);
    const settle = () => {
      stopTimer();
      signal?.removeEventListener("abort", onAbort);
    };
    try {
      const response = await fetchFn(url, { ...init, method, signal: controller.signal });
      return { response, stopTimer, settle, timedOut: () => timedOut };
    } catch (error) {
      settle();
      throw transportError(error, method, url, timedOut, signal, limitMs);
    }
  }

  function transportError(error: unknown, method: string, url: string, timedOut: boolean, signal: AbortSignal | undefined, limitMs: number): unknown {
    const what = `${method} ${(url.startsWith(base) ? url.slice(base.length) : url).split("?")[0]}`;
    if (timedOut) return new ArgoCdError(`Argo CD at ${base} did not answer within ${formatMs(limitMs)} (${what})`, "timeout");
    if (signal?.aborted) return error;
    // undici puts the system error (ECONNREFUSED, ENOTFOUND…) in `cause`.
    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
    const detail = typeof cause?.message === "string" ? cause.message : (error as Error).message;
    return new ArgoCdError(`Argo CD at ${base} is unreachable (${what}: ${detail})`, "network");
  }

  function httpError(method: string, path: string, status: number, text: string, notFound?: () => Error): Error {
    const detail = argoCdErrorMessage(text);
    const what = `${method} ${path.split("?")[0]}`;
    if (status === 404 && notFound) return notFound();
    if (status === 401) return new ArgoCdError(`Argo CD refused the token (${detail || "unauthenticated"}; ${what} at ${base})`, "auth", status);
    if (status === 403) {
      return new ArgoCdError(
        `Argo CD refused the token (${detail || "permission denied"}; ${what} at ${base}): its account may not read this, or it does not exist`,
        "auth",
        status,
      );
    }
    return new ArgoCdError(`Argo CD at ${base} answered ${status} to ${what}${detail ? `: ${detail}` : ""}`, "server", status);
  }

  const apiHeaders = { authorization: `Bearer ${params.token}`, accept: "application/json" };

  /** A call answered by one JSON document. */
  async function call<T>(path: string, query: Query, options: CallOptions & { limitMs?: number; notFound?: () => Error } = {}): Promise<T> {
    const url = `${base}${path}${queryString(query)}`;
    const limitMs = options.limitMs ?? timeoutMs;
    const sent = await send("GET", url, { headers: apiHeaders }, options.signal, limitMs);
    let text: string;
    try {
      text = await sent.response.text();
    } catch (error) {
      throw transportError(error, "GET", url, sent.timedOut(), options.signal, limitMs);
    } finally {
      sent.settle();
    }
    if (!sent.response.ok) throw httpError("GET", path, sent.response.status, text, options.notFound);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ArgoCdError(`Argo CD at ${base} answered GET ${path} with something that is not JSON: ${text.slice(0, 100)}`, "server", sent.response.status);
    }
  }

  const applicationPath = (name: string) => `/api/v1/applications/${encodeURIComponent(name)}`;

  async function getApplication(name: string, options: GetApplicationOptions = {}): Promise<ArgoCdApplication> {
    return call<ArgoCdApplication>(
      applicationPath(name),
      { appNamespace: options.appNamespace, projects: options.project ? [options.project] : undefined, refresh: options.refresh },
      {
        ...(options.signal ? { signal: options.signal } : {}),
        limitMs: options.refresh ? refreshTimeoutMs : timeoutMs,
        notFound: () => new NotFoundError("Argo CD Application", name),
      },
    );
  }

  async function* streamLogs(name: string, options: StreamLogsOptions): AsyncGenerator<string> {
    const path = `${applicationPath(name)}/logs`;
    const query: Query = {
      appNamespace: options.appNamespace,
      project: options.project,
      namespace: options.namespace,
      podName: options.podName,
      container: options.container,
      follow: options.follow,
      // int64 in the API: a string of digits.
      tailLines: Math.max(0, Math.floor(options.tailLines)),
    };
    const url = `${base}${path}${queryString(query)}`;
    const sent = await send("GET", url, { headers: apiHeaders }, options.signal, timeoutMs);
    // The limit is on starting the stream: a followed log may stay quiet for hours.
    sent.stopTimer();
    const { response } = sent;
    if (!response.ok || !response.body) {
      const text = await response.text().catch(() => "");
      sent.settle();
      throw httpError("GET", path, response.status, text, () => new NotFoundError("Argo CD Application", name));
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    // Each line of the body is one message of the stream: `{"result": LogEntry}` or `{"error": …}`.
    const parse = (line: string): { content: string; last: boolean } => {
      let message: { result?: { content?: string; last?: boolean }; error?: unknown };
      try {
        message = JSON.parse(line) as typeof message;
      } catch {
        throw new ArgoCdError(`Argo CD sent a log line that is not JSON: ${line.slice(0, 100)}`, "server");
      }
      if (message.error !== undefined) throw new ArgoCdError(`Argo CD could not stream the logs of ${name}: ${argoCdErrorMessage(line)}`, "server");
      return { content: message.result?.content ?? "", last: message.result?.last === true };
    };
    try {
      for (;;) {
        let chunk: Awaited<ReturnType<typeof reader.read>>;
        try {
          chunk = await reader.read();
        } catch (error) {
          if (options.signal?.aborted) return; // the caller stopped following
          throw transportError(error, "GET", url, false, options.signal, timeoutMs);
        }
        buffer += chunk.done ? decoder.decode() : decoder.decode(chunk.value, { stream: true });
        const lines = buffer.split("\n");
        buffer = chunk.done ? "" : (lines.pop() ?? "");
        for (const line of lines) {
          if (!line.trim()) continue;
          const entry = parse(line);
          // The closing entry (`last`) carries no line unless a time bound cut the stream.
          if (entry.content || !entry.last) yield entry.content;
          if (entry.last) return;
        }
        if (chunk.done) return;
      }
    } finally {
      // Ends the request when the caller stops early (break, signal): nothing keeps streaming.
      sent.settle();
      await reader.cancel().catch(() => undefined);
    }
  }

  async function notifyGitPush(event: GitPushEvent): Promise<void> {
    const paths = event.changed.added.length + event.changed.modified.length + event.changed.removed.length;
    const listed = paths <= MAX_CHANGED_PATHS;
    // What Argo CD's GitHub handler reads (util/webhook): ref, before, after, repository.html_url
    // and default_branch, and the changed paths of the commits.
    const payload = {
      ref: `refs/heads/${event.branch}`,
      before: event.before ?? NO_COMMIT,
      after: event.after,
      repository: { html_url: webUrlOf(event.repoURL), default_branch: event.defaultBranch ?? event.branch },
      commits: [
        {
          id: event.after,
          added: listed ? [...event.changed.added] : [],
          modified: listed ? [...event.changed.modified] : [],
          removed: listed ? [...event.changed.removed] : [],
        },
      ],
    };
    const body = JSON.stringify(payload);
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "x-github-event": "push",
      "x-github-delivery": randomUUID(),
      "user-agent": "plateau",
    };
    // The webhook does not read the API token; a configured secret is checked instead.
    if (params.webhookSecret) headers["x-hub-signature-256"] = `sha256=${createHmac("sha256", params.webhookSecret).update(body).digest("hex")}`;
    for (const url of webhookUrls) {
      const sent = await send("POST", url, { headers, body }, undefined, timeoutMs);
      let text: string;
      try {
        text = await sent.response.text();
      } catch (error) {
        throw transportError(error, "POST", url, sent.timedOut(), undefined, timeoutMs);
      } finally {
        sent.settle();
      }
      if (!sent.response.ok) {
        throw new ArgoCdError(`Argo CD's webhook ${url} answered ${sent.response.status}: ${argoCdErrorMessage(text)}`, "server", sent.response.status);
      }
    }
  }

  return {
    url: base,
    async version(options = {}) {
      const body = await call<Record<string, unknown>>("/api/version", {}, options);
      const version = typeof body.Version === "string" ? body.Version : "";
      const signedIn = Object.entries(body).some(([key, value]) => key !== "Version" && typeof value === "string" && value !== "");
      return { version, signedIn };
    },
    async listApplications(query = {}) {
      const list = await call<{ items?: ArgoCdApplication[] | null }>(
        "/api/v1/applications",
        { selector: query.selector, appNamespace: query.appNamespace, projects: query.projects },
        query.signal ? { signal: query.signal } : {},
      );
      return list.items ?? [];
    },
    getApplication,
    refresh(name, options = {}) {
      const { hard, ...rest } = options;
      return getApplication(name, { ...rest, refresh: hard ? "hard" : "normal" });
    },
    streamLogs,
    notifyGitPush,
  };
}

const formatMs = (ms: number): string => (ms % 1000 === 0 ? `${ms / 1000}s` : `${ms} ms`);
