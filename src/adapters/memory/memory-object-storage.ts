// An object storage held in memory, beside the real one (adapters/s3/rgw-admin.ts): same
// contract (core/ports/object-storage.contract.ts). It keeps users, keys, buckets and their
// settings, and counts usage from what tests put with `putObject`.
import { randomBytes } from "node:crypto";
import type { BucketSettings, BucketUsage, ObjectStorage, ProvidedBucket, S3Endpoint, S3Key } from "../../core/ports/object-storage.js";

export interface MemoryObjectStorage extends ObjectStorage {
  /** What the provider holds, for tests: buckets with their settings and objects. */
  readonly state: {
    readonly users: ReadonlyMap<string, ReadonlyMap<string, string>>;
    readonly buckets: ReadonlyMap<string, { readonly settings: BucketSettings; readonly objects: ReadonlyMap<string, number> }>;
  };
  /** Stores an object (its size only) as its project's key would: refused (an Error) past the quota or with a key that is not the owner's. */
  putObject(accessKeyId: string, bucket: string, key: string, bytes: number): void;
}

export function createMemoryObjectStorage(params: { endpoint?: S3Endpoint } = {}): MemoryObjectStorage {
  const endpoint = params.endpoint ?? { url: "http://s3.memory.invalid", region: "us-east-1", pathStyle: true };
  /** project → access key id → secret */
  const users = new Map<string, Map<string, string>>();
  const buckets = new Map<string, { settings: BucketSettings; objects: Map<string, number> }>();

  const ensureUser = (project: string): Map<string, string> => {
    let keys = users.get(project);
    if (!keys) users.set(project, (keys = new Map()));
    return keys;
  };
  const ownerOfKey = (accessKeyId: string): string | undefined => [...users].find(([, keys]) => keys.has(accessKeyId))?.[0];

  return {
    endpoint,
    state: { users, buckets },
    async ensureProject(project) {
      ensureUser(project);
    },
    async createKey(project): Promise<S3Key> {
      const key = { accessKeyId: randomBytes(10).toString("hex").toUpperCase(), secretAccessKey: randomBytes(20).toString("base64url") };
      ensureUser(project).set(key.accessKeyId, key.secretAccessKey);
      return key;
    },
    async keys(project) {
      return [...(users.get(project)?.keys() ?? [])].sort();
    },
    async removeKey(project, accessKeyId) {
      users.get(project)?.delete(accessKeyId);
    },
    async removeProject(project) {
      users.delete(project);
      for (const [name, bucket] of buckets) if (bucket.settings.project === project) buckets.delete(name);
    },
    async ensureBucket(settings) {
      const existing = buckets.get(settings.name);
      if (existing && existing.settings.project !== settings.project) {
        throw new Error(`bucket ${settings.name} belongs to another owner (BucketAlreadyExists)`);
      }
      ensureUser(settings.project);
      buckets.set(settings.name, { settings: { ...settings }, objects: existing?.objects ?? new Map() });
    },
    async removeBucket(name) {
      buckets.delete(name);
    },
    async usage(name): Promise<BucketUsage | undefined> {
      const bucket = buckets.get(name);
      if (!bucket) return undefined;
      return { bytes: [...bucket.objects.values()].reduce((sum, size) => sum + size, 0), objects: bucket.objects.size };
    },
    async buckets(): Promise<ProvidedBucket[]> {
      return [...buckets.values()].map(({ settings }) => ({ name: settings.name, project: settings.project })).sort((a, b) => (a.name < b.name ? -1 : 1));
    },
    putObject(accessKeyId, name, key, bytes) {
      const bucket = buckets.get(name);
      if (!bucket) throw new Error(`NoSuchBucket: ${name}`);
      if (ownerOfKey(accessKeyId) !== bucket.settings.project) throw new Error(`AccessDenied: ${name}`);
      const used = [...bucket.objects].reduce((sum, [k, size]) => sum + (k === key ? 0 : size), 0);
      if (used + bytes > bucket.settings.quota.bytes) throw new Error(`QuotaExceeded: ${name}`);
      const objects = bucket.objects.has(key) ? bucket.objects.size : bucket.objects.size + 1;
      if (bucket.settings.quota.objects !== undefined && objects > bucket.settings.quota.objects) throw new Error(`QuotaExceeded: ${name}`);
      bucket.objects.set(key, bytes);
    },
  };
}
