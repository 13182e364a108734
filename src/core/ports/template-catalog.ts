import type { Template } from "../catalog/template.js";

export interface TemplateCatalog {
  list(): Promise<Template[]>;
  get(id: string): Promise<Template | undefined>;
}
