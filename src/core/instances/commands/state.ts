// Stopping, starting, renewing and expiring: each one commit changing an instance's state or
// expiry (none when it already says so). How an instance stops is its source's business, and
// whether its expiry stops it or, when it cannot be stopped, removes it (ADR 24).
import { ConflictError, InputError, NotFoundError } from "../../errors.js";
import type { Requester } from "../../identity.js";
import { serialize, type InstanceDocument, type InstanceState } from "../../model.js";
import { assertName } from "../../names.js";
import type { CommitId } from "../../ports/desired-state-repository.js";
import { instancePath } from "../../repository/layout.js";
import { day, expiredInstances, isExpired, renewedExpiry, startExpiry } from "../expiry.js";
import type { ChangeResult, ExpiryReport, RenewRequest } from "../types.js";
import type { CommandContext } from "./context.js";

/**
 * The intent with another state, and its files (see below): shared by the person's stop and
 * start, the expiry sweep and idle reclaim (ADR 28).
 */
export function stateChanger(ctx: CommandContext) {
  const { deps, lifecycle } = ctx;
  const { clock } = deps;
  /**
   * The intent with another state, and its files: lifecycle changes re-render with the
   * source as it is now (a template's current version; a chart keeps its version). A start
   * gives it a fresh expiry; a stop keeps the one it has (it says when an expired instance expired).
   */
  async function changeState(head: CommitId, intent: InstanceDocument, state: InstanceState) {
    const { project, name } = intent.metadata;
    const source = await ctx.sources.sourceFor(intent.spec.template);
    const platform = await ctx.platformAt(head, intent.placement.platform);
    const { expiresAt: current, idle: _idle, ...spec } = intent.spec;
    const expiresAt = state === "running" ? startExpiry(current, clock.now(), lifecycle) : current;
    // Idle reclaim counts from a start, and a stopped instance's removal from its stop (ADR 28); a pending notice ends either way.
    const idle = state === "running" ? { since: clock.now().toISOString() } : { stoppedAt: clock.now().toISOString() };
    const next: InstanceDocument = {
      ...intent,
      spec: {
        ...spec,
        state,
        ...(await source.withState(intent.spec, state, `${project}/${name}`, { platform, project, name })),
        ...(expiresAt !== undefined ? { expiresAt } : {}),
        idle,
      },
    };
    const { changes, asks } = source.render(next, platform);
    return { next, platform, asks, changes: [{ path: instancePath(project, name), content: serialize(next) }, ...changes] };
  }
  return changeState;
}

export function stateCommands(ctx: CommandContext) {
  const { deps, lifecycle, expiring } = ctx;
  const { writer, index, clock } = deps;
  const changeState = stateChanger(ctx);

  async function setState(project: string, name: string, state: InstanceState, requester: Requester, key?: string): Promise<ChangeResult> {
    assertName("/project", project);
    assertName("/name", name);
    const verb = state === "running" ? "start" : "stop";
    const id = ctx.idOf(key, requester, verb, `${project}/${name}`);
    return ctx.changeOnce(id, project, name, async (head) => {
      const intent = await ctx.intentAt(head, project, name);
      if (intent.spec.state === state || !head) return null;
      const { platform, asks, changes } = await changeState(head, intent, state);
      if (state === "running") await deps.tenancy.check(head, project, asks, { project, name });
      return {
        author: requester,
        message: `${verb} ${project}/${name}\n\nRequested by ${requester.login}.`,
        trailers: ctx.trailersOf(verb, `${project}/${name}`, platform.metadata.name, id),
        changes,
      };
    });
  }

  /**
   * Stops one expired instance (removes it when it cannot be stopped), as Plateau: checked again against the head, so that a sweep
   * run twice (or after a crash, or racing a renewal) commits once, or not at all.
   */
  async function expireOne(project: string, name: string): Promise<CommitId | null> {
    const { commit } = await writer.write(async (head) => {
      const intent = await ctx.intentAt(head, project, name).catch((error: unknown) => {
        if (error instanceof NotFoundError) return undefined;
        throw error;
      });
      if (!head || !intent || intent.spec.state !== "running" || !isExpired(intent.spec.expiresAt, clock.now())) return { commit: null, result: undefined };
      const ref = `${project}/${name}`;
      const source = await ctx.sources.sourceFor(intent.spec.template);
      if (source.onExpiry(intent.spec) === "remove") {
        // What cannot be stopped is removed by its expiry (ADR 24): the launch form said so, and
        // its expiry was shown from its launch on, with *Renew* to keep it longer.
        const platform = intent.placement.platform;
        return {
          commit: {
            author: ctx.system,
            message:
              `expire ${ref}\n\n` +
              `It expired on ${day(intent.spec.expiresAt as string)}. It cannot be stopped, only removed: Plateau removed it from ${platform}, ` +
              `its workload and its data with it. Launch it again to have it back (and renew an instance like it before it expires to keep it).`,
            trailers: ctx.trailersOf("expire", ref, platform, undefined),
            changes: [{ path: instancePath(project, name), remove: true }, ...ctx.renderedRemovals(platform, project, name)],
          },
          result: undefined,
        };
      }
      const { platform, changes } = await changeState(head, intent, "stopped");
      const fresh = lifecycle.expiryDays as number;
      return {
        commit: {
          author: ctx.system,
          message:
            `expire ${ref}\n\n` +
            `It expired on ${day(intent.spec.expiresAt as string)}: Plateau stopped it; its data is kept.\n` +
            `Start it again with \`plateau start ${ref}\` or from the portal: it then runs for ${fresh} more day${fresh === 1 ? "" : "s"} ` +
            `(and \`plateau renew ${ref}\` keeps it running longer).`,
          trailers: ctx.trailersOf("expire", ref, platform.metadata.name, undefined),
          changes,
        },
        result: undefined,
      };
    });
    return commit;
  }

  return {
    stop: (project: string, name: string, requester: Requester, key?: string) => setState(project, name, "stopped", requester, key),
    start: (project: string, name: string, requester: Requester, key?: string) => setState(project, name, "running", requester, key),

    async renew(project: string, name: string, request: RenewRequest, requester: Requester, key?: string): Promise<ChangeResult> {
      assertName("/project", project);
      assertName("/name", name);
      if (request.days !== undefined && (!Number.isInteger(request.days) || request.days < 1)) {
        throw InputError.field("/days", "minimum", "must be a whole number of days, at least 1");
      }
      const ref = `${project}/${name}`;
      const id = ctx.idOf(key, requester, "renew", ref);
      return ctx.changeOnce(id, project, name, async (head) => {
        const intent = await ctx.intentAt(head, project, name);
        const current = intent.spec.expiresAt;
        if (!head || !expiring || current === undefined) return null;
        if (intent.spec.state !== "running") {
          throw new ConflictError(
            `${ref} is stopped: it does not expire while it does not run. Start it (plateau start ${ref}): it then runs for ${lifecycle.expiryDays} days`,
            { reason: "stopped-does-not-expire", params: { instance: ref, days: lifecycle.expiryDays ?? 0 } },
          );
        }
        const renewal = renewedExpiry(current, clock.now(), request.days, lifecycle);
        if (!renewal.changed) return null;
        const next: InstanceDocument = { ...intent, spec: { ...intent.spec, expiresAt: renewal.expiresAt } };
        const why = renewal.capped ? ` (shortened to the limit: ${lifecycle.maxDays} days from now)` : "";
        return {
          author: requester,
          message: `renew ${ref} until ${day(renewal.expiresAt)}\n\nRequested by ${requester.login}. It was to expire on ${day(current)}${why}.`,
          trailers: ctx.trailersOf("renew", ref, intent.placement.platform, id),
          changes: [{ path: instancePath(project, name), content: serialize(next) }],
        };
      });
    },

    async expireDue(): Promise<ExpiryReport> {
      if (!expiring) return { expired: [], failed: [] };
      const due = expiredInstances(await index.listInstances({}), clock.now());
      const expired: { instance: string; commit: CommitId }[] = [];
      const failed: { instance: string; reason: string }[] = [];
      // One at a time, each its own commit: one that cannot be stopped blocks no other.
      for (const instance of due) {
        const ref = `${instance.project}/${instance.name}`;
        try {
          const commit = await expireOne(instance.project, instance.name);
          if (commit) expired.push({ instance: ref, commit });
        } catch (error) {
          failed.push({ instance: ref, reason: (error as Error).message });
        }
      }
      return { expired, failed };
    },
  };
}
