// The projects one may launch into, as the project list offers them.
import type { Project } from "../../../contracts/api.js";
import type { T } from "./text.js";

export function projectOptions(projects: readonly Project[], current: string, personal: string, t: T): { value: string; label: string }[] {
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

/**
 * One's personal project exists from one's first launch: before, there is no report to read (and
 * asking is refused). Unknown while the list loads.
 */
export const personalNotYet = (project: string, personal: string, projects: readonly Pick<Project, "name">[] | undefined): boolean =>
  project === personal && projects !== undefined && !projects.some((p) => p.name === project);
