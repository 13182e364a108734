import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { describeObjectStorageContract } from "../../core/ports/object-storage.contract.js";
import { createMemoryObjectStorage } from "./memory-object-storage.js";

describeObjectStorageContract(
  "memory",
  async () => createMemoryObjectStorage(),
  (base) => `${base}-${randomBytes(3).toString("hex")}`,
);

describe("memory object storage", () => {
  it("refuses another project's key and what is past the quota", async () => {
    const storage = createMemoryObjectStorage();
    await storage.ensureBucket({ name: "foo", project: "a", quota: { bytes: 100, objects: 2 }, versioning: false });
    await storage.ensureBucket({ name: "foobar", project: "b", quota: { bytes: 100 }, versioning: false });
    const a = await storage.createKey("a");
    expect(() => storage.putObject(a.accessKeyId, "foobar", "x", 1)).toThrow(/AccessDenied/);
    storage.putObject(a.accessKeyId, "foo", "x", 60);
    expect(() => storage.putObject(a.accessKeyId, "foo", "y", 60)).toThrow(/QuotaExceeded/);
    expect(await storage.usage("foo")).toEqual({ bytes: 60, objects: 1 });
  });
});
