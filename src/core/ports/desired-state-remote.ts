// The remote of the desired-state repository (the forge Argo CD and people read): one
// synchronisation fetches, decides and acts. The git adapter implements it; the remote sync
// (core/sync/remote-sync.ts) decides when to call it.
import type { CommitId } from "./desired-state-repository.js";

/** What one synchronisation did; both heads as they are after it. */
export type SyncOutcome =
  | { readonly kind: "up-to-date"; readonly localHead: CommitId | null; readonly remoteHead: CommitId | null }
  | { readonly kind: "pushed"; readonly localHead: CommitId; readonly remoteHead: CommitId }
  /** The remote was ahead: the local branch moved to it (commits made by others). */
  | { readonly kind: "fast-forwarded"; readonly from: CommitId | null; readonly localHead: CommitId; readonly remoteHead: CommitId }
  /** Both moved: Plateau's commits since `from` were replayed onto the remote head, then pushed. */
  | { readonly kind: "rebased"; readonly from: CommitId; readonly commits: number; readonly localHead: CommitId; readonly remoteHead: CommitId }
  /**
   * Both moved and a person must merge. Nothing was moved by this decision; `from` differs
   * from `localHead` only when an earlier round of the same attempt took the remote's commits
   * (then the remote moved again, conflicting).
   */
  | { readonly kind: "diverged"; readonly reason: string; readonly from: CommitId; readonly localHead: CommitId; readonly remoteHead: CommitId };

export type SyncPhase = "fetching" | "pushing" | "fast-forwarding" | "rebasing";

/** The remote of the desired-state repository (the git adapter implements it). */
export interface DesiredStateRemote {
  /**
   * Fetches, compares and acts (push, fast-forward, rebase then push, or nothing). Throws on
   * failure (unreachable, refused credentials…) and with a ConflictError when the local branch
   * moved meanwhile; either way the local branch is at a commit it was at, or at the result.
   */
  sync(options?: { readonly onPhase?: (phase: SyncPhase) => void }): Promise<SyncOutcome>;
}
