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

  function touched(stored: StoredCommit, paths: readonly string[]): boolean {
    const parent = stored.info.parents[0] ? get(stored.info.parents[0]).files : new Map<string, string>();
    const matches = (path: string) =>
      paths.some((pattern) => {
        const patternParts = pattern.split("/");
        const pathParts = path.split("/");
        return patternParts.every((part, i) => part === "*" || part === pathParts[i]) && pathParts.length >= patternParts.length;
      });
    for (const path of new Set([...parent.keys(), ...stored.files.keys()])) {
      if (parent.get(path) !== stored.files.get(path) && matches(path)) return true;
    }
    return false;
  }

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
      if (request.parent !== head) throw new ConflictError("the desired-state repository moved; retry");
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
  };
}
