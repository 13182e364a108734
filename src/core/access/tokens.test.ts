import { createHash, randomBytes } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import { InputError, NotAllowedError, NotFoundError } from "../errors.js";
import { challengeOf, DAY, harness, MINUTE, ORIGIN, rejection, TOKENS, type Harness } from "../testing/access.js";
import type { UserPrincipal } from "./principal.js";
import { TOKEN_PREFIX } from "./context.js";

describe("access service: API tokens", () => {
  let h: Harness;
  let alice: UserPrincipal;
  beforeEach(async () => {
    h = harness();
    alice = (await h.signIn()).principal;
  });

  it("returns the secret once and stores only its SHA-256", async () => {
    const { token, record } = await h.access.createToken(alice, { name: "ci" });
    expect(token.startsWith(TOKEN_PREFIX)).toBe(true);
    expect(token.length).toBeGreaterThanOrEqual(TOKEN_PREFIX.length + 43);
    const [stored] = await h.store.listTokens(alice.userId);
    expect(stored).toBeDefined();
    expect(stored?.id).toBe(record.id);
    expect(stored?.hash).toBe(createHash("sha256").update(token).digest("base64url"));
    expect(stored?.hash).not.toBe(token);
    const serialized = JSON.stringify(stored);
    expect(serialized).not.toContain(token);
    expect(serialized).not.toContain(token.slice(TOKEN_PREFIX.length));
    expect(stored?.prefix).toBe(token.slice(0, TOKEN_PREFIX.length + 4));
    expect(stored?.expiresAt).toBe(new Date(Date.parse(stored?.createdAt ?? "") + TOKENS.defaultDays * DAY).toISOString());
    expect(await h.access.listTokens(alice)).toEqual([stored]);
  });

  it("gives the token's principal with its scope", async () => {
    const full = await h.access.createToken(alice, { name: "all" });
    expect(await h.access.tokenPrincipal(full.token)).toMatchObject({ login: "alice", via: "token", scope: { projects: null, write: true } });
    const limited = await h.access.createToken(alice, { name: "some", projects: ["demo", "bio", "demo"], write: false });
    const principal = await h.access.tokenPrincipal(limited.token);
    expect(principal).toMatchObject({ kind: "user", userId: alice.userId, login: "alice", labs: ["imb", "lmbp"], labAdminOf: ["imb"], via: "token" });
    expect(principal?.scope).toEqual({ projects: ["bio", "demo"], write: false });
    // Its use is recorded.
    expect((await h.store.findToken(limited.record.hash))?.lastUsedAt).not.toBeNull();
  });

  it("knows nothing of an unknown, malformed or altered token", async () => {
    const { token } = await h.access.createToken(alice, { name: "ci" });
    expect(await h.access.tokenPrincipal(`${token}x`)).toBeUndefined();
    expect(await h.access.tokenPrincipal(token.slice(TOKEN_PREFIX.length))).toBeUndefined();
    expect(await h.access.tokenPrincipal(`${TOKEN_PREFIX}${"a".repeat(300)}`)).toBeUndefined();
    expect(await h.access.tokenPrincipal("")).toBeUndefined();
  });

  it("ends a token at its expiry", async () => {
    const { token } = await h.access.createToken(alice, { name: "short", days: 1 });
    h.advance(DAY - 1000);
    expect(await h.access.tokenPrincipal(token)).toBeDefined();
    h.advance(1000);
    expect(await h.access.tokenPrincipal(token)).toBeUndefined();
  });

  it("ends a revoked token; only its owner may revoke it", async () => {
    const { token, record } = await h.access.createToken(alice, { name: "ci" });
    const bob = (await h.signIn("bob-sub")).principal;
    const error = await rejection(h.access.revokeToken(bob, record.id), NotFoundError);
    expect(error.message).toContain(record.id);
    expect(await h.access.tokenPrincipal(token)).toBeDefined();
    await h.access.revokeToken(alice, record.id);
    expect(await h.access.tokenPrincipal(token)).toBeUndefined();
    expect((await h.access.listTokens(alice))[0]?.revokedAt).not.toBeNull();
    await rejection(h.access.revokeToken(alice, record.id), NotFoundError);
    await rejection(h.access.revokeToken(alice, "no-such-token"), NotFoundError);
  });

  it.each([366, 0, -1, 1.5, Number.NaN])("refuses a lifetime of %s days, naming /expiresInDays", async (days) => {
    const error = await rejection(h.access.createToken(alice, { name: "long", days }), InputError);
    expect(error.issues).toEqual([expect.objectContaining({ pointer: "/expiresInDays" })]);
    expect(error.message).toContain(String(TOKENS.maxDays));
    expect(await h.store.listTokens(alice.userId)).toEqual([]);
  });

  it("accepts the maximum lifetime", async () => {
    const { record } = await h.access.createToken(alice, { name: "year", days: TOKENS.maxDays });
    expect(Date.parse(record.expiresAt) - Date.parse(record.createdAt)).toBe(TOKENS.maxDays * DAY);
  });
});

describe("access service: CLI login codes (PKCE S256)", () => {
  let h: Harness;
  let alice: UserPrincipal;
  const verifier = randomBytes(48).toString("base64url");
  beforeEach(async () => {
    h = harness();
    alice = (await h.signIn()).principal;
  });

  it("exchanges a code and its verifier for a token of the person", async () => {
    const code = await h.access.issueCliCode(alice, challengeOf(verifier), "laptop");
    expect(code.length).toBeGreaterThanOrEqual(43);
    const { token, record } = await h.access.exchangeCliCode(code, verifier, ORIGIN);
    expect(record).toMatchObject({ userId: alice.userId, name: "laptop", projects: null, write: true });
    expect(await h.access.tokenPrincipal(token)).toMatchObject({ login: "alice", via: "token" });
    expect((await h.store.listAudit({ labs: null, limit: 1 }))[0]).toMatchObject({
      actor: "alice",
      action: "token.create",
      target: record.id,
      outcome: "success",
    });
  });

  it("refuses a wrong verifier, and the code is spent", async () => {
    const code = await h.access.issueCliCode(alice, challengeOf(verifier), "laptop");
    await rejection(h.access.exchangeCliCode(code, `${verifier}x`, ORIGIN), NotAllowedError);
    // The challenge itself is not a verifier (plain PKCE is not accepted).
    const other = await h.access.issueCliCode(alice, challengeOf(verifier), "laptop");
    await rejection(h.access.exchangeCliCode(other, challengeOf(verifier), ORIGIN), NotAllowedError);
    await rejection(h.access.exchangeCliCode(code, verifier, ORIGIN), NotAllowedError);
    expect(await h.store.listTokens(alice.userId)).toEqual([]);
  });

  it("refuses a code used twice", async () => {
    const code = await h.access.issueCliCode(alice, challengeOf(verifier), "laptop");
    await h.access.exchangeCliCode(code, verifier, ORIGIN);
    await rejection(h.access.exchangeCliCode(code, verifier, ORIGIN), NotAllowedError);
    expect(await h.store.listTokens(alice.userId)).toHaveLength(1);
  });

  it("refuses an expired code", async () => {
    const code = await h.access.issueCliCode(alice, challengeOf(verifier), "laptop");
    h.advance(3 * MINUTE);
    await rejection(h.access.exchangeCliCode(code, verifier, ORIGIN), NotAllowedError);
  });

  it("refuses an unknown code", async () => {
    await rejection(h.access.exchangeCliCode("x".repeat(43), verifier, ORIGIN), NotAllowedError);
  });

  it.each(["", "short", "a".repeat(42), "a".repeat(44), `${"a".repeat(42)}=`, `${"a".repeat(42)}+`, `${"a".repeat(42)}/`])(
    "refuses the challenge %j",
    async (challenge) => {
      const error = await rejection(h.access.issueCliCode(alice, challenge, "laptop"), InputError);
      expect(error.issues[0]?.pointer).toBe("?challenge");
    },
  );
});
