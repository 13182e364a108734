// The API of buckets (ADR 0030): a project's buckets as desired state, their usage, the
// configuration people copy into their S3 clients, temporary credentials, key rotation.
// Shared by the server (validation, OpenAPI), the CLI and the portal.
import { Type, type Static } from "typebox";
import { BUCKET_NAME_MAX_LENGTH, BUCKET_NAME_MIN_LENGTH } from "./bucket-names.js";

const BucketName = Type.String({
  minLength: BUCKET_NAME_MIN_LENGTH,
  maxLength: BUCKET_NAME_MAX_LENGTH,
  description: "The bucket's S3 name, unique on its provider: 3-63 lowercase letters, digits and '-'",
});
const PlatformName = Type.String({ maxLength: 63 });

export const BucketCreateBody = Type.Object(
  {
    name: BucketName,
    /** Absent: placed (a platform of the project's tiers with object storage, the reason recorded). */
    platform: Type.Optional(PlatformName),
    sizeGiB: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1000000, description: "Quota the server enforces (default: the configuration's)" })),
    objects: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000_000, description: "Most objects it may hold (absent: no limit)" })),
    versioning: Type.Optional(Type.Boolean()),
    expireDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 36500, description: "Objects expire this many days after they were written" })),
    replica: Type.Optional(PlatformName),
  },
  { additionalProperties: false },
);
export type BucketCreateBody = Static<typeof BucketCreateBody>;

export const BucketReplicaStatus = Type.Object({
  platform: Type.String(),
  /** `configured`: the replica bucket exists and replication is set up; `in-sync`: the replica holds what the source holds. */
  state: Type.Union([
    Type.Literal("pending"),
    Type.Literal("configured"),
    Type.Literal("in-sync"),
    Type.Literal("lagging"),
    Type.Literal("failed"),
    Type.Literal("unknown"),
  ]),
  checkedAt: Type.Union([Type.String(), Type.Null()]),
  /** Objects and bytes the source holds that the replica does not (yet). */
  behind: Type.Optional(Type.Object({ objects: Type.Integer(), bytes: Type.Integer() })),
  message: Type.Optional(Type.String()),
});
export type BucketReplicaStatus = Static<typeof BucketReplicaStatus>;

export const BucketView = Type.Object({
  name: Type.String(),
  project: Type.String(),
  platform: Type.String(),
  placementReason: Type.String(),
  provider: Type.Union([Type.Literal("noobaa"), Type.Literal("rgw-admin")]),
  quota: Type.Object({ sizeGiB: Type.Number(), objects: Type.Union([Type.Integer(), Type.Null()]) }),
  versioning: Type.Boolean(),
  expireDays: Type.Union([Type.Integer(), Type.Null()]),
  createdAt: Type.String(),
  createdBy: Type.String(),
  /** What the server counts now; null when unknown (not yet made, `noobaa`, provider unreachable). */
  usage: Type.Union([Type.Object({ bytes: Type.Integer(), objects: Type.Integer() }), Type.Null()]),
  /** Whether the provider holds it as git says: `ready`, `pending` (not yet made), `failed` (see message), `unknown`. */
  status: Type.Union([Type.Literal("ready"), Type.Literal("pending"), Type.Literal("failed"), Type.Literal("unknown")]),
  message: Type.Optional(Type.String()),
  replica: Type.Optional(BucketReplicaStatus),
  /** Where S3 clients reach it. */
  endpoint: Type.Union([Type.Object({ url: Type.String(), region: Type.String(), pathStyle: Type.Boolean() }), Type.Null()]),
});
export type BucketView = Static<typeof BucketView>;

export const BucketList = Type.Object({ items: Type.Array(BucketView) });
export type BucketList = Static<typeof BucketList>;

export const BucketChange = Type.Object({
  bucket: BucketView,
  commit: Type.Union([Type.String(), Type.Null()], { description: "The commit that made the change; null when nothing changed" }),
});
export type BucketChange = Static<typeof BucketChange>;

export const CredentialsQuery = Type.Object(
  { hours: Type.Optional(Type.Integer({ minimum: 1, maximum: 168, description: "How long the key pair works (default 12)" })) },
  { additionalProperties: false },
);

/** A key pair for the caller's own use, revoked by Plateau when it expires. Shown once: Plateau keeps no copy of the secret. */
export const TemporaryCredentials = Type.Object({
  accessKeyId: Type.String(),
  secretAccessKey: Type.String(),
  expiresAt: Type.String(),
  endpoint: Type.String(),
  region: Type.String(),
  pathStyle: Type.Boolean(),
  /** The project's buckets these keys reach (on this platform). */
  buckets: Type.Array(Type.String()),
});
export type TemporaryCredentials = Static<typeof TemporaryCredentials>;

export const RotateKeyResult = Type.Object({
  platform: Type.String(),
  /** The access key id now in use (the secret is handed to instances, never shown here). */
  accessKeyId: Type.String(),
  /** The instances restarted to take the new key. */
  restarted: Type.Array(Type.String()),
});
export type RotateKeyResult = Static<typeof RotateKeyResult>;
