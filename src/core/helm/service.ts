// Helm catalogs as people use them: the charts they may launch, each chart's form (its
// values.schema.json with Onyxia's extensions resolved for this person and place), and the
// checked values and chart of a launch. Values are committed to the public desired-state
// repository, so the context never holds a person's e-mail address, and passwords
// (`{{project.password}}`, `{{service.oneTimePassword}}`, password fields) are committed as
// placeholders to the instance's own Secret (secret-placeholders.ts, ADR 0022): generated,
// or the one the person typed, kept by Plateau. See docs/helm-catalogs.md.
import { personalProjectName } from "../access/policy.js";
import { assertValuesBounded } from "../catalog/values.js";
import { ConflictError, InputError, NotFoundError } from "../errors.js";
import type { InstanceBucket, PlatformDocument, Pool, RenderedInstance } from "../model.js";
import { INSTANCE_S3_ACCESS_KEY_ID, INSTANCE_S3_SECRET_ACCESS_KEY } from "../buckets/key-store.js";
import { DEFAULT_S3_REGION, endpointHost } from "../render/bucket-env.js";
import { poolFor } from "../placement/place.js";
import { regionContextOf, schedulingOf } from "../platforms/region.js";
import type { ChartRenderer } from "../ports/chart-renderer.js";
import type { HelmCatalogs } from "../ports/helm-catalogs.js";
import { assertLaunchable } from "./launch-preflight.js";
import { catalogVisibleTo, localizedText, type CatalogSpace, type HelmCatalogConfig } from "./catalog-config.js";
import type { ChartReference } from "./chart-reference.js";
import type { HelmChartVersion } from "./index-file.js";
import { computeHelmForm, parsedValuesYaml, undeclaredValues, type HelmForm, type HelmValuesContext } from "./form.js";
import { helmResources } from "./resources.js";
import type { JsonValue } from "./schema-node.js";
import { checkHelmValues, mergeOver } from "./values.js";
import {
  assertNoPlaceholders,
  ONE_TIME_PASSWORD_KEY,
  passwordKeyOf,
  placeholderKeys,
  PROJECT_PASSWORD_KEY,
  secretPlaceholder,
  withoutOwnPlaceholders,
} from "./secret-placeholders.js";
import { chooseStop, declaresSuspend, replicaPaths, scaledToZero, type ChartStop, type StopKind } from "./stop-strategy.js";
import { deepEqual, isRecord } from "../../contracts/json.js";

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
  /**
   * How its newest version stops (ADR 24): `suspend` (Onyxia's `global.suspend`), `replicas`
   * (its workloads scaled to 0 by their values), `remove-on-expiry` (it cannot be stopped:
   * its expiry removes it). Absent when it cannot be told (no renderer, archive unreadable).
   */
  readonly stop?: StopKind;
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
  /** The bucket attached to it (ADR 0031): what `{{s3.*}}` reads. */
  readonly bucket?: InstanceBucket;
}

export interface PreparedHelmLaunch {
  readonly version: HelmChartVersion;
  /** The repository Argo CD fetches the chart from. */
  readonly repository: string;
  readonly values: Record<string, JsonValue>;
  /** What the chart's rendered objects ask and their address (the preflight's rendering); absent without a renderer. */
  readonly rendered?: RenderedInstance;
  /** The pool of the platform the chart's pod lands on (its node selector and tolerations are in the values); absent when the platform declares no pool that holds it. */
  readonly pool?: string;
  /** The passwords the person typed, by Secret key: kept by Plateau, never committed (the values hold their placeholders). */
  readonly secrets: Record<string, string>;
}

export interface HelmCatalogServiceDeps {
  readonly catalogs: HelmCatalogs;
  /** Renders charts as Argo CD will: with it, a launch is checked against its platform before it is committed (launch-preflight.ts). */
  readonly renderer?: ChartRenderer;
  /** The operator's schemas for `x-onyxia.overwriteSchemaWith`, by name. */
  readonly schemas?: Readonly<Record<string, unknown>>;
}

/** Where an instance runs: its platform, its project (the namespace) and its name (the release). */
export interface ChartCheckPlace {
  readonly platform: PlatformDocument;
  readonly project: string;
  readonly release: string;
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
  /** The chart and checked values of a launch on the platform placement chose; with the instance's name (`context.release`), passwords become placeholders. */
  prepare(
    reference: ChartReference,
    viewer: CatalogViewer,
    context: HelmLaunchContext & { readonly release: string },
    values: unknown,
    version?: string,
  ): Promise<PreparedHelmLaunch>;
  /**
   * Checks an instance's values as they are about to run again (a start) on its platform: the
   * chart rendered and checked as at its launch (launch-preflight.ts), since the platform's
   * rules may have changed while it was stopped. Nothing without a renderer, or for a version
   * the catalog no longer serves (nothing to render it from).
   */
  check(reference: ChartReference, version: string, values: Readonly<Record<string, unknown>>, at: ChartCheckPlace): Promise<void>;
  /**
   * How an instance of this chart version with these values stops (ADR 24): rendered with its
   * replica paths at 0. Undefined when it cannot be told without rendering and no renderer is
   * configured (then, as before: `global.suspend` or nothing).
   */
  stopOf(
    reference: ChartReference,
    viewer: CatalogViewer,
    version: string,
    values: Readonly<Record<string, unknown>>,
    release?: string,
  ): Promise<ChartStop | undefined>;
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

/** Charts whose stop is decided at once, kept by archive digest (a digest's archive never changes). */
const MAX_STOPS = 500;
/** Charts decided at once when a list needs them (each may render its chart). */
const LIST_CONCURRENCY = 4;

export function createHelmCatalogService(deps: HelmCatalogServiceDeps): HelmCatalogService {
  const { catalogs } = deps;
  const stops = new Map<string, Promise<ChartStop | undefined>>();

  /**
   * How a chart version stops with these values (the chart's own values.yaml when none): its
   * replica paths (values.yaml's and the values') set to 0, rendered, and decided
   * (stop-strategy.ts). A launch's chart that Helm refuses to render so is one that cannot be
   * stopped; a chart of the catalog (rendered with its own values only, which some charts do
   * not render with) then says nothing until it is launched (`refused: "unknown"`).
   */
  async function decideStop(
    config: HelmCatalogConfig,
    version: HelmChartVersion,
    values: Readonly<Record<string, unknown>>,
    release = "plateau-stop",
    refused: "remove" | "unknown" = "remove",
  ): Promise<ChartStop | undefined> {
    const files = await catalogs.files(config.id, version);
    const parsed = files.valuesYaml === undefined ? undefined : parsedValuesYaml(files.valuesYaml);
    const own = isRecord(parsed) ? parsed : {};
    if (declaresSuspend(own) || declaresSuspend(values)) return { by: "suspend" };
    if (!deps.renderer) return undefined;
    const paths = replicaPaths(own, values);
    try {
      const rendered = await deps.renderer.render({
        archive: await catalogs.archive(config.id, version),
        // The release names the objects (and so the reasons given); the namespace changes nothing that runs.
        releaseName: release,
        namespace: "plateau-stop",
        values: scaledToZero(values, paths),
      });
      return chooseStop({ values, paths, rendered: rendered.objects });
    } catch (error) {
      if (!(error instanceof InputError || error instanceof ConflictError)) throw error;
      if (refused === "unknown") return undefined;
      return {
        by: "remove-on-expiry",
        why: `helm template refuses it with ${paths.map((path) => path.join(".")).join(", ") || "its values"} at 0: ${error.message}`,
      };
    }
  }

  /** The stop of a chart version with its own values, once per archive digest. */
  function chartStop(config: HelmCatalogConfig, version: HelmChartVersion): Promise<ChartStop | undefined> {
    const key = `${config.id}\n${version.name}\n${version.version}\n${version.digest ?? ""}`;
    let found = stops.get(key);
    if (!found) {
      found = decideStop(config, version, {}, undefined, "unknown");
      // Not kept when it failed (the repository may be back).
      found.catch(() => stops.delete(key));
      if (stops.size >= MAX_STOPS) stops.delete(stops.keys().next().value as string);
      stops.set(key, found);
    }
    return found;
  }

  /** The summary with how it stops, when that can be told (a chart that cannot be read says nothing). */
  async function withStop(config: HelmCatalogConfig, version: HelmChartVersion, summary: HelmChartSummary): Promise<HelmChartSummary> {
    const stop = await chartStop(config, version).catch(() => undefined);
    return stop ? { ...summary, stop: stop.by } : summary;
  }

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
    assertNoPlaceholders(values);
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

  /** The chart rendered with these values where the instance runs, and checked there (launch-preflight.ts): what its pods ask, or a refusal. */
  async function preflightOn(
    renderer: ChartRenderer,
    config: HelmCatalogConfig,
    chosen: HelmChartVersion,
    values: Readonly<Record<string, unknown>>,
    at: ChartCheckPlace,
    pool: Pool | undefined,
  ) {
    return assertLaunchable({
      renderer,
      archive: await catalogs.archive(config.id, chosen),
      chart: `${config.id}/${chosen.name} ${chosen.version}`,
      release: at.release,
      project: at.project,
      values,
      platform: at.platform,
      ...(pool ? { pool: pool.name } : {}),
    });
  }

  return {
    async ownValues(reference, viewer, context, placedValues, version) {
      // Its passwords' placeholders are Plateau's, not the person's: placed again, they come out the same.
      const values = context.release !== undefined ? withoutOwnPlaceholders(placedValues, context.project, context.release) : placedValues;
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
      const listed: { config: HelmCatalogConfig; version: HelmChartVersion; summary: HelmChartSummary }[] = [];
      const unavailable: { catalog: string; reason: string }[] = [];
      for (const config of catalogs.configs) {
        if (!catalogVisibleTo(config, claimsOf(viewer), options.space)) continue;
        try {
          const index = await catalogs.index(config.id);
          for (const chart of index.charts)
            if (chart.versions.length > 0)
              listed.push({ config, version: chart.versions[0] as HelmChartVersion, summary: summaryOf(config, chart, options.lang) });
        } catch (error) {
          unavailable.push({ catalog: config.id, reason: (error as Error).message });
        }
      }
      // How each stops: decided once per archive digest, a few at a time (the first list may render every chart).
      const charts: HelmChartSummary[] = new Array<HelmChartSummary>(listed.length);
      let next = 0;
      const worker = async () => {
        for (let i = next++; i < listed.length; i = next++) {
          const item = listed[i] as (typeof listed)[number];
          charts[i] = await withStop(item.config, item.version, item.summary);
        }
      };
      await Promise.all(Array.from({ length: Math.min(LIST_CONCURRENCY, listed.length) }, worker));
      return { charts, unavailable };
    },

    async form(reference, viewer, context, version) {
      const { config, chart, version: chosen } = await chartOf(reference, viewer, version);
      const form = await formOf(config, chosen, context);
      const summary = summaryOf(config, { ...chart, versions: [chosen, ...chart.versions.filter((v) => v !== chosen)] }, context.lang);
      return {
        ...(await withStop(config, chosen, summary)),
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
      const checked = checkHelmValues(form.schema, mergeValues(form.defaults, values), { lockHidden: true });
      // Passwords leave the values for the instance's Secret (only once its name is known: a preview keeps them empty).
      const sealed =
        context.release !== undefined ? sealPasswords(form.schema, checked, values, context.project, context.release) : { values: checked, secrets: {} };
      // What the platform's custom values hold beyond the form is imposed (the person could not set it).
      const imposed = platform ? undeclaredValues(form.schema, platform.spec.region?.customValues) : undefined;
      const prepared = {
        version: chosen,
        repository: config.location,
        values: imposed ? mergeValues(sealed.values, imposed) : sealed.values,
        ...(pool ? { pool: pool.name } : {}),
        secrets: sealed.secrets,
      };
      if (deps.renderer && platform) {
        const rendered = await preflightOn(
          deps.renderer,
          config,
          chosen,
          prepared.values,
          { platform, project: context.project, release: context.release },
          pool,
        );
        return { ...prepared, rendered };
      }
      return prepared;
    },

    async check(reference, version, values, at) {
      const config = catalogs.configs.find((candidate) => candidate.id === reference.catalog);
      if (!deps.renderer || !config) return;
      const chosen = (await catalogs.index(config.id)).charts.find((chart) => chart.name === reference.chart)?.versions.find((v) => v.version === version);
      if (!chosen) return;
      await preflightOn(deps.renderer, config, chosen, values, at, poolFor(at.platform, helmResources(values, true).largestPod));
    },

    async stopOf(reference, viewer, version, values, release) {
      const { config, version: chosen } = await chartOf(reference, viewer, version);
      return decideStop(config, chosen, values, release);
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
  // A preview's passwords are empty (the form says they are generated); a launch's are placeholders to its own Secret.
  const secret = (key: string) => (context.release !== undefined ? secretPlaceholder(context.project, context.release, key) : "");
  return {
    user: { idep: context.login, name: context.login, email: `${context.login}@users.plateau.invalid`, lang: context.lang },
    project: { id: context.project, basename: context.project, password: secret(PROJECT_PASSWORD_KEY) },
    service: { oneTimePassword: secret(ONE_TIME_PASSWORD_KEY) },
    k8s: { ...k8s, domain: k8s.domain as string, randomSubdomain: context.randomSubdomain },
    region,
    ...(context.bucket ? { s3: s3Context(context.bucket, secret) } : {}),
  };
}

/**
 * `{{s3.*}}` as Onyxia's regions resolve it, for an attached `rgw-admin` bucket: its keys are
 * placeholders to the instance's own Secret (the reconciler hands the project's key over
 * there), the rest plain. RGW keys need no session token: empty. Without a bucket there is no
 * `s3`: charts keep their own defaults (`enabled` as they say, the keys empty).
 */
/** The port of an endpoint, its scheme's when the URL names none. */
function endpointPort(url: string): number {
  const parsed = new URL(url);
  return parsed.port !== "" ? Number(parsed.port) : parsed.protocol === "http:" ? 80 : 443;
}

function s3Context(bucket: InstanceBucket, secret: (key: string) => string): Record<string, JsonValue> {
  const endpoint = bucket.endpoint ?? "";
  return {
    AWS_ACCESS_KEY_ID: secret(INSTANCE_S3_ACCESS_KEY_ID),
    AWS_SECRET_ACCESS_KEY: secret(INSTANCE_S3_SECRET_ACCESS_KEY),
    AWS_SESSION_TOKEN: "",
    AWS_S3_ENDPOINT: endpoint === "" ? "" : endpointHost(endpoint),
    AWS_DEFAULT_REGION: bucket.region ?? DEFAULT_S3_REGION,
    AWS_BUCKET_NAME: bucket.name,
    port: endpoint === "" ? 443 : endpointPort(endpoint),
    isEnabled: true,
    pathStyleAccess: bucket.pathStyle !== false,
    workingDirectoryPath: `${bucket.name}/`,
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
  return mergeOver(defaults, values) as Record<string, JsonValue>;
}

/**
 * Every password field's value, as a placeholder to the instance's Secret: the ones the
 * context resolved stay (their key is generated at the first sync); a chart's own default
 * (`changeme`, published in its values.yaml) becomes a generated one; one the person typed is
 * kept by Plateau under the field's key. An empty field stays empty (an optional token).
 */
function sealPasswords(
  schema: Readonly<Record<string, unknown>>,
  values: Record<string, JsonValue>,
  typed: unknown,
  project: string,
  instance: string,
): { values: Record<string, JsonValue>; secrets: Record<string, string> } {
  const sealed = structuredClone(values);
  const secrets: Record<string, string> = {};
  const ownPlaceholder = (text: unknown): text is string => typeof text === "string" && placeholderKeys(text, project, instance).length > 0;
  const walk = (node: unknown, value: Record<string, unknown>, person: unknown, path: string[]): void => {
    if (!isRecord(node) || !isRecord(node.properties)) return;
    for (const [key, child] of Object.entries(node.properties)) {
      if (!isRecord(child) || !Object.hasOwn(value, key)) continue;
      const own = value[key];
      const personal = isRecord(person) ? person[key] : undefined;
      const hints = isRecord(child["x-plateau"]) ? child["x-plateau"] : {};
      if (hints.render === "password" && typeof own === "string") {
        // The resolved default: a placeholder from the context, the chart's own literal, or empty.
        const fallback = typeof child.default === "string" ? child.default : "";
        const current = own === "" ? fallback : own;
        if (current === "") continue;
        const secretKey = passwordKeyOf([...path, key]);
        const chosen = typeof personal === "string" && personal !== "" && personal !== fallback && !ownPlaceholder(personal) ? personal : undefined;
        if (chosen !== undefined) secrets[secretKey] = chosen;
        value[key] = chosen === undefined && ownPlaceholder(current) ? current : secretPlaceholder(project, instance, secretKey);
      } else if (isRecord(own)) walk(child, own, personal, [...path, key]);
    }
  };
  walk(schema, sealed, typed, []);
  return { values: sealed, secrets };
}
