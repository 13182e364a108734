// How much of a quota is used, as a bar with its numbers (the numbers are the accessible part).
import { useLanguage } from "../i18n.js";

export function UsageBar({ label, used, limit, unit = "" }: { label: string; used: number; limit: number; unit?: string }) {
  const ratio = limit > 0 ? Math.min(used / limit, 1) : used > 0 ? 1 : 0;
  const level = ratio >= 0.9 ? "high" : ratio >= 0.7 ? "medium" : "low";
  const { language } = useLanguage();
  // Numbers written as the reader's language writes them (0,05 in French), two decimals at most.
  const number = new Intl.NumberFormat(language, { maximumFractionDigits: 2 });
  const text = `${number.format(used)} / ${number.format(limit)}${unit ? ` ${unit}` : ""}`;
  return (
    <div className="usage">
      <div className="usage-label">
        <span>{label}</span>
        <span>{text}</span>
      </div>
      <meter
        className={`usage-${level}`}
        min={0}
        max={Math.max(limit, used, 1)}
        value={used}
        low={limit * 0.7}
        high={limit * 0.9}
        optimum={0}
        aria-label={`${label}: ${text}`}
      />
    </div>
  );
}
