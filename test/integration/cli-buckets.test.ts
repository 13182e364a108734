// `plateau buckets` in this process against an API server: create, list, usage with the
// provider's numbers, rm asking first (and refusing without a terminal unless --yes).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryObjectStorage } from "../../src/adapters/memory/memory-object-storage.js";
import { humanBytes, sizeInGiB } from "../../src/cli/bucket-commands.js";
import { runCli } from "../support/cli.js";
import { memoryApp, type Person } from "../support/app.js";
import { clusterPlatform } from "../support/plateau.js";

const storage = createMemoryObjectStorage({ endpoint: { url: "https://s3.paris.example.org", region: "us-east-1", pathStyle: true } });
let fixture: Awaited<ReturnType<typeof memoryApp>>;
let server: string;

beforeAll(async () => {
  fixture = await memoryApp({
    platforms: [clusterPlatform({ site: "paris", s3: { provider: "rgw-admin", endpoint: "https://s3.paris.example.org" } }, "rgw-paris")],
    adapters: { objectStorages: { storageFor: async (platform) => (platform === "rgw-paris" ? storage : undefined) } },
  });
  server = await fixture.app.listen({ host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  await fixture?.app.close();
  await fixture?.plateau.stop();
});

const plateau = async (who: Person, ...args: string[]) => runCli(server, await fixture.tokenOf(who), ...args);

describe("plateau buckets", () => {
  it("creates, lists, tells usage and removes a bucket, asking first", async () => {
    const created = await plateau("alice", "buckets", "create", "demo/cli-data", "--size", "2Gi", "--objects", "100", "--versioning");
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^✓ bucket demo\/cli-data created on rgw-paris \(commit [0-9a-f]{7}\): the only platform with object storage/);
    expect(created.stdout).toContain("Quota: 2 GiB, 100 objects. Endpoint: https://s3.paris.example.org");

    await storage.ensureBucket({ name: "cli-data", project: "demo", quota: { bytes: 2 * 2 ** 30, objects: 100 }, versioning: true });
    const key = await storage.createKey("demo");
    storage.putObject(key.accessKeyId, "cli-data", "big.bin", 512 * 2 ** 20);

    const listed = await plateau("alice", "buckets", "ls", "demo");
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^BUCKET\s+PLATFORM\s+QUOTA\s+USAGE\s+STATUS/);
    expect(listed.stdout).toMatch(/cli-data\s+rgw-paris\s+2 GiB, 100 objects\s+512 MiB, 1 objects\s+pending/);
    const json = JSON.parse((await plateau("alice", "buckets", "ls", "demo", "--json")).stdout) as { name: string }[];
    expect(json.map((bucket) => bucket.name)).toEqual(["cli-data"]);

    const usage = await plateau("alice", "buckets", "usage", "demo/cli-data");
    expect(usage.stdout).toMatch(/demo\/cli-data\s+512 MiB\s+25 % of 2.0 GiB\s+1\s+1 % of 100/);

    // Without a terminal, rm does not ask: it refuses, and removes nothing.
    const before = await fixture.repo.head();
    const unconfirmed = await plateau("alice", "buckets", "rm", "demo/cli-data");
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain("--yes");
    expect(await fixture.repo.head()).toBe(before);
    const removed = await plateau("alice", "buckets", "rm", "demo/cli-data", "--yes");
    expect(removed.code).toBe(0);
    expect(removed.stdout).toMatch(/^✓ bucket demo\/cli-data removed \(commit [0-9a-f]{7}\): its data is deleted with it/);
    expect((await plateau("alice", "buckets", "ls", "demo")).stdout).toContain("demo has no buckets");
  });

  it("refuses a name S3 refuses before asking the server, and says the server's refusals", async () => {
    const bad = await plateau("alice", "buckets", "create", "demo/Bad_Name");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("lowercase");
    const hidden = await plateau("bob", "buckets", "ls", "demo");
    expect(hidden.code).toBe(3);
    expect((await plateau("alice", "buckets", "create", "demo/cli-big", "--size", "1Ti")).code).not.toBe(0);
  });

  it("has help texts for each command", async () => {
    const help = await plateau("alice", "buckets", "--help");
    expect(help.stdout).toContain("plateau buckets create demo/demo-data --size 50Gi --versioning");
    expect((await plateau("alice", "buckets", "rm", "--help")).stdout).toContain("--yes");
  });

  it("reads sizes and prints bytes for people", () => {
    expect(sizeInGiB("10Gi")).toBe(10);
    expect(sizeInGiB("512Mi")).toBe(0.5);
    expect(sizeInGiB("1Ti")).toBe(1024);
    expect(() => sizeInGiB("10 gigs")).toThrow(/--size/);
    expect(humanBytes(0)).toBe("0 B");
    expect(humanBytes(1536)).toBe("1.5 KiB");
    expect(humanBytes(3 * 2 ** 40)).toBe("3.0 TiB");
  });
});
