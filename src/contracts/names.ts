// The rule for project and instance names, shared by core (which throws its InputError), the
// CLI and the portal (which words it in its own languages). An issue is data (pointer, rule,
// message): each caller turns it into its own error. This file imports nothing.

/**
 * Project and instance names become Kubernetes namespaces, object names and DNS labels
 * (`<instance>.<project>.<domain>`). They must be DNS-1123 labels; we also require a
 * leading letter (Service names are DNS-1035 labels) and keep them short enough that
 * derived names (`<instance>-<component>-<volume>`) stay within 63 characters.
 */
export const NAME_MAX_LENGTH = 30;
const LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** Which part of the rule a name breaks, the first that it does; undefined when it is valid. */
export type NameRule = "empty" | "too-long" | "dns-label";

/** The part of the rule a name breaks (clients word it themselves); undefined when it is valid. */
export function brokenNameRule(name: string): NameRule | undefined {
  if (name.length === 0) return "empty";
  if (name.length > NAME_MAX_LENGTH) return "too-long";
  if (!LABEL.test(name)) return "dns-label";
  return undefined;
}

/** What is wrong with a name, as a sentence to put after it; undefined when it is valid. */
export function nameProblem(name: string): string | undefined {
  switch (brokenNameRule(name)) {
    case "empty":
      return "must not be empty";
    case "too-long":
      return `must be at most ${NAME_MAX_LENGTH} characters (got ${name.length})`;
    case "dns-label":
      return "must be a DNS-1123 label: lowercase letters, digits and '-', starting with a letter and ending with a letter or digit";
    case undefined:
      return undefined;
  }
}

export const isValidName = (name: string): boolean => brokenNameRule(name) === undefined;

// Namespaces that belong to the platforms themselves (and `argocd`, the bootstrap's directory under rendered/<platform>/);
// `velero` is Velero's default namespace, which holds its S3 keys and applies Restores (ADR 0034).
const RESERVED_PROJECT = /^(default|argocd|velero|kube-.*|openshift.*|plateau.*)$/;

/** Whether a project name is the platforms' own (default, argocd, velero, kube-*, openshift*, plateau*): no project takes it. */
export const isReservedProjectName = (name: string): boolean => RESERVED_PROJECT.test(name);

export interface NameIssue {
  readonly pointer: string;
  readonly rule: string;
  readonly message: string;
}

/** The issue of a name at `pointer` (rule `dns-label`), quoting what was given; undefined when it is valid. */
export function nameIssue(pointer: string, name: string): NameIssue | undefined {
  const problem = nameProblem(name);
  return problem ? { pointer, rule: "dns-label", message: `"${shown(name)}" ${problem}` } : undefined;
}

/** `demo/hello` → { project: "demo", instance: "hello" }, or the issue of the first part that is wrong. */
export function readInstanceRef(ref: string): { readonly project: string; readonly instance: string } | { readonly issue: NameIssue } {
  const parts = ref.split("/");
  if (parts.length !== 2) return { issue: { pointer: "", rule: "instance-ref", message: `"${shown(ref)}" must be <project>/<instance>` } };
  const [project, instance] = parts as [string, string];
  const issue = nameIssue("/project", project) ?? nameIssue("/name", instance);
  return issue ? { issue } : { project, instance };
}

/** What a person typed, quoted safely into a message: escaped as JSON, at most 40 characters. */
function shown(text: string): string {
  const printable = JSON.stringify(text).slice(1, -1);
  return printable.length > 40 ? `${printable.slice(0, 40)}…` : printable;
}
