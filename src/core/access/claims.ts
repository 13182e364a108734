// From the claims of a verified OpenID Connect identity to what Plateau needs: a login, a
// display name, an e-mail address, the groups kept (usable as project members `group:`),
// the labs, the labs administered and the operator flag, by the mapping of the configuration
// (claim-mapping.ts) over the claims as claim-values.ts reads them.
import { InputError } from "../errors.js";
import { isValidName } from "../names.js";
import { escapePointerSegment } from "../../contracts/json.js";
import type { ClaimMapping, LabRule } from "./claim-mapping.js";
import { claimAt, firstOf, isUsableGroup, normalizeDisplayName, normalizeEmail, normalizeLogin, sortedUnique, stringValues } from "./claim-values.js";

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
