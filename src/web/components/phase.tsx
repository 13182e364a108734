// An instance's phase, in words and colour (the colour is never the only sign).
import type { Instance } from "../../contracts/api.js";
import { statusReasonText } from "../code-texts.js";
import { common, useLanguage, useT, type CommonKey } from "../i18n.js";

export type Phase = Instance["phase"];

/** Phases that change by themselves: pages poll while an instance is in one. */
export const inMotion = (phase: Phase): boolean => phase === "pending" || phase === "starting" || phase === "stopping";

/** `reason`: why it is in this phase (its code and values), said in the reader's language as the badge's title. */
export function PhaseBadge({ phase, reason }: { phase: Phase; reason?: Pick<Instance, "reasonCode" | "reasonParams"> }) {
  const t = useT(common);
  const { language } = useLanguage();
  return (
    <span className={`phase phase-${phase}`} title={(reason && statusReasonText(reason, language)) || undefined}>
      {inMotion(phase) && <span className="spinner" aria-hidden="true" />}
      {t(`phase.${phase}` as CommonKey)}
    </span>
  );
}
