// The files of a large fleet, for the benchmarks that need one (B14, B15): one project and one
// `static-site` instance as Plateau writes them (a project made and an instance launched
// through the services, in memory), with their names as placeholders to copy under others.
import { createGitRepository, gitEnvironment, initRepository } from "../src/adapters/git/git-repository.js";
import { runChecked } from "../src/adapters/process.js";
import { systemClock } from "../src/adapters/system/system.js";
import type { CommitId, FileChange } from "../src/core/ports/desired-state-repository.js";
import { alice, memoryPlateau } from "../test/support/plateau.js";

/** The fleet's names: project p and instance i. */
export const fleetProject = (p: number) => `p${String(p).padStart(4, "0")}`;
export const fleetInstance = (i: number) => `i${String(i).padStart(5, "0")}`;

/** The names the template's files carry, replaced in each copy. */
export const TEMPLATE_PROJECT = "zqproj";
export const TEMPLATE_INSTANCE = "zqinst";

export interface FleetTemplate {
  /** The repository's other files (the local platform's document, bootstraps). */
  readonly shared: FileChange[];
  /** The project's own files, its project.yaml among them. */
  readonly project: FileChange[];
  readonly instance: FileChange[];
}

export async function fleetTemplateFiles(values: Record<string, unknown> = {}): Promise<FleetTemplate> {
  const { plateau, repo } = await memoryPlateau();
  await plateau.services.projects.create({ name: TEMPLATE_PROJECT, lab: "imb", title: "Bench" }, alice);
  await plateau.services.instances.launch({ template: "static-site", project: TEMPLATE_PROJECT, name: TEMPLATE_INSTANCE, values }, alice);
  const head = await repo.head();
  if (!head) throw new Error("the template repository has no commit");
  const shared: FileChange[] = [];
  const project: FileChange[] = [];
  const instance: FileChange[] = [];
  for (const { path } of await repo.changedPaths(null, head, "")) {
    const content = (await repo.readFile(head, path)) ?? "";
    if (path.includes(TEMPLATE_INSTANCE)) instance.push({ path, content });
    else if (path.includes(TEMPLATE_PROJECT)) project.push({ path, content });
    else shared.push({ path, content });
  }
  if (instance.length < 2) throw new Error(`the launch wrote ${instance.length} files of its instance`);
  await plateau.stop();
  return { shared, project, instance };
}

/** Files of the template copied under another project's and instance's names (and, when given, another author of the launch than alice). */
export function named(files: readonly FileChange[], project: string, instance: string, owner?: string): FileChange[] {
  const rename = (text: string) => text.replaceAll(TEMPLATE_INSTANCE, instance).replaceAll(TEMPLATE_PROJECT, project);
  return files.map((file) => {
    if (!("content" in file)) return file;
    const content = rename(file.content);
    return { path: rename(file.path), content: owner === undefined ? content : content.replace(`createdBy: ${alice.login}`, `createdBy: ${owner}`) };
  });
}

/** Every file of a fleet: the shared ones, `projects` projects, and `instances` instances dealt to them in turn. */
export function fleetChanges(template: FleetTemplate, projects: number, instances: number): FileChange[] {
  const changes: FileChange[] = [...template.shared];
  for (let p = 0; p < projects; p++) changes.push(...named(template.project, fleetProject(p), TEMPLATE_INSTANCE));
  for (let i = 0; i < instances; i++) changes.push(...named(template.instance, fleetProject(i % projects), fleetInstance(i)));
  return changes;
}

/** A new repository at `dir` holding `changes` in one commit (written by fast-import), then packed as a forge's would be. */
export async function commitFleet(dir: string, changes: FileChange[], message: string): Promise<CommitId> {
  await initRepository({ dir });
  const repo = createGitRepository({ dir, clock: systemClock });
  try {
    return await repo.commit({ parent: null, author: { name: "Bench", email: "bench@example.org" }, message, trailers: {}, changes });
  } finally {
    repo.close();
    await runChecked("git", ["gc", "--quiet"], { env: gitEnvironment(dir) });
  }
}
