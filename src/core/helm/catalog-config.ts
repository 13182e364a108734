// A Helm catalog of plateau.yaml (`catalogs:`): a Helm repository offered to users as a
// catalog of services, configured with the same fields as Onyxia's catalogs (onyxia-api,
// `CatalogWrapper` and `CatalogRestrictionServiceImpl`) so that an Onyxia operator's
// configuration carries over. Pure: the repository is read by src/adapters/helm.
import { Type, type Static } from "typebox";
import { Value } from "typebox/value";
import { claimAt, CLAIM_VALUE_MAX_LENGTH, CLAIM_VALUES_MAX_ITEMS } from "../access/claim-values.js";
import { InputError, type InputIssue } from "../errors.js";

/** A text for people: one string, or one per language. */
const Localized = (options: { description: string; default?: string }) =>
  Type.Union(
    [
      Type.String({ maxLength: 500 }),
      Type.Object(
        { en: Type.String({ minLength: 1, maxLength: 500 }), fr: Type.String({ minLength: 1, maxLength: 500 }) },
        { additionalProperties: false, description: "The text in English and in French" },
      ),
    ],
    options,
  );

/** A Go duration as Helm and Onyxia write them: `30s`, `5m`, `1m30s`, `500ms`. */
const DURATION_PATTERN = "^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$";

const ChartNames = (description: string) => Type.Array(Type.String({ minLength: 1, maxLength: 253 }), { maxItems: 1000, default: [], description });

const RestrictionSchema = Type.Object(
  {
    userAttribute: Type.Object(
      {
        key: Type.String({
          minLength: 1,
          maxLength: 200,
          description: "A claim of the person's identity token: a name, or a dotted path into nested claims (`realm_access.roles`)",
        }),
        matches: Type.String({
          minLength: 1,
          maxLength: 1000,
          description:
            "A regular expression (JavaScript syntax) the whole value must match; for a list of values, one of them must match; for a boolean, `true` or `false`",
        }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const HelmCatalogConfigSchema = Type.Object(
  {
    id: Type.String({ pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", maxLength: 63, description: "Names the catalog in URLs and in instances' intents" }),
    location: Type.String({
      pattern: "^https?://[^\\s]+$",
      maxLength: 2000,
      description: "The URL of the Helm repository: its index is <location>/index.yaml; relative chart URLs resolve against it",
    }),
    name: Localized({ description: "The catalog's name, shown on its tab" }),
    description: Localized({ default: "", description: "What the catalog offers, shown under its name" }),
    status: Type.Union([Type.Literal("PROD"), Type.Literal("TEST")], {
      default: "PROD",
      description: "TEST catalogs are shown as such (services under trial); PROD ones are the production catalog",
    }),
    highlightedCharts: ChartNames("Charts shown first, in this order"),
    excludedCharts: ChartNames("Charts of the repository not offered (names, case-insensitive)"),
    multipleServicesMode: Type.Union([Type.Literal("all"), Type.Literal("latest"), Type.Literal("skipPatches"), Type.Literal("maxNumber")], {
      default: "latest",
      description:
        "Which versions of a chart to offer: all of them, the latest, the latest patch of each minor version (skipPatches), or the latest maxNumberOfVersions",
    }),
    maxNumberOfVersions: Type.Integer({
      minimum: 1,
      maximum: 1000,
      default: 5,
      description: "How many versions of a chart to offer with multipleServicesMode maxNumber",
    }),
    visible: Type.Object(
      {
        user: Type.Boolean({ default: true, description: "Shown when launching in one's personal project" }),
        project: Type.Boolean({ default: true, description: "Shown when launching in a shared project" }),
      },
      { additionalProperties: false, default: {}, description: "Where the catalog is shown" },
    ),
    restrictions: Type.Array(RestrictionSchema, {
      maxItems: 50,
      default: [],
      description: "Who sees the catalog and may launch its services: a person must meet every restriction (none: everyone)",
    }),
    timeout: Type.String({
      pattern: DURATION_PATTERN,
      maxLength: 40,
      default: "30s",
      description: "How long to wait for the repository to answer (its index or a chart archive), as a duration: 30s, 2m",
    }),
    skipTlsVerify: Type.Boolean({
      default: false,
      description: "Accept any TLS certificate from the repository (tests only: anyone on the path can then serve charts)",
    }),
    caFile: Type.Optional(
      Type.String({ minLength: 1, maxLength: 4096, description: "A file of PEM certificates trusted for the repository's TLS, in addition to the system's" }),
    ),
  },
  { additionalProperties: false },
);
export type HelmCatalogConfig = Static<typeof HelmCatalogConfigSchema>;

/** Where a catalog is shown: in a person's own project, or in a shared project. */
export type CatalogSpace = "user" | "project";

interface CompiledRestriction {
  readonly key: string;
  readonly matches: RegExp;
  /** As written: compared with booleans, as Onyxia does. */
  readonly source: string;
}

// Regular expressions compiled once per configuration object, at load or at first use.
const compiledRestrictions = new WeakMap<HelmCatalogConfig, readonly CompiledRestriction[]>();

/**
 * Applies defaults to a catalog entry and checks it, or throws an InputError naming each
 * problem under `pointer` (`/catalogs/0`). Its regular expressions are compiled here.
 */
export function parseHelmCatalogConfig(input: unknown, pointer = ""): HelmCatalogConfig {
  const withDefaults: unknown = Value.Default(HelmCatalogConfigSchema, structuredClone(input));
  if (!Value.Check(HelmCatalogConfigSchema, withDefaults)) {
    const issues: InputIssue[] = [...Value.Errors(HelmCatalogConfigSchema, withDefaults)]
      .slice(0, 10)
      .map((error) => ({ pointer: `${pointer}${error.instancePath}`, rule: error.keyword, message: error.message }));
    const first = issues[0];
    throw new InputError(`invalid catalog: ${first?.pointer || "/"} ${first?.message ?? ""} [${first?.rule ?? ""}]`, issues);
  }
  const config = withDefaults as HelmCatalogConfig;
  compileRestrictions(config, pointer);
  return config;
}

/**
 * Checks the catalogs of a configuration once they have their defaults (the configuration's
 * schema includes HelmCatalogConfigSchema): ids are unique and every regular expression
 * compiles, else an InputError naming `/catalogs/<i>/…`.
 */
export function checkHelmCatalogConfigs(catalogs: readonly HelmCatalogConfig[], pointer = "/catalogs"): void {
  const ids = new Set<string>();
  catalogs.forEach((catalog, i) => {
    if (ids.has(catalog.id)) throw InputError.field(`${pointer}/${i}/id`, "uniqueItems", `catalog id "${catalog.id}" is used twice`);
    ids.add(catalog.id);
    compileRestrictions(catalog, `${pointer}/${i}`);
  });
}

/**
 * Whether a person (the claims of their identity token) may see the catalog and launch its
 * services, and, given `space`, whether it is shown there. As Onyxia: every restriction must
 * hold; a claim holding a string must match the expression as a whole, a list must have one
 * item that does, a boolean must be written as the expression (`true`); a missing claim fails.
 */
export function catalogVisibleTo(config: HelmCatalogConfig, claims: Readonly<Record<string, unknown>>, space?: CatalogSpace): boolean {
  if (space !== undefined && !config.visible[space]) return false;
  return compileRestrictions(config, "").every((restriction) => restrictionHolds(restriction, claimAt(claims, restriction.key)));
}

/** Milliseconds of a Go duration (`1m30s` → 90000); the schema's pattern guarantees the form. */
export function durationMs(duration: string): number {
  const units: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  for (const [, amount, unit] of duration.matchAll(/([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g)) total += Number(amount) * (units[unit ?? ""] ?? 0);
  return total;
}

/** The text of a localized name or description in a language, English when it has none. */
export function localizedText(text: string | { en: string; fr: string } | undefined, lang: string): string {
  if (text === undefined) return "";
  if (typeof text === "string") return text;
  return lang === "fr" ? text.fr : text.en;
}

function compileRestrictions(config: HelmCatalogConfig, pointer: string): readonly CompiledRestriction[] {
  let compiled = compiledRestrictions.get(config);
  if (!compiled) {
    compiled = config.restrictions.map(({ userAttribute }, j) => {
      const at = `${pointer}/restrictions/${j}/userAttribute/matches`;
      try {
        new RegExp(userAttribute.matches); // checked alone first, so that the error names the expression as written
        // Anchored as a whole: Onyxia compiles a java.util.regex.Pattern and calls matches().
        return { key: userAttribute.key, matches: new RegExp(`^(?:${userAttribute.matches})$`), source: userAttribute.matches };
      } catch (error) {
        throw InputError.field(at, "regex", `not a valid regular expression: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
    compiledRestrictions.set(config, compiled);
  }
  return compiled;
}

// Claim values come from the identity provider: bounded as the claim mapping bounds them
// (access/claim-values.ts), so that no configured expression runs on a large input.
function restrictionHolds(restriction: CompiledRestriction, value: unknown): boolean {
  const matches = (item: unknown) => typeof item === "string" && item.length <= CLAIM_VALUE_MAX_LENGTH && restriction.matches.test(item);
  if (typeof value === "string") return matches(value);
  if (Array.isArray(value)) return value.slice(0, CLAIM_VALUES_MAX_ITEMS).some(matches);
  if (typeof value === "boolean") return String(value) === restriction.source.toLowerCase();
  return false;
}
