import { describe, expect, it } from "vitest";
import { assertBucketName, brokenBucketNameRule } from "./names.js";

describe("bucket names", () => {
  it.each(["foo", "foobar", "my-data-2026", "a".repeat(63), "0ab"])("accepts %s", (name) => {
    expect(brokenBucketNameRule(name)).toBeUndefined();
  });
  it.each([
    ["ab", "length"],
    ["a".repeat(64), "length"],
    ["My_Bucket", "characters"],
    ["my.bucket", "characters"],
    ["-abc", "edges"],
    ["abc-", "edges"],
    ["xn--abc", "reserved-prefix"],
    ["sthree-abc", "reserved-prefix"],
    ["abc-s3alias", "reserved-suffix"],
    ["abc--ol-s3", "reserved-suffix"],
    ["192.168.5.4", "characters"],
  ])("refuses %s (%s)", (name, rule) => {
    expect(brokenBucketNameRule(name)).toBe(rule);
    expect(() => assertBucketName("/name", name)).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ pointer: "/name", rule: `s3-bucket-name/${rule}` })] }),
    );
  });
});
