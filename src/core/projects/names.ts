import { InputError } from "../errors.js";
import { assertName } from "../names.js";

// Namespaces that belong to the platforms themselves (and `argocd`, the bootstrap's directory under rendered/<platform>/).
const RESERVED = /^(default|argocd|kube-.*|openshift.*|plateau.*)$/;

export function assertProjectName(name: string): void {
  assertName("/project", name);
  if (RESERVED.test(name)) {
    throw InputError.field(
      "/project",
      "reserved",
      `"${name}" is reserved: default, argocd, kube-*, openshift* and plateau* belong to the platforms themselves`,
    );
  }
}

/** Lab projects may not take the `u-` prefix: it names personal projects (`u-<login>`). */
export function assertLabProjectName(name: string): void {
  assertProjectName(name);
  if (name.startsWith("u-")) throw InputError.field("/name", "reserved", `"${name}": names starting with u- are personal projects (u-<login>)`);
}
