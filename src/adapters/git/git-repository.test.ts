import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { describeDesiredStateRepositoryContract } from "../../core/ports/desired-state-repository.contract.js";
import { InputError } from "../../core/errors.js";
import { runChecked } from "../process.js";
import { createGitRepository, gitEnvironment, initRepository, packCount, type GitRepository } from "./git-repository.js";

const created: { dir: string; repo: GitRepository }[] = [];
const clock = { now: () => new Date() };

async function fresh(): Promise<GitRepository> {
  const dir = await mkdtemp(join(tmpdir(), "plateau-git-"));
  await initRepository({ dir });
  const repo = createGitRepository({ dir, clock });
  created.push({ dir, repo });
  return repo;
}

afterAll(async () => {
  for (const { dir, repo } of created) {
    repo.close();
    await rm(dir, { recursive: true, force: true });
  }
});

describeDesiredStateRepositoryContract("git", fresh);

describe("git repository specifics", () => {
  const git = (repo: GitRepository, ...args: string[]) => runChecked("git", args, { env: gitEnvironment(repo.dir) }).then((out) => out.toString("utf8"));

  it("writes commits that git itself reads: fsck clean, readable log -p", async () => {
    const repo = await fresh();
    const first = await repo.commit({
      parent: null,
      author: { name: "Alice <x>", email: "alice@example.org\n" },
      message: "launch demo/hello",
      trailers: { "Plateau-Action": "launch" },
      changes: [{ path: "projects/demo/instances/hello.yaml", content: "a: 1\n" }],
    });
    await repo.commit({
      parent: first,
      author: { name: "Bob", email: "bob@example.org" },
      message: "stop demo/hello",
      trailers: {},
      changes: [{ path: "projects/demo/instances/hello.yaml", content: "a: 2\n" }],
    });
    await git(repo, "fsck", "--strict", "--no-progress");
    const log = await git(repo, "log", "-p", "--format=%an <%ae>%n%B");
    expect(log).toContain("Bob <bob@example.org>");
    expect(log).toContain("Alice x <alice@example.org>"); // identity characters that would break the format are dropped
    expect(log).toContain("Plateau-Action: launch");
    expect(log).toContain("-a: 1\n+a: 2");
  });

  it("is configured to fsync what it commits", async () => {
    const repo = await fresh();
    expect((await git(repo, "config", "core.fsync")).trim()).toContain("committed");
    expect((await git(repo, "config", "core.fsyncMethod")).trim()).toBe("fsync");
  });

  it("picks up commits made by other git processes", async () => {
    const repo = await fresh();
    const first = await repo.commit({
      parent: null,
      author: { name: "A", email: "a@x" },
      message: "one",
      trailers: {},
      changes: [{ path: "a.yaml", content: "1" }],
    });
    // An operator commits with plain git in a clone, then pushes.
    const clone = await mkdtemp(join(tmpdir(), "plateau-clone-"));
    const env = { PATH: process.env.PATH, HOME: clone, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" };
    await runChecked("git", ["clone", "--quiet", repo.dir, clone], { env });
    await runChecked("git", ["-C", clone, "-c", "user.name=Op", "-c", "user.email=op@x", "commit", "--quiet", "--allow-empty", "-m", "operator change"], {
      env,
    });
    await runChecked("git", ["-C", clone, "push", "--quiet", "origin", "HEAD:main"], { env });
    const head = await repo.head();
    expect(head).not.toBe(first);
    expect((await repo.log({ limit: 1 }))[0]?.subject).toBe("operator change");
    await rm(clone, { recursive: true, force: true });
  });

  it("keeps the number of packs bounded as commits accumulate", async () => {
    const repo = await fresh();
    let head: string | null = null;
    for (let i = 0; i < 120; i++)
      head = await repo.commit({
        parent: head,
        author: { name: "A", email: "a@x" },
        message: `c${i}`,
        trailers: {},
        changes: [{ path: `f${i}.yaml`, content: String(i) }],
      });
    await repo.maintain();
    expect(await packCount(repo.dir)).toBeLessThanOrEqual(25);
    await git(repo, "fsck", "--no-progress");
    expect(await repo.readFile(head as string, "f0.yaml")).toBe("0");
  });

  it("refuses reads once closed instead of starting a process that would outlive it", async () => {
    const repo = await fresh();
    await repo.head();
    repo.close();
    await expect(repo.head()).rejects.toThrow(/closed/);
    await expect(repo.readFile("HEAD", "x")).rejects.toThrow(/closed/);
  });

  it("refuses paths that could escape the layout", async () => {
    const repo = await fresh();
    for (const path of ["../x", "a/../b", "/abs", "a b", "a\nb", "", "a//b"]) {
      await expect(
        repo.commit({ parent: null, author: { name: "A", email: "a@x" }, message: "x", trailers: {}, changes: [{ path, content: "1" }] }),
      ).rejects.toThrow(/path/);
    }
    expect(await repo.head()).toBeNull();
  });

  it("hands git nothing but an object id as the commit of a diff", async () => {
    const repo = await fresh();
    const id = await repo.commit({
      parent: null,
      author: { name: "A", email: "a@x" },
      message: "x",
      trailers: {},
      changes: [{ path: "a.yaml", content: "1\n" }],
    });
    for (const commit of ["HEAD", "main", "--output=/tmp/x", `${id}^`, id.toUpperCase(), id.slice(0, 7), `${id}\n`]) {
      await expect(repo.diff(commit, ["a.yaml"])).rejects.toBeInstanceOf(InputError);
    }
    expect(await repo.diff(id, ["a.yaml"])).toContain("+1\n");
    // A blob or tree id is not a commit.
    expect(await repo.diff((await repo.hashOf(id, "a.yaml")) ?? "", ["a.yaml"])).toBeUndefined();
  });
});
