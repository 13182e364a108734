// What the launch would count against the project's and the lab's quotas, and where it would exceed them.
import type { Placement, QuotaReport, Resources } from "../../../contracts/api.js";
import { quotaBlockText } from "../../code-texts.js";
import { ErrorNotice, Loading } from "../../components/notice.js";
import { UsageBar } from "../../components/usage-bar.js";
import { resourcesText } from "../../form/schema-form-view.js";
import type { Language } from "../../i18n.js";
import { costLines, quotaWarnings, round, type Resource } from "./cost.js";
import type { T } from "./text.js";

export function CostPanel({
  quota,
  quotaError,
  onRetry,
  personal,
  asks,
  block,
  language,
  t,
  loading,
}: {
  quota: QuotaReport | undefined;
  quotaError: unknown;
  onRetry(): void;
  /** The project, when it is the person's own personal project, not made yet. */
  personal: string | undefined;
  asks: Resources | undefined;
  /** The quota the placement answer says would refuse the launch (null: it fits). */
  block?: Placement["quota"];
  language: Language;
  t: T;
  loading: string;
}) {
  const unit = (resource: Resource) => (resource === "cpu" ? t("unitCores") : resource === "memoryGiB" || resource === "storageGiB" ? t("unitGiB") : "");
  const amount = (value: number) => new Intl.NumberFormat(language === "fr" ? "fr-FR" : "en-GB", { maximumFractionDigits: 3 }).format(value);
  const scopes = quota
    ? [
        {
          kind: "project" as const,
          name: quota.project.name,
          title: t("scopeProject", { name: quota.project.name }),
          scope: t("scopeProject", { name: quota.project.name }),
          use: quota.project,
        },
        ...(quota.lab
          ? [
              {
                kind: "lab" as const,
                name: quota.lab.name,
                title: t("scopeLab", { name: quota.lab.name }),
                scope: t("scopeLab", { name: quota.lab.name }),
                use: quota.lab,
              },
            ]
          : []),
      ]
    : [];
  const warnings = quotaWarnings(scopes, asks, block);
  const over = warnings.over.map(({ scope, line }) => ({ scope: scope.scope, line }));
  return (
    <section className="panel" aria-labelledby="cost-title">
      <h2 id="cost-title">{t("costTitle")}</h2>
      {asks ? (
        <>
          <p>{t("costLine", { resources: resourcesText(asks, language) })}</p>
          {asks.storageGiB > 0 && <p>{t("costStorage", { storage: `${amount(asks.storageGiB)} ${t("unitGiB")}` })}</p>}
        </>
      ) : (
        <p className="muted">{t("costPending")}</p>
      )}
      {/* The server names the quota that would refuse the launch, and who can raise it how. */}
      {warnings.block && (
        <p className="notice warning" role="alert">
          {quotaBlockText(warnings.block, language)}
        </p>
      )}
      {over.map(({ scope, line }) => (
        <p key={`${scope}:${line.resource}`} className="notice warning" role="alert">
          {t("exceeds", {
            scope,
            resource: t(line.resource),
            after: `${amount(round(line.used + line.asked))} ${unit(line.resource)}`.trim(),
            limit: `${amount(line.limit)} ${unit(line.resource)}`.trim(),
          })}
        </p>
      ))}
      {/* Plateau makes one's personal project at its first launch: until then it has no report. */}
      {personal !== undefined ? (
        <p className="muted">{t("personalFirst", { name: personal })}</p>
      ) : (
        <>
          {quota === undefined && quotaError === undefined && <Loading label={loading} />}
          <ErrorNotice error={quotaError} onRetry={onRetry} />
        </>
      )}
      {scopes.map((s) => (
        <div key={s.title}>
          <h3>{s.title}</h3>
          {costLines(s.use, asks).map((line) => (
            <UsageBar
              key={line.resource}
              label={line.asked > 0 ? t("withLaunch", { label: t(line.resource), asked: amount(line.asked) }) : t(line.resource)}
              used={round(line.used + line.asked)}
              limit={line.limit}
              unit={unit(line.resource)}
            />
          ))}
        </div>
      ))}
    </section>
  );
}
