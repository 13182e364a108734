// The one place where errors become HTTP answers.
import { isPlateauError, type ErrorCode, InputError, QuotaExceededError } from "../core/errors.js";
import type { ErrorBody } from "../contracts/api.js";

const STATUS: Record<ErrorCode, number> = {
  input: 400,
  "not-found": 404,
  conflict: 409,
  "not-allowed": 403,
  "quota-exceeded": 403,
  unavailable: 503,
  "rate-limited": 429,
  unauthenticated: 401,
};

export function httpStatusOf(error: unknown): number {
  return isPlateauError(error) ? STATUS[error.code] : 500;
}

export function errorBody(error: unknown): ErrorBody {
  if (!isPlateauError(error)) return { error: { code: "internal", message: "internal error; the server's log has the details" } };
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error instanceof InputError && error.issues.length > 0 ? { issues: [...error.issues] } : {}),
      ...(error instanceof QuotaExceededError && error.denial ? { quota: error.denial } : {}),
    },
  };
}

interface AjvError {
  instancePath?: string;
  keyword: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** Fastify's schema validation failures, as the same InputError as everywhere else. */
export function inputErrorFromValidation(validation: AjvError[], context: string | undefined): InputError {
  const where = context === "body" ? "" : context === "querystring" ? "?" : `${context ?? ""}:`;
  const issues = validation.map((error) => {
    const extra =
      error.keyword === "additionalProperties"
        ? `/${String(error.params?.additionalProperty)}`
        : error.keyword === "required"
          ? `/${String(error.params?.missingProperty)}`
          : "";
    const pointer = `${error.instancePath ?? ""}${extra}`;
    const message =
      error.keyword === "additionalProperties" ? "is not allowed here" : error.keyword === "required" ? "is required" : (error.message ?? "is invalid");
    return { pointer: `${where}${pointer}`, rule: error.keyword, message };
  });
  const first = issues[0];
  return new InputError(first ? `${first.pointer || context || "request"}: ${first.message} [${first.rule}]` : "invalid request", issues);
}
