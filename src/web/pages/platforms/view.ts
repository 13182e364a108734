// What a platform's report means for the people reading it: whether Plateau's commits reach
// it (the desired-state remote's state), and whether anything needs someone's attention.
import type { Platform } from "../../../contracts/api.js";
import type { ReclaimReport as ReclaimReportBody } from "../../../contracts/reclaim.js";

export type DeliveryLevel = "direct" | "ok" | "progress" | "problem";

/**
 * The remote's states (core/sync/remote-sync.ts RemoteState, and no-remote): in-sync, disabled
 * and no-remote are fine (with no remote, the cluster clones the repository Plateau serves);
 * ahead, behind and pushing resolve by themselves; failing and diverged need an operator, and
 * so does a state this portal does not know.
 */
export function deliveryLevel(delivery: Platform["delivery"]): DeliveryLevel {
  if (delivery === null) return "direct";
  switch (delivery.state) {
    case "in-sync":
    case "no-remote":
    case "disabled":
      return "ok";
    case "ahead":
    case "behind":
    case "pushing":
      return "progress";
    default:
      return "problem";
  }
}

/** Platforms needing attention first (unreachable, delivery failing), then by name. */
export function sortPlatforms(platforms: readonly Platform[]): Platform[] {
  const attention = (p: Platform) => (!p.available || deliveryLevel(p.delivery) === "problem" ? 0 : 1);
  return [...platforms].sort((a, b) => attention(a) - attention(b) || a.name.localeCompare(b.name));
}

/** A pool's totals: its figures are per node. */
export function poolTotals(pool: Platform["pools"][number]): { cpu: number; memoryGiB: number; gpu: number } {
  return { cpu: pool.cpu * pool.nodes, memoryGiB: pool.memoryGiB * pool.nodes, gpu: (pool.gpu?.count ?? 0) * pool.nodes };
}

type Freed = ReclaimReportBody["frees"];

/**
 * Idle reclaim's dry run seen from one platform: its items, what acting on them frees (the
 * report's total is every platform's), and whether the platform is one reclaim never touches.
 */
export function reclaimOfPlatform(report: ReclaimReportBody, platform: string): { items: ReclaimReportBody["items"]; frees: Freed; withoutMetrics: boolean } {
  const items = report.items.filter((item) => item.platform === platform);
  // A cancelled step frees nothing (its `frees` are zero): the sum is the report's, for this platform.
  const frees = items.reduce<Freed>(
    (sum, item) => ({
      cpu: sum.cpu + item.frees.cpu,
      memoryGiB: sum.memoryGiB + item.frees.memoryGiB,
      gpu: sum.gpu + item.frees.gpu,
      storageGiB: sum.storageGiB + item.frees.storageGiB,
    }),
    { cpu: 0, memoryGiB: 0, gpu: 0, storageGiB: 0 },
  );
  return { items, frees, withoutMetrics: report.platformsWithoutMetrics.includes(platform) };
}
