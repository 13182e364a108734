import { describe, expect, it } from "vitest";
import { ApiError } from "../api.js";
import { issuesAt, issuesExactly } from "./field-issues.js";

describe("issues next to fields", () => {
  const error = new ApiError(400, {
    code: "input",
    message: "invalid",
    issues: [
      { pointer: "/members", rule: "owner", message: "a project needs at least one owner" },
      { pointer: "/members/2/login", rule: "pattern", message: "must match" },
      { pointer: "/name", rule: "dns-label", message: "must be a DNS label" },
    ],
  });

  it("gives the messages about a field and what is inside it", () => {
    expect(issuesAt(error, "/name")).toEqual(["must be a DNS label"]);
    expect(issuesAt(error, "/members/2")).toEqual(["must match"]);
    expect(issuesAt(error, "/members/1")).toEqual([]);
    expect(issuesExactly(error, "/members")).toEqual(["a project needs at least one owner"]);
    // "/name" is not inside "/na".
    expect(issuesAt(error, "/na")).toEqual([]);
  });

  it("has nothing to say of other errors", () => {
    expect(issuesAt(new Error("offline"), "/name")).toEqual([]);
    expect(issuesAt(undefined, "/name")).toEqual([]);
  });
});
