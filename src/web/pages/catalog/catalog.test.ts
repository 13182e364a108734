import { describe, expect, it } from "vitest";
import type { HelmChartList, TemplateSummary } from "../../../contracts/api.js";
import { catalogEntries, matches } from "./catalog.js";

const template = (id: string, title: string, category: string, tags: string[] = []): TemplateSummary => ({
  id,
  version: "1.0.0",
  title: { en: title, fr: `${title} (fr)` },
  description: { en: `About ${title}`, fr: `À propos de ${title}` },
  category,
  tags,
  sizes: ["small"],
  documentation: null,
  s3: false,
});
const chart = (name: string, highlighted: boolean, extra: Partial<HelmChartList["items"][number]> = {}): HelmChartList["items"][number] => ({
  id: `ide/${name}`,
  catalog: "ide",
  chart: name,
  version: "1.0.0",
  versions: ["1.0.0"],
  title: name,
  description: `The ${name} chart`,
  icon: null,
  home: null,
  keywords: ["python"],
  highlighted,
  category: "Services interactifs",
  status: "PROD",
  ...extra,
});
const t = (key: string) => `<${key}>`;

describe("the catalog's cards", () => {
  const entries = catalogEntries(
    [template("static-site", "Static web site", "web-sites", ["html"]), template("jupyter-notebook", "Jupyter notebook", "notebooks", ["python"])],
    [
      chart("vscode-python", false, { icon: "http://example.org/icon.png", status: "TEST" }),
      chart("jupyter-python", true, { icon: "https://example.org/j.svg", stop: "suspend" }),
    ],
    "fr",
    t,
  );

  it("puts recommended charts first, then built-in templates, then the other charts", () => {
    expect(entries.map((entry) => entry.id)).toEqual(["ide/jupyter-python", "static-site", "jupyter-notebook", "ide/vscode-python"]);
  });

  it("links each card to its launch page, in the person's language, with https icons only", () => {
    const [jupyter, site, , vscode] = entries;
    expect(site).toMatchObject({
      title: "Static web site (fr)",
      description: "À propos de Static web site",
      category: "<category.web-sites>",
      to: "/launch/static-site",
    });
    expect(jupyter).toMatchObject({ to: "/launch/ide/jupyter-python", icon: "https://example.org/j.svg", highlighted: true, category: "Services interactifs" });
    expect(vscode).toMatchObject({ icon: null, trial: true });
  });

  it("says which charts cannot be stopped, only removed by their expiry (ADR 24)", () => {
    const cards = catalogEntries(
      [template("static-site", "Static web site", "web-sites")],
      [chart("fixed-web", false, { stop: "remove-on-expiry" }), chart("scaled-web", false, { stop: "replicas" }), chart("unknown", false)],
      "en",
      t,
    );
    expect(cards.map((card) => [card.id, card.removedOnExpiry])).toEqual([
      ["static-site", false],
      ["ide/fixed-web", true],
      ["ide/scaled-web", false],
      ["ide/unknown", false],
    ]);
  });

  it("finds cards by every word of the search, without regard to case or accents", () => {
    const found = (query: string) => entries.filter((entry) => matches(entry, query)).map((entry) => entry.id);
    expect(found("")).toHaveLength(4);
    expect(found("PYTHON")).toEqual(["ide/jupyter-python", "jupyter-notebook", "ide/vscode-python"]);
    expect(found("jupyter chart")).toEqual(["ide/jupyter-python"]);
    expect(found("a propos static")).toEqual(["static-site"]);
    expect(found("html")).toEqual(["static-site"]);
    expect(found("notebook")).toEqual(["jupyter-notebook"]);
    expect(found("rstudio")).toEqual([]);
  });
});
