// A project's recovery as its members see it (ADR 0034): its policy and why, each instance's
// newest backup, its part of the latest drill, and whether a drill is overdue; and the check
// that turns an overdue drill into a notice, once per time it falls due.
import type { ProjectRecovery } from "../../contracts/recovery.js";
import { NotFoundError } from "../errors.js";
import { parseProject, type ProjectDocument } from "../model.js";
import type { PublishNotice } from "../notify/notice.js";
import type { ClusterBackupsRegistry } from "../ports/cluster-backups.js";
import type { Clock } from "../ports/clock.js";
import type { DesiredStateRepository } from "../ports/desired-state-repository.js";
import type { DrillReports } from "../ports/drill-reports.js";
import type { Logger } from "../ports/logger.js";
import type { Scheduler, ScheduledTask } from "../ports/scheduler.js";
import type { StateIndex } from "../ports/state-index.js";
import type { VolumeBackupsRegistry } from "../ports/volume-backups.js";
import { projectPath } from "../repository/layout.js";
import { drillDue, projectPartOf } from "./drill-plan.js";
import { recoveryPolicyOf, type RecoveryDefaults } from "./policy.js";

export interface RecoveryViewDeps {
  readonly repo: DesiredStateRepository;
  readonly index: Pick<StateIndex, "listInstances" | "listProjects">;
  readonly reports: DrillReports;
  readonly volumeBackups?: VolumeBackupsRegistry;
  readonly clusterBackups?: ClusterBackupsRegistry;
  readonly defaults: RecoveryDefaults;
  readonly clock: Clock;
}

export interface RecoveryViews {
  /** The project's recovery; a NotFoundError when it does not exist (access is checked before). */
  projectRecovery(project: string): Promise<ProjectRecovery>;
  /** The projects backed up whose drill is overdue now, with when it fell due. */
  overdue(): Promise<{ readonly project: string; readonly dueAt: string; readonly since: string; readonly days: number }[]>;
}

export function createRecoveryViews(deps: RecoveryViewDeps): RecoveryViews {
  async function projectDocument(name: string): Promise<ProjectDocument | undefined> {
    const head = await deps.repo.head();
    const text = head ? await deps.repo.readFile(head, projectPath(name)) : undefined;
    return text === undefined ? undefined : parseProject(text, projectPath(name));
  }

  async function newestBackup(platform: string, project: string, instance: string): Promise<{ id: string; takenAt: string } | null> {
    const volumes = await deps.volumeBackups?.backupsFor(platform);
    if (volumes) {
      const newest = (await volumes.list(project, instance))[0];
      return newest ? { id: newest.id, takenAt: newest.takenAt } : null;
    }
    // Velero backs up a project's namespace whole: its newest good backup holds each of its instances.
    const cluster = await deps.clusterBackups?.backupsFor(platform);
    const good = cluster ? (await cluster.list(project)).find((backup) => backup.phase === "Completed") : undefined;
    const takenAt = good?.startedAt ?? good?.completedAt;
    return good && takenAt ? { id: good.name, takenAt } : null;
  }

  return {
    async projectRecovery(name) {
      const document = await projectDocument(name);
      if (!document) throw new NotFoundError("project", name);
      const policy = recoveryPolicyOf(document, deps.defaults);
      const instances = await deps.index.listInstances({ project: name });
      const latest = await deps.reports.latestFor(name);
      const due = drillDue(policy, latest?.startedAt, document.metadata.createdAt, deps.clock.now());
      return {
        project: name,
        policy,
        instances: await Promise.all(
          [...instances]
            .sort((a, b) => a.name.localeCompare(b.name))
            .map(async (instance) => ({
              instance: instance.name,
              platform: instance.platform,
              newestBackup: await newestBackup(instance.platform, name, instance.name).catch(() => null),
            })),
        ),
        latestDrill: latest ? projectPartOf(latest, name) : null,
        drillOverdue: due.overdue,
        drillDueAt: due.dueAt,
      };
    },

    async overdue() {
      const last = await deps.reports.lastDrilled();
      const now = deps.clock.now();
      const found: { project: string; dueAt: string; since: string; days: number }[] = [];
      for (const indexed of await deps.index.listProjects()) {
        const document = await projectDocument(indexed.name).catch(() => undefined);
        if (!document) continue;
        const policy = recoveryPolicyOf(document, deps.defaults);
        const since = last.get(indexed.name) ?? document.metadata.createdAt;
        const due = drillDue(policy, last.get(indexed.name), document.metadata.createdAt, now);
        if (due.overdue && due.dueAt) found.push({ project: indexed.name, dueAt: due.dueAt, since, days: policy.drillEveryDays });
      }
      return found.sort((a, b) => a.project.localeCompare(b.project));
    },
  };
}

/** The notice of an overdue drill: one per project and due date (a new drill, then overdue again, is a new notice). */
export const drillOverdueNoticeKey = (project: string, dueAt: string): string => `drill-overdue:${project}:${dueAt}`;

/**
 * The `recovery drills` task (one replica): every project backed up whose drill is overdue gets
 * a notice to its owners and editors (and the chat channel operators read), once per due date.
 */
export function scheduleOverdueDrills(params: {
  readonly scheduler: Scheduler;
  readonly views: Pick<RecoveryViews, "overdue">;
  readonly publish: PublishNotice;
  readonly intervalMs: number;
  readonly logger: Logger;
}): ScheduledTask {
  return params.scheduler.add({
    name: "recovery drills",
    scope: "one-replica",
    intervalMs: params.intervalMs,
    immediately: true,
    async run() {
      try {
        for (const { project, dueAt, since, days } of await params.views.overdue()) {
          await params.publish({
            key: drillOverdueNoticeKey(project, dueAt),
            kind: "drill-overdue",
            params: { project, days, since, command: "plateau recovery drill <platform>" },
            project,
            due: dueAt,
            action: "run-drill",
          });
        }
      } catch (error) {
        params.logger.warn({ error: (error as Error).message }, "overdue drills could not be checked; tried again at the next check");
      }
    },
  });
}
