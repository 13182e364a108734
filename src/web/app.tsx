// The shell: who is signed in, the language, the navigation, and which page a path shows.
import { lazy, Suspense, useEffect, useMemo, useRef, useState, type ComponentType, type ReactNode } from "react";
import type { Me, SignedIn } from "../contracts/api.js";
import { api, rememberSession } from "./api.js";
import { Loading, ErrorNotice } from "./components/notice.js";
import { common, type CommonKey, initialLanguage, LanguageContext, LANGUAGES, rememberLanguage, useLanguage, useT, type Language } from "./i18n.js";
import { CatalogPage } from "./pages/catalog/catalog.js";
import { HomePage } from "./pages/home/home.js";
import { SignInPage } from "./pages/sign-in/sign-in.js";
import { Link, matchPath, useLocation } from "./router.js";
import { SessionContext } from "./session.js";
import { NOTICES_CHANGED, unreadCount } from "./shared/usage.js";
import { useResource } from "./use-resource.js";
import type { Notice } from "../contracts/reclaim.js";

// The first pages one sees (sign-in, home, catalog) come with the first load; the others are
// fetched when first visited, so that a phone on 4G downloads what it shows (B9).
const fetched = <P extends object>(load: () => Promise<ComponentType<P>>) => lazy(async () => ({ default: await load() }));
const LaunchPage = fetched(() => import("./pages/launch/launch.js").then((page) => page.LaunchPage));
const InstancePage = fetched(() => import("./pages/instance/instance.js").then((page) => page.InstancePage));
const ProjectsPage = fetched(() => import("./pages/projects/projects.js").then((page) => page.ProjectsPage));
const ProjectPage = fetched(() => import("./pages/projects/projects.js").then((page) => page.ProjectPage));
const LabPage = fetched(() => import("./pages/lab/lab.js").then((page) => page.LabPage));
const PlatformsPage = fetched(() => import("./pages/platforms/platforms.js").then((page) => page.PlatformsPage));
const AuditPage = fetched(() => import("./pages/audit/audit.js").then((page) => page.AuditPage));
const TokensPage = fetched(() => import("./pages/tokens/tokens.js").then((page) => page.TokensPage));
const NotificationsPage = fetched(() => import("./pages/notifications/notifications.js").then((page) => page.NotificationsPage));
const PlatformPage = fetched(() => import("./pages/platforms/platform.js").then((page) => page.PlatformPage));
const RecoveryPage = fetched(() => import("./pages/recovery/recovery.js").then((page) => page.RecoveryPage));

type Params = Record<string, string>;
type T = ReturnType<typeof useT<CommonKey>>;
/** Each address: the page it shows, and the window's title (what a tab and a screen reader say first). */
const ROUTES: readonly { pattern: string; title(params: Params, t: T): string; render(params: Params): ReactNode }[] = [
  { pattern: "/", title: (_p, t) => t("home"), render: () => <HomePage /> },
  { pattern: "/catalog", title: (_p, t) => t("catalog"), render: () => <CatalogPage /> },
  { pattern: "/launch/:template", title: (p) => p.template ?? "", render: (p) => <LaunchPage template={p.template ?? ""} /> },
  { pattern: "/launch/:catalog/:chart", title: (p) => p.chart ?? "", render: (p) => <LaunchPage template={`${p.catalog}/${p.chart}`} /> },
  { pattern: "/projects", title: (_p, t) => t("projects"), render: () => <ProjectsPage /> },
  { pattern: "/projects/:project", title: (p) => p.project ?? "", render: (p) => <ProjectPage project={p.project ?? ""} /> },
  {
    pattern: "/projects/:project/instances/:instance",
    title: (p) => `${p.instance} · ${p.project}`,
    render: (p) => <InstancePage project={p.project ?? ""} instance={p.instance ?? ""} />,
  },
  { pattern: "/labs/:lab", title: (p) => p.lab ?? "", render: (p) => <LabPage lab={p.lab ?? ""} /> },
  { pattern: "/platforms", title: (_p, t) => t("platforms"), render: () => <PlatformsPage /> },
  { pattern: "/platforms/:platform", title: (p) => p.platform ?? "", render: (p) => <PlatformPage platform={p.platform ?? ""} /> },
  { pattern: "/notifications", title: (_p, t) => t("notifications"), render: () => <NotificationsPage /> },
  { pattern: "/audit", title: (_p, t) => t("audit"), render: () => <AuditPage /> },
  { pattern: "/recovery", title: (_p, t) => t("recovery"), render: () => <RecoveryPage /> },
  { pattern: "/tokens", title: (_p, t) => t("tokens"), render: () => <TokensPage /> },
];

function routeFor(path: string, t: T): { title: string; page: ReactNode } | undefined {
  for (const route of ROUTES) {
    const params = matchPath(route.pattern, path);
    if (params) return { title: route.title(params, t), page: route.render(params) };
  }
  return undefined;
}

export function App() {
  const [language, setLanguageState] = useState<Language>(initialLanguage);
  const languageContext = useMemo(
    () => ({
      language,
      setLanguage: (next: Language) => {
        rememberLanguage(next);
        setLanguageState(next);
      },
    }),
    [language],
  );
  useEffect(() => rememberLanguage(language), [language]);
  const [session, setSession] = useState<{ me: Me | null; error?: unknown } | undefined>(undefined);
  const loadMe = () =>
    api<SignedIn>("/session").then(
      ({ me }) => {
        if (me) rememberSession(me);
        setSession({ me });
      },
      (error: unknown) => setSession({ me: null, error }),
    );
  useEffect(() => void loadMe(), []);

  return (
    <LanguageContext.Provider value={languageContext}>
      {session === undefined ? (
        <main id="content">
          <Loading />
        </main>
      ) : session.error ? (
        <main id="content">
          <ErrorNotice error={session.error} onRetry={() => void loadMe()} />
        </main>
      ) : session.me === null ? (
        <SignInPage />
      ) : (
        <SessionContext.Provider value={session.me}>
          <Shell me={session.me} />
        </SessionContext.Provider>
      )}
    </LanguageContext.Provider>
  );
}

export function LanguageSwitch() {
  const t = useT(common);
  const { language, setLanguage } = useLanguage();
  return (
    <div className="language" role="group" aria-label={t("language")}>
      {LANGUAGES.map((l) => (
        <button key={l} type="button" className="link" aria-pressed={l === language} lang={l} onClick={() => setLanguage(l)}>
          {l === "fr" ? "Français" : "English"}
        </button>
      ))}
    </div>
  );
}

function Shell({ me }: { me: Me }) {
  const t = useT(common);
  const { path } = useLocation();
  const route = routeFor(path, t);
  const title = route?.title ?? t("notFound");
  useEffect(() => {
    document.title = `${title} · Plateau`;
  }, [title]);
  // After moving to another page, keyboard and screen-reader users start at its content.
  const previousPath = useRef(path);
  useEffect(() => {
    if (previousPath.current !== path) document.getElementById("content")?.focus({ preventScroll: true });
    previousPath.current = path;
  }, [path]);
  const nav: { to: string; label: string; show: boolean }[] = [
    { to: "/", label: t("home"), show: true },
    { to: "/catalog", label: t("catalog"), show: true },
    { to: "/projects", label: t("projects"), show: true },
    { to: "/platforms", label: t("platforms"), show: true },
    { to: "/audit", label: t("audit"), show: me.operator || me.labAdminOf.length > 0 },
    { to: "/recovery", label: t("recovery"), show: me.operator },
    { to: "/tokens", label: t("tokens"), show: true },
  ];
  const current = (to: string) => (to === "/" ? path === "/" : path === to || path.startsWith(`${to}/`));
  return (
    <>
      <a className="skip" href="#content">
        {t("skip")}
      </a>
      <header className="top">
        <Link to="/" className="brand">
          Plateau
        </Link>
        <nav aria-label="Plateau">
          <ul>
            {nav
              .filter((item) => item.show)
              .map((item) => (
                <li key={item.to}>
                  <Link to={item.to} aria-current={current(item.to) ? "page" : undefined}>
                    {item.label}
                  </Link>
                </li>
              ))}
          </ul>
        </nav>
        <div className="account">
          <NoticesIndicator current={path === "/notifications"} />
          <LanguageSwitch />
          <span className="who" title={t("signedInAs", { login: me.login })}>
            {me.name || me.login}
          </span>
          <form method="post" action="/auth/logout">
            <input type="hidden" name="csrf" value={me.csrfToken ?? ""} />
            <button type="submit" className="link">
              {t("signOut")}
            </button>
          </form>
        </div>
      </header>
      <main id="content" tabIndex={-1}>
        <Suspense fallback={<Loading />}>
          {route?.page ?? (
            <section>
              <h1>{t("notFound")}</h1>
              <p>
                <Link to="/">{t("backHome")}</Link>
              </p>
            </section>
          )}
        </Suspense>
      </main>
    </>
  );
}

/** The count of unread notices, linking to them: read again every minute, on each page, and when some are marked read. */
function NoticesIndicator({ current }: { current: boolean }) {
  const t = useT(common);
  const { path } = useLocation();
  const notices = useResource<{ items: Notice[] }>("/notifications?limit=200", { pollMs: () => 60_000 });
  const { reload } = notices;
  useEffect(() => {
    void reload();
  }, [path, reload]);
  useEffect(() => {
    // The notifications page says so when it marks some read.
    const again = () => void reload();
    window.addEventListener(NOTICES_CHANGED, again);
    return () => window.removeEventListener(NOTICES_CHANGED, again);
  }, [reload]);
  const count = notices.data ? unreadCount(notices.data.items) : 0;
  return (
    <Link
      to="/notifications"
      className="notices-indicator"
      aria-current={current ? "page" : undefined}
      aria-label={t("notificationsUnread", { count })}
      data-unread={count}
    >
      {t("notifications")}
      {count > 0 && <span className="badge">{count}</span>}
    </Link>
  );
}
