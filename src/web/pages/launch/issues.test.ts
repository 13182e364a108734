import { describe, expect, it } from "vitest";
import { ApiError } from "../../api.js";
import { distinctByField, messagesAt, nameTaken, serverIssuesOf, transient, withoutPlacedIssues } from "./issues.js";

const issue = (pointer: string, message = `about ${pointer}`) => ({ pointer, rule: "schema", message });
const refusal = (issues: ReturnType<typeof issue>[]) => new ApiError(400, { code: "input", message: "Invalid values", issues });

describe("what the server said was wrong with a launch", () => {
  it("takes the issues of an input error only", () => {
    expect(serverIssuesOf(refusal([issue("/name")]))).toEqual([issue("/name")]);
    expect(serverIssuesOf(new ApiError(409, { code: "conflict", message: "taken" }))).toEqual([]);
    expect(serverIssuesOf(new Error("offline"))).toEqual([]);
    expect(serverIssuesOf(undefined)).toEqual([]);
  });

  it("puts the messages about the name and the version under them, each field's once", () => {
    const issues = [issue("/name", "too long"), issue("/names"), issue("/version", "unknown"), issue("/name/0")];
    expect(messagesAt(issues, "/name")).toEqual(["too long"]);
    expect(messagesAt(issues, "/version")).toEqual(["unknown"]);
    expect(distinctByField({ "/size": ["too big", "too big", "no GPU"], "/cpu": [] })).toEqual({ "/size": ["too big", "no GPU"], "/cpu": [] });
  });

  it("leaves out of the notice what is shown next to a field, the name or the version", () => {
    const [name, version, unplaced] = [issue("/name"), issue("/version"), issue("/values/gone")];
    const error = refusal([name, version, issue("/values/size"), unplaced]);
    // The name's and the version's issues are said under them, even when not placed on a value field.
    const shown = withoutPlacedIssues(error, [name, version, unplaced]);
    expect(shown).toBeInstanceOf(ApiError);
    expect(shown.status).toBe(400);
    expect(shown.message).toBe("Invalid values");
    expect(shown.body.issues).toEqual([unplaced]);
    expect(withoutPlacedIssues(error, []).body.issues).toEqual([]);
  });

  it("says that trying again may help only after a failure that may have let the launch through", () => {
    expect(transient(undefined)).toBe(false);
    expect(transient(new TypeError("Failed to fetch"))).toBe(true);
    for (const code of ["internal", "unavailable", "rate-limited"] as const) expect(transient(new ApiError(503, { code, message: "" })), code).toBe(true);
    for (const code of ["input", "conflict", "quota-exceeded", "not-allowed"] as const)
      expect(transient(new ApiError(400, { code, message: "" })), code).toBe(false);
  });

  it("recognises a taken name by the error's reason (never its English), only when a name was given", () => {
    const taken = new ApiError(409, { code: "conflict", reason: "name-taken", message: "le nom est pris" });
    expect(nameTaken(taken, "nb")).toBe(true);
    expect(nameTaken(taken, "")).toBe(false);
    expect(nameTaken(new ApiError(409, { code: "conflict", message: "instance demo/nb already exists" }), "nb")).toBe(false);
    expect(nameTaken(undefined, "nb")).toBe(false);
  });
});
