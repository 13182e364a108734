import { describe, expect, it } from "vitest";
import { safeReturnTo } from "./return-to.js";

describe("safeReturnTo", () => {
  it.each(["/", "/x?y#z", "/projects/demo/instances?state=running", "/a/b/c#top"])("keeps %j", (path) => {
    expect(safeReturnTo(path)).toBe(path);
  });

  it("keeps encoded line breaks encoded (never raw in a Location header)", () => {
    const result = safeReturnTo("/%0d%0aLocation:x");
    expect(result).not.toMatch(/[\r\n]/);
    expect(["/", "/%0d%0aLocation:x"]).toContain(result);
  });

  it.each([
    "//evil.example",
    "//evil.example/path",
    "/\\evil.example",
    "/\\/evil.example",
    "https://evil.example/",
    "http:/evil.example",
    "javascript:alert(1)",
    "evil.example",
    "",
    "/\r\nLocation: https://evil.example",
    "/\r\nx",
    "/x\ty",
    "/\u0000",
    "/\u007f",
    `/${"a".repeat(3000)}`,
  ])("refuses %j", (value) => {
    expect(safeReturnTo(value)).toBe("/");
  });

  it.each([undefined, null, 42, true, { toString: () => "/x" }, ["/x"]])("refuses the non-string %j", (value) => {
    expect(safeReturnTo(value)).toBe("/");
  });

  // Regression: dot segments are resolved by the URL parser after the leading-slash check, so
  // `/..//evil.example` comes out as `//evil.example`: a protocol-relative URL, an open redirect.
  it.each(["/..//evil.example", "/.//evil.example", "/a/..//evil.example", "/%2e%2e//evil.example", "/a\\..\\\\evil.example"])(
    "never turns %j into a path a browser reads as another host",
    (value) => {
      expect(safeReturnTo(value)).toMatch(/^\/(?![/\\])/);
    },
  );
});
