// Buckets as desired state (ADR 0030): a project's buckets, listed with their usage, created and
// removed with one commit each. Project routes: a non-member gets 404, whatever exists.
import { Type } from "typebox";
import { ErrorBody, IDEMPOTENCY_HEADER, ProjectParams } from "../../contracts/api.js";
import { BucketChange, BucketCreateBody, BucketList, BucketView } from "../../contracts/buckets.js";
import { requesterOf } from "../../core/access/principal.js";
import { NotFoundError } from "../../core/errors.js";
import type { App, ServerDeps } from "../app.js";
import { userOf } from "../access.js";
import { requestId } from "./routes.js";

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 429: ErrorBody, 500: ErrorBody };
const BucketParams = Type.Object({ project: Type.String(), bucket: Type.String() });
const BODY_LIMIT = 16 * 1024;

export function registerBucketRoutes(app: App, deps: ServerDeps): void {
  const bucketsOrNone = () => {
    const buckets = deps.services.buckets;
    if (!buckets) throw new NotFoundError("feature", "buckets");
    return buckets;
  };

  app.get(
    "/projects/:project/buckets",
    {
      config: { access: { kind: "project", action: "read" } },
      schema: {
        tags: ["buckets"],
        summary: "A project's buckets, with what their provider counts and their status",
        params: ProjectParams,
        response: { 200: BucketList, ...errors },
      },
    },
    async (request) => ({ items: await bucketsOrNone().list(request.params.project) }),
  );

  app.post(
    "/projects/:project/buckets",
    {
      config: { access: { kind: "project", action: "write" }, audit: "bucket-create" },
      bodyLimit: BODY_LIMIT,
      schema: {
        tags: ["buckets"],
        summary: "Create a bucket (one commit); its provider makes it next",
        description: `The name is the bucket's S3 name, unique among every project's buckets. Send an ${IDEMPOTENCY_HEADER} header to make retries safe.`,
        params: ProjectParams,
        body: BucketCreateBody,
        response: { 201: BucketChange, ...errors },
      },
    },
    async (request, reply) => {
      const change = await bucketsOrNone().create(
        { ...request.body, project: request.params.project, ...(requestId(request) !== undefined ? { requestId: requestId(request) } : {}) },
        requesterOf(userOf(request)),
      );
      return reply.status(201).send(change);
    },
  );

  app.get(
    "/projects/:project/buckets/:bucket",
    {
      config: { access: { kind: "project", action: "read" } },
      schema: { tags: ["buckets"], summary: "A bucket", params: BucketParams, response: { 200: BucketView, ...errors } },
    },
    async (request) => bucketsOrNone().get(request.params.project, request.params.bucket),
  );

  app.delete(
    "/projects/:project/buckets/:bucket",
    {
      config: { access: { kind: "project", action: "write" }, audit: "bucket-remove" },
      schema: {
        tags: ["buckets"],
        summary: "Remove a bucket (one commit): its provider deletes it with every object in it",
        params: BucketParams,
        response: { 200: BucketChange, ...errors },
      },
    },
    async (request) => bucketsOrNone().remove(request.params.project, request.params.bucket, requesterOf(userOf(request))),
  );
}
