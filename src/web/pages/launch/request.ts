// The launch as a request: the body asked about before confirming (where it would run, what it
// costs) and the one sent, and the key that says whether two of them are the same question.
import type { LaunchBody } from "../../../contracts/api.js";
import { path } from "../../api.js";
import type { Language } from "../../i18n.js";

/** A chart is named `<catalog>/<chart>`; a built-in template has no slash. */
export const isChart = (template: string): boolean => template.includes("/");

/** Where the form is read: a chart's depends on who launches where (its defaults read the project), and on the version. */
export function sourcePath(template: string, project: string, language: Language, version: string): string {
  if (!isChart(template)) return path`/templates/${template}`;
  const slash = template.indexOf("/");
  const query = new URLSearchParams({ project, lang: language, ...(version ? { version } : {}) });
  return `${path`/charts/${template.slice(0, slash)}/${template.slice(slash + 1)}`}?${query.toString()}`;
}

/** The name changes neither where it goes nor what it costs: it is left out of the question. */
export const placementBody = (template: string, version: string, values: Record<string, unknown>): LaunchBody => ({
  template,
  ...(isChart(template) && version ? { version } : {}),
  values,
});

/** The body sent: the question, and the name when one is given (Plateau chooses one otherwise). */
export const launchBody = (question: LaunchBody, name: string): LaunchBody => ({ ...question, ...(name ? { name } : {}) });

/** Equal for the same project and body, whatever object holds them. */
export const requestKey = (project: string, body: LaunchBody): string => JSON.stringify([project, body]);

/** The project and body a key was made of, as the request would send them. */
export const readRequestKey = (key: string): { project: string; body: LaunchBody } => {
  const [project, body] = JSON.parse(key) as [string, LaunchBody];
  return { project, body };
};
