// One platform for its operators: usage per lab and project over a window, what its metrics
// hold (series per metric, top producers, labs over their series budget: "monitor better, not
// more"), and what idle reclaim would do today and free. Others get the API's refusal, said.
import { useState } from "react";
import type { SeriesReportBody } from "../../../contracts/alerts.js";
import type { ReclaimReport } from "../../../contracts/reclaim.js";
import type { UsageReportBody } from "../../../contracts/usage.js";
import { ApiError, path } from "../../api.js";
import { ErrorNotice, Loading, ResourceNotice } from "../../components/notice.js";
import { EfficiencySummary, ShowbackTable, TopWasters, WindowChoice } from "../../components/showback.js";
import { defineMessages, formatDate, useLanguage, useT } from "../../i18n.js";
import { Link } from "../../router.js";
import { formatDue, formatNumber, type UsageWindowName } from "../../shared/usage.js";
import { useResource } from "../../use-resource.js";
import { reclaimOfPlatform } from "./view.js";

const messages = defineMessages({
  en: {
    title: "Platform {platform}",
    back: "All platforms",
    operatorsOnly: "This page is for Plateau's operators.",
    usage: "Usage",
    perLab: "Per lab",
    perProject: "Per project",
    wasters: "Top wasters",
    series: "What its metrics hold",
    seriesIntro: "Series in its VictoriaMetrics: monitor better, not more.",
    totalSeries: "{count} series in all.",
    noMetrics: "This platform declares no metrics source: no usage, no series, and idle reclaim never acts here.",
    metric: "Metric",
    label: "Label",
    count: "Series",
    byMetric: "Series per metric",
    byLabel: "Series per label",
    producers: "Top producers",
    namespace: "Namespace",
    project: "Project",
    lab: "Lab",
    budgets: "Labs and their series budget",
    budget: "Budget",
    over: "Over budget",
    within: "within",
    reclaim: "Idle reclaim today (dry run)",
    reclaimIntro: "What the policy would do today to this platform's instances; nothing is changed.",
    reclaimNone: "Idle reclaim would do nothing here today.",
    reclaimFrees: "Acting on it would free {cpu} cores, {memory} GiB of memory, {gpu} GPUs and {storage} GiB of storage.",
    reclaimOff: "Idle reclaim is not set up on this Plateau.",
    instance: "Instance",
    step: "Step",
    due: "When",
    why: "Why",
    frees: "Frees",
    freesValue: "{cpu} cores, {memory} GiB",
    "step.notify": "announce",
    "step.stop": "stop",
    "step.remove": "remove",
    "step.cancel": "cancel",
    "step.pending": "announced:",
    "what.stop": "the stop",
    "what.remove": "the removal",
    "what.cancel": "",
    asOf: "As of {date}.",
  },
  fr: {
    title: "Plateforme {platform}",
    back: "Toutes les plateformes",
    operatorsOnly: "Cette page est réservée aux opérateurs de Plateau.",
    usage: "Consommation",
    perLab: "Par labo",
    perProject: "Par projet",
    wasters: "Plus gros gaspillages",
    series: "Ce que contiennent ses métriques",
    seriesIntro: "Les séries de son VictoriaMetrics : mieux surveiller, pas davantage.",
    totalSeries: "{count} séries en tout.",
    noMetrics:
      "Cette plateforme ne déclare pas de source de métriques : ni consommation, ni séries, et la récupération des instances inactives n'y agit jamais.",
    metric: "Métrique",
    label: "Étiquette",
    count: "Séries",
    byMetric: "Séries par métrique",
    byLabel: "Séries par étiquette",
    producers: "Plus gros producteurs",
    namespace: "Espace de noms",
    project: "Projet",
    lab: "Labo",
    budgets: "Les labos et leur budget de séries",
    budget: "Budget",
    over: "Budget dépassé",
    within: "dans le budget",
    reclaim: "Récupération des instances inactives aujourd'hui (simulation)",
    reclaimIntro: "Ce que la politique ferait aujourd'hui aux instances de cette plateforme ; rien n'est modifié.",
    reclaimNone: "La récupération des instances inactives ne ferait rien ici aujourd'hui.",
    reclaimFrees: "Cela libérerait {cpu} cœurs, {memory} Gio de mémoire, {gpu} GPU et {storage} Gio de stockage.",
    reclaimOff: "La récupération des instances inactives n'est pas configurée sur ce Plateau.",
    instance: "Instance",
    step: "Étape",
    due: "Quand",
    why: "Pourquoi",
    frees: "Libère",
    freesValue: "{cpu} cœurs, {memory} Gio",
    "step.notify": "annoncer",
    "step.stop": "arrêter",
    "step.remove": "supprimer",
    "step.cancel": "annuler",
    "step.pending": "annoncé :",
    "what.stop": "l'arrêt",
    "what.remove": "la suppression",
    "what.cancel": "",
    asOf: "Au {date}.",
  },
});
type Key = keyof (typeof messages)["en"];
type ReclaimItem = ReclaimReport["items"][number];
/** The words of each step and of what it announces: a step added to the API without words fails to compile here. */
const STEP_KEYS: Readonly<Record<ReclaimItem["step"], Key>> = {
  notify: "step.notify",
  stop: "step.stop",
  remove: "step.remove",
  cancel: "step.cancel",
  pending: "step.pending",
};
const WHAT_KEYS: Readonly<Record<ReclaimItem["what"], Key>> = { stop: "what.stop", remove: "what.remove", cancel: "what.cancel" };

export function PlatformPage({ platform }: { platform: string }) {
  const t = useT(messages);
  const [window, setWindow] = useState<UsageWindowName>("30d");
  const usage = useResource<UsageReportBody>(`${path`/platforms/${platform}/usage`}?window=${window}`);
  const forbidden = usage.error instanceof ApiError && usage.error.status === 403;
  return (
    <section aria-labelledby="platform-title">
      <p className="small">
        <Link to="/platforms">{t("back")}</Link>
      </p>
      <h1 id="platform-title">{t("title", { platform })}</h1>
      {forbidden ? (
        <p className="muted">{t("operatorsOnly")}</p>
      ) : (
        <>
          <h2>{t("usage")}</h2>
          <WindowChoice value={window} onChange={setWindow} />
          {usage.data === undefined && usage.loading && <Loading />}
          <ErrorNotice error={usage.error} onRetry={() => void usage.reload()} />
          {usage.data && (
            <>
              <EfficiencySummary report={usage.data} />
              <h3>{t("perLab")}</h3>
              <ShowbackTable report={usage.data} by="lab" label={t("perLab")} />
              <h3>{t("perProject")}</h3>
              <ShowbackTable report={usage.data} by="project" label={t("perProject")} />
              <h3>{t("wasters")}</h3>
              <TopWasters report={usage.data} label={t("wasters")} />
            </>
          )}
          <SeriesReport platform={platform} />
          <ReclaimDryRun platform={platform} />
        </>
      )}
    </section>
  );
}

function CountTable({ label, head, rows }: { label: string; head: string; rows: readonly { name: string; series: number }[] }) {
  const t = useT(messages);
  const { language } = useLanguage();
  return (
    <div className="table-wrap">
      <table aria-label={label}>
        <thead>
          <tr>
            <th scope="col">{head}</th>
            <th scope="col">{t("count")}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.name}>
              <th scope="row">
                <code>{row.name}</code>
              </th>
              <td>{formatNumber(row.series, language)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function SeriesReport({ platform }: { platform: string }) {
  const t = useT(messages);
  const { language } = useLanguage();
  const report = useResource<SeriesReportBody>(`${path`/platforms/${platform}/metrics/report`}?top=10`);
  // 503: the platform declares no metrics source; 404: this Plateau runs no alerts service.
  const none = report.error instanceof ApiError && (report.error.status === 503 || report.error.status === 404);
  return (
    <>
      <h2>{t("series")}</h2>
      {none ? (
        <p className="muted">{t("noMetrics")}</p>
      ) : (
        <>
          <p className="muted small">{t("seriesIntro")}</p>
          <ResourceNotice resource={report} />
          {report.data && (
            <div className="series-report">
              <p>{t("totalSeries", { count: formatNumber(report.data.totalSeries, language) })}</p>
              <h3>{t("budgets")}</h3>
              <div className="table-wrap">
                <table aria-label={t("budgets")} className="series-budgets">
                  <thead>
                    <tr>
                      <th scope="col">{t("lab")}</th>
                      <th scope="col">{t("count")}</th>
                      <th scope="col">{t("budget")}</th>
                      <th scope="col">{t("over")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {report.data.labs.map((lab) => (
                      <tr key={lab.lab} className={lab.over ? "over-budget" : undefined}>
                        <th scope="row">
                          <Link to={path`/labs/${lab.lab}`}>{lab.lab}</Link>
                        </th>
                        <td>{formatNumber(lab.series, language)}</td>
                        <td>{formatNumber(lab.budget, language)}</td>
                        <td>{lab.over ? <strong>{t("over")}</strong> : <span className="muted">{t("within")}</span>}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <h3>{t("producers")}</h3>
              <div className="table-wrap">
                <table aria-label={t("producers")}>
                  <thead>
                    <tr>
                      <th scope="col">{t("namespace")}</th>
                      <th scope="col">{t("project")}</th>
                      <th scope="col">{t("lab")}</th>
                      <th scope="col">{t("count")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {report.data.topProducers.map((producer) => (
                      <tr key={producer.namespace}>
                        <th scope="row">
                          <code>{producer.namespace}</code>
                        </th>
                        <td>{producer.project ?? "–"}</td>
                        <td>{producer.lab ?? "–"}</td>
                        <td>{formatNumber(producer.series, language)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <h3>{t("byMetric")}</h3>
              <CountTable label={t("byMetric")} head={t("metric")} rows={report.data.byMetric} />
              <h3>{t("byLabel")}</h3>
              <CountTable label={t("byLabel")} head={t("label")} rows={report.data.byLabel} />
            </div>
          )}
        </>
      )}
    </>
  );
}

function ReclaimDryRun({ platform }: { platform: string }) {
  const t = useT(messages);
  const { language } = useLanguage();
  const report = useResource<ReclaimReport>("/reclaim/report");
  const off = report.error instanceof ApiError && report.error.status === 404;
  const mine = report.data ? reclaimOfPlatform(report.data, platform) : undefined;
  const n = (value: number) => formatNumber(value, language);
  return (
    <>
      <h2>{t("reclaim")}</h2>
      {off ? (
        <p className="muted">{t("reclaimOff")}</p>
      ) : (
        <>
          <p className="muted small">{t("reclaimIntro")}</p>
          <ResourceNotice resource={report} />
          {report.data && mine && (
            <div className="reclaim-report">
              <p className="small muted">{t("asOf", { date: formatDate(report.data.at, language) })}</p>
              {mine.withoutMetrics ? (
                <p className="muted">{t("noMetrics")}</p>
              ) : mine.items.length === 0 ? (
                <p className="muted">{t("reclaimNone")}</p>
              ) : (
                <>
                  <p className="reclaim-frees">
                    {t("reclaimFrees", { cpu: n(mine.frees.cpu), memory: n(mine.frees.memoryGiB), gpu: n(mine.frees.gpu), storage: n(mine.frees.storageGiB) })}
                  </p>
                  <div className="table-wrap">
                    <table aria-label={t("reclaim")}>
                      <thead>
                        <tr>
                          <th scope="col">{t("instance")}</th>
                          <th scope="col">{t("step")}</th>
                          <th scope="col">{t("due")}</th>
                          <th scope="col">{t("why")}</th>
                          <th scope="col">{t("frees")}</th>
                        </tr>
                      </thead>
                      <tbody>
                        {mine.items.map((item) => (
                          <tr key={`${item.project}/${item.instance}`} data-step={item.step}>
                            <th scope="row">
                              <Link to={path`/projects/${item.project}/instances/${item.instance}`}>{`${item.project}/${item.instance}`}</Link>
                            </th>
                            <td>
                              {t(STEP_KEYS[item.step])} {(item.step === "notify" || item.step === "pending") && t(WHAT_KEYS[item.what])}
                            </td>
                            <td>
                              <time dateTime={item.due}>{formatDue(item.due, language)}</time>
                            </td>
                            <td>
                              <code>{item.why}</code>
                            </td>
                            <td>{t("freesValue", { cpu: n(item.frees.cpu), memory: n(item.frees.memoryGiB) })}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                </>
              )}
            </div>
          )}
        </>
      )}
    </>
  );
}
