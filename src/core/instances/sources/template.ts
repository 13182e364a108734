// Built-in templates as a source of instances (catalog/<id>/, ADR 6): Plateau renders their
// objects itself, resolves and checks values against the template's schema, counts what the
// rendered pods and volumes ask, and stops an instance by rendering it stopped.
import { restoreChanges } from "../../render/velero.js";
import { createHash } from "node:crypto";
import { catalogRegistries, checkImageValues } from "../../catalog/images.js";
import type { Template } from "../../catalog/template.js";
import { resolveValues } from "../../catalog/values.js";
import { NotFoundError } from "../../errors.js";
import { localPlatformDocument } from "../../platforms/service.js";
import { renderInstance, toManifestFiles } from "../../render/render.js";
import { validateObjects } from "../../render/validate.js";
import { renderedInstanceDir } from "../../repository/layout.js";
import { largestPod, resourcesOf, ZERO, type Resources } from "../../tenancy/quota.js";
import type { InstanceAddress } from "../types.js";
import type { PlacedInstance } from "../../tenancy/service.js";
import type { InstanceSource, InstanceSourceFactory, Values } from "./source.js";

/** Resources do not depend on the platform: any document renders what an instance asks. */
const ASKS_PLATFORM = localPlatformDocument("placement.invalid");
/** How many measures of placed instances are remembered (by template, version, state and values). */
const PLACED_CACHE_SIZE = 5000;

export const templateSource = ((deps) => {
  let catalogImageRegistries: Promise<readonly string[]> | undefined;
  /** Values that would make a platform pull from anywhere are refused before anything is committed. */
  async function checkImages(template: Template, values: Values): Promise<Values> {
    const registries = deps.imageRegistries ?? (await (catalogImageRegistries ??= deps.catalog.list().then(catalogRegistries)));
    checkImageValues(template, values, registries);
    return values;
  }

  const address = (at: InstanceAddress): string => deps.urlOf(at);

  // What a placed instance asks depends only on its template's version, its values and state: cache by those.
  const placedCache = new Map<string, Resources>();
  async function placedAsks(instance: PlacedInstance): Promise<Resources> {
    const template = await deps.catalog.get(instance.template);
    // A template removed from the catalog: its instances still hold their place and nothing we can measure.
    if (!template) return { ...ZERO, instances: 1 };
    const key = createHash("sha256")
      .update(JSON.stringify([template.spec.id, template.spec.version, instance.state, instance.values]))
      .digest("base64url");
    const cached = placedCache.get(key);
    if (cached) return cached;
    let resources: Resources;
    try {
      const objects = renderInstance({
        template,
        values: instance.values,
        project: instance.project,
        instance: instance.name,
        state: instance.state,
        platform: ASKS_PLATFORM,
        url: "http://quota.invalid/",
      });
      resources = resourcesOf(objects, instance.state === "running");
    } catch {
      // Values the current template refuses (written by an older version): count the place only.
      resources = { ...ZERO, instances: 1 };
    }
    if (placedCache.size >= PLACED_CACHE_SIZE) placedCache.delete(placedCache.keys().next().value as string);
    placedCache.set(key, resources);
    return resources;
  }

  function source(template: Template): InstanceSource {
    return {
      kind: "template",
      id: template.spec.id,
      ...(template.spec.s3 ? { bucketUse: "env" as const } : {}),
      placement: {},
      launchValues: ({ request }) => checkImages(template, resolveValues(template, request.values ?? {})),
      placed: async (_launch, values) => ({ template: template.spec.id, templateVersion: template.spec.version, values }),
      asks(values, at) {
        const objects = renderInstance({
          template,
          values,
          project: at.project,
          instance: at.name,
          state: "running",
          platform: ASKS_PLATFORM,
          url: "http://placement.invalid/",
        });
        return { total: resourcesOf(objects, true), largestPod: largestPod(objects) };
      },
      render(intent, platform) {
        const { project, name } = intent.metadata;
        const objects = renderInstance({
          template,
          values: intent.spec.values,
          project,
          instance: name,
          state: intent.spec.state,
          platform,
          url: address({ platform: platform.metadata.name, domain: platform.spec.domain, project, instance: name }),
          ...(intent.spec.bucket ? { bucket: intent.spec.bucket } : {}),
        });
        // Its volumes restored from a backup before it starts (ADR 0034).
        const restore = restoreChanges(intent, platform);
        objects.push(...restore.objects);
        validateObjects(objects, deps.crds);
        const dir = renderedInstanceDir(platform.metadata.name, project, name);
        return {
          changes: [
            { path: dir, remove: true },
            ...toManifestFiles(objects).map((file) => ({ path: `${dir}/${file.name}`, content: file.content })),
            ...restore.changes,
          ],
          asks: resourcesOf(objects, intent.spec.state === "running"),
        };
      },
      // Rendered stopped, its pods scale to zero and its volumes stay.
      onExpiry: () => "stop",
      // Lifecycle changes re-render with the catalog's current version. Starting pulls images
      // again: an instance from before the allow-list may not start with a refused one (stopping always works).
      async withState(spec, state) {
        const values = resolveValues(template, spec.values);
        return { templateVersion: template.spec.version, values: state === "running" ? await checkImages(template, values) : values };
      },
      moved: async (spec) => ({ templateVersion: template.spec.version, values: await checkImages(template, resolveValues(template, spec.values)) }),
      address,
    };
  }

  return {
    kind: "template",
    // Built-in template ids are what no other source claims: this kind is registered last.
    claims: () => true,
    async open(id) {
      const found = await deps.catalog.get(id);
      if (!found) throw new NotFoundError("template", id);
      return source(found);
    },
    renderedDir: renderedInstanceDir,
    placedAsks,
  };
}) satisfies InstanceSourceFactory;
