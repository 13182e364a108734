import { describe, expect, it } from "vitest";
import { patchedList } from "./cached-index.js";
import type { IndexedInstance } from "../ports/state-index.js";

const instance = (project: string, name: string, platform = "local"): IndexedInstance => ({
  project,
  name,
  template: "static-site",
  templateVersion: "1.0.0",
  platform,
  state: "running",
  values: {},
  placementReason: "",
  createdAt: "t",
  createdBy: "bob",
  expiresAt: null,
});

describe("patchedList", () => {
  const list = [instance("a", "x"), instance("b", "m"), instance("b", "y")];

  it("is the very same array when no changed instance concerns it", () => {
    const ofB = list.slice(1);
    expect(patchedList(ofB, { project: "b" }, new Map([["a/x", instance("a", "x", "plmshift")]]))).toBe(ofB);
    expect(patchedList(list, {}, new Map([["c/z", undefined]]))).toBe(list);
  });

  it("replaces a changed instance in place, keeping the others' identity, and leaves the list it was given alone", () => {
    const moved = instance("b", "m", "local");
    const patched = patchedList(list, {}, new Map([["b/m", moved]]));
    expect(patched).toEqual(list);
    expect(patched[1]).toBe(moved);
    expect(patched[0]).toBe(list[0]);
    expect(list[1]).not.toBe(moved);
  });

  it("drops a removed instance, and one that no longer matches the filter", () => {
    expect(patchedList(list, {}, new Map([["b/m", undefined]])).map((i) => i.name)).toEqual(["x", "y"]);
    expect(patchedList(list, { platform: "local" }, new Map([["b/y", instance("b", "y", "plmshift")]])).map((i) => i.name)).toEqual(["x", "m"]);
  });

  it("inserts a new instance in the order of project then name, and only where the filter takes it", () => {
    const changed = new Map([
      ["b/n", instance("b", "n")],
      ["0/first", instance("0", "first")],
      ["c/last", instance("c", "last")],
    ]);
    expect(patchedList(list, {}, changed).map((i) => `${i.project}/${i.name}`)).toEqual(["0/first", "a/x", "b/m", "b/n", "b/y", "c/last"]);
    expect(patchedList(list.slice(1), { projects: ["b"] }, changed).map((i) => `${i.project}/${i.name}`)).toEqual(["b/m", "b/n", "b/y"]);
  });
});
