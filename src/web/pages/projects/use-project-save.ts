// What the members, quota and tiers forms of the projects page share: a draft of what the
// server holds, and saving it in one request (PUT /projects/{p}/<setting>: one commit).
import { useState } from "react";
import type { ProjectCreated } from "../../../contracts/api.js";
import { api, newActionKey, path } from "../../api.js";

export type ProjectSetting = "members" | "quota" | "tiers";

/** A draft of what the server holds: it starts over when the project is read again (after a save). */
export function useDraft<T>(held: T): [T, (next: T) => void] {
  const [draft, setDraft] = useState<T>(held);
  const [base, setBase] = useState(held);
  if (base !== held) {
    setBase(held);
    setDraft(held);
  }
  return [draft, setDraft];
}

/**
 * Saves a project's setting: `busy` while the request goes, `error` when it is refused, and
 * `saved` once it went, until `edited()` says the form changed again. `onSaved` reads the project again.
 */
export function useProjectSave(project: string, setting: ProjectSetting, onSaved: () => Promise<void>) {
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const save = async (body: Readonly<Record<string, unknown>>): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      await api<ProjectCreated>(path`/projects/${project}/${setting}`, { method: "PUT", body, idempotencyKey: newActionKey() });
      setSaved(true);
      await onSaved();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return { error, busy, saved, save, edited: () => setSaved(false) };
}
