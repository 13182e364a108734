// An instance: where it is in its life (the status timeline), where to reach it, when it
// stops by itself, what it was launched with, its live logs and events, what can be done with
// it, and every commit that changed it with its diff.
import { useEffect, useId, useLayoutEffect, useRef, useState, type FormEvent } from "react";
import type { HistoryEntry, Instance, InstanceDiff, InstanceEvent, InstanceSecret } from "../../../contracts/api.js";
import { ApiError, path, send } from "../../api.js";
import { ConfirmButton } from "../../components/confirm.js";
import { ErrorNotice, Loading, ResourceNotice } from "../../components/notice.js";
import { inMotion, PhaseBadge } from "../../components/phase.js";
import { common, defineMessages, formatDate, useLanguage, useT } from "../../i18n.js";
import { Link, navigate } from "../../router.js";
import { useResource, type Resource } from "../../use-resource.js";
import { changeInstance } from "../home/home.js";
import { appendCapped, parsePatch, splitLines, valueRows, type DiffLine } from "./text.js";
import { changeUnderWay, currentStep, eventsCatchUpDelay, timelineSteps, type StepKey, type StepState, type TimelineStep } from "./timeline.js";
import { expiryNotice, expiryOf, formatUntil, renewable, renewDays, stoppable, type Expiry } from "../../shared/expiry.js";
import { issuesAt } from "../../shared/field-issues.js";
import "./instance.css";
import { Table } from "../../components/table.js";
import { eventText, statusReasonText } from "../../code-texts.js";
import { UsageSection, usageMessages } from "./usage-section.js";

const messages = defineMessages({
  en: {
    status: "Status",
    "step.committed": "Committed",
    "step.placed": "Placed",
    "step.starting": "Starting",
    "step.running": "Running",
    "step.stopping": "Stopping",
    "step.stopped": "Stopped",
    "state.done": "done",
    "state.current": "in progress",
    "state.failed": "failed",
    "state.todo": "to come",
    placedOn: "on {platform}",
    failedAt: "{step} failed",
    whatNext:
      "Plateau tries again by itself after a while. The logs and events below say more; if it keeps failing, check its values, or tell the platform team.",
    details: "Details",
    address: "Address",
    noAddress: "None while it is stopped.",
    service: "Service",
    platform: "Platform",
    why: "Why there",
    project: "Project",
    created: "Created",
    createdByAt: "{date} by {by}",
    values: "Values",
    noValues: "None: the service's defaults apply.",
    setting: "Setting",
    value: "Value",
    hidden: "hidden",
    emptyValue: "(empty)",
    show: "Show",
    hide: "Hide",
    showValue: "Show {key}",
    hideValue: "Hide {key}",
    logs: "Logs",
    logsOf: "Logs of {name}",
    follow: "Follow",
    followHelp: "Show new lines as they are written",
    connecting: "Connecting…",
    streaming: "Following live: the last 200 lines, then each new one.",
    paused: "Paused. Follow again to catch up (the last 200 lines).",
    ended: "The log stream ended: the instance stopped, or the connection closed.",
    reconnect: "Reconnect",
    noLogs: "No logs while it does not run.",
    emptyLogs: "Nothing written yet.",
    capped: "Only the last {count} lines are kept here.",
    events: "Events",
    noEvents: "Nothing reported by its platform yet.",
    when: "When",
    what: "What",
    history: "History",
    historyIntro: "Every change is a commit in the desired-state repository: what was asked, and what runs.",
    noHistory: "No commits.",
    "action.launch": "Launched",
    "action.stop": "Stopped",
    "action.start": "Started",
    "action.move": "Moved",
    "action.remove": "Deleted",
    "action.renew": "Renewed",
    "action.expire": "Expired: stopped by Plateau",
    "action.change": "Changed",
    "action.resize": "Resized",
    "action.idle-notify": "Idle: its stop announced",
    "action.idle-keep": "Kept when idle",
    "action.idle-cancel": "Idle: announced step cancelled",
    "action.idle-stop": "Stopped when idle",
    "action.idle-remove": "Removed after a long stop",
    showChanges: "Show the changes",
    changesOf: "Changes of commit {commit}",
    files: "{count} file(s) changed",
    truncated: "This change is too large to show whole: only its first 256 KiB are shown.",
    noChanges: "No file of this instance changed.",
    stopQuestion: "Stop {name}? It stops running and its address stops answering; its data is kept and you can start it again.",
    deleteQuestion: "Delete {name}? Its configuration is removed from the desired state; the data of its volumes is deleted on the platform.",
    actions: "Actions",
    expires: "Stops by itself",
    expiresAt: "On {date} ({when})",
    never: "Never",
    notWhileStopped: "Not while it is stopped: starting it gives it a fresh expiry.",
    expiredOn: "Expired on {date}",
    soon: "{name} stops {when} ({date}) unless you renew it. Its data is kept either way.",
    due: "{name}'s time is up: Plateau stops it in a few minutes unless you renew it. Its data is kept either way.",
    expiredNotice: "Plateau stopped {name} when it expired, {date}. Its data is kept: start it to use it again.",
    renewTitle: "Renew {name}",
    renewIntro: "It stops by itself on {date}. Renewing keeps it running longer; its data is kept either way.",
    expiresRemoved: "Deleted by itself, with its data",
    removedOn: "{name} cannot be stopped, only removed: on {date} Plateau deletes it with its data unless you renew it.",
    soonRemoved: "{name} is deleted with its data {when} ({date}) unless you renew it: it cannot be stopped, only removed.",
    dueRemoved: "{name}'s time is up: Plateau deletes it with its data in a few minutes unless you renew it.",
    renewIntroRemoved: "It is deleted with its data on {date}: it cannot be stopped, only removed. Renewing keeps it running longer.",
    notStoppable: "It cannot be stopped, only removed: renew it to keep it, delete it when you are done.",
    renewDays: "Days to add",
    renewHelp:
      "Empty: Plateau's default (30 days unless configured otherwise), counted from its current expiry. Plateau refuses more than its limit from today (365 days unless configured otherwise).",
    renewDaysProblem: "A whole number of days, at least 1.",
    renewing: "Renewing…",
    renewed: "Renewed: {name} now runs until {date}.",
    secrets: "Passwords",
    secretsIntro: "Generated by Plateau or chosen at launch, they are never in the desired-state repository. Reading them is recorded in the audit log.",
    showSecrets: "Show the passwords",
    hideSecrets: "Hide the passwords",
    noSecrets: "None: Plateau keeps no password for this instance.",
    secretName: "Name",
  },
  fr: {
    status: "État",
    "step.committed": "Enregistré",
    "step.placed": "Placé",
    "step.starting": "Démarrage",
    "step.running": "En marche",
    "step.stopping": "Arrêt",
    "step.stopped": "Arrêté",
    "state.done": "fait",
    "state.current": "en cours",
    "state.failed": "en échec",
    "state.todo": "à venir",
    placedOn: "sur {platform}",
    failedAt: "{step} : échec",
    whatNext:
      "Plateau réessaie de lui-même après un moment. Les journaux et les événements ci-dessous en disent plus ; si l'échec persiste, vérifiez ses valeurs, ou prévenez l'équipe de la plateforme.",
    details: "Détails",
    address: "Adresse",
    noAddress: "Aucune tant qu'il est arrêté.",
    service: "Service",
    platform: "Plateforme",
    why: "Pourquoi là",
    project: "Projet",
    created: "Créé",
    createdByAt: "le {date} par {by}",
    values: "Valeurs",
    noValues: "Aucune : les valeurs par défaut du service s'appliquent.",
    setting: "Paramètre",
    value: "Valeur",
    hidden: "masquée",
    emptyValue: "(vide)",
    show: "Afficher",
    hide: "Masquer",
    showValue: "Afficher {key}",
    hideValue: "Masquer {key}",
    logs: "Journaux",
    logsOf: "Journaux de {name}",
    follow: "Suivre",
    followHelp: "Afficher les nouvelles lignes à mesure qu'elles sont écrites",
    connecting: "Connexion…",
    streaming: "Suivi en direct : les 200 dernières lignes, puis chaque nouvelle.",
    paused: "En pause. Suivez de nouveau pour rattraper (les 200 dernières lignes).",
    ended: "Le flux des journaux s'est terminé : l'instance s'est arrêtée, ou la connexion a été fermée.",
    reconnect: "Se reconnecter",
    noLogs: "Pas de journaux tant qu'il ne tourne pas.",
    emptyLogs: "Rien d'écrit pour l'instant.",
    capped: "Seules les {count} dernières lignes sont gardées ici.",
    events: "Événements",
    noEvents: "Sa plateforme n'a encore rien signalé.",
    when: "Quand",
    what: "Quoi",
    history: "Historique",
    historyIntro: "Chaque changement est un commit dans le dépôt de l'état désiré : ce qui a été demandé, et ce qui tourne.",
    noHistory: "Aucun commit.",
    "action.launch": "Lancé",
    "action.stop": "Arrêté",
    "action.start": "Démarré",
    "action.move": "Déplacé",
    "action.remove": "Supprimé",
    "action.renew": "Prolongé",
    "action.expire": "Expiré : arrêté par Plateau",
    "action.change": "Modifié",
    "action.resize": "Redimensionné",
    "action.idle-notify": "Inactif : arrêt annoncé",
    "action.idle-keep": "Gardé malgré l'inactivité",
    "action.idle-cancel": "Inactif : étape annoncée annulée",
    "action.idle-stop": "Arrêté car inactif",
    "action.idle-remove": "Supprimé après un long arrêt",
    showChanges: "Voir les modifications",
    changesOf: "Modifications du commit {commit}",
    files: "{count} fichier(s) modifié(s)",
    truncated: "Ce changement est trop grand pour être montré en entier : seuls ses premiers 256 Kio sont montrés.",
    noChanges: "Aucun fichier de cette instance n'a changé.",
    stopQuestion: "Arrêter {name} ? Il cesse de tourner et son adresse ne répond plus ; ses données sont gardées et vous pourrez le redémarrer.",
    deleteQuestion: "Supprimer {name} ? Sa configuration est retirée de l'état désiré ; les données de ses volumes sont effacées sur la plateforme.",
    actions: "Actions",
    expires: "S'arrête de lui-même",
    expiresAt: "le {date} ({when})",
    never: "Jamais",
    notWhileStopped: "Pas tant qu'il est arrêté : le démarrer lui donne une nouvelle échéance.",
    expiredOn: "Expiré le {date}",
    soon: "{name} s'arrête {when} (le {date}) si vous ne le prolongez pas. Ses données sont gardées dans tous les cas.",
    due: "Le délai de {name} est écoulé : Plateau l'arrête dans quelques minutes si vous ne le prolongez pas. Ses données sont gardées dans tous les cas.",
    expiredNotice: "Plateau a arrêté {name} à son expiration, le {date}. Ses données sont gardées : démarrez-le pour l'utiliser de nouveau.",
    renewTitle: "Prolonger {name}",
    renewIntro: "Il s'arrête de lui-même le {date}. Le prolonger le garde en marche plus longtemps ; ses données sont gardées dans tous les cas.",
    expiresRemoved: "Supprimé de lui-même, avec ses données",
    removedOn: "{name} ne peut pas être arrêté, seulement supprimé : le {date}, Plateau le supprime avec ses données si vous ne le prolongez pas.",
    soonRemoved: "{name} est supprimé avec ses données {when} (le {date}) si vous ne le prolongez pas : il ne peut pas être arrêté, seulement supprimé.",
    dueRemoved: "Le délai de {name} est écoulé : Plateau le supprime avec ses données dans quelques minutes si vous ne le prolongez pas.",
    renewIntroRemoved:
      "Il est supprimé avec ses données le {date} : il ne peut pas être arrêté, seulement supprimé. Le prolonger le garde en marche plus longtemps.",
    notStoppable: "Il ne peut pas être arrêté, seulement supprimé : prolongez-le pour le garder, supprimez-le quand vous avez fini.",
    renewDays: "Jours à ajouter",
    renewHelp:
      "Vide : la durée par défaut de Plateau (30 jours sauf configuration contraire), comptée depuis son échéance actuelle. Plateau refuse d'aller au-delà de sa limite à partir d'aujourd'hui (365 jours sauf configuration contraire).",
    renewDaysProblem: "Un nombre entier de jours, au moins 1.",
    renewing: "Prolongation…",
    renewed: "Prolongé : {name} tourne désormais jusqu'au {date}.",
    secrets: "Mots de passe",
    secretsIntro:
      "Générés par Plateau ou choisis au lancement, ils ne sont jamais dans le dépôt de l'état désiré. Leur lecture est inscrite au journal d'audit.",
    showSecrets: "Afficher les mots de passe",
    hideSecrets: "Masquer les mots de passe",
    noSecrets: "Aucun : Plateau ne garde pas de mot de passe pour cette instance.",
    secretName: "Nom",
  },
});
type Key = keyof (typeof messages)["en"];
type T = (key: Key, params?: Record<string, string | number>) => string;

/** How long to wait before reading an instance again: soon while it changes by itself. */
const pollDelay = (instance: Instance): number => (inMotion(instance.phase) ? 1500 : 15_000);
const ACTIONS = new Set([
  "launch",
  "stop",
  "start",
  "move",
  "remove",
  "renew",
  "expire",
  "change",
  "resize",
  "idle-notify",
  "idle-keep",
  "idle-cancel",
  "idle-stop",
  "idle-remove",
]);
const actionLabel = (t: T, action: string): string => (ACTIONS.has(action) ? t(`action.${action}` as Key) : action);
const MARKS: Record<StepState, string> = { done: "✓", current: "…", failed: "✗", todo: "○" };

export function InstancePage({ project, instance: name }: { project: string; instance: string }) {
  const t = useT(messages);
  const tc = useT(common);
  const tu = useT(usageMessages);
  const base = path`/projects/${project}/instances/${name}`;
  const instance = useResource<Instance>(base, { pollMs: pollDelay });
  // The rest is read once the instance is: one refusal (and one audit record) for someone who may not see it, not three.
  // What its platform reports (phase, reason, when) comes with the instance itself: the timeline moves with it.
  const found = instance.data !== undefined;
  const events = useResource<{ items: InstanceEvent[] }>(found ? `${base}/events?limit=50` : null);
  const history = useResource<{ items: HistoryEntry[] }>(found ? `${base}/history?limit=50` : null);
  const [actionError, setActionError] = useState<unknown>(undefined);
  const [renewedUntil, setRenewedUntil] = useState<string | undefined>(undefined);
  const { language } = useLanguage();

  // Its events and the history follow the instance: read again when it changes.
  const current = instance.data;
  const changeKey = current ? [current.state, current.phase, current.reason, current.platform, current.updatedAt ?? ""].join("\u0000") : null;
  const seenKey = useRef(changeKey);
  // The same functions for the same paths: the key is what makes this run.
  const { reload: reloadEvents } = events;
  const { reload: reloadHistory } = history;
  useEffect(() => {
    if (changeKey === null || seenKey.current === changeKey) return;
    const first = seenKey.current === null;
    seenKey.current = changeKey;
    if (first) return; // the first answer: each part read itself already
    void reloadEvents();
    void reloadHistory();
  }, [changeKey, reloadEvents, reloadHistory]);

  // The event of a report is written just after it: events read in between are read again soon, a few times per report.
  const eventItems = events.data?.items;
  const catchUp = useRef<{ report: string | null; tries: number }>({ report: null, tries: 0 });
  useEffect(() => {
    if (!current) return;
    const report = current.updatedAt ?? null;
    if (catchUp.current.report !== report) catchUp.current = { report, tries: 0 };
    const delay = eventsCatchUpDelay(current, eventItems, catchUp.current.tries);
    if (delay === null) return;
    const timer = setTimeout(() => {
      catchUp.current.tries += 1;
      void reloadEvents();
    }, delay);
    return () => clearTimeout(timer);
  }, [current, eventItems, reloadEvents]);

  const act = async (action: "stop" | "start" | "delete") => {
    setActionError(undefined);
    setRenewedUntil(undefined);
    try {
      await changeInstance({ project, name }, action);
      if (action === "delete") {
        navigate("/");
        return;
      }
    } catch (error) {
      setActionError(error);
    }
    await instance.reload();
  };
  /** A renewal's failure is the dialog's to show (next to its field): it is thrown back. */
  const renew = async (days: number | undefined) => {
    setActionError(undefined);
    const answer = await changeInstance({ project, name }, "renew", days === undefined ? {} : { days });
    setRenewedUntil(answer.instance?.expiresAt ?? undefined);
    await instance.reload();
    void history.reload();
  };

  if (!current) {
    return (
      <section className="instance-page">
        <h1>{name}</h1>
        {instance.loading && <Loading />}
        <ErrorNotice error={instance.error} onRetry={() => void instance.reload()} />
        {instance.error instanceof ApiError && instance.error.status === 404 && (
          <p>
            <Link to="/">{tc("backHome")}</Link>
          </p>
        )}
      </section>
    );
  }

  const steps = timelineSteps({
    // The timeline shows the platform's reason as it is: in the reader's language.
    instance: { ...current, reason: statusReasonText(current, language) },
    events: events.data?.items ?? [],
    latestChange: changeUnderWay(history.data?.items ?? []),
  });
  const expiry = expiryOf(current, Date.now());

  return (
    <section className="instance-page" aria-labelledby="instance-title">
      <div className="heading">
        <h1 id="instance-title">
          {current.name} <PhaseBadge phase={current.phase} reason={current} />
        </h1>
        <div className="actions" role="group" aria-label={t("actions")}>
          {current.url && current.phase === "running" && (
            <a className="button primary" href={current.url} target="_blank" rel="noopener">
              {tc("open")}
            </a>
          )}
          {renewable(expiry) && <RenewButton name={current.name} expiry={expiry} onRenew={renew} t={t} />}
          {current.state === "running" && stoppable(current) ? (
            <ConfirmButton label={tc("stop")} question={t("stopQuestion", { name: current.name })} onConfirm={() => act("stop")} />
          ) : current.state === "running" ? (
            // The API refuses to stop it (not-stoppable): said here rather than offered and refused.
            <button type="button" className="secondary" disabled title={t("notStoppable")}>
              {tc("stop")}
            </button>
          ) : (
            <button type="button" className="secondary" onClick={() => void act("start")}>
              {tc("start")}
            </button>
          )}
          <ConfirmButton label={tc("delete")} danger question={t("deleteQuestion", { name: current.name })} onConfirm={() => act("delete")} />
        </div>
      </div>
      <p className="muted">
        {current.template} · <Link to={path`/projects/${current.project}`}>{current.project}</Link> · {current.platform}
      </p>
      <ErrorNotice error={actionError} />
      {instance.error !== undefined && <ErrorNotice error={instance.error} onRetry={() => void instance.reload()} />}
      {renewedUntil && (
        <p className="notice info" role="status">
          {t("renewed", { name: current.name, date: formatDate(renewedUntil, language) })}
        </p>
      )}
      <ExpiryNotice name={current.name} expiry={expiry} t={t} />

      <h2>{t("status")}</h2>
      <Timeline steps={steps} t={t} moving={inMotion(current.phase)} />

      <h2>{t("details")}</h2>
      <Details instance={current} expiry={expiry} t={t} />

      <h2 id="instance-usage">{tu("usage")}</h2>
      <UsageSection
        project={current.project}
        instance={current.name}
        onChanged={() => {
          void instance.reload();
          void history.reload();
        }}
      />

      <h2 id="instance-values">{t("values")}</h2>
      <Values values={current.values} t={t} />

      <h2 id="instance-secrets">{t("secrets")}</h2>
      <Secrets base={base} t={t} />

      <h2>{t("logs")}</h2>
      <Logs
        base={base}
        name={current.name}
        available={current.phase !== "pending" && current.phase !== "stopped"}
        running={current.phase === "running"}
        t={t}
      />

      <h2 id="instance-events">{t("events")}</h2>
      <Events resource={events} t={t} />

      <h2>{t("history")}</h2>
      <p className="muted small">{t("historyIntro")}</p>
      <History base={base} resource={history} t={t} />
    </section>
  );
}

function Timeline({ steps, t, moving }: { steps: readonly TimelineStep[]; t: T; moving: boolean }) {
  const { language } = useLanguage();
  const reached = currentStep(steps);
  const stepLabel = (key: StepKey) => t(`step.${key}`);
  const problem = steps.find((step) => step.state === "failed");
  const underWay = steps.find((step) => step.state === "current");
  return (
    <>
      <ol className="timeline instance-timeline" aria-label={t("status")}>
        {steps.map((step, index) => (
          <li key={step.key} className={step.state === "todo" ? undefined : step.state} aria-current={index === reached ? "step" : undefined}>
            <span className="step-name">
              {step.state === "current" && moving ? <span className="spinner" aria-hidden="true" /> : <span aria-hidden="true">{MARKS[step.state]}</span>}{" "}
              {step.state === "failed" ? t("failedAt", { step: stepLabel(step.key) }) : stepLabel(step.key)}
              <span className="visually-hidden"> ({t(`state.${step.state}`)})</span>
            </span>
            {step.key === "placed" && step.detail && <span className="small">{t("placedOn", { platform: step.detail })}</span>}
            {step.at && (
              <time className="small" dateTime={step.at}>
                {formatDate(step.at, language)}
              </time>
            )}
          </li>
        ))}
      </ol>
      {problem?.detail && (
        <div className="notice error">
          <p className="message">{problem.detail}</p>
          <p className="advice">{t("whatNext")}</p>
        </div>
      )}
      {underWay?.detail && <p className="muted">{underWay.detail}</p>}
    </>
  );
}

/**
 * A warning when it stops soon (under 3 days) or its time is up; a word when Plateau stopped it.
 * One its expiry removes says so from the start: its data is deleted with it.
 */
function ExpiryNotice({ name, expiry, t }: { name: string; expiry: Expiry; t: T }) {
  const { language } = useLanguage();
  const notice = expiryNotice(expiry);
  if (notice === null || expiry.kind === "never" || expiry.kind === "stopped") return null;
  if (notice === "expiredNotice") return <p className="notice info">{t("expiredNotice", { name, date: formatDate(expiry.at, language) })}</p>;
  const when = formatUntil(expiry.at, language, Date.now());
  return (
    <p className="notice warning" role="status">
      {t(notice, { name, when, date: formatDate(expiry.at, language) })}
    </p>
  );
}

function ExpiryFact({ expiry, t }: { expiry: Expiry; t: T }) {
  const { language } = useLanguage();
  switch (expiry.kind) {
    case "never":
      return <>{t("never")}</>;
    case "stopped":
      return <span className="muted">{t("notWhileStopped")}</span>;
    case "expired":
    case "due":
      return (
        <time dateTime={expiry.at} className={expiry.kind === "due" ? "expiry-soon" : undefined}>
          {t("expiredOn", { date: formatDate(expiry.at, language) })}
        </time>
      );
    case "running":
      return (
        <time dateTime={expiry.at} className={expiry.soon ? "expiry-soon" : undefined}>
          {t("expiresAt", { date: formatDate(expiry.at, language), when: formatUntil(expiry.at, language, Date.now()) })}
        </time>
      );
  }
}

/** Renew, in a dialog: the days to add (empty: the server's default), checked there and by the server, whose objections show next to the field. */
function RenewButton({ name, expiry, onRenew, t }: { name: string; expiry: Expiry; onRenew(days: number | undefined): Promise<void>; t: T }) {
  const tc = useT(common);
  const { language } = useLanguage();
  const id = useId();
  const dialog = useRef<HTMLDialogElement>(null);
  const [days, setDays] = useState("");
  const [problem, setProblem] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  useEffect(() => () => dialog.current?.close(), []);
  const open = () => {
    setDays("");
    setProblem(false);
    setError(undefined);
    dialog.current?.showModal();
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const asked = renewDays(days);
    if ("problem" in asked) return setProblem(true);
    setProblem(false);
    setBusy(true);
    setError(undefined);
    try {
      await onRenew(asked.days);
      dialog.current?.close();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const fieldError = problem ? t("renewDaysProblem") : issuesAt(error, "/days").join(" ");
  const at = expiry.kind === "running" || expiry.kind === "due" ? expiry.at : null;
  const removes = (expiry.kind === "running" || expiry.kind === "due") && expiry.removes === true;
  return (
    <>
      <button type="button" className="secondary" onClick={open}>
        {tc("renew")}
      </button>
      <dialog ref={dialog} aria-labelledby={`${id}-title`}>
        <form onSubmit={(event) => void submit(event)} noValidate>
          <h2 id={`${id}-title`}>{t("renewTitle", { name })}</h2>
          {at && <p>{t(removes ? "renewIntroRemoved" : "renewIntro", { date: formatDate(at, language) })}</p>}
          {fieldError === "" && <ErrorNotice error={error} />}
          <div className="field">
            <label htmlFor={`${id}-days`}>{t("renewDays")}</label>
            <input
              id={`${id}-days`}
              inputMode="numeric"
              value={days}
              onChange={(event) => setDays(event.target.value)}
              placeholder="30"
              className="short"
              autoComplete="off"
              aria-invalid={fieldError ? true : undefined}
              aria-describedby={`${id}-days-help ${id}-days-error`}
            />
            <span id={`${id}-days-help`} className="help">
              {t("renewHelp")}
            </span>
            <span id={`${id}-days-error`} className="field-error" aria-live="polite">
              {fieldError}
            </span>
          </div>
          <div className="actions">
            <button type="button" className="secondary" onClick={() => dialog.current?.close()}>
              {tc("cancel")}
            </button>
            <button type="submit" className="primary" disabled={busy}>
              {busy ? t("renewing") : tc("renew")}
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
}

function Details({ instance, expiry, t }: { instance: Instance; expiry: Expiry; t: T }) {
  const { language } = useLanguage();
  return (
    <dl className="facts instance-facts">
      <div>
        <dt>{t("address")}</dt>
        <dd>
          {instance.url ? (
            <a href={instance.url} target="_blank" rel="noopener">
              {instance.url}
            </a>
          ) : (
            t("noAddress")
          )}
        </dd>
      </div>
      <div>
        <dt>{t("service")}</dt>
        <dd>
          {instance.template} <span className="muted">{instance.templateVersion}</span>
        </dd>
      </div>
      <div>
        <dt>{t("project")}</dt>
        <dd>
          <Link to={path`/projects/${instance.project}`}>{instance.project}</Link>
        </dd>
      </div>
      <div>
        <dt>{t("platform")}</dt>
        <dd>{instance.platform}</dd>
      </div>
      <div className="wide">
        <dt>{t("why")}</dt>
        <dd>{instance.placementReason}</dd>
      </div>
      <div>
        <dt>{t("created")}</dt>
        <dd>{t("createdByAt", { date: formatDate(instance.createdAt, language), by: instance.createdBy })}</dd>
      </div>
      <div>
        <dt>{t((expiry.kind === "running" || expiry.kind === "due") && expiry.removes ? "expiresRemoved" : "expires")}</dt>
        <dd>
          <ExpiryFact expiry={expiry} t={t} />
        </dd>
      </div>
    </dl>
  );
}

function Values({ values, t }: { values: Instance["values"]; t: T }) {
  const rows = valueRows(values);
  const [shown, setShown] = useState<ReadonlySet<string>>(new Set());
  if (rows.length === 0) return <p className="muted">{t("noValues")}</p>;
  const toggle = (key: string) =>
    setShown((before) => {
      const next = new Set(before);
      if (!next.delete(key)) next.add(key);
      return next;
    });
  return (
    <Table label={{ labelledBy: "instance-values" }} columns={[t("setting"), t("value")]}>
      {rows.map((row) => (
        <tr key={row.key}>
          <th scope="row">
            <code>{row.key}</code>
          </th>
          <td className="wrap">
            {row.secret && !shown.has(row.key) ? (
              <span className="muted">••••••• ({t("hidden")})</span>
            ) : row.value === "" ? (
              <span className="muted">{t("emptyValue")}</span>
            ) : (
              <code>{row.value}</code>
            )}
            {row.secret && (
              <>
                {" "}
                <button
                  type="button"
                  className="link"
                  aria-label={shown.has(row.key) ? t("hideValue", { key: row.key }) : t("showValue", { key: row.key })}
                  onClick={() => toggle(row.key)}
                >
                  {shown.has(row.key) ? t("hide") : t("show")}
                </button>
              </>
            )}
          </td>
        </tr>
      ))}
    </Table>
  );
}

/** The instance's passwords, read on demand only (each read is audited), never kept after they are hidden. */
function Secrets({ base, t }: { base: string; t: T }) {
  const [secrets, setSecrets] = useState<InstanceSecret[] | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [reading, setReading] = useState(false);
  const show = async () => {
    setError(undefined);
    setReading(true);
    try {
      setSecrets(((await (await send(`${base}/secrets`)).json()) as { items: InstanceSecret[] }).items);
    } catch (caught) {
      setError(caught);
    } finally {
      setReading(false);
    }
  };
  return (
    <>
      <p className="muted small">{t("secretsIntro")}</p>
      <ErrorNotice error={error} />
      {secrets === undefined ? (
        <button type="button" className="secondary" disabled={reading} onClick={() => void show()}>
          {t("showSecrets")}
        </button>
      ) : (
        <>
          {secrets.length === 0 ? (
            <p className="muted">{t("noSecrets")}</p>
          ) : (
            <Table label={{ labelledBy: "instance-secrets" }} columns={[t("secretName"), t("value")]}>
              {secrets.map((secret) => (
                <tr key={secret.name}>
                  <th scope="row">
                    <code>{secret.name}</code>
                  </th>
                  <td className="wrap">
                    <code>{secret.value}</code>
                  </td>
                </tr>
              ))}
            </Table>
          )}
          <button type="button" className="secondary" onClick={() => setSecrets(undefined)}>
            {t("hideSecrets")}
          </button>
        </>
      )}
    </>
  );
}

/** Lines kept on the page: hours of following must not fill the browser's memory. */
const MAX_LOG_LINES = 5000;

/** `running`: the stream starts again when the instance comes to run (a stream opened while it started ends with no workload). */
function Logs({ base, name, available, running, t }: { base: string; name: string; available: boolean; running: boolean; t: T }) {
  const [following, setFollowing] = useState(true);
  const [attempt, setAttempt] = useState(0);
  const [lines, setLines] = useState<string[]>([]);
  const [state, setState] = useState<"connecting" | "streaming" | "ended">("connecting");
  const [error, setError] = useState<unknown>(undefined);
  const pre = useRef<HTMLPreElement>(null);
  // Whether the reader is at the bottom: new lines scroll into view only then, not while reading above.
  const atBottom = useRef(true);

  useEffect(() => {
    if (!following || !available) return;
    const controller = new AbortController();
    setLines([]);
    setError(undefined);
    setState("connecting");
    atBottom.current = true;
    void (async () => {
      try {
        const response = await send(`${base}/logs?follow=true&tail=200`, { signal: controller.signal });
        const reader = response.body?.getReader();
        setState("streaming");
        if (!reader) {
          setLines(splitLines("", await response.text()).lines);
          setState("ended");
          return;
        }
        const decoder = new TextDecoder();
        let rest = "";
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          const split = splitLines(rest, decoder.decode(value, { stream: true }));
          rest = split.rest;
          if (split.lines.length > 0) setLines((before) => appendCapped(before, split.lines, MAX_LOG_LINES));
        }
        rest += decoder.decode();
        if (rest) setLines((before) => appendCapped(before, [rest], MAX_LOG_LINES));
        setState("ended");
      } catch (failure) {
        if (controller.signal.aborted) return; // left the page, or paused: nothing went wrong
        setError(failure);
        setState("ended");
      }
    })();
    return () => controller.abort();
  }, [base, following, available, running, attempt]);

  useLayoutEffect(() => {
    const element = pre.current;
    if (element && atBottom.current) element.scrollTop = element.scrollHeight;
  }, [lines]);

  if (!available && lines.length === 0) return <p className="muted">{t("noLogs")}</p>;
  const statusText = !following
    ? t("paused")
    : !available
      ? t("noLogs")
      : state === "connecting"
        ? t("connecting")
        : state === "streaming"
          ? t("streaming")
          : t("ended");
  return (
    <div className="instance-logs">
      <div className="log-controls">
        <button type="button" className="secondary" aria-pressed={following} title={t("followHelp")} onClick={() => setFollowing((value) => !value)}>
          {t("follow")}
        </button>
        {following && available && state === "ended" && (
          <button type="button" className="secondary" onClick={() => setAttempt((n) => n + 1)}>
            {t("reconnect")}
          </button>
        )}
        <span className="muted small" role="status">
          {statusText}
          {lines.length >= MAX_LOG_LINES && ` ${t("capped", { count: MAX_LOG_LINES })}`}
        </span>
      </div>
      <ErrorNotice error={error} onRetry={() => setAttempt((n) => n + 1)} />
      <pre
        ref={pre}
        className="logs"
        aria-live="off"
        aria-label={t("logsOf", { name })}
        // Scrollable with the keyboard: it takes focus like any scrolling region.
        tabIndex={0}
        onScroll={(event) => {
          const element = event.currentTarget;
          atBottom.current = element.scrollHeight - element.scrollTop - element.clientHeight < 24;
        }}
      >
        {lines.length > 0 ? lines.join("\n") : state === "streaming" ? t("emptyLogs") : ""}
      </pre>
    </div>
  );
}

function Events({ resource, t }: { resource: Resource<{ items: InstanceEvent[] }>; t: T }) {
  const { language } = useLanguage();
  if (resource.data === undefined) {
    return resource.loading ? <Loading /> : <ErrorNotice error={resource.error} onRetry={() => void resource.reload()} />;
  }
  // Newest first: what happened last matters most.
  const items = [...resource.data.items].reverse();
  if (items.length === 0) return <p className="muted">{t("noEvents")}</p>;
  return (
    <Table label={{ labelledBy: "instance-events" }} columns={[t("when"), t("what")]}>
      {items.map((event, index) => (
        <tr key={`${event.at}:${index}`}>
          <td className="nowrap">
            <time dateTime={event.at}>{formatDate(event.at, language)}</time>
          </td>
          <td className="wrap">{eventText(event, language)}</td>
        </tr>
      ))}
    </Table>
  );
}

function History({ base, resource, t }: { base: string; resource: Resource<{ items: HistoryEntry[] }>; t: T }) {
  if (resource.data === undefined) {
    return resource.loading ? <Loading /> : <ErrorNotice error={resource.error} onRetry={() => void resource.reload()} />;
  }
  if (resource.data.items.length === 0) return <p className="muted">{t("noHistory")}</p>;
  return (
    <ol className="instance-history">
      {resource.data.items.map((entry) => (
        <li key={entry.commit}>
          <Commit base={base} entry={entry} t={t} />
        </li>
      ))}
    </ol>
  );
}

function Commit({ base, entry, t }: { base: string; entry: HistoryEntry; t: T }) {
  const { language } = useLanguage();
  // Read once, the first time it is opened: a commit never changes.
  const [wanted, setWanted] = useState(false);
  const diff = useResource<InstanceDiff>(wanted ? `${base}/history/${encodeURIComponent(entry.commit)}` : null);
  const short = entry.commit.slice(0, 8);
  return (
    <>
      <p className="commit-head">
        <strong>{actionLabel(t, entry.action)}</strong> <span className="muted small">{entry.subject}</span>
        <br />
        <span className="small">
          <time dateTime={entry.at}>{formatDate(entry.at, language)}</time> · {entry.author} · <code title={entry.commit}>{short}</code>
        </span>
      </p>
      <details onToggle={(event) => event.currentTarget.open && setWanted(true)}>
        <summary>
          {t("showChanges")} <span className="visually-hidden">({short})</span>
        </summary>
        <ResourceNotice resource={diff} />
        {diff.data && <Patch diff={diff.data} t={t} />}
      </details>
    </>
  );
}

const LINE_CLASS: Record<DiffLine["kind"], string | undefined> = {
  file: "diff-file",
  meta: "diff-meta",
  hunk: "diff-hunk",
  add: "diff-add",
  del: "diff-del",
  context: undefined,
  note: "diff-meta",
};

function Patch({ diff, t }: { diff: InstanceDiff; t: T }) {
  const { lines, files } = parsePatch(diff.patch);
  return (
    <>
      {diff.truncated && <p className="notice info">{t("truncated")}</p>}
      {files.length === 0 ? (
        <p className="muted">{t("noChanges")}</p>
      ) : (
        <>
          <p className="small">{t("files", { count: files.length })}</p>
          <ul className="diff-files small">
            {files.map((file) => (
              <li key={file.path}>
                <code>{file.path}</code> <span className="diff-add">+{file.added}</span> <span className="diff-del">−{file.removed}</span>
              </li>
            ))}
          </ul>
          <pre className="diff" aria-label={t("changesOf", { commit: diff.commit.slice(0, 8) })} tabIndex={0}>
            {lines.map((line, index) => (
              <span key={index} className={LINE_CLASS[line.kind]}>
                {line.text}
                {"\n"}
              </span>
            ))}
          </pre>
        </>
      )}
    </>
  );
}
