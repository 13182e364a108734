// The one error vocabulary of Plateau. Expected failures are values of these classes;
// `src/server/errors.ts` maps them to HTTP status and `src/cli/exit-codes.ts` to exit codes.
// Each carries its category (`code`), a specific `reason` with its `params` — the codes of
// src/contracts/codes.ts, which clients act on and translate — and an English message.
import type { CodeParams, ErrorReason } from "../contracts/codes.js";

export type { CodeParams, ErrorReason } from "../contracts/codes.js";

/** One precise reason why an input was refused: where (a JSON pointer) and which rule. */
export interface InputIssue {
  /** JSON pointer into the offending document, e.g. `/values/size` ("" for the whole input). */
  readonly pointer: string;
  /** The rule that failed, e.g. `enum`, `dns-label`, `additionalProperties`. */
  readonly rule: string;
  /** A sentence for a person. */
  readonly message: string;
}

export type ErrorCode = "input" | "not-found" | "conflict" | "not-allowed" | "quota-exceeded" | "unavailable" | "rate-limited" | "unauthenticated";

/** What exactly went wrong, for clients: one of ERROR_REASONS and the values its sentence names. */
export interface ErrorDetail {
  readonly reason: ErrorReason;
  readonly params?: CodeParams;
}

export abstract class PlateauError extends Error {
  abstract readonly code: ErrorCode;
  /** The case, when a client acts on it or words it apart; none: the category says it all. */
  readonly reason: ErrorReason | undefined;
  readonly params: CodeParams;
  protected constructor(message: string, detail: ErrorDetail | undefined) {
    super(message);
    this.reason = detail?.reason;
    this.params = detail?.params ?? {};
  }
}

export class InputError extends PlateauError {
  readonly code = "input" as const;
  constructor(
    message: string,
    readonly issues: readonly InputIssue[] = [],
    detail?: ErrorDetail,
  ) {
    super(message, detail);
    this.name = "InputError";
  }

  /** An input error about a single field, with its message derived from the issue. */
  static field(pointer: string, rule: string, message: string, detail?: ErrorDetail): InputError {
    return new InputError(`${pointer || "input"}: ${message}`, [{ pointer, rule, message }], detail);
  }
}

export class NotFoundError extends PlateauError {
  readonly code = "not-found" as const;
  constructor(
    readonly kind: string,
    readonly id: string,
  ) {
    // No reason: a 404 reads the same whether the thing is missing or hidden from the caller.
    super(`${kind} "${id}" not found`, undefined);
    this.name = "NotFoundError";
  }
}

export class ConflictError extends PlateauError {
  readonly code = "conflict" as const;
  constructor(message: string, detail?: ErrorDetail) {
    super(message, detail);
    this.name = "ConflictError";
  }
}

export class NotAllowedError extends PlateauError {
  readonly code = "not-allowed" as const;
  constructor(message: string, detail?: ErrorDetail) {
    super(message, detail);
    this.name = "NotAllowedError";
  }
}

/** Which quota a request would exceed: what was asked, what is used, what remains. */
export interface QuotaDenial {
  readonly scope: "project" | "lab";
  readonly name: string;
  readonly resource: string;
  readonly unit: string;
  readonly asked: number;
  readonly used: number;
  readonly limit: number;
  readonly remaining: number;
}

export class QuotaExceededError extends PlateauError {
  readonly code = "quota-exceeded" as const;
  constructor(
    message: string,
    readonly denial?: QuotaDenial,
    detail?: ErrorDetail,
  ) {
    // The denial's figures are the sentence's parameters.
    super(message, detail ?? (denial ? { reason: "quota-exceeded", params: { ...denial } } : undefined));
    this.name = "QuotaExceededError";
  }
}

/** Too many requests of one kind from one client: retry after the given delay. */
export class RateLimitedError extends PlateauError {
  readonly code = "rate-limited" as const;
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message, undefined);
    this.name = "RateLimitedError";
  }
}

/** The request carries no valid credentials (sign in, or send a token). */
export class UnauthenticatedError extends PlateauError {
  readonly code = "unauthenticated" as const;
  constructor(message = "sign in first, or send an API token") {
    super(message, undefined);
    this.name = "UnauthenticatedError";
  }
}

/** A dependency (the engine, the repository's remote…) cannot serve the request now. */
export class UnavailableError extends PlateauError {
  readonly code = "unavailable" as const;
  constructor(message: string, detail?: ErrorDetail) {
    super(message, detail);
    this.name = "UnavailableError";
  }
}

export const isPlateauError = (error: unknown): error is PlateauError => error instanceof PlateauError;

/** An invariant: a bug if it fails, never an expected outcome. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`invariant violated: ${message}`);
}
