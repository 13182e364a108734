// A quota's five resources as usage bars, named the same way on the project and lab pages.
import type { Resources } from "../../contracts/api.js";
import { defineMessages, useT } from "../i18n.js";
import { UsageBar } from "./usage-bar.js";

export const resourceMessages = defineMessages({
  en: { cpu: "CPU", memoryGiB: "Memory", gpu: "GPU", instances: "Instances", storageGiB: "Storage", cores: "cores", GiB: "GiB" },
  fr: { cpu: "CPU", memoryGiB: "Mémoire", gpu: "GPU", instances: "Instances", storageGiB: "Stockage", cores: "cœurs", GiB: "Gio" },
});

const ORDER = ["cpu", "memoryGiB", "gpu", "instances", "storageGiB"] as const;
export type ResourceName = (typeof ORDER)[number];
export const UNITS: Record<ResourceName, "cores" | "GiB" | ""> = { cpu: "cores", memoryGiB: "GiB", gpu: "", instances: "", storageGiB: "GiB" };

export function QuotaBars({ quota, used }: { quota: Resources; used: Resources }) {
  const t = useT(resourceMessages);
  return (
    <div className="quota-bars">
      {ORDER.map((resource) => {
        const unit = UNITS[resource];
        return <UsageBar key={resource} label={t(resource)} used={used[resource]} limit={quota[resource]} unit={unit ? t(unit) : ""} />;
      })}
    </div>
  );
}
