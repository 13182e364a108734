import { describe, expect, it } from "vitest";
import { preferredLanguage } from "./language.js";

describe("the language a person prefers", () => {
  it("picks French only when the browser prefers it, by weight, then by order", () => {
    expect(preferredLanguage("fr")).toBe("fr");
    expect(preferredLanguage("fr-CA,en;q=0.5")).toBe("fr");
    expect(preferredLanguage("en-US,en;q=0.9,fr;q=0.8")).toBe("en");
    expect(preferredLanguage("de-DE,fr;q=0.7,en;q=0.3")).toBe("fr");
    expect(preferredLanguage("en, fr")).toBe("en");
    expect(preferredLanguage(undefined)).toBe("en");
    // Weights the three former readers disagreed on: a later, heavier range; q=0 refuses a language; "frisian" is not French.
    expect(preferredLanguage("en;q=0.2, fr;q=0.9")).toBe("fr");
    expect(preferredLanguage("fr;q=0, en;q=0.1")).toBe("en");
    expect(preferredLanguage("fy, fr;q=0.5")).toBe("fr");
    expect(preferredLanguage("frr")).toBe("en");
  });

  it("takes the relying party's ui_locales before the browser's header", () => {
    expect(preferredLanguage("en", "fr-FR")).toBe("fr");
    expect(preferredLanguage("fr", "de en")).toBe("en");
    expect(preferredLanguage("fr", 42)).toBe("fr");
  });
});
