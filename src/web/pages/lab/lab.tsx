// A lab: its share of the platforms (quota and usage of all its projects together), its
// projects, and how many more it may create.
import type { Lab, Project } from "../../../contracts/api.js";
import { path } from "../../api.js";
import { ResourceNotice } from "../../components/notice.js";
import { QuotaBars } from "../../components/quota-bars.js";
import { UsageBar } from "../../components/usage-bar.js";
import { defineMessages, useT } from "../../i18n.js";
import { Link } from "../../router.js";
import { useMe } from "../../session.js";
import { useResource } from "../../use-resource.js";
import { LabAlerts, LabUsage } from "./lab-usage.js";

const messages = defineMessages({
  en: {
    labNamed: "Lab {lab}",
    usage: "Usage of the lab's quota",
    usageHelp: "All the lab's projects together, running or stopped.",
    projects: "Projects",
    projectCount: "Projects",
    full: "The lab has reached its limit of projects: remove one, or ask a lab admin to raise the limit.",
    none: "The lab has no project yet.",
    create: "Create a project",
    admin: "You administer this lab: you can set the quota of each of its projects on the project's page.",
    back: "All my projects",
    notMember: "(you are not a member: ask its owners)",
  },
  fr: {
    labNamed: "Labo {lab}",
    usage: "Consommation du quota du labo",
    usageHelp: "Tous les projets du labo ensemble, en marche ou arrêtés.",
    projects: "Projets",
    projectCount: "Projets",
    full: "Le labo a atteint sa limite de projets : supprimez-en un, ou demandez à un administrateur du labo de relever la limite.",
    none: "Le labo n'a pas encore de projet.",
    create: "Créer un projet",
    admin: "Vous administrez ce labo : vous pouvez fixer le quota de chacun de ses projets sur la page du projet.",
    back: "Tous mes projets",
    notMember: "(vous n'en êtes pas membre : demandez à ses propriétaires)",
  },
});

export function LabPage({ lab }: { lab: string }) {
  const t = useT(messages);
  const me = useMe();
  const resource = useResource<Lab>(path`/labs/${lab}`);
  const data = resource.data;
  // A lab member sees the lab's projects but opens only those they belong to.
  const mine = useResource<{ items: Project[] }>("/projects");
  const canOpen = (project: string) => mine.data === undefined || mine.data.items.some((p) => p.name === project);
  const isAdmin = me.operator || me.labAdminOf.includes(lab);
  return (
    <section>
      <p className="small">
        <Link to="/projects">{t("back")}</Link>
      </p>
      <ResourceNotice resource={resource} />
      {data && (
        <>
          <div className="heading">
            <h1>
              {data.title && data.title !== data.name ? (
                <>
                  {data.title} <span className="muted small">({t("labNamed", { lab: data.name })})</span>
                </>
              ) : (
                t("labNamed", { lab: data.name })
              )}
            </h1>
            {data.projects.length < data.projectLimit && (me.operator || me.labs.includes(lab) || me.labAdminOf.includes(lab)) && (
              <Link to={`/projects?create=${encodeURIComponent(lab)}`} className="button primary">
                {t("create")}
              </Link>
            )}
          </div>
          {isAdmin && <p className="notice info">{t("admin")}</p>}
          <h2>{t("usage")}</h2>
          <p className="muted small">{t("usageHelp")}</p>
          <UsageBar label={t("projectCount")} used={data.projects.length} limit={data.projectLimit} />
          {data.projects.length >= data.projectLimit && <p className="muted">{t("full")}</p>}
          <QuotaBars quota={data.quota} used={data.used} />
          <h2>{t("projects")}</h2>
          {data.projects.length === 0 ? (
            <p className="muted">{t("none")}</p>
          ) : (
            <ul>
              {[...data.projects].sort().map((project) => (
                <li key={project}>
                  {canOpen(project) ? (
                    <Link to={path`/projects/${project}`}>{project}</Link>
                  ) : (
                    <>
                      {project} <span className="muted small">{t("notMember")}</span>
                    </>
                  )}
                </li>
              ))}
            </ul>
          )}
          <LabUsage lab={data.name} />
          <LabAlerts lab={data.name} />
        </>
      )}
    </section>
  );
}
