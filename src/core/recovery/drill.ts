// A drill (ADR 0034): copies of a platform's backed-up instances restored from their newest
// backups into a scratch project on the recovery site, each checked to answer on its address,
// RTO and RPO measured, a report stored, the copies removed. A drill never touches the desired
// state: the copies are rendered by their sources from a copy of each intent and applied by the
// platform's engine directly; they are in no index, so Plateau's proxy serves them to no one,
// and the reconcilers leave their scratch project alone (`isDrillProject`).
import { createHash } from "node:crypto";
import type { DrillInstance, DrillReport } from "../../contracts/recovery.js";
import { ConflictError, NotFoundError, PlateauError } from "../errors.js";
import { parseInstance, parsePlatform, parseProject, type InstanceDocument, type PlatformDocument } from "../model.js";
import { generatedSecretKeys } from "../helm/secret-placeholders.js";
import type { SourceRegistry } from "../instances/sources/index.js";
import type { Clock, Random } from "../ports/clock.js";
import type { DesiredStateRepository } from "../ports/desired-state-repository.js";
import type { DrillReports } from "../ports/drill-reports.js";
import type { Engine } from "../ports/engine.js";
import type { EngineRegistry } from "../ports/engine-registry.js";
import type { Logger } from "../ports/logger.js";
import type { SecretStore } from "../ports/secret-store.js";
import type { StateIndex } from "../ports/state-index.js";
import type { BackupRecord, VolumeBackupsRegistry } from "../ports/volume-backups.js";
import { isKubeObject, type KubeObject } from "../render/kube.js";
import { GENERATED_SECRET_LENGTH, generatedSecretName } from "../render/render.js";
import { instancePath, platformPath, projectPath, renderedInstanceDir } from "../repository/layout.js";
import { fromYaml } from "../yaml.js";
import { drillProjectName, drillTargets, isDrillProject, overheadSeconds, rpoSeconds, rtoSeconds } from "./drill-plan.js";
import { recoveryPolicyOf, type RecoveryDefaults } from "./policy.js";

/** One line of a drill's progress, for the CLI (as a launch streams its steps). */
export interface DrillProgress {
  readonly at: string;
  /** `project/instance`, or empty for the drill itself. */
  readonly instance: string;
  readonly message: string;
}

export interface DrillDeps {
  readonly repo: DesiredStateRepository;
  readonly index: Pick<StateIndex, "listInstances">;
  readonly sources: Pick<SourceRegistry, "sourceFor">;
  readonly engines: EngineRegistry;
  readonly backups: VolumeBackupsRegistry;
  readonly reports: DrillReports;
  /** The originals' generated secrets: a copy is handed the same (its restored data was made with them). */
  readonly secrets: Pick<SecretStore, "read">;
  readonly defaults: RecoveryDefaults;
  /** Whether something answers an HTTP GET on this endpoint (`127.0.0.1:41234`): an adapter's business, as it is I/O. */
  readonly answers: (endpoint: string, signal?: AbortSignal) => Promise<boolean>;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger?: Logger;
}

export interface Drills {
  /** Runs a drill of the platform's instances now; its report, also stored. */
  run(platform: string, options?: { readonly progress?: (line: DrillProgress) => void; readonly signal?: AbortSignal }): Promise<DrillReport>;
  /** Removes what drills killed midway left running on the platform's engine; the units removed (`project/instance`). */
  removeLeftovers(platform: string): Promise<string[]>;
}

const failure = (code: string, error: unknown): NonNullable<DrillInstance["error"]> => ({
  code: error instanceof PlateauError && error.reason === "backup-corrupt" ? "backup-corrupt" : code,
  message: error instanceof Error ? error.message : String(error),
});

/** The copy's intent: the original's, in the scratch project, without a restore of its own (the drill restores). */
export function copyIntent(intent: InstanceDocument, scratch: string): InstanceDocument {
  const { restore: _restore, ...spec } = intent.spec;
  return { ...intent, metadata: { ...intent.metadata, project: scratch }, spec };
}

export function createDrills(deps: DrillDeps): Drills {
  const { clock } = deps;
  const running = new Set<string>();

  async function platformOf(name: string): Promise<{ platform: PlatformDocument; engine: Engine }> {
    const head = await deps.repo.head();
    const text = head ? await deps.repo.readFile(head, platformPath(name)) : undefined;
    if (text === undefined) throw new NotFoundError("platform", name);
    const platform = parsePlatform(text, platformPath(name));
    if (platform.spec.engine !== "podman")
      throw new ConflictError(`drills run on podman platforms for now: ${name} is a cluster (its Velero restores are not drilled yet)`, {
        reason: "drill-on-cluster",
        params: { platform: name },
      });
    const engine = deps.engines.get(platform);
    if (!engine) throw new ConflictError(`this Plateau has no engine for ${name}`, { reason: "no-engine", params: { platform: name } });
    return { platform, engine };
  }

  async function removeLeftoversOn(engine: Engine): Promise<string[]> {
    const removed: string[] = [];
    for (const unit of await engine.observe()) {
      if (!isDrillProject(unit.project)) continue;
      await engine.remove(unit.project, unit.instance);
      removed.push(`${unit.project}/${unit.instance}`);
    }
    return removed.sort();
  }

  /** The copy's objects: the source's rendering of the copied intent, those of its own directory. */
  async function copyObjects(intent: InstanceDocument, platform: PlatformDocument): Promise<{ objects: KubeObject[]; hash: string }> {
    const source = await deps.sources.sourceFor(intent.spec.template);
    const { changes } = source.render(intent, platform);
    const dir = `${renderedInstanceDir(platform.metadata.name, intent.metadata.project, intent.metadata.name)}/`;
    const files = changes
      .flatMap((change) => ("content" in change && change.path.startsWith(dir) && change.path.endsWith(".yaml") ? [change] : []))
      .sort((a, b) => a.path.localeCompare(b.path));
    const objects = files.map((file) => {
      const value = fromYaml(file.content, file.path);
      if (!isKubeObject(value)) throw new Error(`${file.path} is not a Kubernetes object`);
      return value;
    });
    const hash = createHash("sha256");
    for (const file of files) hash.update(`${file.path}\u0000${file.content}\u0000`);
    return { objects, hash: hash.digest("hex") };
  }

  return {
    async removeLeftovers(name) {
      const { engine } = await platformOf(name);
      return removeLeftoversOn(engine);
    },

    async run(name, options = {}) {
      const { platform, engine } = await platformOf(name);
      const backups = await deps.backups.backupsFor(name);
      if (!backups)
        throw new ConflictError(`${name} has no volume backups (spec.backups): there is nothing to drill`, {
          reason: "no-volume-backups",
          params: { platform: name },
        });
      if (running.has(name))
        throw new ConflictError(`a drill of ${name} is running: wait for its report`, { reason: "drill-running", params: { platform: name } });
      running.add(name);
      try {
        const say = (instance: string, message: string) => options.progress?.({ at: clock.now().toISOString(), instance, message });
        const startedAt = clock.now();
        const leftovers = await removeLeftoversOn(engine);
        if (leftovers.length > 0) say("", `removed what an earlier drill left: ${leftovers.join(", ")}`);
        const id = deps.random.id();
        const scratch = drillProjectName(name, id);
        const head = await deps.repo.head();
        const policies = new Map<string, boolean>();
        const candidates = await deps.index.listInstances({ platform: name });
        for (const project of new Set(candidates.map((instance) => instance.project))) {
          const text = head ? await deps.repo.readFile(head, projectPath(project)) : undefined;
          policies.set(project, text !== undefined && recoveryPolicyOf(parseProject(text, projectPath(project)), deps.defaults).backups);
        }
        const targets = drillTargets(candidates, name, (project) => policies.get(project) === true);
        say("", `drill ${id}: ${targets.length} instance(s) of ${name} copied into ${scratch} on ${name}`);
        const instances: DrillInstance[] = [];
        const restoreSeconds: number[] = [];
        const removals: Promise<void>[] = [];
        try {
          for (const target of targets) {
            options.signal?.throwIfAborted();
            const ref = `${target.project}/${target.name}`;
            let record: BackupRecord | undefined;
            let error: DrillInstance["error"];
            let answered = false;
            let rto: number | null = null;
            const begin = clock.now();
            try {
              record = (await backups.list(target.project, target.name))[0];
              if (!record) {
                error = { code: "no-backup", message: `${ref} has no backup yet` };
              } else {
                say(ref, `restoring backup ${record.id} (taken ${record.takenAt})`);
                try {
                  await backups.restore(record, { project: scratch, instance: target.name }, { ...(options.signal ? { signal: options.signal } : {}) });
                } catch (cause) {
                  error = failure("restore-failed", cause);
                }
                if (!error) {
                  const text = head ? await deps.repo.readFile(head, instancePath(target.project, target.name)) : undefined;
                  if (text === undefined) throw new NotFoundError("instance", ref);
                  const intent = copyIntent(parseInstance(text, instancePath(target.project, target.name)), scratch);
                  const { objects, hash } = await copyObjects(intent, platform);
                  const keys = generatedSecretKeys(objects, scratch, target.name);
                  const own = keys.length > 0 ? await deps.secrets.read(target.project, target.name) : {};
                  const values = Object.fromEntries(keys.map((key) => [key, own[key] ?? deps.random.secret(GENERATED_SECRET_LENGTH)]));
                  say(ref, `starting its copy ${scratch}/${target.name}`);
                  let observed;
                  try {
                    observed = await engine.apply(
                      { project: scratch, instance: target.name, hash, objects },
                      {
                        secrets: keys.length > 0 ? { [generatedSecretName(target.name)]: values } : {},
                        observed: null,
                        progress: (message) => say(ref, message),
                        ...(options.signal ? { signal: options.signal } : {}),
                      },
                    );
                  } catch (cause) {
                    error = failure("apply-failed", cause);
                  }
                  if (observed && !error) {
                    answered = observed.phase === "running" && observed.endpoint !== null && (await deps.answers(observed.endpoint, options.signal));
                    if (answered) rto = rtoSeconds(begin, clock.now());
                    else
                      error = { code: "not-answering", message: `its copy did not answer (${observed.phase}${observed.reason ? `: ${observed.reason}` : ""})` };
                  }
                }
              }
            } catch (cause) {
              error ??= failure("render-failed", cause);
            } finally {
              const spent = rtoSeconds(begin, clock.now());
              if (record) restoreSeconds.push(spent);
              // Removed whatever happened: a copy never outlives its drill (a killed drill's are removed at the next start).
              // Its removal runs while the next copy is restored; the drill waits for every one before it reports.
              removals.push(
                engine.remove(scratch, target.name).catch((cause: unknown) => {
                  deps.logger?.warn({ project: scratch, instance: target.name, error: (cause as Error).message }, "a drill's copy could not be removed");
                }),
              );
            }
            const entry: DrillInstance = {
              project: target.project,
              instance: target.name,
              backup: record ? { id: record.id, takenAt: record.takenAt } : null,
              rpoSeconds: record ? rpoSeconds(startedAt, record.takenAt) : null,
              rtoSeconds: rto,
              answered,
              ...(error ? { error } : {}),
            };
            instances.push(entry);
            say(ref, answered ? `answered: RTO ${rto} s, RPO ${entry.rpoSeconds} s` : `failed: ${error?.code ?? "unknown"}`);
          }
        } finally {
          await Promise.all(removals);
        }
        say("", `copies removed from ${scratch}`);
        const finishedAt = clock.now();
        const report: DrillReport = {
          id,
          platform: name,
          recoverySite: name,
          startedAt: startedAt.toISOString(),
          finishedAt: finishedAt.toISOString(),
          scratchProject: scratch,
          instances,
          overheadSeconds: overheadSeconds(startedAt, finishedAt, restoreSeconds),
        };
        await deps.reports.add(report);
        deps.logger?.info(
          { platform: name, drill: id, instances: instances.length, answered: instances.filter((instance) => instance.answered).length },
          "drill finished",
        );
        return report;
      } finally {
        running.delete(name);
      }
    },
  };
}
