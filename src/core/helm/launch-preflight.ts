// Before a chart launch is committed: the chart rendered as Argo CD will render it (`helm
// template`, the ChartRenderer port), and what it creates checked against the platform —
// the project's AppProject, Pod Security, the project's LimitRange, the pool placement chose
// (preflight.ts) — and that the only secret references are the instance's own placeholders
// (secret-placeholders.ts). A chart that would be refused on the cluster is refused here, naming the
// object, the rule and what to change, and nothing is committed.
import { ConflictError } from "../errors.js";
import type { PlatformDocument, RenderedInstance } from "../model.js";
import type { ChartRenderer, RenderedObject } from "../ports/chart-renderer.js";
import { INSTANCE_KINDS } from "../render/argocd.js";
import { CLAIMS_PER_INSTANCE, limitRangeRules, PODS_PER_INSTANCE } from "../render/project-bundle.js";
import { podSecurityLevelOf, preflight, type Finding, type PreflightPool } from "./preflight.js";
import { renderedInstance } from "./rendered-instance.js";

/** Quotas are counted by tenancy when the launch is committed (with what the rendered pods ask); the preflight checks what only the rendered objects tell. */
const UNCOUNTED = { cpu: Infinity, memoryGiB: Infinity, gpu: Infinity, instances: Infinity, storageGiB: Infinity };

export interface LaunchPreflight {
  readonly renderer: ChartRenderer;
  readonly archive: Uint8Array;
  /** `<catalog>/<chart>` and version, for messages. */
  readonly chart: string;
  readonly release: string;
  readonly project: string;
  readonly values: Readonly<Record<string, unknown>>;
  readonly platform: PlatformDocument;
  /** The pool placement chose for the chart's pod (absent: the platform declares none). */
  readonly pool?: string;
}

/**
 * Helm's test hooks (`helm test`: the library chart's test-connection Pod) are not applied by
 * Argo CD, which treats every `helm.sh/hook` object as a hook and has no phase for `test`
 * (Argo CD's Helm documentation: test-success and test-failure are not supported).
 */
export const isTestHook = (object: RenderedObject): boolean =>
  /(^|,)\s*test(-success|-failure)?\s*(,|$)/.test(String((object.metadata as { annotations?: Record<string, unknown> }).annotations?.["helm.sh/hook"] ?? ""));

/** The findings of a launch's chart on its platform; empty when the cluster would take it. */
export async function launchFindings(input: LaunchPreflight): Promise<Finding[]> {
  return (await checkLaunch(input)).findings;
}

/** The chart rendered for the launch, and what the platform would refuse of it. */
async function checkLaunch(input: LaunchPreflight): Promise<{ findings: Finding[]; objects: readonly RenderedObject[] }> {
  const { platform } = input;
  const rendered = await input.renderer.render({
    archive: input.archive,
    releaseName: input.release,
    // Each project deploys in its own namespace, named after it (the AppProject's destination).
    namespace: input.project,
    values: input.values,
    apiVersions: platform.spec.flavour === "openshift" ? ["route.openshift.io/v1"] : [],
  });
  const declared = (platform.spec.pools ?? []).find((pool) => pool.name === input.pool);
  const pool: PreflightPool = declared ?? { name: "default", labels: {}, taints: [] };
  const findings = preflight(
    rendered.objects.filter((object) => !isTestHook(object)),
    {
      namespace: input.project,
      allowedKinds: INSTANCE_KINDS,
      podSecurity: podSecurityLevelOf(platform),
      limitRange: limitRangeRules(),
      left: { project: UNCOUNTED },
      perInstance: { pods: PODS_PER_INSTANCE, claims: CLAIMS_PER_INSTANCE },
      pool,
      pools: platform.spec.pools ?? [],
      // What argocd-vault-plugin would replace must be the instance's own placeholders (ADR 0022).
      instance: input.release,
    },
  );
  return { findings, objects: rendered.objects.filter((object) => !isTestHook(object)) };
}

/**
 * Refuses the launch when the rendered chart would be refused on its platform; otherwise what
 * its objects ask and its address, for the intent (`spec.rendered`: quotas count it).
 */
export async function assertLaunchable(input: LaunchPreflight): Promise<RenderedInstance> {
  const { findings, objects } = await checkLaunch(input);
  // Counted with the LimitRange's defaults, as the preflight checks and the cluster's quota counts.
  if (findings.length === 0) return renderedInstance(objects, { defaults: limitRangeRules(), domain: input.platform.spec.domain });
  const listed = findings.map((finding) => `${finding.message} [${finding.rule}] — ${finding.fix}`);
  throw new ConflictError(`${input.chart} would be refused on platform ${input.platform.metadata.name}: ${listed.join("; ")}`, {
    reason: "chart-refused",
    params: {
      chart: input.chart,
      platform: input.platform.metadata.name,
      rule: findings[0]?.rule ?? "",
      object: findings[0]?.object ?? "",
      count: findings.length,
    },
  });
}
