// Charts of Helm catalogs as a source of instances (`<catalog>/<chart>`, Onyxia-compatible):
// Plateau renders an Argo CD Application naming the chart, its version and values, and Argo
// CD renders the chart. What it asks is read from its values (helm/resources.ts); it stops
// with Onyxia's `global.suspend` (scaled to zero, volumes kept), and a chart without it cannot
// be stopped, only removed (so it does not expire).
import { ConflictError, NotFoundError } from "../../errors.js";
import { isChartReference, parseChartReference, type ChartReference } from "../../helm/chart-reference.js";
import { helmResources } from "../../helm/resources.js";
import type { PlatformDocument } from "../../model.js";
import { argoSettingsOf } from "../../projects/argocd-bootstrap.js";
import { generateName } from "../../names.js";
import { renderHelmApplication } from "../../render/argocd.js";
import { toManifestFiles } from "../../render/render.js";
import { validateObjects } from "../../render/validate.js";
import { renderedHelmInstanceDir } from "../../repository/layout.js";
import type { InstanceSource, InstanceSourceFactory, SourceDeps, SourceLaunch, Values } from "./source.js";

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

export const helmChartSource = ((deps) => {
  /** Who launches a chart, and where (for its form's computed defaults). */
  function chartContext({ request, requester }: SourceLaunch, platform?: PlatformDocument) {
    return {
      viewer: request.viewer ?? { login: requester.login, groups: [], labs: [], operator: false },
      context: {
        login: requester.login,
        project: request.project,
        lang: request.lang ?? "en",
        randomSubdomain: generateName((n) => deps.random.int(n)),
        ...(request.name ? { release: request.name } : {}),
        ...(platform ? { platform } : {}),
      },
    };
  }

  function source(id: string, reference: ChartReference, repository: string, helm: NonNullable<SourceDeps["helm"]>): InstanceSource {
    return {
      kind: "helm-chart",
      id,
      placement: { helm: true },
      // The chart's defaults with the person's values over them, checked once placed.
      launchValues(launch) {
        const { viewer, context } = chartContext(launch);
        return helm.defaults(reference, viewer, context, launch.request.values, launch.request.version);
      },
      // The form again, now that the platform is known (its domain, ingress class…), and the values checked against it.
      async placed(launch, _values, platform) {
        const { viewer, context } = chartContext(launch, platform);
        const prepared = await helm.prepare(reference, viewer, context, launch.request.values, launch.request.version);
        return { template: id, templateVersion: prepared.version.version, values: prepared.values };
      },
      asks: (values) => helmResources(values, true),
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
          changes: [{ path: dir, remove: true }, ...toManifestFiles([application]).map((file) => ({ path: `${dir}/${file.name}`, content: file.content }))],
          asks: helmResources(intent.spec.values, intent.spec.state === "running").total,
        };
      },
      stoppable: suspendable,
      // A chart keeps its version through stops and starts.
      withState: async (spec, state, ref) => ({ values: suspended(spec.values, state !== "running", ref) }),
      // The person's own values: what the old platform's region resolved (node selector, tolerations, hosts, custom values) is resolved again on the new one by placed.
      async moved(spec, move) {
        if (!move) return { values: spec.values };
        const { viewer, context } = chartContext(move.launch, move.from);
        const own = await helm.ownValues(reference, viewer, context, spec.values, spec.templateVersion);
        return { values: own.values, templateVersion: own.version };
      },
      address: (at) => deps.urlOf(at),
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
    // A chart's values say what it asks (Argo CD renders the chart, not Plateau), whether or not its catalog is still configured.
    placedAsks: async (instance) => helmResources(instance.values, instance.state === "running").total,
  };
}) satisfies InstanceSourceFactory;
