// The pool a chart's pod lands on, as the placement panel says it: its node selector and
// tolerations written as Kubernetes writes them (`key=value`, `key=value:Effect`).
import type { Placement } from "../../../contracts/api.js";

export type PoolLanding = NonNullable<Placement["pool"]>;

/** `key=value` pairs, sorted as the server sends them; empty for none. */
export function selectorText(pool: PoolLanding): string {
  return Object.entries(pool.nodeSelector)
    .map(([key, value]) => `${key}=${value}`)
    .join(", ");
}

/** Each toleration as a taint it tolerates: `key:Effect` (any value), `key=value:Effect`; empty for none. */
export function tolerationsText(pool: PoolLanding): string {
  return pool.tolerations
    .map((toleration) => {
      const key = toleration.key ?? "*";
      const value = toleration.operator === "Exists" || toleration.value === undefined ? "" : `=${toleration.value}`;
      return `${key}${value}${toleration.effect ? `:${toleration.effect}` : ""}`;
    })
    .join(", ");
}
