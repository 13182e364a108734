// An instance's phase, in words and colour (the colour is never the only sign).
import type { Instance } from "../../contracts/api.js";
import { common, useT, type CommonKey } from "../i18n.js";

export type Phase = Instance["phase"];

/** Phases that change by themselves: pages poll while an instance is in one. */
export const inMotion = (phase: Phase): boolean => phase === "pending" || phase === "starting" || phase === "stopping";

export function PhaseBadge({ phase, reason }: { phase: Phase; reason?: string }) {
  const t = useT(common);
  return (
    <span className={`phase phase-${phase}`} title={reason || undefined}>
      {inMotion(phase) && <span className="spinner" aria-hidden="true" />}
      {t(`phase.${phase}` as CommonKey)}
    </span>
  );
}
