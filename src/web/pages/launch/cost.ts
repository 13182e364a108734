// What a launch counts against the project's and the lab's quotas, resource by resource.
import type { Resources } from "../../../contracts/api.js";

export const RESOURCES = ["cpu", "memoryGiB", "gpu", "instances", "storageGiB"] as const;
export type Resource = (typeof RESOURCES)[number];
/** Thousandths: what is used plus what is asked, without binary fractions' noise. */
export const round = (value: number) => Math.round(value * 1000) / 1000;

/** A resource of one scope: what is used, what this launch adds, the limit, and whether it would go over. */
export interface CostLine {
  readonly resource: Resource;
  readonly used: number;
  readonly asked: number;
  readonly limit: number;
  readonly exceeds: boolean;
}

/** The lines worth showing: GPUs only where there are some to use or to ask. */
export function costLines(use: { quota: Resources; used: Resources }, asks: Resources | undefined): CostLine[] {
  return RESOURCES.flatMap((resource) => {
    const used = use.used[resource];
    const asked = asks?.[resource] ?? 0;
    const limit = use.quota[resource];
    if (resource === "gpu" && limit === 0 && used === 0 && asked === 0) return [];
    return [{ resource, used, asked, limit, exceeds: asked > 0 && round(used + asked) > limit }];
  });
}
