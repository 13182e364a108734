// Launch: the form of a template or a Helm chart, generated from its values schema, and —
// before anyone confirms — where the instance would run and why, and what it would count
// against the project's and lab's quotas. The launch itself is one request with one
// idempotency key per attempt, reused when the same launch is tried again.
import { useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import type { HelmChartForm, LaunchBody, LaunchResponse, Placement, Project, QuotaReport, Resources, TemplateDetail } from "../../contracts/api.js";
import { api, ApiError, newActionKey, path } from "../api.js";
import { ErrorNotice, Loading } from "../components/notice.js";
import { UsageBar } from "../components/usage-bar.js";
import { focusField, resourcesText, SchemaForm } from "../form/schema-form-view.js";
import {
  buildForm,
  currentValues,
  defaultsOf,
  edit,
  fieldId,
  fieldsByPointer,
  firstInvalid,
  placeIssues,
  submittedValues,
  validate,
  within,
  type Edits,
  type JsonValue,
  type ServerIssue,
} from "../form/schema-form.js";
import { common, defineMessages, localized, useLanguage, useT, type Language } from "../i18n.js";
import { Link, navigate, useLocation } from "../router.js";
import { useMe } from "../session.js";
import { useResource } from "../use-resource.js";
import { choiceText, exclusionText } from "../code-texts.js";
import "./catalog.css";

const messages = defineMessages({
  en: {
    back: "Back to the catalog",
    documentation: "Documentation",
    trial: "Under trial: this service may change or stop working.",
    where: "Project and name",
    project: "Project",
    projectHelp: "The instance belongs to this project: its members see and manage it, and it counts against the project's quota.",
    personal: "{title} (personal)",
    inLab: "{title} (lab {lab})",
    name: "Instance name",
    nameHelp: "Optional: Plateau chooses one if you leave it empty. It becomes part of the instance's address.",
    namePattern: "Use lowercase letters, digits and hyphens, starting with a letter and ending with a letter or a digit.",
    nameLength: "At most 30 characters.",
    nameTaken: "This project already has an instance of this name: choose another name.",
    version: "Version",
    newest: "{version} (newest)",
    settings: "Settings",
    placementTitle: "Where it will run",
    placementWaiting: "Working out where it would run…",
    placementBlocked: "Correct the highlighted fields to see where it would run and what it costs.",
    runsOn: "On the platform {platform}",
    why: "Why:",
    others: "Other eligible platforms ({count})",
    score: "score {score}",
    excluded: "Platforms set aside ({count})",
    noPlatform: "No platform can run it as it is, for the reasons above. A smaller size may fit; otherwise, ask the platform team.",
    costTitle: "What it costs in quota",
    costLine: "While it runs, this launch reserves {resources}.",
    costStorage: "It also keeps {storage} of storage until it is deleted.",
    costPending: "The cost appears once Plateau has worked out the launch.",
    personalFirst: "Your personal project {name} is created by your first launch; its quota applies from then.",
    scopeProject: "Project {name}",
    scopeLab: "Lab {name} (all its projects)",
    cpu: "CPU",
    memoryGiB: "Memory",
    gpu: "GPU",
    instances: "Instances",
    storageGiB: "Storage",
    unitCores: "cores",
    unitGiB: "GiB",
    withLaunch: "{label} (+{asked} with this launch)",
    exceeds:
      "This launch would exceed the quota of {scope} for {resource}: {after} of {limit}. Stop or delete an instance, choose a smaller size, or ask your lab's administrator for more.",
    launch: "Launch",
    committing: "Committing the launch…",
    launched: "Launched: opening its page…",
    fixFields: "Some fields need correcting: see the messages next to them.",
    again: "Launching again sends the same request: Plateau launches it once, even if the first attempt got through.",
    required: "Fields marked * are required.",
  },
  fr: {
    back: "Retour au catalogue",
    documentation: "Documentation",
    trial: "En test : ce service peut changer ou cesser de fonctionner.",
    where: "Projet et nom",
    project: "Projet",
    projectHelp: "L'instance appartient à ce projet : ses membres la voient et la gèrent, et elle compte dans le quota du projet.",
    personal: "{title} (personnel)",
    inLab: "{title} (labo {lab})",
    name: "Nom de l'instance",
    nameHelp: "Facultatif : Plateau en choisit un si vous le laissez vide. Il fait partie de l'adresse de l'instance.",
    namePattern: "Utilisez des lettres minuscules, des chiffres et des tirets, en commençant par une lettre et en finissant par une lettre ou un chiffre.",
    nameLength: "Au plus 30 caractères.",
    nameTaken: "Ce projet a déjà une instance de ce nom : choisissez-en un autre.",
    version: "Version",
    newest: "{version} (la plus récente)",
    settings: "Réglages",
    placementTitle: "Où elle tournera",
    placementWaiting: "Recherche de la plateforme…",
    placementBlocked: "Corrigez les champs signalés pour voir où elle tournerait et ce qu'elle coûte.",
    runsOn: "Sur la plateforme {platform}",
    why: "Pourquoi :",
    others: "Autres plateformes possibles ({count})",
    score: "score {score}",
    excluded: "Plateformes écartées ({count})",
    noPlatform:
      "Aucune plateforme ne peut la faire tourner telle quelle, pour les raisons ci-dessus. Une taille plus petite peut convenir ; sinon, contactez l'équipe de la plateforme.",
    costTitle: "Ce qu'elle coûte en quota",
    costLine: "Tant qu'elle tourne, ce lancement réserve {resources}.",
    costStorage: "Il garde aussi {storage} de stockage jusqu'à sa suppression.",
    costPending: "Le coût s'affiche une fois le lancement étudié par Plateau.",
    personalFirst: "Votre projet personnel {name} est créé par votre premier lancement ; son quota s'applique ensuite.",
    scopeProject: "Projet {name}",
    scopeLab: "Labo {name} (tous ses projets)",
    cpu: "CPU",
    memoryGiB: "Mémoire",
    gpu: "GPU",
    instances: "Instances",
    storageGiB: "Stockage",
    unitCores: "cœurs",
    unitGiB: "Gio",
    withLaunch: "{label} (+{asked} avec ce lancement)",
    exceeds:
      "Ce lancement dépasserait le quota de {scope} pour {resource} : {after} sur {limit}. Arrêtez ou supprimez une instance, choisissez une taille plus petite, ou demandez davantage à l'administrateur de votre labo.",
    launch: "Lancer",
    committing: "Enregistrement du lancement…",
    launched: "Lancé : ouverture de sa page…",
    fixFields: "Certains champs sont à corriger : voyez les messages à côté d'eux.",
    again: "Relancer envoie la même demande : Plateau ne lance qu'une fois, même si la première tentative a abouti.",
    required: "Les champs marqués * sont obligatoires.",
  },
});
type T = (key: keyof (typeof messages)["en"], params?: Record<string, string | number>) => string;

const NAME_MAX_LENGTH = 30;
const ID_PREFIX = "value";
/** How long values must rest before Plateau is asked where they would go: not at every keystroke. */
const PLACEMENT_DELAY_MS = 400;

/** The server decides (src/core/names.ts); this only says it before a round trip. */
function nameProblem(name: string): "nameLength" | "namePattern" | undefined {
  if (name === "") return undefined;
  if (name.length > NAME_MAX_LENGTH) return "nameLength";
  return /^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(name) ? undefined : "namePattern";
}

const isChart = (template: string): boolean => template.includes("/");

/** Each template gets a fresh form: the route reuses the page from one template to another. */
export function LaunchPage({ template }: { template: string }) {
  return <Launch key={template} template={template} />;
}

function Launch({ template }: { template: string }) {
  const t = useT(messages);
  const tc = useT(common);
  const { language } = useLanguage();
  const me = useMe();
  const { query } = useLocation();
  const chart = isChart(template);
  const [catalog = "", chartName = ""] = chart ? [template.slice(0, template.indexOf("/")), template.slice(template.indexOf("/") + 1)] : [];

  const [project, setProject] = useState(() => query.get("project") || me.personalProject);
  const [name, setName] = useState("");
  const [nameTouched, setNameTouched] = useState(false);
  const [version, setVersion] = useState("");
  const [edits, setEdits] = useState<Edits>({});
  const [reveal, setReveal] = useState(false);
  const [iconFailed, setIconFailed] = useState(false);

  // A chart's form depends on who launches where (its defaults read the project), and on the version.
  const sourcePath = chart
    ? `${path`/charts/${catalog}/${chartName}`}?${new URLSearchParams({ project, lang: language, ...(version ? { version } : {}) }).toString()}`
    : path`/templates/${template}`;
  const source = useResource<TemplateDetail | HelmChartForm>(sourcePath);
  // While another project's or version's form loads, the last one stays on screen.
  const lastSource = useRef<TemplateDetail | HelmChartForm | undefined>(undefined);
  if (source.data) lastSource.current = source.data;
  const detail = source.data ?? lastSource.current;
  // The versions as first offered, newest first (the form's own list starts with the chosen one).
  const versions = useRef<string[] | undefined>(undefined);
  if (!versions.current && !version && source.data && "versions" in source.data) versions.current = source.data.versions;

  const projects = useResource<{ items: Project[] }>("/projects");
  // One's personal project exists from one's first launch: before, there is no report to read (and asking is refused).
  const personalNotYet = project === me.personalProject && projects.data !== undefined && !projects.data.items.some((p) => p.name === project);
  const quota = useResource<QuotaReport>(projects.data === undefined || personalNotYet ? null : path`/projects/${project}/quota`);

  const form = useMemo(() => (detail ? buildForm(detail.valuesSchema, language) : undefined), [detail, language]);
  const defaults = useMemo(() => (form ? defaultsOf(form) : undefined), [form]);
  const values = useMemo(() => currentValues(defaults, edits), [defaults, edits]);
  const errors = useMemo(() => (form ? validate(form, values) : {}), [form, values]);
  const invalid = Object.keys(errors).length > 0;
  const nameError = nameProblem(name);
  const submitted = useMemo(() => (form ? submittedValues(form, edits, values) : {}), [form, edits, values]);
  const placementBody: LaunchBody = { template, ...(chart && version ? { version } : {}), values: submitted };
  // The name changes neither where it goes nor what it costs: it is left out of the question.
  const placementKey = JSON.stringify([project, placementBody]);

  const [placement, setPlacement] = useState<{ key: string; data?: Placement; error?: unknown } | undefined>(undefined);
  const placementBlocked = !form || invalid;
  useEffect(() => {
    if (placementBlocked) return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      api<Placement>(path`/projects/${project}/placement`, { method: "POST", body: placementBody, signal: controller.signal }).then(
        (data) => setPlacement({ key: placementKey, data }),
        (error: unknown) => {
          if (!controller.signal.aborted) setPlacement({ key: placementKey, error });
        },
      );
    }, PLACEMENT_DELAY_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
    // placementKey says everything placementBody and project hold
  }, [placementKey, placementBlocked]);
  const placementCurrent = placement?.key === placementKey;

  const [phase, setPhase] = useState<"idle" | "committing" | "done">("idle");
  const [launchError, setLaunchError] = useState<unknown>(undefined);
  const [launchIssues, setLaunchIssues] = useState<ServerIssue[]>([]);
  const attempt = useRef<{ body: string; key: string } | null>(null);
  const errorBox = useRef<HTMLDivElement>(null);

  const placementIssues = placementCurrent && placement?.error instanceof ApiError ? (placement.error.body.issues ?? []) : [];
  const placed = form ? placeIssues(form, values, [...placementIssues, ...launchIssues]) : { byField: {}, unplaced: [] };
  const fieldIssues = Object.fromEntries(Object.entries(placed.byField).map(([pointer, list]) => [pointer, [...new Set(list)]]));
  // A taken name (the error's reason): the name field says what to do.
  const nameTaken = launchError instanceof ApiError && launchError.body.reason === "name-taken" && name !== "";
  const nameIssues = [...launchIssues.filter((issue) => issue.pointer === "/name").map((issue) => issue.message), ...(nameTaken ? [t("nameTaken")] : [])];
  const versionIssues = launchIssues.filter((issue) => issue.pointer === "/version").map((issue) => issue.message);

  const change = (pointer: string, value: JsonValue | undefined) => {
    setEdits((current) => edit(current, pointer, value));
    // The server's word on this field was about the value it replaces.
    setLaunchIssues((issues) => issues.filter((issue) => !within(issue.pointer, `/values${pointer}`)));
  };

  // After a refused launch, keyboard focus goes where the correction is to be made.
  useEffect(() => {
    if (launchError === undefined || !form) return;
    const first = firstInvalid(form, new Set(Object.keys(placed.byField)));
    const focused = nameIssues.length > 0 ? focusField("launch-name") : first !== undefined && focusField(fieldId(ID_PREFIX, first));
    if (!focused) errorBox.current?.focus();
    // only when a new error arrives
  }, [launchError]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (phase !== "idle" || !form) return;
    setReveal(true);
    setNameTouched(true);
    if (nameError) {
      document.getElementById("launch-name")?.focus();
      return;
    }
    const first = firstInvalid(form, new Set(Object.keys(errors)));
    if (first !== undefined) {
      focusField(fieldId(ID_PREFIX, first));
      return;
    }
    const body: LaunchBody = { ...placementBody, ...(name ? { name } : {}) };
    const bodyKey = JSON.stringify([project, body]);
    // One key per launch attempt: trying the same launch again reuses it, so that Plateau acts once.
    if (attempt.current?.body !== bodyKey) attempt.current = { body: bodyKey, key: newActionKey() };
    setPhase("committing");
    setLaunchError(undefined);
    setLaunchIssues([]);
    try {
      const result = await api<LaunchResponse>(path`/projects/${project}/instances`, { method: "POST", body, idempotencyKey: attempt.current.key });
      setPhase("done");
      navigate(path`/projects/${result.instance.project}/instances/${result.instance.name}`);
    } catch (error) {
      setPhase("idle");
      setLaunchIssues(error instanceof ApiError ? (error.body.issues ?? []) : []);
      setLaunchError(error);
    }
  };

  if (!detail) {
    return (
      <section>
        <p>
          <Link to="/catalog">{t("back")}</Link>
        </p>
        {source.loading && <Loading />}
        <ErrorNotice error={source.error} onRetry={() => void source.reload()} />
      </section>
    );
  }

  const { title, description, documentation, icon } = headingOf(detail, language);
  // Built-in templates name their size presets `size`, and say what each reserves (catalog/README.md).
  const presets =
    "presets" in detail && form && fieldsByPointer(form).get("/size")?.kind === "select" ? { pointer: "/size", resources: detail.presets } : undefined;
  const shownLaunchError = launchError instanceof ApiError ? withoutPlacedIssues(launchError, placed.unplaced) : launchError;
  // Worth saying only where trying again may help: the launch may have got through unseen.
  const transient = launchError !== undefined && (!(launchError instanceof ApiError) || ["internal", "unavailable", "rate-limited"].includes(launchError.code));
  const retrying = transient && attempt.current?.body === JSON.stringify([project, { ...placementBody, ...(name ? { name } : {}) }]);

  return (
    <section className="launch">
      <p>
        <Link to="/catalog">{t("back")}</Link>
      </p>
      <div className="launch-head">
        {icon && !iconFailed ? (
          <img className="icon" src={icon} alt="" width={48} height={48} referrerPolicy="no-referrer" onError={() => setIconFailed(true)} />
        ) : (
          <span className="icon letter" aria-hidden="true">
            {[...title.trim()][0]?.toUpperCase() ?? "?"}
          </span>
        )}
        <div>
          <h1>{title}</h1>
          <p className="muted">{description}</p>
          {"status" in detail && detail.status === "TEST" && <p className="badge trial">{t("trial")}</p>}
          {documentation && (
            <p>
              <a href={documentation} target="_blank" rel="noopener noreferrer">
                {t("documentation")}
              </a>
            </p>
          )}
        </div>
      </div>

      <form className="launch-layout" onSubmit={(event) => void submit(event)} noValidate>
        <div className="launch-main">
          <fieldset className="launch-where">
            <legend>{t("where")}</legend>
            <div className="field">
              <label htmlFor="launch-project">{t("project")}</label>
              <select id="launch-project" value={project} aria-describedby="launch-project-help" onChange={(e) => setProject(e.target.value)}>
                {projectOptions(projects.data?.items ?? [], project, me.personalProject, t).map((option) => (
                  <option key={option.value} value={option.value}>
                    {option.label}
                  </option>
                ))}
              </select>
              <p className="help" id="launch-project-help">
                {t("projectHelp")}
              </p>
              <ErrorNotice error={projects.error} onRetry={() => void projects.reload()} />
            </div>
            <div className="field">
              <label htmlFor="launch-name">{t("name")}</label>
              <input
                id="launch-name"
                type="text"
                autoComplete="off"
                spellCheck={false}
                value={name}
                aria-invalid={(nameTouched && nameError) || nameIssues.length > 0 ? true : undefined}
                aria-describedby={`launch-name-help${(nameTouched && nameError) || nameIssues.length > 0 ? " launch-name-error" : ""}`}
                onChange={(e) => {
                  setName(e.target.value);
                  setLaunchIssues((issues) => issues.filter((issue) => issue.pointer !== "/name"));
                  if (nameTaken) setLaunchError(undefined);
                }}
                onBlur={() => setNameTouched(true)}
              />
              <p className="help" id="launch-name-help">
                {t("nameHelp")}
              </p>
              {((nameTouched && nameError) || nameIssues.length > 0) && (
                <p className="field-error" id="launch-name-error">
                  {[...(nameTouched && nameError ? [t(nameError)] : []), ...nameIssues].join(" ")}
                </p>
              )}
            </div>
            {chart && versions.current && versions.current.length > 0 && (
              <div className="field">
                <label htmlFor="launch-version">{t("version")}</label>
                <select
                  id="launch-version"
                  value={version || versions.current[0]}
                  aria-describedby={versionIssues.length > 0 ? "launch-version-error" : undefined}
                  onChange={(e) => setVersion(e.target.value === versions.current?.[0] ? "" : e.target.value)}
                >
                  {versions.current.map((v, i) => (
                    <option key={v} value={v}>
                      {i === 0 ? t("newest", { version: v }) : v}
                    </option>
                  ))}
                </select>
                {versionIssues.length > 0 && (
                  <p className="field-error" id="launch-version-error">
                    {versionIssues.join(" ")}
                  </p>
                )}
              </div>
            )}
          </fieldset>

          <h2>{t("settings")}</h2>
          {form && form.description && <p className="muted">{form.description}</p>}
          {source.loading && <Loading />}
          <ErrorNotice error={source.error} onRetry={() => void source.reload()} />
          {form && defaults !== undefined && (
            <SchemaForm
              form={form}
              values={values}
              errors={errors}
              serverIssues={fieldIssues}
              reveal={reveal}
              edits={edits}
              onChange={change}
              idPrefix={ID_PREFIX}
              {...(presets ? { presets } : {})}
            />
          )}
          {form && [...fieldsByPointer(form).values()].some((field) => field.required && field.pointer !== "") && (
            <p className="muted small">{t("required")}</p>
          )}
        </div>

        {/* Before the button in reading order: where it goes and what it costs come before confirming. */}
        <aside>
          <PlacementPanel placement={placement} current={placementCurrent} blocked={placementBlocked} t={t} />
          <CostPanel
            quota={quota.data}
            quotaError={quota.error}
            onRetry={() => void quota.reload()}
            personal={personalNotYet ? project : undefined}
            asks={placementCurrent ? placement?.data?.asks : undefined}
            language={language}
            t={t}
            loading={tc("loading")}
          />
        </aside>

        <div className="launch-confirm">
          <div ref={errorBox} tabIndex={-1}>
            {reveal && (invalid || nameError) && (
              <p className="notice error" role="alert">
                {t("fixFields")}
              </p>
            )}
            {nameTaken && launchError instanceof ApiError ? (
              <div className="notice error" role="alert">
                <p className="message">{launchError.message}</p>
                <p className="advice">{t("nameTaken")}</p>
              </div>
            ) : (
              <ErrorNotice error={shownLaunchError} />
            )}
            {retrying && <p className="muted small">{t("again")}</p>}
          </div>
          <div className="launch-submit">
            <button type="submit" className="primary" disabled={phase !== "idle" || source.loading}>
              {phase === "committing" && <span className="spinner" aria-hidden="true" />}
              {t("launch")}
            </button>
            <p className="muted" role="status" aria-live="polite">
              {phase === "committing" ? t("committing") : phase === "done" ? t("launched") : ""}
            </p>
          </div>
        </div>
      </form>
    </section>
  );
}

/** What the page's heading says of a template or a chart. */
function headingOf(detail: TemplateDetail | HelmChartForm, language: Language) {
  if ("catalog" in detail) {
    return {
      title: detail.title,
      description: detail.description,
      documentation: detail.home && /^https:\/\//i.test(detail.home) ? detail.home : null,
      // Only https icons: a chart's index may name anything.
      icon: detail.icon && /^https:\/\//i.test(detail.icon) ? detail.icon : null,
    };
  }
  return { title: localized(detail.title, language), description: localized(detail.description, language), documentation: detail.documentation, icon: null };
}

/** The launch's error without the issues already shown next to their fields. */
function withoutPlacedIssues(error: ApiError, unplaced: readonly ServerIssue[]): ApiError {
  const rest = (error.body.issues ?? []).filter((issue) => issue.pointer !== "/name" && issue.pointer !== "/version" && unplaced.includes(issue));
  return new ApiError(error.status, { ...error.body, issues: rest });
}

function projectOptions(projects: readonly Project[], current: string, personal: string, t: T): { value: string; label: string }[] {
  const label = (p: Project) => {
    const title = p.title && p.title !== p.name ? `${p.title} — ${p.name}` : p.name;
    return p.personal !== null ? t("personal", { title }) : p.lab ? t("inLab", { title, lab: p.lab }) : title;
  };
  // One's own personal project first, then the others by name.
  const sorted = [...projects].sort((a, b) => Number(b.name === personal) - Number(a.name === personal) || a.name.localeCompare(b.name));
  const options = sorted.map((p) => ({ value: p.name, label: label(p) }));
  for (const name of [personal, current]) if (!options.some((option) => option.value === name)) options.unshift({ value: name, label: name });
  return options;
}

function PlacementPanel({
  placement,
  current,
  blocked,
  t,
}: {
  placement: { data?: Placement; error?: unknown } | undefined;
  current: boolean;
  blocked: boolean;
  t: T;
}) {
  const { language } = useLanguage();
  const error = current ? placement?.error : undefined;
  // Placement's refusal names every platform and why; it is an answer, not a failure.
  const noPlatform =
    error instanceof ApiError ? (error.body.issues ?? []).find((issue) => issue.pointer === "/platform" && issue.rule === "placement") : undefined;
  const data = placement?.data;
  return (
    <section className="panel" aria-labelledby="placement-title" aria-busy={!blocked && !current}>
      <h2 id="placement-title">{t("placementTitle")}</h2>
      {blocked ? (
        <p className="muted">{t("placementBlocked")}</p>
      ) : (
        <>
          {!current && <Loading label={t("placementWaiting")} />}
          {noPlatform ? (
            <div className="notice warning" role="status">
              <p>{noPlatform.message}</p>
              <p>{t("noPlatform")}</p>
            </div>
          ) : (
            <ErrorNotice error={error} />
          )}
          {data && !(current && error) && (
            <div className={current ? "" : "muted"}>
              <p aria-live="polite">
                <strong>{t("runsOn", { platform: data.platform })}</strong>
              </p>
              <p className="small">
                {/* A replayed launch says no reasons: its sentence then is all there is. */}
                {t("why")} {data.reasons.length > 0 ? choiceText(data, language) : data.reason}
              </p>
              {data.candidates.length > 1 && (
                <details>
                  <summary>{t("others", { count: data.candidates.length - 1 })}</summary>
                  <ul className="small">
                    {data.candidates.slice(1).map((candidate) => (
                      <li key={candidate.platform}>
                        <strong>{candidate.platform}</strong>: {t("score", { score: candidate.score })}
                      </li>
                    ))}
                  </ul>
                </details>
              )}
              {data.excluded.length > 0 && (
                <details>
                  <summary>{t("excluded", { count: data.excluded.length })}</summary>
                  <ul className="small">
                    {data.excluded.map((exclusion) => (
                      <li key={exclusion.platform}>
                        <strong>{exclusion.platform}</strong>: {exclusionText(exclusion, language)}
                      </li>
                    ))}
                  </ul>
                </details>
              )}
            </div>
          )}
        </>
      )}
    </section>
  );
}

const RESOURCES = ["cpu", "memoryGiB", "gpu", "instances", "storageGiB"] as const;
type Resource = (typeof RESOURCES)[number];
const round = (value: number) => Math.round(value * 1000) / 1000;

/** A resource of one scope: what is used, what this launch adds, the limit, and whether it would go over. */
export interface CostLine {
  readonly resource: Resource;
  readonly used: number;
  readonly asked: number;
  readonly limit: number;
  readonly exceeds: boolean;
}

/** The lines worth showing: GPUs only where there are some to use or to ask. */
export function costLines(use: { quota: Resources; used: Resources }, asks: Resources | undefined): CostLine[] {
  return RESOURCES.flatMap((resource) => {
    const used = use.used[resource];
    const asked = asks?.[resource] ?? 0;
    const limit = use.quota[resource];
    if (resource === "gpu" && limit === 0 && used === 0 && asked === 0) return [];
    return [{ resource, used, asked, limit, exceeds: asked > 0 && round(used + asked) > limit }];
  });
}

function CostPanel({
  quota,
  quotaError,
  onRetry,
  personal,
  asks,
  language,
  t,
  loading,
}: {
  quota: QuotaReport | undefined;
  quotaError: unknown;
  onRetry(): void;
  /** The project, when it is the person's own personal project, not made yet. */
  personal: string | undefined;
  asks: Resources | undefined;
  language: Language;
  t: T;
  loading: string;
}) {
  const unit = (resource: Resource) => (resource === "cpu" ? t("unitCores") : resource === "memoryGiB" || resource === "storageGiB" ? t("unitGiB") : "");
  const amount = (value: number) => new Intl.NumberFormat(language === "fr" ? "fr-FR" : "en-GB", { maximumFractionDigits: 3 }).format(value);
  const scopes = quota
    ? [
        { title: t("scopeProject", { name: quota.project.name }), scope: t("scopeProject", { name: quota.project.name }), use: quota.project },
        ...(quota.lab ? [{ title: t("scopeLab", { name: quota.lab.name }), scope: t("scopeLab", { name: quota.lab.name }), use: quota.lab }] : []),
      ]
    : [];
  const over = scopes.flatMap((s) =>
    costLines(s.use, asks)
      .filter((line) => line.exceeds)
      .map((line) => ({ scope: s.scope, line })),
  );
  return (
    <section className="panel" aria-labelledby="cost-title">
      <h2 id="cost-title">{t("costTitle")}</h2>
      {asks ? (
        <>
          <p>{t("costLine", { resources: resourcesText(asks, language) })}</p>
          {asks.storageGiB > 0 && <p>{t("costStorage", { storage: `${amount(asks.storageGiB)} ${t("unitGiB")}` })}</p>}
        </>
      ) : (
        <p className="muted">{t("costPending")}</p>
      )}
      {over.map(({ scope, line }) => (
        <p key={`${scope}:${line.resource}`} className="notice warning" role="alert">
          {t("exceeds", {
            scope,
            resource: t(line.resource),
            after: `${amount(round(line.used + line.asked))} ${unit(line.resource)}`.trim(),
            limit: `${amount(line.limit)} ${unit(line.resource)}`.trim(),
          })}
        </p>
      ))}
      {/* Plateau makes one's personal project at its first launch: until then it has no report. */}
      {personal !== undefined ? (
        <p className="muted">{t("personalFirst", { name: personal })}</p>
      ) : (
        <>
          {quota === undefined && quotaError === undefined && <Loading label={loading} />}
          <ErrorNotice error={quotaError} onRetry={onRetry} />
        </>
      )}
      {scopes.map((s) => (
        <div key={s.title}>
          <h3>{s.title}</h3>
          {costLines(s.use, asks).map((line) => (
            <UsageBar
              key={line.resource}
              label={line.asked > 0 ? t("withLaunch", { label: t(line.resource), asked: amount(line.asked) }) : t(line.resource)}
              used={round(line.used + line.asked)}
              limit={line.limit}
              unit={unit(line.resource)}
            />
          ))}
        </div>
      ))}
    </section>
  );
}
