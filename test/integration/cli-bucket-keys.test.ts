// `plateau buckets credentials` and `rotate-key` in this process, against an API server listening
// on loopback over the memory object storage: the printed key pair works on the bucket, and a
// rotation revokes the project's old key. (The `buckets` command itself is the bucket commands'
// own; here the key commands are registered on one made for the test.)
import { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryObjectStorage } from "../../src/adapters/memory/memory-object-storage.js";
import { registerBucketKeyCommands } from "../../src/cli/bucket-key-commands.js";
import { createClient } from "../../src/cli/client.js";
import { readProjectKey } from "../../src/core/buckets/key-store.js";
import { API_VERSION, serialize, type BucketDocument } from "../../src/core/model.js";
import { bucketPath } from "../../src/core/repository/layout.js";
import { memoryApp } from "../support/app.js";
import { alice } from "../support/plateau.js";

const storage = createMemoryObjectStorage();
let fixture: Awaited<ReturnType<typeof memoryApp>>;
let server: string;

beforeAll(async () => {
  fixture = await memoryApp({ adapters: { objectStorages: { storageFor: async (platform) => (platform === "local" ? storage : undefined) } } });
  server = await fixture.app.listen({ host: "127.0.0.1", port: 0 });
  const document: BucketDocument = {
    apiVersion: API_VERSION,
    kind: "Bucket",
    metadata: { name: "demo-data", project: "demo", createdAt: "2026-03-01T09:00:00Z", createdBy: "alice" },
    spec: { quota: { sizeGiB: 1 } },
    placement: { platform: "local", reason: "test" },
  };
  const { repo } = fixture.adapters;
  await repo.commit({
    parent: await repo.head(),
    author: alice,
    message: "a bucket",
    trailers: {},
    changes: [{ path: bucketPath("demo", "demo-data"), content: serialize(document) }],
  });
  await fixture.plateau.refresh();
  await fixture.plateau.bucketReconcilers.get("local")?.reconcileOnce();
});

afterAll(async () => {
  await fixture?.app.close();
  await fixture?.plateau.stop();
});

async function buckets(...args: string[]): Promise<string[]> {
  const token = await fixture.tokenOf("alice");
  const lines: string[] = [];
  const command = new Command("buckets").exitOverride();
  registerBucketKeyCommands(command, {
    out: { color: false, line: (text = "") => void lines.push(text), error: () => undefined, progress: () => undefined },
    client: () => createClient(server, async () => token),
    json: (value) => void lines.push(JSON.stringify(value)),
  });
  await command.parseAsync(args, { from: "user" });
  return lines;
}

describe("plateau buckets credentials and rotate-key", () => {
  it("print a key pair that works on the project's bucket, as shell variables", async () => {
    const lines = await buckets("credentials", "demo/demo-data", "--hours", "1");
    const id = /^export AWS_ACCESS_KEY_ID='([^']+)'$/.exec(lines.find((line) => line.startsWith("export AWS_ACCESS_KEY_ID=")) ?? "")?.[1];
    expect(id).toBeDefined();
    expect(lines).toContain(`export AWS_ENDPOINT_URL='${storage.endpoint.url}'`);
    storage.putObject(id ?? "", "demo-data", "from-the-cli", 1);
  });

  it("rotate the project's key on the one platform of its buckets: the old one is revoked", async () => {
    const old = await readProjectKey(fixture.adapters.secrets, "local", "demo");
    const lines = await buckets("rotate-key", "demo", "--platform", "local", "--json");
    const result = JSON.parse(lines[0] ?? "{}") as { platform: string; accessKeyId: string; restarted: string[] };
    expect(result.platform).toBe("local");
    expect(result.accessKeyId).not.toBe(old?.accessKeyId);
    expect(() => storage.putObject(old?.accessKeyId ?? "", "demo-data", "x", 1)).toThrow(/AccessDenied/);
    storage.putObject(result.accessKeyId, "demo-data", "x", 1);
  });
});
