// Built-in templates are data: catalog/<id>/template.yaml and values.schema.json.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { checkTemplate, type Template } from "../../core/catalog/template.js";
import type { TemplateCatalog } from "../../core/ports/template-catalog.js";
import { fromYaml } from "../../core/yaml.js";

/** Loads and checks every template of a directory once; a broken template stops start-up. */
export async function loadTemplates(dir: string): Promise<Template[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const templates: Template[] = [];
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const base = join(dir, entry.name);
    const spec = fromYaml(await readFile(join(base, "template.yaml"), "utf8"), `${entry.name}/template.yaml`);
    const schema: unknown = JSON.parse(await readFile(join(base, "values.schema.json"), "utf8"));
    const template = checkTemplate(spec, schema, `catalog/${entry.name}`);
    if (template.spec.id !== entry.name) throw new Error(`catalog/${entry.name}: id "${template.spec.id}" must match the directory name`);
    templates.push(template);
  }
  return templates;
}

export function createStaticCatalog(templates: readonly Template[]): TemplateCatalog {
  const byId = new Map(templates.map((template) => [template.spec.id, template]));
  return {
    list: async () => [...byId.values()],
    get: async (id) => byId.get(id),
  };
}

export async function createFileCatalog(params: { dir: string }): Promise<TemplateCatalog> {
  return createStaticCatalog(await loadTemplates(params.dir));
}
