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
//
// This module is the configuration of the mapping (its schema, defaults and a provider's own
// mapping over the global one); claims.ts applies it.
import { Type, type Static } from "typebox";
import { GROUP_MAX_LENGTH, LOGIN_MAX_LENGTH } from "./claim-values.js";

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
