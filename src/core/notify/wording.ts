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
  },
};

const ACTIONS: Readonly<Record<NoticeLanguage, Readonly<Record<string, string>>>> = {
  en: { keep: "To keep it, open it in the portal and choose *Keep it*: {link}\nor run: plateau keep {ref}" },
  fr: { keep: "Pour la garder, ouvrez-la dans le portail et choisissez *La garder* : {link}\nou lancez : plateau keep {ref}" },
};

const fill = (text: string, values: Readonly<Record<string, string>>) => text.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);

function inLanguage(notice: NoticeDraft, language: NoticeLanguage, links: NoticeLinks): WordedNotice {
  const ref = notice.instance ? `${notice.project}/${notice.instance}` : notice.project;
  const values = { ref, due: when(notice.due), link: notice.instance ? links.instancePage(notice.project, notice.instance) : "" };
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
