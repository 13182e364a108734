// The signed-in person's notices (ADR 28): what Plateau announced about their instances, when,
// and the one action that prevents it (Keep it). Read ones are not shown again.
import { useState } from "react";
import type { Notice } from "../../contracts/reclaim.js";
import { api, newActionKey, path } from "../api.js";
import { CODE_TEXTS, noticeText } from "../code-texts.js";
import { defineMessages, formatDate, useLanguage, useT } from "../i18n.js";
import { useResource } from "../use-resource.js";
import { ErrorNotice } from "./notice.js";

const messages = defineMessages({
  en: { title: "Notices", kept: "{instance} is kept.", dismiss: "Dismiss" },
  fr: { title: "Avis", kept: "{instance} est gardée.", dismiss: "Masquer" },
});

export function NoticesPanel() {
  const t = useT(messages);
  const { language } = useLanguage();
  const notices = useResource<{ items: Notice[] }>("/notifications");
  const [error, setError] = useState<unknown>(undefined);
  const [done, setDone] = useState<string | undefined>(undefined);
  const unread = (notices.data?.items ?? []).filter((notice) => notice.readAt === null);
  if (unread.length === 0 && !done) return null;
  const read = async (notice: Notice) => {
    await api("/notifications/read", { method: "POST", body: { keys: [notice.key] } });
  };
  const keep = async (notice: Notice) => {
    setError(undefined);
    try {
      if (notice.instance) {
        await api(`${path`/projects/${notice.project}/instances/${notice.instance}`}/keep`, { method: "POST", idempotencyKey: newActionKey() });
        setDone(t("kept", { instance: `${notice.project}/${notice.instance}` }));
      }
      await read(notice);
    } catch (failure) {
      setError(failure);
    }
    await notices.reload();
  };
  return (
    <section className="notices" aria-label={t("title")}>
      <ErrorNotice error={error} />
      {done && (
        <p className="notice info" role="status">
          {done}
        </p>
      )}
      {unread.map((notice) => (
        <div key={notice.key} className="notice warning" data-notice={notice.kind}>
          <p>{noticeText({ kind: notice.kind, params: { ...notice.params, ...(notice.due ? { due: formatDate(notice.due, language) } : {}) } }, language)}</p>
          <div className="actions">
            {notice.action === "keep" && (
              <button type="button" className="primary" onClick={() => void keep(notice)}>
                {CODE_TEXTS[language].noticeActions.keep}
              </button>
            )}
            <button type="button" className="secondary" onClick={() => void read(notice).then(() => notices.reload())}>
              {t("dismiss")}
            </button>
          </div>
        </div>
      ))}
    </section>
  );
}
