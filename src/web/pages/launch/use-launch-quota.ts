// The projects one may launch into, and the quota report of the chosen one.
import type { Project, QuotaReport } from "../../../contracts/api.js";
import { path } from "../../api.js";
import { useResource } from "../../use-resource.js";
import { personalNotYet } from "./projects.js";

export function useLaunchQuota(project: string, personalProject: string) {
  const projects = useResource<{ items: Project[] }>("/projects");
  const notYet = personalNotYet(project, personalProject, projects.data?.items);
  const quota = useResource<QuotaReport>(projects.data === undefined || notYet ? null : path`/projects/${project}/quota`);
  return { projects, quota, personalNotYet: notYet };
}
