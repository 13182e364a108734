// Idle reclaim (ADR 28): what the policy does today to every instance — the dry-run report —
// and the sweep that does it, one commit per step through the instance service, and tells
// people through the notification service. The sweep and the report are the same plan.
import { withMetrics } from "../usage/service.js";
import type { InstanceService } from "../instances/service.js";
import type { IdleStepResult } from "../instances/commands/idle.js";
import { parseInstance, parseLab, parsePlatform, parseProject, type InstanceDocument, type PlatformDocument, type ReclaimPolicyDocument } from "../model.js";
import type { PublishNotice } from "../notify/notice.js";
import type { Clock } from "../ports/clock.js";
import type { DesiredStateRepository } from "../ports/desired-state-repository.js";
import type { MetricsSource } from "../ports/metrics-source.js";
import type { IndexedInstance, StateIndex } from "../ports/state-index.js";
import { instancePath, labPath, platformPath, projectPath } from "../repository/layout.js";
import type { Resources } from "../tenancy/quota.js";
import { detectIdle, type InstanceActivity } from "./idle.js";
import { policyFor, reclaimStep, type ReclaimDefaults, type ReclaimPolicy, type ReclaimStep } from "./policy.js";

export interface ReclaimSettings extends ReclaimDefaults {
  /** CPU (cores) above which an instance is in use. */
  readonly cpuThresholdCores: number;
}

/** The configuration's defaults (docs/configuration.md, `reclaim`). */
export const DEFAULT_RECLAIM: ReclaimSettings = {
  idleHours: 72,
  notifyHoursBefore: 24,
  stop: true,
  deleteAfterDaysStopped: null,
  exempt: false,
  templates: {},
  exemptProjectTiers: ["institutional"],
  cpuThresholdCores: 0.01,
};

export interface ReclaimDeps {
  readonly repo: DesiredStateRepository;
  readonly index: Pick<StateIndex, "listInstances" | "listProjects">;
  readonly instances: Pick<InstanceService, "idleStep" | "stoppable">;
  readonly resourcesOf: (instance: IndexedInstance) => Promise<Resources>;
  /** A built-in template's own reclaim defaults (its catalog metadata); undefined for charts and templates without. */
  readonly templatePolicy?: (template: string) => Promise<ReclaimPolicyDocument | undefined>;
  /** The metrics of a platform; undefined: it has none, and nothing there is ever reclaimed. */
  readonly sourceFor: (platform: PlatformDocument) => MetricsSource | undefined;
  /** A platform's metrics settings when its document names none (the local platform's come from configuration, ADR 26). */
  readonly metricsOf?: (platform: PlatformDocument) => PlatformDocument["spec"]["metrics"];
  readonly settings: ReclaimSettings;
  readonly clock: Clock;
  readonly publish?: PublishNotice;
}

/** What reclaim frees: requests of a stopped instance's pods, and the storage of a removed one. */
export interface Freed {
  readonly cpu: number;
  readonly memoryGiB: number;
  readonly gpu: number;
  readonly storageGiB: number;
}

export interface ReclaimItem {
  readonly project: string;
  readonly instance: string;
  readonly platform: string;
  readonly state: "running" | "stopped";
  /** What the policy does now: announce a step, take it, or cancel one announced; `pending`: announced before, not due yet. */
  readonly step: ReclaimStep["kind"] | "pending";
  /** The step announced (notify), or taken. */
  readonly what: "stop" | "remove" | "cancel";
  /** When the step announced will happen (ISO 8601); for a step taken now, now. */
  readonly due: string;
  readonly why: string;
  readonly hoursIdle?: number;
  readonly lastActiveAt?: string;
  /** What the announced or taken step frees once done. */
  readonly frees: Freed;
}

export interface ReclaimReport {
  readonly at: string;
  readonly items: readonly ReclaimItem[];
  /** Totals of what the stops and removals (announced or taken) free. */
  readonly frees: Freed;
  /** Platforms without metrics: nothing there is ever reclaimed. */
  readonly platformsWithoutMetrics: readonly string[];
  /** Instances exempt from reclaim (institutional projects, exempt templates, labs or projects). */
  readonly exempt: number;
}

export interface SweepOutcome {
  readonly report: ReclaimReport;
  readonly committed: readonly { readonly instance: string; readonly action: ReclaimStep["kind"]; readonly commit: string }[];
  readonly failed: readonly { readonly instance: string; readonly reason: string }[];
}

export interface Reclaim {
  /** What the policy would do now (nothing is changed): the operators' dry run. `lab` narrows it to one lab's projects. */
  report(options?: { readonly lab?: string }): Promise<ReclaimReport>;
  /** Does it: one commit per step, then tells the people concerned. Safe to run again at any time (after a crash too). */
  sweep(): Promise<SweepOutcome>;
}

const ZERO: Freed = { cpu: 0, memoryGiB: 0, gpu: 0, storageGiB: 0 };
const sum = (a: Freed, b: Freed): Freed => ({
  cpu: a.cpu + b.cpu,
  memoryGiB: a.memoryGiB + b.memoryGiB,
  gpu: a.gpu + b.gpu,
  storageGiB: a.storageGiB + b.storageGiB,
});
const round = (value: number) => Math.round(value * 1000) / 1000;
const rounded = (freed: Freed): Freed => ({
  cpu: round(freed.cpu),
  memoryGiB: round(freed.memoryGiB),
  gpu: round(freed.gpu),
  storageGiB: round(freed.storageGiB),
});

interface Planned {
  readonly indexed: IndexedInstance;
  readonly intent: InstanceDocument;
  readonly policy: ReclaimPolicy;
  readonly activity: InstanceActivity | undefined;
  readonly step: ReclaimStep | null;
  readonly lab: string | null;
}

/** The key a notice is published under: once per instance, step and announcement. */
export const noticeKey = (ref: string, step: "stop" | "remove", at: string) => `idle-${step}:${ref}:${at}`;

export function createReclaim(deps: ReclaimDeps): Reclaim {
  const { repo, index, settings, clock } = deps;

  async function plan(): Promise<{ at: number; planned: Planned[]; withoutMetrics: string[] }> {
    const at = clock.now().getTime();
    const head = await repo.head();
    if (!head) return { at, planned: [], withoutMetrics: [] };
    const [instances, projects] = await Promise.all([index.listInstances({}), index.listProjects()]);
    const labPolicies = new Map<string, ReclaimPolicyDocument | undefined>();
    const projectPolicies = new Map<string, ReclaimPolicyDocument | undefined>();
    for (const project of projects) {
      const text = await repo.readFile(head, projectPath(project.name));
      projectPolicies.set(project.name, text === undefined ? undefined : parseProject(text, projectPath(project.name)).spec.reclaim);
      if (project.lab !== null && !labPolicies.has(project.lab)) {
        const lab = await repo.readFile(head, labPath(project.lab));
        labPolicies.set(project.lab, lab === undefined ? undefined : parseLab(lab, labPath(project.lab)).spec.reclaim);
      }
    }
    const projectOf = new Map(projects.map((project) => [project.name, project]));
    const templatePolicies = new Map<string, ReclaimPolicyDocument | undefined>();
    for (const template of new Set(instances.map((instance) => instance.template))) templatePolicies.set(template, await deps.templatePolicy?.(template));
    const policyOf = (instance: IndexedInstance): ReclaimPolicy => {
      const project = projectOf.get(instance.project);
      return policyFor(settings, {
        template: instance.template,
        templateMetadata: templatePolicies.get(instance.template),
        lab: project?.lab ? labPolicies.get(project.lab) : undefined,
        project: projectPolicies.get(instance.project),
        projectTiers: project?.tiers ?? [],
      });
    };
    // One detection per platform, over the longest idleHours its instances' policies use.
    const byPlatform = new Map<string, IndexedInstance[]>();
    for (const instance of instances) byPlatform.set(instance.platform, [...(byPlatform.get(instance.platform) ?? []), instance]);
    const activities = new Map<string, Map<string, InstanceActivity>>();
    const withoutMetrics: string[] = [];
    for (const [platformName, placed] of [...byPlatform].sort(([a], [b]) => a.localeCompare(b))) {
      const text = await repo.readFile(head, platformPath(platformName));
      const platform = text === undefined ? undefined : withMetrics(parsePlatform(text, platformPath(platformName)), deps.metricsOf);
      const source = platform && deps.sourceFor(platform);
      const metrics = platform?.spec.metrics;
      if (!platform || !source || !metrics) {
        withoutMetrics.push(platformName);
        continue;
      }
      const windowHours = Math.max(1, ...placed.map((instance) => policyOf(instance).idleHours)) + 1;
      const labels = { namespace: metrics.labels?.namespace ?? "namespace", pod: metrics.labels?.pod ?? "pod" };
      activities.set(
        platformName,
        await detectIdle(source, { labels, scrapeIntervalSeconds: metrics.scrapeIntervalSeconds ?? 30 }, at, windowHours, settings.cpuThresholdCores),
      );
    }
    const planned: Planned[] = [];
    for (const indexed of instances) {
      const found = activities.get(indexed.platform);
      if (!found) continue;
      const text = await repo.readFile(head, instancePath(indexed.project, indexed.name));
      if (text === undefined) continue;
      const intent = parseInstance(text, instancePath(indexed.project, indexed.name));
      const policy = policyOf(indexed);
      const activity = found.get(`${indexed.project}/${indexed.name}`);
      const step = reclaimStep({ state: intent.spec.state, idle: intent.spec.idle, stoppable: await deps.instances.stoppable(intent) }, policy, activity, at);
      planned.push({ indexed, intent, policy, activity, step, lab: projectOf.get(indexed.project)?.lab ?? null });
    }
    return { at, planned, withoutMetrics };
  }

  async function freedBy(indexed: IndexedInstance, what: "stop" | "remove" | "cancel"): Promise<Freed> {
    if (what === "cancel") return ZERO;
    const asks = await deps.resourcesOf({ ...indexed, state: "running" });
    return what === "stop" ? { cpu: asks.cpu, memoryGiB: asks.memoryGiB, gpu: asks.gpu, storageGiB: 0 } : { ...ZERO, storageGiB: asks.storageGiB };
  }

  async function reportOf(at: number, planned: readonly Planned[], withoutMetrics: readonly string[]): Promise<ReclaimReport> {
    const items: ReclaimItem[] = [];
    let total = ZERO;
    for (const { indexed, step: taken, activity, intent } of planned) {
      // A step announced before and not due yet is shown as pending, with its due time.
      const notice = intent.spec.idle?.notice;
      const step: ReclaimStep | { kind: "pending"; step: "stop" | "remove"; due: string; why: string } | null =
        taken ?? (notice ? { kind: "pending", step: notice.step, due: notice.due, why: `announced ${notice.at}` } : null);
      if (!step) continue;
      const what = step.kind === "notify" || step.kind === "pending" ? step.step : step.kind;
      const frees = rounded(await freedBy(indexed, what));
      total = sum(total, frees);
      items.push({
        project: indexed.project,
        instance: indexed.name,
        platform: indexed.platform,
        state: intent.spec.state,
        step: step.kind,
        what,
        due: step.kind === "notify" || step.kind === "pending" ? step.due : new Date(at).toISOString(),
        why: step.why,
        ...(activity && intent.spec.state === "running" ? { hoursIdle: activity.hoursIdle } : {}),
        ...(activity?.lastActiveAt !== undefined ? { lastActiveAt: new Date(activity.lastActiveAt).toISOString() } : {}),
        frees,
      });
    }
    items.sort((a, b) => a.project.localeCompare(b.project) || a.instance.localeCompare(b.instance));
    return {
      at: new Date(at).toISOString(),
      items,
      frees: rounded(total),
      platformsWithoutMetrics: [...withoutMetrics],
      exempt: planned.filter((entry) => entry.policy.exempt).length,
    };
  }

  /** Tells the people of an instance of a step announced: published again at every sweep while pending, delivered once (its key). */
  async function announce(intent: InstanceDocument): Promise<void> {
    const notice = intent.spec.idle?.notice;
    if (!deps.publish || !notice) return;
    const ref = `${intent.metadata.project}/${intent.metadata.name}`;
    await deps.publish({
      key: noticeKey(ref, notice.step, notice.at),
      kind: notice.step === "stop" ? "idle-stop-planned" : "idle-remove-planned",
      params: { instance: ref, due: notice.due },
      project: intent.metadata.project,
      instance: intent.metadata.name,
      due: notice.due,
      action: "keep",
    });
  }

  return {
    async report(options = {}) {
      const { at, planned, withoutMetrics } = await plan();
      return reportOf(
        at,
        planned.filter((entry) => options.lab === undefined || entry.lab === options.lab),
        withoutMetrics,
      );
    },

    async sweep() {
      const { at, planned, withoutMetrics } = await plan();
      const report = await reportOf(at, planned, withoutMetrics);
      const committed: { instance: string; action: ReclaimStep["kind"]; commit: string }[] = [];
      const failed: { instance: string; reason: string }[] = [];
      // One at a time, each its own commit, decided again against the head: one that fails blocks no other.
      for (const entry of planned) {
        const ref = `${entry.indexed.project}/${entry.indexed.name}`;
        try {
          let result: IdleStepResult | null = null;
          if (entry.step) {
            result = await deps.instances.idleStep(entry.indexed.project, entry.indexed.name, (intent, stoppable) =>
              reclaimStep({ state: intent.spec.state, idle: intent.spec.idle, stoppable }, entry.policy, entry.activity, at),
            );
            if (result) committed.push({ instance: ref, action: result.step.kind, commit: result.commit });
          }
          // A notice committed and not yet delivered (a crash in between) is published again: its key delivers it once.
          const current = result ? result.intent : entry.intent;
          if (current) await announce(current);
        } catch (error) {
          failed.push({ instance: ref, reason: (error as Error).message });
        }
      }
      return { report, committed, failed };
    },
  };
}
