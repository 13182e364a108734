// The contract every DesiredStateRepository adapter passes (git and memory).
import { describe, expect, it } from "vitest";
import { ConflictError } from "../errors.js";
import type { CommitRequest, DesiredStateRepository } from "./desired-state-repository.js";

export function describeDesiredStateRepositoryContract(name: string, create: () => Promise<DesiredStateRepository>): void {
  const alice = { name: "Alice", email: "alice@example.org" };
  const request = (parent: string | null, changes: CommitRequest["changes"], message = "change", trailers: Record<string, string> = {}): CommitRequest => ({
    parent,
    author: alice,
    message,
    trailers,
    changes,
  });

  describe(`DesiredStateRepository contract: ${name}`, () => {
    it("starts empty", async () => {
      const repo = await create();
      expect(await repo.head()).toBeNull();
    });

    it("commits files and reads them back at that commit", async () => {
      const repo = await create();
      const first = await repo.commit(
        request(null, [
          { path: "projects/demo/project.yaml", content: "name: demo\n" },
          { path: "a.txt", content: "é\n" },
        ]),
      );
      expect(await repo.head()).toBe(first);
      expect(await repo.readFile(first, "projects/demo/project.yaml")).toBe("name: demo\n");
      expect(await repo.readFile(first, "a.txt")).toBe("é\n");
      expect(await repo.readFile(first, "missing.yaml")).toBeUndefined();
      expect(await repo.readFile(first, "projects")).toBeUndefined();
      const second = await repo.commit(request(first, [{ path: "a.txt", content: "b\n" }]));
      expect(await repo.readFile(first, "a.txt")).toBe("é\n");
      expect(await repo.readFile(second, "a.txt")).toBe("b\n");
    });

    it("removes files and whole directories", async () => {
      const repo = await create();
      const first = await repo.commit(
        request(null, [
          { path: "r/x/a.yaml", content: "a" },
          { path: "r/x/b.yaml", content: "b" },
          { path: "r/y.yaml", content: "y" },
        ]),
      );
      const second = await repo.commit(request(first, [{ path: "r/x", remove: true }]));
      expect(await repo.listDirectory(second, "r")).toEqual([expect.objectContaining({ name: "y.yaml", type: "blob" })]);
      const third = await repo.commit(request(second, [{ path: "r/y.yaml", remove: true }]));
      expect(await repo.listDirectory(third, "r")).toEqual([]);
    });

    it("lists directories with content hashes that change only with content", async () => {
      const repo = await create();
      const first = await repo.commit(
        request(null, [
          { path: "d/a/1.yaml", content: "1" },
          { path: "d/b/1.yaml", content: "1" },
          { path: "d/c.yaml", content: "c" },
        ]),
      );
      const entries = await repo.listDirectory(first, "d");
      expect(entries.map((e) => [e.name, e.type])).toEqual([
        ["a", "tree"],
        ["b", "tree"],
        ["c.yaml", "blob"],
      ]);
      const [a, b] = entries;
      expect(a?.hash).toBe(b?.hash); // same content, same hash
      expect(await repo.hashOf(first, "d/a")).toBe(a?.hash);
      const second = await repo.commit(request(first, [{ path: "d/a/1.yaml", content: "2" }]));
      expect(await repo.hashOf(second, "d/a")).not.toBe(a?.hash);
      expect(await repo.hashOf(second, "d/b")).toBe(b?.hash);
      expect(await repo.hashOf(second, "nothing/here")).toBeUndefined();
      expect(await repo.listDirectory(second, "nothing")).toEqual([]);
    });

    it("refuses a commit prepared against an old head and writes nothing", async () => {
      const repo = await create();
      const first = await repo.commit(request(null, [{ path: "a", content: "1" }]));
      const second = await repo.commit(request(first, [{ path: "a", content: "2" }]));
      await expect(repo.commit(request(first, [{ path: "a", content: "3" }]))).rejects.toBeInstanceOf(ConflictError);
      await expect(repo.commit(request(null, [{ path: "a", content: "3" }]))).rejects.toBeInstanceOf(ConflictError);
      expect(await repo.head()).toBe(second);
      expect(await repo.readFile(second, "a")).toBe("2");
    });

    it("reports the files changed between two commits under a prefix", async () => {
      const repo = await create();
      const first = await repo.commit(
        request(null, [
          { path: "p/a.yaml", content: "a" },
          { path: "p/b.yaml", content: "b" },
          { path: "q/c.yaml", content: "c" },
        ]),
      );
      const second = await repo.commit(
        request(first, [
          { path: "p/a.yaml", content: "A" },
          { path: "p/b.yaml", remove: true },
          { path: "p/n/d.yaml", content: "d" },
          { path: "q/c.yaml", content: "C" },
        ]),
      );
      const sort = (changes: { path: string }[]) => [...changes].sort((x, y) => x.path.localeCompare(y.path));
      expect(sort(await repo.changedPaths(first, second, "p"))).toEqual([
        { path: "p/a.yaml", change: "modified" },
        { path: "p/b.yaml", change: "removed" },
        { path: "p/n/d.yaml", change: "added" },
      ]);
      expect(sort(await repo.changedPaths(null, first, "p"))).toEqual([
        { path: "p/a.yaml", change: "added" },
        { path: "p/b.yaml", change: "added" },
      ]);
      expect(await repo.changedPaths(second, second, "p")).toEqual([]);
      expect(await repo.changedPaths(first, second, "absent")).toEqual([]);
    });

    it("logs commits newest first with author, subject and trailers, filtered by path", async () => {
      const repo = await create();
      const first = await repo.commit(
        request(null, [{ path: "projects/demo/instances/a.yaml", content: "a" }], "launch demo/a\n\nbody text", {
          "Plateau-Action": "launch",
          "Plateau-Request-Id": "r1",
        }),
      );
      const second = await repo.commit(
        request(first, [{ path: "projects/demo/instances/b.yaml", content: "b" }], "launch demo/b", { "Plateau-Action": "launch" }),
      );
      const third = await repo.commit(request(second, [{ path: "rendered/local/demo/a/x.yaml", content: "x" }], "render demo/a"));
      const all = await repo.log({});
      expect(all.map((c) => c.id)).toEqual([third, second, first]);
      expect(all[2]).toMatchObject({
        subject: "launch demo/a",
        author: alice,
        trailers: { "Plateau-Action": "launch", "Plateau-Request-Id": "r1" },
        parents: [],
      });
      expect(all[1]?.parents).toEqual([first]);
      expect(Date.parse(all[0]?.authoredAt ?? "")).not.toBeNaN();
      const ofA = await repo.log({ paths: ["projects/demo/instances/a.yaml", "rendered/*/demo/a"] });
      expect(ofA.map((c) => c.id)).toEqual([third, first]);
      expect((await repo.log({ until: first })).map((c) => c.id)).toEqual([third, second]);
      expect((await repo.log({ limit: 1 })).map((c) => c.id)).toEqual([third]);
      expect(await repo.isAncestor(first, third)).toBe(true);
      expect(await repo.isAncestor(third, first)).toBe(false);
    });

    it("tells what a commit changed below some paths, as git's unified diff", async () => {
      const repo = await create();
      // The abbreviated object ids of `index` lines depend on the repository's size: not compared.
      const diff = async (commit: string, paths: readonly string[]) => (await repo.diff(commit, paths))?.replace(/^index .*\n/gm, "");
      const long = Array.from({ length: 12 }, (_, i) => `key${i}: ${i}`).join("\n");
      const first = await repo.commit(
        request(null, [
          { path: "projects/demo/instances/a.yaml", content: "name: a\nsize: small\n" },
          { path: "projects/demo/instances/b.yaml", content: "name: b\n" },
          { path: "rendered/local/demo/a/deployment.yaml", content: `${long}\n` },
          { path: "rendered/local/demo/a/empty.yaml", content: "" },
        ]),
      );
      const paths = ["projects/demo/instances/a.yaml", "rendered/*/demo/a"];
      expect(await diff(first, paths)).toBe(
        [
          "diff --git a/projects/demo/instances/a.yaml b/projects/demo/instances/a.yaml",
          "new file mode 100644",
          "--- /dev/null",
          "+++ b/projects/demo/instances/a.yaml",
          "@@ -0,0 +1,2 @@",
          "+name: a",
          "+size: small",
          "diff --git a/rendered/local/demo/a/deployment.yaml b/rendered/local/demo/a/deployment.yaml",
          "new file mode 100644",
          "--- /dev/null",
          "+++ b/rendered/local/demo/a/deployment.yaml",
          "@@ -0,0 +1,12 @@",
          ...long.split("\n").map((line) => `+${line}`),
          "diff --git a/rendered/local/demo/a/empty.yaml b/rendered/local/demo/a/empty.yaml",
          "new file mode 100644",
          "",
        ].join("\n"),
      );
      const second = await repo.commit(
        request(first, [
          { path: "projects/demo/instances/a.yaml", content: "name: a\nsize: large" },
          { path: "projects/demo/instances/b.yaml", content: "name: B\n" },
          { path: "rendered/local/demo/a/deployment.yaml", content: `${long.replace("key1: 1", "key1: one").replace("key10: 10", "key10: ten")}\n` },
          { path: "rendered/local/demo/a/empty.yaml", remove: true },
        ]),
      );
      expect(await diff(second, paths)).toBe(
        [
          "diff --git a/projects/demo/instances/a.yaml b/projects/demo/instances/a.yaml",
          "--- a/projects/demo/instances/a.yaml",
          "+++ b/projects/demo/instances/a.yaml",
          "@@ -1,2 +1,2 @@",
          " name: a",
          "-size: small",
          "+size: large",
          "\\ No newline at end of file",
          "diff --git a/rendered/local/demo/a/deployment.yaml b/rendered/local/demo/a/deployment.yaml",
          "--- a/rendered/local/demo/a/deployment.yaml",
          "+++ b/rendered/local/demo/a/deployment.yaml",
          "@@ -1,5 +1,5 @@",
          " key0: 0",
          "-key1: 1",
          "+key1: one",
          " key2: 2",
          " key3: 3",
          " key4: 4",
          "@@ -8,5 +8,5 @@ key6: 6",
          " key7: 7",
          " key8: 8",
          " key9: 9",
          "-key10: 10",
          "+key10: ten",
          " key11: 11",
          "diff --git a/rendered/local/demo/a/empty.yaml b/rendered/local/demo/a/empty.yaml",
          "deleted file mode 100644",
          "",
        ].join("\n"),
      );
      expect(await diff(second, ["projects/demo/instances/b.yaml"])).toContain("-name: b\n+name: B\n");
      expect(await diff(second, [])).toBe("");
      const third = await repo.commit(request(second, [{ path: "projects/demo/instances/b.yaml", remove: true }]));
      expect(await diff(third, paths)).toBe("");
      expect(await diff(third, ["projects/demo"])).toBe(
        [
          "diff --git a/projects/demo/instances/b.yaml b/projects/demo/instances/b.yaml",
          "deleted file mode 100644",
          "--- a/projects/demo/instances/b.yaml",
          "+++ /dev/null",
          "@@ -1 +0,0 @@",
          "-name: B",
          "",
        ].join("\n"),
      );
      expect(await repo.diff("0".repeat(40), paths)).toBeUndefined();
    });

    it("keeps any bytes of content intact", async () => {
      const repo = await create();
      const content = "---\nkey: value\n\u0000 NUL\r\n\ttabs\n" + "x".repeat(100_000);
      const id = await repo.commit(request(null, [{ path: "f.yaml", content }]));
      expect(await repo.readFile(id, "f.yaml")).toBe(content);
    });

    it("serializes concurrent commits: one wins per parent", async () => {
      const repo = await create();
      const first = await repo.commit(request(null, [{ path: "a", content: "0" }]));
      const results = await Promise.allSettled([1, 2, 3].map((n) => repo.commit(request(first, [{ path: "a", content: String(n) }]))));
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      expect(results.filter((r) => r.status === "rejected").every((r) => (r as PromiseRejectedResult).reason instanceof ConflictError)).toBe(true);
    });
  });
}
