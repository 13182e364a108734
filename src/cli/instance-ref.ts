// `plateau <command> demo/hello`: the instance a command is about.
import { readInstanceRef } from "../contracts/names.js";
import { InputError } from "../core/errors.js";

/** `demo/hello` → { project: "demo", instance: "hello" }, with both parts validated (an InputError otherwise). */
export function parseInstanceRef(ref: string): { project: string; instance: string } {
  const read = readInstanceRef(ref);
  if ("issue" in read) throw InputError.field(read.issue.pointer, read.issue.rule, read.issue.message);
  return { project: read.project, instance: read.instance };
}
