import { describe, expect, it } from "vitest";
import type { HelmChartForm, TemplateDetail } from "../../../contracts/api.js";
import { headingOf } from "./heading.js";

const template: TemplateDetail = {
  id: "jupyter-notebook",
  version: "1.0.0",
  title: { en: "Notebook", fr: "Carnet" },
  description: { en: "Python", fr: "Python (fr)" },
  category: "notebooks",
  tags: [],
  sizes: ["small"],
  documentation: "https://docs.example.org/nb",
  s3: true,
  valuesSchema: {},
  components: [],
  presets: {},
};
const chart = (home: string | null, icon: string | null): HelmChartForm => ({
  id: "ide/jupyter-python",
  catalog: "ide",
  chart: "jupyter-python",
  version: "1.0.0",
  versions: ["1.0.0"],
  title: "Jupyter",
  description: "A chart",
  icon,
  home,
  keywords: [],
  highlighted: false,
  category: "IDE",
  status: "PROD",
  valuesSchema: {},
  defaults: {},
});

describe("the launch page's heading", () => {
  it("says a template in the page's language", () => {
    expect(headingOf(template, "fr")).toEqual({
      title: "Carnet",
      description: "Python (fr)",
      documentation: "https://docs.example.org/nb",
      icon: null,
      removedOnExpiry: false,
    });
  });

  it("links a chart's home and shows its icon only over https", () => {
    expect(headingOf(chart("https://jupyter.org", "HTTPS://cdn.example.org/j.svg"), "en")).toMatchObject({
      documentation: "https://jupyter.org",
      icon: "HTTPS://cdn.example.org/j.svg",
    });
    expect(headingOf(chart("http://jupyter.org", "javascript:alert(1)"), "en")).toMatchObject({ documentation: null, icon: null });
    expect(headingOf(chart(null, null), "en")).toMatchObject({ title: "Jupyter", documentation: null, icon: null });
  });

  it("says when a chart cannot be stopped and its expiry removes it (ADR 24)", () => {
    expect(headingOf({ ...chart(null, null), stop: "remove-on-expiry" }, "en").removedOnExpiry).toBe(true);
    for (const stop of ["suspend", "replicas", undefined] as const)
      expect(headingOf({ ...chart(null, null), ...(stop ? { stop } : {}) }, "en").removedOnExpiry).toBe(false);
  });
});
