// Idle reclaim's steps (ADR 28): announce, stop, remove, cancel — each one commit authored by
// Plateau with its reason in the message and trailers — and the person's *keep*. A step is
// decided again against the head inside the writer, so a sweep run twice, after a crash or
// racing a person's start commits once, or not at all.
import { NotFoundError } from "../../errors.js";
import type { Requester } from "../../identity.js";
import { serialize, type InstanceDocument } from "../../model.js";
import { assertName } from "../../names.js";
import type { CommitId, FileChange } from "../../ports/desired-state-repository.js";
import type { ReclaimStep } from "../../reclaim/policy.js";
import { instancePath } from "../../repository/layout.js";
import { TRAILERS } from "../../repository/trailers.js";
import { day } from "../expiry.js";
import type { ChangeResult } from "../types.js";
import type { CommandContext } from "./context.js";
import { stateChanger } from "./state.js";

/** The trailer actions of idle reclaim's commits. */
export const IDLE_ACTIONS = { notify: "idle-notify", stop: "idle-stop", remove: "idle-remove", cancel: "idle-cancel", keep: "idle-keep" } as const;

const CANCEL_WHY: Readonly<Record<string, string>> = {
  activity: "it was used since the notice",
  exempt: "it is exempt from idle reclaim now",
  policy: "the policy no longer takes that step",
  "no-metrics": "its platform's metrics no longer say whether it is used",
};

export interface IdleStepResult {
  readonly commit: CommitId;
  readonly step: ReclaimStep;
  /** The intent as committed (null once removed). */
  readonly intent: InstanceDocument | null;
}

export function idleCommands(ctx: CommandContext) {
  const { deps } = ctx;
  const { writer, clock } = deps;
  const changeState = stateChanger(ctx);

  const intentOrNone = (head: CommitId | null, project: string, name: string) =>
    ctx.intentAt(head, project, name).catch((error: unknown) => {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    });

  /** Whether idle reclaim may stop it: a source that only its expiry removes (ADR 24) is never stopped for idleness. */
  const stoppable = async (intent: InstanceDocument): Promise<boolean> => (await ctx.sources.sourceFor(intent.spec.template)).onExpiry(intent.spec) === "stop";

  return {
    stoppable,
    /**
     * Takes the step `decide` makes of the instance's intent at the head, as Plateau: one commit,
     * or none when the decision is null there (already taken, started by its person, removed).
     */
    async idleStep(
      project: string,
      name: string,
      decide: (intent: InstanceDocument, stoppable: boolean) => ReclaimStep | null,
    ): Promise<IdleStepResult | null> {
      const { commit, result } = await writer.write<Omit<IdleStepResult, "commit"> | null>(async (head) => {
        const intent = await intentOrNone(head, project, name);
        const step = head && intent ? decide(intent, await stoppable(intent)) : null;
        if (!head || !intent || !step) return { commit: null, result: null };
        const ref = `${project}/${name}`;
        const now = clock.now().toISOString();
        const platform = intent.placement.platform;
        const idle = intent.spec.idle ?? {};
        const { notice: _notice, ...withoutNotice } = idle;
        const trailers = (action: string, reason: string) => ({ ...ctx.trailersOf(action, ref, platform, undefined), [TRAILERS.reason]: reason });
        const withIdle = (next: NonNullable<InstanceDocument["spec"]["idle"]>): InstanceDocument => ({ ...intent, spec: { ...intent.spec, idle: next } });
        let prepared: { message: string; trailers: Record<string, string>; changes: readonly FileChange[]; intent: InstanceDocument | null };
        switch (step.kind) {
          case "notify": {
            const next = withIdle({ ...withoutNotice, notice: { step: step.step, at: now, due: step.due } });
            const what = step.step === "stop" ? "stopped (its data is kept)" : "removed, its workload and its data with it";
            const prevent =
              step.step === "stop"
                ? `Use it, or keep it: \`plateau keep ${ref}\` or *Keep it* on its page in the portal.`
                : `Start it (\`plateau start ${ref}\`), or keep it stopped longer: \`plateau keep ${ref}\`.`;
            prepared = {
              message: `idle: ${step.step} ${ref} on ${day(step.due)}\n\nReason: ${step.why}. Plateau will have it ${what} on ${day(step.due)}. ${prevent}`,
              trailers: trailers(IDLE_ACTIONS.notify, `${step.step} planned, ${step.why}`),
              changes: [{ path: instancePath(project, name), content: serialize(next) }],
              intent: next,
            };
            break;
          }
          case "cancel": {
            const next = withIdle(withoutNotice);
            prepared = {
              message: `idle: cancel the ${idle.notice?.step ?? "step"} of ${ref}\n\nThe ${idle.notice?.step ?? "step"} announced for ${day(idle.notice?.due ?? now)} will not happen: ${CANCEL_WHY[step.why] ?? step.why}.`,
              trailers: trailers(IDLE_ACTIONS.cancel, step.why),
              changes: [{ path: instancePath(project, name), content: serialize(next) }],
              intent: next,
            };
            break;
          }
          case "stop": {
            const { next, changes } = await changeState(head, intent, "stopped");
            prepared = {
              message:
                `idle: stop ${ref}\n\nReason: ${step.why} without CPU use nor a request through Plateau's proxy, announced on ${day(idle.notice?.at ?? now)}. ` +
                `Plateau stopped it; its data is kept. Start it again with \`plateau start ${ref}\` or from the portal.`,
              trailers: trailers(IDLE_ACTIONS.stop, step.why),
              changes,
              intent: next,
            };
            break;
          }
          case "remove":
            prepared = {
              message:
                `idle: remove ${ref}\n\nReason: ${step.why}, its removal announced on ${day(idle.notice?.at ?? now)}. ` +
                `Plateau removed it from ${platform}, its workload and its data with it.`,
              trailers: trailers(IDLE_ACTIONS.remove, step.why),
              changes: [{ path: instancePath(project, name), remove: true }, ...ctx.renderedRemovals(platform, project, name)],
              intent: null,
            };
            break;
        }
        return {
          commit: { author: ctx.system, message: prepared.message, trailers: prepared.trailers, changes: prepared.changes },
          result: { step, intent: prepared.intent },
        };
      });
      return commit && result ? { ...result, commit } : null;
    },

    /**
     * The person's *keep it*: cancels the announced step and counts idleness (or the days
     * stopped) from now. Nothing to commit when no step is announced.
     */
    async keep(project: string, name: string, requester: Requester, key?: string): Promise<ChangeResult> {
      assertName("/project", project);
      assertName("/name", name);
      const ref = `${project}/${name}`;
      const id = ctx.idOf(key, requester, "keep", ref);
      return ctx.changeOnce(id, project, name, async (head) => {
        const intent = await ctx.intentAt(head, project, name);
        const notice = intent.spec.idle?.notice;
        if (!head || !notice) return null;
        const now = clock.now().toISOString();
        const { notice: _notice, ...idle } = intent.spec.idle ?? {};
        const next: InstanceDocument = {
          ...intent,
          spec: { ...intent.spec, idle: intent.spec.state === "running" ? { ...idle, since: now } : { ...idle, stoppedAt: now } },
        };
        return {
          author: requester,
          message: `keep ${ref}\n\nRequested by ${requester.login}: the ${notice.step} announced for ${day(notice.due)} will not happen; idle reclaim counts from now.`,
          trailers: { ...ctx.trailersOf(IDLE_ACTIONS.keep, ref, intent.placement.platform, id), [TRAILERS.reason]: "kept" },
          changes: [{ path: instancePath(project, name), content: serialize(next) }],
        };
      });
    },
  };
}
