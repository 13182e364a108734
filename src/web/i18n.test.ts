import { describe, expect, it } from "vitest";
import { browserLanguage, common, format, formatAgo } from "./i18n.js";

describe("the portal's languages", () => {
  it("prefers the first of the browser's languages that is French or English", () => {
    expect(browserLanguage(["fr-FR", "en"])).toBe("fr");
    expect(browserLanguage(["de-DE", "en-GB", "fr"])).toBe("en");
    expect(browserLanguage(["de", "fr-CA"])).toBe("fr");
    expect(browserLanguage(["de"])).toBe("en");
    expect(browserLanguage([])).toBe("en");
  });

  it("fills named parameters and leaves unknown ones visible", () => {
    expect(format("Signed in as {login}", { login: "alice" })).toBe("Signed in as alice");
    expect(format("{count} more, {missing}", { count: 3 })).toBe("3 more, {missing}");
  });

  it("says how long ago in the user's language", () => {
    const now = Date.parse("2026-11-25T10:00:00Z");
    expect(formatAgo("2026-11-25T09:57:00Z", "en", now)).toBe("3 minutes ago");
    expect(formatAgo("2026-11-25T09:57:00Z", "fr", now)).toBe("il y a 3 minutes");
    expect(formatAgo("2026-11-23T10:00:00Z", "fr", now)).toBe("avant-hier");
  });

  it("has every common message in both languages, none empty", () => {
    expect(Object.keys(common.fr).sort()).toEqual(Object.keys(common.en).sort());
    for (const language of ["en", "fr"] as const) for (const [key, text] of Object.entries(common[language])) expect(text, `${language}.${key}`).not.toBe("");
  });
});
