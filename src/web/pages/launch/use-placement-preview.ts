// Before anyone confirms: where the instance would run and why, asked again when the question
// changes and the values have rested a moment.
import { useEffect, useState } from "react";
import type { LaunchBody, Placement } from "../../../contracts/api.js";
import { api, path } from "../../api.js";
import { readRequestKey, requestKey } from "./request.js";

/** How long values must rest before Plateau is asked where they would go: not at every keystroke. */
export const PLACEMENT_DELAY_MS = 400;

/** The last answer, and the question it answers. */
export type PlacementAnswer = { key: string; data?: Placement; error?: unknown };

/** `blocked`: nothing worth asking (no form yet, or invalid values). `current`: the answer is to the question as it now is. */
export function usePlacementPreview(project: string, body: LaunchBody, blocked: boolean): { placement: PlacementAnswer | undefined; current: boolean } {
  const key = requestKey(project, body);
  const [placement, setPlacement] = useState<PlacementAnswer | undefined>(undefined);
  useEffect(() => {
    if (blocked) return;
    // The question is read back from its key: asked again when what it says changes, not when
    // a render makes an equal body (JSON drops nothing the request would have sent).
    const question = readRequestKey(key);
    const controller = new AbortController();
    const timer = setTimeout(() => {
      api<Placement>(path`/projects/${question.project}/placement`, { method: "POST", body: question.body, signal: controller.signal }).then(
        (data) => setPlacement({ key, data }),
        (error: unknown) => {
          if (!controller.signal.aborted) setPlacement({ key, error });
        },
      );
    }, PLACEMENT_DELAY_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [key, blocked]);
  return { placement, current: placement?.key === key };
}
