// The lab page's efficiency and alerts: requested against used over a window, showback per
// project, the top wasters (lab admins and operators: the API says who with its answer), the
// lab's alert rules and the alerts of its projects that reached the reader lately.
import { useState } from "react";
import type { LabAlertsBody } from "../../../contracts/alerts.js";
import type { Notice } from "../../../contracts/reclaim.js";
import type { UsageReportBody } from "../../../contracts/usage.js";
import { ApiError, path } from "../../api.js";
import { CODE_TEXTS, noticeText } from "../../code-texts.js";
import { ErrorNotice, Loading, ResourceNotice } from "../../components/notice.js";
import { EfficiencySummary, ShowbackTable, TopWasters, WindowChoice } from "../../components/showback.js";
import { defineMessages, formatDate, useLanguage, useT } from "../../i18n.js";
import { Link } from "../../router.js";
import { noticeParams, type UsageWindowName } from "../../shared/usage.js";
import { useResource } from "../../use-resource.js";
import { recentLabAlerts, ruleThreshold } from "./alerts-view.js";

const messages = defineMessages({
  en: {
    efficiency: "Efficiency",
    efficiencyIntro: "What the lab's instances requested and used, from the platforms' metrics.",
    adminsOnly: "The lab's efficiency and showback are for its administrators.",
    showback: "Showback per project",
    wasters: "Top wasters",
    wastersIntro: "The instances that leave the most requested CPU unused: their pages say how to right-size them.",
    alerts: "Alerts",
    rules: "Rules",
    rulesIntro: "Plateau watches the lab's instances with these rules; each alert names the instance and what to do.",
    rule: "Rule",
    threshold: "Threshold",
    after: "For",
    severity: "Severity",
    action: "Action",
    minutes: "{count} min",
    restarts: "{value} restarts in 15 min",
    share: "{value} used",
    hours: "{value} h before",
    noThreshold: "–",
    "severity.warning": "warning",
    "severity.critical": "critical",
    "rule.instance-down": "Instance down",
    "rule.restart-loop": "Restart loop",
    "rule.volume-full": "Volume nearly full",
    "rule.quota-nearly-used": "Quota nearly used",
    "rule.expiring-soon": "Expiring soon",
    firing: "Fired in the last 24 hours",
    firingNone: "No alert of the lab's projects reached you in the last 24 hours.",
    noRules: "The lab has turned every rule off.",
  },
  fr: {
    efficiency: "Efficacité",
    efficiencyIntro: "Ce que les instances du labo ont demandé et utilisé, d'après les métriques des plateformes.",
    adminsOnly: "L'efficacité et la refacturation du labo sont réservées à ses administrateurs.",
    showback: "Refacturation par projet",
    wasters: "Plus gros gaspillages",
    wastersIntro: "Les instances qui laissent le plus de CPU demandé inutilisé : leur page dit comment les redimensionner.",
    alerts: "Alertes",
    rules: "Règles",
    rulesIntro: "Plateau surveille les instances du labo avec ces règles ; chaque alerte nomme l'instance et ce qu'il faut faire.",
    rule: "Règle",
    threshold: "Seuil",
    after: "Pendant",
    severity: "Gravité",
    action: "Action",
    minutes: "{count} min",
    restarts: "{value} redémarrages en 15 min",
    share: "{value} utilisés",
    hours: "{value} h avant",
    noThreshold: "–",
    "severity.warning": "avertissement",
    "severity.critical": "critique",
    "rule.instance-down": "Instance en panne",
    "rule.restart-loop": "Redémarrages en boucle",
    "rule.volume-full": "Volume presque plein",
    "rule.quota-nearly-used": "Quota presque épuisé",
    "rule.expiring-soon": "Expiration proche",
    firing: "Déclenchées ces dernières 24 heures",
    firingNone: "Aucune alerte des projets du labo ne vous est parvenue ces dernières 24 heures.",
    noRules: "Le labo a désactivé toutes les règles.",
  },
});
type Key = keyof (typeof messages)["en"];

export function LabUsage({ lab }: { lab: string }) {
  const t = useT(messages);
  const [window, setWindow] = useState<UsageWindowName>("30d");
  const report = useResource<UsageReportBody>(`${path`/labs/${lab}/usage`}?window=${window}`);
  const forbidden = report.error instanceof ApiError && report.error.status === 403;
  return (
    <>
      <h2 id="lab-efficiency">{t("efficiency")}</h2>
      {forbidden ? (
        <p className="muted">{t("adminsOnly")}</p>
      ) : (
        <>
          <p className="muted small">{t("efficiencyIntro")}</p>
          <WindowChoice value={window} onChange={setWindow} />
          {report.data === undefined && report.loading && <Loading />}
          <ErrorNotice error={report.error} onRetry={() => void report.reload()} />
          {report.data && (
            <>
              <EfficiencySummary report={report.data} />
              <h3>{t("showback")}</h3>
              <ShowbackTable report={report.data} by="project" label={t("showback")} />
              <h3>{t("wasters")}</h3>
              <p className="muted small">{t("wastersIntro")}</p>
              <TopWasters report={report.data} label={t("wasters")} />
            </>
          )}
        </>
      )}
    </>
  );
}

export function LabAlerts({ lab }: { lab: string }) {
  const t = useT(messages);
  const { language } = useLanguage();
  const alerts = useResource<LabAlertsBody>(path`/labs/${lab}/alerts`);
  const notices = useResource<{ items: Notice[] }>("/notifications?limit=200");
  const recent = alerts.data && notices.data ? recentLabAlerts(notices.data.items, alerts.data.projects, Date.now()) : [];
  return (
    <>
      <h2 id="lab-alerts">{t("alerts")}</h2>
      <ResourceNotice resource={alerts} />
      {alerts.data && (
        <>
          <h3>{t("firing")}</h3>
          {recent.length === 0 ? (
            <p className="muted">{t("firingNone")}</p>
          ) : (
            <ul className="lab-firing">
              {recent.map((notice) => (
                <li key={notice.key} data-kind={notice.kind}>
                  <time className="small muted" dateTime={notice.createdAt}>
                    {formatDate(notice.createdAt, language)}
                  </time>{" "}
                  {noticeText({ kind: notice.kind, params: noticeParams(notice, language) }, language)}
                  {notice.instance && (
                    <>
                      {" "}
                      <Link to={path`/projects/${notice.project}/instances/${notice.instance}`}>{notice.instance}</Link>
                    </>
                  )}
                </li>
              ))}
            </ul>
          )}
          <h3 id="lab-rules">{t("rules")}</h3>
          <p className="muted small">{t("rulesIntro")}</p>
          {alerts.data.rules.length === 0 ? (
            <p className="muted">{t("noRules")}</p>
          ) : (
            <div className="table-wrap">
              <table aria-labelledby="lab-rules" className="lab-rules">
                <thead>
                  <tr>
                    <th scope="col">{t("rule")}</th>
                    <th scope="col">{t("threshold")}</th>
                    <th scope="col">{t("after")}</th>
                    <th scope="col">{t("severity")}</th>
                    <th scope="col">{t("action")}</th>
                  </tr>
                </thead>
                <tbody>
                  {alerts.data.rules.map((rule) => {
                    const threshold = ruleThreshold(rule, language);
                    return (
                      <tr key={rule.id} data-rule={rule.id}>
                        <th scope="row">{t(`rule.${rule.id}` as Key)}</th>
                        <td>{threshold ? t(threshold.key, { value: threshold.value }) : t("noThreshold")}</td>
                        <td>{t("minutes", { count: rule.forMinutes })}</td>
                        <td>{t(`severity.${rule.severity}` as Key)}</td>
                        <td>{CODE_TEXTS[language].noticeActions[rule.action]}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </>
  );
}
