// What the server said was wrong with a launch, each message put where it helps: next to its
// field, under the name or the version, or in the notice for the rest.
import { ApiError } from "../../api.js";
import type { ServerIssue } from "../../form/schema-form.js";

/** The issues of an input error; none for any other failure. */
export const serverIssuesOf = (error: unknown): ServerIssue[] => (error instanceof ApiError ? (error.body.issues ?? []) : []);

/** The messages about exactly this part of the body (`/name`, `/version`). */
export const messagesAt = (issues: readonly ServerIssue[], pointer: string): string[] =>
  issues.filter((issue) => issue.pointer === pointer).map((issue) => issue.message);

/** Each field's messages once, when placement and the launch say the same. */
export const distinctByField = (byField: Readonly<Record<string, readonly string[]>>): Record<string, string[]> =>
  Object.fromEntries(Object.entries(byField).map(([pointer, list]) => [pointer, [...new Set(list)]]));

/** The launch's error without the issues already shown next to their fields. */
export function withoutPlacedIssues(error: ApiError, unplaced: readonly ServerIssue[]): ApiError {
  const rest = (error.body.issues ?? []).filter((issue) => issue.pointer !== "/name" && issue.pointer !== "/version" && unplaced.includes(issue));
  return new ApiError(error.status, { ...error.body, issues: rest });
}

/** Worth saying only where trying again may help: the launch may have got through unseen. */
export const transient = (error: unknown): boolean =>
  error !== undefined && (!(error instanceof ApiError) || ["internal", "unavailable", "rate-limited"].includes(error.code));

/** A taken name (the error's reason `name-taken`): the name field says what to do. */
export const nameTaken = (error: unknown, name: string): boolean => error instanceof ApiError && error.body.reason === "name-taken" && name !== "";
