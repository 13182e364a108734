// Charts of Helm catalogs as a source of instances (`<catalog>/<chart>`, Onyxia-compatible):
// Plateau renders an Argo CD Application naming the chart, its version and values, and Argo
// CD renders the chart. What it asks and where it is reached are what the launch's rendering
// of the chart recorded in its intent (`spec.rendered`, ADR 0023), and, for an intent without
// it, its values' `resources` convention (helm/resources.ts) and the platform's address. It stops
// with Onyxia's `global.suspend` (scaled to zero, volumes kept), or else, as decided at its
// launch from what it renders (ADR 24, helm/stop-strategy.ts), by its replica values at 0; a
// chart that neither scales to zero cannot be stopped, and its expiry removes it. (Charts
// launched before ADR 24 without `global.suspend` recorded nothing: they do not expire.)
import { restoreChanges } from "../../render/velero.js";
import { ConflictError, InputError, NotFoundError } from "../../errors.js";
import { INSTANCE_S3_ACCESS_KEY_ID } from "../../buckets/key-store.js";
import { placeholderKeys } from "../../helm/secret-placeholders.js";
import { isChartReference, parseChartReference, type ChartReference } from "../../helm/chart-reference.js";
import { helmResources } from "../../helm/resources.js";
import { recordedAsks, renderedAddress } from "../../helm/rendered-instance.js";
import { scaledToZero, valueAt, withValueAt, type ChartStop } from "../../helm/stop-strategy.js";
import type { InstanceState, PlatformDocument, RenderedInstance } from "../../model.js";
import { argoSettingsOf } from "../../projects/argocd-bootstrap.js";
import { generateName } from "../../names.js";
import { expiryOf } from "../expiry.js";
import { renderHelmApplication } from "../../render/argocd.js";
import { toManifestFiles } from "../../render/render.js";
import { validateObjects } from "../../render/validate.js";
import type { Resources } from "../../tenancy/quota.js";
import { renderedHelmInstanceDir } from "../../repository/layout.js";
import type { InstanceSource, InstanceSourceFactory, InstanceSpec, SourceDeps, SourceLaunch, Values } from "./source.js";

/** Whether the chart's values can scale it to zero (Onyxia's charts declare `global.suspend`). */
export function suspendable(values: Values): boolean {
  const global = values.global;
  return typeof global === "object" && global !== null && !Array.isArray(global) && "suspend" in global;
}

/**
 * A chart stopped or started: Onyxia's charts scale to zero with `global.suspend` and keep
 * their volumes. A chart without it cannot be stopped, only removed.
 */
export function suspended(values: Values, suspend: boolean, ref: string): Values {
  if (!suspendable(values))
    throw new ConflictError(`${ref} is a Helm chart without global.suspend: it cannot be stopped, only removed`, {
      reason: "not-stoppable",
      params: { instance: ref },
    });
  return { ...values, global: { ...(values.global as object), suspend } };
}

/** What a chart instance counts against quotas: what its rendered pods asked when it was last rendered, else its values' convention. */
function chartAsks(spec: { readonly values: Values; readonly rendered?: RenderedInstance | undefined }, running: boolean): Resources {
  return spec.rendered ? recordedAsks(spec.rendered, running) : helmResources(spec.values, running).total;
}

/** What the intent records of how a chart stops: nothing for `global.suspend` (as before ADR 24). */
export function recordedStop(stop: ChartStop | undefined): Pick<InstanceSpec, "stop"> {
  if (stop?.by === "replicas") return { stop: { by: "replicas", paths: stop.paths.map((path) => [...path]) } };
  if (stop?.by === "remove-on-expiry") return { stop: { by: "remove-on-expiry", why: stop.why } };
  return {};
}

/**
 * A chart stopped or started by its replica values (ADR 24). Stopping commits every path at 0
 * and keeps in `stop.restore` what each was (a value, or none when the values did not hold
 * it: then from the first key they lacked); starting puts them back (a path without a value
 * is removed again, so the chart's default applies).
 */
export function scaled(spec: InstanceSpec, state: InstanceState): Partial<InstanceSpec> {
  const stop = spec.stop;
  if (stop?.by !== "replicas") throw new Error("scaled: the instance does not stop by replicas");
  if (state !== "running") {
    const restore = stop.paths.map((path) => {
      const value = valueAt(spec.values, path);
      if (value !== undefined) return { path: [...path], value };
      // Absent: from its first key the values lack, so that starting leaves no empty object behind.
      const missing = path.findIndex((_key, index) => valueAt(spec.values, path.slice(0, index + 1)) === undefined);
      return { path: path.slice(0, missing + 1) };
    });
    return { values: scaledToZero(spec.values, stop.paths), stop: { by: "replicas", paths: stop.paths, restore } };
  }
  const restore: readonly { readonly path: readonly string[]; readonly value?: unknown }[] = stop.restore ?? stop.paths.map((path) => ({ path }));
  const values = restore.reduce<Values>((result, { path, value }) => withValueAt(result, path, value), spec.values);
  return { values, stop: { by: "replicas", paths: stop.paths } };
}

export const helmChartSource = ((deps) => {
  /** Who launches a chart, and where (for its form's computed defaults). */
  function chartContext({ request, requester, bucket }: SourceLaunch, platform?: PlatformDocument) {
    return {
      viewer: request.viewer ?? { login: requester.login, groups: [], labs: [], operator: false },
      context: {
        login: requester.login,
        project: request.project,
        lang: request.lang ?? "en",
        randomSubdomain: generateName((n) => deps.random.int(n)),
        ...(request.name ? { release: request.name } : {}),
        ...(platform ? { platform } : {}),
        ...(bucket ? { bucket } : {}),
      },
    };
  }

  function source(id: string, reference: ChartReference, repository: string, helm: NonNullable<SourceDeps["helm"]>): InstanceSource {
    return {
      kind: "helm-chart",
      id,
      bucketUse: "chart",
      placement: { helm: true },
      // The chart's defaults with the person's values over them, checked once placed.
      launchValues(launch) {
        const { viewer, context } = chartContext(launch);
        return helm.defaults(reference, viewer, context, launch.request.values, launch.request.version);
      },
      // The form again, now that the platform is known (its domain, ingress class…), and the values checked against it.
      async placed(launch, _values, platform) {
        const { viewer, context } = chartContext(launch, platform);
        const release = launch.request.name;
        if (release === undefined) throw new Error("a chart is placed once its instance is named (its passwords refer to its Secret)");
        const prepared = await helm.prepare(reference, viewer, { ...context, release }, launch.request.values, launch.request.version);
        // A chart uses an attached bucket through `{{s3.*}}` (ADR 0031): one whose values read no key of it cannot.
        if (launch.bucket && !placeholderKeys(prepared.values, launch.request.project, release).includes(INSTANCE_S3_ACCESS_KEY_ID)) {
          throw InputError.field("/bucket", "s3-capability", `the chart ${id} cannot use a bucket: its values read no {{s3.AWS_ACCESS_KEY_ID}}`);
        }
        // How it will stop, decided now from what it renders and recorded in the intent (ADR 24).
        const stop = await helm.stopOf?.(reference, viewer, prepared.version.version, prepared.values, release);
        return {
          template: id,
          templateVersion: prepared.version.version,
          values: prepared.values,
          secrets: prepared.secrets,
          ...(prepared.rendered ? { rendered: prepared.rendered } : {}),
          ...recordedStop(stop),
        };
      },
      // Before the platform is known, the values' convention chooses where it goes (the preflight then checks the rendered pods fit the pool); once rendered, the record.
      asks: (values, _at, recorded) =>
        recorded ? { total: recordedAsks(recorded, true), largestPod: { ...recorded.largestPod } } : helmResources(values, true),
      render(intent, platform) {
        const { project, name } = intent.metadata;
        const argocd = argoSettingsOf(platform);
        if (!argocd)
          throw new ConflictError(`platform ${platform.metadata.name} has no Argo CD: it cannot run the Helm chart ${id}`, {
            reason: "platform-without-argocd",
            params: { platform: platform.metadata.name, chart: id },
          });
        const application = renderHelmApplication({
          platform,
          argocd,
          project,
          instance: name,
          chart: { repository, chart: reference.chart, version: intent.spec.templateVersion },
          values: intent.spec.values,
        });
        validateObjects([application], deps.crds);
        const dir = renderedHelmInstanceDir(platform.metadata.name, project, name);
        return {
          changes: [
            { path: dir, remove: true },
            ...toManifestFiles([application]).map((file) => ({ path: `${dir}/${file.name}`, content: file.content })),
            // Its volumes restored from a backup before Argo CD syncs it (ADR 0034): charts run on clusters only.
            ...restoreChanges(intent, platform).changes,
          ],
          asks: chartAsks(intent.spec, intent.spec.state === "running"),
        };
      },
      onExpiry: (spec) => expiryOf(spec.stop?.by, suspendable(spec.values)),
      // A chart keeps its version through stops and starts.
      async withState(spec, state, ref, at) {
        let changed: Partial<InstanceSpec>;
        if (spec.stop?.by === "replicas") changed = scaled(spec, state);
        else if (spec.stop?.by === "remove-on-expiry") {
          if (state !== "running")
            throw new ConflictError(`${ref} is a Helm chart that cannot be stopped, only removed (its expiry removes it): ${spec.stop.why}`, {
              reason: "not-stoppable",
              params: { instance: ref },
            });
          changed = {};
        } else changed = { values: suspended(spec.values, state !== "running", ref) };
        // A start runs it again: checked on its platform as it is now (its rules may have changed while it was stopped).
        if (state === "running" && at) {
          await helm.check?.(reference, spec.templateVersion, changed.values ?? spec.values, { platform: at.platform, project: at.project, release: at.name });
        }
        return changed;
      },
      // The person's own values: what the old platform's region resolved (node selector, tolerations, hosts, custom values) is resolved again on the new one by placed.
      async moved(spec, move) {
        // Without the move's context, its values go unchanged, so what their rendering recorded still holds.
        if (!move) return { values: spec.values, ...(spec.rendered ? { rendered: spec.rendered } : {}) };
        const { viewer, context } = chartContext(move.launch, move.from);
        const own = await helm.ownValues(reference, viewer, context, spec.values, spec.templateVersion);
        return { values: own.values, templateVersion: own.version };
      },
      // The host its Route or Ingress renders, none when it renders neither (a database); an intent without the record, the platform's.
      address: (at, spec) => (spec?.rendered ? renderedAddress(spec.rendered) : deps.urlOf(at)),
    };
  }

  return {
    kind: "helm-chart",
    // Built-in template ids hold no slash, so the two never mix.
    claims: isChartReference,
    async open(id) {
      const reference = parseChartReference(id);
      const repository = deps.helm?.repositoryOf(reference.catalog);
      if (!repository || !deps.helm) throw new NotFoundError("catalog", reference.catalog);
      return source(id, reference, repository, deps.helm);
    },
    renderedDir: renderedHelmInstanceDir,
    // What its rendering recorded (or its values' convention), whether or not its catalog is still configured: no chart is rendered again to count it.
    placedAsks: async (instance) => chartAsks(instance, instance.state === "running"),
  };
}) satisfies InstanceSourceFactory;
