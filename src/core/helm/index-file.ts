// A Helm repository's index (`index.yaml`) → the charts a catalog offers, with the versions
// to offer for each, as Onyxia's catalog loader chooses them (onyxia-api `CatalogLoader`:
// excludedCharts, multipleServicesMode) plus what Helm itself would refuse to install.
//
// Choices, beyond Onyxia:
// - Library charts (`type: library`) are left out: Helm refuses to install them.
// - Deprecated charts are left out — a chart is deprecated when its newest version says so,
//   as `helm search` has it — and so are deprecated versions of a chart that is not, unless
//   `includeDeprecated` is set: instances launched before a deprecation still need to find
//   their chart's schema to be edited or stopped.
// - Versions are sorted by semantic versioning, newest first, rather than trusted to be in
//   order; pre-releases (`2.0.0-rc.1`) are offered only when a chart has no release, as Helm
//   installs them only when asked (`--devel`). A version that is not semantic versioning is
//   left out.
// - Only http(s) URLs are kept (archives, icon, home), relative ones resolved against the
//   repository's location: an index must not send Plateau to read `file:` URLs, nor browsers
//   to follow `javascript:` links.
import { parseDocument } from "yaml";
import { InputError } from "../errors.js";
import { parseBlockYaml, type FailsafeValue } from "./block-yaml.js";
import type { HelmCatalogConfig } from "./catalog-config.js";

/** One version of a chart, as a catalog offers it. */
export interface HelmChartVersion {
  readonly name: string;
  readonly version: string;
  readonly appVersion: string | undefined;
  readonly description: string | undefined;
  readonly icon: string | undefined;
  readonly home: string | undefined;
  readonly keywords: readonly string[];
  /** Where the archive is, absolute; the first is the one to use. */
  readonly urls: readonly string[];
  readonly created: string | undefined;
  /** SHA-256 of the archive, as `helm repo index` writes it (hex). */
  readonly digest: string | undefined;
  readonly deprecated: boolean;
}

/** A chart of a catalog: the versions offered, newest first. */
export interface HelmCatalogChart {
  readonly name: string;
  readonly highlighted: boolean;
  readonly versions: readonly HelmChartVersion[];
}

/** A version of the index that is not offered, and why (for the operator's logs). */
export interface SkippedChartVersion {
  readonly name: string;
  readonly version: string | undefined;
  readonly reason: string;
}

export interface HelmCatalogIndex {
  readonly catalogId: string;
  /** `generated` of the index, when it says. */
  readonly generated: string | undefined;
  /** Highlighted charts first (in the configuration's order), then the others by name. */
  readonly charts: readonly HelmCatalogChart[];
  readonly skipped: readonly SkippedChartVersion[];
  /** Which reader parsed the text: the fast one for Helm's own block YAML, else the full YAML parser. */
  readonly parser: "block" | "yaml";
}

export interface ParseHelmIndexOptions {
  /** Also offer deprecated charts and versions (see above). */
  readonly includeDeprecated?: boolean;
}

type CatalogFields = Pick<HelmCatalogConfig, "id" | "location" | "excludedCharts" | "highlightedCharts" | "multipleServicesMode" | "maxNumberOfVersions">;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;
const SEMVER =
  /^v?(0|[1-9][0-9]*)(?:\.(0|[1-9][0-9]*))?(?:\.(0|[1-9][0-9]*))?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

interface Candidate {
  readonly version: HelmChartVersion;
  readonly semver: readonly [number, number, number];
  readonly prerelease: readonly string[];
  readonly library: boolean;
}

/**
 * The charts a catalog offers from the text of its repository's index. Parses the text once
 * (with the fast reader, or the `yaml` library when the text leaves the fast reader's subset);
 * throws an InputError when it is not YAML or has no `entries` mapping. Entries that cannot
 * be offered are listed in `skipped`, never fatal: one bad chart must not hide a catalog.
 */
export function parseHelmIndex(text: string, config: CatalogFields, options: ParseHelmIndexOptions = {}): HelmCatalogIndex {
  const { document, parser } = readIndex(text, config.id);
  if (!isMapping(document) || !isMapping(document.entries)) {
    throw InputError.field("/entries", "required", `index of catalog ${config.id}: no entries mapping (not a Helm repository index?)`);
  }
  const base = new URL(config.location.endsWith("/") ? config.location : `${config.location}/`);
  const excluded = new Set(config.excludedCharts.map((name) => name.toLowerCase()));
  const highlighted = config.highlightedCharts.map((name) => name.toLowerCase());
  const skipped: SkippedChartVersion[] = [];
  const charts: HelmCatalogChart[] = [];

  for (const [name, listed] of Object.entries(document.entries)) {
    if (excluded.has(name.toLowerCase())) continue;
    if (!NAME.test(name)) {
      skipped.push({ name, version: undefined, reason: "not a valid chart name" });
      continue;
    }
    const candidates = readVersions(name, listed, base, skipped);
    const versions = chooseVersions(name, candidates, config, options, skipped);
    if (versions.length > 0) charts.push({ name, highlighted: highlighted.includes(name.toLowerCase()), versions });
  }

  const rank = (chart: HelmCatalogChart) => (chart.highlighted ? highlighted.indexOf(chart.name.toLowerCase()) : highlighted.length);
  charts.sort((a, b) => rank(a) - rank(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { catalogId: config.id, generated: stringOf(document.generated), charts, skipped, parser };
}

/** The index as failsafe YAML (every scalar a string): Helm's fields are strings whatever they look like (`appVersion: 1.10`). */
function readIndex(text: string, catalogId: string): { document: FailsafeValue | null; parser: "block" | "yaml" } {
  const fast = parseBlockYaml(text);
  if (fast !== undefined) return { document: fast, parser: "block" };
  const document = parseDocument(text, { version: "1.2", schema: "failsafe", uniqueKeys: true, prettyErrors: false });
  const error = document.errors[0];
  if (error) throw InputError.field("", "yaml", `index of catalog ${catalogId}: ${error.message.split("\n")[0] ?? "invalid YAML"}`);
  try {
    return { document: document.toJS({ maxAliasCount: 50 }) as FailsafeValue | null, parser: "yaml" };
  } catch (cause) {
    throw InputError.field("", "yaml", `index of catalog ${catalogId}: ${(cause as Error).message}`);
  }
}

function readVersions(name: string, listed: FailsafeValue, base: URL, skipped: SkippedChartVersion[]): Candidate[] {
  if (!Array.isArray(listed)) {
    skipped.push({ name, version: undefined, reason: "its entry is not a list of versions" });
    return [];
  }
  const seen = new Set<string>();
  const candidates: Candidate[] = [];
  for (const entry of listed) {
    if (!isMapping(entry)) {
      skipped.push({ name, version: undefined, reason: "a version is not a mapping" });
      continue;
    }
    const version = stringOf(entry.version);
    const skip = (reason: string) => skipped.push({ name, version, reason });
    if (version === undefined) {
      skip("no version");
      continue;
    }
    if (stringOf(entry.name) !== name) {
      skip(`its name is not ${name}`);
      continue;
    }
    const semver = SEMVER.exec(version);
    if (!semver) {
      skip("the version is not semantic versioning");
      continue;
    }
    if (seen.has(version)) {
      skip("listed twice");
      continue;
    }
    seen.add(version);
    const urls = stringsOf(entry.urls).flatMap((url) => httpUrl(url, base) ?? []);
    if (urls.length === 0) {
      skip("no http(s) URL for its archive");
      continue;
    }
    candidates.push({
      version: {
        name,
        version,
        appVersion: stringOf(entry.appVersion),
        description: stringOf(entry.description),
        icon: httpUrl(stringOf(entry.icon), base),
        home: httpUrl(stringOf(entry.home), base),
        keywords: stringsOf(entry.keywords),
        urls,
        created: stringOf(entry.created),
        digest: stringOf(entry.digest),
        deprecated: isTrue(entry.deprecated),
      },
      semver: [Number(semver[1]), Number(semver[2] ?? 0), Number(semver[3] ?? 0)],
      prerelease: semver[4] === undefined ? [] : semver[4].split("."),
      library: stringOf(entry.type) === "library",
    });
  }
  return candidates.sort(compareDescending);
}

function chooseVersions(
  name: string,
  sorted: Candidate[],
  config: CatalogFields,
  options: ParseHelmIndexOptions,
  skipped: SkippedChartVersion[],
): HelmChartVersion[] {
  const newest = sorted[0];
  if (newest === undefined) return [];
  if (newest.library) {
    skipped.push({ name, version: undefined, reason: "a library chart (cannot be installed)" });
    return [];
  }
  if (newest.version.deprecated && !options.includeDeprecated) {
    skipped.push({ name, version: undefined, reason: "deprecated" });
    return [];
  }
  const hasRelease = sorted.some((candidate) => candidate.prerelease.length === 0);
  const offered = sorted.filter(
    (candidate) => !candidate.library && (options.includeDeprecated || !candidate.version.deprecated) && (!hasRelease || candidate.prerelease.length === 0),
  );
  switch (config.multipleServicesMode) {
    case "all":
      return offered.map((candidate) => candidate.version);
    case "latest":
      return offered.slice(0, 1).map((candidate) => candidate.version);
    case "maxNumber":
      return offered.slice(0, config.maxNumberOfVersions).map((candidate) => candidate.version);
    case "skipPatches": {
      // The newest patch of each minor version (the list is sorted, newest first).
      const minors = new Set<string>();
      return offered.flatMap((candidate) => {
        const minor = `${candidate.semver[0]}.${candidate.semver[1]}`;
        if (minors.has(minor)) return [];
        minors.add(minor);
        return [candidate.version];
      });
    }
  }
}

/** Semantic versioning precedence, reversed; equal versions keep the index's order (the sort is stable). */
function compareDescending(a: Candidate, b: Candidate): number {
  for (let i = 0; i < 3; i++) {
    const difference = (b.semver[i] as number) - (a.semver[i] as number);
    if (difference !== 0) return difference;
  }
  // A release ranks above its pre-releases; pre-releases compare identifier by identifier.
  if (a.prerelease.length === 0 || b.prerelease.length === 0) return a.prerelease.length === 0 ? (b.prerelease.length === 0 ? 0 : -1) : 1;
  for (let i = 0; i < Math.max(a.prerelease.length, b.prerelease.length); i++) {
    const x = a.prerelease[i];
    const y = b.prerelease[i];
    if (x === undefined) return 1;
    if (y === undefined) return -1;
    if (x === y) continue;
    const xNumeric = /^[0-9]+$/.test(x);
    const yNumeric = /^[0-9]+$/.test(y);
    if (xNumeric && yNumeric) return Number(y) - Number(x);
    if (xNumeric !== yNumeric) return xNumeric ? 1 : -1;
    return x < y ? 1 : -1;
  }
  return 0;
}

const isMapping = (value: unknown): value is { [key: string]: FailsafeValue } => typeof value === "object" && value !== null && !Array.isArray(value);

const stringOf = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);

const stringsOf = (value: unknown): string[] => (Array.isArray(value) ? value.filter((item): item is string => typeof item === "string" && item !== "") : []);

/** Booleans as Go's YAML decoder reads them into Helm's `deprecated` field. */
const isTrue = (value: unknown): boolean => typeof value === "string" && /^(true|True|TRUE|yes|Yes|YES|on|On|ON|y|Y)$/.test(value);

function httpUrl(url: string | undefined, base: URL): string | undefined {
  if (url === undefined) return undefined;
  try {
    const resolved = new URL(url, base);
    return resolved.protocol === "https:" || resolved.protocol === "http:" ? resolved.href : undefined;
  } catch {
    return undefined;
  }
}
