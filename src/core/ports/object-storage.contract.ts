import { describe, expect, it } from "vitest";
import type { BucketSettings, ObjectStorage } from "./object-storage.js";

/**
 * What every ObjectStorage does: the memory one and the real ones (a Ceph RGW through its admin
 * ops API). `unique` makes names no other run of the suite uses (the real server outlives a test).
 */
export function describeObjectStorageContract(name: string, create: () => Promise<ObjectStorage>, unique: (base: string) => string): void {
  const settings = (bucket: string, project: string, extra: Partial<BucketSettings> = {}): BucketSettings => ({
    name: bucket,
    project,
    quota: { bytes: 1024 * 1024 * 1024 },
    versioning: false,
    ...extra,
  });

  describe(`ObjectStorage contract: ${name}`, () => {
    it("makes a project's user once, and key pairs that it lists and revokes", async () => {
      const storage = await create();
      const project = unique("keys");
      expect(await storage.keys(project)).toEqual([]);
      await storage.ensureProject(project);
      await storage.ensureProject(project);
      const first = await storage.createKey(project);
      const second = await storage.createKey(project);
      expect(first.accessKeyId).not.toBe(second.accessKeyId);
      expect(first.secretAccessKey.length).toBeGreaterThanOrEqual(20);
      expect(await storage.keys(project)).toEqual(expect.arrayContaining([first.accessKeyId, second.accessKeyId]));
      await storage.removeKey(project, first.accessKeyId);
      await storage.removeKey(project, first.accessKeyId);
      expect(await storage.keys(project)).not.toContain(first.accessKeyId);
      expect(await storage.keys(project)).toContain(second.accessKeyId);
    });

    it("creates a bucket for its project once, lists it as the project's, and counts an empty one as empty", async () => {
      const storage = await create();
      const project = unique("own");
      const bucket = unique("bk");
      await storage.ensureBucket(settings(bucket, project));
      await storage.ensureBucket(settings(bucket, project, { versioning: true, expireDays: 30, quota: { bytes: 2 * 1024 * 1024, objects: 10 } }));
      expect(await storage.buckets()).toContainEqual({ name: bucket, project });
      expect(await storage.usage(bucket)).toEqual({ bytes: 0, objects: 0 });
      expect(await storage.usage(unique("absent"))).toBeUndefined();
    });

    it("refuses a bucket name another project holds", async () => {
      const storage = await create();
      const bucket = unique("taken");
      await storage.ensureBucket(settings(bucket, unique("first")));
      await expect(storage.ensureBucket(settings(bucket, unique("second")))).rejects.toThrow();
    });

    it("removes a bucket, and a project with its keys and buckets; removing what is absent does nothing", async () => {
      const storage = await create();
      const project = unique("gone");
      const [kept, removed] = [unique("kept"), unique("removed")];
      await storage.ensureBucket(settings(kept, project));
      await storage.ensureBucket(settings(removed, project));
      await storage.removeBucket(removed);
      await storage.removeBucket(removed);
      expect((await storage.buckets()).map((b) => b.name)).not.toContain(removed);
      expect(await storage.usage(removed)).toBeUndefined();
      await storage.createKey(project);
      await storage.removeProject(project);
      await storage.removeProject(project);
      expect(await storage.keys(project)).toEqual([]);
      expect((await storage.buckets()).map((b) => b.name)).not.toContain(kept);
      // a removed bucket's name is free again, for any project
      const next = unique("next");
      await storage.ensureBucket(settings(kept, next));
      expect(await storage.buckets()).toContainEqual({ name: kept, project: next });
    });
  });
}
