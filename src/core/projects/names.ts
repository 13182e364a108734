import { isReservedProjectName } from "../../contracts/names.js";
import { InputError } from "../errors.js";
import { assertName } from "../names.js";
import { DRILL_PROJECT_PREFIX, isDrillProject } from "../recovery/drill-plan.js";

export function assertProjectName(name: string): void {
  assertName("/project", name);
  if (isReservedProjectName(name)) {
    throw InputError.field(
      "/project",
      "reserved",
      `"${name}" is reserved: default, argocd, velero, kube-*, openshift* and plateau* belong to the platforms themselves`,
    );
  }
}

/**
 * Lab projects may not take the `u-` prefix: it names personal projects (`u-<login>`); nor
 * `drill-`: recovery drills' scratch projects (ADR 0034), which no tenant may own.
 */
export function assertLabProjectName(name: string): void {
  assertProjectName(name);
  if (name.startsWith("u-")) throw InputError.field("/name", "reserved", `"${name}": names starting with u- are personal projects (u-<login>)`);
  if (isDrillProject(name))
    throw InputError.field("/name", "reserved", `"${name}": names starting with ${DRILL_PROJECT_PREFIX} are recovery drills' scratch projects`);
}
