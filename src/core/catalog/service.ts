// The catalog as users browse it.
import { NotFoundError } from "../errors.js";
import type { TemplateCatalog } from "../ports/template-catalog.js";
import { cpuCores, gibibytes } from "../tenancy/quota.js";
import type { Template } from "./template.js";

export interface TemplateSummary {
  readonly id: string;
  readonly version: string;
  readonly title: { readonly en: string; readonly fr: string };
  readonly description: { readonly en: string; readonly fr: string };
  readonly category: string;
  readonly tags: string[];
  readonly sizes: string[];
  readonly documentation: string | null;
  /** Whether an instance of it can be attached to a bucket (ADR 0031). */
  readonly s3: boolean;
}

export interface TemplateDetail extends TemplateSummary {
  /** The JSON Schema (draft 7) of the values: launch forms are generated from it. */
  readonly valuesSchema: Readonly<Record<string, unknown>>;
  readonly components: string[];
  /** What each size preset reserves while running, all components together: what a launch form shows beside each size. */
  readonly presets: Record<string, { readonly cpu: number; readonly memoryGiB: number; readonly gpu: number }>;
}

/** Sums of binary quantities are exact; rounding only removes decimal noise (0.1 + 0.2). */
const round = (value: number): number => Math.round(value * 1e6) / 1e6;

function presetsOf(template: Template): TemplateDetail["presets"] {
  const presets: Record<string, { cpu: number; memoryGiB: number; gpu: number }> = {};
  for (const [size, perComponent] of Object.entries(template.spec.sizes)) {
    let cpu = 0;
    let memoryGiB = 0;
    let gpu = 0;
    for (const resources of Object.values(perComponent)) {
      cpu += cpuCores(resources.cpu);
      memoryGiB += gibibytes(resources.memory);
      gpu += resources.gpu ?? 0;
    }
    presets[size] = { cpu: round(cpu), memoryGiB: round(memoryGiB), gpu };
  }
  return presets;
}

const summarize = (template: Template): TemplateSummary => ({
  id: template.spec.id,
  version: template.spec.version,
  title: template.spec.title,
  description: template.spec.description,
  category: template.spec.category,
  tags: [...(template.spec.tags ?? [])],
  sizes: Object.keys(template.spec.sizes),
  documentation: template.spec.documentation ?? null,
  s3: template.spec.s3 !== undefined,
});

/** The built-in templates as people browse them. */
export interface CatalogService {
  /** Every template, summarized, in the catalog's order. */
  list(): Promise<TemplateSummary[]>;
  /** One template with its values schema, components and presets; a NotFoundError when unknown. */
  get(id: string): Promise<TemplateDetail>;
}

export function createCatalogService(catalog: TemplateCatalog): CatalogService {
  return {
    async list(): Promise<TemplateSummary[]> {
      return (await catalog.list()).map(summarize);
    },
    async get(id: string): Promise<TemplateDetail> {
      const template = await catalog.get(id);
      if (!template) throw new NotFoundError("template", id);
      return {
        ...summarize(template),
        valuesSchema: template.valuesSchema,
        components: template.spec.components.map((component) => component.name),
        presets: presetsOf(template),
      };
    },
  };
}
