// The one place where errors become HTTP answers.
import { isPlateauError, type ErrorCode, InputError, QuotaExceededError } from "../core/errors.js";
import type { ErrorBody } from "../contracts/api.js";
import { textRuleOf } from "../contracts/text.js";

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
      // The case and its values, when the error names one (src/contracts/codes.ts).
      ...(error.reason ? { reason: error.reason, params: { ...error.params } } : {}),
      message: error.message,
      ...(error instanceof InputError && error.issues.length > 0 ? { issues: [...error.issues] } : {}),
      ...(error instanceof QuotaExceededError && error.denial ? { quota: error.denial } : {}),
    },
  };
}

interface AjvError {
  instancePath?: string;
  schemaPath?: string;
  keyword: string;
  message?: string;
  params?: Record<string, unknown>;
}

/**
 * A value matching none of a union's variants (a member is a login or a group) fails each
 * of them; what the client meant is the variant it came closest to (the fewest errors): only
 * its errors are kept, not the others' nor "must match a schema in anyOf".
 */
function closestVariants(validation: readonly AjvError[]): AjvError[] {
  let errors = [...validation];
  for (const union of validation.filter((error) => error.keyword === "anyOf" && error.schemaPath)) {
    const prefix = `${union.schemaPath}/`;
    const variants = new Map<string, AjvError[]>();
    for (const error of errors) {
      if (!error.schemaPath?.startsWith(prefix)) continue;
      const variant = error.schemaPath.slice(prefix.length).split("/")[0] ?? "";
      variants.set(variant, [...(variants.get(variant) ?? []), error]);
    }
    if (variants.size === 0) continue;
    const closest = [...variants.values()].reduce((best, candidate) => (candidate.length < best.length ? candidate : best));
    errors = errors.filter((error) => error !== union && (!error.schemaPath?.startsWith(prefix) || closest.includes(error)));
  }
  return errors;
}

/** Fastify's schema validation failures, as the same InputError as everywhere else. */
export function inputErrorFromValidation(validation: AjvError[], context: string | undefined): InputError {
  const where = context === "body" ? "" : context === "querystring" ? "?" : `${context ?? ""}:`;
  const issues = closestVariants(validation).map((error) => {
    const extra =
      error.keyword === "additionalProperties"
        ? `/${String(error.params?.additionalProperty)}`
        : error.keyword === "required"
          ? `/${String(error.params?.missingProperty)}`
          : "";
    const pointer = `${error.instancePath ?? ""}${extra}`;
    // The text rule is one pattern: named as such, not as a regular expression no one can read.
    const text = error.keyword === "pattern" ? textRuleOf(error.params?.pattern) : undefined;
    if (text) return { pointer: `${where}${pointer}`, rule: text.rule, message: text.message };
    const message =
      error.keyword === "additionalProperties" ? "is not allowed here" : error.keyword === "required" ? "is required" : (error.message ?? "is invalid");
    return { pointer: `${where}${pointer}`, rule: error.keyword, message };
  });
  const first = issues[0];
  return new InputError(first ? `${first.pointer || context || "request"}: ${first.message} [${first.rule}]` : "invalid request", issues);
}
