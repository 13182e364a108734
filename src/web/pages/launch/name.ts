// The instance's name as typed: what the page says of it before any round trip.
import { brokenNameRule } from "../../../contracts/names.js";

export { NAME_MAX_LENGTH } from "../../../contracts/names.js";
export type NameProblem = "nameLength" | "namePattern";

/** The server decides with the same rule (contracts/names.ts); this only says it before a round trip, in the page's words. */
export function nameProblem(name: string): NameProblem | undefined {
  // Nothing typed: Plateau chooses a name.
  if (name === "") return undefined;
  const broken = brokenNameRule(name);
  return broken === undefined ? undefined : broken === "too-long" ? "nameLength" : "namePattern";
}
