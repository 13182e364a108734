// API tokens as the page shows them: whether each still works, and the creation form checked
// against the contract (CreateTokenBody) before it is sent.
import type { Token } from "../../../contracts/api.js";

export type TokenState = "active" | "expiring" | "expired" | "revoked";

/** A token expiring within this many days is flagged, so that scripts are not cut off unawares. */
export const EXPIRING_DAYS = 7;
const DAY = 86_400_000;

export function tokenState(token: Pick<Token, "expiresAt" | "revokedAt">, now: number): TokenState {
  if (token.revokedAt !== null) return "revoked";
  const expires = Date.parse(token.expiresAt);
  if (expires <= now) return "expired";
  return expires - now <= EXPIRING_DAYS * DAY ? "expiring" : "active";
}

/** Tokens that still work first, then the newest. */
export function sortTokens(tokens: readonly Token[], now: number): Token[] {
  const works = (token: Token) => (tokenState(token, now) === "active" || tokenState(token, now) === "expiring" ? 0 : 1);
  return [...tokens].sort((a, b) => works(a) - works(b) || Date.parse(b.createdAt) - Date.parse(a.createdAt));
}

export interface TokenForm {
  readonly name: string;
  /** Null: all of my projects. */
  readonly projects: readonly string[] | null;
  readonly readOnly: boolean;
  /** Empty: the server's default. */
  readonly days: string;
}
export interface TokenRequest {
  name: string;
  projects?: string[];
  write: boolean;
  expiresInDays?: number;
}
export type TokenFormProblems = Partial<Record<"name" | "projects" | "days", "required" | "too-long" | "days">>;

export const MAX_DAYS = 3650;

export function tokenRequest(form: TokenForm): { body: TokenRequest } | { problems: TokenFormProblems } {
  const problems: TokenFormProblems = {};
  const name = form.name.trim();
  if (name === "") problems.name = "required";
  else if (name.length > 100) problems.name = "too-long";
  if (form.projects !== null && form.projects.length === 0) problems.projects = "required";
  const daysText = form.days.trim();
  const days = Number(daysText);
  if (daysText !== "" && (!Number.isInteger(days) || days < 1 || days > MAX_DAYS)) problems.days = "days";
  if (Object.keys(problems).length > 0) return { problems };
  return {
    body: {
      name,
      ...(form.projects !== null ? { projects: [...form.projects] } : {}),
      write: !form.readOnly,
      ...(daysText !== "" ? { expiresInDays: days } : {}),
    },
  };
}
