// Which quota stops a launch, and who can raise it how: what `plateau place` and the portal's
// quota panel say before anyone launches. It words the denial the launch itself would be
// refused with (quota.ts `exceeded`), so the two never disagree.
import type { CodeParams, QuotaBlockCode } from "../../contracts/codes.js";
import type { QuotaDenial } from "../errors.js";

/** A quota the launch would not fit: a code and its values for clients, and the same in English. */
export interface QuotaBlock {
  readonly code: QuotaBlockCode;
  readonly params: CodeParams;
  readonly reason: string;
}

/** The `plateau projects quota` option of each resource (memory and storage in GiB). */
export const QUOTA_OPTIONS: Readonly<Record<string, string>> = {
  cpu: "cpu",
  memoryGiB: "memory",
  gpu: "gpu",
  instances: "instances",
  storageGiB: "storage",
};

const round = (value: number): number => Math.round(value * 1e6) / 1e6;

/**
 * The block a denial makes. `personal`: the project is someone's own, whose quota only
 * operators set (lab admins set their lab's projects', operators a lab's own in its file).
 */
export function quotaBlock(denial: QuotaDenial, personal: boolean): QuotaBlock {
  const needed = round(denial.used + denial.asked);
  const option = QUOTA_OPTIONS[denial.resource] ?? denial.resource;
  const params: CodeParams = { ...denial, needed, option };
  const has = `${denial.scope} ${denial.name} has ${denial.limit} ${denial.unit} (${denial.used} in use) and this launch needs ${denial.asked} more`;
  if (denial.scope === "lab") {
    return {
      code: "lab-quota",
      params,
      reason: `${has}: a platform operator can raise it in labs/${denial.name}.yaml (spec.quota.${denial.resource}: ${needed})`,
    };
  }
  const command = `plateau projects quota ${denial.name} --${option} ${needed}`;
  return personal
    ? { code: "personal-quota", params, reason: `${has}: a platform operator can raise it with \`${command}\`` }
    : { code: "project-quota", params, reason: `${has}: a lab admin can raise it with \`${command}\`` };
}
