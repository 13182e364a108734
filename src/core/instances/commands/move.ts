// Moving an instance to another platform: one commit re-placing its intent, removing its files
// from the old platform and rendering them on the new one.
import { ConflictError } from "../../errors.js";
import type { Requester } from "../../identity.js";
import { serialize, type InstanceBucket, type InstanceDocument, type PlatformDocument } from "../../model.js";
import { assertName } from "../../names.js";
import { place, type Placement } from "../../placement/place.js";
import type { CommitId } from "../../ports/desired-state-repository.js";
import type { IndexedRequest } from "../../ports/state-index.js";
import { instancePath } from "../../repository/layout.js";
import type { ChangeResult } from "../types.js";
import type { CatalogViewer } from "../../helm/service.js";
import type { SourceLaunch } from "../sources/source.js";
import type { CommandContext } from "./context.js";

/** An instance placed again on another platform, not committed yet: what a move (or a failover) writes. */
export interface Relocation {
  readonly placement: Placement;
  readonly target: PlatformDocument;
  /** Its spec there (in its state), without the record of a restore: a restore is of one platform. */
  readonly spec: InstanceDocument["spec"];
}

/**
 * Places the instance again, pinned to `to`, as a launch of it there would be: its values
 * carried and resolved again there, checked by placement (a refusal throws, as a pinned launch
 * does). `bucket` replaces its attached bucket (a failover points it at its replica; null: none).
 * Without `target` when placement keeps it where it is.
 */
export async function relocation(
  ctx: CommandContext,
  head: CommitId,
  intent: InstanceDocument,
  to: string,
  platforms: readonly PlatformDocument[],
  options: { readonly viewer?: CatalogViewer; readonly bucket?: InstanceBucket | null } = {},
): Promise<Relocation | { readonly placement: Placement; readonly target?: undefined }> {
  const { deps } = ctx;
  const { project, name } = intent.metadata;
  const source = await ctx.sources.sourceFor(intent.spec.template);
  const from = intent.placement.platform;
  const attached = options.bucket === undefined ? intent.spec.bucket : (options.bucket ?? undefined);
  // A move is a launch of the instance again, of the values it starts from, for its owner:
  // placed, then checked on the new platform (a chart's form there, and its preflight).
  const owner = intent.metadata.createdBy;
  const base: SourceLaunch = {
    request: { template: intent.spec.template, project, name, platform: to, ...(options.viewer ? { viewer: options.viewer } : {}) },
    requester: { login: owner, name: owner, email: `${owner}@users.plateau.invalid` },
    // Its bucket goes with it (ADR 0031): a NooBaa one keeps it on the bucket's platform.
    ...(attached ? { bucket: attached } : {}),
  };
  const origin = platforms.find((p) => p.metadata.name === from);
  // A stopped instance moves with the values it runs with (its replicas as they were), and is stopped again there.
  const runningSpec =
    intent.spec.state === "running" ? intent.spec : { ...intent.spec, ...(await source.withState(intent.spec, "running", `${project}/${name}`)) };
  const carried = await source.moved(runningSpec, { launch: base, ...(origin ? { from: origin } : {}) });
  const launch: SourceLaunch = {
    ...base,
    request: { ...base.request, values: carried.values, version: carried.templateVersion ?? intent.spec.templateVersion },
  };
  const values = await source.launchValues(launch);
  // Pinned to the target: only the target is checked (what the instance uses where it is does not count there).
  const placement = place(
    // What its pods asked when it was last rendered, as the source carries it (the largest must fit a pool there).
    await ctx.placementRequest(head, { project, name, platform: to, ...(attached ? { attached } : {}) }, source, values, carried.rendered),
    await ctx.candidatesAt(platforms, project),
    deps.placementPolicy,
  );
  if (placement.platform === from) return { placement };
  const target = platforms.find((p) => p.metadata.name === placement.platform) as PlatformDocument;
  // Placed as a launch is: the record of its rendering and how it stops are what placing it there makes, never the old platform's.
  const { rendered: _previous, stop: _stop, restore: _restore, bucket: _bucket, ...kept } = runningSpec;
  const { secrets, ...placed } = await source.placed(launch, values, target);
  let spec: InstanceDocument["spec"] = { ...kept, ...(attached ? { bucket: attached } : {}), ...placed, state: intent.spec.state };
  // A stopped instance stays stopped.
  if (spec.state !== "running") spec = { ...spec, ...(await source.withState(spec, spec.state, `${project}/${name}`)) };
  // A password the person chose is kept already (launch); kept again, the same, before the commit that refers to it.
  if (secrets && Object.keys(secrets).length > 0) {
    if (!deps.secrets) throw new Error("the instance service was given no secret store, and this move carries passwords");
    await deps.secrets.put(project, name, secrets);
  }
  return { placement, target, spec };
}

export function moveCommands(ctx: CommandContext) {
  const { deps } = ctx;
  const { writer, clock } = deps;

  return {
    async move(
      project: string,
      name: string,
      to: string,
      requester: Requester,
      key?: string,
      viewer?: CatalogViewer,
    ): Promise<ChangeResult & { placement: Placement }> {
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
        const platforms = await ctx.platformsAt(head);
        const from = intent.placement.platform;
        const relocated = await relocation(ctx, head, intent, to, platforms, viewer ? { viewer } : {});
        if (!relocated.target) return { commit: null, result: relocated.placement };
        const { target, placement, spec } = relocated;
        const ref = `${project}/${name}`;
        const next: InstanceDocument = {
          ...intent,
          spec,
          placement: { platform: target.metadata.name, reason: `moved from ${from} by ${requester.login}` },
        };
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
