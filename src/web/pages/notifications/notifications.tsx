// A person's notices (ADR 28): what idle reclaim announces and what the lab's alerts say, each
// worded from its code in the reader's language, its due time in their zone, and the one action
// that prevents it (a button for *keep*, a link otherwise); marked read one by one or all.
import { useState } from "react";
import type { ChangeResponse } from "../../../contracts/api.js";
import type { Notice } from "../../../contracts/reclaim.js";
import { api, newActionKey, path } from "../../api.js";
import { CODE_TEXTS, noticeText } from "../../code-texts.js";
import { ErrorNotice, ResourceNotice } from "../../components/notice.js";
import { defineMessages, formatDate, useLanguage, useT } from "../../i18n.js";
import { Link } from "../../router.js";
import { NOTICES_CHANGED, noticeActionTarget, noticeParams, unreadCount } from "../../shared/usage.js";
import { useResource } from "../../use-resource.js";
import type { NoticeAction } from "../../../contracts/codes.js";
import "./notifications.css";

export const notificationMessages = defineMessages({
  en: {
    title: "Notifications",
    intro: "What Plateau tells you of the instances of your projects: idle ones it will stop, alerts of your lab.",
    none: "No notification.",
    unread: "{count} unread",
    unreadLabel: "Notifications: {count} unread",
    markRead: "Mark as read",
    markAllRead: "Mark all as read",
    read: "Read",
    received: "Received {date}",
    due: "Happens: {date}",
    kept: "Kept: the announced step is cancelled.",
  },
  fr: {
    title: "Notifications",
    intro: "Ce que Plateau vous signale des instances de vos projets : celles, inactives, qu'il va arrêter, les alertes de votre labo.",
    none: "Aucune notification.",
    unread: "{count} non lue(s)",
    unreadLabel: "Notifications : {count} non lue(s)",
    markRead: "Marquer comme lue",
    markAllRead: "Tout marquer comme lu",
    read: "Lue",
    received: "Reçue le {date}",
    due: "Échéance : {date}",
    kept: "Gardé : l'étape annoncée est annulée.",
  },
});

export function NotificationsPage() {
  const t = useT(notificationMessages);
  const { language } = useLanguage();
  const notices = useResource<{ items: Notice[] }>("/notifications?limit=200", { pollMs: () => 60_000 });
  const [error, setError] = useState<unknown>(undefined);
  const [kept, setKept] = useState<ReadonlySet<string>>(new Set());
  const items = notices.data?.items ?? [];
  const unread = items.filter((n) => n.readAt === null).map((n) => n.key);

  const markRead = async (keys: string[]) => {
    if (keys.length === 0) return;
    setError(undefined);
    try {
      await api<{ marked: number }>("/notifications/read", { method: "POST", body: { keys }, idempotencyKey: newActionKey() });
      window.dispatchEvent(new Event(NOTICES_CHANGED));
      await notices.reload();
    } catch (caught) {
      setError(caught);
    }
  };
  const keep = async (notice: Notice) => {
    if (!notice.instance) return;
    setError(undefined);
    try {
      await api<ChangeResponse>(path`/projects/${notice.project}/instances/${notice.instance}/keep`, { method: "POST", idempotencyKey: newActionKey() });
      setKept((before) => new Set(before).add(notice.key));
      await markRead([notice.key]);
    } catch (caught) {
      setError(caught);
    }
  };

  return (
    <section aria-labelledby="notifications-title">
      <div className="heading">
        <h1 id="notifications-title">{t("title")}</h1>
        {unread.length > 0 && (
          <div className="actions">
            <button type="button" className="secondary" onClick={() => void markRead(unread)}>
              {t("markAllRead")}
            </button>
          </div>
        )}
      </div>
      <p className="muted">{t("intro")}</p>
      <ResourceNotice resource={notices} />
      <ErrorNotice error={error} />
      {notices.data && items.length === 0 && <p className="empty">{t("none")}</p>}
      {notices.data && items.length > 0 && <p className="small">{t("unread", { count: unreadCount(items) })}</p>}
      <ul className="notices">
        {items.map((notice) => {
          const target = noticeActionTarget(notice);
          const actionLabel = notice.action ? (CODE_TEXTS[language].noticeActions[notice.action as NoticeAction] ?? notice.action) : undefined;
          return (
            <li key={notice.key} className={notice.readAt === null ? "notice-item unread" : "notice-item"} data-kind={notice.kind}>
              <p className="notice-text">{noticeText({ kind: notice.kind, params: noticeParams(notice, language) }, language)}</p>
              <p className="small muted">
                {t("received", { date: formatDate(notice.createdAt, language) })}
                {notice.due && (
                  <>
                    {" · "}
                    <time dateTime={notice.due}>{t("due", { date: noticeParams(notice, language).due ?? notice.due })}</time>
                  </>
                )}
              </p>
              <div className="actions">
                {kept.has(notice.key) ? (
                  <span role="status">{t("kept")}</span>
                ) : target?.kind === "keep" ? (
                  <button type="button" className="primary" onClick={() => void keep(notice)}>
                    {actionLabel}
                  </button>
                ) : target?.kind === "link" ? (
                  <Link to={target.to} className="button secondary">
                    {actionLabel}
                  </Link>
                ) : null}
                {notice.readAt === null ? (
                  <button type="button" className="link" onClick={() => void markRead([notice.key])}>
                    {t("markRead")}
                  </button>
                ) : (
                  <span className="muted small">{t("read")}</span>
                )}
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
