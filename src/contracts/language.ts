// The language of what Plateau writes for a person, French or English, read from what their
// browser asks: one reading for the portal's API answers, the server's own pages and the
// embedded sign-in. This file imports nothing, so the portal may use it at run time.

export type Language = "fr" | "en";

/**
 * French when the person prefers it to English, English otherwise: the OpenID `ui_locales`
 * parameter first (the relying party's explicit choice), then `Accept-Language` by weight
 * (`q`, 1 when absent; 0 means "not this one"); for equal weights the range listed first
 * wins, as browsers list them by preference.
 */
export function preferredLanguage(acceptLanguage: string | undefined, uiLocales?: unknown): Language {
  if (typeof uiLocales === "string") {
    for (const tag of uiLocales.split(" ")) {
      const primary = tag.split("-")[0]?.toLowerCase();
      if (primary === "fr" || primary === "en") return primary;
    }
  }
  const preferences = (acceptLanguage ?? "").split(",").flatMap((part, position): { language: Language; weight: number; position: number }[] => {
    const [range = "", ...parameters] = part.trim().split(";");
    const primary = range.trim().split("-")[0]?.toLowerCase();
    if (primary !== "fr" && primary !== "en") return [];
    const q = parameters.map((p) => /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    const weight = q === undefined ? 1 : Number(q);
    return Number.isFinite(weight) && weight > 0 ? [{ language: primary, weight, position }] : [];
  });
  preferences.sort((a, b) => b.weight - a.weight || a.position - b.position);
  return preferences[0]?.language ?? "en";
}
