import { describe, expect, it } from "vitest";
import { NotFoundError } from "../errors.js";
import type { TemplateCatalog } from "../ports/template-catalog.js";
import { webWithDatabase } from "../testing/fixtures.js";
import { createCatalogService } from "./service.js";

const catalog: TemplateCatalog = {
  list: async () => [webWithDatabase],
  get: async (id) => (id === webWithDatabase.spec.id ? webWithDatabase : undefined),
};

describe("catalog service", () => {
  it("summarizes every template: its texts, category, sizes by name and no documentation when none", async () => {
    const [summary] = await createCatalogService(catalog).list();
    expect(summary).toEqual({
      id: "web-db",
      version: "1.2.3",
      title: { en: "Web and database", fr: "Web et base" },
      description: { en: "Test template", fr: "Modèle de test" },
      category: "web-hosting",
      tags: [],
      sizes: ["small", "large"],
      documentation: null,
      s3: false,
    });
  });

  it("says whether a template can be attached to a bucket: it declares `s3`", async () => {
    const withS3 = { ...webWithDatabase, spec: { ...webWithDatabase.spec, s3: {} } };
    const [summary] = await createCatalogService({ list: async () => [withS3], get: async () => withS3 }).list();
    expect(summary?.s3).toBe(true);
  });

  it("details a template: its values schema, components, and what each size reserves, all components together", async () => {
    const detail = await createCatalogService(catalog).get("web-db");
    expect(detail.components).toEqual(["main", "db"]);
    expect(detail.valuesSchema).toBe(webWithDatabase.valuesSchema);
    // small: 100m + 100m, 128Mi + 256Mi; large: 1 + 1 cores, 1Gi + 2Gi, one GPU.
    expect(detail.presets).toEqual({ small: { cpu: 0.2, memoryGiB: 0.375, gpu: 0 }, large: { cpu: 2, memoryGiB: 3, gpu: 1 } });
  });

  it("knows an unknown template as not found", async () => {
    await expect(createCatalogService(catalog).get("nothing")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("gives a copy of the tags, never the template's own list", async () => {
    const tagged = { ...webWithDatabase, spec: { ...webWithDatabase.spec, tags: ["db"] } };
    const service = createCatalogService({ list: async () => [tagged], get: async () => tagged });
    const [summary] = await service.list();
    summary?.tags.push("changed");
    expect(tagged.spec.tags).toEqual(["db"]);
    expect((await service.get("web-db")).tags).toEqual(["db"]);
  });
});
