// The platform tiers a project's instances may run on (`spec.tiers` of its file), as operators
// set them: placement (core/placement/place.ts) excludes platforms of other tiers.
import { InputError } from "../errors.js";
import { DEFAULT_PROJECT_TIERS, PROJECT_TIERS, type ProjectTier } from "../model.js";

const isProjectTier = (tier: string): tier is ProjectTier => (PROJECT_TIERS as readonly string[]).includes(tier);

/**
 * The tiers asked for, checked, in the one order of PROJECT_TIERS (so that a file is written
 * the same whatever the order asked). Unknown and repeated tiers are refused by index, without
 * repeating what was sent.
 */
export function checkProjectTiers(tiers: readonly string[]): ProjectTier[] {
  if (tiers.length === 0) throw InputError.field("/tiers", "minItems", `needs at least one tier: ${PROJECT_TIERS.join(" or ")}`);
  const seen = new Set<ProjectTier>();
  tiers.forEach((tier, i) => {
    if (!isProjectTier(tier)) {
      throw InputError.field(
        `/tiers/${i}`,
        "enum",
        `is not a tier a project may ask for; the tiers are ${PROJECT_TIERS.join(" and ")} (a recovery platform takes over only in a disaster)`,
      );
    }
    if (seen.has(tier)) throw InputError.field(`/tiers/${i}`, "uniqueItems", `${tier} is listed twice`);
    seen.add(tier);
  });
  return PROJECT_TIERS.filter((tier) => seen.has(tier));
}

/** The tiers a project's file gives (the default when it names none). */
export const tiersOf = (spec: { readonly tiers?: readonly ProjectTier[] }): readonly ProjectTier[] => spec.tiers ?? DEFAULT_PROJECT_TIERS;

export const sameTiers = (a: readonly ProjectTier[], b: readonly ProjectTier[]): boolean =>
  a.length === b.length && PROJECT_TIERS.every((tier) => a.includes(tier) === b.includes(tier));
