// Is this webhook from the forge that hosts the desired-state repository? A webhook only
// asks Plateau to fetch now (it never carries what to do), but anyone can reach the URL, so
// each one is checked against the shared secret the way its forge signs it:
//   GitLab         X-Gitlab-Token: <the secret itself>
//   GitHub         X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>
//   Gitea/Forgejo  X-Gitea-Signature / X-Forgejo-Signature: <hex HMAC-SHA256 of the raw body>
//                  (they may also send X-Hub-Signature-256; either is accepted)
// Expected failures are values, with a reason for the log; comparisons are constant-time.
import { createHmac, timingSafeEqual } from "node:crypto";

export type WebhookProvider = "github" | "gitlab" | "gitea";

export type WebhookVerification =
  { readonly ok: true; readonly provider: WebhookProvider; readonly event: string } | { readonly ok: false; readonly reason: string };

/** HMAC-SHA256 of `data` under `key`: 32 bytes. */
export type HmacSha256 = (key: Uint8Array, data: Uint8Array) => Uint8Array;

/** Node's `IncomingHttpHeaders` and Fastify's headers both fit. */
export type WebhookHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

export interface WebhookRequest {
  readonly headers: WebhookHeaders;
  /** The body exactly as received (signatures are over bytes, not over parsed JSON). */
  readonly body: Uint8Array;
  readonly secret: string;
  /** Injected for tests; node:crypto's by default. */
  readonly hmacSha256?: HmacSha256;
}

export const nodeHmacSha256: HmacSha256 = (key, data) => createHmac("sha256", key).update(data).digest();

const SHA256_HEX = /^[0-9a-f]{64}$/i;
const encoder = new TextEncoder();

export function verifyWebhook(request: WebhookRequest): WebhookVerification {
  const hmac = request.hmacSha256 ?? nodeHmacSha256;
  if (request.secret.length === 0) return { ok: false, reason: "no webhook secret is configured" };
  const headers = lowerCaseHeaders(request.headers);
  const secret = encoder.encode(request.secret);
  const header = (name: string): string | undefined | { duplicate: string } => {
    const value = headers.get(name);
    if (value === undefined || typeof value === "string") return value;
    return value.length === 1 ? value[0] : { duplicate: name };
  };

  const gitlabToken = header("x-gitlab-token");
  const giteaSignature = header("x-gitea-signature") ?? header("x-forgejo-signature");
  const hubSignature = header("x-hub-signature-256");
  for (const value of [gitlabToken, giteaSignature, hubSignature]) {
    if (typeof value === "object") return { ok: false, reason: `the header ${value.duplicate} was sent more than once` };
  }
  const event = (name: string) => {
    const value = header(name);
    return typeof value === "string" && value.length > 0 ? value : "unknown";
  };

  if (typeof gitlabToken === "string") {
    // Compared as HMACs under a key of our own: equal lengths whatever the token's, so the
    // comparison tells nothing about the secret's length either.
    const key = encoder.encode("plateau-webhook-token");
    if (!constantTimeEqual(hmac(key, encoder.encode(gitlabToken)), hmac(key, secret))) return { ok: false, reason: "wrong X-Gitlab-Token" };
    return { ok: true, provider: "gitlab", event: event("x-gitlab-event") };
  }

  const isGitea = headers.has("x-gitea-event") || headers.has("x-forgejo-event") || giteaSignature !== undefined;
  const giteaEvent = () => (headers.has("x-gitea-event") ? event("x-gitea-event") : event("x-forgejo-event"));
  if (typeof giteaSignature === "string") {
    const checked = checkSignature(giteaSignature, "X-Gitea-Signature", hmac(secret, request.body));
    return checked ?? { ok: true, provider: "gitea", event: giteaEvent() };
  }
  if (typeof hubSignature === "string") {
    if (!hubSignature.startsWith("sha256=")) return { ok: false, reason: "X-Hub-Signature-256 does not start with sha256=" };
    const checked = checkSignature(hubSignature.slice("sha256=".length), "X-Hub-Signature-256", hmac(secret, request.body));
    if (checked) return checked;
    return isGitea ? { ok: true, provider: "gitea", event: giteaEvent() } : { ok: true, provider: "github", event: event("x-github-event") };
  }
  return { ok: false, reason: "no signature: expected X-Hub-Signature-256, X-Gitea-Signature or X-Gitlab-Token" };
}

/** Undefined when `hex` is the expected signature, else why not. */
function checkSignature(hex: string, header: string, expected: Uint8Array): { ok: false; reason: string } | undefined {
  if (!SHA256_HEX.test(hex)) return { ok: false, reason: `${header} is not 64 hexadecimal digits` };
  if (!constantTimeEqual(hexToBytes(hex), expected)) return { ok: false, reason: `${header} does not match the body (wrong secret, or altered body)` };
  return undefined;
}

function lowerCaseHeaders(headers: WebhookHeaders): Map<string, string | readonly string[]> {
  const out = new Map<string, string | readonly string[]>();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    // The same header under two spellings is a duplicate, as two lines of it would be.
    const key = name.toLowerCase();
    const before = out.get(key);
    out.set(key, before === undefined ? value : [before, value].flat());
  }
  return out;
}

function hexToBytes(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/** Time independent of where the first difference is (lengths are public: both are digests). */
function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
