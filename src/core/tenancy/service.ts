// Labs, their projects and their shares: what a project and its lab use against their
// quotas, and the check made at every launch and start. Usage is computed from the index
// (which instances exist, running or stopped) and the templates (what each one asks).
import { createHash } from "node:crypto";
import { NotFoundError } from "../errors.js";
import { parseLab, type LabDocument, type PlatformDocument } from "../model.js";
import type { CommitId, DesiredStateRepository } from "../ports/desired-state-repository.js";
import type { IndexedInstance, IndexedProject, StateIndex } from "../ports/state-index.js";
import type { TemplateCatalog } from "../ports/template-catalog.js";
import { renderInstance } from "../render/render.js";
import { labPath } from "../repository/layout.js";
import { isChartReference } from "../helm/chart-reference.js";
import { helmResources } from "../helm/resources.js";
import { localPlatformDocument } from "../platforms/service.js";
import { add, effectiveQuota, exceeded, resourcesOf, ZERO, type EffectiveQuota, type Resources } from "./quota.js";

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

export interface TenancyDeps {
  readonly repo: DesiredStateRepository;
  readonly index: StateIndex;
  readonly catalog: TemplateCatalog;
  readonly defaults: TenancyDefaults;
}

/** Quotas of projects and labs, and what instances use of them. */
export interface Tenancy {
  /** What an instance counts against quotas (its chart values, or its template rendered), cached by template, values and state. */
  resourcesOfInstance(instance: Pick<IndexedInstance, "template" | "values" | "state" | "project" | "name">): Promise<Resources>;
  /** A project's quota with the defaults filled in (personal or lab project). */
  quotaOf(project: Pick<IndexedProject, "lab" | "quota">): EffectiveQuota;
  /**
   * Refuses a launch or start that would take the project or its lab over quota.
   * `excluding` is the instance being started (its stopped self is already counted).
   */
  check(head: CommitId | null, projectName: string, asked: Resources, excluding?: { project: string; name: string }): Promise<void>;
  /** A project's quota and use, and its lab's; a NotFoundError when the project is unknown. */
  report(projectName: string): Promise<QuotaReport>;
  /** A lab: its file (if any), projects, quota and use. */
  lab(name: string): Promise<LabView>;
  /** How many projects the lab may have and has, at this head. */
  projectsLeft(head: CommitId | null, lab: string): Promise<{ limit: number; count: number }>;
}

// Resources do not depend on where an instance runs: any platform document renders them.
const NEUTRAL_PLATFORM: PlatformDocument = localPlatformDocument("quota.invalid");
const CACHE_SIZE = 5000;

export function createTenancy(deps: TenancyDeps): Tenancy {
  const { repo, index, catalog, defaults } = deps;
  // What an instance asks depends only on its template, values and state: cache by those.
  const cache = new Map<string, Resources>();

  // Indexed instances are shared objects until the index changes: remember their resources by identity too.
  const byInstance = new WeakMap<object, Resources>();

  async function resourcesOfInstance(instance: Pick<IndexedInstance, "template" | "values" | "state" | "project" | "name">): Promise<Resources> {
    const known = byInstance.get(instance);
    if (known) return known;
    const resources = await measure(instance);
    byInstance.set(instance, resources);
    return resources;
  }

  async function measure(instance: Pick<IndexedInstance, "template" | "values" | "state" | "project" | "name">): Promise<Resources> {
    // A chart's values say what it asks (Argo CD renders the chart, not Plateau).
    if (isChartReference(instance.template)) return helmResources(instance.values, instance.state === "running").total;
    const template = await catalog.get(instance.template);
    // A template removed from the catalog: its instances still hold their place and nothing we can measure.
    if (!template) return { ...ZERO, instances: 1 };
    const key = createHash("sha256")
      .update(JSON.stringify([template.spec.id, template.spec.version, instance.state, instance.values]))
      .digest("base64url");
    const cached = cache.get(key);
    if (cached) return cached;
    let resources: Resources;
    try {
      const objects = renderInstance({
        template,
        values: instance.values,
        project: instance.project,
        instance: instance.name,
        state: instance.state,
        platform: NEUTRAL_PLATFORM,
        url: "http://quota.invalid/",
      });
      resources = resourcesOf(objects, instance.state === "running");
    } catch {
      // Values the current template refuses (written by an older version): count the place only.
      resources = { ...ZERO, instances: 1 };
    }
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    cache.set(key, resources);
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

  return {
    resourcesOfInstance,
    quotaOf: (project) => projectQuota(project as IndexedProject),

    async check(head, projectName, asked, excluding) {
      const project = await index.getProject(projectName);
      const used = await usageOf(await index.listInstances({ project: projectName }), excluding);
      const overProject = exceeded("project", projectName, projectQuota(project), used, asked);
      if (overProject) throw overProject;
      if (project?.lab) {
        const lab = await labUse(head, project.lab, excluding);
        const overLab = exceeded("lab", project.lab, lab.quota, lab.used, asked);
        if (overLab) throw overLab;
      }
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
