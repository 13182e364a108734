import { describe, expect, it } from "vitest";
import type { Token } from "../../../contracts/api.js";
import { sortTokens, tokenRequest, tokenState } from "./state.js";

const now = Date.parse("2026-11-25T10:00:00Z");
const token = (overrides: Partial<Token>): Token => ({
  id: "t1",
  name: "ci",
  prefix: "plt_abcd",
  projects: null,
  write: true,
  createdAt: "2026-11-01T10:00:00Z",
  expiresAt: "2027-01-30T10:00:00Z",
  lastUsedAt: null,
  revokedAt: null,
  ...overrides,
});

describe("token states", () => {
  it("says whether a token still works, and warns a week before it expires", () => {
    expect(tokenState(token({}), now)).toBe("active");
    expect(tokenState(token({ expiresAt: "2026-11-30T10:00:00Z" }), now)).toBe("expiring");
    expect(tokenState(token({ expiresAt: "2026-11-25T10:00:00Z" }), now)).toBe("expired");
    expect(tokenState(token({ revokedAt: "2026-11-20T10:00:00Z", expiresAt: "2026-11-01T00:00:00Z" }), now)).toBe("revoked");
  });

  it("lists working tokens first, newest first", () => {
    const old = token({ id: "old", createdAt: "2026-01-01T00:00:00Z" });
    const revoked = token({ id: "revoked", createdAt: "2026-11-20T00:00:00Z", revokedAt: "2026-11-21T00:00:00Z" });
    const fresh = token({ id: "fresh", createdAt: "2026-11-24T00:00:00Z" });
    expect(sortTokens([old, revoked, fresh], now).map((t) => t.id)).toEqual(["fresh", "old", "revoked"]);
  });
});

describe("the token form", () => {
  it("builds the request, leaving the server's defaults where nothing is chosen", () => {
    expect(tokenRequest({ name: " ci ", projects: null, readOnly: false, days: "" })).toEqual({ body: { name: "ci", write: true } });
    expect(tokenRequest({ name: "ci", projects: ["demo"], readOnly: true, days: "30" })).toEqual({
      body: { name: "ci", projects: ["demo"], write: false, expiresInDays: 30 },
    });
  });

  it("says what is missing or out of range, per field", () => {
    expect(tokenRequest({ name: "", projects: [], readOnly: false, days: "0" })).toEqual({
      problems: { name: "required", projects: "required", days: "days" },
    });
    expect(tokenRequest({ name: "x".repeat(101), projects: null, readOnly: false, days: "1.5" })).toEqual({ problems: { name: "too-long", days: "days" } });
    expect(tokenRequest({ name: "ci", projects: null, readOnly: false, days: "3651" })).toEqual({ problems: { days: "days" } });
  });
});
