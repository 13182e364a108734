// How e-mails and chat messages word a notice (ADR 28): English then French, or the person's
// language when known. Only the notice's own project and instance are named, never a secret.
import type { NoticeDraft } from "./notice.js";

export type NoticeLanguage = "en" | "fr";

export interface NoticeLinks {
  /** The instance's page in the portal. */
  readonly instancePage: (project: string, instance: string) => string;
}

export interface WordedNotice {
  readonly subject: string;
  readonly text: string;
}

/** `2026-07-01 09:30 UTC`. */
const when = (iso: string | undefined) => (iso ? `${iso.slice(0, 16).replace("T", " ")} UTC` : "");

const SENTENCES: Readonly<Record<NoticeLanguage, Readonly<Record<string, { subject: string; what: string }>>>> = {
  en: {
    "idle-stop-planned": {
      subject: "{ref} will be stopped on {due}",
      what: "{ref} has not been used for a while (no CPU use, no visit): Plateau will stop it on {due}. Its data is kept.",
    },
    "idle-remove-planned": {
      subject: "{ref} will be removed on {due}",
      what: "{ref} has been stopped for a long time: Plateau will remove it on {due}, its data with it.",
    },
    "alert-instance-down": { subject: "{ref} is down", what: "{ref} has a pod that has not been ready for a while." },
    "alert-restart-loop": { subject: "{ref} keeps restarting", what: "{ref} keeps restarting: something fails at start." },
    "alert-volume-full": { subject: "A volume of {ref} is nearly full", what: "The volume {persistentvolumeclaim} of {ref} is nearly full." },
    "alert-quota-nearly-used": { subject: "{ref} has used most of its quota", what: "{ref} has used most of its {quota} quota of {resource}." },
    "alert-expiring-soon": { subject: "{ref} expires soon", what: "{ref} reaches its expiry soon: it will then be stopped." },
    "drill-overdue": {
      subject: "{ref}: a recovery drill is overdue",
      what: "{ref} is backed up, but no recovery drill has checked that its backups restore and answer since {since} (one every {days} days is asked).",
    },
  },
  fr: {
    "idle-stop-planned": {
      subject: "{ref} sera arrêtée le {due}",
      what: "{ref} n'est plus utilisée depuis un moment (ni calcul, ni visite) : Plateau l'arrêtera le {due}. Ses données sont conservées.",
    },
    "idle-remove-planned": {
      subject: "{ref} sera supprimée le {due}",
      what: "{ref} est arrêtée depuis longtemps : Plateau la supprimera le {due}, avec ses données.",
    },
    "alert-instance-down": { subject: "{ref} est hors service", what: "{ref} a un pod qui n'est plus prêt depuis un moment." },
    "alert-restart-loop": { subject: "{ref} redémarre sans cesse", what: "{ref} redémarre sans cesse : quelque chose échoue au démarrage." },
    "alert-volume-full": { subject: "Un volume de {ref} est presque plein", what: "Le volume {persistentvolumeclaim} de {ref} est presque plein." },
    "alert-quota-nearly-used": { subject: "{ref} a presque épuisé son quota", what: "{ref} a presque épuisé son quota {quota} de {resource}." },
    "alert-expiring-soon": { subject: "{ref} expire bientôt", what: "{ref} arrive bientôt à expiration : elle sera alors arrêtée." },
    "drill-overdue": {
      subject: "{ref} : un exercice de reprise est en retard",
      what: "{ref} est sauvegardé, mais aucun exercice de reprise n'a vérifié depuis le {since} que ses sauvegardes se restaurent et répondent (il en faut un tous les {days} jours).",
    },
  },
};

const ACTIONS: Readonly<Record<NoticeLanguage, Readonly<Record<string, string>>>> = {
  en: {
    keep: "To keep it, open it in the portal and choose *Keep it*: {link}\nor run: plateau keep {ref}",
    "open-instance-logs": "Read its logs: {command}\n{link}",
    "free-volume": "Free space on it, or give it a larger volume: {command}\n{link}",
    "raise-quota": "Stop what is no longer used, or ask for more: {command}",
    renew: "Renew it to keep it running: {command}\n{link}",
    "run-drill": "An operator runs one with: {command}",
  },
  fr: {
    keep: "Pour la garder, ouvrez-la dans le portail et choisissez *La garder* : {link}\nou lancez : plateau keep {ref}",
    "open-instance-logs": "Lisez ses journaux : {command}\n{link}",
    "free-volume": "Libérez de la place, ou donnez-lui un volume plus grand : {command}\n{link}",
    "raise-quota": "Arrêtez ce qui ne sert plus, ou demandez-en davantage : {command}",
    renew: "Renouvelez-la pour qu'elle continue de tourner : {command}\n{link}",
    "run-drill": "Un opérateur le lance avec : {command}",
  },
};

const fill = (text: string, values: Readonly<Record<string, string>>) => text.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);

function inLanguage(notice: NoticeDraft, language: NoticeLanguage, links: NoticeLinks): WordedNotice {
  const ref = notice.instance ? `${notice.project}/${notice.instance}` : notice.project;
  const params = Object.fromEntries(Object.entries(notice.params).map(([name, value]) => [name, String(value)]));
  const values = { ...params, ref, due: when(notice.due), link: notice.instance ? links.instancePage(notice.project, notice.instance) : "" };
  const sentence = SENTENCES[language][notice.kind];
  const action = notice.action ? ACTIONS[language][notice.action] : undefined;
  if (!sentence) return { subject: `${ref}: ${notice.kind}`, text: `${ref}: ${notice.kind}` };
  return { subject: fill(sentence.subject, values), text: [fill(sentence.what, values), ...(action ? [fill(action, values)] : [])].join("\n\n") };
}

/** The notice in the person's language, or in English then French when it is not known. */
export function wordNotice(notice: NoticeDraft, links: NoticeLinks, language?: NoticeLanguage): WordedNotice {
  if (language) return inLanguage(notice, language, links);
  const en = inLanguage(notice, "en", links);
  const fr = inLanguage(notice, "fr", links);
  return { subject: `${en.subject} / ${fr.subject}`, text: `${en.text}\n\n---\n\n${fr.text}` };
}

/** The kinds these words cover (a test checks them against the codes). */
export const WORDED_KINDS = Object.keys(SENTENCES.en);
