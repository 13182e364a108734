// Projects: a namespace per platform. A personal project (`u-<login>`) is made by its
// owner's first launch; lab projects are created by lab members, within the lab's limit.
// Members and quotas are desired state: `projects/<p>/project.yaml`, one commit per change.
import { assert, ConflictError, InputError, NotFoundError, QuotaExceededError } from "../errors.js";
import { API_VERSION, DEFAULT_PROJECT_TIERS, parseProject, serialize, type Member, type ProjectDocument, type Quota } from "../model.js";
import { assertName } from "../names.js";
import { assertText } from "../text.js";
import type { Clock } from "../ports/clock.js";
import type { IndexedProject, StateIndex } from "../ports/state-index.js";
import { projectPath } from "../repository/layout.js";
import { requestIdOf, TRAILERS } from "../repository/trailers.js";
import type { Writer } from "../repository/writer.js";
import type { DesiredStateRepository, CommitId } from "../ports/desired-state-repository.js";
import type { Requester } from "../identity.js";
import type { Tenancy } from "../tenancy/service.js";
import { assertLabProjectName } from "./names.js";
import { platformsWithBundle, projectBundleChanges } from "./bundle.js";
import { checkProjectTiers, sameTiers, tiersOf } from "./tiers.js";
import type { RecoveryDefaults } from "../recovery/policy.js";
import type { CrdValidator } from "../render/crd-validate.js";

export interface ProjectView extends IndexedProject {
  readonly instances: number;
}

/** A change to a project: the project after it, and its commit (null when nothing changed). */
export interface ProjectChange {
  readonly project: ProjectView;
  readonly commit: CommitId | null;
}

export interface ProjectServiceDeps {
  readonly repo: DesiredStateRepository;
  readonly writer: Writer;
  readonly index: StateIndex;
  readonly clock: Clock;
  readonly tenancy: Pick<Tenancy, "projectsLeft" | "quotaOf">;
  /** The configuration's recovery defaults: a project's bundles hold its Velero Schedules by its policy (ADR 0034). */
  readonly recovery?: RecoveryDefaults;
  /** The operators' CRDs: the bundles' Velero Schedules are checked against Velero's. */
  readonly crds?: CrdValidator;
}

/** Lab projects, their members and quotas: desired state, one commit per change. */
export interface ProjectService {
  /** Every project with its number of instances. */
  list(): Promise<ProjectView[]>;
  /** One project; a NotFoundError when unknown. */
  get(name: string): Promise<ProjectView>;
  /** The indexed project, if any (what authorization reads). */
  find(name: string): Promise<IndexedProject | undefined>;
  /** Creates a lab project; its creator is its owner. Within the lab's limit of projects. */
  create(request: { name: string; lab: string; title?: string; requestId?: string }, requester: Requester): Promise<ProjectChange>;
  /** Replaces the members of a lab project. A project always keeps an owner. */
  setMembers(name: string, members: readonly Member[], requester: Requester, key?: string): Promise<ProjectChange>;
  /** Sets a project's own quota (lab admins and operators). */
  setQuota(name: string, quota: Quota, requester: Requester, key?: string): Promise<ProjectChange>;
  /** Sets the platform tiers a project's instances may run on (operators); the tiers already in force commit nothing. */
  setTiers(name: string, tiers: readonly string[], requester: Requester, key?: string): Promise<ProjectChange>;
}

/** Creating a project whose name is taken: what anyone asking for that name is told, whatever lab holds it. */
export const projectNameTaken = (name: string): ConflictError =>
  new ConflictError(`project ${name} already exists`, { reason: "project-name-taken", params: { project: name } });

const MAX_MEMBERS = 500;
const TITLE_MAX_LENGTH = 200;

export function createProjectService(deps: ProjectServiceDeps): ProjectService {
  const { index } = deps;
  const bundleOptions = { ...(deps.recovery ? { recovery: deps.recovery } : {}), ...(deps.crds ? { crds: deps.crds } : {}) };

  async function view(name: string): Promise<ProjectView> {
    const project = await index.getProject(name);
    if (!project) throw new NotFoundError("project", name);
    const instances = await index.listInstances({ project: name });
    return { ...project, instances: instances.length };
  }

  async function documentAt(head: CommitId | null, name: string): Promise<ProjectDocument> {
    const text = head ? await deps.repo.readFile(head, projectPath(name)) : undefined;
    if (text === undefined) throw new NotFoundError("project", name);
    return parseProject(text, projectPath(name));
  }

  /** Why a project's file would not read as a project (the schema's words), or undefined when it reads. */
  function unreadable(content: string, name: string): string | undefined {
    try {
      parseProject(content, projectPath(name));
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }

  /** The commit that already carried this request (its digest: ADR 14), if any. */
  const committed = (id: string | undefined) => (id ? index.findRequest(id) : undefined);

  /** Rewrites a project's file: one commit, none when nothing changes. */
  async function update(
    name: string,
    action: string,
    requester: Requester,
    key: string | undefined,
    change: (document: ProjectDocument) => ProjectDocument,
  ): Promise<ProjectChange> {
    assertName("/project", name);
    const requestId = requestIdOf(key, { person: requester.login, operation: action, target: name });
    const { commit, result: earlier } = await deps.writer.write<CommitId | undefined>(async (head) => {
      // A retry answers the first result, even if the project changed since.
      const earlier = await committed(requestId);
      if (earlier) return { commit: null, result: earlier.commit };
      const before = await documentAt(head, name);
      const after = change(before);
      const content = serialize(after);
      if (content === serialize(before)) return { commit: null, result: undefined };
      // An invariant, not a person's mistake: what people send is checked before (by the API's
      // schemas and by each command, naming the field), so a file the project schema refuses
      // here is a bug of a change. Committed, it would make the project unreadable (the index
      // could not read it, and the project would answer 404): fail instead, committing nothing.
      const problem = unreadable(content, name);
      assert(problem === undefined, `${action} of project ${name} would commit a file the project schema refuses: ${problem}`);
      // Clusters enforce members and quota: their bundles follow the project's file in the same commit.
      const bundles = head ? await platformsWithBundle(deps.repo, head, name) : [];
      const quota = deps.tenancy.quotaOf({ lab: after.spec.lab ?? null, quota: after.spec.quota ?? {} });
      return {
        commit: {
          author: requester,
          message: `${action} of project ${name}\n\nRequested by ${requester.login}.`,
          trailers: { [TRAILERS.action]: action, [TRAILERS.project]: name, ...(requestId ? { [TRAILERS.requestId]: requestId } : {}) },
          changes: [{ path: projectPath(name), content }, ...bundles.flatMap((platform) => projectBundleChanges(after, platform, quota, bundleOptions))],
        },
        result: undefined,
      };
    });
    return { project: await view(name), commit: earlier ?? commit };
  }

  return {
    async list(): Promise<ProjectView[]> {
      const [projects, instances] = await Promise.all([index.listProjects(), index.listInstances({})]);
      const counts = new Map<string, number>();
      for (const instance of instances) counts.set(instance.project, (counts.get(instance.project) ?? 0) + 1);
      return projects.map((project) => ({ ...project, instances: counts.get(project.name) ?? 0 }));
    },

    get(name: string): Promise<ProjectView> {
      assertName("/project", name);
      return view(name);
    },

    find: (name: string): Promise<IndexedProject | undefined> => index.getProject(name),

    async create(request, requester) {
      assertLabProjectName(request.name);
      assertName("/lab", request.lab);
      if (request.title !== undefined) assertText("/title", request.title, { maxLength: TITLE_MAX_LENGTH });
      const title = request.title || request.name;
      const requestId = requestIdOf(request.requestId, { person: requester.login, operation: "create-project", target: request.name });
      const { commit, result: earlier } = await deps.writer.write<CommitId | undefined>(async (head) => {
        const earlier = await committed(requestId);
        if (earlier) return { commit: null, result: earlier.commit };
        if (head && (await deps.repo.readFile(head, projectPath(request.name))) !== undefined) {
          throw projectNameTaken(request.name);
        }
        const { limit, count } = await deps.tenancy.projectsLeft(head, request.lab);
        if (count >= limit) {
          throw new QuotaExceededError(
            `lab ${request.lab} has ${count} projects, its limit; remove one or ask a lab admin to raise the limit`,
            {
              scope: "lab",
              name: request.lab,
              resource: "projects",
              unit: "projects",
              asked: 1,
              used: count,
              limit,
              remaining: Math.max(0, limit - count),
            },
            { reason: "lab-project-limit", params: { lab: request.lab, limit, used: count } },
          );
        }
        const document = serialize({
          apiVersion: API_VERSION,
          kind: "Project",
          metadata: { name: request.name, createdAt: deps.clock.now().toISOString(), createdBy: requester.login },
          spec: { title, lab: request.lab, members: [{ login: requester.login, role: "owner" }] },
        });
        return {
          commit: {
            author: requester,
            message: `create project ${request.name} in lab ${request.lab}\n\nRequested by ${requester.login}.`,
            trailers: {
              [TRAILERS.action]: "create-project",
              [TRAILERS.project]: request.name,
              ...(requestId ? { [TRAILERS.requestId]: requestId } : {}),
            },
            changes: [{ path: projectPath(request.name), content: document }],
          },
          result: undefined,
        };
      });
      return { project: await view(request.name), commit: earlier ?? commit };
    },

    async setMembers(name, members, requester, key) {
      if (members.length > MAX_MEMBERS) throw InputError.field("/members", "maxItems", `at most ${MAX_MEMBERS} members`);
      const seen = new Set<string>();
      members.forEach((member, i) => {
        const key = "login" in member ? `login:${member.login}` : `group:${member.group}`;
        if (seen.has(key)) throw InputError.field(`/members/${i}`, "uniqueItems", `${key} is listed twice`);
        seen.add(key);
      });
      members.forEach((member, i) => {
        if ("group" in member) assertText(`/members/${i}/group`, member.group, { maxLength: 200, spaces: false });
      });
      return update(name, "set-members", requester, key, (document) => {
        if (document.spec.personal)
          throw new ConflictError(`${name} is a personal project: it has one member, its owner`, {
            reason: "personal-project-members",
            params: { project: name },
          });
        if (!members.some((member) => member.role === "owner")) throw InputError.field("/members", "owner", "a project needs at least one owner");
        const sorted = [...members].sort((a, b) => {
          const ka = "login" in a ? `l:${a.login}` : `g:${a.group}`;
          const kb = "login" in b ? `l:${b.login}` : `g:${b.group}`;
          return ka < kb ? -1 : ka > kb ? 1 : 0;
        });
        return { ...document, spec: { ...document.spec, members: sorted } };
      });
    },

    setQuota(name, quota, requester, key) {
      return update(name, "set-quota", requester, key, (document) => ({ ...document, spec: { ...document.spec, quota } }));
    },

    /**
     * Sets the platform tiers a project's instances may run on (operators): `institutional` makes
     * it a service kept up. Unknown tiers are an InputError and commit nothing; tiers equal to
     * those in force commit nothing; the default (experimental) is written by naming none.
     */
    async setTiers(name: string, tiers: readonly string[], requester: Requester, key?: string) {
      const wanted = checkProjectTiers(tiers);
      return update(name, "set-tiers", requester, key, (document) => {
        if (sameTiers(tiersOf(document.spec), wanted)) return document;
        const { tiers: _previous, ...spec } = document.spec;
        return { ...document, spec: sameTiers(wanted, DEFAULT_PROJECT_TIERS) ? spec : { ...spec, tiers: wanted } };
      });
    },
  };
}
