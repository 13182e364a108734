// The labs' alerts as the platforms read them (ADR 0029): a VMRule per lab on a cluster
// platform whose VictoriaMetrics operator reads `spec.metrics.rulesNamespace`, committed to
// `rendered/<platform>/_alerts/` for Argo CD; and the same rule groups as a Prometheus rules
// file for the local platform's vmalert. Deterministic byte for byte.
import { parseLab, parseProject, type LabDocument, type PlatformDocument } from "../model.js";
import type { CommitId, DesiredStateRepository, FileChange, Person } from "../ports/desired-state-repository.js";
import { isClusterPlatform, platformsAt } from "../projects/bundle.js";
import type { CrdValidator } from "../render/crd-validate.js";
import type { KubeObject } from "../render/kube.js";
import { MANAGED_BY, toManifestFiles } from "../render/render.js";
import { validateObjects } from "../render/validate.js";
import { labPath, renderedAlertsDir } from "../repository/layout.js";
import { TRAILERS } from "../repository/trailers.js";
import type { Writer } from "../repository/writer.js";
import { toYaml } from "../yaml.js";
import { effectiveAlertRules, labRuleGroup, type AlertRuleSettings, type PrometheusRuleGroup, type SeriesLabels } from "./rules.js";

export const VMRULE_API_VERSION = "operator.victoriametrics.com/v1beta1";

/** A lab as its alerts need it: its settings and its projects (the namespaces its rules read). */
export interface LabAlertsInput {
  readonly name: string;
  readonly rules?: Readonly<Record<string, AlertRuleSettings>>;
  readonly projects: readonly string[];
  /** `spec.seriesBudget` of its file, if any. */
  readonly seriesBudget?: number;
}

/** The label names of the platform's series (`spec.metrics.labels`, defaults as cAdvisor and kube-state-metrics write them). */
export function seriesLabelsOf(platform: PlatformDocument | undefined): SeriesLabels & { readonly container: string } {
  const labels = platform?.spec.metrics?.labels;
  return { namespace: labels?.namespace ?? "namespace", pod: labels?.pod ?? "pod", container: labels?.container ?? "container" };
}

const byName = <T extends { readonly name: string }>(items: readonly T[]): T[] => [...items].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

/** Every lab's rule group, sorted by lab; labs without projects have none. */
export function labRuleGroups(labs: readonly LabAlertsInput[], labels: SeriesLabels): { readonly lab: string; readonly group: PrometheusRuleGroup }[] {
  return byName(labs).flatMap((lab) => {
    const group = labRuleGroup({ lab: lab.name, projects: lab.projects, labels }, effectiveAlertRules(lab.rules));
    return group ? [{ lab: lab.name, group }] : [];
  });
}

/** The VMRules of a platform: one per lab with projects, in the rules namespace; none without one. */
export function renderLabVmRules(platform: PlatformDocument, labs: readonly LabAlertsInput[]): KubeObject[] {
  const namespace = platform.spec.metrics?.rulesNamespace;
  if (!namespace || !isClusterPlatform(platform)) return [];
  return labRuleGroups(labs, seriesLabelsOf(platform)).map(({ lab, group }) => ({
    apiVersion: VMRULE_API_VERSION,
    kind: "VMRule",
    metadata: { name: group.name, namespace, labels: { ...MANAGED_BY, "plateau.io/platform": platform.metadata.name, "plateau.io/lab": lab } },
    spec: { groups: [plainGroup(group)] },
  }));
}

/** A rule group as plain data (what YAML and the CRD see). */
function plainGroup(group: PrometheusRuleGroup): Record<string, unknown> {
  return {
    name: group.name,
    rules: group.rules.map((rule) => ({
      alert: rule.alert,
      expr: rule.expr,
      ...(rule.for ? { for: rule.for } : {}),
      labels: { ...rule.labels },
      annotations: { ...rule.annotations },
    })),
  };
}

/** The platform's `_alerts` directory as it should be (replacing what was there), validated against the VMRule CRD first. */
export function labAlertsChanges(platform: PlatformDocument, labs: readonly LabAlertsInput[], crds?: CrdValidator): FileChange[] {
  const objects = renderLabVmRules(platform, labs);
  validateObjects(objects, crds);
  const dir = renderedAlertsDir(platform.metadata.name);
  return [{ path: dir, remove: true }, ...toManifestFiles(objects).map((file) => ({ path: `${dir}/${file.name}`, content: file.content }))];
}

/** The rules file of the local platform's vmalert: every lab's group, as Prometheus writes rule files. */
export function vmalertRulesFile(labs: readonly LabAlertsInput[], labels: SeriesLabels): string {
  return toYaml({ groups: labRuleGroups(labs, labels).map(({ group }) => plainGroup(group)) });
}

/**
 * Every lab at this head: those with a file (`labs/<lab>.yaml`) and those only named by
 * projects, each with its projects (sorted). Personal projects belong to no lab.
 */
export async function labsAt(repo: DesiredStateRepository, head: CommitId): Promise<LabAlertsInput[]> {
  const documents = new Map<string, LabDocument>();
  for (const entry of await repo.listDirectory(head, "labs")) {
    if (entry.type !== "blob" || !entry.name.endsWith(".yaml")) continue;
    const name = entry.name.slice(0, -".yaml".length);
    const text = await repo.readFile(head, labPath(name));
    if (text !== undefined) documents.set(name, parseLab(text, labPath(name)));
  }
  const projects = new Map<string, string[]>();
  for (const entry of await repo.listDirectory(head, "projects")) {
    if (entry.type !== "tree") continue;
    const path = `projects/${entry.name}/project.yaml`;
    const text = await repo.readFile(head, path);
    const lab = text === undefined ? undefined : parseProject(text, path).spec.lab;
    if (lab) projects.set(lab, [...(projects.get(lab) ?? []), entry.name]);
  }
  return [...new Set([...documents.keys(), ...projects.keys()])].sort().map((name) => {
    const spec = documents.get(name)?.spec;
    return {
      name,
      projects: (projects.get(name) ?? []).sort(),
      ...(spec?.alerts?.rules ? { rules: spec.alerts.rules } : {}),
      ...(spec?.seriesBudget !== undefined ? { seriesBudget: spec.seriesBudget } : {}),
    };
  });
}

/** The changes that make the platform's `_alerts` what it should be, or none when it already is. */
export async function labAlertsRepairs(
  repo: DesiredStateRepository,
  head: CommitId,
  platform: PlatformDocument,
  labs: readonly LabAlertsInput[],
  crds?: CrdValidator,
): Promise<FileChange[]> {
  const dir = renderedAlertsDir(platform.metadata.name);
  const existing = await repo.listDirectory(head, dir);
  const wanted = labAlertsChanges(platform, labs, crds).filter((change): change is Extract<FileChange, { content: string }> => "content" in change);
  if (wanted.length === 0) return existing.length > 0 ? [{ path: dir, remove: true }] : [];
  const same =
    existing.length === wanted.length &&
    (await Promise.all(wanted.map(async (file) => (await repo.readFile(head, file.path)) === file.content))).every(Boolean);
  return same ? [] : [{ path: dir, remove: true }, ...wanted];
}

/**
 * One commit (or none) that makes every cluster platform's lab alerts what the labs' files and
 * projects say. Run where the Argo CD bootstraps are repaired (start-up, after picking up
 * others' commits, after a project is created): idempotent, so it converges after any change.
 */
export async function repairLabAlerts(deps: {
  readonly repo: DesiredStateRepository;
  readonly writer: Writer;
  readonly author: Person;
  readonly crds?: CrdValidator;
}): Promise<CommitId | null> {
  const { commit } = await deps.writer.write(async (head) => {
    if (!head) return { commit: null, result: undefined };
    // The labs (every project's file) are read only when a platform has or had VMRules.
    let labs: LabAlertsInput[] | undefined;
    const changes: FileChange[] = [];
    const repaired: string[] = [];
    for (const platform of await platformsAt(deps.repo, head)) {
      const concerned =
        (platform.spec.metrics?.rulesNamespace !== undefined && isClusterPlatform(platform)) ||
        (await deps.repo.listDirectory(head, renderedAlertsDir(platform.metadata.name))).length > 0;
      if (!concerned) continue;
      labs ??= await labsAt(deps.repo, head);
      const platformChanges = await labAlertsRepairs(deps.repo, head, platform, labs, deps.crds);
      if (platformChanges.length > 0) repaired.push(platform.metadata.name);
      changes.push(...platformChanges);
    }
    if (changes.length === 0) return { commit: null, result: undefined };
    return {
      commit: {
        author: deps.author,
        message: `render the labs' alerts on ${repaired.join(", ")}\n\nThey differed from what the labs' files and their projects say.`,
        trailers: { [TRAILERS.action]: "render-lab-alerts", [TRAILERS.platform]: repaired.join(",") },
        changes,
      },
      result: undefined,
    };
  });
  return commit;
}
