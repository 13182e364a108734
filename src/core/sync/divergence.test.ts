import { describe, expect, it } from "vitest";
import { decideDivergence, type DivergenceInput, type LocalOnlyCommit } from "./divergence.js";

const ours = (id: string, ...paths: string[]): LocalOnlyCommit => ({ id, isPlateaus: true, paths });
const theirs = (id: string, ...paths: string[]): LocalOnlyCommit => ({ id, isPlateaus: false, paths, subject: "hand edit" });
const input = (partial: Partial<DivergenceInput>): DivergenceInput => ({
  localHead: "L",
  remoteHead: "R",
  mergeBase: "B",
  localOnly: [],
  remoteChangedPaths: [],
  ...partial,
});

describe("decideDivergence", () => {
  const cases: [string, Partial<DivergenceInput>, ReturnType<typeof decideDivergence>][] = [
    ["both empty", { localHead: null, remoteHead: null, mergeBase: null }, { kind: "up-to-date" }],
    ["same head", { localHead: "A", remoteHead: "A", mergeBase: "A" }, { kind: "up-to-date" }],
    ["no remote branch yet: first push", { remoteHead: null, mergeBase: null }, { kind: "push" }],
    ["local ahead", { mergeBase: "R" }, { kind: "push" }],
    ["nothing local yet: take the remote", { localHead: null, mergeBase: null }, { kind: "fast-forward" }],
    ["remote ahead", { mergeBase: "L" }, { kind: "fast-forward" }],
    [
      "diverged, Plateau's commits on other paths: rebase, oldest first",
      {
        localOnly: [ours("c1", "projects/a/instances/x.yaml"), ours("c2", "rendered/local/a/x/pod.yaml")],
        remoteChangedPaths: ["README.md", "platforms/k8s.yaml"],
      },
      { kind: "rebase", commits: ["c1", "c2"] },
    ],
    [
      "unrelated histories, disjoint paths: Plateau's history is replayed onto the remote's",
      { mergeBase: null, localOnly: [ours("c1", "platforms/local.yaml")], remoteChangedPaths: ["LICENSE"] },
      { kind: "rebase", commits: ["c1"] },
    ],
    [
      "a local commit Plateau did not write",
      { localOnly: [ours("c1", "a.yaml"), theirs("c2", "b.yaml"), theirs("c3", "c.yaml")], remoteChangedPaths: ["z.yaml"] },
      {
        kind: "diverged",
        commit: "c2",
        reason: 'the local commit c2 ("hand edit") was not written by Plateau (no Plateau-Action trailer, or a merge) and the remote moved too; merge by hand',
      },
    ],
    [
      "the same file on both sides",
      { localOnly: [ours("c1", "a.yaml"), ours("c2", "b.yaml", "projects/p/project.yaml")], remoteChangedPaths: ["projects/p/project.yaml"] },
      {
        kind: "diverged",
        commit: "c2",
        path: "projects/p/project.yaml",
        reason: 'the local commit c2 and the remote both changed "projects/p/project.yaml"; merge by hand',
      },
    ],
    [
      "a file locally, a directory of the same name remotely",
      { localOnly: [ours("c1", "projects/p")], remoteChangedPaths: ["projects/p/project.yaml"] },
      {
        kind: "diverged",
        commit: "c1",
        path: "projects/p",
        reason: 'the local commit c1 and the remote both changed "projects/p" (the remote changed "projects/p/project.yaml"); merge by hand',
      },
    ],
    [
      "a directory locally, a file of the same name remotely",
      { localOnly: [ours("c1", "projects/p/project.yaml")], remoteChangedPaths: ["projects"] },
      {
        kind: "diverged",
        commit: "c1",
        path: "projects/p/project.yaml",
        reason: 'the local commit c1 and the remote both changed "projects/p/project.yaml" (the remote changed "projects"); merge by hand',
      },
    ],
    [
      "a shared prefix is not a clash",
      { localOnly: [ours("c1", "projects/p2/project.yaml")], remoteChangedPaths: ["projects/p"] },
      { kind: "rebase", commits: ["c1"] },
    ],
    [
      "the first obstacle is named, in history order",
      { localOnly: [ours("c1", "x.yaml"), theirs("c2", "y.yaml")], remoteChangedPaths: new Set(["x.yaml"]) },
      { kind: "diverged", commit: "c1", path: "x.yaml", reason: 'the local commit c1 and the remote both changed "x.yaml"; merge by hand' },
    ],
  ];

  it.each(cases)("%s", (_name, partial, expected) => {
    expect(decideDivergence(input(partial))).toEqual(expected);
  });
});
