// The server's input errors name the field they are about with a JSON pointer into the body
// (`/name`, `/members/2/login`): forms show each message next to its field.
import { ApiError } from "../api.js";

/** Messages about `pointer` or anything inside it (`/members/2` also gets `/members/2/login`). */
export function issuesAt(error: unknown, pointer: string): string[] {
  if (!(error instanceof ApiError)) return [];
  return (error.body.issues ?? []).filter((issue) => issue.pointer === pointer || issue.pointer.startsWith(`${pointer}/`)).map((issue) => issue.message);
}

/** Messages about `pointer` itself only (`/members`, not one member). */
export function issuesExactly(error: unknown, pointer: string): string[] {
  if (!(error instanceof ApiError)) return [];
  return (error.body.issues ?? []).filter((issue) => issue.pointer === pointer).map((issue) => issue.message);
}
