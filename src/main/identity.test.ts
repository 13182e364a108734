import { generateKeyPairSync } from "node:crypto";
import { chmod, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { importJWK, jwtVerify, SignJWT, exportJWK } from "jose";
import { describe, expect, it } from "vitest";
import { InputError } from "../core/errors.js";
import { IdentityProviderError, type IdentityProvider } from "../core/ports/identity-provider.js";
import { loadClientPrivateKey, watchIdentityProviders } from "./identity.js";

/** A logger that keeps what it is given. */
function recordingLogger() {
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const at = (level: string) => (fields: object, message: string) => void lines.push({ level, fields: fields as Record<string, unknown>, message });
  return { lines, logger: { info: at("info"), warn: at("warn"), error: at("error"), debug: at("debug") } };
}

describe("the client's private key (private_key_jwt)", () => {
  it("reads a PKCS#1 RSA PEM as RS256 and an EC JWK as ES256, with a kid, and signs what its public key verifies", async () => {
    const dir = await mkdtemp(join(tmpdir(), "plateau-key-"));
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pem = join(dir, "rsa.pem");
    await writeFile(pem, rsa.privateKey.export({ type: "pkcs1", format: "pem" }), { mode: 0o600 });
    const fromPem = await loadClientPrivateKey(pem, undefined, "/identity/providers/0/privateKeyFile");
    expect(fromPem.algorithm).toBe("RS256");
    expect(fromPem.kid).toMatch(/^[\w-]{43}$/);
    const signed = await new SignJWT({ sub: "plateau" }).setProtectedHeader({ alg: fromPem.algorithm, kid: fromPem.kid }).sign(fromPem.key);
    await jwtVerify(signed, await importJWK(await exportJWK(rsa.publicKey), "RS256"));

    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const jwkFile = join(dir, "ec.json");
    await writeFile(jwkFile, JSON.stringify({ ...ec.privateKey.export({ format: "jwk" }), kid: "plateau-2025" }), { mode: 0o600 });
    const fromJwk = await loadClientPrivateKey(jwkFile, undefined, "/identity/providers/0/privateKeyFile");
    expect(fromJwk).toMatchObject({ algorithm: "ES256", kid: "plateau-2025" });
    expect((await loadClientPrivateKey(jwkFile, "configured-kid", "/x")).kid).toBe("configured-kid");
  });

  it("names the field when the file is missing or holds no private key, and warns when others may read it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "plateau-key-"));
    const pointer = "/identity/providers/2/privateKeyFile";
    const missing = await loadClientPrivateKey(join(dir, "nope.pem"), undefined, pointer).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(InputError);
    expect((missing as InputError).issues[0]?.pointer).toBe(pointer);
    const publicOnly = join(dir, "public.pem");
    await writeFile(publicOnly, generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ type: "spki", format: "pem" }));
    await expect(loadClientPrivateKey(publicOnly, undefined, pointer)).rejects.toThrow(/is not a private key/);

    const open = join(dir, "open.pem");
    await writeFile(open, generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }));
    await chmod(open, 0o644);
    const { lines, logger } = recordingLogger();
    expect((await loadClientPrivateKey(open, undefined, pointer, logger)).algorithm).toBe("EdDSA");
    expect(lines[0]).toMatchObject({ level: "warn", fields: { file: open } });
  });
});

describe("watching configured providers", () => {
  /** A provider whose discovery answers as told: the watcher's part is tested here, the relying party's against real providers. */
  function provider(id: string, answers: (() => void)[]): IdentityProvider & { calls: number } {
    const subject = {
      id,
      title: id.toUpperCase(),
      issuer: `https://${id}.example.org`,
      calls: 0,
      begin: () => Promise.reject(new Error("not used")),
      complete: () => Promise.reject(new Error("not used")),
      logoutUrl: async () => undefined,
      async discover() {
        const answer = answers[Math.min(subject.calls, answers.length - 1)];
        subject.calls++;
        answer?.();
      },
    };
    return subject;
  }
  const down = () => {
    throw new IdentityProviderError("B: OpenID Connect discovery failed: cannot be reached", "b", "unreachable", "unreachable");
  };
  const wrongIssuer = () => {
    throw new IdentityProviderError('C: issuer mismatch: identity.providers[2].issuer is "x/" but …', "c", "configuration", "issuer_mismatch");
  };

  it("reads each once at start, then again those that failed, logging each change once", async () => {
    const { lines, logger } = recordingLogger();
    const a = provider("a", [() => {}]);
    const b = provider("b", [down, down, () => {}]);
    const c = provider("c", [wrongIssuer]);
    const watch = watchIdentityProviders([a, b, c], logger, { retryMs: 5, maxRetryMs: 20 });
    const initial = await watch.initial;
    expect(initial.map((status) => [status.id, status.state])).toEqual([
      ["a", "ready"],
      ["b", "unavailable"],
      ["c", "misconfigured"],
    ]);
    expect(initial[2]?.reason).toContain("identity.providers[2].issuer");
    for (let i = 0; i < 200 && watch.statuses().find((status) => status.id === "b")?.state !== "ready"; i++) await new Promise((r) => setTimeout(r, 5));
    expect(watch.statuses().find((status) => status.id === "b")?.state).toBe("ready");
    expect(b.calls).toBe(3);
    // Still retried, but its unchanged reason is logged only once.
    for (let i = 0; i < 200 && c.calls < 3; i++) await new Promise((r) => setTimeout(r, 5));
    watch.stop();
    expect(a.calls).toBe(1);
    expect(lines.filter((line) => line.fields.provider === "c" && line.level === "error")).toHaveLength(1);
    expect(lines.filter((line) => line.fields.provider === "b" && line.level === "warn")).toHaveLength(1);
    expect(lines.find((line) => line.fields.provider === "b" && line.level === "info")?.message).toBe("identity provider ready again");
    const calls = c.calls;
    await new Promise((r) => setTimeout(r, 50));
    expect(c.calls).toBe(calls);
  });
});
