// Reading the claims of a verified identity: a claim by name or dotted path, its usable
// strings (bounded, printable), and the normalisations of a login, a display name and an
// e-mail address. What the mapping (claims.ts) makes of them is decided there.

/**
 * Claim values come from the provider: longer values are ignored (never truncated, a cut
 * group name is another group) and only the first items of an array are read, so that no
 * configured regular expression ever runs on a large input.
 */
export const CLAIM_VALUE_MAX_LENGTH = 1000;
export const CLAIM_VALUES_MAX_ITEMS = 1000;
export const LOGIN_MAX_LENGTH = 64;
/** As the `group` of a project member (src/core/model.ts). */
export const GROUP_MAX_LENGTH = 200;
const NAME_MAX_LENGTH = 200;
const EMAIL_MAX_LENGTH = 254;

/**
 * A login from a provider's value: `Jean.Dupont@univ-rennes.fr` → `jean.dupont`. Lower-cased,
 * `@domain` removed, accents dropped, every run of other characters than a-z 0-9 - . _
 * replaced by one `-`, leading and trailing `-._` trimmed, at most 64 characters. Undefined
 * when nothing is left.
 */
export function normalizeLogin(value: string): string | undefined {
  let login = value.trim().toLowerCase();
  const at = login.lastIndexOf("@");
  if (at >= 0) login = login.slice(0, at);
  login = login.normalize("NFKD").replace(/\p{M}+/gu, "");
  login = login.replace(/[ßæœøđðłıþ]/g, (letter) => TRANSLITERATION[letter] ?? "-");
  login = login.replace(/[^-a-z0-9._]+/g, "-").replace(/^[-._]+/, "");
  login = login.slice(0, LOGIN_MAX_LENGTH).replace(/[-._]+$/, "");
  return login === "" ? undefined : login;
}

// Letters that NFKD leaves whole but that have a usual ASCII spelling.
const TRANSLITERATION: Readonly<Record<string, string>> = { ß: "ss", æ: "ae", œ: "oe", ø: "o", đ: "d", ð: "d", ł: "l", ı: "i", þ: "th" };

/** The first value of the claims, in order, that `normalize` accepts. Arrays give their first string. */
export function firstOf(
  claims: Readonly<Record<string, unknown>>,
  paths: readonly string[],
  normalize: (value: string) => string | undefined,
): string | undefined {
  for (const path of paths) {
    const [value] = stringValues(claimAt(claims, path));
    const normalized = value === undefined ? undefined : normalize(value);
    if (normalized !== undefined) return normalized;
  }
  return undefined;
}

export function normalizeDisplayName(value: string): string | undefined {
  // `<` and `>` would end the name in a git author line
  const name = value.replace(/[<>]/g, "").replace(/\s+/g, " ").trim().slice(0, NAME_MAX_LENGTH).trim();
  return name === "" ? undefined : name;
}

export function normalizeEmail(value: string): string | undefined {
  const email = value.trim();
  return email.length <= EMAIL_MAX_LENGTH && /^[^\s@<>]+@[^\s@<>]+$/.test(email) ? email : undefined;
}

/** As the `group` of a project member: no whitespace, at most 200 characters. */
export const isUsableGroup = (group: string): boolean => group.length <= GROUP_MAX_LENGTH && !/\s/.test(group);

/** A claim by name, or by dotted path into nested objects when no claim has the whole name. Own properties only. */
export function claimAt(claims: Readonly<Record<string, unknown>>, path: string): unknown {
  if (Object.hasOwn(claims, path)) return claims[path];
  if (!path.includes(".")) return undefined;
  let current: unknown = claims;
  for (const part of path.split(".")) {
    if (typeof current !== "object" || current === null || Array.isArray(current) || !Object.hasOwn(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const CONTROL = /[\u0000-\u001f\u007f]/;

/** The usable strings of a claim: a string or the strings of an array, non-empty, bounded, printable. */
export function stringValues(value: unknown): string[] {
  const usable = (item: unknown): item is string => typeof item === "string" && item !== "" && item.length <= CLAIM_VALUE_MAX_LENGTH && !CONTROL.test(item);
  if (typeof value === "string") return usable(value) ? [value] : [];
  if (Array.isArray(value)) return value.slice(0, CLAIM_VALUES_MAX_ITEMS).filter(usable);
  return [];
}

export const sortedUnique = (values: readonly string[]): string[] => [...new Set(values)].sort();
