// The portal's one way to the API: same origin, the session cookie, the CSRF token on every
// change, an idempotency key per user action, and errors as values the pages can show.
import type { ErrorBody, Me } from "../contracts/api.js";
import { API_PREFIX, IDEMPOTENCY_HEADER } from "../contracts/http.js";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody["error"],
  ) {
    super(body.message);
  }
  get code(): string {
    return this.body.code;
  }
}

let csrfToken: string | null = null;

/** Remembers the session's CSRF token (from /me) for every change that follows (not a hook: callable anywhere). */
export function rememberSession(me: Me): void {
  csrfToken = me.csrfToken;
}

async function errorOf(response: Response): Promise<ApiError> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as Partial<ErrorBody>;
    if (body.error) return new ApiError(response.status, body.error);
  } catch {
    // not JSON: a proxy's page, said as it is
  }
  return new ApiError(response.status, { code: response.status >= 500 ? "internal" : "input", message: text.slice(0, 300) || response.statusText });
}

export interface RequestOptions {
  readonly method?: "GET" | "POST" | "PUT" | "DELETE";
  readonly body?: unknown;
  readonly signal?: AbortSignal;
  /** The same key for retries of one action, so that the server acts once. */
  readonly idempotencyKey?: string;
}

/** `path` is below /api/v1 (e.g. `/instances?project=x`). */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const response = await send(path, options);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/** The raw answer (for streams such as logs), after the same checks as `api`. */
export async function send(path: string, options: RequestOptions = {}): Promise<Response> {
  const method = options.method ?? "GET";
  const headers: Record<string, string> = { accept: "application/json" };
  if (options.body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET" && csrfToken) headers["x-csrf-token"] = csrfToken;
  if (options.idempotencyKey) headers[IDEMPOTENCY_HEADER] = options.idempotencyKey;
  const response = await fetch(`${API_PREFIX}${path}`, {
    method,
    headers,
    credentials: "same-origin",
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (!response.ok) throw await errorOf(response);
  return response;
}

/** A fresh idempotency key for one user action. */
export const newActionKey = (): string => crypto.randomUUID();

/** Path segments are always encoded: names come from the API, but never spliced raw. */
export const path = (strings: TemplateStringsArray, ...values: string[]): string =>
  strings.reduce((out, part, i) => out + part + (i < values.length ? encodeURIComponent(values[i] ?? "") : ""), "");
