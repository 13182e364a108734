// The launch itself: one request with one idempotency key per attempt, reused when the same
// launch is tried again; its refusal kept for the form to show, and focus sent to the correction.
import { useEffect, useRef, useState } from "react";
import type { LaunchBody, LaunchResponse } from "../../../contracts/api.js";
import { api, newActionKey, path } from "../../api.js";
import type { ServerIssue } from "../../form/schema-form.js";
import { navigate } from "../../router.js";
import { serverIssuesOf } from "./issues.js";
import { requestKey } from "./request.js";

export type LaunchPhase = "idle" | "committing" | "done";

export function useLaunchSubmit() {
  const [phase, setPhase] = useState<LaunchPhase>("idle");
  const [error, setError] = useState<unknown>(undefined);
  const [issues, setIssues] = useState<ServerIssue[]>([]);
  const attempt = useRef<{ body: string; key: string } | null>(null);

  const send = async (project: string, body: LaunchBody) => {
    const bodyKey = requestKey(project, body);
    // One key per launch attempt: trying the same launch again reuses it, so that Plateau acts once.
    if (attempt.current?.body !== bodyKey) attempt.current = { body: bodyKey, key: newActionKey() };
    setPhase("committing");
    setError(undefined);
    setIssues([]);
    try {
      const result = await api<LaunchResponse>(path`/projects/${project}/instances`, { method: "POST", body, idempotencyKey: attempt.current.key });
      setPhase("done");
      navigate(path`/projects/${result.instance.project}/instances/${result.instance.name}`);
    } catch (refusal) {
      setPhase("idle");
      setIssues(serverIssuesOf(refusal));
      setError(refusal);
    }
  };

  return {
    phase,
    /** The last attempt's failure, until the next attempt or until forgotten. */
    error,
    /** The server's issues with the last attempt, less those whose part was edited since. */
    issues,
    send,
    /** The server's word on a part was about the value that replaced it. */
    forgetIssues: (about: (issue: ServerIssue) => boolean) => setIssues((current) => current.filter((issue) => !about(issue))),
    forgetError: () => setError(undefined),
    /** Whether launching this now would repeat the last attempt (with its idempotency key). */
    repeats: (project: string, body: LaunchBody): boolean => attempt.current?.body === requestKey(project, body),
  };
}

/**
 * After a refused launch, keyboard focus goes where the correction is to be made: once per
 * refusal, not again while the person corrects (the effect runs at each render of the page, as
 * `focusCorrection` is new at each).
 */
export function useFocusOnRefusal(error: unknown, focusCorrection: () => void): void {
  const focusedFor = useRef<unknown>(undefined);
  useEffect(() => {
    if (error === undefined || focusedFor.current === error) return;
    focusedFor.current = error;
    focusCorrection();
  }, [error, focusCorrection]);
}
