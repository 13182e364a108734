// API tokens: for scripts and the CLI. A new token's value is shown once (Plateau keeps only
// its hash); tokens can be limited to projects and to reading, and revoked at once.
import { useId, useRef, useState, type FormEvent } from "react";
import type { Project, Token, TokenCreated } from "../../../contracts/api.js";
import { api, newActionKey, path } from "../../api.js";
import { ConfirmButton } from "../../components/confirm.js";
import { ErrorNotice, ResourceNotice } from "../../components/notice.js";
import { defineMessages, formatAgo, formatDate, useLanguage, useT } from "../../i18n.js";
import { useResource } from "../../use-resource.js";
import { issuesAt } from "../../shared/field-issues.js";
import { MAX_DAYS, sortTokens, tokenRequest, tokenState, type TokenFormProblems, type TokenState } from "./state.js";
import { Table } from "../../components/table.js";

const messages = defineMessages({
  en: {
    title: "API tokens",
    intro:
      "A token lets a script or a program act as you through Plateau's API. The command plateau login gets one for the command line by itself; create one here for scripts, notebooks or CI.",
    howTitle: "Using a token",
    how: "Set it in the environment of the plateau command, or send it as an HTTP header:",
    empty: "You have no token.",
    name: "Name",
    prefix: "Starts with",
    projects: "Projects",
    allProjects: "all my projects",
    access: "Access",
    readWrite: "read and write",
    readOnly: "read only",
    created: "Created",
    expires: "Expires",
    lastUsed: "Last used",
    never: "never",
    actions: "Actions",
    "state.active": "Active",
    "state.expiring": "Expires soon",
    "state.expired": "Expired",
    "state.revoked": "Revoked",
    revoke: "Revoke",
    revokeQuestion: "Revoke the token {name} ({prefix}…)? Scripts and command lines using it stop working at once.",
    create: "Create a token",
    nameHelp: "What it is for, e.g. “ci-pipeline” or “laptop notebook”.",
    "name.required": "Give the token a name.",
    "name.too-long": "At most 100 characters.",
    scope: "Projects it may act on",
    scopeAll: "All my projects, including those I join later",
    scopeSome: "Only these projects",
    "projects.required": "Choose at least one project, or all of them.",
    noProjects: "You are in no project yet.",
    readOnlyField: "Read only: it may look but change nothing",
    days: "Days until it expires",
    daysHelp: "Empty: Plateau's default (90 days unless configured otherwise). Plateau refuses more than its maximum (365 days unless configured otherwise).",
    "days.days": "A whole number of days between 1 and {max}.",
    creating: "Creating…",
    createdTitle: "Your new token",
    once: "Copy it now and keep it safe: Plateau keeps only its fingerprint and will never show it again. Anyone holding it can act as you.",
    tokenLabel: "The token's value",
    copy: "Copy",
    copied: "Copied.",
    copyFailed: "Copying failed: the value is selected, press Ctrl+C (⌘C on a Mac).",
    done: "I have copied it",
  },
  fr: {
    title: "Jetons d'API",
    intro:
      "Un jeton permet à un script ou à un programme d'agir en votre nom via l'API de Plateau. La commande plateau login en obtient un toute seule pour la ligne de commande ; créez-en un ici pour des scripts, des notebooks ou l'intégration continue.",
    howTitle: "Utiliser un jeton",
    how: "Placez-le dans l'environnement de la commande plateau, ou envoyez-le dans un en-tête HTTP :",
    empty: "Vous n'avez aucun jeton.",
    name: "Nom",
    prefix: "Commence par",
    projects: "Projets",
    allProjects: "tous mes projets",
    access: "Accès",
    readWrite: "lecture et écriture",
    readOnly: "lecture seule",
    created: "Création",
    expires: "Expiration",
    lastUsed: "Dernière utilisation",
    never: "jamais",
    actions: "Actions",
    "state.active": "Actif",
    "state.expiring": "Expire bientôt",
    "state.expired": "Expiré",
    "state.revoked": "Révoqué",
    revoke: "Révoquer",
    revokeQuestion: "Révoquer le jeton {name} ({prefix}…) ? Les scripts et lignes de commande qui l'utilisent cessent aussitôt de fonctionner.",
    create: "Créer un jeton",
    nameHelp: "À quoi il sert, par exemple « ci-pipeline » ou « notebook portable ».",
    "name.required": "Donnez un nom au jeton.",
    "name.too-long": "100 caractères au plus.",
    scope: "Projets sur lesquels il peut agir",
    scopeAll: "Tous mes projets, y compris ceux que je rejoindrai",
    scopeSome: "Seulement ces projets",
    "projects.required": "Choisissez au moins un projet, ou tous.",
    noProjects: "Vous n'êtes encore dans aucun projet.",
    readOnlyField: "Lecture seule : il peut consulter mais ne rien modifier",
    days: "Jours avant expiration",
    daysHelp:
      "Vide : la valeur par défaut de Plateau (90 jours sauf configuration contraire). Plateau refuse au-delà de son maximum (365 jours sauf configuration contraire).",
    "days.days": "Un nombre entier de jours entre 1 et {max}.",
    creating: "Création…",
    createdTitle: "Votre nouveau jeton",
    once: "Copiez-le maintenant et gardez-le en lieu sûr : Plateau n'en garde que l'empreinte et ne le montrera plus jamais. Quiconque le détient peut agir en votre nom.",
    tokenLabel: "La valeur du jeton",
    copy: "Copier",
    copied: "Copié.",
    copyFailed: "La copie a échoué : la valeur est sélectionnée, appuyez sur Ctrl+C (⌘C sur un Mac).",
    done: "Je l'ai copié",
  },
});

const STATE_CLASS: Record<TokenState, string> = {
  active: "phase-running",
  expiring: "phase-pending",
  expired: "phase-stopped",
  revoked: "phase-stopped",
};

export function TokensPage() {
  const t = useT(messages);
  const { language } = useLanguage();
  const id = useId();
  const tokens = useResource<{ items: Token[] }>("/tokens");
  const [created, setCreated] = useState<TokenCreated | null>(null);
  const [revokeError, setRevokeError] = useState<unknown>(undefined);
  const now = Date.now();
  const items = sortTokens(tokens.data?.items ?? [], now);

  const revoke = async (token: Token) => {
    setRevokeError(undefined);
    try {
      await api<void>(path`/tokens/${token.id}`, { method: "DELETE", idempotencyKey: newActionKey() });
    } catch (error) {
      setRevokeError(error);
    }
    await tokens.reload();
  };

  return (
    <>
      <section>
        <h1 id={id}>{t("title")}</h1>
        <p className="muted">{t("intro")}</p>
        {created && (
          <NewToken
            created={created}
            onDone={() => {
              setCreated(null);
            }}
          />
        )}
        <ErrorNotice error={revokeError} />
        <ResourceNotice resource={tokens} />
        {tokens.data && items.length === 0 && <p className="muted">{t("empty")}</p>}
        {items.length > 0 && (
          <Table
            label={{ labelledBy: id }}
            columns={[t("name"), t("expires"), t("prefix"), t("projects"), t("access"), t("created"), t("lastUsed"), t("actions")]}
          >
            {items.map((token) => {
              const state = tokenState(token, now);
              const gone = state === "expired" || state === "revoked";
              return (
                <tr key={token.id} className={gone ? "inactive" : undefined} data-token={token.id}>
                  <td>{token.name}</td>
                  <td>
                    <span className={`phase ${STATE_CLASS[state]}`}>{t(`state.${state}`)}</span>
                    <div className="small muted">
                      <time dateTime={state === "revoked" ? (token.revokedAt ?? "") : token.expiresAt}>
                        {formatDate(state === "revoked" ? (token.revokedAt ?? token.expiresAt) : token.expiresAt, language)}
                      </time>
                    </div>
                  </td>
                  <td>
                    <code>{token.prefix}…</code>
                  </td>
                  <td>{token.projects === null ? t("allProjects") : token.projects.join(", ")}</td>
                  <td>{token.write ? t("readWrite") : t("readOnly")}</td>
                  <td>
                    <time dateTime={token.createdAt} title={formatDate(token.createdAt, language)}>
                      {formatAgo(token.createdAt, language, now)}
                    </time>
                  </td>
                  <td>
                    {token.lastUsedAt ? (
                      <time dateTime={token.lastUsedAt} title={formatDate(token.lastUsedAt, language)}>
                        {formatAgo(token.lastUsedAt, language, now)}
                      </time>
                    ) : (
                      t("never")
                    )}
                  </td>
                  <td>
                    {state !== "revoked" && (
                      <ConfirmButton
                        label={t("revoke")}
                        danger
                        question={t("revokeQuestion", { name: token.name, prefix: token.prefix })}
                        confirmLabel={t("revoke")}
                        onConfirm={() => revoke(token)}
                      />
                    )}
                  </td>
                </tr>
              );
            })}
          </Table>
        )}
      </section>
      <CreateToken
        onCreated={(result) => {
          setCreated(result);
          void tokens.reload();
        }}
      />
      <Usage />
    </>
  );
}

/** The one time a token's value is shown: copy it, and say so. */
function NewToken({ created, onDone }: { created: TokenCreated; onDone(): void }) {
  const t = useT(messages);
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [copy, setCopy] = useState<"copied" | "copyFailed" | undefined>(undefined);
  const copyToken = async () => {
    try {
      await navigator.clipboard.writeText(created.token);
      setCopy("copied");
    } catch {
      // No clipboard (an insecure origin, a refusal): leave the value selected to copy by hand.
      input.current?.select();
      setCopy("copyFailed");
    }
  };
  return (
    <div className="notice info token-once" role="alert" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>
        {t("createdTitle")}: {created.record.name}
      </h2>
      <p>
        <strong>{t("once")}</strong>
      </p>
      <div className="copy-row">
        <input aria-label={t("tokenLabel")} ref={input} readOnly value={created.token} spellCheck={false} onFocus={(e) => e.target.select()} />
        <button type="button" className="primary" onClick={() => void copyToken()}>
          {t("copy")}
        </button>
      </div>
      <p role="status" className="small">
        {copy ? t(copy) : ""}
      </p>
      <button type="button" className="secondary" onClick={onDone}>
        {t("done")}
      </button>
    </div>
  );
}

function CreateToken({ onCreated }: { onCreated(created: TokenCreated): void }) {
  const t = useT(messages);
  const id = useId();
  const projects = useResource<{ items: Project[] }>("/projects");
  const [name, setName] = useState("");
  const [limited, setLimited] = useState(false);
  const [chosen, setChosen] = useState<string[]>([]);
  const [readOnly, setReadOnly] = useState(false);
  const [days, setDays] = useState("");
  const [problems, setProblems] = useState<TokenFormProblems>({});
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const request = tokenRequest({ name, projects: limited ? chosen : null, readOnly, days });
    if ("problems" in request) return setProblems(request.problems);
    setProblems({});
    setBusy(true);
    setError(undefined);
    try {
      const result = await api<TokenCreated>("/tokens", { method: "POST", body: request.body, idempotencyKey: newActionKey() });
      setName("");
      setChosen([]);
      setLimited(false);
      setReadOnly(false);
      setDays("");
      onCreated(result);
      window.scrollTo(0, 0);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const nameError = problems.name ? t(problems.name === "too-long" ? "name.too-long" : "name.required") : issuesAt(error, "/name").join(" ");
  const projectsError = problems.projects ? t("projects.required") : issuesAt(error, "/projects").join(" ");
  const daysError = problems.days ? t("days.days", { max: MAX_DAYS }) : issuesAt(error, "/expiresInDays").join(" ");
  const toggle = (project: string, on: boolean) => setChosen(on ? [...chosen, project] : chosen.filter((p) => p !== project));
  return (
    <section aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>{t("create")}</h2>
      <ErrorNotice error={error} />
      <form className="narrow" onSubmit={(e) => void submit(e)} noValidate>
        <div className="field">
          <label htmlFor={`${id}-name`}>{t("name")}</label>
          <input
            id={`${id}-name`}
            value={name}
            onChange={(e) => setName(e.target.value)}
            maxLength={100}
            autoComplete="off"
            aria-invalid={nameError ? true : undefined}
            aria-describedby={`${id}-name-help ${id}-name-error`}
          />
          <span id={`${id}-name-help`} className="help">
            {t("nameHelp")}
          </span>
          <span id={`${id}-name-error`} className="field-error" aria-live="polite">
            {nameError}
          </span>
        </div>
        <fieldset aria-describedby={`${id}-projects-error`}>
          <legend>{t("scope")}</legend>
          <label className="inline">
            <input type="radio" name={`${id}-scope`} checked={!limited} onChange={() => setLimited(false)} /> {t("scopeAll")}
          </label>
          <br />
          <label className="inline">
            <input type="radio" name={`${id}-scope`} checked={limited} onChange={() => setLimited(true)} /> {t("scopeSome")}
          </label>
          {limited && (
            <div className="choices">
              <ResourceNotice resource={projects} />
              {projects.data && projects.data.items.length === 0 && <p className="muted">{t("noProjects")}</p>}
              {projects.data?.items.map((project) => (
                <label className="inline" key={project.name}>
                  <input type="checkbox" checked={chosen.includes(project.name)} onChange={(e) => toggle(project.name, e.target.checked)} />{" "}
                  {project.title && project.title !== project.name ? `${project.title} (${project.name})` : project.name}
                </label>
              ))}
            </div>
          )}
          <span id={`${id}-projects-error`} className="field-error" aria-live="polite">
            {projectsError}
          </span>
        </fieldset>
        <div className="field">
          <label className="inline">
            <input type="checkbox" checked={readOnly} onChange={(e) => setReadOnly(e.target.checked)} /> {t("readOnlyField")}
          </label>
        </div>
        <div className="field">
          <label htmlFor={`${id}-days`}>{t("days")}</label>
          <input
            id={`${id}-days`}
            inputMode="numeric"
            value={days}
            onChange={(e) => setDays(e.target.value)}
            placeholder="90"
            className="short"
            aria-invalid={daysError ? true : undefined}
            aria-describedby={`${id}-days-help ${id}-days-error`}
          />
          <span id={`${id}-days-help`} className="help">
            {t("daysHelp")}
          </span>
          <span id={`${id}-days-error`} className="field-error" aria-live="polite">
            {daysError}
          </span>
        </div>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t("creating") : t("create")}
        </button>
      </form>
    </section>
  );
}

/** How the CLI and scripts use a token: PLATEAU_TOKEN and PLATEAU_URL (src/cli/program.ts). */
function Usage() {
  const t = useT(messages);
  const id = useId();
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{t("howTitle")}</h2>
      <p>{t("how")}</p>
      <pre className="example">
        <code>
          {`export PLATEAU_URL=${location.origin}\nexport PLATEAU_TOKEN=<token>\nplateau whoami\n\ncurl -H "Authorization: Bearer $PLATEAU_TOKEN" ${location.origin}/api/v1/me`}
        </code>
      </pre>
    </section>
  );
}
