// Home: my instances, their state and address, and what I can do with each right now.
import { useState } from "react";
import type { ChangeResponse, Instance } from "../../../contracts/api.js";
import { api, newActionKey, path } from "../../api.js";
import { ConfirmButton } from "../../components/confirm.js";
import { ErrorNotice, ResourceNotice } from "../../components/notice.js";
import { NoticesPanel } from "../../components/notices.js";
import { statusReasonText } from "../../code-texts.js";
import { inMotion, PhaseBadge } from "../../components/phase.js";
import { common, defineMessages, formatAgo, formatDate, useLanguage, useT } from "../../i18n.js";
import { Link } from "../../router.js";
import { useMe } from "../../session.js";
import { useResource } from "../../use-resource.js";
import { cardNotice, expiryOf, formatUntil, renewable, showOnCard, stoppable } from "../../shared/expiry.js";

const messages = defineMessages({
  en: {
    title: "My services",
    empty: "Nothing runs yet. Pick a service in the catalog: a notebook, RStudio, a web site…",
    browse: "Browse the catalog",
    launchNew: "Launch a service",
    name: "Name",
    project: "Project",
    service: "Service",
    state: "State",
    address: "Address",
    actions: "Actions",
    created: "created {ago} by {by}",
    deleteQuestion: "Delete {name}? Its configuration is removed from the desired state; the data of its volumes is deleted on the platform.",
    mine: "Only mine",
    stopsIn: "Stops {when} unless renewed",
    due: "Its time is up: Plateau stops it in a few minutes unless renewed",
    expired: "Stopped by Plateau when it expired, {date}; its data is kept. Start it to use it again.",
    renewed: "{name} now runs until {date}.",
    renewLabel: "Renew {name}",
    removedIn: "Deleted with its data {when} unless renewed",
    dueRemoved: "Its time is up: Plateau deletes it with its data in a few minutes unless renewed",
    notStoppable: "It cannot be stopped, only removed: renew it to keep it, delete it when you are done.",
  },
  fr: {
    title: "Mes services",
    empty: "Rien ne tourne encore. Choisissez un service dans le catalogue : un notebook, RStudio, un site web…",
    browse: "Parcourir le catalogue",
    launchNew: "Lancer un service",
    name: "Nom",
    project: "Projet",
    service: "Service",
    state: "État",
    address: "Adresse",
    actions: "Actions",
    created: "créé {ago} par {by}",
    deleteQuestion: "Supprimer {name} ? Sa configuration est retirée de l'état désiré ; les données de ses volumes sont effacées sur la plateforme.",
    mine: "Seulement les miens",
    stopsIn: "S'arrête {when} sauf prolongation",
    due: "Son délai est écoulé : Plateau l'arrête dans quelques minutes sauf prolongation",
    expired: "Arrêté par Plateau à son expiration, le {date} ; ses données sont gardées. Démarrez-le pour l'utiliser de nouveau.",
    renewed: "{name} tourne désormais jusqu'au {date}.",
    renewLabel: "Prolonger {name}",
    removedIn: "Supprimé avec ses données {when} sauf prolongation",
    dueRemoved: "Son délai est écoulé : Plateau le supprime avec ses données dans quelques minutes sauf prolongation",
    notStoppable: "Il ne peut pas être arrêté, seulement supprimé : prolongez-le pour le garder, supprimez-le quand vous avez fini.",
  },
});

export const instancePath = (instance: Pick<Instance, "project" | "name">) => path`/projects/${instance.project}/instances/${instance.name}`;

/**
 * Stop, start, renew or delete an instance; the answer is the instance as it now is (null once
 * deleted). A renewal without `days` adds the server's default.
 */
export async function changeInstance(
  instance: Pick<Instance, "project" | "name">,
  action: "stop" | "start" | "renew" | "delete",
  options: { days?: number } = {},
): Promise<ChangeResponse> {
  const target = path`/projects/${instance.project}/instances/${instance.name}`;
  const key = newActionKey();
  if (action === "delete") return api<ChangeResponse>(target, { method: "DELETE", idempotencyKey: key });
  if (action === "renew")
    return api<ChangeResponse>(`${target}/renew`, { method: "POST", body: options.days ? { days: options.days } : {}, idempotencyKey: key });
  return api<ChangeResponse>(`${target}/${action}`, { method: "POST", idempotencyKey: key });
}

export function HomePage() {
  const t = useT(messages);
  const tc = useT(common);
  const { language } = useLanguage();
  const me = useMe();
  const [onlyMine, setOnlyMine] = useState(false);
  const instances = useResource<{ items: Instance[] }>("/instances", {
    pollMs: (data) => (data.items.some((i) => inMotion(i.phase)) ? 1500 : 10_000),
  });
  const [actionError, setActionError] = useState<unknown>(undefined);
  const [done, setDone] = useState<string | undefined>(undefined);
  const act = async (instance: Instance, action: "stop" | "start" | "renew" | "delete") => {
    setActionError(undefined);
    setDone(undefined);
    try {
      const answer = await changeInstance(instance, action);
      const until = answer.instance?.expiresAt;
      if (action === "renew" && until) setDone(t("renewed", { name: instance.name, date: formatDate(until, language) }));
    } catch (error) {
      setActionError(error);
    }
    await instances.reload();
  };
  const now = Date.now();
  const items = (instances.data?.items ?? []).filter((i) => !onlyMine || i.createdBy === me.login);
  return (
    <section>
      <div className="heading">
        <h1>{t("title")}</h1>
        <Link to="/catalog" className="button primary">
          {t("launchNew")}
        </Link>
      </div>
      <NoticesPanel />
      <ErrorNotice error={actionError} />
      {done && (
        <p className="notice info" role="status">
          {done}
        </p>
      )}
      <ResourceNotice resource={instances} />
      {instances.data && instances.data.items.length === 0 && (
        <div className="empty">
          <p>{t("empty")}</p>
          <Link to="/catalog" className="button primary">
            {t("browse")}
          </Link>
        </div>
      )}
      {instances.data && instances.data.items.length > 0 && (
        <>
          <label className="inline">
            <input type="checkbox" checked={onlyMine} onChange={(e) => setOnlyMine(e.target.checked)} /> {t("mine")}
          </label>
          <ul className="cards instances" aria-label={t("title")}>
            {items.map((instance) => {
              const expiry = expiryOf(instance, now);
              const warn = showOnCard(expiry);
              return (
                <li key={`${instance.project}/${instance.name}`} className="card" data-instance={instance.name}>
                  <div className="card-head">
                    <h2>
                      <Link to={instancePath(instance)}>{instance.name}</Link>
                    </h2>
                    <PhaseBadge phase={instance.phase} reason={instance} />
                  </div>
                  <p className="muted">
                    {instance.template} · <Link to={path`/projects/${instance.project}`}>{instance.project}</Link> · {instance.platform}
                  </p>
                  <p className="muted small">{t("created", { ago: formatAgo(instance.createdAt, language), by: instance.createdBy })}</p>
                  {instance.phase === "failed" && <p className="reason">{statusReasonText(instance, language)}</p>}
                  {warn && (expiry.kind === "running" || expiry.kind === "due") && (
                    <p className="expiry-soon small">{t(cardNotice(expiry), { when: formatUntil(expiry.at, language, now) })}</p>
                  )}
                  {expiry.kind === "expired" && <p className="muted small">{t("expired", { date: formatDate(expiry.at, language) })}</p>}
                  <div className="actions">
                    {instance.url && instance.phase === "running" && (
                      <a className="button primary" href={instance.url} target="_blank" rel="noopener">
                        {tc("open")}
                      </a>
                    )}
                    {warn && renewable(expiry) && (
                      <button
                        type="button"
                        className="primary"
                        aria-label={t("renewLabel", { name: instance.name })}
                        onClick={() => void act(instance, "renew")}
                      >
                        {tc("renew")}
                      </button>
                    )}
                    {instance.state === "running" && stoppable(instance) ? (
                      <button type="button" className="secondary" onClick={() => void act(instance, "stop")}>
                        {tc("stop")}
                      </button>
                    ) : instance.state === "running" ? (
                      // The API refuses to stop it (not-stoppable): said here rather than offered and refused.
                      <button type="button" className="secondary" disabled title={t("notStoppable")}>
                        {tc("stop")}
                      </button>
                    ) : (
                      <button type="button" className="secondary" onClick={() => void act(instance, "start")}>
                        {tc("start")}
                      </button>
                    )}
                    <ConfirmButton
                      label={tc("delete")}
                      danger
                      question={t("deleteQuestion", { name: instance.name })}
                      onConfirm={() => act(instance, "delete")}
                    />
                  </div>
                </li>
              );
            })}
          </ul>
        </>
      )}
    </section>
  );
}
