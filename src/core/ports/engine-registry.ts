import type { PlatformDocument } from "../model.js";
import type { Engine } from "./engine.js";

/** The engines this Plateau can drive, found by platform (podman for the local one, Argo CD with its token…). */
export interface EngineRegistry {
  /** The engine of a platform, if this Plateau has one for its kind. */
  get(platform: PlatformDocument): Engine | undefined;
}
