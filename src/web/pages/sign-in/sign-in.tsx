// Signing in: the identity providers of the federation, searchable; the last one used first.
import { useState } from "react";
import type { IdentityProviderInfo } from "../../../contracts/api.js";
import { ResourceNotice } from "../../components/notice.js";
import { defineMessages, useT } from "../../i18n.js";
import { LanguageSwitch } from "../../app.js";
import { useResource } from "../../use-resource.js";

const messages = defineMessages({
  en: {
    title: "Sign in to Plateau",
    intro: "Launch notebooks, RStudio, web sites and applications for your research, on your community's platforms.",
    institution: "Your institution",
    search: "Search for your institution",
    none: "No institution matches “{query}”.",
    with: "Sign in with {provider}",
    more: "{count} more: refine the search.",
  },
  fr: {
    title: "Se connecter à Plateau",
    intro: "Lancez des notebooks, RStudio, des sites web et des applications pour vos recherches, sur les plateformes de votre communauté.",
    institution: "Votre établissement",
    search: "Cherchez votre établissement",
    none: "Aucun établissement ne correspond à « {query} ».",
    with: "Se connecter avec {provider}",
    more: "{count} autres : précisez la recherche.",
  },
});
const LIMIT = 20;

export function SignInPage() {
  const t = useT(messages);
  const providers = useResource<{ items: IdentityProviderInfo[] }>("/identity-providers");
  const [query, setQuery] = useState("");
  const returnTo = `${location.pathname}${location.search}`;
  const q = query.trim().toLowerCase();
  const matching = (providers.data?.items ?? []).filter((p) => !q || p.title.toLowerCase().includes(q) || p.issuer.toLowerCase().includes(q));
  return (
    <main id="content" className="sign-in">
      <LanguageSwitch />
      <h1>{t("title")}</h1>
      <p className="muted">{t("intro")}</p>
      <ResourceNotice resource={providers} />
      {providers.data && providers.data.items.length > 3 && (
        <p>
          <label htmlFor="institution">{t("institution")}</label>
          <input id="institution" type="search" placeholder={t("search")} value={query} onChange={(e) => setQuery(e.target.value)} autoFocus />
        </p>
      )}
      {providers.data && (
        <ul className="providers" aria-label={t("institution")}>
          {matching.slice(0, LIMIT).map((provider) => (
            <li key={provider.id}>
              <a className="button primary" href={`/auth/login/${encodeURIComponent(provider.id)}?returnTo=${encodeURIComponent(returnTo)}`}>
                {t("with", { provider: provider.title })}
              </a>
            </li>
          ))}
          {matching.length === 0 && <li className="muted">{t("none", { query })}</li>}
        </ul>
      )}
      {matching.length > LIMIT && <p className="muted">{t("more", { count: matching.length - LIMIT })}</p>}
    </main>
  );
}
