// Rendering a Helm chart exactly as Argo CD's repo-server does (`helm template`), so that
// Plateau can check what a chart creates before it commits the Application that deploys it.
import type { RenderedObject } from "../helm/rendered.js";

export type { RenderedObject } from "../helm/rendered.js";

export interface ChartRenderRequest {
  /** The chart's archive (`.tgz`) as fetched from its repository; Onyxia's charts carry their dependencies under `charts/`. */
  readonly archive: Uint8Array;
  /** Extra dependency archives (`.tgz`), placed in the chart's `charts/` folder, for charts packed without them. */
  readonly dependencies?: readonly Uint8Array[];
  /** The release name: the instance's name, as in the Application's `helm.releaseName`. */
  readonly releaseName: string;
  readonly namespace: string;
  /** The values Argo CD will pass (the committed values merged with the platform's own). */
  readonly values: Readonly<Record<string, unknown>>;
  /**
   * API versions the platform offers beyond Kubernetes' built-in ones (e.g.
   * `route.openshift.io/v1` on OpenShift), as Argo CD passes its cluster's: charts that test
   * `.Capabilities.APIVersions` choose as they would there.
   */
  readonly apiVersions?: readonly string[];
  /** The platform's Kubernetes version (e.g. `1.31.0`); Helm's own default when absent. */
  readonly kubeVersion?: string;
}

export interface RenderedChart {
  /** The chart's `name-version`, for messages. */
  readonly chart: string;
  /** The objects in Helm's order, empty documents dropped. */
  readonly objects: readonly RenderedObject[];
}

export interface ChartRenderer {
  /**
   * Renders a chart. A chart that Helm refuses is an error of src/core/errors.ts naming the
   * chart and Helm's message: values refused by values.schema.json an InputError (one issue
   * per field), a failing template a ConflictError, Helm not runnable an UnavailableError.
   */
  render(request: ChartRenderRequest): Promise<RenderedChart>;
}
