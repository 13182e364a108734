// An instance's usage: CPU and memory used against what it requests over a window (a uPlot
// chart, the numbers beside it for those who do not see it), its efficiency, core-hours and
// GiB-hours, the right-sizing advice with its saving and, for those who may change the
// instance, one click to apply it (one commit). A pending idle notice with its *Keep it*.
import { useMemo, useState } from "react";
import type { ChangeResponse, Project } from "../../../contracts/api.js";
import type { Notice } from "../../../contracts/reclaim.js";
import type { InstanceUsageBody } from "../../../contracts/usage.js";
import { api, ApiError, newActionKey, path } from "../../api.js";
import { noticeText } from "../../code-texts.js";
import { ConfirmButton } from "../../components/confirm.js";
import { ErrorNotice, Loading } from "../../components/notice.js";
import { UsageChart } from "../../components/usage-chart.js";
import { defineMessages, useLanguage, useT } from "../../i18n.js";
import { useResource } from "../../use-resource.js";
import {
  adviceApplicable,
  adviceDirection,
  chartSeries,
  cpuText,
  formatAmount,
  formatNumber,
  formatPercent,
  hasPoints,
  memoryText,
  noticeParams,
  pendingIdleNotice,
  WINDOWS,
  type UsageWindowName,
} from "../../shared/usage.js";

export const usageMessages = defineMessages({
  en: {
    usage: "Usage",
    usageIntro: "What it used against what it requests, as its platform's metrics say.",
    window: "Window",
    "window.1h": "1 hour",
    "window.24h": "24 hours",
    "window.7d": "7 days",
    "window.30d": "30 days",
    cpuChart: "CPU (cores): used and requested",
    memoryChart: "Memory (GiB): used and requested",
    used: "Used",
    requested: "Requested",
    time: "Time",
    cores: "cores",
    gib: "GiB",
    noMetrics: "Its platform has no metrics: Plateau cannot say what it uses.",
    noUsage: "No usage measured in this window: it did not run, or its platform has not reported it yet.",
    resource: "Resource",
    efficiency: "Efficiency",
    requestedHours: "Requested (hours)",
    usedHours: "Used (hours)",
    average: "Average used / requested",
    cpu: "CPU",
    memory: "Memory",
    gpu: "GPU",
    coreHours: "{value} core-hours",
    gibHours: "{value} GiB-hours",
    gpuHours: "{value} GPU-hours",
    runningHours: "Ran {hours} h in the window.",
    advice: "Right-sizing advice (30 days)",
    adviceIntro: "From the 95th percentile of its usage plus 20 %: {cpu} CPU and {memory} memory (it requests {currentCpu} and {currentMemory}).",
    adviceSaving: "Following it frees {cores} cores and {memory} GiB: {coreHours} core-hours a month.",
    adviceHigher: "It uses more than it requests at times: more would keep it from being throttled or stopped for lack of memory.",
    adviceNone: "No advice: it did not run in the last 30 days.",
    adviceKept: "It already requests what the advice says.",
    apply: "Apply the advice",
    applyQuestion: "Give {name} {cpu} CPU and {memory} memory? This is one commit; it restarts with the new requests.",
    applied: "Resized: {cpu} CPU and {memory} memory, in commit {commit}.",
    appliedNothing: "Nothing to change: it already requests that.",
    idleNotice: "Idle reclaim: {text}",
    keep: "Keep it",
    kept: "Kept: the announced step is cancelled, and idleness counts from now.",
  },
  fr: {
    usage: "Consommation",
    usageIntro: "Ce qu'il a utilisé face à ce qu'il demande, d'après les métriques de sa plateforme.",
    window: "Période",
    "window.1h": "1 heure",
    "window.24h": "24 heures",
    "window.7d": "7 jours",
    "window.30d": "30 jours",
    cpuChart: "CPU (cœurs) : utilisé et demandé",
    memoryChart: "Mémoire (Gio) : utilisée et demandée",
    used: "Utilisé",
    requested: "Demandé",
    time: "Heure",
    cores: "cœurs",
    gib: "Gio",
    noMetrics: "Sa plateforme n'a pas de métriques : Plateau ne peut pas dire ce qu'il utilise.",
    noUsage: "Aucune consommation mesurée sur cette période : il n'a pas tourné, ou sa plateforme ne l'a pas encore signalée.",
    resource: "Ressource",
    efficiency: "Efficacité",
    requestedHours: "Demandé (heures)",
    usedHours: "Utilisé (heures)",
    average: "Moyenne utilisée / demandée",
    cpu: "CPU",
    memory: "Mémoire",
    gpu: "GPU",
    coreHours: "{value} cœurs-heures",
    gibHours: "{value} Gio-heures",
    gpuHours: "{value} GPU-heures",
    runningHours: "A tourné {hours} h sur la période.",
    advice: "Conseil de dimensionnement (30 jours)",
    adviceIntro: "D'après le 95e centile de sa consommation plus 20 % : {cpu} de CPU et {memory} de mémoire (il demande {currentCpu} et {currentMemory}).",
    adviceSaving: "Le suivre libère {cores} cœurs et {memory} Gio : {coreHours} cœurs-heures par mois.",
    adviceHigher: "Il utilise parfois plus qu'il ne demande : davantage lui éviterait d'être bridé ou arrêté faute de mémoire.",
    adviceNone: "Pas de conseil : il n'a pas tourné ces 30 derniers jours.",
    adviceKept: "Il demande déjà ce que dit le conseil.",
    apply: "Appliquer le conseil",
    applyQuestion: "Donner à {name} {cpu} de CPU et {memory} de mémoire ? C'est un commit ; il redémarre avec ses nouvelles demandes.",
    applied: "Redimensionné : {cpu} de CPU et {memory} de mémoire, dans le commit {commit}.",
    appliedNothing: "Rien à changer : il demande déjà cela.",
    idleNotice: "Récupération des instances inactives : {text}",
    keep: "Le garder",
    kept: "Gardé : l'étape annoncée est annulée, et l'inactivité compte à partir de maintenant.",
  },
});
type Key = keyof (typeof usageMessages)["en"];

/** `onChanged`: a commit was made (the page reads the instance and its history again). */
export function UsageSection({ project, instance, onChanged }: { project: string; instance: string; onChanged(): void }) {
  const t = useT(usageMessages);
  const { language } = useLanguage();
  const [window, setWindow] = useState<UsageWindowName>("24h");
  const base = path`/projects/${project}/instances/${instance}`;
  const usage = useResource<{ at: number; platform: string; windows: InstanceUsageBody[] }>(`${base}/usage`);
  const series = useResource<{ at: number; step: number; points: Parameters<typeof chartSeries>[0] }>(`${base}/usage/series?window=${window}`);
  // What the caller may do, as the server says it (ADR 18): the project's `may`.
  const projectView = useResource<Project>(path`/projects/${project}`);
  const notices = useResource<{ items: Notice[] }>("/notifications?limit=200");
  const mayChange = projectView.data?.may.launch === true;
  const [applied, setApplied] = useState<string | undefined>(undefined);
  const [actionError, setActionError] = useState<unknown>(undefined);
  const [keptAt, setKeptAt] = useState<number | undefined>(undefined);
  const charts = useMemo(() => (series.data ? chartSeries(series.data.points) : undefined), [series.data]);
  // The chart is drawn again when its words change, not at each render: it compares them, not this object.
  const labels = { used: t("used"), requested: t("requested"), time: t("time") };

  const noMetrics = usage.error instanceof ApiError && usage.error.status === 404;
  const numbers = usage.data?.windows.find((w) => w.numbers.window === window);
  const month = usage.data?.windows.find((w) => w.numbers.window === "30d");
  const advice = month?.advice ?? null;
  const idle = notices.data ? pendingIdleNotice(notices.data.items, project, instance, Date.now(), keptAt) : undefined;
  const n = (value: number, digits = 2) => formatNumber(value, language, digits);

  const apply = async () => {
    setActionError(undefined);
    setApplied(undefined);
    try {
      const answer = await api<ChangeResponse & { target: { cpuMillicores?: number; memoryMiB?: number } }>(`${base}/resize`, {
        method: "POST",
        body: { advice: true },
        idempotencyKey: newActionKey(),
      });
      setApplied(
        answer.commit
          ? t("applied", {
              cpu: cpuText(answer.target.cpuMillicores ?? 0),
              memory: memoryText(answer.target.memoryMiB ?? 0),
              commit: answer.commit.slice(0, 8),
            })
          : t("appliedNothing"),
      );
      onChanged();
      void usage.reload();
    } catch (error) {
      setActionError(error);
    }
  };
  const keep = async () => {
    setActionError(undefined);
    try {
      await api<ChangeResponse>(`${base}/keep`, { method: "POST", idempotencyKey: newActionKey() });
      setKeptAt(Date.now());
      onChanged();
    } catch (error) {
      setActionError(error);
    }
  };

  return (
    <div className="instance-usage">
      {idle && (
        <div className="notice warning" role="status">
          <p>{t("idleNotice", { text: noticeText({ kind: idle.kind, params: noticeParams(idle, language) }, language) })}</p>
          {mayChange && (
            <button type="button" className="primary" onClick={() => void keep()}>
              {t("keep")}
            </button>
          )}
        </div>
      )}
      {keptAt !== undefined && (
        <p className="notice info" role="status">
          {t("kept")}
        </p>
      )}
      <ErrorNotice error={actionError} />
      {noMetrics ? (
        <p className="muted">{t("noMetrics")}</p>
      ) : (
        <>
          <p className="muted small">{t("usageIntro")}</p>
          <div className="window-choice" role="group" aria-label={t("window")}>
            {WINDOWS.map((w) => (
              <button key={w} type="button" className="secondary" aria-pressed={w === window} onClick={() => setWindow(w)}>
                {t(`window.${w}` as Key)}
              </button>
            ))}
          </div>
          {usage.data === undefined && usage.loading && <Loading />}
          {!noMetrics && <ErrorNotice error={usage.error} onRetry={() => void usage.reload()} />}
          {charts && hasPoints(charts.cpu) ? (
            <div className="usage-charts">
              <UsageChart title={t("cpuChart")} unit={t("cores")} points={charts.cpu} labels={labels} />
              <UsageChart title={t("memoryChart")} unit={t("gib")} points={charts.memory} labels={labels} />
            </div>
          ) : (
            series.data && <p className="muted">{t("noUsage")}</p>
          )}
          {numbers && numbers.numbers.runningHours > 0 && (
            <>
              <p className="small">{t("runningHours", { hours: n(numbers.numbers.runningHours, 1) })}</p>
              <div className="table-wrap">
                <table aria-label={t("usage")} className="usage-numbers">
                  <thead>
                    <tr>
                      <th scope="col">{t("resource")}</th>
                      <th scope="col">{t("efficiency")}</th>
                      <th scope="col">{t("average")}</th>
                      <th scope="col">{t("requestedHours")}</th>
                      <th scope="col">{t("usedHours")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {(
                      [
                        ["cpu", numbers.numbers.cpu, 1, "coreHours", t("cores")],
                        ["memory", numbers.numbers.memory, 1, "gibHours", t("gib")],
                        ["gpu", numbers.numbers.gpu, 1, "gpuHours", ""],
                      ] as const
                    )
                      .filter(([resource, values]) => resource !== "gpu" || values.requested > 0 || values.used > 0)
                      .map(([resource, values, , hours, unit]) => (
                        <tr key={resource} data-resource={resource}>
                          <th scope="row">{t(resource)}</th>
                          <td className="efficiency">{formatPercent(values.efficiency, language)}</td>
                          <td>
                            {formatAmount(values.used, language)} / {formatAmount(values.requested, language)} {unit}
                          </td>
                          <td>{t(hours, { value: formatAmount(values.requestedHours, language) })}</td>
                          <td>{t(hours, { value: formatAmount(values.usedHours, language) })}</td>
                        </tr>
                      ))}
                  </tbody>
                </table>
              </div>
            </>
          )}
          {usage.data && (
            <>
              <h3>{t("advice")}</h3>
              {advice === null ? (
                <p className="muted">{t("adviceNone")}</p>
              ) : (
                <div className="usage-advice">
                  <p>
                    {t("adviceIntro", {
                      cpu: cpuText(advice.cpuMillicores),
                      memory: memoryText(advice.memoryMiB),
                      currentCpu: cpuText(advice.current.cpuMillicores),
                      currentMemory: memoryText(advice.current.memoryMiB),
                    })}
                  </p>
                  {adviceDirection(advice) === "lower" ? (
                    advice.saving.coreHoursPerMonth > 0 || advice.saving.memoryGiB > 0 ? (
                      <p className="advice-saving">
                        {t("adviceSaving", {
                          cores: n(advice.saving.cores),
                          memory: n(advice.saving.memoryGiB),
                          coreHours: n(advice.saving.coreHoursPerMonth, 0),
                        })}
                      </p>
                    ) : (
                      <p className="muted">{t("adviceKept")}</p>
                    )
                  ) : (
                    <p>{t("adviceHigher")}</p>
                  )}
                  {adviceApplicable(advice, mayChange) && (
                    <ConfirmButton
                      label={t("apply")}
                      question={t("applyQuestion", { name: instance, cpu: cpuText(advice.cpuMillicores), memory: memoryText(advice.memoryMiB) })}
                      onConfirm={apply}
                    />
                  )}
                </div>
              )}
              {applied && (
                <p className="notice info" role="status">
                  {applied}
                </p>
              )}
            </>
          )}
        </>
      )}
    </div>
  );
}
