// An in-memory desired-state repository for fast tests. It passes the same contract suite
// as the git adapter (src/core/ports/desired-state-repository.contract.ts); production uses git.
import { createHash } from "node:crypto";
import { ConflictError } from "../../core/errors.js";
import type { Clock } from "../../core/ports/clock.js";
import type { CommitId, CommitInfo, DesiredStateRepository, PathChange, TreeEntry } from "../../core/ports/desired-state-repository.js";

interface StoredCommit {
  readonly info: CommitInfo;
  readonly files: ReadonlyMap<string, string>;
}

const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");
const blobHash = (content: string) => sha1(`blob ${Buffer.byteLength(content)}\0${content}`);
const under = (path: string, prefix: string) => prefix === "" || path === prefix || path.startsWith(`${prefix}/`);

/** A path at or below one of the patterns, whose `*` segments match any one segment. */
function matchesAny(path: string, patterns: readonly string[]): boolean {
  const pathParts = path.split("/");
  return patterns.some((pattern) => {
    const patternParts = pattern.split("/");
    return pathParts.length >= patternParts.length && patternParts.every((part, i) => part === "*" || part === pathParts[i]);
  });
}

export function createMemoryRepository(params: { clock: Clock }): DesiredStateRepository {
  const commits = new Map<CommitId, StoredCommit>();
  let head: CommitId | null = null;
  let counter = 0;

  const get = (commit: CommitId): StoredCommit => {
    const stored = commits.get(commit);
    if (!stored) throw new Error(`unknown commit ${commit}`);
    return stored;
  };

  function entriesOf(files: ReadonlyMap<string, string>, dir: string): TreeEntry[] {
    const prefix = dir === "" ? "" : `${dir}/`;
    const children = new Map<string, TreeEntry>();
    for (const [path, content] of files) {
      if (!path.startsWith(prefix)) continue;
      const rest = path.slice(prefix.length);
      const slash = rest.indexOf("/");
      const name = slash < 0 ? rest : rest.slice(0, slash);
      if (children.has(name)) continue;
      children.set(name, slash < 0 ? { name, type: "blob", hash: blobHash(content) } : { name, type: "tree", hash: treeHash(files, `${prefix}${name}`) });
    }
    return [...children.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  function treeHash(files: ReadonlyMap<string, string>, dir: string): string {
    return sha1(
      `tree\0${entriesOf(files, dir)
        .map((e) => `${e.type} ${e.name} ${e.hash}`)
        .join("\n")}`,
    );
  }

  /** The files a commit changed against its first parent, among `paths`, in git's order. */
  function changedFiles(stored: StoredCommit, paths: readonly string[]): { path: string; before: string | undefined; after: string | undefined }[] {
    const parent = stored.info.parents[0] ? get(stored.info.parents[0]).files : new Map<string, string>();
    const out: { path: string; before: string | undefined; after: string | undefined }[] = [];
    for (const path of new Set([...parent.keys(), ...stored.files.keys()])) {
      const before = parent.get(path);
      const after = stored.files.get(path);
      if (before !== after && matchesAny(path, paths)) out.push({ path, before, after });
    }
    return out.sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  }

  const touched = (stored: StoredCommit, paths: readonly string[]): boolean => changedFiles(stored, paths).length > 0;

  function ancestors(commit: CommitId | null | undefined): Set<CommitId> {
    const seen = new Set<CommitId>();
    const stack = commit ? [commit] : [];
    while (stack.length > 0) {
      const id = stack.pop() as CommitId;
      if (seen.has(id)) continue;
      seen.add(id);
      stack.push(...get(id).info.parents);
    }
    return seen;
  }

  return {
    async head() {
      return head;
    },
    async readFile(commit, path) {
      return get(commit).files.get(path);
    },
    async listDirectory(commit, path) {
      return entriesOf(get(commit).files, path);
    },
    async hashOf(commit, path) {
      const files = get(commit).files;
      const file = files.get(path);
      if (file !== undefined) return blobHash(file);
      return entriesOf(files, path).length > 0 ? treeHash(files, path) : undefined;
    },
    async commit(request) {
      if (request.parent !== head) throw new ConflictError("the desired-state repository moved; retry", { reason: "repository-moved" });
      const files = new Map(head ? get(head).files : []);
      for (const change of request.changes) {
        if ("remove" in change) {
          for (const path of [...files.keys()]) if (under(path, change.path)) files.delete(path);
        } else {
          files.set(change.path, change.content);
        }
      }
      const id = sha1(`commit ${++counter} ${request.message}`);
      commits.set(id, {
        files,
        info: {
          id,
          parents: head ? [head] : [],
          author: request.author,
          authoredAt: new Date(Math.floor(params.clock.now().getTime() / 1000) * 1000).toISOString(),
          subject: request.message.split("\n")[0] ?? "",
          trailers: { ...request.trailers },
        },
      });
      head = id;
      return id;
    },
    async changedPaths(from, to, prefix) {
      const a = from ? get(from).files : new Map<string, string>();
      const b = get(to).files;
      const out: PathChange[] = [];
      for (const path of new Set([...a.keys(), ...b.keys()])) {
        if (!under(path, prefix)) continue;
        const before = a.get(path);
        const after = b.get(path);
        if (before === after) continue;
        out.push({ path, change: before === undefined ? "added" : after === undefined ? "removed" : "modified" });
      }
      return out;
    },
    async log(query) {
      const start = query.from ?? head;
      const excluded = ancestors(query.until);
      const out: CommitInfo[] = [];
      let id: CommitId | null | undefined = start;
      const pending: CommitId[] = id ? [id] : [];
      const seen = new Set<CommitId>();
      while (pending.length > 0 && (!query.limit || out.length < query.limit)) {
        id = pending.shift() as CommitId;
        if (seen.has(id) || excluded.has(id)) continue;
        seen.add(id);
        const stored = get(id);
        if (!query.paths || query.paths.length === 0 || touched(stored, query.paths)) out.push(stored.info);
        pending.push(...stored.info.parents);
      }
      return out;
    },
    async isAncestor(ancestor, descendant) {
      return ancestors(descendant).has(ancestor);
    },
    async diff(commit, paths) {
      const stored = commits.get(commit);
      if (!stored) return undefined;
      return changedFiles(stored, paths)
        .map(({ path, before, after }) => filePatch(path, before, after))
        .join("");
    },
  };
}

// The patch of one file as `git diff-tree -p` writes it (no renames, 3 lines of context, git's
// default hunk-header function lines), so that tests see what production shows. Git's own
// algorithm (Myers with heuristics) may place ambiguous insertions elsewhere; the changes are
// the same.

const CONTEXT = 3;
const ZERO_ID = "0000000";

/** Lines with their line break, so that a last line without one differs from the same line with one. */
const linesOf = (content: string | undefined): string[] => (content ? (content.match(/[^\n]*\n|[^\n]+$/g) ?? []) : []);

function filePatch(path: string, before: string | undefined, after: string | undefined): string {
  const abbrev = (content: string | undefined) => (content === undefined ? ZERO_ID : blobHash(content).slice(0, 7));
  let out = `diff --git a/${path} b/${path}\n`;
  if (before === undefined) out += "new file mode 100644\n";
  if (after === undefined) out += "deleted file mode 100644\n";
  out += `index ${abbrev(before)}..${abbrev(after)}${before !== undefined && after !== undefined ? " 100644" : ""}\n`;
  const a = linesOf(before);
  const b = linesOf(after);
  if (a.length === 0 && b.length === 0) return out; // an empty file added or removed: git shows no hunk
  out += `--- ${before === undefined ? "/dev/null" : `a/${path}`}\n+++ ${after === undefined ? "/dev/null" : `b/${path}`}\n`;
  return out + hunks(a, b);
}

type Edit = { readonly kind: " " | "-" | "+"; readonly line: string };

/** A shortest edit script: common lines kept, deletions before insertions in each change. */
function editScript(a: readonly string[], b: readonly string[]): Edit[] {
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (suffix < a.length - prefix && suffix < b.length - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;
  const midA = a.slice(prefix, a.length - suffix);
  const midB = b.slice(prefix, b.length - suffix);
  const middle: Edit[] = [];
  const n = midA.length;
  const m = midB.length;
  if (n * m > 4_000_000) {
    // Too large for the table (a test repository never gets here): a correct, longer script.
    for (const line of midA) middle.push({ kind: "-", line });
    for (const line of midB) middle.push({ kind: "+", line });
  } else {
    // lcs[i][j]: the longest common subsequence of midA[i..] and midB[j..].
    const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
    for (let i = n - 1; i >= 0; i--) {
      const row = lcs[i] as Uint32Array;
      const next = lcs[i + 1] as Uint32Array;
      for (let j = m - 1; j >= 0; j--) row[j] = midA[i] === midB[j] ? (next[j + 1] as number) + 1 : Math.max(next[j] as number, row[j + 1] as number);
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && midA[i] === midB[j]) {
        middle.push({ kind: " ", line: midA[i++] as string });
        j++;
      } else if (i < n && (j >= m || (lcs[i + 1] as Uint32Array)[j] === (lcs[i] as Uint32Array)[j])) {
        middle.push({ kind: "-", line: midA[i++] as string });
      } else {
        middle.push({ kind: "+", line: midB[j++] as string });
      }
    }
  }
  const keep = (lines: readonly string[]): Edit[] => lines.map((line) => ({ kind: " ", line }));
  return [...keep(a.slice(0, prefix)), ...middle, ...keep(a.slice(a.length - suffix))];
}

function hunks(a: readonly string[], b: readonly string[]): string {
  const edits = editScript(a, b);
  // Positions of changes; changes at most 2 × CONTEXT common lines apart share a hunk.
  const changes = edits.flatMap((edit, index) => (edit.kind === " " ? [] : [index]));
  const groups: [number, number][] = [];
  for (const index of changes) {
    const last = groups.at(-1);
    if (last && index - last[1] - 1 <= 2 * CONTEXT) last[1] = index;
    else groups.push([index, index]);
  }
  let out = "";
  let funcLine = "";
  let searchedDownTo = -1;
  for (const [first, last] of groups) {
    const start = Math.max(0, first - CONTEXT);
    const end = Math.min(edits.length - 1, last + CONTEXT);
    // Line numbers (0-based) where the hunk starts in each file.
    let oldStart = 0;
    let newStart = 0;
    for (const edit of edits.slice(0, start)) {
      if (edit.kind !== "+") oldStart++;
      if (edit.kind !== "-") newStart++;
    }
    const body = edits.slice(start, end + 1);
    const oldCount = body.filter((edit) => edit.kind !== "+").length;
    const newCount = body.filter((edit) => edit.kind !== "-").length;
    const range = (from: number, count: number) => `${count === 0 ? from : from + 1}${count === 1 ? "" : `,${count}`}`;
    // Like git without a diff driver: the nearest line above the hunk (in the old file) that
    // starts with a letter, `_` or `$`, searched down to where the previous hunk's search began.
    for (let l = oldStart - 1; l > searchedDownTo && l >= 0; l--) {
      const line = a[l] as string;
      if (/^[A-Za-z_$]/.test(line)) {
        funcLine = Buffer.from(line, "utf8").subarray(0, 80).toString("utf8").replace(/\s+$/, "");
        break;
      }
    }
    searchedDownTo = oldStart - 1;
    out += `@@ -${range(oldStart, oldCount)} +${range(newStart, newCount)} @@${funcLine ? ` ${funcLine}` : ""}\n`;
    for (const edit of body) {
      out += edit.kind + edit.line;
      if (!edit.line.endsWith("\n")) out += "\n\\ No newline at end of file\n";
    }
  }
  return out;
}
