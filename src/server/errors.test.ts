import { describe, expect, it } from "vitest";
import { ConflictError, NotAllowedError, NotFoundError, QuotaExceededError } from "../core/errors.js";
import { errorBody, httpStatusOf } from "./errors.js";

describe("errors as the API's answers", () => {
  it("carry the case and its values beside the category and the sentence", () => {
    const taken = new ConflictError("instance demo/hello already exists", { reason: "name-taken", params: { project: "demo", name: "hello" } });
    expect(httpStatusOf(taken)).toBe(409);
    expect(errorBody(taken)).toEqual({
      error: { code: "conflict", reason: "name-taken", params: { project: "demo", name: "hello" }, message: "instance demo/hello already exists" },
    });
  });

  it("name the quota's figures of a refused launch", () => {
    const denial = { scope: "project", name: "demo", resource: "cpu", unit: "cores", asked: 4, used: 2, limit: 4, remaining: 2 } as const;
    const body = errorBody(new QuotaExceededError("project demo quota exceeded for cpu", denial));
    expect(body.error).toMatchObject({ code: "quota-exceeded", reason: "quota-exceeded", params: denial, quota: denial });
  });

  it("say nothing more than the category when no case is named, and never for refusals of access", () => {
    expect(errorBody(new ConflictError("moved"))).toEqual({ error: { code: "conflict", message: "moved" } });
    expect(errorBody(new NotFoundError("project", "secret"))).toEqual({ error: { code: "not-found", message: 'project "secret" not found' } });
    expect(Object.keys(errorBody(new NotAllowedError("not allowed: no")).error).sort()).toEqual(["code", "message"]);
    expect(errorBody(new Error("boom"))).toEqual({ error: { code: "internal", message: "internal error; the server's log has the details" } });
  });
});
