// A Helm chart as an instance's template: `<catalog>/<chart>` (Onyxia's `catalogId/chartName`).
// Built-in template ids hold no slash, so the two never mix.
import { InputError } from "../errors.js";

export interface ChartReference {
  readonly catalog: string;
  readonly chart: string;
}

const REFERENCE = /^([a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?)\/([A-Za-z0-9][A-Za-z0-9._-]{0,252})$/;

export const isChartReference = (template: string): boolean => template.includes("/");

/** The catalog and chart of a template id, or an InputError naming `/template`. */
export function parseChartReference(template: string): ChartReference {
  const match = REFERENCE.exec(template);
  if (!match) throw InputError.field("/template", "chart-reference", `"${template}" is not <catalog>/<chart> (a catalog id, a slash and a chart name)`);
  return { catalog: match[1] as string, chart: match[2] as string };
}

export const chartReference = (reference: ChartReference): string => `${reference.catalog}/${reference.chart}`;
