// Launching: where a launch would go (and what it asks), and the launch itself, one commit
// with the intent, its rendered files and, for a project's first instance, the project's own.
import { assertValuesBounded } from "../../catalog/values.js";
import { ConflictError } from "../../errors.js";
import type { Requester } from "../../identity.js";
import { API_VERSION, serialize, type InstanceDocument, type PlatformDocument } from "../../model.js";
import { assertName } from "../../names.js";
import { place, poolFor, type Placement, type PlacementRequest } from "../../placement/place.js";
import { schedulingOf, type Scheduling } from "../../platforms/region.js";
import type { IndexedRequest } from "../../ports/state-index.js";
import { assertProjectName } from "../../projects/names.js";
import { instancePath } from "../../repository/layout.js";
import type { Resources } from "../../tenancy/quota.js";
import type { QuotaBlock } from "../../tenancy/quota-block.js";
import { launchExpiry } from "../expiry.js";
import type { LaunchRequest, LaunchResult } from "../types.js";
import type { CommandContext } from "./context.js";

/** The pool of its platform a launch's largest pod lands on, and what it carries to land there (its node selector and tolerations). */
export interface PoolLanding extends Scheduling {
  readonly name: string;
  readonly gpu?: { readonly type: string; readonly count: number };
}

/**
 * Where a chart's pod lands: the pool prepare gives its values the node selector and
 * tolerations of (helm/service.ts), said before the launch. Plateau's own templates carry no
 * pool's scheduling: none for them.
 */
function landingOf(asked: PlacementRequest, platform: PlatformDocument | undefined): PoolLanding | undefined {
  if (!asked.helm || !platform || !asked.largestPod) return undefined;
  const pool = poolFor(platform, asked.largestPod, asked.gpuType);
  if (!pool) return undefined;
  return { name: pool.name, ...(pool.gpu ? { gpu: { type: pool.gpu.type, count: pool.gpu.count } } : {}), ...schedulingOf(platform, pool) };
}

export function launchCommands(ctx: CommandContext) {
  const { deps, sources } = ctx;
  const { repo, writer, clock } = deps;

  /** A launch already committed under this request id: its instance as it is now; a conflict once it was removed. */
  async function launchReplayed(earlier: IndexedRequest): Promise<LaunchResult> {
    const { commit, instance } = await ctx.answerOf(earlier);
    if (!instance) {
      throw new ConflictError(
        `this request (its Idempotency-Key) already launched ${earlier.target} in commit ${commit.slice(0, 12)}, which has since been removed; send a new key to launch again`,
        { reason: "request-replayed-removed", params: { target: earlier.target, commit: commit.slice(0, 12) } },
      );
    }
    return {
      instance,
      commit,
      replayed: true,
      placement: { platform: instance.platform, reason: instance.placementReason, reasons: [], candidates: [], excluded: [] },
    };
  }

  return {
    /**
     * Where a launch would go, what it would count against the quotas and, when a quota would
     * refuse it, which and who can raise it: what the launch would be refused with, said before.
     */
    async placement(
      request: Omit<LaunchRequest, "requestId">,
      requester: Requester,
    ): Promise<Placement & { readonly asks: Resources; readonly quota: QuotaBlock | null; readonly pool?: PoolLanding }> {
      assertProjectName(request.project);
      assertValuesBounded(request.values);
      const source = await sources.sourceFor(request.template);
      const values = await source.launchValues({ request, requester });
      const head = await repo.head();
      if (!head) throw new ConflictError("the desired-state repository has not been initialized", { reason: "repository-not-initialized" });
      const attached = await ctx.attachmentAt(head, request, source);
      const asked = await ctx.placementRequest(head, { ...request, ...(attached ? { attached } : {}) }, source, values);
      const platforms = await ctx.platformsAt(head);
      const placement = place(asked, await ctx.candidatesAt(platforms, request.project), deps.placementPolicy);
      const asks = asked.asks ?? { cpu: 0, memoryGiB: 0, gpu: 0, storageGiB: 0 };
      const counted: Resources = { cpu: asks.cpu, memoryGiB: asks.memoryGiB, gpu: asks.gpu, instances: 1, storageGiB: asks.storageGiB };
      const quota = (await deps.tenancy.blocks(head, request.project, counted)) ?? null;
      const pool = landingOf(
        asked,
        platforms.find((p) => p.metadata.name === placement.platform),
      );
      return { ...placement, asks: counted, quota, ...(pool ? { pool } : {}) };
    },

    async launch(request: LaunchRequest, requester: Requester): Promise<LaunchResult> {
      assertProjectName(request.project);
      if (request.name !== undefined) assertName("/name", request.name);
      const id = ctx.idOf(request.requestId, requester, "launch", request.project);
      const replayed = await ctx.committed(id);
      if (replayed) return launchReplayed(replayed);
      assertValuesBounded(request.values);
      const source = await sources.sourceFor(request.template);
      const values = await source.launchValues({ request, requester });

      const { commit, result } = await writer.write<{ name: string; placement: Placement } | { earlier: IndexedRequest }>(async (head) => {
        // Checked again one writer at a time, with the index at the head: of concurrent
        // launches with one key, the first commits and the others answer its instance.
        const earlier = await ctx.committed(id);
        if (earlier) return { commit: null, result: { earlier } };
        if (!head) throw new ConflictError("the desired-state repository has not been initialized", { reason: "repository-not-initialized" });
        const name = request.name ?? (await ctx.uniqueName(head, request.project));
        if ((await repo.readFile(head, instancePath(request.project, name))) !== undefined) {
          throw new ConflictError(`instance ${request.project}/${name} already exists; choose another name or remove it first`, {
            reason: "name-taken",
            params: { project: request.project, name },
          });
        }
        const platforms = await ctx.platformsAt(head);
        // Checked at the head: the bucket of its project, usable by its template, and where it is.
        const attached = await ctx.attachmentAt(head, request, source);
        const placement = place(
          await ctx.placementRequest(head, { ...request, ...(attached ? { attached } : {}) }, source, values),
          await ctx.candidatesAt(platforms, request.project),
          deps.placementPolicy,
        );
        const platform = platforms.find((p) => p.metadata.name === placement.platform) as PlatformDocument;
        const time = clock.now();
        const now = time.toISOString();
        // Named now: a chart's passwords are placeholders to the instance's own Secret.
        const placed = await source.placed({ request: { ...request, name }, requester, ...(attached ? { bucket: attached } : {}) }, values, platform);
        let spec: InstanceDocument["spec"] = {
          template: placed.template,
          templateVersion: placed.templateVersion,
          state: "running",
          values: placed.values,
          ...(placed.stop ? { stop: placed.stop } : {}),
          // What its rendering asks and its address, when the source rendered it (a chart's preflight): quotas count it.
          ...(placed.rendered ? { rendered: placed.rendered } : {}),
          ...(attached ? { bucket: attached } : {}),
        };
        // Its expiry stops it, or removes what cannot be stopped (ADR 24); what it would do nothing to does not expire.
        const expiresAt = source.onExpiry(spec) !== "never" ? launchExpiry(time, ctx.lifecycle) : undefined;
        if (expiresAt !== undefined) spec = { ...spec, expiresAt };
        const intent: InstanceDocument = {
          apiVersion: API_VERSION,
          kind: "Instance",
          metadata: { name, project: request.project, createdAt: now, createdBy: requester.login },
          spec,
          placement: { platform: placement.platform, reason: placement.reason },
        };
        const ref = `${request.project}/${name}`;
        const { changes, asks } = source.render(intent, platform);
        await deps.tenancy.check(head, request.project, asks);
        // Kept before the commit that refers to them (a crash in between leaves an orphan, collected at start-up).
        if (placed.secrets && Object.keys(placed.secrets).length > 0) {
          if (!deps.secrets) throw new Error("the instance service was given no secret store, and this launch carries passwords");
          await deps.secrets.put(request.project, name, placed.secrets);
        }
        return {
          commit: {
            author: requester,
            message: `launch ${ref} (${spec.template} ${spec.templateVersion}) on ${placement.platform}\n\nRequested by ${requester.login}. Placement: ${placement.reason}.`,
            trailers: ctx.trailersOf("launch", ref, placement.platform, id),
            changes: [
              ...(await ctx.projectChanges(head, request.project, platform, requester, now)),
              { path: instancePath(request.project, name), content: serialize(intent) },
              ...changes,
            ],
          },
          result: { name, placement },
        };
      });
      if ("earlier" in result) return launchReplayed(result.earlier);
      return { instance: await ctx.view(request.project, result.name), commit, placement: result.placement, replayed: false };
    },
  };
}
