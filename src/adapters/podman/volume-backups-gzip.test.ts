import { randomBytes } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { gzipMembers, storedMember } from "./volume-backups.js";

async function gzipped(input: Buffer): Promise<{ output: Buffer; counted: number }> {
  const counted = { bytes: 0 };
  const members: Buffer[] = [];
  const chunks = (async function* () {
    for (let at = 0; at < input.length; at += 1024 * 1024) yield input.subarray(at, at + 1024 * 1024);
  })();
  for await (const member of gzipMembers(chunks, 1, counted)) members.push(member);
  return { output: Buffer.concat(members), counted: counted.bytes };
}

describe("the backups' gzip, its level chosen as the data goes", () => {
  it("stores what does not compress, compresses what does, and gunzips back to the very bytes", async () => {
    const random = randomBytes(40 * 1024 * 1024);
    const text = Buffer.from("2026-12-06 INFO a line of a log that repeats itself\n".repeat(1_600_000));
    const mixed = Buffer.concat([random, text]);
    for (const input of [random, text, mixed, Buffer.alloc(0)]) {
      const { output, counted } = await gzipped(input);
      expect(counted).toBe(input.length);
      expect(gunzipSync(output).equals(input)).toBe(true);
    }
    // Random bytes stored after the first window: deflate's stored blocks cost 5 bytes in 64 KiB, level 1's more.
    expect((await gzipped(random)).output.length).toBeLessThan(gzipSync(random, { level: 1 }).length);
    // After random bytes, the text is found again (a sample every 8 windows) and compressed.
    expect((await gzipped(mixed)).output.length).toBeLessThan(random.length + text.length / 2);
  });

  it("makes stored members gunzip reads back, at and around the 65535 bytes of a stored block", () => {
    for (const size of [0, 1, 65_535, 65_536, 131_070, 200_000]) {
      const window = randomBytes(size);
      const member = Buffer.concat(storedMember(window));
      expect(member.length).toBe(10 + 5 * Math.max(1, Math.ceil(size / 65_535)) + size + 8);
      expect(gunzipSync(Buffer.concat([member, member])).equals(Buffer.concat([window, window]))).toBe(true);
    }
  });
});
