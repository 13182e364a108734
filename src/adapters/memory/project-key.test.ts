import { describe, expect, it } from "vitest";
import { createMemoryObjectStorage } from "./memory-object-storage.js";
import { createMemoryStore } from "./memory-store.js";
import { ensureProjectKey, readProjectKey } from "../../core/buckets/key-store.js";

describe("a project's key pair", () => {
  it("is made once, kept, and made again when the provider no longer has it", async () => {
    const storage = createMemoryObjectStorage();
    const { secrets } = createMemoryStore();
    const first = await ensureProjectKey(storage, secrets, "local", "demo");
    expect(await ensureProjectKey(storage, secrets, "local", "demo")).toEqual(first);
    expect(await readProjectKey(secrets, "local", "demo")).toEqual(first);
    await storage.removeKey("demo", first.accessKeyId);
    const second = await ensureProjectKey(storage, secrets, "local", "demo");
    expect(second.accessKeyId).not.toBe(first.accessKeyId);
    expect(await readProjectKey(secrets, "local", "demo")).toEqual(second);
    expect(await readProjectKey(secrets, "other", "demo")).toBeUndefined();
  });
});
