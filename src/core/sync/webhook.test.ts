import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { verifyWebhook, type HmacSha256, type WebhookHeaders } from "./webhook.js";

const secret = "s3cret-shared-with-the-forge";
const body = Buffer.from(JSON.stringify({ ref: "refs/heads/main", after: "0".repeat(40) }));
const sign = (data: Uint8Array, key = secret) => createHmac("sha256", key).update(data).digest("hex");
const verify = (headers: WebhookHeaders, options: { body?: Uint8Array; secret?: string; hmacSha256?: HmacSha256 } = {}) =>
  verifyWebhook({ headers, body: options.body ?? body, secret: options.secret ?? secret, ...(options.hmacSha256 ? { hmacSha256: options.hmacSha256 } : {}) });

describe("verifyWebhook", () => {
  it.each([
    ["GitHub", { "X-Hub-Signature-256": `sha256=${sign(body)}`, "X-GitHub-Event": "push" }, { ok: true, provider: "github", event: "push" }],
    [
      "GitHub, lower-case headers",
      { "x-hub-signature-256": `sha256=${sign(body)}`, "x-github-event": "ping" },
      { ok: true, provider: "github", event: "ping" },
    ],
    ["GitHub, upper-case hex", { "X-HUB-SIGNATURE-256": `sha256=${sign(body).toUpperCase()}` }, { ok: true, provider: "github", event: "unknown" }],
    ["GitLab", { "X-Gitlab-Token": secret, "X-Gitlab-Event": "Push Hook" }, { ok: true, provider: "gitlab", event: "Push Hook" }],
    ["Gitea", { "X-Gitea-Signature": sign(body), "X-Gitea-Event": "push" }, { ok: true, provider: "gitea", event: "push" }],
    ["Forgejo", { "X-Forgejo-Signature": sign(body), "X-Forgejo-Event": "push" }, { ok: true, provider: "gitea", event: "push" }],
    [
      "Gitea with GitHub's header only",
      { "X-Hub-Signature-256": `sha256=${sign(body)}`, "X-Gitea-Event": "push" },
      { ok: true, provider: "gitea", event: "push" },
    ],
    [
      "Gitea with both",
      { "X-Gitea-Signature": sign(body), "X-Hub-Signature-256": `sha256=${sign(body)}`, "X-Gitea-Event": "push" },
      { ok: true, provider: "gitea", event: "push" },
    ],
    [
      "Node's array form of a single header",
      { "x-hub-signature-256": [`sha256=${sign(body)}`], "x-github-event": "push" },
      { ok: true, provider: "github", event: "push" },
    ],
  ] as [string, WebhookHeaders, unknown][])("accepts %s", (_name, headers, expected) => {
    expect(verify(headers)).toEqual(expected);
  });

  it.each([
    ["no signature at all", { "X-GitHub-Event": "push" }, /no signature/],
    ["a signature under another secret", { "X-Hub-Signature-256": `sha256=${sign(body, "other")}` }, /does not match the body/],
    ["a signature of another body", { "X-Hub-Signature-256": `sha256=${sign(Buffer.from("{}"))}` }, /does not match the body/],
    ["a truncated signature", { "X-Hub-Signature-256": `sha256=${sign(body).slice(0, 63)}` }, /not 64 hexadecimal digits/],
    ["a longer signature", { "X-Gitea-Signature": `${sign(body)}00` }, /not 64 hexadecimal digits/],
    ["not hexadecimal", { "X-Gitea-Signature": "z".repeat(64) }, /not 64 hexadecimal digits/],
    ["GitHub's header without its prefix", { "X-Hub-Signature-256": sign(body) }, /does not start with sha256=/],
    ["the old SHA-1 header only", { "X-Hub-Signature": `sha1=${createHmac("sha1", secret).update(body).digest("hex")}` }, /no signature/],
    ["a wrong GitLab token", { "X-Gitlab-Token": "guess" }, /wrong X-Gitlab-Token/],
    ["a GitLab token that is a prefix of the secret", { "X-Gitlab-Token": secret.slice(0, 5) }, /wrong X-Gitlab-Token/],
    ["an empty GitLab token", { "X-Gitlab-Token": "" }, /wrong X-Gitlab-Token/],
    ["a header sent twice", { "x-hub-signature-256": [`sha256=${sign(body)}`, `sha256=${sign(body)}`] }, /more than once/],
    ["a header under two spellings", { "X-Gitlab-Token": secret, "x-gitlab-token": "guess" }, /more than once/],
    [
      "a wrong Gitea signature, even with a right GitHub one",
      { "X-Gitea-Signature": sign(body, "other"), "X-Hub-Signature-256": `sha256=${sign(body)}` },
      /X-Gitea-Signature/,
    ],
  ] as [string, WebhookHeaders, RegExp][])("refuses %s", (_name, headers, reason) => {
    const result = verify(headers);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  it("refuses everything when no secret is configured (an empty token must not match an empty secret)", () => {
    expect(verify({ "X-Gitlab-Token": "" }, { secret: "" })).toEqual({ ok: false, reason: "no webhook secret is configured" });
  });

  it("detects a body altered after signing", () => {
    const headers = { "X-Hub-Signature-256": `sha256=${sign(body)}` };
    const altered = Buffer.from(body);
    altered.writeUInt8((altered.at(-2) as number) ^ 1, altered.length - 2);
    expect(verify(headers).ok).toBe(true);
    expect(verify(headers, { body: altered }).ok).toBe(false);
  });

  it("uses the injected HMAC (pure given it)", () => {
    const calls: string[] = [];
    const fake: HmacSha256 = (key, data) => {
      calls.push(`${Buffer.from(key).toString()}|${Buffer.from(data).toString()}`);
      return new Uint8Array(32).fill(7);
    };
    expect(verify({ "X-Gitea-Signature": "07".repeat(32) }, { hmacSha256: fake, body: Buffer.from("x") })).toEqual({
      ok: true,
      provider: "gitea",
      event: "unknown",
    });
    expect(calls).toEqual([`${secret}|x`]);
  });
});
