// What a launch counts against the project's and the lab's quotas, resource by resource.
import type { Resources } from "../../../contracts/api.js";
import type { QuotaBlockCode } from "../../../contracts/codes.js";

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

/** A quota the launch would not fit, as the placement answer names it (its code says who may raise it). */
export interface QuotaBlockNotice {
  readonly code: QuotaBlockCode;
  readonly params: Readonly<Record<string, string | number>>;
}

/**
 * What the panel warns of: the server's block first (the quota the launch would be refused
 * by, with who can raise it and how), then the other resources this launch would take over a
 * quota, worked out here from the report; the resource the block names is said once.
 */
export function quotaWarnings<S extends { kind: "project" | "lab"; name: string; use: { quota: Resources; used: Resources } }>(
  scopes: readonly S[],
  asks: Resources | undefined,
  block: QuotaBlockNotice | null | undefined,
): { block: QuotaBlockNotice | undefined; over: { scope: S; line: CostLine }[] } {
  const blockScope = block ? (block.code === "lab-quota" ? "lab" : "project") : undefined;
  const over = scopes.flatMap((scope) =>
    costLines(scope.use, asks)
      .filter((line) => line.exceeds)
      .filter((line) => !(block && scope.kind === blockScope && scope.name === block.params.name && line.resource === block.params.resource))
      .map((line) => ({ scope, line })),
  );
  return { block: block ?? undefined, over };
}
