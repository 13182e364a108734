// The desired-state repository: git is the source of truth for what should run.

export type CommitId = string;

export interface Person {
  readonly name: string;
  readonly email: string;
}

/** A write or a removal; removing a directory removes everything below it. */
export type FileChange = { readonly path: string; readonly content: string } | { readonly path: string; readonly remove: true };

export interface CommitRequest {
  /** The commit this change was prepared against. If the branch moved since, the commit
   * is refused with a ConflictError and nothing is written (compare-and-swap). */
  readonly parent: CommitId | null;
  readonly author: Person;
  /** Subject line, then an optional body after a blank line. */
  readonly message: string;
  /** Machine-readable facts appended as git trailers (`Plateau-Action: launch`). */
  readonly trailers: Readonly<Record<string, string>>;
  readonly changes: readonly FileChange[];
}

export interface TreeEntry {
  readonly name: string;
  readonly type: "blob" | "tree";
  /** Content hash (the git object id): equal hashes mean equal content, recursively. */
  readonly hash: string;
}

export interface CommitInfo {
  readonly id: CommitId;
  readonly parents: readonly CommitId[];
  readonly author: Person;
  /** ISO 8601 time of authorship. */
  readonly authoredAt: string;
  readonly subject: string;
  readonly trailers: Readonly<Record<string, string>>;
}

export interface PathChange {
  readonly path: string;
  readonly change: "added" | "modified" | "removed";
}

export interface LogQuery {
  /** Newest commit to start from (default: the head). */
  readonly from?: CommitId;
  /** Stop before this commit and its ancestors. */
  readonly until?: CommitId | null;
  /** Only commits that touched one of these paths; a `*` segment matches one path segment. */
  readonly paths?: readonly string[];
  readonly limit?: number;
}

export interface DesiredStateRepository {
  /** The commit the branch points to, or null for an empty repository. */
  head(): Promise<CommitId | null>;
  readFile(commit: CommitId, path: string): Promise<string | undefined>;
  /** The entries of a directory at a commit; empty when it does not exist. */
  listDirectory(commit: CommitId, path: string): Promise<TreeEntry[]>;
  /** The content hash of a file or directory at a commit. */
  hashOf(commit: CommitId, path: string): Promise<string | undefined>;
  commit(request: CommitRequest): Promise<CommitId>;
  /** The files under `prefix` that differ between two commits (`from` null: all of them). */
  changedPaths(from: CommitId | null, to: CommitId, prefix: string): Promise<PathChange[]>;
  /** Commits, newest first. */
  log(query: LogQuery): Promise<CommitInfo[]>;
  /** True when `ancestor` is `descendant` or one of its ancestors. */
  isAncestor(ancestor: CommitId, descendant: CommitId): Promise<boolean>;
  /**
   * What a commit changed, as git's unified diff (`diff --git` headers, 3 lines of context,
   * no rename detection, every file as text): against its first parent, or against nothing for
   * a root commit. Only files at or below `paths` (a `*` segment matches one path segment);
   * "" when the commit changed none of them, undefined when there is no such commit.
   */
  diff(commit: CommitId, paths: readonly string[]): Promise<string | undefined>;
}
