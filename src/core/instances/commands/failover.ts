// Failover and failback (ADR 0034): many moves in ONE commit. Here, and not in core/recovery,
// because the commit is a move of each instance (placed again pinned, its files rendered on
// the new platform and removed from the old, the project's files there) made through the
// same command context as `move`; core/recovery/service.ts gathers the backups (ports) and
// reads the reports, and core/recovery/failover.ts is the pure plan both use.
import { ConflictError } from "../../errors.js";
import type { Requester } from "../../identity.js";
import { serialize, type InstanceDocument, type PlatformDocument } from "../../model.js";
import { bucketsAt } from "../../buckets/read.js";
import { argoBootstrapChanges, projectsOnPlatform } from "../../projects/argocd-bootstrap.js";
import { isClusterPlatform } from "../../projects/bundle.js";
import type { CommitId, FileChange } from "../../ports/desired-state-repository.js";
import { instancePath } from "../../repository/layout.js";
import { TRAILERS } from "../../repository/trailers.js";
import {
  bucketOn,
  failedOverIntents,
  planFailback,
  planFailover,
  recoveryPlatformOf,
  refOf,
  type BackupPoint,
  type RecoveryMove,
  type RecoveryStep,
} from "../../recovery/failover.js";
import { relocation, type Relocation } from "./move.js";
import type { CommandContext } from "./context.js";

export type RecoveryAction = "failover" | "failback";

export interface RecoveryRequest {
  readonly action: RecoveryAction;
  /** The failed platform (failover), or the platform coming back (failback). */
  readonly platform: string;
  readonly requester: Requester;
  /** The operator's reason (failover). */
  readonly reason?: string;
  /** The request's id (from the idempotency key), published as a trailer. */
  readonly requestId?: string;
  /** The backups each instance is restored from, by `<project>/<instance>`: gathered before, through the ports. */
  readonly backups: ReadonlyMap<string, BackupPoint>;
}

export interface RecoveryOutcome {
  readonly commit: CommitId | null;
  readonly steps: readonly RecoveryStep[];
  /** The request's id was committed already: nothing was planned again. */
  readonly replayed: boolean;
}

/** A trailer's value on one line (git would cut it at the first newline). */
const oneLine = (text: string): string => text.replace(/\s+/g, " ").trim();

export function recoveryCommands(ctx: CommandContext) {
  const { deps } = ctx;
  const { writer, index, repo } = deps;

  /** The intents placed on the platform at this head (the index is at the head in the writer's critical section). */
  async function intentsOn(head: CommitId, platform: string): Promise<InstanceDocument[]> {
    const placed = await index.listInstances({ platform });
    return Promise.all(placed.map((instance) => ctx.intentAt(head, instance.project, instance.name)));
  }

  /**
   * The plan at this head: each instance placed again on its target as a pinned move would be
   * (a refusal is a skip), then the pure plan. The relocations are kept for the commit.
   */
  async function planAt(
    head: CommitId,
    request: Omit<RecoveryRequest, "requestId">,
  ): Promise<{ steps: RecoveryStep[]; relocations: Map<string, Relocation>; platforms: PlatformDocument[] }> {
    const platforms = await ctx.platformsAt(head);
    const buckets = await bucketsAt(repo, head);
    const recovery = recoveryPlatformOf(request.platform, platforms);
    const home = platforms.find((platform) => platform.metadata.name === request.platform);
    const intents =
      request.action === "failover"
        ? await intentsOn(head, request.platform)
        : recovery
          ? failedOverIntents(request.platform, await intentsOn(head, recovery.metadata.name))
          : [];
    const target = request.action === "failover" ? recovery : home;
    const refusals = new Map<string, string>();
    const relocations = new Map<string, Relocation>();
    if (target) {
      for (const intent of intents) {
        const ref = refOf(intent);
        const bucket = bucketOn(intent, buckets, target);
        try {
          const relocated = await relocation(ctx, head, intent, target.metadata.name, platforms, bucket ? { bucket } : {});
          if (relocated.target) relocations.set(ref, relocated);
        } catch (error) {
          // What a pinned move would answer: the instance stays, and the report says why.
          refusals.set(ref, error instanceof Error ? error.message : String(error));
        }
      }
    }
    const now = deps.clock.now();
    const steps =
      request.action === "failover"
        ? planFailover({
            failed: request.platform,
            platforms,
            intents,
            backups: request.backups,
            buckets,
            refusals,
            now,
            reason: oneLine(request.reason ?? ""),
            requester: request.requester.login,
          })
        : planFailback({
            platform: request.platform,
            platforms,
            intents,
            backups: request.backups,
            buckets,
            refusals,
            now,
            requester: request.requester.login,
          });
    return { steps, relocations, platforms };
  }

  function messageOf(request: RecoveryRequest, moves: readonly RecoveryMove[], steps: readonly RecoveryStep[]): string {
    const to = moves[0]?.to ?? "";
    const subject =
      request.action === "failover"
        ? `failover ${request.platform} to ${to}: ${oneLine(request.reason ?? "")}`
        : `failback ${moves[0]?.from ?? ""} to ${request.platform}`;
    const lines = moves.map(
      (move) =>
        `- ${move.project}/${move.instance}: ${move.restore ? `volumes from backup ${move.restore.backup} of ${move.restore.platform} taken at ${move.restore.takenAt} (RPO ${move.rpoSeconds} s)` : "no backup: it starts empty"}${move.bucket ? `; bucket ${move.bucket.name} on ${move.bucket.platform}` : ""}`,
    );
    const skipped = steps.flatMap((step) => (step.kind === "skip" ? [`- ${step.project}/${step.instance}: ${step.reason}`] : []));
    const why =
      request.action === "failover"
        ? `Requested by ${request.requester.login}: ${request.platform} has failed; its instances run on its recovery site ${to}, restored from their newest backups.`
        : `Requested by ${request.requester.login}: ${request.platform} is back; the instances a failover moved to ${moves[0]?.from ?? ""} return, restored from fresh backups.`;
    return [subject, "", why, "", `${moves.length} instance(s) move:`, ...lines, ...(skipped.length > 0 ? ["", "Left where they are:", ...skipped] : [])].join(
      "\n",
    );
  }

  /** Later changes of a path replace earlier ones (several instances of one project bring its files once). */
  function deduplicated(changes: readonly FileChange[]): FileChange[] {
    const last = new Map<string, number>();
    changes.forEach((change, i) => last.set(change.path, i));
    return changes.filter((change, i) => last.get(change.path) === i);
  }

  return {
    /** What the step would do now at the head, committing nothing (the report's skips, the CLI's confirmation). */
    async planRecovery(request: Omit<RecoveryRequest, "requestId">): Promise<RecoveryStep[]> {
      const head = await repo.head();
      if (!head) return [];
      return (await planAt(head, request)).steps;
    },

    /**
     * One commit moving every instance the plan moves (none when it moves none); a request id
     * already committed answers that commit, planning nothing (ADR 14).
     */
    async recover(request: RecoveryRequest): Promise<RecoveryOutcome> {
      const earlier = await ctx.committed(request.requestId);
      if (earlier) return { commit: earlier.commit, steps: [], replayed: true };
      const { commit, result } = await writer.write<RecoveryOutcome>(async (head) => {
        const again = await ctx.committed(request.requestId);
        if (again) return { commit: null, result: { commit: again.commit, steps: [], replayed: true } };
        if (!head) throw new ConflictError("the desired-state repository has not been initialized", { reason: "repository-not-initialized" });
        const { steps, relocations, platforms } = await planAt(head, request);
        const moves = steps.filter((step): step is RecoveryMove => step.kind === "move" && relocations.has(`${step.project}/${step.instance}`));
        if (moves.length === 0) return { commit: null, result: { commit: null, steps, replayed: false } };
        const now = deps.clock.now().toISOString();
        const changes: FileChange[] = [];
        const projectsOn = new Map<string, Set<string>>();
        for (const move of moves) {
          const relocated = relocations.get(`${move.project}/${move.instance}`) as Relocation;
          const intent = await ctx.intentAt(head, move.project, move.instance);
          const source = await ctx.sources.sourceFor(intent.spec.template);
          const { restore: _restore, ...spec } = relocated.spec;
          const next: InstanceDocument = {
            ...intent,
            spec: { ...spec, ...(move.restore ? { restore: move.restore } : {}) },
            placement: { platform: relocated.target.metadata.name, reason: move.placementReason },
          };
          changes.push(
            ...(await ctx.projectChanges(head, move.project, relocated.target, request.requester, now)),
            { path: instancePath(move.project, move.instance), content: serialize(next) },
            ...ctx.renderedRemovals(move.from, move.project, move.instance),
            ...source.render(next, relocated.target).changes,
          );
          const set = projectsOn.get(relocated.target.metadata.name) ?? new Set<string>();
          set.add(move.project);
          projectsOn.set(relocated.target.metadata.name, set);
        }
        // The AppProjects of every project arriving on a cluster at once (each project's own
        // files above list only the platform's projects and itself).
        for (const [name, projects] of projectsOn) {
          const platform = platforms.find((candidate) => candidate.metadata.name === name);
          if (!platform || !isClusterPlatform(platform)) continue;
          const present = await projectsOnPlatform(repo, head, name);
          if ([...projects].every((project) => present.includes(project))) continue;
          const all = [...new Set([...present, ...projects])].sort();
          changes.push(
            ...argoBootstrapChanges({
              platform,
              projects: all,
              chartRepositories: deps.chartRepositories ?? [],
              ...(deps.crds ? { crds: deps.crds } : {}),
              platforms,
            }),
          );
        }
        return {
          commit: {
            author: request.requester,
            message: messageOf(request, moves, steps),
            trailers: {
              [TRAILERS.action]: request.action,
              [TRAILERS.platform]: request.platform,
              ...(request.reason ? { [TRAILERS.reason]: oneLine(request.reason) } : {}),
              ...(request.requestId ? { [TRAILERS.requestId]: request.requestId } : {}),
            },
            changes: deduplicated(changes),
          },
          result: { commit: null, steps, replayed: false },
        };
      });
      return { ...result, commit: result.replayed ? result.commit : commit };
    },
  };
}
