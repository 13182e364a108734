// The `rgw-admin` provider of object storage (ADR 0030): a Ceph RADOS Gateway driven through its
// admin ops API (users, keys, bucket quotas, removal, stats) and S3 (the bucket itself and its
// versioning, lifecycle and policy, done with the owning project's own key). Each project is
// one RGW user, `<userPrefix><project>`; the user that creates a bucket owns it, and the policy
// names that user alone, so isolation rests on ownership, never on names.
import {
  CreateBucketCommand,
  DeleteBucketLifecycleCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  type LifecycleRule,
  type S3Client,
} from "@aws-sdk/client-s3";
import { randomBytes } from "node:crypto";
import type { BucketSettings, BucketUsage, ObjectStorage, ProvidedBucket, S3Endpoint, S3Key } from "../../core/ports/object-storage.js";
import { createS3Client } from "./client.js";
import { ObjectStorageError, s3ErrorCode, s3ErrorStatus } from "./errors.js";
import { createRgwAdminApi } from "./rgw-admin-api.js";

export { ObjectStorageError } from "./errors.js";

export interface RgwAdminStorageParams {
  /** Where clients reach the gateway (S3). */
  readonly endpoint: S3Endpoint;
  /** Where Plateau reaches its admin ops API, when not at the endpoint (`<adminURL>/admin/…`). */
  readonly adminURL?: string;
  /** A key of a user with admin caps (users, buckets, metadata = *). */
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Prefix of the RGW users of this installation's projects (`plateau-`). */
  readonly userPrefix: string;
}

/** The id of the one lifecycle rule Plateau keeps on a bucket (any other rule there is replaced by it, or removed). */
export const EXPIRY_RULE_ID = "plateau-expiry";

interface RgwKey {
  readonly user: string;
  readonly access_key: string;
  readonly secret_key: string;
}
interface RgwUser {
  readonly user_id: string;
  readonly keys?: readonly RgwKey[];
}
interface RgwQuota {
  readonly enabled?: boolean;
  readonly max_size?: number;
  readonly max_size_kb?: number;
  readonly max_objects?: number;
}
interface RgwBucketStats {
  readonly bucket: string;
  readonly owner: string;
  readonly usage?: Readonly<Record<string, { readonly size?: number; readonly size_actual?: number; readonly num_objects?: number }>>;
  readonly bucket_quota?: RgwQuota;
}

/** The policy that lets the owner alone in (RGW's owner reaches its bucket anyway; this says so, and refuses nobody else's grant). */
export function ownerOnlyPolicy(bucket: string, uid: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "plateau-owner-only",
        Effect: "Allow",
        Principal: { AWS: [`arn:aws:iam:::user/${uid}`] },
        Action: ["s3:*"],
        Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
      },
    ],
  });
}

export function createRgwAdminStorage(params: RgwAdminStorageParams): ObjectStorage {
  const admin = createRgwAdminApi({
    url: params.adminURL ?? params.endpoint.url,
    region: params.endpoint.region,
    accessKeyId: params.accessKeyId,
    secretAccessKey: params.secretAccessKey,
  });
  const uidOf = (project: string): string => `${params.userPrefix}${project}`;
  const isProjectUser = (uid: string): boolean => uid.startsWith(params.userPrefix) && uid.length > params.userPrefix.length;
  const s3As = (key: S3Key): S3Client => createS3Client({ endpoint: params.endpoint.url, region: params.endpoint.region, credentials: key });

  const userInfo = (uid: string): Promise<RgwUser | undefined> => admin.request<RgwUser>("GET", "user", { uid }, ["NoSuchUser"]);

  const ensureUser = async (project: string): Promise<RgwUser> => {
    const uid = uidOf(project);
    const existing = await userInfo(uid);
    if (existing) return existing;
    const created = await admin
      .request<RgwUser>("PUT", "user", { uid, "display-name": `Plateau project ${project}`, "generate-key": false })
      .catch(async (error: unknown) => {
        // made meanwhile by another caller: theirs is as good
        if (error instanceof ObjectStorageError && error.code === "UserAlreadyExists") return userInfo(uid);
        throw error;
      });
    if (!created) throw new ObjectStorageError("NoSuchUser", `RGW user ${uid} could not be made`);
    return created;
  };

  const addKey = async (uid: string): Promise<S3Key> => {
    // Plateau names the key (the answer lists every key of the user, not which one is new) and
    // the gateway makes its secret: a secret in a request's query would land in access logs
    const accessKeyId = newAccessKeyId();
    const keys = await admin.request<RgwKey[]>("PUT", "user", { key: "", uid, "key-type": "s3", "access-key": accessKeyId, "generate-key": true });
    const made = keys?.find((key) => key.access_key === accessKeyId);
    if (!made?.secret_key) throw new ObjectStorageError("InvalidAccessKeyId", `RGW made no key ${accessKeyId} for ${uid}`);
    return { accessKeyId, secretAccessKey: made.secret_key };
  };
  const deleteKey = (uid: string, accessKeyId: string): Promise<unknown> =>
    admin.request("DELETE", "user", { key: "", uid, "key-type": "s3", "access-key": accessKeyId }, ["InvalidAccessKeyId", "NoSuchKey", "NoSuchUser"]);

  /** Runs `work` with a key of the project's user: one it has, else a transient one removed after. */
  const withOwnerKey = async <T>(user: RgwUser, work: (s3: S3Client) => Promise<T>): Promise<T> => {
    const own = user.keys?.find((key) => key.user === user.user_id);
    if (own) return work(s3As({ accessKeyId: own.access_key, secretAccessKey: own.secret_key }));
    const transient = await addKey(user.user_id);
    try {
      return await work(s3As(transient));
    } finally {
      await deleteKey(user.user_id, transient.accessKeyId);
    }
  };

  const bucketStats = (name: string): Promise<RgwBucketStats | undefined> =>
    admin.request<RgwBucketStats>("GET", "bucket", { bucket: name, stats: true }, ["NoSuchBucket"]);

  const applyQuota = async (settings: BucketSettings, uid: string, current: RgwQuota | undefined): Promise<void> => {
    const maxSizeKb = Math.ceil(settings.quota.bytes / 1024);
    const maxObjects = settings.quota.objects ?? -1;
    if (current?.enabled === true && current.max_size_kb === maxSizeKb && current.max_objects === maxObjects) return;
    await admin.request("PUT", "bucket", { quota: "", uid, bucket: settings.name, "max-size-kb": maxSizeKb, "max-objects": maxObjects, enabled: true });
  };

  /** `fresh`: the bucket was just made, so it has none of these settings and nothing is read first. */
  const applySettings = async (s3: S3Client, settings: BucketSettings, uid: string, fresh: boolean): Promise<void> => {
    const bucket = settings.name;
    const versioning = fresh ? undefined : (await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status;
    if (settings.versioning && versioning !== "Enabled") {
      await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
    } else if (!settings.versioning && versioning === "Enabled") {
      // a bucket once versioned can only be suspended
      await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Suspended" } }));
    }

    const rules: LifecycleRule[] = fresh
      ? []
      : await s3
          .send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))
          .then((answer) => answer.Rules ?? [])
          .catch((error: unknown) => {
            if (s3ErrorCode(error) === "NoSuchLifecycleConfiguration") return [];
            throw error;
          });
    if (settings.expireDays === undefined) {
      if (rules.length > 0) await s3.send(new DeleteBucketLifecycleCommand({ Bucket: bucket }));
    } else if (!isExpiryRule(rules, settings.expireDays)) {
      await s3.send(
        new PutBucketLifecycleConfigurationCommand({
          Bucket: bucket,
          LifecycleConfiguration: {
            Rules: [{ ID: EXPIRY_RULE_ID, Status: "Enabled", Filter: { Prefix: "" }, Expiration: { Days: settings.expireDays } }],
          },
        }),
      );
    }

    const policy = ownerOnlyPolicy(bucket, uid);
    const currentPolicy = fresh
      ? undefined
      : await s3
          .send(new GetBucketPolicyCommand({ Bucket: bucket }))
          .then((answer) => answer.Policy)
          .catch((error: unknown) => {
            if (s3ErrorCode(error) === "NoSuchBucketPolicy") return undefined;
            throw error;
          });
    if (currentPolicy !== policy) await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: policy }));
  };

  const removeBucketNamed = (name: string): Promise<unknown> => admin.request("DELETE", "bucket", { bucket: name, "purge-objects": true }, ["NoSuchBucket"]);

  const storage: ObjectStorage = {
    endpoint: params.endpoint,

    async ensureProject(project) {
      await ensureUser(project);
    },

    async createKey(project) {
      const user = await ensureUser(project);
      return addKey(user.user_id);
    },

    async keys(project) {
      const user = await userInfo(uidOf(project));
      return (user?.keys ?? []).map((key) => key.access_key).sort();
    },

    async removeKey(project, accessKeyId) {
      const user = await userInfo(uidOf(project));
      // a key of another user is not this project's to remove
      if (!user?.keys?.some((key) => key.access_key === accessKeyId)) return;
      await deleteKey(user.user_id, accessKeyId);
    },

    async removeProject(project) {
      const uid = uidOf(project);
      const user = await userInfo(uid);
      if (!user) return;
      // keys first: from here on nothing signed by the project gets in
      for (const key of user.keys ?? []) await deleteKey(uid, key.access_key);
      const names = (await admin.request<string[]>("GET", "bucket", { uid }, ["NoSuchUser"])) ?? [];
      for (const name of names) await removeBucketNamed(name);
      await admin.request("DELETE", "user", { uid, "purge-data": true }, ["NoSuchUser"]);
    },

    async ensureBucket(settings) {
      const uid = uidOf(settings.project);
      const user = await ensureUser(settings.project);
      let stats = await bucketStats(settings.name);
      if (stats && stats.owner !== uid) throw bucketTaken(settings.name);
      let fresh = false;
      await withOwnerKey(user, async (s3) => {
        if (!stats) {
          // Made with the project user's own key: it owns it. Made meanwhile by this same project: read it as it is.
          fresh = await s3.send(new CreateBucketCommand({ Bucket: settings.name })).then(
            () => true,
            (error: unknown) => {
              if (s3ErrorCode(error) === "BucketAlreadyOwnedByYou") return false;
              if (s3ErrorCode(error) === "BucketAlreadyExists") throw bucketTaken(settings.name);
              throw fromS3(error, `CreateBucket ${settings.name}`);
            },
          );
          if (!fresh) {
            stats = await bucketStats(settings.name);
            if (stats && stats.owner !== uid) throw bucketTaken(settings.name);
          }
        }
        await applySettings(s3, settings, uid, fresh).catch((error: unknown) => {
          throw error instanceof ObjectStorageError ? error : fromS3(error, `settings of bucket ${settings.name}`);
        });
      });
      await applyQuota(settings, uid, stats?.bucket_quota);
    },

    async removeBucket(name) {
      const stats = await bucketStats(name);
      if (!stats) return;
      // a gateway may be shared: what is not one of this installation's projects is not Plateau's to remove
      if (!isProjectUser(stats.owner)) throw new ObjectStorageError("AccessDenied", `bucket ${name} belongs to no project of this installation`, 403);
      await removeBucketNamed(name);
    },

    async usage(name): Promise<BucketUsage | undefined> {
      const stats = await bucketStats(name);
      if (!stats) return undefined;
      const main = stats.usage?.["rgw.main"];
      return { bytes: main?.size ?? main?.size_actual ?? 0, objects: main?.num_objects ?? 0 };
    },

    async buckets(): Promise<ProvidedBucket[]> {
      const all = (await admin.request<RgwBucketStats[]>("GET", "bucket", { stats: true })) ?? [];
      return all
        .filter((bucket) => isProjectUser(bucket.owner))
        .map((bucket) => ({ name: bucket.bucket, project: bucket.owner.slice(params.userPrefix.length) }))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },
  };
  return storage;
}

function isExpiryRule(rules: readonly LifecycleRule[], days: number): boolean {
  const [rule, ...others] = rules;
  return (
    others.length === 0 &&
    rule?.ID === EXPIRY_RULE_ID &&
    rule.Status === "Enabled" &&
    rule.Expiration?.Days === days &&
    (rule.Filter?.Prefix ?? rule.Prefix ?? "") === ""
  );
}

function bucketTaken(name: string): ObjectStorageError {
  return new ObjectStorageError("BucketAlreadyExists", `bucket ${name} belongs to another owner`, 409);
}

function fromS3(error: unknown, what: string): ObjectStorageError {
  const code = s3ErrorCode(error) ?? (error instanceof Error ? error.name : "Error");
  return new ObjectStorageError(code, `RGW S3 ${what}: ${code}`, s3ErrorStatus(error));
}

/** 20 characters of A-Z0-9, the shape of AWS and RGW access key ids. */
function newAccessKeyId(): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  return [...randomBytes(20)].map((byte) => alphabet[byte % alphabet.length]).join("");
}
