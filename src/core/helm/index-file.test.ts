/// <reference types="vite/client" />
// On the real index of Onyxia's interactive services (shared fixture, read by Vite at
// transform time: core performs no I/O, even in tests).
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import indexText from "../../../test/fixtures/onyxia-catalog/index.yaml?raw";
import { InputError } from "../errors.js";
import { parseBlockYaml } from "./block-yaml.js";
import { parseHelmIndex, type HelmCatalogIndex } from "./index-file.js";
import type { HelmCatalogConfig } from "./catalog-config.js";

type Config = Parameters<typeof parseHelmIndex>[1];
const LOCATION = "https://inseefrlab.github.io/helm-charts-interactive-services";
const config = (overrides: Partial<HelmCatalogConfig> = {}): Config => ({
  id: "ide",
  location: LOCATION,
  excludedCharts: [],
  highlightedCharts: [],
  multipleServicesMode: "all",
  maxNumberOfVersions: 5,
  ...overrides,
});

interface Entry {
  name: string;
  version: string;
  type?: string;
  urls: string[];
}
// Independently of our reader: the full YAML parser's view of the index.
const independent = parse(indexText) as { entries: Record<string, Entry[]>; generated: string };
const applicationCharts = Object.entries(independent.entries).filter(([, versions]) => versions[0]?.type !== "library");
const versionsOf = (index: HelmCatalogIndex, name: string) => index.charts.find((chart) => chart.name === name)?.versions.map((version) => version.version);

const failsafe = (text: string) => parse(text, { schema: "failsafe", version: "1.2" }) as unknown;

describe("parseBlockYaml", () => {
  it("reads the real index as the yaml library does with the failsafe schema", () => {
    expect(parseBlockYaml(indexText)).toEqual(failsafe(indexText));
  });

  it.each([
    ["a: b\nc:\n  d: e\n", "nested mappings"],
    ["a:\n- b\n- c\nd: e\n", "a sequence at its key's indentation (as Go writes it)"],
    ["a:\n  - b\n  -\n  - c: d\n    e: f\n", "sequences, empty items, compact mappings"],
    ["- a: b\n  c:\n  - d\n  e: f\n- g\n", "a top-level sequence"],
    ["a: one\n  two\n   three\nb: x\n", "a folded plain scalar"],
    ["- one\n  two\n", "a folded plain sequence item"],
    ['a: "x\\ty \\"q\\" \\u00e9 \\\\ \\/"\n', "double-quoted escapes"],
    ['a: "first\n  second"\n', "a double-quoted scalar on two lines"],
    ['a: "first \\\n  second"\n', "an escaped line break"],
    ["a: 'it''s'\nb: ''\nc: \"\"\n", "single-quoted and empty quoted scalars"],
    ["a:\nb: ~\nc: true\nd: 1.10\ne: 0x1F\n", "empty and would-be-typed values stay strings"],
    ["a: 'x' # comment\n\n\nb:   c   \n", "comments after quoted values, blank lines, spaces"],
    ["a: x:y\nb: http://example.org/a#b\n", "colons and hashes inside plain scalars"],
    ["a: []\nb: {}\nc:\n- []\n", "empty collections"],
    ["a: |\n  x\n   indented\n  # not a comment\nb: c\n", "a literal block scalar"],
    ["a: |-\n  x\n\n  y\n\nb: c\n", "a literal block scalar, stripped"],
    ["a: |+\n  x\n\n\nb: c\n", "a literal block scalar, kept"],
    ["a: |\n\n  x\n", "a literal block scalar starting with an empty line"],
    ["- |\n  x\n- y\n", "a literal block scalar in a sequence"],
    ["a:\n  b: |-\n    one\n    two\n  c: d\n", "a nested literal block scalar"],
    ["a: |+\n  x\n", "a kept literal block scalar at the end"],
    ["", "an empty document"],
  ])("reads %j as the yaml library does (%s)", (text) => {
    const fast = parseBlockYaml(text);
    expect(fast).not.toBeUndefined();
    expect(fast).toEqual(failsafe(text));
  });

  it("agrees with the yaml library on generated documents, or steps aside", () => {
    // A deterministic generator of awkward strings and shapes, written the ways `yaml` and Go write them.
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
    const atoms = [
      "a",
      "b c",
      "x:y",
      "x: y",
      "#x",
      "a #b",
      "- x",
      "1.10",
      "true",
      "~",
      "",
      " lead",
      "trail ",
      "multi\nline",
      "x\n\n",
      "é",
      "a\\b",
      "[y]",
      "&a",
      "|",
      "key:",
      "http://x/y#z",
      "word ".repeat(30),
      "line1\n  indented\nline3",
      'say "hi"',
      "it's",
    ];
    const generate = (depth: number): unknown => {
      const r = random();
      if (depth > 3 || r < 0.4) return pick(atoms);
      if (r < 0.7)
        return Object.fromEntries(
          Array.from({ length: Math.floor(random() * 4) }, (_, i) => [`${pick(["k", "a b", "x-y", "n.m", "u/v", "1"])}${i}`, generate(depth + 1)]),
        );
      return Array.from({ length: Math.floor(random() * 4) }, () => generate(depth + 1));
    };
    const styles = [
      { indentSeq: false, lineWidth: 40 },
      { indentSeq: true },
      { defaultStringType: "QUOTE_DOUBLE", lineWidth: 30 },
      { defaultStringType: "QUOTE_SINGLE" },
      { defaultStringType: "BLOCK_LITERAL" },
    ] as const;
    let read = 0;
    for (let i = 0; i < 1000; i++) {
      const text = stringify({ root: generate(0), other: generate(1) }, pick(styles));
      const fast = parseBlockYaml(text);
      if (fast === undefined) continue;
      read++;
      expect(fast, text).toEqual(failsafe(text));
    }
    expect(read).toBeGreaterThan(100);
  });

  it.each([
    ["a: [b, c]\n", "flow sequences"],
    ["a: {b: c}\n", "flow mappings"],
    ["a: &x b\nc: *x\n", "anchors and aliases"],
    ["a: !!str b\n", "tags"],
    ["a: |2\n   b\n", "block scalars with an indentation indicator"],
    ["a: |\n  b", "a block scalar without a final line break"],
    ["a: |\nb: c\n", "an empty block scalar"],
    ["a: |\n  x\n   \n  y\n", "spaces beyond the indentation on a blank line"],
    ["a: >\n  b\n", "folded block scalars"],
    ["---\na: b\n", "document markers"],
    ["a: b\na: c\n", "duplicate keys"],
    ["\ta: b\n", "tabs"],
    ["a: b\r\n", "carriage returns"],
    ['"a b": c\n', "quoted keys"],
    ["? a\n: b\n", "complex keys"],
    ["a: b\n  c: d\n", "a mapping under a scalar (an error)"],
    ["a: 'b\n  c'\n", "a single-quoted scalar on two lines"],
    ["a: b\n\n  c\n", "a blank line inside a plain scalar"],
    ["__proto__: x\n", "a key that plain objects treat specially"],
    ["a: b: c\n", "a colon and space in a plain scalar (an error)"],
    ["a: b # comment\n", "a comment after a plain value"],
  ])("leaves %j to the yaml library (%s)", (text) => {
    expect(parseBlockYaml(text)).toBeUndefined();
  });
});

describe("parseHelmIndex on Onyxia's catalog", () => {
  const index = parseHelmIndex(indexText, config());

  it("reads the index with the fast reader", () => {
    expect(index.parser).toBe("block");
    expect(index.generated).toBe(independent.generated);
  });

  it("lists every chart that can be installed, with every version", () => {
    expect(index.charts.map((chart) => chart.name).sort()).toEqual(applicationCharts.map(([name]) => name).sort());
    expect(index.charts.length).toBe(Object.keys(independent.entries).length - 1);
    for (const [name, versions] of applicationCharts) expect(versionsOf(index, name)?.length, name).toBe(versions.length);
    expect(index.skipped).toEqual([{ name: "library-chart", version: undefined, reason: "a library chart (cannot be installed)" }]);
  });

  it("gives each version's metadata, URLs absolute", () => {
    const chart = index.charts.find((candidate) => candidate.name === "jupyter-python");
    const listed = independent.entries["jupyter-python"]?.[0] as Entry & Record<string, unknown>;
    expect(chart?.versions[0]).toEqual({
      name: "jupyter-python",
      version: "2.5.2",
      appVersion: undefined,
      description: listed.description,
      icon: "https://minio.lab.sspcloud.fr/projet-onyxia/assets/servicesImg/jupyter.png",
      home: "https://jupyter.org/",
      keywords: listed.keywords,
      urls: listed.urls,
      created: listed.created,
      digest: listed.digest,
      deprecated: false,
    });
  });

  it("gives the same charts when the full YAML parser reads the index", () => {
    const slow = parseHelmIndex(`${indexText}\nextra: {flow: mapping}\n`, config());
    expect(slow.parser).toBe("yaml");
    expect(slow.charts).toEqual(index.charts);
  });

  it("leaves out excluded charts, whatever their case", () => {
    const names = parseHelmIndex(indexText, config({ excludedCharts: ["RStudio", "vscode-python"] })).charts.map((chart) => chart.name);
    expect(names).not.toContain("rstudio");
    expect(names).not.toContain("vscode-python");
    expect(names).toContain("rstudio-gpu");
    expect(names.length).toBe(applicationCharts.length - 2);
  });

  it("puts highlighted charts first, in the configuration's order, then the others by name", () => {
    const names = parseHelmIndex(indexText, config({ highlightedCharts: ["vscode-python", "rstudio", "no-such-chart"] })).charts.map((chart) => chart.name);
    expect(names.slice(0, 2)).toEqual(["vscode-python", "rstudio"]);
    expect(names.slice(2)).toEqual([...names.slice(2)].sort());
  });

  it("offers the versions multipleServicesMode says", () => {
    expect(versionsOf(parseHelmIndex(indexText, config({ multipleServicesMode: "latest" })), "jupyter-python")).toEqual(["2.5.2"]);
    expect(versionsOf(parseHelmIndex(indexText, config({ multipleServicesMode: "maxNumber", maxNumberOfVersions: 3 })), "jupyter-python")).toEqual([
      "2.5.2",
      "2.5.1",
      "2.5.0",
    ]);
    // skipPatches: the newest patch of each minor version, computed here from the full parser's view.
    const all = (independent.entries["jupyter-python"] ?? []).map((entry) => entry.version.split(".").map(Number) as [number, number, number]);
    const newestPatch = new Map<string, number>();
    for (const [major, minor, patch] of all) newestPatch.set(`${major}.${minor}`, Math.max(patch, newestPatch.get(`${major}.${minor}`) ?? -1));
    const skipPatches = versionsOf(parseHelmIndex(indexText, config({ multipleServicesMode: "skipPatches" })), "jupyter-python");
    expect(skipPatches?.slice(0, 3)).toEqual(["2.5.2", "2.4.9", "2.3.31"]);
    expect([...(skipPatches ?? [])].sort()).toEqual([...newestPatch].map(([minor, patch]) => `${minor}.${patch}`).sort());
  });

  it("parses the 2.3 MB index in one pass of the fast reader", () => {
    const start = performance.now();
    parseHelmIndex(indexText, config());
    // not a timing assertion (machines are shared): a sanity bound an order of magnitude above the measure
    expect(performance.now() - start).toBeLessThan(5_000);
  });
});

describe("parseHelmIndex rules", () => {
  const entry = (name: string, version: string, extra = "") =>
    `  - apiVersion: v2\n    name: ${name}\n    version: ${version}\n    urls:\n    - charts/${name}-${version}.tgz\n${extra}`;
  const indexOf = (...entries: [string, string[]][]) =>
    `apiVersion: v1\nentries:\n${entries.map(([name, versions]) => `  ${name}:\n${versions.join("")}`).join("")}generated: "2026-01-01T00:00:00Z"\n`;
  const local = (overrides: Partial<HelmCatalogConfig> = {}) => config({ location: "https://charts.example.org/lab/", ...overrides });

  it("sorts versions by semantic versioning and offers pre-releases only without a release", () => {
    const text = indexOf(
      ["web", [entry("web", "1.2.0"), entry("web", "1.10.0"), entry("web", "2.0.0-rc.1"), entry("web", "1.9.3")]],
      ["beta", [entry("beta", "0.1.0-alpha.2"), entry("beta", "0.1.0-alpha.10"), entry("beta", "0.1.0-alpha.beta")]],
    );
    const index = parseHelmIndex(text, local());
    expect(versionsOf(index, "web")).toEqual(["1.10.0", "1.9.3", "1.2.0"]);
    expect(versionsOf(index, "beta")).toEqual(["0.1.0-alpha.beta", "0.1.0-alpha.10", "0.1.0-alpha.2"]);
    expect(versionsOf(parseHelmIndex(text, local({ multipleServicesMode: "latest" })), "web")).toEqual(["1.10.0"]);
  });

  it("resolves relative URLs against the location and keeps only http(s) ones", () => {
    const text = indexOf([
      "web",
      [
        entry("web", "1.0.0", "    icon: javascript:alert(1)\n    home: /docs\n"),
        `  - name: web\n    version: 0.9.0\n    urls:\n    - file:///etc/passwd\n`,
        `  - name: web\n    version: 0.8.0\n    urls:\n    - file:///etc/passwd\n    - https://mirror.example.org/web-0.8.0.tgz\n`,
      ],
    ]);
    const index = parseHelmIndex(text, local());
    expect(index.charts[0]?.versions.map((version) => [version.version, version.urls, version.icon, version.home])).toEqual([
      ["1.0.0", ["https://charts.example.org/lab/charts/web-1.0.0.tgz"], undefined, "https://charts.example.org/docs"],
      ["0.8.0", ["https://mirror.example.org/web-0.8.0.tgz"], undefined, undefined],
    ]);
    expect(index.skipped).toEqual([{ name: "web", version: "0.9.0", reason: "no http(s) URL for its archive" }]);
  });

  it("leaves out deprecated charts and versions unless asked", () => {
    const text = indexOf(
      ["old", [entry("old", "2.0.0", "    deprecated: true\n"), entry("old", "1.0.0")]],
      ["web", [entry("web", "2.0.0"), entry("web", "1.0.0", "    deprecated: true\n")]],
    );
    const index = parseHelmIndex(text, local());
    expect(index.charts.map((chart) => chart.name)).toEqual(["web"]);
    expect(versionsOf(index, "web")).toEqual(["2.0.0"]);
    const all = parseHelmIndex(text, local(), { includeDeprecated: true });
    expect(versionsOf(all, "old")).toEqual(["2.0.0", "1.0.0"]);
    expect(all.charts.find((chart) => chart.name === "old")?.versions[0]?.deprecated).toBe(true);
  });

  it("keeps strings as written (appVersion 1.10 is not the number 1.1)", () => {
    const index = parseHelmIndex(indexOf(["web", [entry("web", "1.0.0", "    appVersion: 1.10\n    keywords:\n    - 2024\n")]]), local());
    expect(index.charts[0]?.versions[0]?.appVersion).toBe("1.10");
    expect(index.charts[0]?.versions[0]?.keywords).toEqual(["2024"]);
  });

  it("skips what cannot be offered and says why", () => {
    const text = indexOf(
      ["web", [entry("web", "1.0.0"), entry("web", "1.0.0"), entry("web", "latest"), entry("other", "1.0.0")]],
      ["Bad Name", [entry("Bad Name", "1.0.0")]],
    );
    const index = parseHelmIndex(text, local());
    expect(versionsOf(index, "web")).toEqual(["1.0.0"]);
    expect(index.skipped).toEqual([
      { name: "web", version: "1.0.0", reason: "listed twice" },
      { name: "web", version: "latest", reason: "the version is not semantic versioning" },
      { name: "web", version: "1.0.0", reason: "its name is not web" },
      { name: "Bad Name", version: undefined, reason: "not a valid chart name" },
    ]);
  });

  it("refuses what is not an index", () => {
    expect(() => parseHelmIndex("<html>not found</html>", local())).toThrow(InputError);
    expect(() => parseHelmIndex("entries: [", local())).toThrow(expect.objectContaining({ issues: [expect.objectContaining({ rule: "yaml" })] }));
    expect(() => parseHelmIndex("apiVersion: v1\n", local())).toThrow(expect.objectContaining({ issues: [expect.objectContaining({ pointer: "/entries" })] }));
  });
});
