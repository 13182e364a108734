// Helm catalogs as people use them: the charts they may launch, each chart's form (its
// values.schema.json with Onyxia's extensions resolved for this person and place), and the
// checked values and chart of a launch. Values are committed to the public desired-state
// repository, so the context never holds a secret nor a person's e-mail address, and a
// person may not type a password into a form (it would be public): see docs/helm-catalogs.md.
import { personalProjectName } from "../access/policy.js";
import { assertValuesBounded } from "../catalog/values.js";
import { InputError, NotFoundError } from "../errors.js";
import type { PlatformDocument, Pool } from "../model.js";
import { poolFor } from "../placement/place.js";
import { regionContextOf, schedulingOf } from "../platforms/region.js";
import type { ChartRenderer } from "../ports/chart-renderer.js";
import type { HelmCatalogs } from "../ports/helm-catalogs.js";
import { assertLaunchable } from "./launch-preflight.js";
import { catalogVisibleTo, localizedText, type CatalogSpace, type HelmCatalogConfig } from "./catalog-config.js";
import type { ChartReference } from "./chart-reference.js";
import type { HelmChartVersion } from "./index-file.js";
import { computeHelmForm, undeclaredValues, type HelmForm, type HelmValuesContext } from "./form.js";
import { helmResources } from "./resources.js";
import type { JsonValue } from "./schema-node.js";
import { checkHelmValues } from "./values.js";
import { deepEqual, escapePointerSegment, isRecord } from "../../contracts/json.js";

export interface HelmChartSummary {
  /** `<catalog>/<chart>`: the template of a launch. */
  readonly id: string;
  readonly catalog: string;
  readonly chart: string;
  readonly version: string;
  /** Every version offered, newest first. */
  readonly versions: string[];
  readonly title: string;
  readonly description: string;
  readonly icon: string | null;
  readonly home: string | null;
  readonly keywords: string[];
  readonly highlighted: boolean;
  /** The catalog's name, in the person's language. */
  readonly category: string;
  /** TEST catalogs hold services under trial. */
  readonly status: "PROD" | "TEST";
}

export interface HelmChartForm extends HelmChartSummary {
  /** The form's JSON Schema: Onyxia's extensions resolved, render hints under `x-plateau`, defaults set. */
  readonly valuesSchema: Readonly<Record<string, unknown>>;
  readonly defaults: Record<string, JsonValue>;
}

/** Who launches, where: what `overwriteDefaultWith` reads. */
export interface HelmLaunchContext {
  readonly login: string;
  readonly project: string;
  readonly lang: string;
  /** The platform the instance goes to (its domain, flavour and ingress class); absent for a preview form. */
  readonly platform?: PlatformDocument;
  /** A fresh random DNS label, for charts that make their own host names. */
  readonly randomSubdomain: string;
  /** The instance's name (the Helm release), when the launch names it. */
  readonly release?: string;
}

export interface PreparedHelmLaunch {
  readonly version: HelmChartVersion;
  /** The repository Argo CD fetches the chart from. */
  readonly repository: string;
  readonly values: Record<string, JsonValue>;
  /** The pool of the platform the chart's pod lands on (its node selector and tolerations are in the values); absent when the platform declares no pool that holds it. */
  readonly pool?: string;
}

export interface HelmCatalogServiceDeps {
  readonly catalogs: HelmCatalogs;
  /** Renders charts as Argo CD will: with it, a launch is checked against its platform before it is committed (launch-preflight.ts). */
  readonly renderer?: ChartRenderer;
  /** The operator's schemas for `x-onyxia.overwriteSchemaWith`, by name. */
  readonly schemas?: Readonly<Record<string, unknown>>;
}

/** The claims a restriction of a catalog reads: what Plateau keeps of a person's identity. */
export interface CatalogViewer {
  readonly login: string;
  readonly groups: readonly string[];
  readonly labs: readonly string[];
  readonly operator: boolean;
}

/** The Helm charts people may launch, their forms, and the checked values of a launch. */
export interface HelmCatalogService {
  /** The repository Argo CD fetches a catalog's charts from (undefined: no such catalog). */
  repositoryOf(catalogId: string): string | undefined;
  /** Every catalog's repository: the AppProjects of cluster platforms allow them as sources. */
  repositories(): string[];
  /** The charts of every catalog the person may see, highlighted ones first; a catalog whose repository is down is left out. */
  list(
    viewer: CatalogViewer,
    options: { lang: string; space?: CatalogSpace },
  ): Promise<{ charts: HelmChartSummary[]; unavailable: { catalog: string; reason: string }[] }>;
  /** A chart's launch form for this person (a preview: the platform is chosen at launch). */
  form(reference: ChartReference, viewer: CatalogViewer, context: HelmLaunchContext, version?: string): Promise<HelmChartForm>;
  /** The defaults of a launch, for placement (what it asks) before the platform is known. */
  defaults(reference: ChartReference, viewer: CatalogViewer, context: HelmLaunchContext, values: unknown, version?: string): Promise<Record<string, JsonValue>>;
  /** The chart and checked values of a launch on the platform placement chose (a password typed into the form is refused). */
  prepare(reference: ChartReference, viewer: CatalogViewer, context: HelmLaunchContext, values: unknown, version?: string): Promise<PreparedHelmLaunch>;
  /**
   * The person's own values among those of an instance placed on `context.platform` (absent:
   * a platform gone since): what differs from what that platform resolved — its form's defaults
   * on the pool the pod landed on, with the custom values it imposed. A field the person could
   * not change (hidden, read-only) is the platform's. A move prepares these on the new platform,
   * with `version`: the one asked, or the newest offered once the catalog no longer offers it
   * (as a built-in template takes the catalog's version).
   */
  ownValues(
    reference: ChartReference,
    viewer: CatalogViewer,
    context: HelmLaunchContext,
    values: unknown,
    version?: string,
  ): Promise<{ values: Record<string, JsonValue>; version: string }>;
}

const claimsOf = (viewer: CatalogViewer): Record<string, unknown> => ({
  preferred_username: viewer.login,
  login: viewer.login,
  groups: [...viewer.groups],
  labs: [...viewer.labs],
  operator: viewer.operator,
});

function summaryOf(
  config: HelmCatalogConfig,
  chart: { name: string; highlighted: boolean; versions: readonly HelmChartVersion[] },
  lang: string,
): HelmChartSummary {
  const latest = chart.versions[0] as HelmChartVersion;
  return {
    id: `${config.id}/${chart.name}`,
    catalog: config.id,
    chart: chart.name,
    version: latest.version,
    versions: chart.versions.map((version) => version.version),
    title: chart.name,
    description: latest.description ?? "",
    icon: latest.icon ?? null,
    home: latest.home ?? null,
    keywords: [...latest.keywords],
    highlighted: chart.highlighted,
    category: localizedText(config.name, lang),
    status: config.status,
  };
}

export function createHelmCatalogService(deps: HelmCatalogServiceDeps): HelmCatalogService {
  const { catalogs } = deps;

  function visibleConfig(catalogId: string, viewer: CatalogViewer, space?: CatalogSpace): HelmCatalogConfig {
    const config = catalogs.configs.find((candidate) => candidate.id === catalogId);
    // A catalog a person may not see does not exist for them.
    if (!config || !catalogVisibleTo(config, claimsOf(viewer), space)) throw new NotFoundError("catalog", catalogId);
    return config;
  }

  async function chartOf(reference: ChartReference, viewer: CatalogViewer, version?: string, space?: CatalogSpace) {
    const config = visibleConfig(reference.catalog, viewer, space);
    const index = await catalogs.index(config.id);
    const chart = index.charts.find((candidate) => candidate.name === reference.chart);
    if (!chart) throw new NotFoundError("chart", `${reference.catalog}/${reference.chart}`);
    const chosen = version === undefined ? chart.versions[0] : chart.versions.find((candidate) => candidate.version === version);
    if (!chosen) {
      throw InputError.field(
        "/version",
        "offered",
        `version ${version} of ${reference.catalog}/${reference.chart} is not offered (${chart.versions.map((v) => v.version).join(", ")})`,
      );
    }
    return { config, chart, version: chosen };
  }

  /** A launch's chart and form, once its values are known to be of a bounded size. */
  async function boundedLaunchOf(
    reference: ChartReference,
    viewer: CatalogViewer,
    context: HelmLaunchContext,
    values: unknown,
    version?: string,
    options: { compile?: boolean } = {},
  ) {
    assertValuesBounded(values);
    const space = context.project === personalProjectName(context.login) ? "user" : "project";
    const { config, version: chosen } = await chartOf(reference, viewer, version, space);
    return { config, chosen, form: await formOf(config, chosen, context, undefined, options) };
  }

  async function formOf(
    config: HelmCatalogConfig,
    version: HelmChartVersion,
    context: HelmLaunchContext,
    pool?: Pool,
    options: { compile?: boolean } = {},
  ): Promise<HelmForm> {
    const files = await catalogs.files(config.id, version);
    if (files.valuesSchemaJson === undefined) {
      // Without a schema, the values are the chart's own: nothing a form could check.
      throw InputError.field(
        "/template",
        "values-schema",
        `chart ${version.name} ${version.version} has no values.schema.json: Plateau launches only charts with a form`,
      );
    }
    return computeHelmForm({
      valuesSchema: files.valuesSchemaJson,
      ...(files.valuesYaml !== undefined ? { valuesYaml: files.valuesYaml } : {}),
      context: valuesContext(context, pool),
      ...(deps.schemas ? { schemas: deps.schemas } : {}),
      ...(context.platform?.spec.region?.customValues ? { customValues: context.platform.spec.region.customValues } : {}),
      ...(options.compile === false ? { compile: false } : {}),
    });
  }

  return {
    async ownValues(reference, viewer, context, values, version) {
      // A random subdomain is drawn at each launch: the one of this launch is unknown, so the form is computed with a mark that matches any.
      const marked = { ...context, randomSubdomain: RANDOM_MARK };
      const launched = (asked?: string) => boundedLaunchOf(reference, viewer, marked, values, asked, { compile: false });
      const {
        config,
        chosen,
        form: plain,
      } = await launched(version).catch((error: unknown) => {
        // A version the catalog no longer offers (multipleServicesMode latest…) cannot be rendered again: the newest is.
        const notOffered = error instanceof InputError && error.issues.some((issue) => issue.pointer === "/version" && issue.rule === "offered");
        if (notOffered && version !== undefined) return launched(undefined);
        throw error;
      });
      if (!isRecord(values)) return { values: {}, version: chosen.version };
      const platform = context.platform;
      // The pool the pod landed on, as prepare chose it (the committed values hold what it asks).
      const pool = platform ? poolFor(platform, helmResources(values, true).largestPod) : undefined;
      const form =
        platform && pool && !deepEqual(schedulingOf(platform, pool), schedulingOf(platform))
          ? await formOf(config, chosen, marked, pool, { compile: false })
          : plain;
      const imposed = platform ? undeclaredValues(form.schema, platform.spec.region?.customValues) : undefined;
      const own = ownOf(form.schema, values, imposed ? mergeValues(form.defaults, imposed) : form.defaults) as Record<string, JsonValue> | undefined;
      return { values: own ?? {}, version: chosen.version };
    },

    repositoryOf(catalogId) {
      return catalogs.configs.find((candidate) => candidate.id === catalogId)?.location;
    },

    repositories() {
      return catalogs.configs.map((config) => config.location);
    },

    async list(viewer, options) {
      const charts: HelmChartSummary[] = [];
      const unavailable: { catalog: string; reason: string }[] = [];
      for (const config of catalogs.configs) {
        if (!catalogVisibleTo(config, claimsOf(viewer), options.space)) continue;
        try {
          const index = await catalogs.index(config.id);
          for (const chart of index.charts) if (chart.versions.length > 0) charts.push(summaryOf(config, chart, options.lang));
        } catch (error) {
          unavailable.push({ catalog: config.id, reason: (error as Error).message });
        }
      }
      return { charts, unavailable };
    },

    async form(reference, viewer, context, version) {
      const { config, chart, version: chosen } = await chartOf(reference, viewer, version);
      const form = await formOf(config, chosen, context);
      return {
        ...summaryOf(config, { ...chart, versions: [chosen, ...chart.versions.filter((v) => v !== chosen)] }, context.lang),
        valuesSchema: form.schema,
        defaults: form.defaults,
      };
    },

    async defaults(reference, viewer, context, values, version) {
      // Only the defaults are used here: the form's schema is compiled by prepare, once placed (ajv's compile is most of a form's time).
      const { form } = await boundedLaunchOf(reference, viewer, context, values, version, { compile: false });
      return mergeValues(form.defaults, values);
    },

    async prepare(reference, viewer, context, values, version) {
      const bounded = await boundedLaunchOf(reference, viewer, context, values, version);
      const { config, chosen } = bounded;
      let form = bounded.form;
      const platform = context.platform;
      // The pool the pod lands on follows from what it asks with the platform's defaults; its
      // node selector and tolerations are the region's `nodeSelector`/`tolerations` charts read.
      const pool = platform ? poolFor(platform, helmResources(mergeValues(form.defaults, values), true).largestPod) : undefined;
      if (platform && pool && !deepEqual(schedulingOf(platform, pool), schedulingOf(platform))) form = await formOf(config, chosen, context, pool);
      refusePasswords(form.schema, values);
      const checked = checkHelmValues(form.schema, mergeValues(form.defaults, values), { lockHidden: true });
      // What the platform's custom values hold beyond the form is imposed (the person could not set it).
      const imposed = platform ? undeclaredValues(form.schema, platform.spec.region?.customValues) : undefined;
      const prepared = {
        version: chosen,
        repository: config.location,
        values: imposed ? mergeValues(checked, imposed) : checked,
        ...(pool ? { pool: pool.name } : {}),
      };
      if (deps.renderer && platform) {
        await assertLaunchable({
          renderer: deps.renderer,
          archive: await deps.catalogs.archive(config.id, chosen),
          chart: `${config.id}/${chosen.name} ${chosen.version}`,
          release: context.release ?? `${chosen.name}-preflight`,
          project: context.project,
          values: prepared.values,
          platform,
          ...(pool ? { pool: pool.name } : {}),
        });
      }
      return prepared;
    },
  };
}

/**
 * Onyxia's context, from what may be public: the login stands for the name and the address;
 * `k8s` and `region` are the platform's region (platforms/region.ts) with the pool's node
 * selector and tolerations. A preview (no platform yet) has no region: charts keep their own
 * defaults and slider bounds until the launch is placed.
 */
function valuesContext(context: HelmLaunchContext, pool?: Pool): HelmValuesContext {
  const { k8s, region } = regionContextOf(context.platform, pool);
  return {
    user: { idep: context.login, name: context.login, email: `${context.login}@users.plateau.invalid`, lang: context.lang },
    project: { id: context.project, basename: context.project },
    k8s: { ...k8s, domain: k8s.domain as string, randomSubdomain: context.randomSubdomain },
    region,
  };
}

/** What stands for the random subdomain of a launch when its own is not known: a DNS label no name generator makes. */
const RANDOM_MARK = "plateau0random0mark";
/** What generateName (names.ts) draws: lowercase words joined by dashes. */
const RANDOM_LABEL = "[a-z0-9]+(?:-[a-z0-9]+)*";

/** Whether a value is what a default resolved with the mark became with some random subdomain. */
function resolvedWithMark(value: unknown, derived: unknown): boolean {
  if (typeof value !== "string" || typeof derived !== "string" || !derived.includes(RANDOM_MARK)) return false;
  const pattern = derived
    .split(RANDOM_MARK)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join(RANDOM_LABEL);
  return new RegExp(`^${pattern}$`).test(value);
}

/**
 * The part of `values` that is not `derived` (what a platform resolved), walking the form:
 * members of objects one by one; a scalar or an array whole. A field locked by the form
 * (read-only, or always hidden: launches refuse a change) is never the person's. Undefined: nothing.
 */
function ownOf(node: unknown, values: unknown, derived: unknown): unknown {
  const hints = isRecord(node) && isRecord(node["x-plateau"]) ? node["x-plateau"] : {};
  if (hints.readonly === true || hints.hidden === true) return undefined;
  if (isRecord(values) && isRecord(derived)) {
    const properties = isRecord(node) && isRecord(node.properties) ? node.properties : {};
    const members = isRecord(node) && isRecord(node.additionalProperties) ? node.additionalProperties : undefined;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(values)) {
      // What the platform did not resolve is the person's.
      const own = Object.hasOwn(derived, key) ? ownOf(Object.hasOwn(properties, key) ? properties[key] : members, value, derived[key]) : value;
      // Defined, not assigned: a member named __proto__ stays a member.
      if (own !== undefined) Object.defineProperty(out, key, { value: own, enumerable: true, writable: true, configurable: true });
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }
  return deepEqual(values, derived) || resolvedWithMark(values, derived) ? undefined : values;
}

/** The person's values over the defaults, object by object (arrays and scalars replace). */
function mergeValues(defaults: Record<string, JsonValue>, values: unknown): Record<string, JsonValue> {
  if (values === undefined) return structuredClone(defaults);
  if (!isRecord(values)) throw InputError.field("/values", "type", "must be an object");
  const merge = (base: unknown, over: unknown): unknown => {
    if (!isRecord(base) || !isRecord(over)) return over;
    const out: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(over)) out[key] = key in base ? merge(base[key], value) : value;
    return out;
  };
  return merge(structuredClone(defaults), values) as Record<string, JsonValue>;
}

/** A value typed into a password field would be committed to a public repository: refused, naming the field. */
function refusePasswords(schema: Readonly<Record<string, unknown>>, values: unknown): void {
  const walk = (node: unknown, value: unknown, pointer: string): void => {
    if (!isRecord(node) || value === undefined) return;
    const hints = isRecord(node["x-plateau"]) ? node["x-plateau"] : {};
    if (hints.render === "password" && typeof value === "string" && value !== "" && value !== node.default) {
      throw InputError.field(
        `/values${pointer}`,
        "public-repository",
        "is a password, and values are committed to the public desired-state repository: leave it empty or at its default",
      );
    }
    if (isRecord(node.properties) && isRecord(value)) {
      for (const [key, child] of Object.entries(node.properties)) walk(child, value[key], `${pointer}/${escapePointerSegment(key)}`);
    }
  };
  walk(schema, values, "");
}
