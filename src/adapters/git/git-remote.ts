// The desired-state repository's remote (the forge Argo CD and people read), on the git CLI.
// The local bare repository stays the source of truth for Plateau: a push that fails leaves
// the commit where it is, to go with the next attempt. Commits made on the remote come in by
// fast-forward; when both sides moved, Plateau's own commits are replayed onto the remote's
// (a rebase without a work tree, written under a temporary ref) and the branch is moved by
// one compare-and-swap, so a crash leaves it at the old head or at the rebased one, and the
// next attempt converges. Credentials go through the environment, never argv or the URL.
import { ConflictError, InputError, UnavailableError } from "../../core/errors.js";
import type { DesiredStateRemote, SyncOutcome, SyncPhase } from "../../core/ports/desired-state-remote.js";
import type { CommitId } from "../../core/ports/desired-state-repository.js";
import { decideDivergence, type LocalOnlyCommit } from "../../core/sync/divergence.js";
import { TRAILERS } from "../../core/repository/trailers.js";
import { createMutex } from "../../core/util/mutex.js";
import { lastLine, run, type RunResult } from "../process.js";
import { gitEnvironment, parseCommitObject } from "./git-repository.js";

export type RemoteAuth =
  | { readonly kind: "none" }
  /** HTTPS with a token (GitLab/GitHub/Gitea access token), sent as HTTP Basic. */
  | { readonly kind: "token"; readonly token: string; readonly username?: string }
  /** SSH with a private key and the hosts it may talk to (no host is trusted on first use). */
  | { readonly kind: "ssh"; readonly keyFile: string; readonly knownHostsFile: string };

export interface GitRemoteParams {
  /** The local bare repository (the one `createGitRepository` writes). */
  readonly dir: string;
  readonly branch?: string;
  readonly url: string;
  readonly auth: RemoteAuth;
  readonly git?: string;
  /** A fetch or a push running longer is killed (default two minutes). */
  readonly timeoutMs?: number;
  /** An HTTP transfer slower than `bytesPerSecond` for `seconds` is aborted (default 1000 B/s for 30 s). */
  readonly lowSpeed?: { readonly bytesPerSecond: number; readonly seconds: number };
}

export type PushResult =
  | { readonly pushed: true }
  /** The remote has commits the pushed one does not contain: fetch, and rebase or merge. */
  | { readonly pushed: false; readonly reason: "non-fast-forward"; readonly message: string };

export type RemoteFailureKind = "network" | "timeout" | "auth" | "not-found" | "refused" | "failed";

/** The remote could not be used now; `kind` says why (a network outage, refused credentials…). */
export class RemoteError extends UnavailableError {
  constructor(
    message: string,
    readonly kind: RemoteFailureKind,
  ) {
    super(message);
    this.name = "RemoteError";
  }
}

export interface GitRemote extends DesiredStateRemote {
  readonly url: string;
  readonly branch: string;
  /** Fetches the remote branch into `refs/plateau/remote/<branch>`; its head, null when it does not exist. */
  fetch(): Promise<CommitId | null>;
  /** Pushes `commit` to the remote branch, never forcing. */
  push(commit: CommitId): Promise<PushResult>;
  /**
   * Fetches, then moves the local branch to the remote's head, whatever it held: commits of
   * this clone the remote does not have are dropped. For replicas (ADR 0040), whose commits
   * exist once pushed, and only then. Returns the head, null when the remote has no branch.
   */
  follow(): Promise<CommitId | null>;
}

const ZERO = "0".repeat(40);
const DEFAULT_TIMEOUT_MS = 120_000;
/** Rounds of one `sync` when the remote or the local branch moves while it works. */
const MAX_ROUNDS = 3;
const SAFE_FILE = /^\/[A-Za-z0-9._/-]+$/;

export function createGitRemote(params: GitRemoteParams): GitRemote {
  const git = params.git ?? "git";
  const branch = params.branch ?? "main";
  const url = validateRemoteUrl(params.url, params.auth);
  const localRef = `refs/heads/${branch}`;
  const trackingRef = `refs/plateau/remote/${branch}`;
  const rebaseRef = `refs/plateau/rebase/${branch}`;
  const timeoutMs = params.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const localEnv = gitEnvironment(params.dir);
  const remoteEnv = { ...localEnv, ...transportEnvironment(params.auth, params.lowSpeed ?? { bytesPerSecond: 1000, seconds: 30 }) };
  const mutex = createMutex();

  const local = (args: string[], input?: string | Buffer) => run(git, args, { env: localEnv, ...(input !== undefined ? { input } : {}) });
  const transport = (args: string[]) => run(git, args, { env: remoteEnv, timeoutMs, killGroup: true });

  async function resolve(ref: string): Promise<CommitId | null> {
    const result = await local(["rev-parse", "--verify", "--quiet", "--end-of-options", `${ref}^{commit}`]);
    if (result.code === 0) return result.stdout.toString("utf8").trim();
    if (result.code === 1) return null;
    throw new Error(`git rev-parse ${ref} failed: ${lastLine(result.stderr)}`);
  }

  async function fetchNow(): Promise<CommitId | null> {
    const result = await transport([
      "fetch",
      "--quiet",
      "--no-tags",
      "--no-write-fetch-head",
      "--no-auto-gc",
      "--no-recurse-submodules",
      "--end-of-options",
      url,
      `+${localRef}:${trackingRef}`,
    ]);
    if (result.code !== 0) {
      if (/couldn't find remote ref/i.test(result.stderr)) {
        // The remote is reachable but has no such branch (a new, empty repository).
        await local(["update-ref", "-d", trackingRef]);
        return null;
      }
      throw remoteFailure("fetch from", url, result, timeoutMs);
    }
    return resolve(trackingRef);
  }

  async function pushNow(commit: CommitId): Promise<PushResult> {
    const result = await transport(["push", "--porcelain", "--no-signed", "--no-verify", "--end-of-options", url, `${commit}:${localRef}`]);
    const status = result.stdout
      .toString("utf8")
      .split("\n")
      .find((line) => line.endsWith(`:${localRef}`) || line.includes(`:${localRef}\t`));
    if (result.code === 0) {
      // Pushing to a URL updates no remote-tracking ref: ours says what the remote has now.
      await local(["update-ref", trackingRef, commit]);
      return { pushed: true };
    }
    if (status?.startsWith("!") && /\[rejected\]/.test(status)) {
      return { pushed: false, reason: "non-fast-forward", message: `the remote branch ${branch} has commits that ${commit.slice(0, 12)} does not contain` };
    }
    if (status?.startsWith("!") && /\[remote rejected\]/.test(status)) {
      const why = /\[remote rejected\] \((.*)\)/.exec(status)?.[1] ?? "no reason given";
      throw new RemoteError(`push to ${url} refused by the remote: ${why} (a protected branch? the token's rights?)`, "refused");
    }
    throw remoteFailure("push to", url, result, timeoutMs);
  }

  /** Moves the local branch from `expected` to `next`, or fails if it moved meanwhile. */
  async function moveBranch(next: CommitId, expected: CommitId | null, reason: string): Promise<void> {
    const result = await local(["update-ref", "-m", `plateau: ${reason}`, localRef, next, expected ?? ZERO]);
    if (result.code === 0) return;
    if (/cannot lock ref|but expected|already exists|unable to resolve reference/i.test(result.stderr)) {
      throw new ConflictError(`the local branch ${branch} moved during synchronisation (${lastLine(result.stderr)}); retrying`);
    }
    throw new Error(`git update-ref ${localRef} failed: ${lastLine(result.stderr)}`);
  }

  async function mergeBase(a: CommitId, b: CommitId): Promise<CommitId | null> {
    const result = await local(["merge-base", a, b]);
    if (result.code === 0) return result.stdout.toString("utf8").trim();
    if (result.code === 1) return null;
    throw new Error(`git merge-base failed: ${lastLine(result.stderr)}`);
  }

  async function localOnlyCommits(base: CommitId | null, head: CommitId): Promise<LocalOnlyCommit[]> {
    const listed = await local(["rev-list", "--reverse", "--topo-order", head, ...(base ? [`^${base}`] : [])]);
    if (listed.code !== 0) throw new Error(`git rev-list failed: ${lastLine(listed.stderr)}`);
    const ids = listed.stdout.toString("utf8").split("\n").filter(Boolean);
    const objects = await readCommitObjects(git, localEnv, ids);
    const out: LocalOnlyCommit[] = [];
    for (const id of ids) {
      const info = parseCommitObject(id, (objects.get(id) as Buffer).toString("utf8"));
      const changes = await diffCommit(git, localEnv, id, info.parents[0] ?? null);
      out.push({
        id,
        // Merges are never replayed: a person made them, a person redoes them.
        isPlateaus: TRAILERS.action in info.trailers && info.parents.length <= 1,
        paths: changes.map((change) => change.path.toString("utf8")),
        subject: info.subject,
      });
    }
    return out;
  }

  async function remoteChangedPaths(base: CommitId | null, head: CommitId): Promise<string[]> {
    const result = base
      ? await local(["diff-tree", "-r", "-z", "--no-renames", "--name-only", base, head])
      : await local(["ls-tree", "-r", "-z", "--name-only", head]);
    if (result.code !== 0) throw new Error(`git ${base ? "diff-tree" : "ls-tree"} failed: ${lastLine(result.stderr)}`);
    return result.stdout.toString("utf8").split("\0").filter(Boolean);
  }

  async function syncNow(onPhase: (phase: SyncPhase) => void): Promise<SyncOutcome> {
    let first: CommitId | null | undefined;
    let pulled = false;
    let replayed = 0;
    for (let round = 1; ; round++) {
      onPhase("fetching");
      const remoteHead = await fetchNow();
      const localHead = await resolve(localRef);
      if (first === undefined) first = localHead;
      const base = localHead && remoteHead ? await mergeBase(localHead, remoteHead) : null;
      const bothMoved = localHead !== null && remoteHead !== null && localHead !== remoteHead && base !== localHead && base !== remoteHead;
      const decision = decideDivergence({
        localHead,
        remoteHead,
        mergeBase: base,
        localOnly: bothMoved ? await localOnlyCommits(base, localHead) : [],
        remoteChangedPaths: bothMoved ? await remoteChangedPaths(base, remoteHead) : [],
      });
      // What the whole call did, when earlier rounds already took the remote's commits.
      const finished = (head: CommitId | null, kind: "up-to-date" | "pushed"): SyncOutcome => {
        if (head === null) return { kind: "up-to-date", localHead: null, remoteHead: null };
        if (replayed > 0 && first) return { kind: "rebased", from: first, commits: replayed, localHead: head, remoteHead: head };
        if (pulled) return { kind: "fast-forwarded", from: first ?? null, localHead: head, remoteHead: head };
        return { kind, localHead: head, remoteHead: head };
      };
      try {
        switch (decision.kind) {
          case "up-to-date":
            return finished(localHead, "up-to-date");
          case "push": {
            onPhase("pushing");
            const pushed = await pushNow(localHead as CommitId);
            if (pushed.pushed) return finished(localHead, "pushed");
            break; // the remote moved since the fetch: another round
          }
          case "fast-forward":
            onPhase("fast-forwarding");
            await moveBranch(remoteHead as CommitId, localHead, `fast-forward to the remote's ${branch}`);
            pulled = true;
            return finished(remoteHead, "up-to-date");
          case "rebase": {
            onPhase("rebasing");
            const rebased = await replayCommits({ git, dir: params.dir, commits: decision.commits, onto: remoteHead as CommitId, ref: rebaseRef });
            await moveBranch(rebased, localHead, `rebase ${decision.commits.length} commit(s) onto the remote's ${branch}`);
            await local(["update-ref", "-d", rebaseRef]);
            pulled = true;
            replayed = decision.commits.length;
            onPhase("pushing");
            const pushed = await pushNow(rebased);
            if (pushed.pushed) return finished(rebased, "pushed");
            break;
          }
          case "diverged":
            return { kind: "diverged", reason: decision.reason, from: first as CommitId, localHead: localHead as CommitId, remoteHead: remoteHead as CommitId };
        }
      } catch (error) {
        if (!(error instanceof ConflictError) || round >= MAX_ROUNDS) throw error;
        continue; // a local commit landed meanwhile: decide again
      }
      if (round >= MAX_ROUNDS) throw new ConflictError(`the remote branch ${branch} kept moving during ${MAX_ROUNDS} attempts to push; retrying later`);
    }
  }

  async function followNow(): Promise<CommitId | null> {
    const remoteHead = await fetchNow();
    for (let round = 1; ; round++) {
      const localHead = await resolve(localRef);
      if (remoteHead === null || localHead === remoteHead) return localHead;
      try {
        await moveBranch(remoteHead, localHead, `follow the remote's ${branch}`);
        return remoteHead;
      } catch (error) {
        if (!(error instanceof ConflictError) || round >= MAX_ROUNDS) throw error;
      }
    }
  }

  return {
    url,
    branch,
    follow: () => mutex.run(followNow),
    fetch: () => mutex.run(fetchNow),
    push: (commit) => mutex.run(() => pushNow(commit)),
    sync: (options) => mutex.run(() => syncNow(options?.onPhase ?? (() => undefined))),
  };
}

/**
 * Writes `commits` again, in order, onto `onto`: the same changes of files (modes and
 * contents, by object id), author, committer and message (so trailers), into `ref` only —
 * the branch is moved by the caller. Each commit's changes are taken against its first
 * parent. Keeping the committer's date too makes the replay deterministic: interrupted and
 * run again, it writes the very same commits. Returns the last one.
 */
export async function replayCommits(params: { git?: string; dir: string; commits: readonly CommitId[]; onto: CommitId; ref: string }): Promise<CommitId> {
  const git = params.git ?? "git";
  const env = gitEnvironment(params.dir);
  if (params.commits.length === 0) return params.onto;
  const objects = await readCommitObjects(git, env, params.commits);
  const chunks: Buffer[] = [];
  const text = (value: string) => chunks.push(Buffer.from(value, "utf8"));
  for (const [index, id] of params.commits.entries()) {
    const raw = objects.get(id) as Buffer;
    const blank = raw.indexOf("\n\n");
    const headers = raw
      .subarray(0, blank < 0 ? raw.length : blank)
      .toString("utf8")
      .split("\n");
    const message = blank < 0 ? Buffer.alloc(0) : raw.subarray(blank + 2);
    const header = (name: string) => headers.find((line) => line.startsWith(`${name} `))?.slice(name.length + 1);
    const parent = header("parent") ?? null;
    const author = header("author");
    const committer = header("committer");
    if (!author || !committer) throw new Error(`commit ${id} has no author or committer`);
    text(`commit ${params.ref}\nmark :${index + 1}\nauthor ${author}\ncommitter ${committer}\n`);
    const encoding = header("encoding");
    if (encoding) text(`encoding ${encoding}\n`);
    text(`data ${message.length}\n`);
    chunks.push(message);
    text(`\nfrom ${index === 0 ? params.onto : `:${index}`}\n`);
    for (const change of await diffCommit(git, env, id, parent)) {
      const path = fastImportPath(change.path);
      if (change.status === "D") chunks.push(Buffer.from("D "), path, Buffer.from("\n"));
      else chunks.push(Buffer.from(`M ${change.mode} ${change.oid} `), path, Buffer.from("\n"));
    }
  }
  text(`get-mark :${params.commits.length}\ndone\n`);
  // --force: a replay interrupted earlier may have left the temporary ref elsewhere.
  const result = await run(git, ["fast-import", "--quiet", "--done", "--force"], { env, input: Buffer.concat(chunks) });
  if (result.code !== 0) {
    const fatal = result.stderr.split("\n").find((line) => line.startsWith("fatal: "));
    throw new Error(`git fast-import (rebase) failed: ${fatal ?? lastLine(result.stderr)}`);
  }
  const head = result.stdout.toString("utf8").trim();
  if (!/^[0-9a-f]{40}$/.test(head)) throw new Error(`git fast-import returned no commit id: ${head}`);
  return head;
}

interface FileChangeOfCommit {
  readonly status: string;
  /** The new mode and object (for additions and modifications). */
  readonly mode: string;
  readonly oid: string;
  /** Bytes as git stores them: not necessarily UTF-8. */
  readonly path: Buffer;
}

/** What `commit` changed against `parent` (everything, for a root commit), file by file. */
async function diffCommit(git: string, env: NodeJS.ProcessEnv, commit: CommitId, parent: CommitId | null): Promise<FileChangeOfCommit[]> {
  const args = ["diff-tree", "-r", "-z", "--no-renames", "--no-commit-id", ...(parent ? [parent, commit] : ["--root", commit])];
  const result = await run(git, args, { env });
  if (result.code !== 0) throw new Error(`git diff-tree ${commit} failed: ${lastLine(result.stderr)}`);
  // -z raw format: ":<old mode> <new mode> <old oid> <new oid> <status>\0<path>\0", repeated.
  const out: FileChangeOfCommit[] = [];
  const output = result.stdout;
  let at = 0;
  while (at < output.length) {
    const metaEnd = output.indexOf(0, at);
    const pathEnd = output.indexOf(0, metaEnd + 1);
    if (metaEnd < 0 || pathEnd < 0) break;
    const [, mode = "", , oid = "", status = ""] = output
      .subarray(at + 1, metaEnd)
      .toString("utf8")
      .split(" ");
    out.push({ status: status.charAt(0), mode, oid, path: output.subarray(metaEnd + 1, pathEnd) });
    at = pathEnd + 1;
  }
  return out;
}

/** Raw commit objects by id, read by one `git cat-file --batch`. */
async function readCommitObjects(git: string, env: NodeJS.ProcessEnv, ids: readonly CommitId[]): Promise<Map<CommitId, Buffer>> {
  const out = new Map<CommitId, Buffer>();
  if (ids.length === 0) return out;
  const result = await run(git, ["cat-file", "--batch"], { env, input: ids.map((id) => `${id}\n`).join("") });
  if (result.code !== 0) throw new Error(`git cat-file failed: ${lastLine(result.stderr)}`);
  const output = result.stdout;
  let at = 0;
  for (const id of ids) {
    const lineEnd = output.indexOf("\n", at);
    const [oid, type, size] = output.subarray(at, lineEnd).toString("utf8").split(" ");
    if (oid !== id || type !== "commit") throw new Error(`commit ${id} not found in the repository`);
    const length = Number(size);
    out.set(id, output.subarray(lineEnd + 1, lineEnd + 1 + length));
    at = lineEnd + 1 + length + 1;
  }
  return out;
}

/** fast-import takes a path as is unless it starts with a quote or holds a line break. */
function fastImportPath(path: Buffer): Buffer {
  const needsQuoting = path[0] === 0x22 || path.includes(0x0a) || path.includes(0x5c);
  if (!needsQuoting) return path;
  const parts: Buffer[] = [Buffer.from('"')];
  for (const byte of path) {
    if (byte === 0x22) parts.push(Buffer.from('\\"'));
    else if (byte === 0x5c) parts.push(Buffer.from("\\\\"));
    else if (byte === 0x0a) parts.push(Buffer.from("\\n"));
    else parts.push(Buffer.from([byte]));
  }
  parts.push(Buffer.from('"'));
  return Buffer.concat(parts);
}

/**
 * The environment that gives git its credentials and limits for talking to the remote:
 * configuration through GIT_CONFIG_COUNT/KEY/VALUE (never in argv, where `ps` shows it, nor
 * in the URL, which git prints in its messages), and the SSH command for SSH.
 */
export function transportEnvironment(auth: RemoteAuth, lowSpeed: { bytesPerSecond: number; seconds: number }): NodeJS.ProcessEnv {
  const config: [string, string][] = [
    ["http.lowSpeedLimit", String(lowSpeed.bytesPerSecond)],
    ["http.lowSpeedTime", String(lowSpeed.seconds)],
    // No credential helper may answer for us, nor remember what we send.
    ["credential.helper", ""],
  ];
  const env: NodeJS.ProcessEnv = {};
  if (auth.kind === "token") {
    if (auth.token.length === 0 || /[\r\n\0]/.test(auth.token)) throw InputError.field("/auth/token", "header-value", "the token must be one line of text");
    const username = auth.username ?? "oauth2";
    if (/[:\r\n\0]/.test(username)) throw InputError.field("/auth/username", "header-value", "the user name cannot hold a colon or a line break");
    config.push(["http.extraHeader", `Authorization: Basic ${Buffer.from(`${username}:${auth.token}`, "utf8").toString("base64")}`]);
  } else if (auth.kind === "ssh") {
    env.GIT_SSH_COMMAND = sshCommand(auth);
    env.GIT_SSH_VARIANT = "ssh";
  }
  env.GIT_CONFIG_COUNT = String(config.length);
  config.forEach(([key, value], index) => {
    env[`GIT_CONFIG_KEY_${index}`] = key;
    env[`GIT_CONFIG_VALUE_${index}`] = value;
  });
  return env;
}

/**
 * git runs GIT_SSH_COMMAND through a shell, and ssh splits option values on spaces: paths
 * are refused unless made of plain characters (and quoted all the same). Hosts are trusted
 * only from the known-hosts file given, never on first use; nothing may prompt.
 */
export function sshCommand(auth: { readonly keyFile: string; readonly knownHostsFile: string }): string {
  for (const [field, path] of [
    ["keyFile", auth.keyFile],
    ["knownHostsFile", auth.knownHostsFile],
  ] as const) {
    if (!SAFE_FILE.test(path) || path.split("/").includes("..")) {
      throw InputError.field(`/auth/${field}`, "safe-path", `"${path}" must be an absolute path of letters, digits, '.', '_', '-' and '/' only`);
    }
  }
  const quote = (value: string) => `'${value.replace(/'/g, "'\\''")}'`;
  return [
    "ssh",
    "-i",
    quote(auth.keyFile),
    "-o IdentitiesOnly=yes",
    "-o StrictHostKeyChecking=yes",
    `-o ${quote(`UserKnownHostsFile=${auth.knownHostsFile}`)}`,
    "-o BatchMode=yes",
    "-o ConnectTimeout=30",
    "-o ServerAliveInterval=15",
    "-o ServerAliveCountMax=4",
  ].join(" ");
}

/** Refuses what git would not treat as a plain remote: options, helper transports, inline passwords. */
export function validateRemoteUrl(url: string, auth: RemoteAuth): string {
  const refuse = (message: string) => InputError.field("/url", "git-url", message);
  const hasControl = [...url].some((char) => char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f);
  if (url.length === 0 || hasControl || /\s/.test(url)) throw refuse("the remote URL must be one word without spaces or control characters");
  if (url.startsWith("-")) throw refuse("the remote URL cannot start with '-'");
  if (/^[A-Za-z][A-Za-z0-9+.-]*::/.test(url)) throw refuse("remote helpers (`<transport>::…`) are not allowed");
  const isHttp = /^https?:\/\//i.test(url);
  const isSsh = /^ssh:\/\//i.test(url) || /^[^/:]+@[^/:]+:/.test(url) || /^git\+ssh:\/\//i.test(url);
  if (isHttp) {
    const parsed = URL.canParse(url) ? new URL(url) : undefined;
    if (!parsed) throw refuse(`"${url}" is not a valid URL`);
    if (parsed.password) throw refuse("put the token in the remote's auth (kind: token), never in the URL");
  }
  if (auth.kind === "token" && !isHttp) throw refuse("token authentication needs an http(s) URL");
  if (auth.kind === "ssh" && !isSsh) throw refuse("SSH authentication needs an ssh:// or user@host:path URL");
  return url;
}

function remoteFailure(operation: string, url: string, result: RunResult, timeoutMs: number): RemoteError {
  if (result.code === 124) return new RemoteError(`${operation} ${url} timed out after ${Math.round(timeoutMs / 1000)} s`, "timeout");
  const text = result.stderr;
  const line = lastLine(
    text
      .split("\n")
      .filter((entry) => !/^\s*(Please make sure|and the repository exists)/.test(entry) && !/Could not read from remote repository/.test(entry))
      .join("\n"),
  ).replace(/^fatal: /, "");
  const kinds: [RemoteFailureKind, RegExp, string][] = [
    ["timeout", /Operation too slow|timed out/i, "too slow or timed out"],
    [
      "auth",
      /Authentication failed|could not read (Username|Password)|terminal prompts disabled|returned error: 40[13]|Permission denied \(|Access denied|invalid credentials|Host key verification failed/i,
      "the credentials were refused (check the token or key, and the known hosts)",
    ],
    ["not-found", /not found|returned error: 404|does not appear to be a git repository|No such file/i, "no such repository"],
    [
      "network",
      /Could not resolve|Failed to connect|Connection refused|Connection reset|unable to access|RPC failed|returned error: 5\d\d|early EOF|unexpected disconnect|hung up/i,
      "unreachable",
    ],
  ];
  for (const [kind, pattern, summary] of kinds) {
    if (pattern.test(text)) return new RemoteError(`${operation} ${url} failed: ${summary}: ${line}`, kind);
  }
  return new RemoteError(`${operation} ${url} failed (git exited with ${result.code}): ${line}`, "failed");
}
