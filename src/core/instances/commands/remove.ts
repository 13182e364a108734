// Removing an instance: one commit removing its intent and whatever it rendered on its platform.
import type { Requester } from "../../identity.js";
import { assertName } from "../../names.js";
import type { IndexedRequest } from "../../ports/state-index.js";
import { instancePath } from "../../repository/layout.js";
import type { ChangeResult } from "../types.js";
import type { CommandContext } from "./context.js";

export function removeCommands(ctx: CommandContext) {
  const { writer } = ctx.deps;
  return {
    async remove(project: string, name: string, requester: Requester, key?: string): Promise<ChangeResult> {
      assertName("/project", project);
      assertName("/name", name);
      const id = ctx.idOf(key, requester, "remove", `${project}/${name}`);
      const replayed = await ctx.committed(id);
      if (replayed) return { commit: replayed.commit, instance: null };
      const { commit, result: earlier } = await writer.write<IndexedRequest | undefined>(async (head) => {
        const earlier = await ctx.committed(id);
        if (earlier) return { commit: null, result: earlier };
        const intent = await ctx.intentAt(head, project, name);
        const platform = intent.placement.platform;
        return {
          commit: {
            author: requester,
            message: `remove ${project}/${name}\n\nRequested by ${requester.login}. Its workload and its data are removed from ${platform}.`,
            trailers: ctx.trailersOf("remove", `${project}/${name}`, platform, id),
            changes: [{ path: instancePath(project, name), remove: true }, ...ctx.renderedRemovals(platform, project, name)],
          },
          result: undefined,
        };
      });
      return { commit: earlier?.commit ?? commit, instance: null };
    },
  };
}
