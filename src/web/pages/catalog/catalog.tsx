// The catalog: every service one can launch, built-in templates and the charts of Helm
// catalogs alike, as cards to search and filter by category; recommended ones first.
import { useState } from "react";
import type { HelmChartList, TemplateSummary } from "../../../contracts/api.js";
import { path } from "../../api.js";
import { ErrorNotice, Loading } from "../../components/notice.js";
import { common, defineMessages, localized, useLanguage, useT, type Language } from "../../i18n.js";
import { Link } from "../../router.js";
import { useResource } from "../../use-resource.js";
import "./catalog.css";

const messages = defineMessages({
  en: {
    title: "Catalog",
    intro: "Pick a service to launch: it runs in one of your projects, on a platform Plateau chooses and explains.",
    search: "Search",
    searchHint: "Name, description, keyword…",
    category: "Category",
    all: "All",
    count: "{count} services",
    countOne: "1 service",
    none: "No service matches your search.",
    clear: "Clear the search",
    launch: "Launch",
    launchNamed: "Launch {title}",
    documentation: "Documentation",
    documentationOf: "Documentation of {title}",
    recommended: "Recommended",
    trial: "Under trial",
    trialHint: "This catalog offers services under trial: they may change or stop working.",
    removedOnExpiry: "Removed when it expires",
    removedOnExpiryHint: "This service cannot be stopped, only removed: when it expires, Plateau removes it, its data with it (renewing it keeps it longer).",
    unavailable: "Some catalogs cannot be read right now, so their services are missing: {catalogs}. Try again later; if it lasts, tell the platform team.",
    chartsFailed: "The Helm catalogs' services cannot be listed right now; the built-in ones are shown.",
    "category.notebooks": "Notebooks and IDEs",
    "category.data-apps": "Data applications",
    "category.web-sites": "Web sites",
    "category.web-hosting": "Web hosting",
  },
  fr: {
    title: "Catalogue",
    intro: "Choisissez un service à lancer : il tourne dans l'un de vos projets, sur une plateforme que Plateau choisit et explique.",
    search: "Rechercher",
    searchHint: "Nom, description, mot-clé…",
    category: "Catégorie",
    all: "Toutes",
    count: "{count} services",
    countOne: "1 service",
    none: "Aucun service ne correspond à votre recherche.",
    clear: "Effacer la recherche",
    launch: "Lancer",
    launchNamed: "Lancer {title}",
    documentation: "Documentation",
    documentationOf: "Documentation de {title}",
    recommended: "Recommandé",
    trial: "En test",
    trialHint: "Ce catalogue propose des services en test : ils peuvent changer ou cesser de fonctionner.",
    removedOnExpiry: "Supprimé à expiration",
    removedOnExpiryHint:
      "Ce service ne peut pas être arrêté, seulement supprimé : à son expiration, Plateau le supprime, avec ses données (le prolonger le garde plus longtemps).",
    unavailable:
      "Certains catalogues sont illisibles pour le moment, leurs services manquent donc : {catalogs}. Réessayez plus tard ; si cela dure, prévenez l'équipe de la plateforme.",
    chartsFailed: "Les services des catalogues Helm ne peuvent pas être listés pour le moment ; les services intégrés sont affichés.",
    "category.notebooks": "Notebooks et environnements de développement",
    "category.data-apps": "Applications de données",
    "category.web-sites": "Sites web",
    "category.web-hosting": "Hébergement web",
  },
});
type Key = keyof (typeof messages)["en"];

/** A card of the catalog, whichever catalog it comes from. */
export interface CatalogEntry {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  /** What is searched beside title and description: tags, keywords, the id, the other language's title. */
  readonly terms: readonly string[];
  /** Groups the filter offers: a built-in category, or a Helm catalog. */
  readonly categoryKey: string;
  readonly category: string;
  readonly icon: string | null;
  readonly highlighted: boolean;
  readonly trial: boolean;
  /** It cannot be stopped, only removed: its expiry removes it (ADR 24). */
  readonly removedOnExpiry: boolean;
  readonly documentation: string | null;
  readonly to: string;
}

const categoryLabel = (category: string, t: (key: Key) => string): string => {
  const key = `category.${category}` as Key;
  return key in messages.en ? t(key) : category;
};

export function catalogEntries(
  templates: readonly TemplateSummary[],
  charts: HelmChartList["items"],
  language: Language,
  t: (key: Key) => string,
): CatalogEntry[] {
  const builtIn = templates.map((template): CatalogEntry => ({
    id: template.id,
    title: localized(template.title, language),
    description: localized(template.description, language),
    terms: [template.id, template.title.en, template.title.fr, ...template.tags],
    categoryKey: `template:${template.category}`,
    category: categoryLabel(template.category, t),
    icon: null,
    highlighted: false,
    trial: false,
    removedOnExpiry: false,
    documentation: template.documentation,
    to: path`/launch/${template.id}`,
  }));
  const helm = charts.map((chart): CatalogEntry => ({
    id: chart.id,
    title: chart.title,
    description: chart.description,
    terms: [chart.id, ...chart.keywords],
    categoryKey: `chart:${chart.catalog}`,
    category: chart.category,
    // Only https icons: a chart's index may name anything, and the page asks nothing else of the network.
    icon: chart.icon && /^https:\/\//i.test(chart.icon) ? chart.icon : null,
    highlighted: chart.highlighted,
    trial: chart.status === "TEST",
    removedOnExpiry: chart.stop === "remove-on-expiry",
    documentation: chart.home && /^https:\/\//i.test(chart.home) ? chart.home : null,
    to: path`/launch/${chart.catalog}/${chart.chart}`,
  }));
  // Recommended first; otherwise as the catalogs order them, built-in ones before charts.
  return [...builtIn, ...helm]
    .map((entry, i) => ({ entry, i }))
    .sort((a, b) => Number(b.entry.highlighted) - Number(a.entry.highlighted) || a.i - b.i)
    .map(({ entry }) => entry);
}

/** Lower case and without accents: "éco" finds "Écologie", "notebook" finds "Notebook". */
const fold = (text: string): string => text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();

/** Every word of the query must appear somewhere in the entry. */
export function matches(entry: CatalogEntry, query: string): boolean {
  const words = fold(query).split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const haystack = fold([entry.title, entry.description, entry.category, ...entry.terms].join(" "));
  return words.every((word) => haystack.includes(word));
}

export function CatalogPage() {
  const t = useT(messages);
  const tc = useT(common);
  const { language } = useLanguage();
  const templates = useResource<{ items: TemplateSummary[] }>("/templates");
  const charts = useResource<HelmChartList>(`/charts?lang=${language}`);
  const [query, setQuery] = useState("");
  const [category, setCategory] = useState<string | null>(null);

  const entries = catalogEntries(templates.data?.items ?? [], charts.data?.items ?? [], language, t);
  const categories = [...new Map(entries.map((entry) => [entry.categoryKey, entry.category])).entries()];
  const shown = entries.filter((entry) => (category === null || entry.categoryKey === category) && matches(entry, query));
  const loading = templates.data === undefined && templates.loading;
  const unavailable = charts.data?.unavailable ?? [];

  return (
    <section className="catalog">
      <h1>{t("title")}</h1>
      <p className="muted">{t("intro")}</p>
      {loading && <Loading />}
      <ErrorNotice error={templates.error} onRetry={() => void templates.reload()} />
      {charts.error !== undefined && (
        <div className="notice info" role="status">
          <p>{t("chartsFailed")}</p>
          <button type="button" className="secondary" onClick={() => void charts.reload()}>
            {tc("retry")}
          </button>
        </div>
      )}
      {unavailable.length > 0 && (
        <div className="notice info" role="status">
          <p>{t("unavailable", { catalogs: unavailable.map((u) => u.catalog).join(", ") })}</p>
          <ul className="small muted">
            {unavailable.map((u) => (
              <li key={u.catalog}>
                <strong>{u.catalog}</strong>: {u.reason}
              </li>
            ))}
          </ul>
        </div>
      )}
      {entries.length > 0 && (
        <div className="catalog-filters">
          <div className="field">
            <label htmlFor="catalog-search">{t("search")}</label>
            <input id="catalog-search" type="search" placeholder={t("searchHint")} value={query} onChange={(e) => setQuery(e.target.value)} />
          </div>
          {categories.length > 1 && (
            <div className="categories" role="group" aria-label={t("category")}>
              <button type="button" className="chip" aria-pressed={category === null} onClick={() => setCategory(null)}>
                {t("all")}
              </button>
              {categories.map(([key, label]) => (
                <button key={key} type="button" className="chip" aria-pressed={category === key} onClick={() => setCategory(category === key ? null : key)}>
                  {label}
                </button>
              ))}
            </div>
          )}
          <p className="muted small" role="status" aria-live="polite">
            {shown.length === 1 ? t("countOne") : t("count", { count: shown.length })}
          </p>
        </div>
      )}
      {entries.length > 0 && shown.length === 0 && (
        <div className="empty">
          <p>{t("none")}</p>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setQuery("");
              setCategory(null);
            }}
          >
            {t("clear")}
          </button>
        </div>
      )}
      <ul className="cards catalog-cards" aria-label={t("title")}>
        {shown.map((entry) => (
          <CatalogCard key={entry.id} entry={entry} />
        ))}
      </ul>
    </section>
  );
}

function CatalogCard({ entry }: { entry: CatalogEntry }) {
  const t = useT(messages);
  const [iconFailed, setIconFailed] = useState(false);
  return (
    <li className={`card catalog-card${entry.highlighted ? " highlighted" : ""}`} data-template={entry.id}>
      <div className="catalog-card-head">
        {entry.icon && !iconFailed ? (
          <img
            className="icon"
            src={entry.icon}
            alt=""
            width={40}
            height={40}
            loading="lazy"
            referrerPolicy="no-referrer"
            onError={() => setIconFailed(true)}
          />
        ) : (
          <span className="icon letter" aria-hidden="true">
            {initial(entry.title)}
          </span>
        )}
        <div>
          <h2>
            <Link to={entry.to}>{entry.title}</Link>
          </h2>
          <p className="muted small">{entry.category}</p>
        </div>
      </div>
      {(entry.highlighted || entry.trial || entry.removedOnExpiry) && (
        <p className="badges">
          {entry.highlighted && <span className="badge recommended">{t("recommended")}</span>}
          {entry.trial && (
            <span className="badge trial" title={t("trialHint")}>
              {t("trial")}
            </span>
          )}
          {entry.removedOnExpiry && (
            <span className="badge removed-on-expiry" title={t("removedOnExpiryHint")}>
              {t("removedOnExpiry")}
            </span>
          )}
        </p>
      )}
      <p className="description">{entry.description}</p>
      <div className="actions">
        <Link to={entry.to} className="button primary" aria-label={t("launchNamed", { title: entry.title })}>
          {t("launch")}
        </Link>
        {entry.documentation && (
          <a
            className="button secondary"
            href={entry.documentation}
            target="_blank"
            rel="noopener noreferrer"
            aria-label={t("documentationOf", { title: entry.title })}
          >
            {t("documentation")}
          </a>
        )}
      </div>
    </li>
  );
}

/** The first letter of a title, for services without an icon. */
const initial = (title: string): string => [...title.trim()][0]?.toUpperCase() ?? "?";
