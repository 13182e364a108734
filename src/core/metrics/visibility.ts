// Who reads which series: a person those of the projects they are a member of (directly or
// through a group), a lab admin those of their labs' projects, an operator all — within what
// their API token is limited to.
import { projectRole, type ProjectFacts } from "../access/policy.js";
import type { Principal } from "../access/principal.js";
import type { MetricsScope } from "./scope.js";

export function metricsScopeOf(principal: Principal, projects: readonly ProjectFacts[]): MetricsScope {
  if (principal.kind === "anonymous") return { kind: "projects", projects: [] };
  const limited = principal.scope.projects;
  // An operator's token limited to some projects reads those only.
  if (principal.operator && limited === null) return { kind: "all" };
  const visible = projects
    .filter((project) => projectRole(principal, project) !== null && (limited === null || limited.includes(project.name)))
    .map((project) => project.name)
    .sort();
  return { kind: "projects", projects: visible };
}
