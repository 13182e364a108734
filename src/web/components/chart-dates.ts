// The usage chart's dates in the reader's language (uPlot writes them in American English otherwise).

/**
 * uPlot's date templates (`{h}:{mm}{aa}`, `{M}/{D}`, `{YYYY}`, lines split by `\n`) said with Intl
 * in the reader's language: each line shows the parts its template names.
 */
export function dateFormatter(language: string): (template: string) => (date: Date) => string {
  return (template) => {
    const lines = template.split("\n").map((line) => {
      const options: Intl.DateTimeFormatOptions = {
        ...(/\{[hH]/.test(line) ? { hour: "2-digit", minute: "2-digit" } : {}),
        ...(/\{D/.test(line) ? { day: "numeric" } : {}),
        ...(/\{M(?!M*m)/.test(line) ? { month: "short" } : {}),
        ...(/\{YY/.test(line) ? { year: "numeric" } : {}),
      };
      return line.trim() === "" ? undefined : new Intl.DateTimeFormat(language === "fr" ? "fr-FR" : "en-GB", options);
    });
    return (date) => lines.map((format) => (format ? format.format(date) : "")).join("\n");
  };
}
