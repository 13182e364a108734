// Labs, their projects and their shares: what a project and its lab use against their
// quotas, and the check made at every launch and start. Usage is computed from the index
// (which instances exist, running or stopped) and what each one asks, which only its source
// knows: tenancy is given `asksOf`, built by the composition from the registry of instance
// sources (ADR 17), so a new kind of source counts against quotas with no edit here.
import { NotFoundError } from "../errors.js";
import { parseLab, type LabDocument } from "../model.js";
import type { CommitId, DesiredStateRepository } from "../ports/desired-state-repository.js";
import type { IndexedInstance, IndexedProject, StateIndex } from "../ports/state-index.js";
import { labPath } from "../repository/layout.js";
import { add, effectiveQuota, exceeded, ZERO, type EffectiveQuota, type Resources } from "./quota.js";
import { quotaBlock, type QuotaBlock } from "./quota-block.js";

export interface TenancyDefaults {
  /** A personal project's quota. */
  readonly personalQuota: EffectiveQuota;
  /** A lab project's quota when its file sets none. */
  readonly projectQuota: EffectiveQuota;
  /** A lab's quota (all its projects together) when no `labs/<lab>.yaml` sets one. */
  readonly labQuota: EffectiveQuota;
  /** How many projects a lab may have when its file sets no limit. */
  readonly labProjectLimit: number;
}

export interface QuotaUse {
  readonly quota: EffectiveQuota;
  readonly used: Resources;
}

export interface QuotaReport {
  readonly project: { readonly name: string } & QuotaUse;
  readonly lab: ({ readonly name: string; readonly projects: number; readonly projectLimit: number } & QuotaUse) | null;
}

export interface LabView {
  readonly name: string;
  /** Whether `labs/<lab>.yaml` exists; a lab without it and without projects is only known from people's claims. */
  readonly declared: boolean;
  readonly title: string;
  readonly projectLimit: number;
  readonly projects: string[];
  readonly quota: EffectiveQuota;
  readonly used: Resources;
}

/** An instance already placed, as quotas measure it. */
export type PlacedInstance = Pick<IndexedInstance, "template" | "values" | "state" | "project" | "name" | "rendered">;

/**
 * What an instance already placed counts against quotas in its state (stopped: its volumes and
 * its place). Its source answers (`SourceRegistry.asksOf`); tenancy does not import the
 * sources, which depend on it (the instance service is built on tenancy).
 */
export type AsksOf = (instance: PlacedInstance) => Promise<Resources>;

export interface TenancyDeps {
  readonly repo: DesiredStateRepository;
  readonly index: StateIndex;
  readonly asksOf: AsksOf;
  readonly defaults: TenancyDefaults;
}

/** Quotas of projects and labs, and what instances use of them. */
export interface Tenancy {
  /** What an instance counts against quotas, as its source says; remembered for each indexed instance. */
  resourcesOfInstance(instance: PlacedInstance): Promise<Resources>;
  /** A project's quota with the defaults filled in (personal or lab project). */
  quotaOf(project: Pick<IndexedProject, "lab" | "quota">): EffectiveQuota;
  /**
   * Refuses a launch or start that would take the project or its lab over quota.
   * `excluding` is the instance being started (its stopped self is already counted).
   */
  check(head: CommitId | null, projectName: string, asked: Resources, excluding?: { project: string; name: string }): Promise<void>;
  /** The quota `check` would refuse `asked` for, and who can raise it how; undefined when it fits. */
  blocks(head: CommitId | null, projectName: string, asked: Resources): Promise<QuotaBlock | undefined>;
  /** A project's quota and use, and its lab's; a NotFoundError when the project is unknown. */
  report(projectName: string): Promise<QuotaReport>;
  /** A lab: its file (if any), projects, quota and use. */
  lab(name: string): Promise<LabView>;
  /** How many projects the lab may have and has, at this head. */
  projectsLeft(head: CommitId | null, lab: string): Promise<{ limit: number; count: number }>;
}

export function createTenancy(deps: TenancyDeps): Tenancy {
  const { repo, index, asksOf, defaults } = deps;
  // Indexed instances are shared objects until the index changes: remember their resources by identity.
  const byInstance = new WeakMap<object, Resources>();

  async function resourcesOfInstance(instance: PlacedInstance): Promise<Resources> {
    const known = byInstance.get(instance);
    if (known) return known;
    const resources = await asksOf(instance);
    byInstance.set(instance, resources);
    return resources;
  }

  async function usageOf(instances: readonly IndexedInstance[], excluding?: { project: string; name: string }): Promise<Resources> {
    let used = ZERO;
    for (const instance of instances) {
      if (excluding && instance.project === excluding.project && instance.name === excluding.name) continue;
      used = add(used, await resourcesOfInstance(instance));
    }
    return used;
  }

  async function labDocument(head: CommitId | null, lab: string): Promise<LabDocument | undefined> {
    const text = head ? await repo.readFile(head, labPath(lab)) : undefined;
    return text === undefined ? undefined : parseLab(text, labPath(lab));
  }

  const projectQuota = (project: IndexedProject | undefined): EffectiveQuota =>
    effectiveQuota(project?.quota, project && project.lab !== null ? defaults.projectQuota : defaults.personalQuota);

  async function labUse(head: CommitId | null, lab: string, excluding?: { project: string; name: string }) {
    const [document, projects] = await Promise.all([labDocument(head, lab), index.listProjects()]);
    const names = projects.filter((project) => project.lab === lab).map((project) => project.name);
    const instances = await index.listInstances({ projects: names });
    return {
      document,
      projects: names,
      quota: effectiveQuota(document?.spec.quota, defaults.labQuota),
      projectLimit: document?.spec.projectLimit ?? defaults.labProjectLimit,
      used: await usageOf(instances, excluding),
    };
  }

  /** The first quota, the project's then its lab's, that `asked` would exceed (what `check` refuses). */
  async function firstExceeded(head: CommitId | null, projectName: string, asked: Resources, excluding?: { project: string; name: string }) {
    const project = await index.getProject(projectName);
    // A project not made yet is a personal one (lab projects are created first): its default quota applies.
    const personal = !project || project.lab === null;
    const used = await usageOf(await index.listInstances({ project: projectName }), excluding);
    const overProject = exceeded("project", projectName, projectQuota(project), used, asked);
    if (overProject) return { error: overProject, personal };
    if (project?.lab) {
      const lab = await labUse(head, project.lab, excluding);
      const overLab = exceeded("lab", project.lab, lab.quota, lab.used, asked);
      if (overLab) return { error: overLab, personal };
    }
    return undefined;
  }

  return {
    resourcesOfInstance,
    quotaOf: (project) => projectQuota(project as IndexedProject),

    async check(head, projectName, asked, excluding) {
      const over = await firstExceeded(head, projectName, asked, excluding);
      if (over) throw over.error;
    },

    async blocks(head, projectName, asked) {
      const over = await firstExceeded(head, projectName, asked);
      return over?.error.denial ? quotaBlock(over.error.denial, over.personal) : undefined;
    },

    async report(projectName: string): Promise<QuotaReport> {
      const project = await index.getProject(projectName);
      if (!project) throw new NotFoundError("project", projectName);
      const used = await usageOf(await index.listInstances({ project: projectName }));
      const head = await repo.head();
      const lab = project.lab ? await labUse(head, project.lab) : undefined;
      return {
        project: { name: projectName, quota: projectQuota(project), used },
        lab: lab && project.lab ? { name: project.lab, projects: lab.projects.length, projectLimit: lab.projectLimit, quota: lab.quota, used: lab.used } : null,
      };
    },

    async lab(name: string): Promise<LabView> {
      const head = await repo.head();
      const lab = await labUse(head, name);
      return {
        name,
        declared: lab.document !== undefined,
        title: lab.document?.spec.title ?? name,
        projectLimit: lab.projectLimit,
        projects: lab.projects,
        quota: lab.quota,
        used: lab.used,
      };
    },

    async projectsLeft(head, lab) {
      const [document, projects] = await Promise.all([labDocument(head, lab), index.listProjects()]);
      return { limit: document?.spec.projectLimit ?? defaults.labProjectLimit, count: projects.filter((project) => project.lab === lab).length };
    },
  };
}
