import { describe, expect, it } from "vitest";
import { dateFormatter } from "./chart-dates.js";

const at = new Date("2026-12-06T13:05:00Z");

describe("the chart's dates", () => {
  it("say what uPlot's templates name, in the reader's language", () => {
    const en = dateFormatter("en");
    const fr = dateFormatter("fr");
    // Times in the browser's zone: compared with Intl's own answer for that zone.
    const time = (language: string) => new Intl.DateTimeFormat(language, { hour: "2-digit", minute: "2-digit" }).format(at);
    expect(en("{h}:{mm}{aa}")(at)).toBe(time("en-GB"));
    expect(fr("{M}/{D}")(at)).toBe(new Intl.DateTimeFormat("fr-FR", { day: "numeric", month: "short" }).format(at));
    expect(en("{YYYY}")(at)).toBe("2026");
    expect(fr("{h}:{mm}{aa}\n{M}/{D}/{YY}")(at).split("\n")).toHaveLength(2);
  });
});
