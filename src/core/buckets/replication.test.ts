import { describe, expect, it } from "vitest";
import { isMultipartETag, keysToInspect, partSize, planReplication, planState } from "./replication.js";

const object = (key: string, size: number, etag: string) => ({ key, size, etag });

describe("replication plan", () => {
  it("copies what the replica lacks and removes what the source no longer holds", () => {
    const plan = planReplication([object("a", 3, "aaa"), object("b", 5, "bbb")], [object("b", 5, "bbb"), object("gone", 7, "ggg")]);
    expect(plan).toEqual({ copy: [object("a", 3, "aaa")], remove: ["gone"], behind: { objects: 1, bytes: 3 } });
    expect(planState(plan)).toBe("lagging");
  });

  it("is in sync when both hold the same objects", () => {
    const listing = [object("a", 3, "aaa"), object("dir/b", 0, "d41d8cd98f00b204e9800998ecf8427e")];
    const plan = planReplication(listing, listing);
    expect(plan).toEqual({ copy: [], remove: [], behind: { objects: 0, bytes: 0 } });
    expect(planState(plan)).toBe("in-sync");
  });

  it("copies an object whose bytes changed (its ETag), or its size", () => {
    const plan = planReplication([object("a", 3, "new"), object("b", 4, "bbb")], [object("a", 3, "old"), object("b", 5, "bbb")]);
    expect(plan.copy.map((o) => o.key)).toEqual(["a", "b"]);
    expect(plan.behind).toEqual({ objects: 2, bytes: 7 });
  });

  it("takes a multipart ETag as a string: the copy that recorded it is the same object, another is not", () => {
    const source = [object("big", 100, "abc-3"), object("other", 100, "def-2")];
    const replica = [
      { ...object("big", 100, "0123"), sourceETag: "abc-3" },
      { ...object("other", 100, "4567"), sourceETag: "old-2" },
    ];
    expect(planReplication(source, replica).copy.map((o) => o.key)).toEqual(["other"]);
    // never an MD5: the same digits without the part count are another object
    expect(planReplication([object("x", 1, "abc-3")], [object("x", 1, "abc")]).copy).toHaveLength(1);
  });

  it("reads the recorded ETag only of copies of multipart objects that could be the same", () => {
    const source = [object("a", 1, "aaa"), object("big", 100, "abc-3"), object("diff", 100, "def-2"), object("same", 100, "eee-2"), object("new", 9, "n-2")];
    const replica = [object("a", 1, "zzz"), object("big", 100, "0123"), object("diff", 99, "0456"), object("same", 100, "eee-2")];
    expect(keysToInspect(source, replica)).toEqual(["big"]);
  });

  it("orders copies and removals by key (deterministic runs)", () => {
    const plan = planReplication([object("b", 1, "1"), object("a", 1, "1")], [object("z", 1, "1"), object("y", 1, "1")]);
    expect(plan.copy.map((o) => o.key)).toEqual(["a", "b"]);
    expect(plan.remove).toEqual(["y", "z"]);
  });

  it("recognizes multipart ETags", () => {
    expect(isMultipartETag("42d33973926db3ebf8f1b066200706bb-2")).toBe(true);
    expect(isMultipartETag("42d33973926db3ebf8f1b066200706bb")).toBe(false);
  });

  it("sizes parts so that an object needs at most 10,000", () => {
    const mib = 1024 * 1024;
    expect(partSize(100 * mib, 16 * mib)).toBe(16 * mib);
    const huge = 1024 * 1024 * mib; // 1 TiB
    expect(Math.ceil(huge / partSize(huge, 16 * mib))).toBeLessThanOrEqual(10_000);
  });
});
