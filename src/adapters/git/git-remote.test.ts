import { writeFile } from "node:fs/promises";
import { createServer, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { startGitHttpServer, type GitHttpServer } from "../../../test/support/git-http-server.js";
import { scratchDir } from "../../../test/support/temp.js";
import { ConflictError, InputError } from "../../core/errors.js";
import { silentLogger } from "../../core/ports/logger.js";
import { createScheduler } from "../../core/scheduler/scheduler.js";
import { createRemoteSync, type RemoteSync } from "../../core/sync/remote-sync.js";
import { systemTimers } from "../system/system.js";
import { freeLoopbackPort } from "../net.js";
import { run, runChecked } from "../process.js";
import { createGitRemote, replayCommits, RemoteError, sshCommand, transportEnvironment, type GitRemote, type RemoteAuth } from "./git-remote.js";
import { createGitRepository, gitEnvironment, initRepository, type GitRepository } from "./git-repository.js";

const clock = { now: () => new Date() };
const cleanup: (() => Promise<unknown> | void)[] = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

const tempDir = (prefix: string): Promise<string> => scratchDir(prefix, cleanup);

async function localRepository(): Promise<GitRepository> {
  const dir = await tempDir("plateau-local-");
  await initRepository({ dir });
  const repo = createGitRepository({ dir, clock });
  cleanup.push(() => repo.close());
  return repo;
}

/** The forge's repository: bare, empty. */
async function origin(): Promise<string> {
  const dir = await tempDir("plateau-origin-");
  await runChecked("git", ["init", "--quiet", "--bare", "--initial-branch=main", dir], { env: gitEnvironment(dir) });
  return dir;
}

/** A commit as Plateau writes them (with a Plateau-Action trailer), or a plain one. */
async function commit(repo: GitRepository, files: Record<string, string | null>, options: { plateau?: boolean; author?: string } = {}): Promise<string> {
  const author = options.author ?? "alice";
  return repo.commit({
    parent: await repo.head(),
    author: { name: author, email: `${author}@example.org` },
    message: `change ${Object.keys(files).join(", ")}\n\nbecause ${author} asked`,
    trailers: options.plateau === false ? {} : { "Plateau-Action": "launch", "Plateau-Request-Id": `r-${Object.keys(files)[0]}` },
    changes: Object.entries(files).map(([path, content]) => (content === null ? { path, remove: true as const } : { path, content })),
  });
}

/** Someone else, with a clone and a work tree, pushing to the forge. */
async function someoneElse(url: string) {
  const home = await tempDir("plateau-person-");
  const clone = join(home, "clone");
  const env = { PATH: process.env.PATH, HOME: home, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null", GIT_TERMINAL_PROMPT: "0", LC_ALL: "C" };
  const git = async (...args: string[]) =>
    (await runChecked("git", ["-C", clone, "-c", "user.name=operator", "-c", "user.email=op@example.org", ...args], { env })).toString().trim();
  await runChecked("git", ["clone", "--quiet", url, clone], { env });
  return {
    async commitAndPush(files: Record<string, string>, message = "operator change"): Promise<string> {
      await git("pull", "--quiet", "--ff-only", "origin", "main").catch(() => undefined);
      for (const [path, content] of Object.entries(files)) {
        await runChecked("mkdir", ["-p", join(clone, path, "..")]);
        await writeFile(join(clone, path), content);
      }
      await git("add", "--all");
      await git("commit", "--quiet", "-m", message);
      await git("push", "--quiet", "origin", "HEAD:main");
      return git("rev-parse", "HEAD");
    },
  };
}

const headOf = async (dir: string) => {
  const result = await run("git", ["rev-parse", "--verify", "--quiet", "refs/heads/main"], { env: gitEnvironment(dir) });
  return result.code === 0 ? result.stdout.toString().trim() : null;
};
const gitIn = async (dir: string, ...args: string[]) => (await runChecked("git", args, { env: gitEnvironment(dir) })).toString();

function remoteFor(repo: GitRepository, url: string, auth: RemoteAuth = { kind: "none" }, extra: { timeoutMs?: number } = {}): GitRemote {
  return createGitRemote({ dir: repo.dir, url, auth, ...extra });
}

/** A local repository whose first commit (a.yaml) is already on a fresh remote: where most stories start. */
async function pushedOnce(): Promise<{ repo: GitRepository; forge: string; remote: GitRemote }> {
  const repo = await localRepository();
  const forge = await origin();
  const remote = remoteFor(repo, forge);
  await commit(repo, { "a.yaml": "1" });
  await remote.sync();
  return { repo, forge, remote };
}

const syncs: RemoteSync[] = [];
afterEach(async () => {
  await Promise.all(syncs.splice(0).map((sync) => sync.stop()));
});

function loop(remote: GitRemote, extra: { onPulled?: (head: string) => void; pollIntervalMs?: number } = {}): RemoteSync {
  const sync = createRemoteSync({
    remote,
    clock,
    scheduler: createScheduler({ clock, timers: systemTimers, random: { int: () => 0 }, logger: silentLogger }),
    logger: silentLogger,
    pollIntervalMs: extra.pollIntervalMs ?? 60_000,
    backoff: { initialMs: 20, maxMs: 80 },
    ...(extra.onPulled ? { onPulled: extra.onPulled } : {}),
  });
  syncs.push(sync);
  return sync;
}

const waitFor = (check: () => void | Promise<void>) => vi.waitFor(check, { timeout: 10_000, interval: 10 });

describe("git remote over the file protocol", () => {
  it("pushes first to an empty remote, then what the local branch adds", async () => {
    const repo = await localRepository();
    const forge = await origin();
    const remote = remoteFor(repo, forge);
    expect(await remote.fetch()).toBeNull();
    expect(await remote.sync()).toEqual({ kind: "up-to-date", localHead: null, remoteHead: null });

    const first = await commit(repo, { "platforms/local.yaml": "a" });
    expect(await remote.sync()).toEqual({ kind: "pushed", localHead: first, remoteHead: first });
    expect(await headOf(forge)).toBe(first);

    const second = await commit(repo, { "projects/demo/project.yaml": "p" });
    expect(await remote.sync()).toEqual({ kind: "pushed", localHead: second, remoteHead: second });
    expect(await headOf(forge)).toBe(second);
    expect(await remote.sync()).toEqual({ kind: "up-to-date", localHead: second, remoteHead: second });
    expect(await remote.fetch()).toBe(second);
  });

  it("takes commits pushed by others (fast-forward), and tells onPulled", async () => {
    const repo = await localRepository();
    const forge = await origin();
    const remote = remoteFor(repo, forge);
    await commit(repo, { "platforms/local.yaml": "a" });
    await remote.sync();
    const operator = await someoneElse(forge);
    const theirs = await operator.commitAndPush({ "platforms/k8s.yaml": "k" });

    const pulled: string[] = [];
    const sync = loop(remote, { pollIntervalMs: 20, onPulled: (head) => void pulled.push(head) });
    sync.start();
    await waitFor(() => expect(pulled).toEqual([theirs]));
    expect(await repo.head()).toBe(theirs);
    expect(await repo.readFile(theirs, "platforms/k8s.yaml")).toBe("k");
    expect(sync.status()).toMatchObject({ state: "in-sync", localHead: theirs, remoteHead: theirs });
  });

  it("starts an empty repository from the remote's branch (a new Plateau on an existing repository)", async () => {
    const repo = await localRepository();
    const forge = await origin();
    const theirs = await (await someoneElse(forge)).commitAndPush({ "platforms/local.yaml": "a" });
    expect(await remoteFor(repo, forge).sync()).toEqual({ kind: "fast-forwarded", from: null, localHead: theirs, remoteHead: theirs });
    expect(await repo.head()).toBe(theirs);
  });

  it("replays Plateau's commits onto the remote's when both moved on different files", async () => {
    const repo = await localRepository();
    const forge = await origin();
    const remote = remoteFor(repo, forge);
    await commit(repo, { "platforms/local.yaml": "a", "projects/demo/instances/old.yaml": "old" });
    await remote.sync();
    const operator = await someoneElse(forge);
    const theirs = await operator.commitAndPush({ "platforms/k8s.yaml": "k", "docs/notes.md": "n" });
    const mine1 = await commit(repo, { "projects/demo/instances/a.yaml": "a: 1" }, { author: "alice" });
    const mine2 = await commit(repo, { "projects/demo/instances/old.yaml": null, "projects/demo/instances/b.yaml": "b" }, { author: "bob" });

    const outcome = await remote.sync();
    expect(outcome).toMatchObject({ kind: "rebased", from: mine2, commits: 2 });
    const head = (await repo.head()) as string;
    expect(outcome.localHead).toBe(head);
    expect(await headOf(forge)).toBe(head);
    expect(head).not.toBe(mine2);

    // Same authors (and dates), messages and trailers; new parents; both sides' files.
    const describe = (range: string) => gitIn(repo.dir, "log", "--format=%an <%ae> %ad%n%B%n--", range);
    expect(await describe(`${theirs}..${head}`)).toBe(await describe(`${mine2}~2..${mine2}`));
    expect((await gitIn(repo.dir, "rev-list", "--parents", "-n", "1", `${head}~1`)).trim().split(" ")[1]).toBe(theirs);
    expect(await repo.readFile(head, "platforms/k8s.yaml")).toBe("k");
    expect(await repo.readFile(head, "projects/demo/instances/a.yaml")).toBe("a: 1");
    expect(await repo.readFile(head, "projects/demo/instances/b.yaml")).toBe("b");
    expect(await repo.readFile(head, "projects/demo/instances/old.yaml")).toBeUndefined();
    expect((await repo.log({ limit: 1 }))[0]?.trailers).toEqual({ "Plateau-Action": "launch", "Plateau-Request-Id": "r-projects/demo/instances/old.yaml" });
    expect(mine1).not.toBe(head);
    // Nothing left behind but sound objects.
    expect((await run("git", ["rev-parse", "--verify", "--quiet", "refs/plateau/rebase/main"], { env: gitEnvironment(repo.dir) })).code).toBe(1);
    await gitIn(repo.dir, "fsck", "--strict", "--no-progress");
  });

  it("grafts a new Plateau's history onto a remote created with other files (no common history)", async () => {
    const repo = await localRepository();
    const forge = await origin();
    const theirs = await (await someoneElse(forge)).commitAndPush({ LICENSE: "EUPL" }, "initial commit");
    await commit(repo, { "platforms/local.yaml": "a" });
    const outcome = await remoteFor(repo, forge).sync();
    expect(outcome).toMatchObject({ kind: "rebased", commits: 1 });
    const head = (await repo.head()) as string;
    expect(await headOf(forge)).toBe(head);
    expect((await gitIn(repo.dir, "rev-parse", `${head}~1`)).trim()).toBe(theirs);
    expect(await repo.readFile(head, "LICENSE")).toBe("EUPL");
  });

  it("reports a divergence on a file both changed, and moves nothing", async () => {
    const repo = await localRepository();
    const forge = await origin();
    const remote = remoteFor(repo, forge);
    await commit(repo, { "projects/demo/project.yaml": "v1" });
    await remote.sync();
    const theirs = await (await someoneElse(forge)).commitAndPush({ "projects/demo/project.yaml": "theirs" });
    const mine = await commit(repo, { "projects/demo/project.yaml": "mine" });

    const outcome = await remote.sync();
    expect(outcome).toEqual({
      kind: "diverged",
      from: mine,
      localHead: mine,
      remoteHead: theirs,
      reason: expect.stringContaining('"projects/demo/project.yaml"'),
    });
    expect(await repo.head()).toBe(mine);
    expect(await headOf(forge)).toBe(theirs);

    const sync = loop(remote);
    await expect(sync.syncNow()).resolves.toMatchObject({ kind: "diverged" });
    expect(sync.status()).toMatchObject({
      state: "diverged",
      localHead: mine,
      remoteHead: theirs,
      lastError: { message: expect.stringContaining(mine.slice(0, 12)) },
    });
  });

  it("reports a divergence when a local commit is not Plateau's, and moves nothing", async () => {
    const { repo, forge, remote } = await pushedOnce();
    const theirs = await (await someoneElse(forge)).commitAndPush({ "b.yaml": "2" });
    const handMade = await commit(repo, { "c.yaml": "3" }, { plateau: false });
    const outcome = await remote.sync();
    expect(outcome).toMatchObject({ kind: "diverged", localHead: handMade, remoteHead: theirs });
    expect(outcome.kind === "diverged" && outcome.reason).toContain("not written by Plateau");
    expect(await repo.head()).toBe(handMade);
    expect(await headOf(forge)).toBe(theirs);
  });

  it("converges after a crash between the replay and the move of the branch (the replay is deterministic)", async () => {
    const { repo, forge, remote } = await pushedOnce();
    const theirs = await (await someoneElse(forge)).commitAndPush({ "b.yaml": "2" });
    const mine = await commit(repo, { "c.yaml": "3" });
    // The crash: the remote was fetched and the replay written under the temporary ref,
    // but the branch never moved.
    expect(await remote.fetch()).toBe(theirs);
    const replayed = await replayCommits({ dir: repo.dir, commits: [mine], onto: theirs, ref: "refs/plateau/rebase/main" });
    expect(await repo.head()).toBe(mine);
    const outcome = await remote.sync();
    expect(outcome).toMatchObject({ kind: "rebased", localHead: replayed });
    expect(await headOf(forge)).toBe(replayed);
  });

  it("never loses a local commit that lands while it replays (the branch moves by compare-and-swap)", async () => {
    const { repo, forge, remote } = await pushedOnce();
    await (await someoneElse(forge)).commitAndPush({ "b.yaml": "2" });
    await commit(repo, { "c.yaml": "3" });
    // The writer commits while the replay runs: either its commit lands first (the move of
    // the branch fails, and the next round replays it too) or it is refused (ConflictError,
    // and the writer retries on the new head). Never is it dropped.
    let concurrent: Promise<string> | undefined;
    const outcome = await remote.sync({
      onPhase: (phase) => {
        if (phase === "rebasing") concurrent ??= commit(repo, { "e.yaml": "5" });
      },
    });
    expect(outcome.kind).toBe("rebased");
    const landed = await (concurrent as Promise<string>).then(
      (id) => ({ id }),
      (error: unknown) => ({ error }),
    );
    const head = (await repo.head()) as string;
    expect(outcome.localHead).toBe(head);
    expect(await headOf(forge)).toBe(head);
    expect(await repo.readFile(head, "b.yaml")).toBe("2");
    expect(await repo.readFile(head, "c.yaml")).toBe("3");
    if ("id" in landed) expect(await repo.readFile(head, "e.yaml")).toBe("5");
    else expect(landed.error).toBeInstanceOf(ConflictError);
  });
});

describe("git remote over smart HTTP", () => {
  async function served(): Promise<{ server: GitHttpServer; forge: string }> {
    const forge = await origin();
    const server = await startGitHttpServer({ dir: forge });
    cleanup.push(() => server.close());
    return { server, forge };
  }

  it("sends the token as HTTP Basic, through the environment only", async () => {
    const { server, forge } = await served();
    server.requireToken("s3cret-token", "plateau-bot");
    const repo = await localRepository();
    const head = await commit(repo, { "a.yaml": "1" });
    const remote = remoteFor(repo, server.url, { kind: "token", token: "s3cret-token", username: "plateau-bot" });
    await expect(remote.sync()).resolves.toMatchObject({ kind: "pushed", localHead: head });
    expect(await headOf(forge)).toBe(head);
    const expected = `Basic ${Buffer.from("plateau-bot:s3cret-token").toString("base64")}`;
    expect(server.authorizations.length).toBeGreaterThan(0);
    expect(server.authorizations.every((value) => value === expected)).toBe(true);
    expect(remote.url).not.toContain("s3cret");
  });

  it("reports refused credentials as such, and keeps the commit", async () => {
    const { server } = await served();
    server.requireToken("right");
    const repo = await localRepository();
    const head = await commit(repo, { "a.yaml": "1" });
    const remote = remoteFor(repo, server.url, { kind: "token", token: "wrong" });
    const error = await remote.sync().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({ kind: "auth", code: "unavailable" });
    expect((error as Error).message).toMatch(/credentials were refused/);
    expect((error as Error).message).not.toContain("wrong");
    expect(server.authorizations).toContain(`Basic ${Buffer.from("oauth2:wrong").toString("base64")}`);

    const sync = loop(remote);
    sync.start();
    await waitFor(() => expect(sync.status().attempts).toBeGreaterThanOrEqual(2));
    expect(sync.status()).toMatchObject({ state: "failing", lastError: { message: expect.stringMatching(/credentials were refused/) } });
    expect(await repo.head()).toBe(head);
  });

  it("fails while the server is down or broken, keeps the commit, and recovers", async () => {
    const { server, forge } = await served();
    const repo = await localRepository();
    const remote = remoteFor(repo, server.url);
    await commit(repo, { "a.yaml": "1" });
    await remote.sync();

    await server.setMode("down");
    const sync = loop(remote);
    sync.start();
    const mine = await commit(repo, { "b.yaml": "2" });
    sync.wake();
    await waitFor(() => expect(sync.status().attempts).toBeGreaterThanOrEqual(2));
    expect(sync.status()).toMatchObject({ state: "failing", lastError: { message: expect.stringMatching(/unreachable/) } });
    expect(await repo.head()).toBe(mine);

    await server.setMode("error500");
    const attempts = sync.status().attempts;
    await waitFor(() => expect(sync.status().attempts).toBeGreaterThan(attempts));
    expect(sync.status().lastError?.message).toMatch(/500/);

    await server.setMode("up");
    await waitFor(() => expect(sync.status()).toMatchObject({ state: "in-sync", attempts: 0, localHead: mine }));
    expect(await headOf(forge)).toBe(mine);
  });

  it("handles a push refused as non-fast-forward by replaying onto what was pushed meanwhile", async () => {
    const { server, forge } = await served();
    const repo = await localRepository();
    const remote = remoteFor(repo, server.url);
    await commit(repo, { "a.yaml": "1" });
    await remote.sync();
    const theirs = await (await someoneElse(server.url)).commitAndPush({ "b.yaml": "2" });
    const mine = await commit(repo, { "c.yaml": "3" });
    expect(await remote.push(mine)).toEqual({ pushed: false, reason: "non-fast-forward", message: expect.stringContaining("main") });

    const outcome = await remote.sync();
    expect(outcome).toMatchObject({ kind: "rebased", commits: 1 });
    const head = (await repo.head()) as string;
    expect(await headOf(forge)).toBe(head);
    expect((await gitIn(repo.dir, "rev-parse", `${head}~1`)).trim()).toBe(theirs);
  });
});

describe("git remote failures and settings", () => {
  it("reports a closed port as unreachable", async () => {
    const repo = await localRepository();
    const port = await freeLoopbackPort();
    const error = await remoteFor(repo, `http://127.0.0.1:${port}/state.git`)
      .fetch()
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ kind: "network", message: expect.stringMatching(/unreachable/) });
  });

  it("kills a fetch that hangs (process timeout)", async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    cleanup.push(() => {
      sockets.forEach((socket) => socket.destroy());
      return new Promise((resolve) => silent.close(resolve));
    });
    const repo = await localRepository();
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/state.git`;
    const error = await remoteFor(repo, url, { kind: "none" }, { timeoutMs: 300 })
      .fetch()
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ kind: "timeout", message: expect.stringMatching(/timed out/) });
  });

  it("reports a missing repository", async () => {
    const repo = await localRepository();
    const error = await remoteFor(repo, join(tmpdir(), "plateau-no-such-repository"))
      .fetch()
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ kind: "not-found" });
  });

  it.each([
    ["an option", "--upload-pack=touch /tmp/x", { kind: "none" }, "/url"],
    ["a remote helper", "ext::sh -c touch% /tmp/x", { kind: "none" }, "/url"],
    ["a helper without spaces", "fd::3", { kind: "none" }, "/url"],
    ["a password in the URL", "https://user:token@example.org/state.git", { kind: "none" }, "/url"],
    ["a token over SSH", "git@example.org:state.git", { kind: "token", token: "t" }, "/url"],
    ["a key over HTTPS", "https://example.org/state.git", { kind: "ssh", keyFile: "/k", knownHostsFile: "/h" }, "/url"],
    ["a token on two lines", "https://example.org/state.git", { kind: "token", token: "t\nX-Evil: 1" }, "/auth/token"],
    ["a user name with a colon", "https://example.org/state.git", { kind: "token", token: "t", username: "a:b" }, "/auth/username"],
    ["a key path with a space", "ssh://git@example.org/state.git", { kind: "ssh", keyFile: "/keys/my key", knownHostsFile: "/h" }, "/auth/keyFile"],
    ["a known-hosts path with a quote", "git@example.org:state.git", { kind: "ssh", keyFile: "/k", knownHostsFile: "/h'$(id)" }, "/auth/knownHostsFile"],
    ["a relative key path", "git@example.org:state.git", { kind: "ssh", keyFile: "keys/id", knownHostsFile: "/h" }, "/auth/keyFile"],
  ] as [string, string, RemoteAuth, string][])("refuses %s", (_name, url, auth, pointer) => {
    const attempt = () => createGitRemote({ dir: "/nonexistent", url, auth });
    expect(attempt).toThrow(InputError);
    try {
      attempt();
    } catch (error) {
      expect((error as InputError).issues[0]?.pointer).toBe(pointer);
    }
  });

  it("gives git its credentials and limits through the environment", () => {
    const env = transportEnvironment({ kind: "token", token: "tok" }, { bytesPerSecond: 1000, seconds: 30 });
    const config = Object.fromEntries(
      Array.from({ length: Number(env.GIT_CONFIG_COUNT) }, (_, index) => [env[`GIT_CONFIG_KEY_${index}`], env[`GIT_CONFIG_VALUE_${index}`]]),
    );
    expect(config).toEqual({
      "http.lowSpeedLimit": "1000",
      "http.lowSpeedTime": "30",
      "credential.helper": "",
      "http.extraHeader": `Authorization: Basic ${Buffer.from("oauth2:tok").toString("base64")}`,
    });
    expect(sshCommand({ keyFile: "/etc/plateau/id_ed25519", knownHostsFile: "/etc/plateau/known_hosts" })).toBe(
      "ssh -i '/etc/plateau/id_ed25519' -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes -o 'UserKnownHostsFile=/etc/plateau/known_hosts' -o BatchMode=yes -o ConnectTimeout=30 -o ServerAliveInterval=15 -o ServerAliveCountMax=4",
    );
    expect(transportEnvironment({ kind: "ssh", keyFile: "/k", knownHostsFile: "/h" }, { bytesPerSecond: 1, seconds: 1 }).GIT_SSH_COMMAND).toContain("-i '/k'");
  });
});
