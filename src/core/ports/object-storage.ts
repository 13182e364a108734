// Object storage on demand (ADR 0030): what a provider does for Plateau on one platform.
// `rgw-admin` (a Ceph RADOS Gateway, through its admin ops API and S3) implements it; `noobaa`
// does not — its buckets are ObjectBucketClaims rendered into the desired state, and their
// credentials never leave the cluster. Projects are the owners: each has its own user (its
// own key pairs) on each provider, and a bucket belongs to exactly one project.

/** A key pair of a project's user. */
export interface S3Key {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** What a bucket should be: created when missing, brought to these settings when it differs. */
export interface BucketSettings {
  /** The S3 name (valid, checked by core/buckets/names.ts). */
  readonly name: string;
  /** The project that owns it: the only one whose keys reach it. */
  readonly project: string;
  /** Enforced by the server: bytes and objects; absent, no limit of that kind. */
  readonly quota: { readonly bytes: number; readonly objects?: number };
  readonly versioning: boolean;
  /** Lifecycle: objects expire this many days after they were written; absent, never. */
  readonly expireDays?: number;
}

export interface BucketUsage {
  readonly bytes: number;
  readonly objects: number;
}

/** A bucket the provider holds for one of Plateau's projects (what convergence compares with git). */
export interface ProvidedBucket {
  readonly name: string;
  readonly project: string;
}

/** Where S3 clients reach a provider: what instances and people are given. */
export interface S3Endpoint {
  /** `https://s3.example.org` (no trailing slash). */
  readonly url: string;
  readonly region: string;
  /** Clients must address buckets by path (`<url>/<bucket>/<key>`), not by host. */
  readonly pathStyle: boolean;
}

export interface ObjectStorage {
  readonly endpoint: S3Endpoint;
  /** Makes the project's user if it is missing (idempotent). */
  ensureProject(project: string): Promise<void>;
  /** A new key pair for the project's user (its user made if missing); the old ones keep working until removed. */
  createKey(project: string): Promise<S3Key>;
  /** The access key ids of the project's user (none when it has no user). */
  keys(project: string): Promise<string[]>;
  /** Revokes one key of the project (at once: the next request signed with it is refused). Absent key: nothing. */
  removeKey(project: string, accessKeyId: string): Promise<void>;
  /** Removes the project's user, its keys (at once) and its buckets with their objects. Absent user: nothing. */
  removeProject(project: string): Promise<void>;
  /** Creates the bucket for its project when missing, then applies its quota, versioning and lifecycle (idempotent). */
  ensureBucket(settings: BucketSettings): Promise<void>;
  /** Removes the bucket and every object (and version) in it. Absent bucket: nothing. */
  removeBucket(name: string): Promise<void>;
  /** What the bucket holds now, as the server counts it; undefined when it does not exist. */
  usage(name: string): Promise<BucketUsage | undefined>;
  /** Every bucket owned by a project of this installation (by its user prefix). */
  buckets(): Promise<ProvidedBucket[]>;
}

/** The object storage of each platform that has one Plateau drives (`rgw-admin`); undefined otherwise. */
export interface ObjectStorages {
  storageFor(platform: string): Promise<ObjectStorage | undefined>;
}
