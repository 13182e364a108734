// The desired-state repository on the git CLI. Reads go through one long-lived
// `git cat-file --batch-command`; each commit is one `git fast-import` run, which writes the
// new objects and moves the branch without a work tree or an index, so its cost follows the
// size of the change, not of the repository.
import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { ConflictError, InputError } from "../../core/errors.js";
import type { Clock } from "../../core/ports/clock.js";
import type {
  CommitId,
  CommitInfo,
  CommitRequest,
  DesiredStateRepository,
  LogQuery,
  PathChange,
  Person,
  TreeEntry,
} from "../../core/ports/desired-state-repository.js";
import { run, runChecked } from "../process.js";
import { CatFile, parseTree } from "./cat-file.js";

export interface GitRepositoryParams {
  /** A bare repository (created by `initRepository`). */
  readonly dir: string;
  readonly branch?: string;
  readonly git?: string;
  readonly clock: Clock;
  readonly committer?: Person;
}

export interface GitRepository extends DesiredStateRepository {
  readonly dir: string;
  close(): void;
  /** Packs loose objects when there are many (git gc --auto); also run after many commits. */
  maintain(): Promise<void>;
}

const MAINTENANCE_EVERY = 16;
const MAX_PACKS = 24;
const COMMIT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const SAFE_PATH = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;
const DEFAULT_COMMITTER: Person = { name: "Plateau", email: "plateau@localhost" };

/** A clean environment: the operator's own git configuration must not change what we write. */
export function gitEnvironment(dir: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LC_ALL: "C",
    GIT_DIR: dir,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
  };
}

/**
 * Creates a bare repository set up to survive crashes: every object and reference written
 * is fsynced (`core.fsync`), and reference updates are logged even in a bare repository.
 */
export async function initRepository(params: { dir: string; branch?: string; git?: string }): Promise<void> {
  const git = params.git ?? "git";
  const branch = params.branch ?? "main";
  if (!existsSync(join(params.dir, "HEAD"))) {
    await runChecked(git, ["init", "--quiet", "--bare", `--initial-branch=${branch}`, params.dir], { env: gitEnvironment(params.dir) });
  }
  const settings: [string, string][] = [
    ["core.fsync", "committed,index,reference,derived-metadata"],
    ["core.fsyncMethod", "fsync"],
    ["core.logAllRefUpdates", "always"],
    ["gc.autoDetach", "false"],
    // Each commit keeps its small pack (one fsync) instead of exploding it into loose objects
    // (one fsync each): half the time per commit. Packs are consolidated by `maintain`.
    ["fastimport.unpackLimit", "1"],
    ["gc.autoPackLimit", "0"],
  ];
  for (const [key, value] of settings) await runChecked(git, ["config", key, value], { env: gitEnvironment(params.dir) });
}

export function createGitRepository(params: GitRepositoryParams): GitRepository {
  const git = params.git ?? "git";
  const branch = params.branch ?? "main";
  const ref = `refs/heads/${branch}`;
  const env = gitEnvironment(params.dir);
  const catFile = new CatFile(git, env);
  const committer = params.committer ?? DEFAULT_COMMITTER;
  let commitsSinceMaintenance = 0;
  let maintenance: Promise<void> | undefined;
  let writeQueue: Promise<unknown> = Promise.resolve();

  const objectName = (commit: CommitId, path: string) => (path === "" ? `${commit}^{tree}` : `${commit}:${path}`);

  async function readTree(oid: string): Promise<TreeEntry[]> {
    const object = await catFile.contents(oid);
    if (!object || object.type !== "tree") return [];
    return parseTree(object.content).map((entry) => ({ name: entry.name, type: entry.mode === "40000" ? "tree" : "blob", hash: entry.oid }));
  }

  async function head(): Promise<CommitId | null> {
    const object = await catFile.info(ref);
    return object?.oid ?? null;
  }

  async function allBlobs(oid: string, path: string, change: PathChange["change"], out: PathChange[]): Promise<void> {
    for (const entry of await readTree(oid)) {
      const child = `${path}/${entry.name}`;
      if (entry.type === "tree") await allBlobs(entry.hash, child, change, out);
      else out.push({ path: child, change });
    }
  }

  async function diffTrees(a: string | undefined, b: string | undefined, path: string, out: PathChange[]): Promise<void> {
    if (a === b) return;
    if (!a) return allBlobs(b as string, path, "added", out);
    if (!b) return allBlobs(a, path, "removed", out);
    const [left, right] = await Promise.all([readTree(a), readTree(b)]);
    const leftByName = new Map(left.map((entry) => [entry.name, entry]));
    const rightByName = new Map(right.map((entry) => [entry.name, entry]));
    for (const name of new Set([...leftByName.keys(), ...rightByName.keys()])) {
      const l = leftByName.get(name);
      const r = rightByName.get(name);
      if (l?.hash === r?.hash) continue;
      const child = `${path}/${name}`;
      if (l?.type === "tree" && r?.type === "tree") {
        await diffTrees(l.hash, r.hash, child, out);
      } else if (l?.type === "blob" && r?.type === "blob") {
        out.push({ path: child, change: "modified" });
      } else {
        // Present on one side only, or a file became a directory (or the reverse).
        if (l) await (l.type === "tree" ? allBlobs(l.hash, child, "removed", out) : Promise.resolve(out.push({ path: child, change: "removed" })));
        if (r) await (r.type === "tree" ? allBlobs(r.hash, child, "added", out) : Promise.resolve(out.push({ path: child, change: "added" })));
      }
    }
  }

  async function commitNow(request: CommitRequest): Promise<CommitId> {
    const current = await head();
    if (current !== request.parent) {
      throw new ConflictError(`the desired-state repository moved (expected ${request.parent ?? "no commit"}, found ${current ?? "no commit"}); retry`, {
        reason: "repository-moved",
      });
    }
    const now = Math.floor(params.clock.now().getTime() / 1000);
    const chunks: (string | Buffer)[] = [];
    const data = (content: string | Buffer) => {
      const bytes = typeof content === "string" ? Buffer.from(content, "utf8") : content;
      chunks.push(`data ${bytes.length}\n`, bytes, "\n");
    };
    chunks.push(`commit ${ref}\nmark :1\n`);
    chunks.push(`author ${identity(request.author)} ${now} +0000\n`);
    chunks.push(`committer ${identity(committer)} ${now} +0000\n`);
    data(commitMessage(request.message, request.trailers));
    if (request.parent) chunks.push(`from ${request.parent}\n`);
    for (const change of request.changes) {
      if (!SAFE_PATH.test(change.path) || change.path.split("/").some((part) => part === "." || part === "..")) {
        throw InputError.field("", "path", `refusing to write the path "${change.path}"`);
      }
      if ("remove" in change) {
        chunks.push(`D ${change.path}\n`);
      } else {
        chunks.push(`M 100644 inline ${change.path}\n`);
        data(change.content);
      }
    }
    chunks.push("get-mark :1\ndone\n");
    const input = Buffer.concat(chunks.map((chunk) => (typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk)));
    const result = await run(git, ["fast-import", "--quiet", "--done"], { env, input });
    if (result.code !== 0) {
      // The branch moved between our check and fast-import's update of it: "Not updating" when it
      // is no longer an ancestor, "cannot lock ref … is at X but expected Y" when the ref changed under its lock.
      if (/Not updating|does not contain|cannot lock ref '[^']*': is at [0-9a-f]+ but expected/.test(result.stderr))
        throw new ConflictError("the desired-state repository moved during the commit; retry", { reason: "repository-moved" });
      throw new Error(`git fast-import failed (${result.code}): ${result.stderr.trim().split("\n").slice(-3).join(" / ")}`);
    }
    const id = result.stdout.toString("utf8").trim();
    if (!/^[0-9a-f]{40}$/.test(id)) throw new Error(`git fast-import returned no commit id: ${id}`);
    commitsSinceMaintenance++;
    if (commitsSinceMaintenance >= MAINTENANCE_EVERY && !maintenance) {
      commitsSinceMaintenance = 0;
      void repository.maintain().catch(() => undefined);
    }
    return id;
  }

  /**
   * The common case of the indexer (the commits since the last one indexed, usually one) read
   * through the running cat-file process rather than a `git log` process. Undefined when the
   * history is not a simple line down to `until` (merges): `git log` answers those.
   */
  async function walkFirstParents(from: CommitId, until: CommitId | null, limit: number): Promise<CommitInfo[] | undefined> {
    const out: CommitInfo[] = [];
    let id: CommitId | undefined = from;
    while (id && out.length < limit) {
      if (id === until) return out;
      const object = await catFile.contents(id);
      if (!object || object.type !== "commit") return undefined;
      const info = parseCommitObject(id, object.content.toString("utf8"));
      if (info.parents.length > 1) return undefined;
      out.push(info);
      id = info.parents[0];
    }
    // Stopped by the limit or at the root: exact only when nothing had to be excluded.
    return until === null || id === until ? out : undefined;
  }

  const repository: GitRepository = {
    dir: params.dir,
    head,

    async readFile(commit, path) {
      const object = await catFile.contents(objectName(commit, path));
      return object?.type === "blob" ? object.content.toString("utf8") : undefined;
    },

    async listDirectory(commit, path) {
      const object = await catFile.info(objectName(commit, path));
      return object?.type === "tree" ? readTree(object.oid) : [];
    },

    async hashOf(commit, path) {
      return (await catFile.info(objectName(commit, path)))?.oid;
    },

    commit(request) {
      // One writer at a time in this process; other writers are caught by the parent check
      // and by fast-import, which only moves the branch forward.
      const next = writeQueue.then(() => commitNow(request));
      writeQueue = next.catch(() => undefined);
      return next;
    },

    async changedPaths(from, to, prefix) {
      const out: PathChange[] = [];
      const [a, b] = await Promise.all([from ? catFile.info(objectName(from, prefix)) : undefined, catFile.info(objectName(to, prefix))]);
      const treeOrUndefined = (object: typeof a) => (object?.type === "tree" ? object.oid : undefined);
      await diffTrees(treeOrUndefined(a), treeOrUndefined(b), prefix, out);
      return out;
    },

    async log(query: LogQuery) {
      const start = query.from ?? (await head());
      if (!start) return [];
      if (!query.paths || query.paths.length === 0) {
        const walked = await walkFirstParents(start, query.until ?? null, query.limit ?? 50);
        if (walked) return walked;
      }
      const args = ["log", "-z", `--format=%H%x1f%P%x1f%an%x1f%ae%x1f%aI%x1f%s%x1f%(trailers:unfold,only)`];
      if (query.limit) args.push(`--max-count=${query.limit}`);
      args.push(start);
      if (query.until) args.push(`^${query.until}`);
      if (query.paths && query.paths.length > 0) args.push("--", ...query.paths.flatMap(pathspec));
      const output = (await runChecked(git, args, { env })).toString("utf8");
      return output
        .split("\0")
        .filter((record) => record.trim().length > 0)
        .map(parseLogRecord);
    },

    async isAncestor(ancestor, descendant) {
      const result = await run(git, ["merge-base", "--is-ancestor", ancestor, descendant], { env });
      if (result.code > 1) throw new Error(`git merge-base failed: ${result.stderr.trim()}`);
      return result.code === 0;
    },

    async diff(commit, paths) {
      // Checked here too, not only by callers: the id is an argument of git's, and only an
      // object id may be one (never an option, a revision expression or a path).
      if (!COMMIT_ID.test(commit)) throw InputError.field("/commit", "pattern", "is not a commit id (40 or 64 hexadecimal digits)");
      const object = await catFile.contents(commit);
      if (!object || object.type !== "commit") return undefined;
      const parent = parseCommitObject(commit, object.content.toString("utf8")).parents[0];
      if (paths.length === 0) return "";
      const args = ["diff-tree", "-p", "--no-commit-id", "--no-color", "--no-ext-diff", "--no-textconv", "--no-renames", "--text", "--unified=3"];
      args.push(...(parent ? [parent, commit] : ["--root", commit]), "--", ...paths.flatMap(pathspec));
      return (await runChecked(git, args, { env })).toString("utf8");
    },

    async maintain() {
      if (maintenance) return maintenance;
      maintenance = (async () => {
        // Geometric repacking merges the small packs of recent commits into progressively larger
        // ones, so its cost follows what was added, not the size of the repository.
        if ((await packCount(params.dir)) > MAX_PACKS) await runChecked(git, ["repack", "-d", "-q", "--geometric=2"], { env });
        await runChecked(git, ["gc", "--auto", "--quiet"], { env });
      })().finally(() => (maintenance = undefined));
      return maintenance;
    },

    close() {
      catFile.close();
    },
  };
  return repository;
}

/**
 * The git pathspecs of a port path: a `*` segment is a glob, which matches whole paths only, so
 * `/**` extends it to what lies below a directory; any other path is literal (and matches a
 * directory's contents by itself).
 */
function pathspec(path: string): string[] {
  return path.includes("*") ? [`:(glob)${path}`, `:(glob)${path}/**`] : [`:(literal)${path}`];
}

function identity(person: Person): string {
  // fast-import's identity syntax is `Name <email>`: neither part may hold <, > or a line break.
  const clean = (text: string) => text.replace(/[<>\n\r\0]/g, "").trim();
  return `${clean(person.name) || "unknown"} <${clean(person.email)}>`;
}

export function commitMessage(message: string, trailers: Readonly<Record<string, string>>): string {
  const lines = Object.entries(trailers).map(([key, value]) => `${key}: ${value.replace(/[\r\n]+/g, " ")}`);
  return `${message.trimEnd()}\n${lines.length > 0 ? `\n${lines.join("\n")}\n` : ""}`;
}

/** A raw commit object: headers, a blank line, the message (trailers in its last paragraph). */
export function parseCommitObject(id: CommitId, text: string): CommitInfo {
  const blank = text.indexOf("\n\n");
  const headers = text.slice(0, blank < 0 ? text.length : blank).split("\n");
  const message = blank < 0 ? "" : text.slice(blank + 2);
  const parents = headers.filter((line) => line.startsWith("parent ")).map((line) => line.slice("parent ".length));
  const author = /^author (.*) <(.*)> (\d+) ([+-]\d{4})$/.exec(headers.find((line) => line.startsWith("author ")) ?? "");
  const paragraphs = message.trimEnd().split(/\n\s*\n/);
  const trailers: Record<string, string> = {};
  const last = paragraphs.length > 1 ? (paragraphs.at(-1) ?? "") : "";
  for (const line of last.split("\n")) {
    const match = /^([A-Za-z0-9][A-Za-z0-9-]*): (.*)$/.exec(line);
    if (match) trailers[match[1] as string] = (match[2] as string).trim();
  }
  return {
    id,
    parents,
    author: { name: author?.[1] ?? "", email: author?.[2] ?? "" },
    authoredAt: new Date(Number(author?.[3] ?? 0) * 1000).toISOString(),
    subject: (paragraphs[0] ?? "").split("\n").join(" ").trim(),
    trailers,
  };
}

function parseLogRecord(record: string): CommitInfo {
  const [id = "", parents = "", name = "", email = "", date = "", subject = "", trailerText = ""] = record.replace(/^\n/, "").split("\x1f");
  const trailers: Record<string, string> = {};
  for (const line of trailerText.split("\n")) {
    const colon = line.indexOf(": ");
    if (colon > 0) trailers[line.slice(0, colon)] = line.slice(colon + 2).trim();
  }
  return {
    id,
    parents: parents.split(" ").filter(Boolean),
    author: { name, email },
    authoredAt: new Date(date).toISOString(),
    subject,
    trailers,
  };
}

/** Number of pack files (for tests and maintenance decisions). */
export async function packCount(dir: string): Promise<number> {
  const entries = await readdir(join(dir, "objects", "pack")).catch(() => [] as string[]);
  return entries.filter((name) => name.endsWith(".pack")).length;
}
