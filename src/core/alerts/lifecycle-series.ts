// What the labs' alerts need that no cluster metric says: how much of its quota each project
// (and its lab) uses, and when each running instance expires. Plateau exports them as gauges
// on `/metrics/tenants` (behind the scrape token: names of projects and instances never leak
// on the public `/metrics`), labelled with the namespace like every series of the project.
import type { QuotaReport } from "../tenancy/service.js";
import { RESOURCES, type Resources } from "../tenancy/quota.js";
import type { TenantSample, TenantSeriesCollector } from "../ports/tenant-series.js";

export const QUOTA_RATIO_METRIC = "plateau_quota_used_ratio";
export const EXPIRY_METRIC = "plateau_instance_expiry_timestamp_seconds";

export interface LifecycleSeriesDeps {
  /** Every project (personal ones too: their quota matters as much). */
  readonly projects: () => Promise<readonly { readonly name: string }[]>;
  /** A project's quota and use, and its lab's. */
  readonly quotaReport: (project: string) => Promise<QuotaReport>;
  readonly instances: () => Promise<readonly { readonly project: string; readonly name: string; readonly state: string; readonly expiresAt: string | null }[]>;
  /** The label carrying the namespace (default `namespace`, as the platforms' series). */
  readonly namespaceLabel?: string;
}

const QUOTA_HELP = "Share of its quota a project (quota=project) or its lab (quota=lab) uses, per resource (0-1; above 1 when a quota was lowered)";
const EXPIRY_HELP = "When Plateau stops a running instance unless it is renewed (Unix seconds)";

/** used / quota per resource; a zero quota with nothing used is no use (no series), with something used is full. */
function ratios(quota: Resources, used: Resources): [string, number][] {
  return RESOURCES.flatMap((resource): [string, number][] => {
    const limit = quota[resource];
    const use = used[resource];
    if (limit > 0) return [[resource, use / limit]];
    return use > 0 ? [[resource, 1]] : [];
  });
}

export function createLifecycleSeriesCollector(deps: LifecycleSeriesDeps): TenantSeriesCollector {
  const ns = deps.namespaceLabel ?? "namespace";
  return {
    async collect() {
      const samples: TenantSample[] = [];
      const projects = [...(await deps.projects())].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const project of projects) {
        const report = await deps.quotaReport(project.name);
        const scopes: ["project" | "lab", Resources, Resources][] = [["project", report.project.quota, report.project.used]];
        // The lab's use is every project's concern: each of its projects carries it (the alert names the project it reaches).
        if (report.lab) scopes.push(["lab", report.lab.quota, report.lab.used]);
        for (const [quota, limit, used] of scopes) {
          for (const [resource, value] of ratios(limit, used)) {
            samples.push({ name: QUOTA_RATIO_METRIC, help: QUOTA_HELP, type: "gauge", labels: { [ns]: project.name, quota, resource }, value });
          }
        }
      }
      const instances = [...(await deps.instances())]
        .filter((instance) => instance.state === "running" && instance.expiresAt !== null)
        .sort((a, b) => (a.project === b.project ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.project < b.project ? -1 : 1));
      for (const instance of instances) {
        const at = Date.parse(instance.expiresAt ?? "");
        if (!Number.isFinite(at)) continue;
        samples.push({ name: EXPIRY_METRIC, help: EXPIRY_HELP, type: "gauge", labels: { [ns]: instance.project, instance: instance.name }, value: at / 1000 });
      }
      return samples;
    },
  };
}
