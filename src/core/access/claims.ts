// From the claims of a verified OpenID Connect identity to what Plateau needs: a login, a
// display name, an e-mail address, the groups kept (usable as project members `group:`),
// the labs, the labs administered and the operator flag. Providers disagree on where these
// live, so the mapping is configuration (as Onyxia does for groups), including the
// attributes of the French research federations (SUPANN, eduPerson) relayed by a proxy.
//
// Lab rules for common providers (`identity.claims.labs` in plateau.yaml):
//
// - Groups with a prefix, Onyxia-style (`groups: ["plateau-lab-imb"]` → `imb`):
//     { claim: "groups", match: "^plateau-lab-(.+)$" }
// - SUPANN main affiliation (`supannEntiteAffectationPrincipale: "IMB"` → `imb`):
//     { claim: "supannEntiteAffectationPrincipale", match: "^(.+)$" }
// - eduPerson organisational unit (`eduPersonOrgUnitDN: "ou=LMBP,ou=structures,dc=uca,dc=fr"` → `lmbp`):
//     { claim: "eduPersonOrgUnitDN", match: "^ou=([^,]+)," }
// - Keycloak realm roles: `groups: { claim: "realm_access.roles" }`, and rules on `realm_access.roles`.
import { Type, type Static } from "typebox";
import { InputError } from "../errors.js";
import { isValidName } from "../names.js";
import { escapePointerSegment } from "../../contracts/json.js";

/**
 * Claim values come from the provider: longer values are ignored (never truncated, a cut
 * group name is another group) and only the first items of an array are read, so that no
 * configured regular expression ever runs on a large input.
 */
export const CLAIM_VALUE_MAX_LENGTH = 1000;
export const CLAIM_VALUES_MAX_ITEMS = 1000;
export const LOGIN_MAX_LENGTH = 64;
/** As the `group` of a project member (src/core/model.ts). */
const GROUP_MAX_LENGTH = 200;
const NAME_MAX_LENGTH = 200;
const EMAIL_MAX_LENGTH = 254;

const claimPath = (options: { default?: string; description: string }) => Type.String({ minLength: 1, maxLength: 200, ...options });
const Regex = Type.String({ minLength: 1, maxLength: 1000, description: "A regular expression (JavaScript syntax)" });
const RegexList = (description: string) => Type.Array(Regex, { maxItems: 100, default: [], description });

const LabRuleSchema = Type.Object(
  {
    claim: claimPath({ description: "The claim to read: a name, or a dotted path into nested claims (`realm_access.roles`)" }),
    match: Type.String({
      minLength: 1,
      maxLength: 1000,
      description: "A regular expression (JavaScript syntax) a value of the claim must match; its capture groups feed `replace`",
    }),
    // optional in the type too, so that rules written in code can omit it as the configuration does
    replace: Type.Optional(
      Type.String({
        maxLength: 200,
        default: "$1",
        description: "The lab id made from a matching value (`$1`…`$99`, `$<name>`, `$&`, `$$`); lower-cased, dropped unless a valid lab name",
      }),
    ),
    exclude: Type.Optional(Type.Array(Regex, { maxItems: 100, description: "Values of the claim matching one of these regular expressions are skipped" })),
  },
  { additionalProperties: false },
);
export type LabRule = Static<typeof LabRuleSchema>;

// The defaults of ClaimMappingSchema, in one place (not annotated: the schema's type depends on it).
const DEFAULTS = {
  login: ["preferred_username", "uid", "eppn", "email"],
  name: ["name", "displayName"],
  email: ["email", "mail"],
  groups: { claim: "groups", include: [] as string[], exclude: [] as string[] },
  labs: [{ claim: "groups", match: "^lab:([a-z0-9-]+)$", replace: "$1" }],
  labAdmins: [{ claim: "groups", match: "^lab-admin:([a-z0-9-]+)$", replace: "$1" }],
  operators: { groups: ["plateau:operators"], logins: [] as string[] },
};

/** A fresh copy of the default mapping (what an empty `identity.claims` gives). */
export const defaultClaimMapping = (): ClaimMapping => structuredClone(DEFAULTS);

const claimNames = (defaults: string[], description: string) =>
  Type.Array(claimPath({ description: "A claim name or a dotted path" }), { maxItems: 20, default: defaults, description });

export const ClaimMappingSchema = Type.Object(
  {
    login: Type.Array(claimPath({ description: "A claim name or a dotted path" }), {
      minItems: 1,
      maxItems: 20,
      default: DEFAULTS.login,
      description:
        "Claims tried in order for the login; the first that gives one wins. Values are normalized: lower-cased, `@domain` removed, other characters than a-z 0-9 - . _ replaced by -",
    }),
    name: claimNames(DEFAULTS.name, "Claims tried in order for the display name (default: the login)"),
    email: claimNames(DEFAULTS.email, "Claims tried in order for the e-mail address"),
    groups: Type.Object(
      {
        claim: claimPath({
          default: DEFAULTS.groups.claim,
          description: "The claim holding the provider's groups: a name or a dotted path (`realm_access.roles`)",
        }),
        include: RegexList("Keep only the groups matching one of these regular expressions (empty: all)"),
        exclude: RegexList("Drop the groups matching one of these regular expressions"),
      },
      { additionalProperties: false, default: {}, description: "The provider's groups Plateau keeps: usable as project members (`group:`)" },
    ),
    labs: Type.Array(LabRuleSchema, {
      maxItems: 50,
      default: DEFAULTS.labs,
      description: "Rules making lab ids from claim values: every match of every rule is a lab the person belongs to",
    }),
    labAdmins: Type.Array(LabRuleSchema, {
      maxItems: 50,
      default: DEFAULTS.labAdmins,
      description: "Rules making the ids of the labs the person administers (a lab admin is also a member)",
    }),
    operators: Type.Object(
      {
        groups: Type.Array(Type.String({ minLength: 1, maxLength: GROUP_MAX_LENGTH }), {
          maxItems: 100,
          default: DEFAULTS.operators.groups,
          description: "Members of these groups (values of the groups claim, before include/exclude) operate the platform",
        }),
        logins: Type.Array(Type.String({ pattern: "^[a-z0-9][-a-z0-9._]*$", maxLength: LOGIN_MAX_LENGTH }), {
          maxItems: 100,
          default: [],
          description: "These logins operate the platform",
        }),
      },
      { additionalProperties: false, default: {}, description: "Who operates the platform (owner of every project)" },
    ),
  },
  { additionalProperties: false, default: {}, description: "How the claims of the identity provider become a Plateau user" },
);
export type ClaimMapping = Static<typeof ClaimMappingSchema>;

/**
 * A provider's own mapping (`identity.providers[i].claims`): the same fields, none required and
 * none defaulted, so that what a provider leaves out comes from `identity.claims` (see
 * mergeClaimMapping).
 */
export const ProviderClaimMappingSchema = Type.Object(
  {
    login: Type.Optional(Type.Array(claimPath({ description: "A claim name or a dotted path" }), { minItems: 1, maxItems: 20 })),
    name: Type.Optional(Type.Array(claimPath({ description: "A claim name or a dotted path" }), { maxItems: 20 })),
    email: Type.Optional(Type.Array(claimPath({ description: "A claim name or a dotted path" }), { maxItems: 20 })),
    groups: Type.Optional(
      Type.Object(
        {
          claim: Type.Optional(claimPath({ description: "The claim holding the provider's groups" })),
          include: Type.Optional(Type.Array(Regex, { maxItems: 100 })),
          exclude: Type.Optional(Type.Array(Regex, { maxItems: 100 })),
        },
        { additionalProperties: false },
      ),
    ),
    labs: Type.Optional(Type.Array(LabRuleSchema, { maxItems: 50 })),
    labAdmins: Type.Optional(Type.Array(LabRuleSchema, { maxItems: 50 })),
    operators: Type.Optional(
      Type.Object(
        {
          groups: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: GROUP_MAX_LENGTH }), { maxItems: 100 })),
          logins: Type.Optional(Type.Array(Type.String({ pattern: "^[a-z0-9][-a-z0-9._]*$", maxLength: LOGIN_MAX_LENGTH }), { maxItems: 100 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  {
    additionalProperties: false,
    description: "This provider's own mapping: each field set here replaces that of identity.claims (groups and operators field by field)",
  },
);
export type ProviderClaimMapping = Static<typeof ProviderClaimMappingSchema>;

/**
 * The mapping of one provider: its own fields over the global mapping (itself over the
 * built-in defaults). Lists replace lists (a provider's `labs` replaces the global rules, it
 * does not add to them); `groups` and `operators` are merged field by field.
 */
export function mergeClaimMapping(global: ClaimMapping, own: ProviderClaimMapping | undefined): ClaimMapping {
  const merged = structuredClone(global);
  if (!own) return merged;
  if (own.login) merged.login = [...own.login];
  if (own.name) merged.name = [...own.name];
  if (own.email) merged.email = [...own.email];
  if (own.groups) merged.groups = { ...merged.groups, ...definedOnly(own.groups) };
  if (own.labs) merged.labs = structuredClone(own.labs);
  if (own.labAdmins) merged.labAdmins = structuredClone(own.labAdmins);
  if (own.operators) merged.operators = { ...merged.operators, ...definedOnly(own.operators) };
  return merged;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}

/** What Plateau keeps of an identity. Lists are sorted and without duplicates. */
export interface MappedIdentity {
  readonly login: string;
  readonly name: string;
  /** Absent when no claim holds a usable address. */
  readonly email: string | undefined;
  readonly groups: readonly string[];
  readonly labs: readonly string[];
  readonly labAdminOf: readonly string[];
  /** By the groups claim, or by the login the claims ask for (`operators.logins`). */
  readonly operator: boolean;
  /** By the groups claim alone: a login makes an operator only if the person gets that login here. */
  readonly operatorByGroup: boolean;
}

interface CompiledRule {
  readonly claim: string;
  readonly match: RegExp;
  readonly replace: string;
  readonly exclude: readonly RegExp[];
}

/** A ClaimMapping with its regular expressions compiled: build it once, at start-up. */
export interface CompiledClaimMapping {
  readonly compiled: true;
  readonly login: readonly string[];
  readonly name: readonly string[];
  readonly email: readonly string[];
  readonly groups: { readonly claim: string; readonly include: readonly RegExp[]; readonly exclude: readonly RegExp[] };
  readonly labs: readonly CompiledRule[];
  readonly labAdmins: readonly CompiledRule[];
  readonly operators: { readonly groups: ReadonlySet<string>; readonly logins: ReadonlySet<string> };
}

/** Compiles the regular expressions; an invalid one is an InputError naming its place in the configuration. */
export function compileClaimMapping(mapping: ClaimMapping, pointer = "/identity/claims"): CompiledClaimMapping {
  if (mapping.login.length === 0) throw InputError.field(`${pointer}/login`, "minItems", "at least one claim is needed for the login");
  const regexes = (sources: readonly string[], at: string) => sources.map((source, i) => compileRegex(source, `${at}/${i}`));
  const rules = (list: readonly LabRule[], at: string): CompiledRule[] =>
    list.map((rule, i) => {
      const match = compileRegex(rule.match, `${at}/${i}/match`);
      const replace = rule.replace ?? "$1";
      checkReplacement(replace, match, `${at}/${i}/replace`);
      return { claim: rule.claim, match, replace, exclude: regexes(rule.exclude ?? [], `${at}/${i}/exclude`) };
    });
  return {
    compiled: true,
    login: [...mapping.login],
    name: [...mapping.name],
    email: [...mapping.email],
    groups: {
      claim: mapping.groups.claim,
      include: regexes(mapping.groups.include, `${pointer}/groups/include`),
      exclude: regexes(mapping.groups.exclude, `${pointer}/groups/exclude`),
    },
    labs: rules(mapping.labs, `${pointer}/labs`),
    labAdmins: rules(mapping.labAdmins, `${pointer}/labAdmins`),
    operators: { groups: new Set(mapping.operators.groups), logins: new Set(mapping.operators.logins) },
  };
}

// Callers that pass the raw mapping (tests, one-off tools) compile it once per mapping object.
const compiledCache = new WeakMap<ClaimMapping, CompiledClaimMapping>();

/**
 * Maps the claims of a verified identity. Throws an InputError (rule `required`, or `login`
 * when values exist but none makes a login) when no login can be derived; claims that are
 * neither strings nor arrays of strings are ignored.
 */
export function mapClaims(claims: Readonly<Record<string, unknown>>, mapping: ClaimMapping | CompiledClaimMapping): MappedIdentity {
  const compiled = "compiled" in mapping ? mapping : cached(mapping);
  const login = deriveLogin(claims, compiled.login);
  const name = firstOf(claims, compiled.name, normalizeDisplayName) ?? login;
  const email = firstOf(claims, compiled.email, normalizeEmail);

  const providerGroups = stringValues(claimAt(claims, compiled.groups.claim));
  const { include, exclude } = compiled.groups;
  const groups = providerGroups.filter(
    (group) => isUsableGroup(group) && (include.length === 0 || include.some((regex) => regex.test(group))) && !exclude.some((regex) => regex.test(group)),
  );
  const operatorByGroup = providerGroups.some((group) => compiled.operators.groups.has(group));
  const operator = operatorByGroup || compiled.operators.logins.has(login);

  const labAdminOf = applyRules(claims, compiled.labAdmins);
  const labs = [...applyRules(claims, compiled.labs), ...labAdminOf];
  return { login, name, email, groups: sortedUnique(groups), labs: sortedUnique(labs), labAdminOf: sortedUnique(labAdminOf), operator, operatorByGroup };
}

/** What a sign-in's claims gave, for the log: names only, never values. */
export interface MappingReport {
  /** The names of the claims received (ID token and userinfo), sorted; at most 100, each at most 64 characters. */
  readonly received: readonly string[];
  /** The parts of the mapping that gave nothing, each with why: `labs[0] (claim groups: absent)`. */
  readonly empty: readonly string[];
}

const REPORTED_NAMES_MAX = 100;
const REPORTED_NAME_MAX_LENGTH = 64;

/**
 * Which claims came and which part of the mapping made nothing of them: what an operator needs
 * when people arrive without a lab because the provider released no groups (a missing scope).
 */
export function reportMapping(claims: Readonly<Record<string, unknown>>, mapping: ClaimMapping | CompiledClaimMapping): MappingReport {
  const compiled = "compiled" in mapping ? mapping : cached(mapping);
  const received = Object.keys(claims)
    .slice(0, REPORTED_NAMES_MAX)
    .map((name) => name.replace(/[^\x21-\x7e]/g, "?").slice(0, REPORTED_NAME_MAX_LENGTH))
    .sort();
  const why = (claim: string): string => {
    const value = claimAt(claims, claim);
    if (value === undefined) return `claim ${claim}: absent`;
    return stringValues(value).length === 0 ? `claim ${claim}: no usable value` : `claim ${claim}: no value made a lab`;
  };
  const empty: string[] = [];
  if (firstOf(claims, compiled.name, normalizeDisplayName) === undefined) empty.push(`name (none of ${compiled.name.join(", ")})`);
  if (firstOf(claims, compiled.email, normalizeEmail) === undefined) empty.push(`email (none of ${compiled.email.join(", ")})`);
  if (stringValues(claimAt(claims, compiled.groups.claim)).length === 0) empty.push(`groups (${why(compiled.groups.claim)})`);
  const rules = (name: string, list: readonly CompiledRule[]) =>
    list.forEach((rule, i) => {
      if (applyRules(claims, [rule]).length === 0) empty.push(`${name}[${i}] (${why(rule.claim)})`);
    });
  rules("labs", compiled.labs);
  rules("labAdmins", compiled.labAdmins);
  return { received, empty };
}

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

function cached(mapping: ClaimMapping): CompiledClaimMapping {
  let compiled = compiledCache.get(mapping);
  if (!compiled) {
    compiled = compileClaimMapping(mapping);
    compiledCache.set(mapping, compiled);
  }
  return compiled;
}

function compileRegex(source: string, pointer: string): RegExp {
  try {
    return new RegExp(source);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw InputError.field(pointer, "regex", `not a valid regular expression: ${reason}`);
  }
}

const REPLACEMENT_TOKEN = /\$(\$|&|<([^>]*)>|\d{1,2})/g;

/** A replacement naming a capture group the expression does not have would never make a lab. */
function checkReplacement(replace: string, match: RegExp, pointer: string): void {
  // An expression with an empty alternative always matches "": the result tells the number and names of its groups.
  const probe = new RegExp(`${match.source}|`).exec("");
  const groupCount = probe ? probe.length - 1 : 0;
  const names = new Set(Object.keys(probe?.groups ?? {}));
  for (const token of replace.matchAll(REPLACEMENT_TOKEN)) {
    const [, what = "", name] = token;
    if (name !== undefined && !names.has(name)) throw InputError.field(pointer, "regex-group", `the expression has no group named "${name}"`);
    if (/^\d/.test(what) && Number(what[0]) > groupCount)
      throw InputError.field(pointer, "regex-group", `the expression has ${groupCount} capture group(s), "${token[0]}" refers to another`);
  }
}

/** The replacement with `$n`, `$<name>`, `$&` and `$$` expanded as String.prototype.replace does. */
function expand(replace: string, match: RegExpExecArray): string {
  return replace.replace(REPLACEMENT_TOKEN, (token, what: string, name: string | undefined) => {
    if (what === "$") return "$";
    if (what === "&") return match[0];
    if (name !== undefined) return match.groups?.[name] ?? "";
    // `$12` is group 12 when there is one, else group 1 followed by "2"
    const two = Number(what);
    if (what.length === 2 && two >= 1 && two < match.length) return match[two] ?? "";
    const one = Number(what[0]);
    if (one >= 1 && one < match.length) return (match[one] ?? "") + what.slice(1);
    return token;
  });
}

function applyRules(claims: Readonly<Record<string, unknown>>, rules: readonly CompiledRule[]): string[] {
  const labs: string[] = [];
  for (const rule of rules) {
    for (const value of stringValues(claimAt(claims, rule.claim))) {
      if (rule.exclude.some((regex) => regex.test(value))) continue;
      const match = rule.match.exec(value);
      if (!match) continue;
      const lab = expand(rule.replace, match).toLowerCase();
      if (isValidName(lab)) labs.push(lab);
    }
  }
  return labs;
}

function deriveLogin(claims: Readonly<Record<string, unknown>>, paths: readonly string[]): string {
  let firstWithValue: string | undefined;
  for (const path of paths) {
    for (const value of stringValues(claimAt(claims, path)).slice(0, 1)) {
      firstWithValue ??= path;
      const login = normalizeLogin(value);
      if (login !== undefined) return login;
    }
  }
  if (firstWithValue !== undefined)
    throw InputError.field(claimPointer(firstWithValue), "login", `no login can be made from the claims ${paths.join(", ")}: no letter or digit is left`);
  throw InputError.field(claimPointer(paths[0] ?? "login"), "required", `the identity has none of the claims ${paths.join(", ")}: no login can be derived`);
}

const claimPointer = (path: string): string => `/claims/${escapePointerSegment(path)}`;

/** The first value of the claims, in order, that `normalize` accepts. Arrays give their first string. */
function firstOf(claims: Readonly<Record<string, unknown>>, paths: readonly string[], normalize: (value: string) => string | undefined): string | undefined {
  for (const path of paths) {
    const [value] = stringValues(claimAt(claims, path));
    const normalized = value === undefined ? undefined : normalize(value);
    if (normalized !== undefined) return normalized;
  }
  return undefined;
}

function normalizeDisplayName(value: string): string | undefined {
  // `<` and `>` would end the name in a git author line
  const name = value.replace(/[<>]/g, "").replace(/\s+/g, " ").trim().slice(0, NAME_MAX_LENGTH).trim();
  return name === "" ? undefined : name;
}

function normalizeEmail(value: string): string | undefined {
  const email = value.trim();
  return email.length <= EMAIL_MAX_LENGTH && /^[^\s@<>]+@[^\s@<>]+$/.test(email) ? email : undefined;
}

/** As the `group` of a project member: no whitespace, at most 200 characters. */
const isUsableGroup = (group: string): boolean => group.length <= GROUP_MAX_LENGTH && !/\s/.test(group);

/** A claim by name, or by dotted path into nested objects when no claim has the whole name. Own properties only. */
function claimAt(claims: Readonly<Record<string, unknown>>, path: string): unknown {
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
function stringValues(value: unknown): string[] {
  const usable = (item: unknown): item is string => typeof item === "string" && item !== "" && item.length <= CLAIM_VALUE_MAX_LENGTH && !CONTROL.test(item);
  if (typeof value === "string") return usable(value) ? [value] : [];
  if (Array.isArray(value)) return value.slice(0, CLAIM_VALUES_MAX_ITEMS).filter(usable);
  return [];
}

const sortedUnique = (values: readonly string[]): string[] => [...new Set(values)].sort();
