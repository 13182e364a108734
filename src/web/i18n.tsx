// French and English: French when the browser prefers it, the choice remembered. Each page
// keeps its own messages beside it (defineMessages); `common` holds the words of every page.
import { createContext, useContext } from "react";

export type Language = "fr" | "en";
export const LANGUAGES: readonly Language[] = ["fr", "en"];
const STORAGE_KEY = "plateau.language";

type Params = Record<string, string | number>;
export type Messages<K extends string> = Readonly<Record<Language, Readonly<Record<K, string>>>>;

/** Both languages must hold the same keys: the type says so. */
export const defineMessages = <K extends string>(messages: { en: Record<K, string>; fr: Record<K, string> }): Messages<K> => messages;

/** The first of the browser's languages that is French or English; English otherwise. */
export function browserLanguage(preferred: readonly string[]): Language {
  for (const tag of preferred) {
    const lower = tag.toLowerCase();
    if (lower.startsWith("fr")) return "fr";
    if (lower.startsWith("en")) return "en";
  }
  return "en";
}

export function initialLanguage(): Language {
  const stored = localStorage.getItem(STORAGE_KEY);
  return stored === "fr" || stored === "en" ? stored : browserLanguage(navigator.languages ?? [navigator.language]);
}

export function rememberLanguage(language: Language): void {
  localStorage.setItem(STORAGE_KEY, language);
  document.documentElement.lang = language;
}

/** `{name}` in a message is replaced by `params.name`. */
export function format(message: string, params: Params = {}): string {
  return message.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

export const LanguageContext = createContext<{ language: Language; setLanguage(language: Language): void }>({
  language: "en",
  setLanguage: () => undefined,
});

export const useLanguage = () => useContext(LanguageContext);

export function useT<K extends string>(messages: Messages<K>): (key: K, params?: Params) => string {
  const { language } = useLanguage();
  return (key, params) => format(messages[language][key], params);
}

/** Text the API gives in both languages. */
export const localized = (text: { en: string; fr: string }, language: Language): string => text[language] || text.en;

export function formatDate(iso: string, language: Language): string {
  return new Intl.DateTimeFormat(language === "fr" ? "fr-FR" : "en-GB", { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));
}

/** "3 minutes ago" / "il y a 3 minutes". */
export function formatAgo(iso: string, language: Language, now = Date.now()): string {
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  const units: [Intl.RelativeTimeFormatUnit, number][] = [
    ["day", 86_400],
    ["hour", 3_600],
    ["minute", 60],
  ];
  const rtf = new Intl.RelativeTimeFormat(language, { numeric: "auto" });
  for (const [unit, size] of units) if (Math.abs(seconds) >= size) return rtf.format(Math.round(seconds / size), unit);
  return rtf.format(seconds, "second");
}

export const common = defineMessages({
  en: {
    loading: "Loading…",
    retry: "Try again",
    cancel: "Cancel",
    confirm: "Confirm",
    close: "Close",
    save: "Save",
    open: "Open",
    stop: "Stop",
    start: "Start",
    delete: "Delete",
    renew: "Renew",
    none: "None",
    signOut: "Sign out",
    signedInAs: "Signed in as {login}",
    language: "Language",
    home: "My services",
    catalog: "Catalog",
    projects: "Projects",
    platforms: "Platforms",
    audit: "Audit",
    recovery: "Recovery",
    tokens: "API tokens",
    notifications: "Notifications",
    notificationsUnread: "Notifications: {count} unread",
    skip: "Skip to content",
    notFound: "This page does not exist.",
    backHome: "Back to my services",
    "error.unauthenticated": "Your session has ended: sign in again.",
    "error.not-allowed": "You are not allowed to do this. A project owner or your lab's administrator can give you access.",
    "error.not-found": "It does not exist (any more), or you cannot see it.",
    "error.conflict": "Someone changed it at the same time: reload and try again.",
    "error.quota-exceeded": "This would exceed a quota: stop or delete an instance, or ask your lab's administrator for more.",
    "error.unavailable": "A platform or service does not answer right now: try again in a few minutes.",
    "error.rate-limited": "Too many requests: wait a minute and try again.",
    "error.input": "Some values are not accepted: see the messages next to the fields.",
    "error.internal": "Plateau failed unexpectedly. Try again; if it persists, tell the platform team.",
    "error.network": "Plateau cannot be reached: check your connection and try again.",
    "phase.pending": "Pending",
    "phase.starting": "Starting",
    "phase.running": "Running",
    "phase.stopping": "Stopping",
    "phase.stopped": "Stopped",
    "phase.failed": "Failed",
  },
  fr: {
    loading: "Chargement…",
    retry: "Réessayer",
    cancel: "Annuler",
    confirm: "Confirmer",
    close: "Fermer",
    save: "Enregistrer",
    open: "Ouvrir",
    stop: "Arrêter",
    start: "Démarrer",
    delete: "Supprimer",
    renew: "Prolonger",
    none: "Aucun",
    signOut: "Se déconnecter",
    signedInAs: "Connecté en tant que {login}",
    language: "Langue",
    home: "Mes services",
    catalog: "Catalogue",
    projects: "Projets",
    platforms: "Plateformes",
    audit: "Journal d'audit",
    recovery: "Reprise",
    tokens: "Jetons d'API",
    notifications: "Notifications",
    notificationsUnread: "Notifications : {count} non lue(s)",
    skip: "Aller au contenu",
    notFound: "Cette page n'existe pas.",
    backHome: "Retour à mes services",
    "error.unauthenticated": "Votre session a expiré : reconnectez-vous.",
    "error.not-allowed": "Vous n'avez pas le droit de faire cela. Un propriétaire du projet ou l'administrateur de votre labo peut vous donner accès.",
    "error.not-found": "Cela n'existe pas (ou plus), ou vous ne pouvez pas le voir.",
    "error.conflict": "Quelqu'un l'a modifié en même temps : rechargez et réessayez.",
    "error.quota-exceeded": "Cela dépasserait un quota : arrêtez ou supprimez une instance, ou demandez davantage à l'administrateur de votre labo.",
    "error.unavailable": "Une plateforme ou un service ne répond pas pour le moment : réessayez dans quelques minutes.",
    "error.rate-limited": "Trop de requêtes : attendez une minute puis réessayez.",
    "error.input": "Certaines valeurs ne sont pas acceptées : voyez les messages à côté des champs.",
    "error.internal": "Plateau a échoué de façon inattendue. Réessayez ; si cela persiste, prévenez l'équipe de la plateforme.",
    "error.network": "Plateau est injoignable : vérifiez votre connexion et réessayez.",
    "phase.pending": "En attente",
    "phase.starting": "Démarrage",
    "phase.running": "En marche",
    "phase.stopping": "Arrêt en cours",
    "phase.stopped": "Arrêté",
    "phase.failed": "En échec",
  },
});
export type CommonKey = keyof (typeof common)["en"];
