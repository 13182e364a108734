import { describe, expect, it } from "vitest";
import { appendCapped, parsePatch, splitLines, valueRows } from "./text.js";

describe("log lines from a stream", () => {
  it("keeps a line cut between two chunks whole", () => {
    let state = splitLines("", "web | one\nweb | tw");
    expect(state).toEqual({ lines: ["web | one"], rest: "web | tw" });
    state = splitLines(state.rest, "o\r\n\nweb | three");
    expect(state).toEqual({ lines: ["web | two", ""], rest: "web | three" });
    expect(splitLines("", "")).toEqual({ lines: [], rest: "" });
  });

  it("keeps only the newest lines", () => {
    expect(appendCapped(["a", "b"], ["c"], 5)).toEqual(["a", "b", "c"]);
    expect(appendCapped(["a", "b"], ["c", "d"], 3)).toEqual(["b", "c", "d"]);
  });
});

describe("a commit's patch", () => {
  const patch = [
    "diff --git a/projects/demo/instances/hello.yaml b/projects/demo/instances/hello.yaml",
    "index ba60e13..916a200 100644",
    "--- a/projects/demo/instances/hello.yaml",
    "+++ b/projects/demo/instances/hello.yaml",
    "@@ -9,2 +9,2 @@ placement:",
    " spec:",
    "-  state: running",
    "+  state: stopped",
    "diff --git a/rendered/local/demo/hello/notes.txt b/rendered/local/demo/hello/notes.txt",
    "new file mode 100644",
    "--- /dev/null",
    "+++ b/rendered/local/demo/hello/notes.txt",
    "@@ -0,0 +1,2 @@",
    "+++ b/looks like a header",
    "+--- and so does this",
    "\\ No newline at end of file",
    "",
  ].join("\n");

  it("tells content from headers, even content that reads like a header", () => {
    const { lines, files } = parsePatch(patch);
    expect(lines.map((line) => line.kind)).toEqual([
      "file",
      "meta",
      "meta",
      "meta",
      "hunk",
      "context",
      "del",
      "add",
      "file",
      "meta",
      "meta",
      "meta",
      "hunk",
      "add",
      "add",
      "note",
    ]);
    expect(lines[13]?.text).toBe("+++ b/looks like a header");
    expect(files).toEqual([
      { path: "projects/demo/instances/hello.yaml", added: 1, removed: 1 },
      { path: "rendered/local/demo/hello/notes.txt", added: 2, removed: 0 },
    ]);
  });

  it("reads an empty patch as nothing", () => {
    expect(parsePatch("")).toEqual({ lines: [], files: [] });
  });
});

describe("an instance's values as rows", () => {
  it("flattens objects, keeps lists whole and hides what looks like a secret", () => {
    expect(
      valueRows({ size: "small", resources: { cpu: 2, memory: "4Gi" }, tags: ["a", "b"], empty: {}, adminPassword: "s3cret", api: { token: "t" } }),
    ).toEqual([
      { key: "size", value: "small", secret: false },
      { key: "resources.cpu", value: "2", secret: false },
      { key: "resources.memory", value: "4Gi", secret: false },
      { key: "tags", value: '["a","b"]', secret: false },
      { key: "empty", value: "{}", secret: false },
      { key: "adminPassword", value: "s3cret", secret: true },
      { key: "api.token", value: "t", secret: true },
    ]);
  });
});
