// The platform tiers a project's instances may run on, as the project page shows and edits
// them. The server decides (core/projects/tiers.ts, PUT /projects/{p}/tiers, operators only):
// these choose the controls and catch an empty choice before a round trip.
import type { Project } from "../../../contracts/api.js";

/** The tiers a project may ask for (core/model.ts PROJECT_TIERS), in the server's order. */
export const TIERS = ["experimental", "institutional"] as const;
export type Tier = (typeof TIERS)[number];

export const isTier = (tier: string): tier is Tier => (TIERS as readonly string[]).includes(tier);

/** Whether the tiers' form shows: the server says whether the caller may set them (`may.setTiers`: operators, a token that may write). */
export const tiersEditing = (project: Pick<Project, "may">): boolean => project.may.setTiers;

/** The choice with `tier` turned on or off, in the server's order. */
export function withTier(chosen: readonly string[], tier: Tier, on: boolean): Tier[] {
  return TIERS.filter((known) => (known === tier ? on : chosen.includes(known)));
}

/** Why a choice cannot be saved, if it cannot: a project runs somewhere. */
export const tiersProblem = (chosen: readonly string[]): "none" | undefined => (chosen.length === 0 ? "none" : undefined);

/** Whether a choice is what the project already has (order aside). */
export const sameTiers = (chosen: readonly string[], project: Pick<Project, "tiers">): boolean =>
  chosen.length === project.tiers.length && chosen.every((tier) => project.tiers.includes(tier));
