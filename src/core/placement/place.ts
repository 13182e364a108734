// Choosing the platform of an instance: a pure function that ranks every candidate, gives the
// score of each criterion, and says why each excluded platform was excluded.
import { InputError, NotFoundError } from "../errors.js";
import type { PlatformDocument } from "../model.js";

export interface PlatformCandidate {
  readonly platform: PlatformDocument;
  /** Whether the platform's engine can run things now (podman installed, cluster reachable). */
  readonly available: boolean;
  readonly unavailableReason?: string;
  /** Whether this Plateau has an engine for the platform's kind at all. */
  readonly supported: boolean;
}

export interface PlacementRequest {
  /** A platform the user asked for. */
  readonly pinned?: string;
}

export interface ScoredCandidate {
  readonly platform: string;
  readonly score: number;
  readonly scores: Readonly<Record<string, number>>;
}

export interface Exclusion {
  readonly platform: string;
  readonly reason: string;
}

export interface Placement {
  readonly platform: string;
  /** One sentence for the intent file and the user. */
  readonly reason: string;
  readonly candidates: ScoredCandidate[];
  readonly excluded: Exclusion[];
}

export function place(request: PlacementRequest, platforms: readonly PlatformCandidate[]): Placement {
  if (request.pinned && !platforms.some((candidate) => candidate.platform.metadata.name === request.pinned)) {
    throw new NotFoundError("platform", request.pinned);
  }
  const excluded: Exclusion[] = [];
  const candidates: ScoredCandidate[] = [];
  for (const candidate of platforms) {
    const name = candidate.platform.metadata.name;
    if (request.pinned && name !== request.pinned) {
      excluded.push({ platform: name, reason: `not the requested platform (${request.pinned})` });
    } else if (!candidate.supported) {
      excluded.push({ platform: name, reason: `no engine for ${candidate.platform.spec.engine} platforms in this Plateau` });
    } else {
      // Availability is a preference, not a constraint: a launch on an unavailable platform is
      // committed and runs as soon as the platform is back.
      const scores = { availability: candidate.available ? 1 : 0 };
      candidates.push({ platform: name, score: Object.values(scores).reduce((a, b) => a + b, 0), scores });
    }
  }
  candidates.sort((a, b) => b.score - a.score || (a.platform < b.platform ? -1 : 1));
  const chosen = candidates[0];
  if (!chosen) {
    const why = excluded.map((exclusion) => `${exclusion.platform}: ${exclusion.reason}`).join("; ");
    throw InputError.field("/platform", "placement", `no platform can run this instance (${why || "no platform is declared"})`);
  }
  const chosenPlatform = platforms.find((candidate) => candidate.platform.metadata.name === chosen.platform);
  const reasons = [
    request.pinned
      ? "requested by the user"
      : candidates.length === 1
        ? "the only eligible platform"
        : `highest score of ${candidates.length} eligible platforms`,
  ];
  if (chosenPlatform && !chosenPlatform.available)
    reasons.push(`currently unavailable (${chosenPlatform.unavailableReason ?? "unknown reason"}): it will run once the platform is back`);
  return { platform: chosen.platform, reason: reasons.join("; "), candidates, excluded };
}
