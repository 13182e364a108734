// argocd-vault-plugin's `generate` with its Kubernetes-secret backend (AVP_TYPE=kubernetessecret),
// reproduced on rendered objects for tests (ADR 0022): what Argo CD's sidecar makes of
// `helm template` output. Written from the plugin's documentation and behaviour
// (pkg/kube/template.go, util.go, backends/kubernetessecret.go of argoproj-labs/argocd-vault-plugin):
// - inline-path placeholders `<path:<namespace>:<secret>#<key>>` anywhere inside any string
//   value (never in keys), several per string, in every kind; a path without a namespace reads
//   Argo CD's namespace;
// - in a Secret, a string that is valid base64 and decodes to text holding `<…>` is decoded,
//   replaced and encoded again (a chart's `data: {{ .Values.password | b64enc }}`);
// - a Secret that does not exist, or a key it does not hold, fails the whole generation;
// - `AVP_PATH_VALIDATION` refuses a path that does not match it;
// - objects annotated `avp.kubernetes.io/ignore: "true"` are left as they are.
// Stricter than the plugin where Plateau never goes: a `#version` (which this backend ignores),
// a modifier (`| base64encode`) or the `avp.kubernetes.io/path` annotation is an error here, so
// a test never passes on something Plateau does not mean to produce.

/** The Secrets the backend can read: `<namespace>/<name>` → their data, decoded. */
export type AvpSecrets = ReadonlyMap<string, Readonly<Record<string, string>>>;

export interface AvpOptions {
  /** Where a path without a namespace reads (the plugin's `argocd`). */
  readonly argocdNamespace?: string;
  /** AVP_PATH_VALIDATION: every path must match it. */
  readonly pathValidation?: RegExp;
}

export class AvpError extends Error {}

/** The plugin's placeholder with an inline path, as its non-greedy Go expression reads it. */
const INLINE_PATH = /<path:([^#]+?)#([^#]+?)(?:#([^#]+?))??>/g;
/** What makes a decoded Secret value worth replacing (`<(.*)>` in Go: `.` stops at line ends). */
const ANY_PLACEHOLDER = /<.*>/;
const STD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const TRUE = new Set(["1", "t", "T", "TRUE", "true", "True"]);

/** The Secrets as Plateau hands them over (`data` base64, or `stringData`), keyed for the replacer. */
export function avpSecretsFrom(secrets: readonly Record<string, unknown>[]): AvpSecrets {
  const store = new Map<string, Record<string, string>>();
  for (const secret of secrets) {
    const metadata = secret.metadata as { name: string; namespace: string };
    const data: Record<string, string> = {};
    for (const [key, value] of Object.entries((secret.data ?? {}) as Record<string, string>)) data[key] = Buffer.from(value, "base64").toString("utf8");
    Object.assign(data, (secret.stringData ?? {}) as Record<string, string>);
    store.set(`${metadata.namespace}/${metadata.name}`, data);
  }
  return store;
}

/** The objects with every placeholder replaced, as the plugin would emit them; an AvpError where it fails. */
export function replaceAvpPlaceholders<T>(objects: readonly T[], secrets: AvpSecrets, options: AvpOptions = {}): T[] {
  return objects.map((object) => {
    const copy = structuredClone(object) as unknown as Record<string, unknown>;
    const annotations = ((copy.metadata as { annotations?: Record<string, string> } | undefined)?.annotations ?? {}) as Record<string, string>;
    if (TRUE.has(annotations["avp.kubernetes.io/ignore"] ?? "")) return copy as T;
    if ("avp.kubernetes.io/path" in annotations) throw new AvpError(`${describe(copy)}: the avp.kubernetes.io/path annotation is not reproduced here`);
    const errors: string[] = [];
    const replace = (value: string): string => replaceString(value, copy.kind === "Secret", secrets, options, errors);
    walk(copy, replace);
    if (errors.length > 0) throw new AvpError(`${describe(copy)}: could not replace all placeholders:\n${errors.join("\n")}`);
    return copy as T;
  });
}

const describe = (object: Record<string, unknown>) => `${String(object.kind)} ${String((object.metadata as { name?: string } | undefined)?.name)}`;

/** Maps are walked; in lists, strings and maps (the plugin skips lists of lists). */
function walk(node: Record<string, unknown>, replace: (value: string) => string): void {
  for (const [key, value] of Object.entries(node)) {
    if (typeof value === "string") node[key] = replace(value);
    else if (Array.isArray(value)) {
      value.forEach((item: unknown, index) => {
        if (typeof item === "string") value[index] = replace(item);
        else if (isMap(item)) walk(item, replace);
      });
    } else if (isMap(value)) walk(value, replace);
  }
}

const isMap = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);

function replaceString(value: string, inSecret: boolean, secrets: AvpSecrets, options: AvpOptions, errors: string[]): string {
  if (inSecret && STD_BASE64.test(value)) {
    const decoded = Buffer.from(value, "base64").toString("utf8");
    if (ANY_PLACEHOLDER.test(decoded)) return Buffer.from(replaceInline(decoded, secrets, options, errors), "utf8").toString("base64");
  }
  return replaceInline(value, secrets, options, errors);
}

function replaceInline(value: string, secrets: AvpSecrets, options: AvpOptions, errors: string[]): string {
  return value.replace(INLINE_PATH, (match: string) => {
    const [placeholder = "", ...modifiers] = match.replace(/^[<>]+|[<>]+$/g, "").split("|");
    if (modifiers.length > 0) {
      errors.push(`modifiers are not reproduced here: ${match}`);
      return match;
    }
    // path:<path>#<key>[#<version>]: the path up to the first #, the key up to the next.
    const [path = "", key = "", ...version] = placeholder.trim().slice("path:".length).split("#");
    if (version.length > 0) {
      errors.push(`the Kubernetes-secret backend has no versions: ${match}`);
      return match;
    }
    if (options.pathValidation && !options.pathValidation.test(path)) {
      errors.push(`the path ${path} is disallowed by AVP_PATH_VALIDATION restriction`);
      return match;
    }
    const fields = path.split(":");
    const [namespace, name] = fields.length === 2 ? [fields[0], fields[1]] : [options.argocdNamespace ?? "argocd", fields[0]];
    const data = secrets.get(`${namespace}/${name}`);
    if (!data) {
      errors.push(`secrets "${name}" not found in namespace ${namespace}`);
      return match;
    }
    const found = data[key.trim()];
    if (found === undefined) {
      errors.push(`replaceString: missing Vault value for placeholder ${placeholder}`);
      return match;
    }
    return found;
  });
}

/**
 * What Argo CD makes of an Application's `plugin.env` for the plugin's process: each value
 * with its build environment substituted (Go's os.Expand: `$NAME`, `${NAME}`, `$$` is `$`,
 * an unknown name is empty), named `ARGOCD_ENV_<name>`, beside the build environment itself
 * (reposerver/repository/repository.go getPluginEnvs in argoproj/argo-cd).
 */
export function argoPluginEnvironment(env: readonly { name: string; value: string }[], build: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = { ...build };
  for (const entry of env) out[`ARGOCD_ENV_${entry.name}`] = goExpand(entry.value, (name) => (name === "$" ? "$" : (build[name] ?? "")));
  return out;
}

const isSpecial = (c: string) => "*#$@!?-0123456789".includes(c);
const isAlphaNum = (c: string) => /^[_0-9A-Za-z]$/.test(c);

/** Go's os.Expand, character for character. */
function goExpand(s: string, mapping: (name: string) => string): string {
  let out = "";
  let i = 0;
  for (let j = 0; j < s.length; j++) {
    if (s[j] === "$" && j + 1 < s.length) {
      out += s.slice(i, j);
      const [name, width] = shellName(s.slice(j + 1));
      if (name === "" && width > 0) {
        // Invalid syntax: eaten.
      } else if (name === "") out += "$";
      else out += mapping(name);
      j += width;
      i = j + 1;
    }
  }
  return out + s.slice(i);
}

function shellName(s: string): [string, number] {
  if (s[0] === "{") {
    if (s.length > 2 && isSpecial(s[1] ?? "") && s[2] === "}") return [s.slice(1, 2), 3];
    for (let i = 1; i < s.length; i++) {
      if (s[i] === "}") return i === 1 ? ["", 2] : [s.slice(1, i), i + 1];
    }
    return ["", 1];
  }
  if (isSpecial(s[0] ?? "")) return [s.slice(0, 1), 1];
  let i = 0;
  while (i < s.length && isAlphaNum(s[i] ?? "")) i++;
  return [s.slice(0, i), i];
}
