// What to do when the desired-state repository has a remote: compare the local branch with
// the remote's and decide. Plateau only ever rewrites its own commits, and only when the
// result cannot differ from what a person would get by redoing them by hand: a local commit
// that Plateau did not write, or that touches a file the remote also changed, stops the
// replay and is reported, so that a person decides (nothing is moved).
import type { CommitId } from "../ports/desired-state-repository.js";

/** A commit on the local branch that the remote does not have, oldest first. */
export interface LocalOnlyCommit {
  readonly id: CommitId;
  /** Written by Plateau (it carries a `Plateau-Action` trailer) and replayable (not a merge). */
  readonly isPlateaus: boolean;
  /** The files it changed, relative to its parent (`projects/demo/instances/a.yaml`). */
  readonly paths: readonly string[];
  /** For the reason given to a person; optional. */
  readonly subject?: string;
}

export interface DivergenceInput {
  readonly localHead: CommitId | null;
  readonly remoteHead: CommitId | null;
  /** The best common ancestor (`git merge-base`), null when the histories share nothing. */
  readonly mergeBase: CommitId | null;
  /** The local commits after the merge base, oldest first (only read when both sides moved). */
  readonly localOnly: readonly LocalOnlyCommit[];
  /** The files the remote changed since the merge base (all its files when there is none). */
  readonly remoteChangedPaths: Iterable<string>;
}

export type Divergence =
  | { readonly kind: "up-to-date" }
  /** The local branch is ahead: push it. */
  | { readonly kind: "push" }
  /** The remote is ahead: move the local branch to it. */
  | { readonly kind: "fast-forward" }
  /** Both moved; the local commits (oldest first) can be replayed onto the remote head. */
  | { readonly kind: "rebase"; readonly commits: readonly CommitId[] }
  /** Both moved and a person must decide; `commit` (and `path`) name the first obstacle. */
  | { readonly kind: "diverged"; readonly reason: string; readonly commit: CommitId; readonly path?: string };

export function decideDivergence(input: DivergenceInput): Divergence {
  const { localHead, remoteHead, mergeBase } = input;
  if (localHead === remoteHead) return { kind: "up-to-date" };
  if (remoteHead === null) return { kind: "push" };
  if (localHead === null) return { kind: "fast-forward" };
  if (mergeBase === remoteHead) return { kind: "push" };
  if (mergeBase === localHead) return { kind: "fast-forward" };

  // Both sides moved (or share no history: the remote's files are then all "changed", and a
  // replay is still exact when Plateau's commits touch none of them).
  const remoteFiles = new Set(input.remoteChangedPaths);
  // Every directory above a file the remote changed, with that file: a local change of a
  // directory's worth of files clashes with a remote change of the file it replaced.
  const remoteDirs = new Map<string, string>();
  for (const file of remoteFiles) for (const dir of parentDirs(file)) if (!remoteDirs.has(dir)) remoteDirs.set(dir, file);
  for (const commit of input.localOnly) {
    const named = describeCommit(commit);
    if (!commit.isPlateaus) {
      return {
        kind: "diverged",
        commit: commit.id,
        reason: `the local commit ${named} was not written by Plateau (no Plateau-Action trailer, or a merge) and the remote moved too; merge by hand`,
      };
    }
    for (const path of commit.paths) {
      const clash = remoteFiles.has(path) ? path : (parentDirs(path).find((dir) => remoteFiles.has(dir)) ?? remoteDirs.get(path));
      if (clash !== undefined) {
        const where = clash === path ? `"${path}"` : `"${path}" (the remote changed "${clash}")`;
        return {
          kind: "diverged",
          commit: commit.id,
          path,
          reason: `the local commit ${named} and the remote both changed ${where}; merge by hand`,
        };
      }
    }
  }
  return { kind: "rebase", commits: input.localOnly.map((commit) => commit.id) };
}

/** `a/b/c.yaml` → `a`, `a/b`. */
function parentDirs(path: string): string[] {
  const parts = path.split("/");
  return parts.slice(1).map((_, index) => parts.slice(0, index + 1).join("/"));
}

function describeCommit(commit: LocalOnlyCommit): string {
  const short = commit.id.slice(0, 12);
  return commit.subject ? `${short} ("${commit.subject}")` : short;
}
