import { InputError } from "../errors.js";
import { assertName } from "../names.js";

// Namespaces that belong to the platforms themselves.
const RESERVED = /^(default|kube-.*|openshift.*|plateau.*)$/;

export function assertProjectName(name: string): void {
  assertName("/project", name);
  if (RESERVED.test(name)) {
    throw InputError.field(
      "/project",
      "reserved",
      `"${name}" is reserved: default, kube-*, openshift* and plateau* are namespaces of the platforms themselves`,
    );
  }
}
