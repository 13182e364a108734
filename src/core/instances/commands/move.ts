// Moving an instance to another platform: one commit re-placing its intent, removing its files
// from the old platform and rendering them on the new one.
import { ConflictError } from "../../errors.js";
import type { Requester } from "../../identity.js";
import { serialize, type InstanceDocument, type PlatformDocument } from "../../model.js";
import { assertName } from "../../names.js";
import { place, type Placement } from "../../placement/place.js";
import type { IndexedRequest } from "../../ports/state-index.js";
import { instancePath } from "../../repository/layout.js";
import type { ChangeResult } from "../types.js";
import type { CommandContext } from "./context.js";

export function moveCommands(ctx: CommandContext) {
  const { deps } = ctx;
  const { writer, clock } = deps;

  return {
    async move(project: string, name: string, to: string, requester: Requester, key?: string): Promise<ChangeResult & { placement: Placement }> {
      assertName("/project", project);
      assertName("/name", name);
      assertName("/platform", to);
      const id = ctx.idOf(key, requester, "move", `${project}/${name}`);
      const moved = async (earlier: IndexedRequest) => {
        const replayed = await ctx.answerOf(earlier);
        const instance = replayed.instance;
        return {
          ...replayed,
          placement: { platform: instance?.platform ?? to, reason: instance?.placementReason ?? "", reasons: [], candidates: [], excluded: [] },
        };
      };
      const replayed = await ctx.committed(id);
      if (replayed) return moved(replayed);
      const { commit, result } = await writer.write<Placement | { earlier: IndexedRequest }>(async (head) => {
        const earlier = await ctx.committed(id);
        if (earlier) return { commit: null, result: { earlier } };
        const intent = await ctx.intentAt(head, project, name);
        if (!head) throw new ConflictError("the desired-state repository has not been initialized", { reason: "repository-not-initialized" });
        const source = await ctx.sources.sourceFor(intent.spec.template);
        const carried = await source.moved(intent.spec);
        const values = carried.values;
        const platforms = await ctx.platformsAt(head);
        // Pinned to the target: only the target is checked (what the instance uses where it is does not count there).
        const placement = place(
          // What its pods asked when it was last rendered, as the source carries it (the largest must fit a pool there).
          await ctx.placementRequest(head, { project, name, platform: to }, source, values, carried.rendered),
          await ctx.candidatesAt(platforms, project),
          deps.placementPolicy,
        );
        if (placement.platform === intent.placement.platform) return { commit: null, result: placement };
        const target = platforms.find((p) => p.metadata.name === placement.platform) as PlatformDocument;
        const from = intent.placement.platform;
        // The record of its rendering is the source's to carry (or to make again on the target), never left stale.
        const { rendered: _previous, ...kept } = intent.spec;
        const next: InstanceDocument = {
          ...intent,
          spec: { ...kept, ...carried },
          placement: { platform: target.metadata.name, reason: `moved from ${from} by ${requester.login}` },
        };
        const ref = `${project}/${name}`;
        return {
          commit: {
            author: requester,
            message: `move ${ref} from ${from} to ${target.metadata.name}\n\nRequested by ${requester.login}. Data on its volumes stays on ${from}.`,
            trailers: ctx.trailersOf("move", ref, target.metadata.name, id),
            changes: [
              ...(await ctx.projectChanges(head, project, target, requester, clock.now().toISOString())),
              { path: instancePath(project, name), content: serialize(next) },
              ...ctx.renderedRemovals(from, project, name),
              ...source.render(next, target).changes,
            ],
          },
          result: placement,
        };
      });
      if ("earlier" in result) return moved(result.earlier);
      return { commit, instance: await ctx.view(project, name), placement: result };
    },
  };
}
