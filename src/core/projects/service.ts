// Projects: a namespace per platform, created by their first launch or explicitly.
import { ConflictError, NotFoundError } from "../errors.js";
import { API_VERSION, serialize } from "../model.js";
import { assertName } from "../names.js";
import type { Clock } from "../ports/clock.js";
import type { StateIndex } from "../ports/state-index.js";
import { projectPath } from "../repository/layout.js";
import { TRAILERS } from "../repository/trailers.js";
import type { Writer } from "../repository/writer.js";
import type { DesiredStateRepository } from "../ports/desired-state-repository.js";
import type { Requester } from "../identity.js";
import { assertProjectName } from "./names.js";

export interface ProjectView {
  readonly name: string;
  readonly title: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly instances: number;
}

export function createProjectService(deps: { repo: DesiredStateRepository; writer: Writer; index: StateIndex; clock: Clock }) {
  const { index } = deps;

  async function view(name: string): Promise<ProjectView> {
    const project = await index.getProject(name);
    if (!project) throw new NotFoundError("project", name);
    const instances = await index.listInstances({ project: name });
    return { ...project, instances: instances.length };
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

    async create(
      request: { name: string; title?: string; requestId?: string },
      requester: Requester,
    ): Promise<{ project: ProjectView; commit: string | null }> {
      assertProjectName(request.name);
      const title = (request.title ?? request.name).trim() || request.name;
      const { commit } = await deps.writer.write(async (head) => {
        if (head && (await deps.repo.readFile(head, projectPath(request.name))) !== undefined) {
          throw new ConflictError(`project ${request.name} already exists`);
        }
        const document = serialize({
          apiVersion: API_VERSION,
          kind: "Project",
          metadata: { name: request.name, createdAt: deps.clock.now().toISOString(), createdBy: requester.login },
          spec: { title },
        });
        return {
          commit: {
            author: requester,
            message: `create project ${request.name}\n\nRequested by ${requester.login}.`,
            trailers: {
              [TRAILERS.action]: "create-project",
              [TRAILERS.project]: request.name,
              ...(request.requestId ? { [TRAILERS.requestId]: request.requestId } : {}),
            },
            changes: [{ path: projectPath(request.name), content: document }],
          },
          result: undefined,
        };
      });
      return { project: await view(request.name), commit };
    },
  };
}

export type ProjectService = ReturnType<typeof createProjectService>;
