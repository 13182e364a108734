// The CRDs of the controllers Plateau writes for are data in `schemas/` (see its README):
// read once at start-up, compiled lazily by src/core/render/crd-validate.ts.
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import type { CrdSchema } from "../../core/render/crd-validate.js";
import { fromYamlStream } from "../../core/yaml.js";

interface CrdDocument {
  kind?: unknown;
  spec?: {
    group?: unknown;
    names?: { kind?: unknown };
    versions?: { name?: unknown; served?: unknown; schema?: { openAPIV3Schema?: unknown } }[];
  };
}

/**
 * Every served version of every CRD in the `*-crd.yaml` files below `dir` (a file may hold
 * several documents), in a stable order. A file that is not what it claims stops start-up.
 */
export async function loadCrds(dir: string): Promise<CrdSchema[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((entry) => entry.isFile() && entry.name.endsWith("-crd.yaml"))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
  const crds: CrdSchema[] = [];
  for (const file of files) {
    const source = relative(dir, file);
    for (const document of fromYamlStream(await readFile(file, "utf8"), source)) {
      const crd = document as CrdDocument;
      if (crd.kind !== "CustomResourceDefinition") continue;
      const group = crd.spec?.group;
      const kind = crd.spec?.names?.kind;
      if (typeof group !== "string" || typeof kind !== "string" || !Array.isArray(crd.spec?.versions)) {
        throw new Error(`${source}: a CustomResourceDefinition without spec.group, spec.names.kind or spec.versions`);
      }
      for (const version of crd.spec.versions) {
        if (version.served !== true) continue;
        const schema = version.schema?.openAPIV3Schema;
        if (typeof version.name !== "string" || typeof schema !== "object" || schema === null) {
          throw new Error(`${source}: version ${String(version.name)} of ${kind} has no schema.openAPIV3Schema`);
        }
        crds.push({ group, version: version.name, kind, schema });
      }
    }
  }
  return crds;
}

/**
 * The operator's JSON Schemas for Helm charts (`x-onyxia.overwriteSchemaWith`): every `*.json`
 * below `dir`, named by its path under it with forward slashes (`ide/resources.json`).
 */
export async function loadJsonSchemas(dir: string): Promise<Record<string, unknown>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const schemas: Record<string, unknown> = {};
  for (const entry of entries.filter((candidate) => candidate.isFile() && candidate.name.endsWith(".json"))) {
    const file = join(entry.parentPath, entry.name);
    const name = relative(dir, file).split("\\").join("/");
    try {
      schemas[name] = JSON.parse(await readFile(file, "utf8"));
    } catch (error) {
      throw new Error(`helm.schemasDir: ${name} is not JSON (${(error as Error).message})`);
    }
  }
  return schemas;
}
