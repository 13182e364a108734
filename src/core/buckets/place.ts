// Choosing the platform of a bucket (ADR 0030): a pure function from the request, the platforms
// and where the project runs its instances, to the platform and the reason written beside the
// bucket. Only platforms with object storage (`spec.s3`) hold buckets; the project's tiers apply
// as for instances (core/placement/place.ts), and a recovery platform only when it is pinned.
import { InputError, NotFoundError } from "../errors.js";
import { DEFAULT_PROJECT_TIERS, type PlatformDocument, type ProjectTier } from "../model.js";

export interface BucketPlacementRequest {
  /** A platform the person asked for. */
  readonly pinned?: string;
  /** A platform of another site to replicate to. */
  readonly replica?: string;
  /** The tiers the project may use (default: experimental). */
  readonly tiers?: readonly ProjectTier[];
}

export interface BucketPlacement {
  readonly platform: string;
  /** One sentence for the bucket's file and the person. */
  readonly reason: string;
  /** The replica's platform, checked. */
  readonly replica?: string;
  /** Every platform left out, and why (for the error when none is left). */
  readonly excluded: readonly { readonly platform: string; readonly reason: string }[];
}

/** Why this platform cannot hold the bucket; undefined when it can. */
function exclusion(platform: PlatformDocument, pinned: string | undefined, tiers: readonly ProjectTier[]): string | undefined {
  const { spec } = platform;
  if (pinned && platform.metadata.name !== pinned) return `not the requested platform (${pinned})`;
  if (!spec.s3) return "offers no object storage (no spec.s3)";
  if (spec.tier === "recovery") {
    // Never by choice: a recovery site holds data in a disaster, when asked for by name.
    return pinned ? undefined : `a recovery site${spec.recoveryFor ? ` for ${spec.recoveryFor}` : ""}: used in a disaster, when pinned`;
  }
  if (!(tiers as readonly string[]).includes(spec.tier)) return `tier ${spec.tier}, and this project may only use ${tiers.join(" or ")} platforms`;
  return undefined;
}

/**
 * The platform of a new bucket: the one asked for, checked; otherwise, among the platforms with
 * object storage of the project's tiers, the one where the project runs the most instances (its
 * data beside its computations), then by name. A replica must be another site's platform with
 * object storage.
 */
export function placeBucket(
  request: BucketPlacementRequest,
  platforms: readonly PlatformDocument[],
  projectInstances: ReadonlyMap<string, number> = new Map(),
): BucketPlacement {
  const { pinned } = request;
  const tiers = request.tiers ?? DEFAULT_PROJECT_TIERS;
  const byName = new Map(platforms.map((platform) => [platform.metadata.name, platform]));
  if (pinned !== undefined) {
    const platform = byName.get(pinned);
    if (!platform) throw new NotFoundError("platform", pinned);
    if (!platform.spec.s3) {
      throw InputError.field("/platform", "object-storage", `platform ${pinned} offers no object storage (its file has no spec.s3): choose another platform`, {
        reason: "no-object-storage",
        params: { platform: pinned },
      });
    }
  }
  const excluded: { platform: string; reason: string }[] = [];
  const candidates: PlatformDocument[] = [];
  for (const platform of platforms) {
    const why = exclusion(platform, pinned, tiers);
    if (why) excluded.push({ platform: platform.metadata.name, reason: why });
    else candidates.push(platform);
  }
  const count = (platform: PlatformDocument) => projectInstances.get(platform.metadata.name) ?? 0;
  candidates.sort((a, b) => count(b) - count(a) || (a.metadata.name < b.metadata.name ? -1 : 1));
  const chosen = candidates[0];
  if (!chosen) {
    const why = excluded.map((entry) => `${entry.platform}: ${entry.reason}`).join("; ");
    throw InputError.field("/platform", "object-storage", `no platform can hold this bucket (${why || "no platform is declared"})`, {
      reason: "no-object-storage",
      params: { platform: pinned ?? "" },
    });
  }
  const name = chosen.metadata.name;
  const reason = pinned
    ? "requested by the user"
    : candidates.length === 1
      ? "the only platform with object storage this project may use"
      : count(chosen) > 0
        ? `the project runs the most instances there (${count(chosen)}) of ${candidates.length} platforms with object storage`
        : `first by name of ${candidates.length} platforms with object storage (the project runs no instance on any)`;
  const replica = request.replica === undefined ? undefined : checkReplica(request.replica, chosen, byName);
  return { platform: name, reason, ...(replica ? { replica } : {}), excluded };
}

function checkReplica(name: string, primary: PlatformDocument, byName: ReadonlyMap<string, PlatformDocument>): string {
  const refuse = (message: string, rule: string) =>
    InputError.field("/replica", rule, message, { reason: "replica-refused", params: { platform: name, site: primary.spec.site } });
  const replica = byName.get(name);
  if (!replica) throw refuse(`platform ${name} is not declared`, "platform");
  if (!replica.spec.s3) throw refuse(`platform ${name} offers no object storage (its file has no spec.s3)`, "object-storage");
  if (replica.metadata.name === primary.metadata.name || replica.spec.site === primary.spec.site) {
    throw refuse(
      `platform ${name} is at site ${replica.spec.site}, the bucket's own (${primary.metadata.name}): a replica must be on another site`,
      "other-site",
    );
  }
  return name;
}
