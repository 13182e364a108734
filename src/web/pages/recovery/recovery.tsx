// Disaster recovery, for operators (ADR 0034): each platform that has a recovery site, whether
// it is failed over and since when, the buttons to fail it over (a reason required, confirmed)
// and back, and the last report: where each instance went, from which backup, its RPO and RTO.
import { useId, useState } from "react";
import type { RecoveryItem, RecoveryReport } from "../../../contracts/recovery.js";
import { api, newActionKey } from "../../api.js";
import { recoverySkipText, recoveryStateText } from "../../code-texts.js";
import { ConfirmButton } from "../../components/confirm.js";
import { ErrorNotice, ResourceNotice } from "../../components/notice.js";
import { Table } from "../../components/table.js";
import { defineMessages, formatDate, useLanguage, useT } from "../../i18n.js";
import { useMe } from "../../session.js";
import { useResource } from "../../use-resource.js";

const messages = defineMessages({
  en: {
    title: "Recovery",
    intro:
      "Each platform with a recovery site. A failover moves every instance of the platform there in one commit, each restored from its newest backup; a failback takes a fresh backup of each and brings them back.",
    operatorsOnly: "Only platform operators may see this page.",
    none: "No platform has a recovery site (spec.recoveryFor).",
    recoveredBy: "Recovery site: {site}",
    normal: "Normal",
    failedOver: "Failed over to {site} since {at}: {count} instance(s) there",
    lastStep: "Last {action} on {at} by {by}",
    reason: "Why (said in the commit and in each placement)",
    failover: "Fail over",
    failoverQuestion: "Move every instance of {platform} to {site}, in one commit, each restored from its newest backup?",
    failback: "Fail back",
    failbackQuestion: "Take a fresh backup of each instance on {site}, then move them back to {platform} in one commit?",
    working: "Working: a failback waits for its backups…",
    instance: "Instance",
    state: "State",
    where: "Where",
    backup: "Backup",
    rpo: "RPO",
    rto: "RTO",
    note: "Note",
    noBackup: "none: started empty",
    noReport: "Nothing was moved yet.",
    bucket: "bucket {bucket} on {platform}",
  },
  fr: {
    title: "Reprise",
    intro:
      "Chaque plateforme qui a un site de secours. Une bascule y déplace toutes les instances de la plateforme en un commit, chacune restaurée depuis sa sauvegarde la plus récente ; un retour prend une sauvegarde fraîche de chacune et les ramène.",
    operatorsOnly: "Seuls les opérateurs de la plateforme peuvent voir cette page.",
    none: "Aucune plateforme n'a de site de secours (spec.recoveryFor).",
    recoveredBy: "Site de secours : {site}",
    normal: "Normale",
    failedOver: "Basculée sur {site} depuis le {at} : {count} instance(s) y tournent",
    lastStep: "Dernière action ({action}) le {at} par {by}",
    reason: "Pourquoi (écrit dans le commit et dans chaque placement)",
    failover: "Basculer",
    failoverQuestion: "Déplacer toutes les instances de {platform} sur {site}, en un commit, chacune restaurée depuis sa sauvegarde la plus récente ?",
    failback: "Revenir",
    failbackQuestion: "Prendre une sauvegarde fraîche de chaque instance sur {site}, puis les ramener sur {platform} en un commit ?",
    working: "En cours : un retour attend ses sauvegardes…",
    instance: "Instance",
    state: "État",
    where: "Où",
    backup: "Sauvegarde",
    rpo: "RPO",
    rto: "RTO",
    note: "Remarque",
    noBackup: "aucune : démarrée vide",
    noReport: "Rien n'a encore été déplacé.",
    bucket: "bucket {bucket} sur {platform}",
  },
});

/** `5 h 3 min`, `42 s`. */
export function durationText(seconds: number | null): string {
  if (seconds === null) return "–";
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return `${hours} h${minutes % 60 ? ` ${minutes % 60} min` : ""}`;
}

export function RecoveryPage() {
  const t = useT(messages);
  const me = useMe();
  const overview = useResource<{ items: RecoveryReport[] }>(me.operator ? "/recovery/platforms" : null);
  if (!me.operator) {
    return (
      <section>
        <h1>{t("title")}</h1>
        <p>{t("operatorsOnly")}</p>
      </section>
    );
  }
  return (
    <section>
      <h1>{t("title")}</h1>
      <p className="muted">{t("intro")}</p>
      <ResourceNotice resource={overview} />
      {overview.data?.items.length === 0 && <p>{t("none")}</p>}
      {overview.data?.items.map((report) => (
        <PlatformRecovery key={report.platform} report={report} onChange={() => void overview.reload()} />
      ))}
    </section>
  );
}

function PlatformRecovery({ report: initial, onChange }: { report: RecoveryReport; onChange(): void }) {
  const t = useT(messages);
  const { language } = useLanguage();
  const id = useId();
  const [report, setReport] = useState(initial);
  const [reason, setReason] = useState("");
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const site = report.recoveryPlatform ?? "";
  const path = `/recovery/platforms/${encodeURIComponent(report.platform)}`;
  const act = async (step: "failover" | "failback") => {
    setError(undefined);
    setBusy(true);
    try {
      const next = await api<RecoveryReport>(`${path}/${step}`, {
        method: "POST",
        ...(step === "failover" ? { body: { reason: reason.trim() } } : {}),
        idempotencyKey: newActionKey(),
      });
      setReport(next);
      onChange();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  const away = report.items.filter((item) => item.state === "failed-over").length;
  return (
    <section className="recovery-platform" aria-labelledby={id} data-platform={report.platform}>
      <h2 id={id}>{report.platform}</h2>
      <p className="muted">{t("recoveredBy", { site })}</p>
      <p role="status" data-state={report.state}>
        <strong>
          {report.state === "failed-over" ? t("failedOver", { site, at: report.at ? formatDate(report.at, language) : "?", count: away }) : t("normal")}
        </strong>
        {report.action && report.at && <> · {t("lastStep", { action: report.action, at: formatDate(report.at, language), by: report.by ?? "?" })}</>}
        {report.reason && <> · {report.reason}</>}
      </p>
      <div className="filters">
        {report.state === "normal" && (
          <div className="field">
            <label htmlFor={`${id}-reason`}>{t("reason")}</label>
            <input id={`${id}-reason`} type="text" required maxLength={300} value={reason} onChange={(event) => setReason(event.target.value)} />
          </div>
        )}
        <div className="actions">
          {report.state === "normal" ? (
            <ConfirmButton
              label={t("failover")}
              danger
              disabled={busy || reason.trim() === ""}
              question={t("failoverQuestion", { platform: report.platform, site })}
              onConfirm={() => act("failover")}
            />
          ) : (
            <ConfirmButton
              label={t("failback")}
              disabled={busy}
              question={t("failbackQuestion", { platform: report.platform, site })}
              onConfirm={() => act("failback")}
            />
          )}
        </div>
      </div>
      {busy && <p className="loading">{t("working")}</p>}
      <ErrorNotice error={error} />
      {report.items.length === 0 ? (
        <p className="muted">{t("noReport")}</p>
      ) : (
        <Table label={{ labelledBy: id }} columns={[t("instance"), t("state"), t("where"), t("backup"), t("rpo"), t("rto"), t("note")]}>
          {report.items.map((item) => (
            <ItemRow key={`${item.project}/${item.instance}`} item={item} />
          ))}
        </Table>
      )}
    </section>
  );
}

function ItemRow({ item }: { item: RecoveryItem }) {
  const t = useT(messages);
  const { language } = useLanguage();
  return (
    <tr data-instance={`${item.project}/${item.instance}`}>
      <td>
        {item.project}/{item.instance}
      </td>
      <td>{recoveryStateText(item.state, language)}</td>
      <td>{item.skipped ? item.from : `${item.from} → ${item.to}`}</td>
      <td>{item.backup ? `${item.backup.id} (${formatDate(item.backup.takenAt, language)})` : item.skipped ? "–" : t("noBackup")}</td>
      <td>{durationText(item.rpoSeconds)}</td>
      <td>{durationText(item.rtoSeconds)}</td>
      <td className="wrap">
        {item.skipped
          ? recoverySkipText({ code: item.skipped.code, params: item.skipped.params }, language)
          : item.bucket
            ? t("bucket", { bucket: item.bucket.name, platform: item.bucket.platform })
            : ""}
      </td>
    </tr>
  );
}
