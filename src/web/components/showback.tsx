// Showback tables the lab and platform pages share: per lab or project, what was requested and
// used (core-hours, GiB-hours), the efficiency, what following the advice would save; and the
// top wasters, each linking to its instance. Numbers in the reader's language.
import type { ReactNode } from "react";
import type { UsageReportBody } from "../../contracts/usage.js";
import { path } from "../api.js";
import { defineMessages, useLanguage, useT, type Language } from "../i18n.js";
import { Link } from "../router.js";
import { formatAmount, formatNumber, formatPercent, WINDOWS, type UsageWindowName } from "../shared/usage.js";

export const showbackMessages = defineMessages({
  en: {
    window: "Window",
    "window.1h": "1 hour",
    "window.24h": "24 hours",
    "window.7d": "7 days",
    "window.30d": "30 days",
    lab: "Lab",
    project: "Project",
    instance: "Instance",
    personal: "(personal)",
    instances: "Instances",
    cpuEfficiency: "CPU efficiency",
    memoryEfficiency: "Memory efficiency",
    gpuEfficiency: "GPU efficiency",
    coreHours: "Core-hours requested / used",
    gibHours: "GiB-hours requested / used",
    saving: "Advice would free",
    savingValue: "{cores} cores, {memory} GiB",
    unused: "Core-hours unused",
    none: "Nothing ran in this window.",
    total: "All together",
    efficiencyIntro: "Requested against used over the window: {cpu} of CPU, {memory} of memory, {gpu} of GPU used.",
    unavailable: "The metrics of {platforms} could not be read: their instances are missing here.",
  },
  fr: {
    window: "Période",
    "window.1h": "1 heure",
    "window.24h": "24 heures",
    "window.7d": "7 jours",
    "window.30d": "30 jours",
    lab: "Labo",
    project: "Projet",
    instance: "Instance",
    personal: "(personnel)",
    instances: "Instances",
    cpuEfficiency: "Efficacité CPU",
    memoryEfficiency: "Efficacité mémoire",
    gpuEfficiency: "Efficacité GPU",
    coreHours: "Cœurs-heures demandés / utilisés",
    gibHours: "Gio-heures demandés / utilisés",
    saving: "Le conseil libérerait",
    savingValue: "{cores} cœurs, {memory} Gio",
    unused: "Cœurs-heures inutilisés",
    none: "Rien n'a tourné sur cette période.",
    total: "Ensemble",
    efficiencyIntro: "Demandé face à utilisé sur la période : {cpu} du CPU, {memory} de la mémoire, {gpu} des GPU utilisés.",
    unavailable: "Les métriques de {platforms} n'ont pas pu être lues : leurs instances manquent ici.",
  },
});
type Key = keyof (typeof showbackMessages)["en"];

export function WindowChoice({ value, onChange }: { value: UsageWindowName; onChange(window: UsageWindowName): void }) {
  const t = useT(showbackMessages);
  return (
    <div className="window-choice" role="group" aria-label={t("window")}>
      {WINDOWS.map((w) => (
        <button key={w} type="button" className="secondary" aria-pressed={w === value} onClick={() => onChange(w)}>
          {t(`window.${w}` as Key)}
        </button>
      ))}
    </div>
  );
}

type Numbers = UsageReportBody["total"]["numbers"];
const pair = (a: number, b: number, language: Language) => `${formatAmount(a, language)} / ${formatAmount(b, language)}`;

/** One sentence of a report's efficiency: what share of the requests was used. */
export function EfficiencySummary({ report }: { report: UsageReportBody }) {
  const t = useT(showbackMessages);
  const { language } = useLanguage();
  const { numbers } = report.total;
  return (
    <>
      {report.unavailable.length > 0 && <p className="notice warning">{t("unavailable", { platforms: report.unavailable.join(", ") })}</p>}
      <p className="efficiency-summary">
        {t("efficiencyIntro", {
          cpu: formatPercent(numbers.cpu.efficiency, language),
          memory: formatPercent(numbers.memory.efficiency, language),
          gpu: formatPercent(numbers.gpu.efficiency, language),
        })}
      </p>
    </>
  );
}

/** Showback per lab or per project of a report. */
export function ShowbackTable({ report, by, label }: { report: UsageReportBody; by: "lab" | "project"; label: string }) {
  const t = useT(showbackMessages);
  const { language } = useLanguage();
  const rows: { key: string; name: ReactNode; instances: number; numbers: Numbers; saving: UsageReportBody["total"]["saving"] }[] =
    by === "lab"
      ? report.labs.map((row) => ({
          key: row.lab ?? "",
          name: row.lab === null ? t("personal") : <Link to={path`/labs/${row.lab}`}>{row.lab}</Link>,
          ...row,
        }))
      : report.projects.map((row) => ({ key: row.project, name: <Link to={path`/projects/${row.project}`}>{row.project}</Link>, ...row }));
  if (rows.length === 0) return <p className="muted">{t("none")}</p>;
  const all = [...rows, { key: "\u0000total", name: <strong>{t("total")}</strong>, ...report.total }];
  return (
    <div className="table-wrap">
      <table aria-label={label} className="showback" data-by={by}>
        <thead>
          <tr>
            <th scope="col">{t(by)}</th>
            <th scope="col">{t("instances")}</th>
            <th scope="col">{t("cpuEfficiency")}</th>
            <th scope="col">{t("memoryEfficiency")}</th>
            <th scope="col">{t("coreHours")}</th>
            <th scope="col">{t("gibHours")}</th>
            <th scope="col">{t("saving")}</th>
          </tr>
        </thead>
        <tbody>
          {all.map((row) => (
            <tr key={row.key} data-row={row.key}>
              <th scope="row">{row.name}</th>
              <td>{formatNumber(row.instances, language)}</td>
              <td>{formatPercent(row.numbers.cpu.efficiency, language)}</td>
              <td>{formatPercent(row.numbers.memory.efficiency, language)}</td>
              <td>{pair(row.numbers.cpu.requestedHours, row.numbers.cpu.usedHours, language)}</td>
              <td>{pair(row.numbers.memory.requestedHours, row.numbers.memory.usedHours, language)}</td>
              <td>{t("savingValue", { cores: formatNumber(row.saving.cores, language), memory: formatNumber(row.saving.memoryGiB, language) })}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The instances that leave most requested core-hours unused, each linking to its page. */
export function TopWasters({ report, label }: { report: UsageReportBody; label: string }) {
  const t = useT(showbackMessages);
  const { language } = useLanguage();
  if (report.topWasters.length === 0) return <p className="muted">{t("none")}</p>;
  return (
    <div className="table-wrap">
      <table aria-label={label} className="top-wasters">
        <thead>
          <tr>
            <th scope="col">{t("instance")}</th>
            <th scope="col">{t("project")}</th>
            <th scope="col">{t("unused")}</th>
            <th scope="col">{t("cpuEfficiency")}</th>
            <th scope="col">{t("memoryEfficiency")}</th>
          </tr>
        </thead>
        <tbody>
          {report.topWasters.map((one) => (
            <tr key={`${one.project}/${one.instance}`}>
              <th scope="row">
                <Link to={path`/projects/${one.project}/instances/${one.instance}`}>{one.instance}</Link>
              </th>
              <td>{one.project}</td>
              <td>{formatNumber(Math.max(0, one.numbers.cpu.requestedHours - one.numbers.cpu.usedHours), language, 1)}</td>
              <td>{formatPercent(one.numbers.cpu.efficiency, language)}</td>
              <td>{formatPercent(one.numbers.memory.efficiency, language)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
