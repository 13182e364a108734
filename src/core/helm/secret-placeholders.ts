// A chart's passwords never enter the public desired-state repository (ADR 0004, ADR 0022):
// the committed values hold argocd-vault-plugin placeholders in its inline-path syntax for
// the `kubernetessecret` backend, `<path:NAMESPACE:SECRET#KEY>`, naming a key of the
// instance's own `<instance>-generated` Secret in the project's namespace. Plateau generates
// (or keeps what the person typed), hands the Secret over before Argo CD syncs, and
// argocd-vault-plugin replaces the placeholders in what `helm template` rendered.
//
// A placeholder is a capability: whoever writes `<path:other-project:…>` into values would get
// another project's password injected into their own pods. So the only placeholders a
// launch may carry are the ones Plateau writes, to the instance's own Secret: people's values
// may hold none, and the rendered objects are checked for any other (placeholderFindings).
import { escapePointerSegment, isRecord } from "../../contracts/json.js";
import { InputError } from "../errors.js";
import { generatedSecretName } from "../render/render.js";
import type { Finding } from "./preflight.js";

/** The key of `{{project.password}}` (one per instance: a password read for one service opens no other). */
export const PROJECT_PASSWORD_KEY = "project-password";
/** The key of `{{service.oneTimePassword}}`. */
export const ONE_TIME_PASSWORD_KEY = "one-time-password";

/** What a Secret's key may be (Kubernetes' rule), within what a placeholder's key may hold (no `#`, `<`, `>`). */
const SECRET_KEY = /^[-._a-zA-Z0-9]{1,253}$/;
/** argocd-vault-plugin's inline-path placeholder (pkg/kube/util.go), with the namespace prefix of the Kubernetes-secret backend. */
const PLACEHOLDER = /<path:([^#<>]+)#([^#<>]+?)(?:#([^#<>]+))?>/g;
/** Anything argocd-vault-plugin would act on: an inline path, or its annotations (which turn `<key>` into a placeholder). */
const AVP_MARK = /<path:|avp\.kubernetes\.io\//;

/** Whether a string holds an inline-path placeholder (of any Secret) that the plugin would resolve. */
export const holdsPlaceholder = (text: string): boolean => text.search(PLACEHOLDER) !== -1;

/** The placeholder of a key of the instance's own Secret. */
export function secretPlaceholder(project: string, instance: string, key: string): string {
  if (!SECRET_KEY.test(key)) throw new Error(`"${key}" cannot be a Secret key`);
  return `<path:${project}:${generatedSecretName(instance)}#${key}>`;
}

/** The Secret key a password field's value is kept under: the field's path, as a Secret key (`security.password`). */
export function passwordKeyOf(path: readonly string[]): string {
  const key = path
    .join(".")
    .replace(/[^-._a-zA-Z0-9]/g, "-")
    .slice(0, 200);
  return key === "" || key === "." || key === ".." ? "value" : key;
}

function strings(value: unknown, visit: (text: string, pointer: string) => void, pointer = "", depth = 0): void {
  // Values are bounded (assertValuesBounded) before they reach here; the depth is a second guard.
  if (depth > 200) return;
  if (typeof value === "string") visit(value, pointer);
  else if (Array.isArray(value)) value.forEach((item, index) => strings(item, visit, `${pointer}/${index}`, depth + 1));
  else if (isRecord(value)) {
    for (const [key, item] of Object.entries(value)) {
      visit(key, `${pointer}/${escapePointerSegment(key)}`);
      strings(item, visit, `${pointer}/${escapePointerSegment(key)}`, depth + 1);
    }
  }
}

/**
 * Refuses values a person gave that argocd-vault-plugin would act on: a placeholder there
 * could name another project's Secret. `base` is the pointer of the values in the request.
 */
export function assertNoPlaceholders(values: unknown, base = "/values"): void {
  strings(values, (text, pointer) => {
    if (AVP_MARK.test(text)) {
      throw InputError.field(
        `${base}${pointer}`,
        "secret-placeholder",
        "holds an argocd-vault-plugin placeholder or annotation (`<path:` or `avp.kubernetes.io/`): Plateau writes the only placeholders a launch may carry",
      );
    }
  });
}

/** The keys of the instance's own Secret that these values (or rendered objects) refer to, sorted. */
export function placeholderKeys(value: unknown, project: string, instance: string): string[] {
  const path = `${project}:${generatedSecretName(instance)}`;
  const keys = new Set<string>();
  strings(value, (text) => {
    for (const match of text.matchAll(PLACEHOLDER)) {
      if (match[1] === path && match[3] === undefined && SECRET_KEY.test(match[2] as string)) keys.add(match[2] as string);
    }
  });
  return [...keys].sort();
}

/**
 * The values without the leaves that are exactly one of the instance's own placeholders: what
 * a move keeps as the person's own values (placed again, the passwords come out the same, and
 * what the person typed is kept under its key).
 */
export function withoutOwnPlaceholders<T>(values: T, project: string, instance: string): T {
  const own = (text: string) => {
    const match = /^<path:([^#<>]+)#([^#<>]+)>$/.exec(text);
    return match !== null && match[1] === `${project}:${generatedSecretName(instance)}`;
  };
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip);
    if (!isRecord(value)) return value;
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, item]) => !(typeof item === "string" && own(item)))
        .map(([key, item]) => [key, strip(item)]),
    );
  };
  return strip(values) as T;
}

/** A string of a Secret's `data`, decoded, when it is base64 (argocd-vault-plugin replaces placeholders encoded there too). */
function decodedData(text: string): string | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  try {
    // atob (a web standard) keeps core free of Node's Buffer; placeholders are ASCII.
    return atob(text);
  } catch {
    return undefined;
  }
}

/**
 * What argocd-vault-plugin would do in the rendered objects besides filling the instance's
 * own placeholders: a placeholder naming another Secret (plain, or base64 in a Secret's
 * `data`), or its annotations. Each is a finding `secret-placeholder`.
 */
export function placeholderFindings(objects: readonly Record<string, unknown>[], project: string, instance: string | undefined): Finding[] {
  const own = instance === undefined ? undefined : `${project}:${generatedSecretName(instance)}`;
  const findings: Finding[] = [];
  for (const object of objects) {
    const metadata = isRecord(object.metadata) ? object.metadata : {};
    const name = `${String(object.kind)}/${String(metadata.name)}`;
    const foreign = new Set<string>();
    const check = (text: string, pointer: string) => {
      for (const match of text.matchAll(PLACEHOLDER)) if (match[1] !== own || match[3] !== undefined) foreign.add(`${pointer}: ${match[0]}`);
      if (/avp\.kubernetes\.io\//.test(text)) foreign.add(`${pointer}: ${text}`);
    };
    strings(object, check);
    if (object.kind === "Secret" && isRecord(object.data)) {
      for (const [key, value] of Object.entries(object.data)) {
        const decoded = typeof value === "string" ? decodedData(value) : undefined;
        if (decoded !== undefined) check(decoded, `/data/${escapePointerSegment(key)} (base64)`);
      }
    }
    for (const where of [...foreign].sort()) {
      findings.push({
        object: name,
        rule: "secret-placeholder",
        message: `${name}: ${where} is a secret reference Plateau did not write`,
        fix: "remove it: a chart's secrets come only from the placeholders Plateau writes to the instance's own Secret",
      });
    }
  }
  return findings;
}

/**
 * The keys of the instance's generated Secret its objects read: by `secretKeyRef` (templates),
 * or by a chart's placeholders — what the reconciler hands over, and a drill's copy gets.
 */
export function generatedSecretKeys(objects: readonly Record<string, unknown>[], project: string, instance: string): string[] {
  const keys = new Set<string>(placeholderKeys(objects, project, instance));
  const name = generatedSecretName(instance);
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (typeof value === "object" && value !== null) {
      const ref = (value as { secretKeyRef?: { name?: unknown; key?: unknown } }).secretKeyRef;
      if (ref && ref.name === name && typeof ref.key === "string") keys.add(ref.key);
      Object.values(value).forEach(visit);
    }
  };
  visit(objects);
  return [...keys].sort();
}
