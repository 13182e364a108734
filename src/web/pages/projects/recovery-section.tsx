// A project's recovery on its page (ADR 0034), for whoever reads the project: its policy and why,
// each instance's newest backup and its latest drill's RPO and RTO, and an overdue drill said.
import { useId } from "react";
import type { Project } from "../../../contracts/api.js";
import type { ProjectRecovery as RecoveryView } from "../../../contracts/recovery.js";
import { path } from "../../api.js";
import { CODE_TEXTS } from "../../code-texts.js";
import { ResourceNotice } from "../../components/notice.js";
import { Table } from "../../components/table.js";
import { formatDate, useLanguage, useT } from "../../i18n.js";
import { useResource } from "../../use-resource.js";
import { formatDuration, recoveryRows } from "./recovery.js";
import { recoveryMessages } from "./recovery-text.js";

export function ProjectRecovery({ project }: { project: Project }) {
  const t = useT(recoveryMessages);
  const { language } = useLanguage();
  const id = useId();
  const view = useResource<RecoveryView>(path`/projects/${project.name}/recovery`, { pollMs: () => 60_000 });
  const data = view.data;
  const rows = data ? recoveryRows(data, Date.now()) : [];
  const duration = (seconds: number | null) => (seconds === null ? "—" : formatDuration(seconds, language));

  return (
    <section aria-labelledby={id} className="recovery" data-overdue={data?.drillOverdue ? "true" : "false"}>
      <h2 id={id}>
        {t("title")}
        {data?.drillOverdue && (
          <>
            {" "}
            <span className="phase phase-failed overdue-badge">{t("overdue")}</span>
          </>
        )}
      </h2>
      <ResourceNotice resource={view} />
      {data && (
        <>
          <p className="recovery-policy">
            {data.policy.backups ? t("backedUp", { hours: data.policy.everyHours, days: data.policy.retentionDays }) : t("notBackedUp")}{" "}
            <span className="muted small">{t(`why.${data.policy.why}`)}</span>
          </p>
          {data.policy.backups && <p className="muted small">{t("drillEvery", { days: data.policy.drillEveryDays })}</p>}
          {data.drillOverdue && data.drillDueAt && (
            <p className="notice warning" role="status">
              {t("overdueHelp", { date: formatDate(data.drillDueAt, language) })}
            </p>
          )}
          {!data.drillOverdue && data.drillDueAt && <p className="small">{t("nextDrill", { date: formatDate(data.drillDueAt, language) })}</p>}
          {data.latestDrill ? (
            <p className="small latest-drill">
              {t("latestDrill", { date: formatDate(data.latestDrill.startedAt, language), site: data.latestDrill.recoverySite })}
            </p>
          ) : (
            data.policy.backups && <p className="muted small">{t("noDrill")}</p>
          )}
          {rows.length > 0 && (
            <Table
              label={{ labelledBy: id }}
              columns={[t("instance"), t("platform"), t("newestBackup"), t("rpo"), t("rto"), t("answered")]}
              className="recovery-list"
            >
              {rows.map((row) => (
                <tr key={row.instance} data-instance={row.instance}>
                  <td>{row.instance}</td>
                  <td>{row.platform}</td>
                  <td>
                    {row.backupAgeSeconds === null ? <span className="muted">{t("noBackup")}</span> : t("backupAge", { age: duration(row.backupAgeSeconds) })}
                  </td>
                  <td>{row.drill ? duration(row.drill.rpoSeconds) : "—"}</td>
                  <td>{row.drill ? duration(row.drill.rtoSeconds) : "—"}</td>
                  <td>
                    {row.drill === null ? (
                      <span className="muted small">{t("notDrilled")}</span>
                    ) : row.drill.answered ? (
                      t("yes")
                    ) : (
                      <span className="reason">
                        {row.drill.failure && row.drill.failure in CODE_TEXTS[language].drillFailures
                          ? CODE_TEXTS[language].drillFailures[row.drill.failure as keyof (typeof CODE_TEXTS)["en"]["drillFailures"]]
                          : row.drill.failure}
                      </span>
                    )}
                  </td>
                </tr>
              ))}
            </Table>
          )}
        </>
      )}
    </section>
  );
}
