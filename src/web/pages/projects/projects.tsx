// Projects: mine and my labs, creating a lab project, and one project's instances, members
// and quota. Controls appear to those the server says may act (a project's `may`, decided by
// core/access/policy.ts); its refusals are shown as they come.
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import type { Instance, Me, Member, Project, ProjectCreated, QuotaReport } from "../../../contracts/api.js";
import { api, newActionKey, path } from "../../api.js";
import { ConfirmButton } from "../../components/confirm.js";
import { ErrorNotice, ResourceNotice } from "../../components/notice.js";
import { statusReasonText } from "../../code-texts.js";
import { inMotion, PhaseBadge } from "../../components/phase.js";
import { QuotaBars, resourceMessages, UNITS } from "../../components/quota-bars.js";
import { UsageBar } from "../../components/usage-bar.js";
import { defineMessages, formatAgo, formatDate, useLanguage, useT } from "../../i18n.js";
import { Link, navigate, useLocation } from "../../router.js";
import { useMe } from "../../session.js";
import { useResource } from "../../use-resource.js";
import { issuesAt, issuesExactly } from "../../shared/field-issues.js";
import { instancePath } from "../home/home.js";
import {
  lacksOwner,
  losesOwnership,
  memberKey,
  NAME_MAX_LENGTH,
  newMember,
  parseQuotaFields,
  projectNameProblem,
  quotaFields,
  quotaMaximum,
  RESOURCES,
  ROLES,
  sameMembers,
  withRole,
  without,
  type MemberProblem,
  type NameProblem,
  type QuotaFields,
  type QuotaProblem,
  type Role,
} from "./access.js";
import { Table } from "../../components/table.js";
import { isTier, sameTiers, TIERS, tiersEditing, tiersProblem, withTier, type Tier } from "./tiers.js";
import { useDraft, useProjectSave } from "./use-project-save.js";
import { ProjectBuckets } from "./buckets-section.js";
import { ProjectRecovery } from "./recovery-section.js";

const messages = defineMessages({
  en: {
    title: "Projects",
    intro: "A project holds instances and says who may use them. Your personal project is yours alone; lab projects are shared.",
    empty: "You are in no project yet. Your personal project appears with your first launch.",
    personal: "personal",
    personalOf: "Personal project of {login}",
    lab: "Lab {lab}",
    instances: "{count} instances",
    oneInstance: "1 instance",
    noInstance: "no instance",
    myRole: "My role: {role}",
    roleByGroup: "through a group",
    "role.owner": "owner",
    "role.editor": "editor",
    "role.viewer": "viewer",
    myLabs: "My labs",
    noLab: "You belong to no lab. Lab projects are created by lab members; your personal project, {project}, is yours.",
    create: "Create a project",
    createHelp: "A lab project, shared with people you add. You become its owner; the lab's limit of projects applies.",
    name: "Name",
    nameHelp: "Lowercase letters, digits and hyphens, starting with a letter; at most {max} characters. It becomes part of addresses.",
    "name.empty": "Give the project a name.",
    "name.too-long": "At most {max} characters.",
    "name.dns-label": "Only lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen.",
    "name.reserved": "This name belongs to the platforms themselves: choose another.",
    "name.personal-prefix": "Names starting with u- are personal projects: choose another.",
    labField: "Lab",
    titleField: "Title (optional)",
    titleHelp: "A readable name, e.g. “Climate models 2026”.",
    creating: "Creating…",
    // project page
    back: "All my projects",
    createdBy: "Created {ago} by {by}",
    instancesTitle: "Instances",
    noInstances: "No instance in this project.",
    launch: "Launch a service",
    instance: "Name",
    template: "Service",
    platform: "Platform",
    state: "State",
    created: "Created",
    members: "Members",
    membersPersonal: "A personal project has one member, its owner.",
    member: "Member",
    kind: "Kind",
    role: "Role",
    actions: "Actions",
    kindLogin: "person",
    kindGroup: "group",
    roleHelp: "Owners manage members; editors launch, stop and delete; viewers only see.",
    noMembers: "No member is listed: owners come from the lab's administrators.",
    notOwner: "Only the project's owners can change its members.",
    roleOf: "Role of {who}",
    remove: "Remove",
    removeOf: "Remove {who}",
    add: "Add a member",
    who: "Login or group",
    whoHelpLogin: "The person's login, as shown by Plateau (e.g. alice).",
    whoHelpGroup: "The group's name as your identity provider sends it.",
    addButton: "Add",
    "member.empty": "Type a login or a group.",
    "member.login": "A login is lowercase letters, digits, '.', '_' and '-'.",
    "member.group": "A group's name has no spaces.",
    "member.duplicate": "Already a member: change their role in the list.",
    unsaved: "Changes not saved yet.",
    saveMembers: "Save the members",
    discard: "Discard the changes",
    noOwner: "A project needs at least one owner.",
    selfDemotion: "You will no longer be an owner of this project, and will not be able to change its members. Save anyway?",
    saved: "Saved.",
    quota: "Quota",
    quotaProject: "This project",
    quotaLab: "Lab {lab} (all its projects)",
    labProjects: "Projects of the lab",
    quotaHelp: "What the project's instances ask (running or stopped) against what it may use.",
    editQuota: "Set this project's quota",
    editQuotaHelp: "Leave a field empty for the default. The lab's quota still applies to all its projects together.",
    now: "now {value}",
    "quota.number": "A number, please.",
    "quota.integer": "A whole number, please.",
    "quota.range": "Between 0 and {max}.",
    saveQuota: "Save the quota",
    saving: "Saving…",
    tiers: "Platforms it may run on",
    tiersHelp: "Platforms declare a tier; this project's instances run only on platforms of its tiers.",
    "tier.experimental": "experimental (no guarantee)",
    "tier.institutional": "institutional (kept up)",
    tiersByOperators: "Platform operators set them.",
    editTiers: "Set the tiers",
    "tiers.none": "Choose at least one tier.",
    saveTiers: "Save the tiers",
  },
  fr: {
    title: "Projets",
    intro: "Un projet contient des instances et dit qui peut s'en servir. Votre projet personnel n'est qu'à vous ; les projets de labo sont partagés.",
    empty: "Vous n'êtes encore dans aucun projet. Votre projet personnel apparaît à votre premier lancement.",
    personal: "personnel",
    personalOf: "Projet personnel de {login}",
    lab: "Labo {lab}",
    instances: "{count} instances",
    oneInstance: "1 instance",
    noInstance: "aucune instance",
    myRole: "Mon rôle : {role}",
    roleByGroup: "par un groupe",
    "role.owner": "propriétaire",
    "role.editor": "éditeur",
    "role.viewer": "lecteur",
    myLabs: "Mes labos",
    noLab: "Vous n'appartenez à aucun labo. Les projets de labo sont créés par ses membres ; votre projet personnel, {project}, est à vous.",
    create: "Créer un projet",
    createHelp: "Un projet de labo, partagé avec les personnes que vous ajoutez. Vous en devenez propriétaire ; la limite de projets du labo s'applique.",
    name: "Nom",
    nameHelp: "Lettres minuscules, chiffres et tirets, en commençant par une lettre ; {max} caractères au plus. Il fait partie des adresses.",
    "name.empty": "Donnez un nom au projet.",
    "name.too-long": "{max} caractères au plus.",
    "name.dns-label": "Seulement des lettres minuscules, des chiffres et des tirets, en commençant par une lettre et sans finir par un tiret.",
    "name.reserved": "Ce nom appartient aux plateformes elles-mêmes : choisissez-en un autre.",
    "name.personal-prefix": "Les noms commençant par u- sont ceux des projets personnels : choisissez-en un autre.",
    labField: "Labo",
    titleField: "Titre (facultatif)",
    titleHelp: "Un nom lisible, par exemple « Modèles climatiques 2026 ».",
    creating: "Création…",
    back: "Tous mes projets",
    createdBy: "Créé {ago} par {by}",
    instancesTitle: "Instances",
    noInstances: "Aucune instance dans ce projet.",
    launch: "Lancer un service",
    instance: "Nom",
    template: "Service",
    platform: "Plateforme",
    state: "État",
    created: "Création",
    members: "Membres",
    membersPersonal: "Un projet personnel a un seul membre, son propriétaire.",
    member: "Membre",
    kind: "Type",
    role: "Rôle",
    actions: "Actions",
    kindLogin: "personne",
    kindGroup: "groupe",
    roleHelp: "Les propriétaires gèrent les membres ; les éditeurs lancent, arrêtent et suppriment ; les lecteurs ne font que voir.",
    noMembers: "Aucun membre n'est listé : les propriétaires sont les administrateurs du labo.",
    notOwner: "Seuls les propriétaires du projet peuvent changer ses membres.",
    roleOf: "Rôle de {who}",
    remove: "Retirer",
    removeOf: "Retirer {who}",
    add: "Ajouter un membre",
    who: "Identifiant ou groupe",
    whoHelpLogin: "L'identifiant de la personne, tel que Plateau l'affiche (par exemple alice).",
    whoHelpGroup: "Le nom du groupe tel que votre fournisseur d'identité l'envoie.",
    addButton: "Ajouter",
    "member.empty": "Saisissez un identifiant ou un groupe.",
    "member.login": "Un identifiant se compose de lettres minuscules, de chiffres, de '.', '_' et '-'.",
    "member.group": "Un nom de groupe ne contient pas d'espace.",
    "member.duplicate": "Déjà membre : changez son rôle dans la liste.",
    unsaved: "Modifications pas encore enregistrées.",
    saveMembers: "Enregistrer les membres",
    discard: "Annuler les modifications",
    noOwner: "Un projet a besoin d'au moins un propriétaire.",
    selfDemotion: "Vous ne serez plus propriétaire de ce projet et ne pourrez plus changer ses membres. Enregistrer quand même ?",
    saved: "Enregistré.",
    quota: "Quota",
    quotaProject: "Ce projet",
    quotaLab: "Labo {lab} (tous ses projets)",
    labProjects: "Projets du labo",
    quotaHelp: "Ce que demandent les instances du projet (en marche ou arrêtées) au regard de ce qu'il peut utiliser.",
    editQuota: "Fixer le quota de ce projet",
    editQuotaHelp: "Laissez un champ vide pour la valeur par défaut. Le quota du labo s'applique toujours à l'ensemble de ses projets.",
    now: "actuellement {value}",
    "quota.number": "Un nombre, s'il vous plaît.",
    "quota.integer": "Un nombre entier, s'il vous plaît.",
    "quota.range": "Entre 0 et {max}.",
    saveQuota: "Enregistrer le quota",
    saving: "Enregistrement…",
    tiers: "Plateformes où il peut tourner",
    tiersHelp: "Chaque plateforme déclare un niveau ; les instances de ce projet ne tournent que sur les plateformes de ses niveaux.",
    "tier.experimental": "expérimental (sans garantie)",
    "tier.institutional": "institutionnel (maintenu en service)",
    tiersByOperators: "Les opérateurs des plateformes les fixent.",
    editTiers: "Fixer les niveaux",
    "tiers.none": "Choisissez au moins un niveau.",
    saveTiers: "Enregistrer les niveaux",
  },
});

type T = (key: keyof (typeof messages)["en"], params?: Record<string, string | number>) => string;

const roleText = (t: T, role: Role | null) => (role === null ? t("roleByGroup") : t(`role.${role}`));
const instanceCount = (t: T, count: number) => (count === 0 ? t("noInstance") : count === 1 ? t("oneInstance") : t("instances", { count }));
const memberName = (member: Member) => ("login" in member ? member.login : member.group);

/** The labs one may create projects in (authorizeProjectCreation: members and admins). */
const creatableLabs = (me: Me): string[] => [...new Set([...me.labs, ...me.labAdminOf])].sort();

export function ProjectsPage() {
  const t = useT(messages);
  const me = useMe();
  const projects = useResource<{ items: Project[] }>("/projects");
  const labs = creatableLabs(me);
  const items = [...(projects.data?.items ?? [])].sort((a, b) => (a.personal === null ? 1 : 0) - (b.personal === null ? 1 : 0) || a.name.localeCompare(b.name));
  return (
    <>
      <section>
        <h1>{t("title")}</h1>
        <p className="muted">{t("intro")}</p>
        <ResourceNotice resource={projects} />
        {projects.data && items.length === 0 && <p className="empty">{t("empty")}</p>}
        {items.length > 0 && (
          <ul className="cards" aria-label={t("title")}>
            {items.map((project) => (
              <li key={project.name} className="card" data-project={project.name}>
                <h2>
                  <Link to={path`/projects/${project.name}`}>{project.title || project.name}</Link>
                </h2>
                <p className="muted small">
                  <code>{project.name}</code> ·{" "}
                  {project.lab === null ? t("personal") : <Link to={path`/labs/${project.lab}`}>{t("lab", { lab: project.lab })}</Link>}
                </p>
                <p className="small">
                  {instanceCount(t, project.instances)} · {t("myRole", { role: roleText(t, project.role) })}
                </p>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section>
        <h2>{t("myLabs")}</h2>
        {labs.length === 0 ? (
          <p className="muted">{t("noLab", { project: me.personalProject })}</p>
        ) : (
          <ul>
            {labs.map((lab) => (
              <li key={lab}>
                <Link to={path`/labs/${lab}`}>{lab}</Link>
              </li>
            ))}
          </ul>
        )}
      </section>
      {labs.length > 0 && <CreateProject labs={labs} />}
    </>
  );
}

function CreateProject({ labs }: { labs: string[] }) {
  const t = useT(messages);
  const id = useId();
  const { query } = useLocation();
  const wanted = query.get("create");
  const [name, setName] = useState("");
  const [lab, setLab] = useState(wanted !== null && labs.includes(wanted) ? wanted : (labs[0] ?? ""));
  const [title, setTitle] = useState("");
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const heading = useRef<HTMLHeadingElement>(null);
  // Coming from a lab's "create a project": bring the form into view.
  useEffect(() => {
    if (wanted !== null) heading.current?.scrollIntoView();
  }, [wanted]);

  const problem: NameProblem | undefined = projectNameProblem(name);
  // The server names a reserved project name /project (core/projects/names.ts).
  const nameIssues = [...issuesAt(error, "/name"), ...issuesAt(error, "/project")];
  const nameError = touched && problem ? t(`name.${problem}`, { max: NAME_MAX_LENGTH }) : nameIssues.join(" ");
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (problem) return;
    setBusy(true);
    setError(undefined);
    try {
      const body = { name, lab, ...(title.trim() ? { title: title.trim() } : {}) };
      await api<ProjectCreated>("/projects", { method: "POST", body, idempotencyKey: newActionKey() });
      navigate(path`/projects/${name}`);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const labIssues = issuesAt(error, "/lab");
  const titleIssues = issuesAt(error, "/title");
  return (
    <section aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`} ref={heading}>
        {t("create")}
      </h2>
      <p className="muted">{t("createHelp")}</p>
      <ErrorNotice error={error} />
      <form className="narrow" onSubmit={(e) => void submit(e)} noValidate>
        <div className="field">
          <label htmlFor={`${id}-name`}>{t("name")}</label>
          <input
            id={`${id}-name`}
            value={name}
            onChange={(e) => setName(e.target.value)}
            onBlur={() => setTouched(name !== "")}
            autoComplete="off"
            spellCheck={false}
            autoCapitalize="none"
            maxLength={63}
            aria-invalid={nameError ? true : undefined}
            aria-describedby={`${id}-name-help ${id}-name-error`}
            autoFocus={wanted !== null}
          />
          <span id={`${id}-name-help`} className="help">
            {t("nameHelp", { max: NAME_MAX_LENGTH })}
          </span>
          <span id={`${id}-name-error`} className="field-error" aria-live="polite">
            {nameError}
          </span>
        </div>
        <div className="field">
          <label htmlFor={`${id}-lab`}>{t("labField")}</label>
          <select
            id={`${id}-lab`}
            value={lab}
            onChange={(e) => setLab(e.target.value)}
            aria-invalid={labIssues.length > 0 ? true : undefined}
            aria-describedby={`${id}-lab-error`}
          >
            {labs.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
          <span id={`${id}-lab-error`} className="field-error">
            {labIssues.join(" ")}
          </span>
        </div>
        <div className="field">
          <label htmlFor={`${id}-title`}>{t("titleField")}</label>
          <input
            id={`${id}-title`}
            value={title}
            onChange={(e) => setTitle(e.target.value)}
            maxLength={200}
            aria-invalid={titleIssues.length > 0 ? true : undefined}
            aria-describedby={`${id}-title-help ${id}-title-error`}
          />
          <span id={`${id}-title-help`} className="help">
            {t("titleHelp")}
          </span>
          <span id={`${id}-title-error`} className="field-error">
            {titleIssues.join(" ")}
          </span>
        </div>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t("creating") : t("create")}
        </button>
      </form>
    </section>
  );
}

export function ProjectPage({ project: name }: { project: string }) {
  const t = useT(messages);
  const { language } = useLanguage();
  const project = useResource<Project>(path`/projects/${name}`);
  const data = project.data;
  return (
    <>
      <section>
        <p className="small">
          <Link to="/projects">{t("back")}</Link>
        </p>
        <ResourceNotice resource={project} />
        {data && (
          <>
            <h1>
              {data.title || data.name} {data.title && data.title !== data.name && <code className="muted small">{data.name}</code>}
            </h1>
            <p className="muted">
              {data.lab === null ? t("personalOf", { login: data.personal ?? "" }) : <Link to={path`/labs/${data.lab}`}>{t("lab", { lab: data.lab })}</Link>}
              {" · "}
              <span title={formatDate(data.createdAt, language)}>{t("createdBy", { ago: formatAgo(data.createdAt, language), by: data.createdBy })}</span>
              {" · "}
              {t("myRole", { role: roleText(t, data.role) })}
            </p>
          </>
        )}
      </section>
      <ProjectInstances project={name} />
      {data && <ProjectBuckets project={data} />}
      {data && <ProjectRecovery project={data} />}
      {data && <Members project={data} onSaved={() => project.reload()} />}
      {data && <ProjectQuota project={data} onSaved={() => project.reload()} />}
      {data && <ProjectTiers project={data} onSaved={() => project.reload()} />}
    </>
  );
}

function ProjectInstances({ project }: { project: string }) {
  const t = useT(messages);
  const { language } = useLanguage();
  const instances = useResource<{ items: Instance[] }>(path`/projects/${project}/instances`, {
    pollMs: (data) => (data.items.some((i) => inMotion(i.phase)) ? 1500 : 15_000),
  });
  const id = useId();
  const items = instances.data?.items ?? [];
  return (
    <section aria-labelledby={id}>
      <div className="heading">
        <h2 id={id}>{t("instancesTitle")}</h2>
        <Link to="/catalog" className="button secondary">
          {t("launch")}
        </Link>
      </div>
      <ResourceNotice resource={instances} />
      {instances.data && items.length === 0 && <p className="muted">{t("noInstances")}</p>}
      {items.length > 0 && (
        <Table label={{ labelledBy: id }} columns={[t("instance"), t("state"), t("template"), t("platform"), t("created")]}>
          {items.map((instance) => (
            <tr key={instance.name}>
              <td>
                <Link to={instancePath(instance)}>{instance.name}</Link>
              </td>
              <td>
                <PhaseBadge phase={instance.phase} reason={instance} />
                {instance.phase === "failed" && instance.reason && <div className="reason small">{statusReasonText(instance, language)}</div>}
              </td>
              <td>{instance.template}</td>
              <td>{instance.platform}</td>
              <td title={formatDate(instance.createdAt, language)}>
                {formatAgo(instance.createdAt, language)} · {instance.createdBy}
              </td>
            </tr>
          ))}
        </Table>
      )}
    </section>
  );
}

/** The members, and for owners a draft of changes saved in one commit. */
function Members({ project, onSaved }: { project: Project; onSaved(): Promise<void> }) {
  const t = useT(messages);
  const me = useMe();
  const id = useId();
  const editable = project.may.manageMembers;
  const [draft, setDraft] = useDraft<readonly Member[]>(project.members);
  const { error, busy, saved, save: saveSetting, edited } = useProjectSave(project.name, "members", onSaved);
  const changed = !sameMembers(draft, project.members);
  const noOwner = lacksOwner(draft);

  const edit = (next: readonly Member[]) => {
    setDraft(next);
    edited();
  };
  const save = () => saveSetting({ members: draft });
  const kindOf = (member: Member) => ("login" in member ? t("kindLogin") : t("kindGroup"));
  const rows = editable ? draft : project.members;
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{t("members")}</h2>
      {project.personal !== null ? (
        <p className="muted">{t("membersPersonal")}</p>
      ) : (
        <>
          <p className="muted small">{t("roleHelp")}</p>
          <ErrorNotice error={error} />
          {issuesExactly(error, "/members").map((message) => (
            <p key={message} className="field-error">
              {message}
            </p>
          ))}
          {rows.length === 0 ? (
            <p className="muted">{t("noMembers")}</p>
          ) : (
            <div className="table-wrap">
              <table aria-labelledby={id}>
                <thead>
                  <tr>
                    <th scope="col">{t("member")}</th>
                    <th scope="col">{t("kind")}</th>
                    <th scope="col">{t("role")}</th>
                    {editable && <th scope="col">{t("actions")}</th>}
                  </tr>
                </thead>
                <tbody>
                  {rows.map((member, i) => {
                    const key = memberKey(member);
                    const who = memberName(member);
                    const rowIssues = issuesAt(error, `/members/${i}`);
                    return (
                      <tr key={key}>
                        <td>
                          {who}
                          {"login" in member && member.login === me.login && <span className="muted small"> ({me.name || me.login})</span>}
                          {rowIssues.length > 0 && <div className="field-error">{rowIssues.join(" ")}</div>}
                        </td>
                        <td>{kindOf(member)}</td>
                        <td>
                          {editable ? (
                            <select aria-label={t("roleOf", { who })} value={member.role} onChange={(e) => edit(withRole(draft, key, e.target.value as Role))}>
                              {ROLES.map((role) => (
                                <option key={role} value={role}>
                                  {t(`role.${role}`)}
                                </option>
                              ))}
                            </select>
                          ) : (
                            t(`role.${member.role}`)
                          )}
                        </td>
                        {editable && (
                          <td>
                            <button type="button" className="secondary" aria-label={t("removeOf", { who })} onClick={() => edit(without(draft, key))}>
                              {t("remove")}
                            </button>
                          </td>
                        )}
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
          {editable && (
            <>
              {(changed || saved) && (
                <div className="notice info" role="status">
                  {saved && !changed ? (
                    <p>{t("saved")}</p>
                  ) : (
                    <>
                      <p>{t("unsaved")}</p>
                      {noOwner && <p className="field-error">{t("noOwner")}</p>}
                      <div className="actions">
                        {losesOwnership(me.login, project, draft) ? (
                          <ConfirmButton label={t("saveMembers")} question={t("selfDemotion")} disabled={busy || noOwner} onConfirm={save} />
                        ) : (
                          <button type="button" className="primary" disabled={busy || noOwner} onClick={() => void save()}>
                            {busy ? t("saving") : t("saveMembers")}
                          </button>
                        )}
                        <button type="button" className="secondary" disabled={busy} onClick={() => edit(project.members)}>
                          {t("discard")}
                        </button>
                      </div>
                    </>
                  )}
                </div>
              )}
              <AddMember members={draft} onAdd={(member) => edit([...draft, member])} />
            </>
          )}
          {!editable && <p className="muted small">{t("notOwner")}</p>}
        </>
      )}
    </section>
  );
}

function AddMember({ members, onAdd }: { members: readonly Member[]; onAdd(member: Member): void }) {
  const t = useT(messages);
  const id = useId();
  const [kind, setKind] = useState<"login" | "group">("login");
  const [who, setWho] = useState("");
  const [role, setRole] = useState<Role>("editor");
  const [problem, setProblem] = useState<MemberProblem | undefined>(undefined);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const result = newMember(members, kind, who, role);
    if ("problem" in result) return setProblem(result.problem);
    setProblem(undefined);
    setWho("");
    onAdd(result);
  };
  return (
    <form className="narrow" onSubmit={submit} noValidate>
      <fieldset>
        <legend>{t("add")}</legend>
        <div className="field" role="radiogroup" aria-label={t("kind")}>
          <span>
            <label className="inline">
              <input type="radio" name={`${id}-kind`} checked={kind === "login"} onChange={() => setKind("login")} /> {t("kindLogin")}
            </label>{" "}
            <label className="inline">
              <input type="radio" name={`${id}-kind`} checked={kind === "group"} onChange={() => setKind("group")} /> {t("kindGroup")}
            </label>
          </span>
        </div>
        <div className="field">
          <label htmlFor={`${id}-who`}>{t("who")}</label>
          <input
            id={`${id}-who`}
            value={who}
            onChange={(e) => setWho(e.target.value)}
            autoComplete="off"
            spellCheck={false}
            autoCapitalize="none"
            aria-invalid={problem ? true : undefined}
            aria-describedby={`${id}-who-help ${id}-who-error`}
          />
          <span id={`${id}-who-help`} className="help">
            {kind === "login" ? t("whoHelpLogin") : t("whoHelpGroup")}
          </span>
          <span id={`${id}-who-error`} className="field-error" aria-live="polite">
            {problem ? t(`member.${problem}`) : ""}
          </span>
        </div>
        <div className="field">
          <label htmlFor={`${id}-role`}>{t("role")}</label>
          <select id={`${id}-role`} value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`role.${r}`)}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="secondary">
          {t("addButton")}
        </button>
      </fieldset>
    </form>
  );
}

function ProjectQuota({ project, onSaved }: { project: Project; onSaved(): Promise<void> }) {
  const t = useT(messages);
  const id = useId();
  const report = useResource<QuotaReport>(path`/projects/${project.name}/quota`);
  const data = report.data;
  const reload = async () => {
    await Promise.all([report.reload(), onSaved()]);
  };
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{t("quota")}</h2>
      <p className="muted small">{t("quotaHelp")}</p>
      <ResourceNotice resource={report} />
      {data && (
        <div className="cards">
          <div className="card">
            <h3>{t("quotaProject")}</h3>
            <QuotaBars quota={data.project.quota} used={data.project.used} />
          </div>
          {data.lab && (
            <div className="card">
              <h3>
                <Link to={path`/labs/${data.lab.name}`}>{t("quotaLab", { lab: data.lab.name })}</Link>
              </h3>
              <UsageBar label={t("labProjects")} used={data.lab.projects} limit={data.lab.projectLimit} />
              <QuotaBars quota={data.lab.quota} used={data.lab.used} />
            </div>
          )}
        </div>
      )}
      {project.may.setQuota && <QuotaForm project={project} effective={data?.project.quota} onSaved={reload} />}
    </section>
  );
}

function QuotaForm({ project, effective, onSaved }: { project: Project; effective: QuotaReport["project"]["quota"] | undefined; onSaved(): Promise<void> }) {
  const t = useT(messages);
  const tr = useT(resourceMessages);
  const id = useId();
  const [fields, setFields] = useState<QuotaFields>(() => quotaFields(project.quota));
  const [problems, setProblems] = useState<Partial<Record<(typeof RESOURCES)[number], QuotaProblem>>>({});
  const { error, busy, saved, save, edited } = useProjectSave(project.name, "quota", onSaved);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const parsed = parseQuotaFields(fields);
    setProblems(parsed.problems);
    edited();
    if (Object.keys(parsed.problems).length > 0) return;
    await save({ quota: parsed.quota });
  };
  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-labelledby={`${id}-legend`}>
      <fieldset>
        <legend id={`${id}-legend`}>{t("editQuota")}</legend>
        <p className="muted small">{t("editQuotaHelp")}</p>
        <ErrorNotice error={error} />
        <div className="field-grid">
          {RESOURCES.map((resource) => {
            const unit = UNITS[resource];
            const problem = problems[resource];
            const message = problem ? t(`quota.${problem}`, { max: quotaMaximum(resource) }) : issuesAt(error, `/quota/${resource}`).join(" ");
            return (
              <div className="field" key={resource}>
                <label htmlFor={`${id}-${resource}`}>
                  {tr(resource)}
                  {unit ? ` (${tr(unit)})` : ""}
                </label>
                <input
                  id={`${id}-${resource}`}
                  inputMode={resource === "gpu" || resource === "instances" ? "numeric" : "decimal"}
                  value={fields[resource]}
                  onChange={(e) => setFields({ ...fields, [resource]: e.target.value })}
                  aria-invalid={message ? true : undefined}
                  aria-describedby={`${id}-${resource}-help ${id}-${resource}-error`}
                />
                <span id={`${id}-${resource}-help`} className="help">
                  {effective ? t("now", { value: effective[resource] }) : ""}
                </span>
                <span id={`${id}-${resource}-error`} className="field-error" aria-live="polite">
                  {message}
                </span>
              </div>
            );
          })}
        </div>
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            {busy ? t("saving") : t("saveQuota")}
          </button>
          {saved && (
            <span role="status" className="muted">
              {t("saved")}
            </span>
          )}
        </div>
      </fieldset>
    </form>
  );
}

const tierText = (t: T, tier: string) => (isTier(tier) ? t(`tier.${tier}`) : tier);

/** The platform tiers its instances may run on: shown to everyone who reads the project, set by operators (one commit). */
function ProjectTiers({ project, onSaved }: { project: Project; onSaved(): Promise<void> }) {
  const t = useT(messages);
  const id = useId();
  const [draft, setDraft] = useDraft<readonly string[]>(project.tiers);
  const { error, busy, saved, save, edited } = useProjectSave(project.name, "tiers", onSaved);
  const problem = tiersProblem(draft);
  const toggle = (tier: Tier, on: boolean) => {
    setDraft(withTier(draft, tier, on));
    edited();
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (problem) return;
    await save({ tiers: draft });
  };
  const issues = issuesAt(error, "/tiers");
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{t("tiers")}</h2>
      <p className="muted small">{t("tiersHelp")}</p>
      <ul data-tiers={project.tiers.join(" ")}>
        {project.tiers.map((tier) => (
          <li key={tier}>{tierText(t, tier)}</li>
        ))}
      </ul>
      {tiersEditing(project) ? (
        <form className="narrow" onSubmit={(e) => void submit(e)} noValidate>
          <fieldset aria-describedby={`${id}-error`}>
            <legend>{t("editTiers")}</legend>
            <ErrorNotice error={issues.length > 0 ? undefined : error} />
            {TIERS.map((tier) => (
              <div className="field" key={tier}>
                <label className="inline">
                  <input type="checkbox" checked={draft.includes(tier)} onChange={(e) => toggle(tier, e.target.checked)} /> {tierText(t, tier)}
                </label>
              </div>
            ))}
            <span id={`${id}-error`} className="field-error" aria-live="polite">
              {problem ? t("tiers.none") : issues.join(" ")}
            </span>
            <div className="actions">
              <button type="submit" className="primary" disabled={busy || problem !== undefined || sameTiers(draft, project)}>
                {busy ? t("saving") : t("saveTiers")}
              </button>
              {saved && (
                <span role="status" className="muted">
                  {t("saved")}
                </span>
              )}
            </div>
          </fieldset>
        </form>
      ) : (
        <p className="muted small">{t("tiersByOperators")}</p>
      )}
    </section>
  );
}
