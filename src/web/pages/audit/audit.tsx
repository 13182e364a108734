// The audit log: every sign-in, denied access and change, newest first (operators see all of
// it, lab admins their labs'), older pages on demand, filtered in the browser.
import { useId, useState } from "react";
import type { AuditRecord } from "../../../contracts/api.js";
import { api } from "../../api.js";
import { ErrorNotice, ResourceNotice } from "../../components/notice.js";
import { defineMessages, formatDate, useLanguage, useT } from "../../i18n.js";
import { useMe } from "../../session.js";
import { useResource } from "../../use-resource.js";
import { appendOlder, auditPath, filterAudit, nextBefore, type OutcomeFilter } from "./filter.js";
import { Table } from "../../components/table.js";

const messages = defineMessages({
  en: {
    title: "Audit log",
    scopeAll: "Every record: you are a platform operator.",
    scopeLabs: "Records about your labs: {labs}.",
    filter: "Filter",
    filterHelp:
      "Words to find in any column (a login, an action, a project, an address…). Only the records loaded are searched: load older ones to search further back.",
    outcome: "Outcome",
    "outcome.all": "All",
    "outcome.problems": "Denied or failed",
    "outcome.success": "Success",
    "outcome.denied": "Denied",
    "outcome.failure": "Failure",
    shown: "{shown} of {loaded} records loaded.",
    empty: "No record yet.",
    noMatch: "No record loaded matches the filter.",
    at: "When",
    actor: "Who",
    action: "Action",
    target: "Target",
    project: "Project",
    labs: "Labs",
    ip: "Address",
    detail: "Detail",
    anonymous: "(not signed in)",
    older: "Load older records",
    loadingOlder: "Loading older records…",
    end: "No older record.",
    newest: "Show the newest",
  },
  fr: {
    title: "Journal d'audit",
    scopeAll: "Tous les enregistrements : vous êtes opérateur de la plateforme.",
    scopeLabs: "Les enregistrements qui concernent vos labos : {labs}.",
    filter: "Filtrer",
    filterHelp:
      "Des mots à trouver dans n'importe quelle colonne (un identifiant, une action, un projet, une adresse…). Seuls les enregistrements chargés sont cherchés : chargez les plus anciens pour remonter plus loin.",
    outcome: "Résultat",
    "outcome.all": "Tous",
    "outcome.problems": "Refusés ou en échec",
    "outcome.success": "Réussi",
    "outcome.denied": "Refusé",
    "outcome.failure": "Échec",
    shown: "{shown} sur {loaded} enregistrements chargés.",
    empty: "Aucun enregistrement pour l'instant.",
    noMatch: "Aucun enregistrement chargé ne correspond au filtre.",
    at: "Quand",
    actor: "Qui",
    action: "Action",
    target: "Cible",
    project: "Projet",
    labs: "Labos",
    ip: "Adresse",
    detail: "Détail",
    anonymous: "(non connecté)",
    older: "Charger les plus anciens",
    loadingOlder: "Chargement des plus anciens…",
    end: "Aucun enregistrement plus ancien.",
    newest: "Afficher les plus récents",
  },
});

const OUTCOMES: OutcomeFilter[] = ["all", "problems", "success", "denied", "failure"];

export function AuditPage() {
  const t = useT(messages);
  const { language } = useLanguage();
  const me = useMe();
  const id = useId();
  const first = useResource<{ items: AuditRecord[] }>(auditPath());
  // Older pages, fetched with `before` = the last id loaded; forgotten when the newest are read again.
  const [older, setOlder] = useState<{ records: AuditRecord[]; lastLength: number } | null>(null);
  const [olderError, setOlderError] = useState<unknown>(undefined);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [text, setText] = useState("");
  const [outcome, setOutcome] = useState<OutcomeFilter>("all");

  const records = first.data ? appendOlder(first.data.items, older?.records ?? []) : [];
  const before = first.data ? nextBefore(records, older ? older.lastLength : first.data.items.length) : undefined;
  const shown = filterAudit(records, text, outcome);

  const loadOlder = async () => {
    if (before === undefined) return;
    setLoadingOlder(true);
    setOlderError(undefined);
    try {
      const page = await api<{ items: AuditRecord[] }>(auditPath(before));
      setOlder((current) => ({ records: appendOlder(current?.records ?? [], page.items), lastLength: page.items.length }));
    } catch (error) {
      setOlderError(error);
    } finally {
      setLoadingOlder(false);
    }
  };
  const newest = async () => {
    setOlder(null);
    setOlderError(undefined);
    await first.reload();
  };

  return (
    <section>
      <div className="heading">
        <h1 id={id}>{t("title")}</h1>
        <button type="button" className="secondary" onClick={() => void newest()}>
          {t("newest")}
        </button>
      </div>
      <p className="muted">{me.operator ? t("scopeAll") : t("scopeLabs", { labs: me.labAdminOf.join(", ") })}</p>
      <ResourceNotice resource={first} />
      {first.data && (
        <>
          <div className="filters">
            <div className="field">
              <label htmlFor={`${id}-filter`}>{t("filter")}</label>
              <input id={`${id}-filter`} type="search" value={text} onChange={(e) => setText(e.target.value)} aria-describedby={`${id}-filter-help`} />
              <span id={`${id}-filter-help`} className="help">
                {t("filterHelp")}
              </span>
            </div>
            <div className="field">
              <label htmlFor={`${id}-outcome`}>{t("outcome")}</label>
              <select id={`${id}-outcome`} value={outcome} onChange={(e) => setOutcome(e.target.value as OutcomeFilter)}>
                {OUTCOMES.map((o) => (
                  <option key={o} value={o}>
                    {t(`outcome.${o}`)}
                  </option>
                ))}
              </select>
            </div>
          </div>
          <p className="muted small" role="status" aria-live="polite">
            {records.length === 0 ? t("empty") : shown.length === 0 ? t("noMatch") : t("shown", { shown: shown.length, loaded: records.length })}
          </p>
          {shown.length > 0 && (
            <Table
              label={{ labelledBy: id }}
              columns={[t("at"), t("outcome"), t("actor"), t("action"), t("target"), t("project"), t("labs"), t("ip"), t("detail")]}
              className="audit"
            >
              {shown.map((record) => (
                <tr key={record.id} className={record.outcome === "success" ? undefined : `outcome-${record.outcome}`}>
                  <td className="when">
                    <time dateTime={record.at}>{formatDate(record.at, language)}</time>
                  </td>
                  <td>
                    <span className={`phase ${record.outcome === "success" ? "phase-running" : "phase-failed"}`}>{t(`outcome.${record.outcome}`)}</span>
                  </td>
                  <td>{record.actor ?? <span className="muted">{t("anonymous")}</span>}</td>
                  <td>
                    <code>{record.action}</code>
                  </td>
                  <td className="wrap">{record.target}</td>
                  {/* Plain text: the project may be gone since, or not one the reader may open. */}
                  <td>{record.project ?? ""}</td>
                  <td>{record.labs.join(", ")}</td>
                  <td>{record.ip}</td>
                  <td className="wrap">{record.detail}</td>
                </tr>
              ))}
            </Table>
          )}
          <ErrorNotice error={olderError} onRetry={() => void loadOlder()} />
          <div className="actions">
            {before !== undefined ? (
              <button type="button" className="secondary" disabled={loadingOlder} onClick={() => void loadOlder()}>
                {loadingOlder ? t("loadingOlder") : t("older")}
              </button>
            ) : (
              records.length > 0 && <p className="muted small">{t("end")}</p>
            )}
          </div>
        </>
      )}
    </section>
  );
}
