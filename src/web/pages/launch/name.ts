// The instance's name as typed: what the page says of it before any round trip.

export const NAME_MAX_LENGTH = 30;
export type NameProblem = "nameLength" | "namePattern";

/** The server decides (src/core/names.ts); this only says it before a round trip. */
export function nameProblem(name: string): NameProblem | undefined {
  if (name === "") return undefined;
  if (name.length > NAME_MAX_LENGTH) return "nameLength";
  return /^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(name) ? undefined : "namePattern";
}
