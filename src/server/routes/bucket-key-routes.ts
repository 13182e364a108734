// A person's temporary S3 credentials and the rotation of a project's key (ADR 0030): both
// hand out or replace keys, so both are audited; the secret of a temporary key pair is in this
// answer only, and a rotated key is never shown (it goes to the instances).
import { Type } from "typebox";
import { ErrorBody } from "../../contracts/api.js";
import { CredentialsQuery, RotateKeyResult, TemporaryCredentials } from "../../contracts/buckets.js";
import { NotFoundError } from "../../core/errors.js";
import type { App, ServerDeps } from "../app.js";
import { userOf } from "../access.js";

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 429: ErrorBody, 500: ErrorBody };
const BucketParams = Type.Object({ project: Type.String({ maxLength: 63 }), bucket: Type.String({ maxLength: 63 }) });
const PlatformParams = Type.Object({ project: Type.String({ maxLength: 63 }), platform: Type.String({ maxLength: 63 }) });

export function registerBucketKeyRoutes(app: App, deps: ServerDeps): void {
  const keysOrNone = () => {
    const keys = deps.services.bucketKeys;
    if (!keys) throw new NotFoundError("feature", "object storage");
    return keys;
  };

  app.post(
    "/projects/:project/buckets/:bucket/credentials",
    {
      // Editors: the key pair reads and writes every bucket of the project on that platform.
      config: { access: { kind: "project", action: "write" }, audit: "bucket.credentials" },
      schema: {
        tags: ["buckets"],
        summary:
          "A key pair of the project on the bucket's platform for the caller's own use, shown once and revoked when it expires (rgw-admin platforms; noobaa answers 409 credentials-in-cluster)",
        params: BucketParams,
        body: Type.Optional(CredentialsQuery),
        response: { 200: TemporaryCredentials, ...errors },
      },
    },
    async (request, reply) => {
      const { project, bucket } = request.params;
      const credentials = await keysOrNone().temporaryCredentials(project, bucket, userOf(request).login, request.body?.hours);
      // Shown once: no cache may keep it.
      return reply.header("cache-control", "no-store").send({ ...credentials, buckets: [...credentials.buckets] });
    },
  );

  app.post(
    "/projects/:project/s3/:platform/rotate-key",
    {
      config: { access: { kind: "project", action: "admin" }, audit: "bucket.rotate-key" },
      schema: {
        tags: ["buckets"],
        summary:
          "A new key for the project on the platform: handed to the instances that use the old one (restarted), then every other key of the project there is revoked",
        params: PlatformParams,
        response: { 200: RotateKeyResult, ...errors },
      },
    },
    async (request) => {
      const outcome = await keysOrNone().rotateKey(request.params.project, request.params.platform);
      return { ...outcome, restarted: [...outcome.restarted] };
    },
  );
}
