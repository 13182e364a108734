import { describe, expect, it } from "vitest";
import { issuesOf } from "../testing/fixtures.js";
import { catalogVisibleTo, checkHelmCatalogConfigs, durationMs, localizedText, parseHelmCatalogConfig, type HelmCatalogConfig } from "./catalog-config.js";

const minimal = { id: "ide", location: "https://inseefrlab.github.io/helm-charts-interactive-services", name: "Interactive services" };
const withRestrictions = (...restrictions: { key: string; matches: string }[]): HelmCatalogConfig =>
  parseHelmCatalogConfig({ ...minimal, restrictions: restrictions.map((userAttribute) => ({ userAttribute })) });

describe("HelmCatalogConfigSchema", () => {
  it("gives Onyxia's defaults", () => {
    expect(parseHelmCatalogConfig(minimal)).toEqual({
      ...minimal,
      description: "",
      status: "PROD",
      highlightedCharts: [],
      excludedCharts: [],
      multipleServicesMode: "latest",
      maxNumberOfVersions: 5,
      visible: { user: true, project: true },
      restrictions: [],
      timeout: "30s",
      skipTlsVerify: false,
    });
  });

  it("takes a name per language or one for all", () => {
    expect(parseHelmCatalogConfig({ ...minimal, name: { en: "Services", fr: "Services interactifs" } }).name).toEqual({
      en: "Services",
      fr: "Services interactifs",
    });
    expect(issuesOf(() => parseHelmCatalogConfig({ ...minimal, name: { en: "Services" } }, "/catalogs/0"))[0]?.pointer).toMatch(/^\/catalogs\/0\/name/);
    expect(localizedText({ en: "Services", fr: "Services interactifs" }, "fr")).toBe("Services interactifs");
    expect(localizedText("Services", "fr")).toBe("Services");
  });

  it("refuses unknown fields and bad values, by pointer", () => {
    expect(issuesOf(() => parseHelmCatalogConfig({ ...minimal, colour: "red" }, "/catalogs/2"))).toEqual(
      expect.arrayContaining([expect.objectContaining({ pointer: "/catalogs/2", rule: "additionalProperties" })]),
    );
    expect(issuesOf(() => parseHelmCatalogConfig({ ...minimal, multipleServicesMode: "some" }, "/catalogs/0"))[0]?.pointer).toBe(
      "/catalogs/0/multipleServicesMode",
    );
    expect(issuesOf(() => parseHelmCatalogConfig({ ...minimal, location: "file:///etc" }, "/catalogs/0"))[0]?.pointer).toBe("/catalogs/0/location");
    expect(issuesOf(() => parseHelmCatalogConfig({ ...minimal, timeout: "soon" }, "/catalogs/0"))[0]?.pointer).toBe("/catalogs/0/timeout");
  });

  it("names an invalid regular expression by its place in the configuration", () => {
    const good = parseHelmCatalogConfig(minimal);
    const bad = { ...parseHelmCatalogConfig({ ...minimal, id: "other" }), restrictions: [{ userAttribute: { key: "groups", matches: "lab-(" } }] };
    expect(issuesOf(() => checkHelmCatalogConfigs([good, bad]))).toEqual([
      expect.objectContaining({ pointer: "/catalogs/1/restrictions/0/userAttribute/matches", rule: "regex" }),
    ]);
    expect(issuesOf(() => parseHelmCatalogConfig({ ...minimal, restrictions: [{ userAttribute: { key: "groups", matches: "[" } }] }, "/catalogs/3"))).toEqual([
      expect.objectContaining({ pointer: "/catalogs/3/restrictions/0/userAttribute/matches", rule: "regex" }),
    ]);
  });

  it("refuses two catalogs with one id", () => {
    expect(issuesOf(() => checkHelmCatalogConfigs([parseHelmCatalogConfig(minimal), parseHelmCatalogConfig(minimal)]))).toEqual([
      expect.objectContaining({ pointer: "/catalogs/1/id", rule: "uniqueItems" }),
    ]);
  });

  it("reads durations as Go writes them", () => {
    expect(durationMs("30s")).toBe(30_000);
    expect(durationMs("1m30s")).toBe(90_000);
    expect(durationMs("500ms")).toBe(500);
    expect(durationMs("1.5h")).toBe(5_400_000);
  });
});

describe("catalogVisibleTo", () => {
  it("shows a catalog without restrictions to everyone", () => {
    expect(catalogVisibleTo(parseHelmCatalogConfig(minimal), {})).toBe(true);
  });

  it("matches a string claim as a whole, as java.util.regex matches() does", () => {
    const config = withRestrictions({ key: "groups", matches: "lab-[a-z]+" });
    expect(catalogVisibleTo(config, { groups: "lab-imb" })).toBe(true);
    expect(catalogVisibleTo(config, { groups: "lab-imb-admins" })).toBe(false);
    expect(catalogVisibleTo(config, { groups: "x-lab-imb" })).toBe(false);
    // alternatives stay within the anchors
    expect(catalogVisibleTo(withRestrictions({ key: "groups", matches: "a|b" }), { groups: "ab" })).toBe(false);
  });

  it("needs one item of a list claim to match", () => {
    const config = withRestrictions({ key: "groups", matches: "gpu-users" });
    expect(catalogVisibleTo(config, { groups: ["lab-imb", "gpu-users"] })).toBe(true);
    expect(catalogVisibleTo(config, { groups: ["lab-imb"] })).toBe(false);
    expect(catalogVisibleTo(config, { groups: [42, { name: "gpu-users" }] })).toBe(false);
  });

  it("compares a boolean claim with the expression as written", () => {
    const config = withRestrictions({ key: "email_verified", matches: "true" });
    expect(catalogVisibleTo(config, { email_verified: true })).toBe(true);
    expect(catalogVisibleTo(config, { email_verified: false })).toBe(false);
    expect(catalogVisibleTo(withRestrictions({ key: "email_verified", matches: "TRUE" }), { email_verified: true })).toBe(true);
  });

  it("fails a missing claim, and needs every restriction", () => {
    const config = withRestrictions({ key: "groups", matches: "lab-imb" }, { key: "realm_access.roles", matches: "gpu" });
    expect(catalogVisibleTo(config, { groups: ["lab-imb"] })).toBe(false);
    expect(catalogVisibleTo(config, { groups: ["lab-imb"], realm_access: { roles: ["gpu"] } })).toBe(true);
    expect(catalogVisibleTo(config, { groups: ["lab-lmbp"], realm_access: { roles: ["gpu"] } })).toBe(false);
    expect(catalogVisibleTo(config, { groups: ["lab-imb"], realm_access: { roles: ["gpu"] }, constructor: "x" })).toBe(true);
  });

  it("shows a catalog only where it is visible", () => {
    const config = parseHelmCatalogConfig({ ...minimal, visible: { project: false } });
    expect(config.visible).toEqual({ user: true, project: false });
    expect(catalogVisibleTo(config, {}, "user")).toBe(true);
    expect(catalogVisibleTo(config, {}, "project")).toBe(false);
    expect(catalogVisibleTo(config, {})).toBe(true);
  });
});
